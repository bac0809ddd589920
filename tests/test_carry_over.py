"""Carry-over: what a pair wanted to try next time opens their next reflection."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import PRIVATE, Invoke, days_ago, journal_at
from test_reflect_interactive import CTRL_C, typed


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("peerlog.cli.reflect.is_interactive", lambda: True)


def header(invoke: Invoke, *args: str) -> str:
    """What `reflect` prints before its first question (Ctrl-C there saves nothing)."""
    with typed(CTRL_C):
        result = invoke("reflect", *args)
    assert result.exit_code == 130
    return result.stdout


def test_both_answers_of_the_latest_session_open_the_next_reflection(
    journal: Invoke, home: Path, terminal: None
) -> None:
    j = journal_at(home)
    j.session_check("me", "Sam", {"heard": 4}, at=days_ago(9))
    j.reflection("me", "Sam", [("different", "text", "An older idea")], pack="session-check", at=days_ago(9))
    j.reflection(
        "me", "Sam", [("different", "text", "Start with a walk")], pack="session-check", at=days_ago(2)
    )
    j.reflection(
        "Sam", "Sam", [("different", "text", "Swap who goes first")], pack="session-check", at=days_ago(2, 14)
    )
    out = header(journal, "--pair", "sam")
    assert "Last time, you two wanted to try:" in out
    assert "You: Start with a walk" in out and "Sam: Swap who goes first" in out
    assert out.index("You: Start with a walk") < out.index("Sam: Swap who goes first")
    assert "An older idea" not in out
    # The header comes first, then what carries over.
    assert out.index("Every question can be skipped") < out.index("Last time")


def test_matched_by_prompt_id_not_by_wording(journal: Invoke, home: Path, terminal: None) -> None:
    j = journal_at(home)
    # The same words under another prompt id are not a "next time" answer.
    j.reflection("me", "Sam", [("resonated", "long", "try a walk")], pack="session-check", at=days_ago(1))
    j.reflection("me", "Sam", [("next-time", "text", "How the move went")], at=days_ago(1))
    out = header(journal, "--pair", "sam")
    assert "Last time, you two wanted to talk about:" in out and "You: How the move went" in out
    assert "try a walk" not in out


def test_a_peers_private_answer_and_another_pairs_never_show(
    journal: Invoke, home: Path, terminal: None
) -> None:
    assert journal("pair", "add", "Kim").exit_code == 0
    j = journal_at(home)
    j.reflection(
        "Sam", "Sam", [("different", "text", "Sam kept this")], pack="session-check", visibility=PRIVATE
    )
    j.reflection("me", "Kim", [("different", "text", "Kim's idea")], pack="session-check")
    out = header(journal, "--pair", "sam")
    assert "Sam kept this" not in out and "Kim's idea" not in out and "Last time" not in out
    assert "You: Kim's idea" in header(journal, "--pair", "kim")


def test_your_own_private_answer_carries_over_for_you(journal: Invoke, home: Path, terminal: None) -> None:
    journal_at(home).reflection(
        "me", "Sam", [("different", "text", "Slow down")], pack="session-check", visibility=PRIVATE
    )
    assert "You: Slow down" in header(journal, "--pair", "sam")


def test_a_pair_with_nothing_to_carry_over_starts_as_before(journal: Invoke, terminal: None) -> None:
    out = header(journal, "--pair", "sam")
    assert "Every question can be skipped" in out and "Last time" not in out
