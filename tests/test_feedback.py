"""`peerlog feedback`: two-way feedback between equals, private unless shared, with gentle wording hints."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from support import Invoke

ENTER, CLEAR_LINE, DOWN = "\r", "\x15", "\x1b[B"


@contextmanager
def typed(keys: str) -> Iterator[None]:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys)
        pipe.close()
        yield


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("peerlog.cli.reflect.is_interactive", lambda: True)


def given(invoke: Invoke, *args: str) -> list[dict]:
    result = invoke("feedback", *args, "--list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(home: Path) -> list[tuple]:
    with sqlite3.connect(home / "peerlog.db") as db:
        return db.execute(
            "SELECT a.name, r.name, f.kind, f.message, f.visibility, f.pair_id = p.id"
            " FROM feedback f JOIN person a ON a.id = f.author_id JOIN person r ON r.id = f.recipient_id"
            " CROSS JOIN pair p"
        ).fetchall()


def test_feedback_is_stored_from_you_to_your_peer_in_your_pair(journal: Invoke, home: Path) -> None:
    result = journal("feedback", "sam", "I valued how you listened today")
    assert result.exit_code == 0, result.output
    assert "Saved your appreciation for Sam" in result.stdout
    assert "private: only you see it" in result.stdout
    assert rows(home) == [("Ana", "Sam", "appreciation", "I valued how you listened today", "private", 1)]


def test_a_suggestion_can_be_shared(journal: Invoke, home: Path) -> None:
    result = journal(
        "feedback",
        "Sam",
        "Next time, could we start with a quiet minute?",
        "--kind",
        "suggestion",
        "--shared",
    )
    assert result.exit_code == 0, result.output
    assert "shared: it goes into what you share with Sam" in result.stdout
    assert rows(home)[0][2:5] == ("suggestion", "Next time, could we start with a quiet minute?", "shared")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kim", "Thanks"], "You have no pair with 'kim'."),
        (
            ["sam", "Thanks", "--kind", "criticism"],
            "Feedback is an 'appreciation' or a 'suggestion', not 'criticism'.",
        ),
        (["sam", "   "], "There is no feedback to save."),
        ([], "Whose feedback is it? Give your peer's name."),
        (["sam", "bad\x07bell"], "The feedback contains control characters."),
    ],
)
def test_bad_feedback_is_one_kind_line_exit_2_and_nothing_is_saved(
    journal: Invoke, home: Path, args: list[str], message: str
) -> None:
    result = journal("feedback", *args, input="")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"peerlog: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert rows(home) == []


def test_feedback_for_an_ended_pair_is_refused_kindly(journal: Invoke, home: Path) -> None:
    journal("pair", "end", "sam")
    result = journal("feedback", "sam", "Thank you")
    assert result.exit_code == 2
    assert "Your pair with Sam has ended." in result.stderr
    assert rows(home) == []


def test_feedback_can_be_piped_in(journal: Invoke, home: Path) -> None:
    result = journal("feedback", "sam", input="Thank you for sharing your story.\n")
    assert result.exit_code == 0, result.output
    assert rows(home)[0][3] == "Thank you for sharing your story."


def test_directive_feedback_gets_a_gentle_note_on_stderr_and_is_kept_as_written(
    journal: Invoke, home: Path
) -> None:
    result = journal("feedback", "sam", "You should sleep more and you always say yes to everything")
    assert result.exit_code == 0
    notes = result.stderr.strip().splitlines()
    assert notes[0].startswith(
        'peerlog: a gentle note on your feedback for Sam: "You should" can sound like an'
    )
    assert "Here's something that worked for me" in notes[0]
    assert notes[1].startswith(
        'peerlog: a gentle note on your feedback for Sam: "you always" sums a person up'
    )
    assert notes[2] == "peerlog: kept your words as you wrote them (--no-hints turns these notes off)."
    assert rows(home)[0][3] == "You should sleep more and you always say yes to everything"


def test_kind_feedback_gets_no_note(journal: Invoke) -> None:
    result = journal("feedback", "sam", "You should be proud of how far you've come!")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_no_hints_turns_the_note_off(journal: Invoke) -> None:
    result = journal("feedback", "sam", "You should sleep more", "--no-hints")
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("keys", "saved"),
    [
        (ENTER + ENTER, "You need to rest"),
        ("e" + ENTER + CLEAR_LINE + "Resting helped me a lot" + ENTER + ENTER, "Resting helped me a lot"),
    ],
    ids=["keep", "edit"],
)
def test_at_a_terminal_a_hint_lets_you_keep_or_edit_your_words(
    journal: Invoke, home: Path, terminal: None, keys: str, saved: str
) -> None:
    with typed(keys):
        result = journal("feedback", "sam", "You need to rest", "--kind", "suggestion")
    assert result.exit_code == 0, result.output
    assert rows(home)[0][3] == saved


def test_at_a_terminal_cancelling_after_a_hint_saves_nothing(
    journal: Invoke, home: Path, terminal: None
) -> None:
    with typed("c" + ENTER):
        result = journal("feedback", "sam", "Why didn't you call me?")
    assert result.exit_code == 0
    assert "Cancelled. Nothing was saved." in result.stdout
    assert rows(home) == []


def test_at_a_terminal_without_a_message_it_asks_for_the_kind_and_the_words(
    journal: Invoke, home: Path, terminal: None
) -> None:
    with typed(DOWN + ENTER + "Could we meet a bit earlier?" + ENTER + ENTER):
        result = journal("feedback", "sam")
    assert result.exit_code == 0, result.output
    assert rows(home)[0][2:] == ("suggestion", "Could we meet a bit earlier?", "private", 1)


@pytest.mark.parametrize(
    ("answer", "visibility"), [("y", "shared"), ("n", "private"), ("s", "private")], ids=["yes", "no", "skip"]
)
def test_at_a_terminal_it_asks_whether_to_share_and_skipping_keeps_it_private(
    journal: Invoke, home: Path, terminal: None, answer: str, visibility: str
) -> None:
    with typed(answer + ENTER):
        result = journal("feedback", "sam", "Thank you for listening", "--no-hints")
    assert result.exit_code == 0, result.output
    assert rows(home)[0][4] == visibility


def test_at_a_terminal_shared_or_private_given_is_not_asked(
    journal: Invoke, home: Path, terminal: None
) -> None:
    result = journal("feedback", "sam", "Thank you for listening", "--no-hints", "--private")
    assert result.exit_code == 0, result.output
    assert "Share it with" not in result.stdout
    assert rows(home)[0][4] == "private"


@pytest.mark.parametrize(
    "extra",
    [["I valued your patience"], ["--kind", "suggestion"], ["--at", "yesterday"]],
    ids=["message", "kind", "at"],
)
def test_list_with_words_to_give_is_a_usage_error_that_names_what_would_be_dropped(
    journal: Invoke, home: Path, extra: list[str]
) -> None:
    result = journal("feedback", "sam", *extra, "--list")
    assert result.exit_code == 2
    assert "--list shows feedback" in result.stderr
    assert "nothing was saved" in result.stderr
    assert rows(home) == []


def test_json_without_list_is_a_usage_error_and_saves_nothing(journal: Invoke, home: Path) -> None:
    result = journal("feedback", "sam", "I valued your patience", "--json")
    assert result.exit_code == 2
    assert "--json goes with --list" in result.stderr
    assert rows(home) == []


def test_at_a_terminal_an_empty_message_saves_nothing(journal: Invoke, home: Path, terminal: None) -> None:
    with typed(ENTER):
        result = journal("feedback", "sam", "--kind", "appreciation")
    assert result.exit_code == 0
    assert "Nothing was saved" in result.stdout
    assert rows(home) == []


def test_the_list_shows_feedback_both_ways_but_never_a_peers_private_words(
    journal: Invoke, home: Path
) -> None:
    journal("feedback", "sam", "Thank you for listening")
    with sqlite3.connect(home / "peerlog.db") as db:
        ana, sam, pair = db.execute(
            "SELECT a.id, s.id, pair.id FROM person a, person s, pair WHERE a.is_self AND s.name = 'Sam'"
        ).fetchone()
        for fid, visibility, message in (
            ("aaaa0000-1", "shared", "I loved your story"),
            ("bbbb0000-1", "private", "draft"),
        ):
            db.execute(
                "INSERT INTO feedback (id, pair_id, author_id, recipient_id, kind, message, at, utc_offset,"
                " visibility, created_at, updated_at) VALUES (?, ?, ?, ?, 'appreciation', ?,"
                " '2020-01-01 10:00:00', 0, ?, '2020-01-01 10:00:00', '2020-01-01 10:00:00')",
                (fid, pair, sam, ana, message, visibility),
            )
    listed = given(journal)
    assert [(f["author"], f["recipient"], f["by_you"], f["to_you"], f["message"]) for f in listed] == [
        ("Ana", "Sam", True, False, "Thank you for listening"),
        ("Sam", "Ana", False, True, "I loved your story"),
    ]
    assert given(journal, "sam") == listed
    table = journal("feedback", "--list").stdout
    assert "you → Sam" in table and "Sam → you" in table
    assert "draft" not in table


def test_the_list_says_how_to_start_when_there_is_none(journal: Invoke) -> None:
    result = journal("feedback", "--list")
    assert result.exit_code == 0
    assert "No feedback yet." in result.stdout
