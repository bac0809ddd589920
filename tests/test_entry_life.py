"""Reflections and feedback have a full life: edit, share later, delete, by any id peerlog prints."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from support import Invoke


def saved_id(output: str) -> str:
    found = re.search(r"\b([0-9a-f]{8})\b", output)
    assert found, output
    return found.group(1)


def version_and_visibility(home: Path, table: str) -> list[tuple[int, str]]:
    with sqlite3.connect(home / "peerlog.db") as db:
        return db.execute(f"SELECT version, visibility FROM {table}").fetchall()


@pytest.fixture
def feedback_id(journal: Invoke) -> str:
    result = journal("feedback", "sam", "I valued how you listened", "--no-hints")
    assert result.exit_code == 0, result.output
    return saved_id(result.stdout)


@pytest.fixture
def reflection_id(journal: Invoke) -> str:
    result = journal("reflect", "--pair", "sam", "--answer", "felt=Lighter than before")
    assert result.exit_code == 0, result.output
    return saved_id(result.stdout)


def test_a_private_feedback_is_shared_later_and_its_version_goes_up(
    journal: Invoke, home: Path, feedback_id: str
) -> None:
    result = journal("edit", feedback_id, "--shared")
    assert result.exit_code == 0, result.output
    assert f"Updated feedback {feedback_id}" in result.stdout
    assert "shared" in result.stdout
    assert version_and_visibility(home, "feedback") == [(2, "shared")]
    listed = json.loads(journal("feedback", "--list", "--json").stdout)
    assert listed[0]["visibility"] == "shared"


def test_saving_private_feedback_says_how_to_share_it_later(journal: Invoke) -> None:
    result = journal("feedback", "sam", "Thank you", "--no-hints")
    assert f"peerlog edit {saved_id(result.stdout)} --shared" in result.stdout


def test_feedback_words_can_be_changed(journal: Invoke, home: Path, feedback_id: str) -> None:
    assert journal("edit", feedback_id, "--note", "I valued your patience").exit_code == 0
    listed = json.loads(journal("feedback", "--list", "--json").stdout)
    assert listed[0]["message"] == "I valued your patience"


def test_feedback_cannot_be_made_empty(journal: Invoke, feedback_id: str) -> None:
    result = journal("edit", feedback_id, "--note", "   ")
    assert result.exit_code == 2
    assert "delete" in result.stderr


def test_a_reflection_is_shared_later_and_moved_in_time(
    journal: Invoke, home: Path, reflection_id: str
) -> None:
    result = journal("edit", reflection_id, "--shared", "--at", "2026-11-02T18:00")
    assert result.exit_code == 0, result.output
    assert f"Updated reflection {reflection_id}" in result.stdout
    assert version_and_visibility(home, "reflection") == [(2, "shared")]
    (shown,) = json.loads(journal("reflections", "--json").stdout)
    assert shown["visibility"] == "shared" and shown["at"].startswith("2026-11-02T18:00")


@pytest.mark.parametrize(
    ("flags", "named"), [(["--mood", "3"], "--mood"), (["--note", "x"], "--note"), (["--tag", "t"], "--tag")]
)
def test_flags_a_reflection_does_not_have_are_refused_by_name(
    journal: Invoke, home: Path, reflection_id: str, flags: list[str], named: str
) -> None:
    result = journal("edit", reflection_id, *flags)
    assert result.exit_code == 2
    assert f"A reflection has no {named}" in result.stderr
    assert version_and_visibility(home, "reflection") == [(1, "private")]


def test_edit_without_flags_or_a_terminal_says_what_a_reflection_takes(
    journal: Invoke, reflection_id: str
) -> None:
    result = journal("edit", reflection_id)
    assert result.exit_code == 2
    assert "--answer, --shared/--private or --at" in result.stderr


@pytest.mark.parametrize("kind", ["feedback", "reflection"])
def test_delete_takes_a_reflection_or_feedback_id_after_asking(
    journal: Invoke, home: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    entry = request.getfixturevalue(f"{kind}_id")
    kept = journal("delete", entry, input="n\n")
    assert "Kept it" in kept.stdout
    assert len(version_and_visibility(home, kind)) == 1
    gone = journal("delete", entry, "--yes")
    assert gone.exit_code == 0, gone.output
    assert f"Deleted {kind} {entry}" in gone.stdout
    assert version_and_visibility(home, kind) == []
    with sqlite3.connect(home / "peerlog.db") as db:
        assert db.execute("SELECT count(*) FROM answer").fetchone() == (0,)
    assert journal("search", "Lighter").stdout.count(entry) == 0


def _peer_entries(home: Path) -> None:
    """A shared reflection and a shared feedback from Sam, as an import would bring them."""
    with sqlite3.connect(home / "peerlog.db") as db:
        ana, sam, pair = db.execute(
            "SELECT a.id, s.id, pair.id FROM person a, person s, pair WHERE a.is_self AND s.name = 'Sam'"
        ).fetchone()
        stamp = "'2026-11-01 10:00:00'"
        db.execute(
            "INSERT INTO feedback (id, pair_id, author_id, recipient_id, kind, message, at, utc_offset,"
            f" visibility, created_at, updated_at) VALUES ('aaaa0000-1', ?, ?, ?, 'appreciation', 'Thanks',"
            f" {stamp}, 0, 'shared', {stamp}, {stamp})",
            (pair, sam, ana),
        )
        db.execute(
            "INSERT INTO reflection (id, author_id, pair_id, pack_name, pack_title, at, utc_offset, visibility,"
            f" created_at, updated_at) VALUES ('bbbb0000-1', ?, ?, 'p', 'P', {stamp}, 0, 'shared', {stamp}, {stamp})",
            (sam, pair),
        )


@pytest.mark.parametrize(("entry", "kind"), [("aaaa0000", "feedback"), ("bbbb0000", "reflection")])
@pytest.mark.parametrize("command", [["edit", "--private"], ["delete", "--yes"]])
def test_only_your_own_entries_can_be_changed(
    journal: Invoke, home: Path, entry: str, kind: str, command: list[str]
) -> None:
    _peer_entries(home)
    result = journal(command[0], entry, command[1])
    assert result.exit_code == 2
    assert f"This {kind} is Sam's; only its author can change it." in result.stderr
    assert len(version_and_visibility(home, kind)) == 1


def test_a_prefix_that_starts_a_check_in_and_a_feedback_is_never_guessed(journal: Invoke, home: Path) -> None:
    journal("checkin", "--note", "Quiet day")
    journal("feedback", "sam", "Thank you", "--no-hints")
    with sqlite3.connect(home / "peerlog.db") as db:
        db.execute("UPDATE checkin SET id = 'abcd1111-1'")
        db.execute("UPDATE feedback SET id = 'abcd2222-1'")
    for command in (["edit", "abcd", "--shared"], ["delete", "abcd", "--yes"]):
        result = journal(*command)
        assert result.exit_code == 2
        assert "check-in abcd1111" in result.stderr and "feedback abcd2222" in result.stderr
    assert version_and_visibility(home, "feedback") == [(1, "private")]
    assert journal("edit", "abcd2", "--shared").exit_code == 0


def test_feedback_edited_with_no_flags_opens_its_words_in_the_editor(
    journal: Invoke, home: Path, feedback_id: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / "editor.sh"
    script.write_text('#!/bin/sh\nprintf "I valued your patience\\n" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(script))
    monkeypatch.setattr("peerlog.cli.reflect.is_interactive", lambda: True)
    result = journal("edit", feedback_id)
    assert result.exit_code == 0, result.output
    listed = json.loads(journal("feedback", "--list", "--json").stdout)
    assert listed[0]["message"] == "I valued your patience"


def test_a_reflection_answer_is_changed_and_a_new_one_added_in_place(
    journal: Invoke, home: Path, reflection_id: str
) -> None:
    journal("edit", reflection_id, "--answer", "resonated=Being heard")
    result = journal("edit", reflection_id, "--answer", "felt=Calm, in the end")
    assert result.exit_code == 0, result.output
    (shown,) = json.loads(journal("reflections", "--json").stdout)
    assert [(a["prompt_id"], a["value"]) for a in shown["answers"]] == [
        ("felt", "Calm, in the end"),
        ("resonated", "Being heard"),
    ]
    assert version_and_visibility(home, "reflection") == [(3, "private")]
    assert "1 match" in journal("search", "Calm").stdout
    assert "Nothing matches" in journal("search", "Lighter").stdout


def test_a_bad_new_answer_is_refused_and_the_reflection_stays(
    journal: Invoke, home: Path, reflection_id: str
) -> None:
    result = journal("edit", reflection_id, "--answer", "nosuch=x")
    assert result.exit_code == 2
    assert "has no prompt 'nosuch'" in result.stderr
    assert version_and_visibility(home, "reflection") == [(1, "private")]


@pytest.mark.parametrize("which", ["checkin", "feedback"])
def test_answer_is_only_for_reflections(journal: Invoke, feedback_id: str, which: str) -> None:
    entry = feedback_id
    if which == "checkin":
        entry = saved_id(journal("checkin", "--note", "Quiet day").stdout)
    result = journal("edit", entry, "--answer", "felt=x")
    assert result.exit_code == 2
    assert "has no --answer to change" in result.stderr
