"""Check-ins by flags and by pipe, and reading, editing and deleting them."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from support import Invoke


def entries(invoke: Invoke, *args: str) -> list[dict]:
    result = invoke("log", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def saved_id(output: str) -> str:
    # "Saved check-in 3f2a9c1b (private)."
    return output.split("Saved check-in ", 1)[1].split()[0]


def test_a_checkin_by_flags_is_saved_without_any_question(journal: Invoke) -> None:
    result = journal(
        "checkin",
        "--pair",
        "sam",
        "--mood",
        "4",
        "--note",
        "Good talk about work",
        "--win",
        "Sent the hard email",
        "--win",
        "Walked at lunch",
        "--challenge",
        "Sleep",
        "--tag",
        "Work",
        "--tag",
        "#health",
    )
    assert result.exit_code == 0, result.stderr
    assert "2 wins noted" in result.stdout
    (entry,) = entries(journal)
    assert entry["pair"] == "Sam"
    assert entry["mood"] == 4
    assert entry["note"] == "Good talk about work"
    assert entry["wins"] == ["Sent the hard email", "Walked at lunch"]
    assert [c["text"] for c in entry["challenges"]] == ["Sleep"]
    assert entry["tags"] == ["health", "work"]
    assert entry["visibility"] == "private"
    assert entry["author"] == "Ana" and entry["by_you"] is True


def test_checkins_are_private_unless_marked_shared(journal: Invoke) -> None:
    journal("checkin", "--note", "just for me")
    journal("checkin", "--note", "for us", "--shared")
    assert {e["note"]: e["visibility"] for e in entries(journal)} == {
        "just for me": "private",
        "for us": "shared",
    }


def test_a_note_can_be_piped_in(journal: Invoke) -> None:
    result = journal("checkin", input="Quiet day, feeling steady\nSecond line\n")
    assert result.exit_code == 0, result.stderr
    assert entries(journal)[0]["note"] == "Quiet day, feeling steady\nSecond line"


def test_an_empty_pipe_never_hangs_and_saves_nothing(journal: Invoke) -> None:
    result = journal("checkin", input="")
    assert result.exit_code == 2
    assert "nothing to save" in result.stderr.lower()
    assert entries(journal) == []


def test_moments_can_be_given_and_log_filters_by_them(journal: Invoke) -> None:
    journal("checkin", "--note", "old", "--at", "2026-01-10T09:00")
    journal("checkin", "--note", "middle", "--at", "2026-02-10")
    journal("checkin", "--note", "recent", "--at", "2026-03-10T20:15")
    assert [e["note"] for e in entries(journal)] == ["recent", "middle", "old"]
    assert [e["note"] for e in entries(journal, "--since", "2026-02-01")] == ["recent", "middle"]
    assert [e["note"] for e in entries(journal, "--until", "2026-02-10")] == ["middle", "old"]
    assert [e["note"] for e in entries(journal, "--limit", "1")] == ["recent"]


def test_log_filters_by_pair_and_tag(journal: Invoke) -> None:
    journal("pair", "add", "Alex")
    journal("checkin", "--pair", "sam", "--note", "with sam", "--tag", "work")
    journal("checkin", "--pair", "alex", "--note", "with alex", "--tag", "family")
    journal("checkin", "--note", "alone", "--tag", "work")
    assert [e["note"] for e in entries(journal, "--pair", "sam")] == ["with sam"]
    assert sorted(e["note"] for e in entries(journal, "--tag", "work")) == ["alone", "with sam"]


def test_log_shows_a_table_and_a_kind_word_when_empty(journal: Invoke) -> None:
    empty = journal("log")
    assert empty.exit_code == 0
    assert "No check-ins here yet" in empty.stdout
    journal("checkin", "--mood", "5", "--note", "Lovely walk", "--win", "Called my sister")
    shown = journal("log")
    assert "Lovely walk" in shown.stdout
    assert "5 · great" in shown.stdout
    assert "Called my sister" in shown.stdout


def test_show_finds_a_checkin_by_its_short_id(journal: Invoke) -> None:
    checkin_id = saved_id(journal("checkin", "--note", "A full note", "--win", "Small win").stdout)
    shown = journal("show", checkin_id[:5])
    assert shown.exit_code == 0
    assert "A full note" in shown.stdout
    assert "Small win" in shown.stdout
    assert "only you" in shown.stdout
    as_json = json.loads(journal("show", checkin_id, "--json").stdout)
    assert as_json["id"].startswith(checkin_id)


def test_edit_with_flags_changes_only_what_was_asked(journal: Invoke) -> None:
    checkin_id = saved_id(journal("checkin", "--note", "before", "--mood", "2", "--tag", "a").stdout)
    result = journal(
        "edit", checkin_id, "--mood", "4", "--add-win", "Slept well", "--tag", "b", "--untag", "a", "--shared"
    )
    assert result.exit_code == 0, result.stderr
    (entry,) = entries(journal)
    assert entry["note"] == "before"
    assert entry["mood"] == 4
    assert entry["wins"] == ["Slept well"]
    assert entry["tags"] == ["b"]
    assert entry["visibility"] == "shared"


def test_edit_without_flags_opens_the_note_in_the_editor(
    journal: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("peerlog.cli.checkins.is_interactive", lambda: True)
    checkin_id = saved_id(journal("checkin", "--note", "draft").stdout)
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\nopen(sys.argv[1], 'w').write('rewritten in my editor\\n')\n", encoding="utf-8"
    )
    result = journal("edit", checkin_id, env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
    assert result.exit_code == 0, result.stderr
    assert entries(journal)[0]["note"] == "rewritten in my editor"


def test_delete_asks_first_and_keeps_the_entry_on_no_or_eof(journal: Invoke) -> None:
    checkin_id = saved_id(journal("checkin", "--note", "keep me").stdout)
    no = journal("delete", checkin_id, input="n\n")
    assert no.exit_code == 0 and "nothing was deleted" in no.stdout
    eof = journal("delete", checkin_id, input="")
    assert eof.exit_code == 0 and "nothing was deleted" in eof.stdout
    assert len(entries(journal)) == 1
    yes = journal("delete", checkin_id, input="y\n")
    assert yes.exit_code == 0 and "Deleted" in yes.stdout
    assert entries(journal) == []


def test_delete_yes_skips_the_question(journal: Invoke) -> None:
    checkin_id = saved_id(journal("checkin", "--note", "bye").stdout)
    assert journal("delete", checkin_id, "--yes").exit_code == 0
    assert entries(journal) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["checkin", "--mood", "0", "--note", "x"], "1 to 5"),
        (["checkin", "--mood", "6", "--note", "x"], "1 to 5"),
        # A value that reads as false in Python is still a value typed: checked, never taken for "no flags".
        (["checkin", "--mood", "0"], "1 to 5"),
        (["checkin", "--note", ""], "nothing to save"),
        (["checkin", "--mood", "-1"], "1 to 5"),
        (["checkin", "--pair", "robin", "--note", "x"], "no pair with 'robin'"),
        (["checkin", "--at", "someday", "--note", "x"], "not a date"),
        (["checkin", "--at", "next monday", "--note", "x"], "still to come, so the check-in was not saved"),
        (["checkin", "--at", "2099-01-01", "--note", "x"], "Add --future if that is what you mean"),
        (["log", "--since", "31/12/2026"], "not a date"),
        (["show", "zzzz"], "not a check-in id"),
        (["show", "abcdef12"], "No entry has an id"),
        (["edit", "abcdef12", "--mood", "3"], "No entry has an id"),
        (["delete", "abcdef12", "--yes"], "No entry has an id"),
        (["checkin", "--tag", "two words", "--note", "x"], "not a tag"),
        (["log", "--limit", "0"], "--limit"),
    ],
)
def test_bad_input_is_one_kind_line_exit_2_and_changes_nothing(
    journal: Invoke, home: Path, args: list[str], expected: str
) -> None:
    journal("checkin", "--note", "already here")
    before = entries(journal)
    result = journal(*args)
    assert result.exit_code == 2, result.stdout
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert entries(journal) == before


@pytest.mark.parametrize(
    "args",
    [["checkin", "--mood", "happy"], ["checkin", "--mood"], ["log", "--limit", "many"], ["show"], ["chekin"]],
)
def test_usage_errors_are_one_line_with_exit_2(journal: Invoke, args: list[str]) -> None:
    result = journal(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("peerlog: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_a_journal_is_refused_and_left_untouched(journal: Invoke, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Not a database\n" * 50, encoding="utf-8")
    before = readme.read_bytes()
    for args in (["--db", str(readme), "log"], ["--db", str(readme), "checkin", "--note", "x"]):
        result = journal(*args)
        assert result.exit_code == 1
        assert "not a peerlog journal" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert readme.read_bytes() == before
    assert not list(tmp_path.glob("README.md-*"))


def test_a_location_that_cannot_be_written_is_a_clear_error(journal: Invoke, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = journal("--db", str(blocker / "journal.db"), "init", "--name", "Ana")
    assert result.exit_code == 1
    assert "could not create a journal" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only files")
def test_a_read_only_journal_reads_but_refuses_writes(journal: Invoke, home: Path) -> None:
    journal("checkin", "--note", "before")
    db = home / "peerlog.db"
    db.chmod(stat.S_IRUSR)
    try:
        assert journal("log").exit_code == 0
        result = journal("checkin", "--note", "after")
        assert result.exit_code == 1
        assert "read-only" in result.stderr
    finally:
        db.chmod(stat.S_IRUSR | stat.S_IWUSR)


def _make_immutable(path: Path) -> bool:
    """Root ignores file modes; the immutable attribute binds even root (where the filesystem has it)."""
    chattr = shutil.which("chattr")
    if not chattr:
        return False
    return subprocess.run([chattr, "+i", str(path)], capture_output=True, check=False).returncode == 0


def test_a_journal_that_cannot_be_changed_reads_but_refuses_writes_even_for_root(
    journal: Invoke, home: Path
) -> None:
    journal("checkin", "--note", "before")
    db = home / "peerlog.db"
    if not _make_immutable(db):
        pytest.skip("this filesystem cannot make a file immutable")
    try:
        before = entries(journal)
        result = journal("checkin", "--note", "after")
        assert result.exit_code == 1
        assert "read-only" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert entries(journal) == before
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=False)


def test_the_journal_is_private_to_its_owner(journal: Invoke, home: Path) -> None:
    db = home / "peerlog.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_peerlog_db_and_the_db_option_point_at_another_journal(invoke: Invoke, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "other.db"
    assert invoke("--db", str(other), "init", "--name", "Ana").exit_code == 0
    assert invoke("--db", str(other), "checkin", "--note", "over here").exit_code == 0
    via_env = invoke("log", "--json", env={"PEERLOG_DB": str(other)})
    assert [e["note"] for e in json.loads(via_env.stdout)] == ["over here"]
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT count(*) FROM checkin").fetchone()[0] == 1


def test_someone_elses_private_entry_never_shows(journal: Invoke, home: Path) -> None:
    from peerlog.models import CheckIn, Pair, Person
    from peerlog.store import Store

    store = Store.open(home / "peerlog.db")
    with store.session(write=True) as session:
        from sqlmodel import select

        sam = session.exec(select(Person).where(Person.name == "Sam")).one()
        pair = session.exec(select(Pair)).one()
        from peerlog.models import utcnow

        session.add(CheckIn(author_id=sam.id, pair_id=pair.id, at=utcnow(), note="Sam's private note"))
        session.add(
            CheckIn(
                author_id=sam.id, pair_id=pair.id, at=utcnow(), note="Sam shared this", visibility="shared"
            )
        )
    store.close()
    notes = [e["note"] for e in entries(journal)]
    assert notes == ["Sam shared this"]
    assert "Sam's private note" not in journal("log").stdout


def test_a_shared_checkin_says_truthfully_where_it_goes(journal: Invoke) -> None:
    with_pair = journal("checkin", "--pair", "sam", "--shared", "--note", "Good call")
    assert "(shared: it goes into what you share with Sam)" in with_pair.stdout
    # No bundle carries an entry without a pair: it says so, and how to give it one.
    alone = journal("checkin", "--shared", "--note", "Just mine")
    assert "shared, but with no pair: it goes into your exports, not into any peer's bundle" in alone.stdout
    assert f"peerlog edit {saved_id(alone.stdout)} --pair NAME" in alone.stdout
    assert "(private: only you see it)" in journal("checkin", "--note", "Quiet").stdout


def test_a_checkin_at_a_moment_people_say_is_kept_then(journal: Invoke) -> None:
    from datetime import datetime, timedelta

    journal("checkin", "--note", "Evening call", "--at", "yesterday 18:00")
    (saved,) = entries(journal)
    yesterday = (datetime.now() - timedelta(days=1)).date().isoformat()
    assert saved["at"].startswith(f"{yesterday}T18:00")


def test_a_future_checkin_is_kept_with_future(journal: Invoke) -> None:
    result = journal("checkin", "--note", "Planned", "--at", "2099-01-01T10:00", "--future")
    assert result.exit_code == 0, result.output
    assert entries(journal)[0]["at"].startswith("2099-01-01T10:00")
    moved = journal("edit", saved_id(result.stdout), "--at", "2098-01-01")
    assert moved.exit_code == 2
    assert "still to come" in moved.stderr
