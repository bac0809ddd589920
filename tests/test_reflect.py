"""`peerlog reflect` without questions (--answer), and reading reflections back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from support import EVERY_KIND, Invoke, reflections


@pytest.fixture
def every_kind(journal: Invoke, home: Path) -> Invoke:
    (home / "prompts").mkdir(parents=True, exist_ok=True)
    (home / "prompts" / "every-kind.toml").write_text(EVERY_KIND, encoding="utf-8")
    return journal


def stored_answers(home: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(home / "peerlog.db") as db:
        return db.execute(
            "SELECT prompt_id, prompt_text, kind, value FROM answer ORDER BY position"
        ).fetchall()


def test_answers_given_as_options_are_saved_without_any_question(journal: Invoke) -> None:
    result = journal(
        "reflect",
        "--pair",
        "sam",
        "--answer",
        "resonated=Hearing that Sam felt the same",
        "--answer",
        "felt=Lighter than before",
    )
    assert result.exit_code == 0, result.output
    assert "Saved your reflection" in result.stdout
    assert "2 of 5 questions answered; private: only you see it" in result.stdout
    (saved,) = reflections(journal)
    assert saved["pack"] == "after-conversation" and saved["pair"] == "Sam"
    assert saved["visibility"] == "private"
    assert [(a["prompt"], a["value"]) for a in saved["answers"]] == [
        ("What resonated?", "Hearing that Sam felt the same"),
        ("How did that conversation feel for you?", "Lighter than before"),
    ]


def test_each_kind_is_stored_as_the_journal_promises(every_kind: Invoke, home: Path) -> None:
    result = every_kind(
        "reflect",
        "--pack",
        "every-kind",
        "-a",
        "line=A calm evening",
        "-a",
        "story=First line\nsecond line",
        "-a",
        "rating=4",
        "-a",
        "pick=coffee",
        "-a",
        "several=Quiet",
        "-a",
        "several=listening",
        "-a",
        "again=yes",
        "-a",
        "wins=Went for a walk",
        "-a",
        "wins=Called my sister",
        "--shared",
    )
    assert result.exit_code == 0, result.output
    assert stored_answers(home) == [
        ("line", "One line?", "text", "A calm evening"),
        ("story", "Tell me more?", "long", "First line\nsecond line"),
        ("rating", "How was it?", "scale", "4"),
        ("pick", "Which drink?", "choice", "Coffee"),
        ("several", "What helped?", "multi", '["Quiet", "Listening"]'),
        ("again", "Again next week?", "confirm", "yes"),
        ("wins", "A win?", "text", "Went for a walk"),
        ("wins", "A win?", "text", "Called my sister"),
    ]
    (saved,) = reflections(every_kind)
    assert saved["visibility"] == "shared"
    values = [a["value"] for a in saved["answers"]]
    assert values[2] == 4 and values[4] == ["Quiet", "Listening"] and values[5] is True


def test_a_multi_answer_can_list_several_choices_separated_by_commas(every_kind: Invoke, home: Path) -> None:
    assert every_kind("reflect", "--pack", "every-kind", "-a", "several=Sharing, quiet").exit_code == 0
    assert stored_answers(home) == [("several", "What helped?", "multi", '["Sharing", "Quiet"]')]


def test_the_question_is_kept_as_it_was_asked_when_the_pack_changes_later(
    every_kind: Invoke, home: Path
) -> None:
    every_kind("reflect", "--pack", "every-kind", "-a", "line=Steady")
    pack = home / "prompts" / "every-kind.toml"
    pack.write_text(EVERY_KIND.replace("One line?", "A reworded question?"), encoding="utf-8")
    (saved,) = reflections(every_kind)
    assert saved["answers"][0]["prompt"] == "One line?"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("rating=6", "The answer to 'rating' is a number from 1 to 5; '6' isn't one."),
        ("rating=great", "The answer to 'rating' is a number from 1 to 5; 'great' isn't one."),
        ("pick=Juice", "'Juice' is not one of the choices for 'pick'. Choose from: Tea; Coffee; Water."),
        ("again=maybe", "The answer to 'again' is yes or no, not 'maybe'."),
        ("nope=hello", "The pack 'every-kind' has no prompt 'nope'. Its prompts are: line, story, rating"),
        ("line", "--answer takes ID=TEXT, and 'line' has no '='."),
        ("line=a\x07b", "The answer contains control characters."),
    ],
)
def test_a_bad_answer_is_one_kind_line_exit_2_and_nothing_is_saved(
    every_kind: Invoke, home: Path, answer: str, message: str
) -> None:
    result = every_kind("reflect", "--pack", "every-kind", "-a", "story=Kept?", "-a", answer)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"peerlog: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert reflections(every_kind) == []


def test_the_same_prompt_answered_twice_is_refused(journal: Invoke) -> None:
    result = journal("reflect", "-a", "resonated=one", "-a", "resonated=two")
    assert result.exit_code == 2
    assert "'resonated' was answered twice" in result.stderr


def test_empty_answers_save_nothing_and_say_so_kindly(journal: Invoke) -> None:
    result = journal("reflect", "--answer", "resonated=", "--answer", "felt=   ")
    assert result.exit_code == 0
    assert "You skipped every question, so there is nothing to save." in result.stdout
    assert reflections(journal) == []


def test_without_answers_or_a_terminal_it_explains_instead_of_hanging(journal: Invoke) -> None:
    result = journal("reflect", input="")
    assert result.exit_code == 2
    assert "no --answer was given, and there is no terminal to ask you in" in result.stderr
    assert "--answer resonated=" in result.stderr


def test_an_unknown_pack_or_pair_is_a_usage_error(journal: Invoke) -> None:
    unknown_pack = journal("reflect", "--pack", "nope", "-a", "x=y")
    assert unknown_pack.exit_code == 2
    assert "There is no prompt pack called 'nope'" in unknown_pack.stderr
    unknown_pair = journal("reflect", "--pair", "kim", "-a", "resonated=y")
    assert unknown_pair.exit_code == 2
    assert "You have no pair with 'kim'" in unknown_pair.stderr
    assert reflections(journal) == []


def test_directive_wording_in_an_answer_gets_a_gentle_note_and_is_kept(journal: Invoke) -> None:
    result = journal("reflect", "-a", "take-away=You should rest more")
    assert result.exit_code == 0
    assert (
        "peerlog: a gentle note on your answer to 'take-away': \"You should\" can sound like an instruction"
        in (result.stderr)
    )
    assert "kept your words as you wrote them" in result.stderr
    assert reflections(journal)[0]["answers"][0]["value"] == "You should rest more"


def test_no_hints_turns_the_notes_off(journal: Invoke) -> None:
    result = journal("reflect", "--no-hints", "-a", "take-away=You should rest more")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_reflections_lists_yours_and_peers_shared_ones_but_never_their_private_ones(
    journal: Invoke, home: Path
) -> None:
    journal("reflect", "--pack", "session-check", "-a", "heard=4", "-a", "overall=5")
    with sqlite3.connect(home / "peerlog.db") as db:
        sam, pair = db.execute(
            "SELECT person.id, pair.id FROM person, pair WHERE person.name = 'Sam'"
        ).fetchone()
        for rid, visibility, value in (("aaaa0000-0000", "shared", "2"), ("bbbb0000-0000", "private", "1")):
            db.execute(
                "INSERT INTO reflection (id, author_id, pair_id, pack_name, pack_title, at, utc_offset, visibility,"
                " created_at, updated_at) VALUES (?, ?, ?, 'session-check', 'Session check', '2020-01-01 10:00:00',"
                " 0, ?, '2020-01-01 10:00:00', '2020-01-01 10:00:00')",
                (rid, sam, pair, visibility),
            )
            db.execute(
                "INSERT INTO answer (id, reflection_id, position, prompt_id, prompt_text, kind, value)"
                " VALUES (?, ?, 0, 'heard', 'I felt heard and respected.', 'scale', ?)",
                (rid + "-a", rid, value),
            )
    shown = reflections(journal)
    assert [(r["author"], r["by_you"]) for r in shown] == [("Ana", True), ("Sam", False)]
    assert shown[1]["answers"][0]["value"] == 2
    assert reflections(journal, "--pair", "sam")[0]["author"] == "Sam"
    table = journal("reflections").stdout
    assert "Session check" in table and "I felt heard and respected." in table


def test_reflections_when_there_are_none_says_how_to_start(journal: Invoke) -> None:
    result = journal("reflections")
    assert result.exit_code == 0
    assert "No reflections here yet. `peerlog reflect`" in result.stdout
