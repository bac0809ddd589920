"""`wins --together` and `summary --together`: two people on one screen see only what both can see.

And the class behind it: an appreciation you have not shared yet is your private note, never a win for
the peer it is about, in any view.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import PRIVATE, Invoke, days_ago, journal_at, refused_cleanly


def as_json(invoke: Invoke, *args: str) -> dict:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def win_texts(data: dict) -> set[str]:
    return {w["text"] for week in data["weeks"] for w in week["wins"]}


def how_far(data: dict) -> dict[str, int]:
    return {j["person"]: j["wins"] for j in data["how_far"]["people"]}


@pytest.fixture
def mixed(journal: Invoke, home: Path) -> Invoke:
    """Ana and Sam: shared entries on both sides, and Ana's private notes, two of them unshared thanks."""
    j = journal_at(home)
    j.checkin("me", pair="Sam", at=days_ago(4), mood=3, wins=("Shared win",))
    j.checkin("me", pair="Sam", at=days_ago(3), mood=1, wins=("My private win",), visibility=PRIVATE)
    j.checkin("Sam", pair="Sam", at=days_ago(2), mood=4, wins=("Sam's win",))
    j.feedback("me", "Sam", "Thanks for the walk", at=days_ago(2))
    j.feedback("me", "Sam", "Not given yet: your patience", at=days_ago(1), visibility=PRIVATE)
    j.feedback("me", "Sam", "Also not given: your jokes", at=days_ago(1), visibility=PRIVATE)
    j.feedback("Sam", "me", "You listened well", at=days_ago(1))
    return journal


@pytest.mark.parametrize("backend", ["fts5", "portable"])
def test_wins_together_shows_only_shared_entries_of_both(
    mixed: Invoke, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "portable":
        from peerlog import search

        monkeypatch.setattr(search, "BACKENDS", {})
    data = as_json(mixed, "wins", "--together", "--pair", "sam")
    assert win_texts(data) == {"Shared win", "Sam's win", "Thanks for the walk", "You listened well"}
    assert data["together"] is True and data["includes_private"] is False
    # How far you've come counts the same things: 1 win + 1 appreciation received each.
    assert how_far(data) == {"Ana": 2, "Sam": 2}
    assert {j["person"]: j["checkins"] for j in data["how_far"]["people"]} == {"Ana": 1, "Sam": 1}


@pytest.mark.parametrize("backend", ["fts5", "portable"])
def test_an_unshared_appreciation_is_never_a_win_for_the_peer(
    mixed: Invoke, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "portable":
        from peerlog import search

        monkeypatch.setattr(search, "BACKENDS", {})
    data = as_json(mixed, "wins", "--pair", "sam")
    texts = win_texts(data)
    assert "My private win" in texts  # your own private note, in your own view
    assert not {t for t in texts if "not given" in t.lower()}
    assert how_far(data)["Sam"] == 2
    assert data["includes_private"] is True
    summary = as_json(mixed, "summary", "--pair", "sam")
    assert summary["wins"]["counts"] == {"Ana": 3, "Sam": 2}
    assert not [w for w in summary["wins"]["recent"] if "not given" in w["text"].lower()]


def test_the_summary_says_which_feedback_was_not_given_yet(mixed: Invoke) -> None:
    data = as_json(mixed, "summary", "--pair", "sam")
    [mine] = [f for f in data["feedback"] if f["from"] == "Ana"]
    assert mine["appreciations"] == 3 and mine["not_given"] == 2
    out = mixed("summary", "--pair", "sam", env={"COLUMNS": "80"}).output
    assert "3 appreciations (2 not given yet)" in out
    assert "♥ not given yet · Not given yet: your patience" in out


def test_summary_together_counts_only_shared_entries(mixed: Invoke) -> None:
    data = as_json(mixed, "summary", "--together", "--pair", "sam")
    assert data["checkins"] == {"Ana": 1, "Sam": 1}
    assert data["wins"]["counts"] == {"Ana": 2, "Sam": 2}
    [mine] = [f for f in data["feedback"] if f["from"] == "Ana"]
    assert mine["appreciations"] == 1 and mine["not_given"] == 0
    for width in (80, 120):
        out = mixed("summary", "--together", "--pair", "sam", env={"COLUMNS": str(width)}).output
        assert "My private win" not in out and "not given" not in out.lower()
        assert "Only what you both can see" in out
        assert all(len(line) <= width for line in out.splitlines())


def test_each_view_says_what_it_includes(mixed: Invoke) -> None:
    for command in ("wins", "summary"):
        alone = mixed(command, "--pair", "sam", env={"COLUMNS": "80"}).output
        assert "Includes your private notes" in alone
        assert f"peerlog {command} --together --pair Sam" in alone
        together = mixed(command, "--together", "--pair", "sam", env={"COLUMNS": "80"}).output
        assert "Only what you both can see" in together
        assert "Includes your private notes" not in together
        assert "My private win" not in together


def test_together_uses_your_one_active_pair(mixed: Invoke) -> None:
    data = as_json(mixed, "wins", "--together")
    assert data["pair"]["people"] == ["Ana", "Sam"]
    assert "My private win" not in win_texts(data)


def test_together_with_two_pairs_asks_which_one(mixed: Invoke) -> None:
    assert mixed("pair", "add", "Kim").exit_code == 0
    for command in ("wins", "summary"):
        result = mixed(command, "--together")
        refused_cleanly(result)
        assert result.exit_code == 2
        assert "which one" in result.output and "Kim" in result.output and "Sam" in result.output


def test_together_without_a_pair_says_one_is_needed(invoke: Invoke) -> None:
    assert invoke("init", "--name", "Ana").exit_code == 0
    result = invoke("wins", "--together")
    refused_cleanly(result)
    assert result.exit_code == 2 and "no active pair" in result.output
