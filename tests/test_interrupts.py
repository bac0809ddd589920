"""Ctrl-C tells the truth: "Nothing was saved" only when nothing was, whenever it lands, and never a traceback.

A real Ctrl-C is a signal that lands between any two lines. The tests here send one (with `signal.raise_signal`)
at the exact moments that matter, through seams a user never sees but that the code really passes: just after
the journal's COMMIT, while the confirmation is printed, while the journal is closed. One test sends real
SIGINTs to a running `peerlog import` at many moments and checks each answer against the journal itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer

from peerlog.store import Store
from support import Invoke

STOPPED = "peerlog: Stopped. Nothing was saved."
AFTER_SAVING = "peerlog: Stopped, but only after saving"


def checkins(invoke: Invoke) -> list[dict[str, Any]]:
    return json.loads(invoke("log", "--json", "--limit", "1000").stdout)


def ctrl_c() -> None:
    """What pressing Ctrl-C does: SIGINT to this process, handled wherever Python is at that moment."""
    signal.raise_signal(signal.SIGINT)


def ctrl_c_right_after_the_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlmodel import Session

    commit = Session.commit

    def commit_then_ctrl_c(self: Session) -> None:
        commit(self)
        ctrl_c()

    monkeypatch.setattr(Session, "commit", commit_then_ctrl_c)


def ctrl_c_right_before_the_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlmodel import Session

    commit = Session.commit

    def ctrl_c_then_commit(self: Session) -> None:
        ctrl_c()
        commit(self)

    monkeypatch.setattr(Session, "commit", ctrl_c_then_commit)


def jrnl_file(path: Path, entries: int) -> Path:
    days = [f"2024-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}" for i in range(entries)]
    body = [
        {
            "title": f"Entry {i}",
            "body": f"Talked it through, part {i}.",
            "date": day,
            "time": "09:00",
            "tags": [],
        }
        for i, day in enumerate(days)
    ]
    path.write_text(json.dumps({"tags": {}, "entries": body}), encoding="utf-8")
    return path


WRITES: dict[str, Callable[[Invoke, Path], list[str]]] = {
    "checkin": lambda _j, _p: ["checkin", "--note", "A good talk", "--win", "Asked for help"],
    "import": lambda _j, p: ["import", str(jrnl_file(p / "jrnl.json", 5)), "--from", "jrnl"],
    "feedback": lambda _j, _p: ["feedback", "sam", "Thank you for listening", "--no-hints"],
    "reflect": lambda _j, _p: ["reflect", "--answer", "felt=Calm", "--no-hints"],
}


@pytest.mark.parametrize("command", WRITES)
def test_ctrl_c_right_after_the_commit_says_it_was_saved(
    journal: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    args = WRITES[command](journal, tmp_path)
    before = journal("export", "--format", "json", "--include-private").stdout
    with monkeypatch.context() as patched:
        ctrl_c_right_after_the_commit(patched)
        result = journal(*args)
    assert result.exit_code == 130
    assert result.stderr.startswith(AFTER_SAVING), result.stderr
    assert "no need to run it again" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert journal("export", "--format", "json", "--include-private").stdout != before


def test_ctrl_c_just_before_the_commit_is_held_until_the_entry_is_saved_and_says_so(
    journal: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        ctrl_c_right_before_the_commit(patched)
        result = journal("checkin", "--note", "Landed anyway")
    assert result.exit_code == 130
    assert result.stderr.startswith(AFTER_SAVING)
    assert [c["note"] for c in checkins(journal)] == ["Landed anyway"]


def test_ctrl_c_before_anything_is_written_says_nothing_was_saved(
    journal: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    import peerlog.checkins

    def interrupted(*_args: object, **_kwargs: object) -> None:
        ctrl_c()

    with monkeypatch.context() as patched:
        patched.setattr(peerlog.checkins, "record_checkin", interrupted)
        result = journal("checkin", "--note", "Never saved")
    assert result.exit_code == 130
    assert result.stderr.strip() == STOPPED
    assert checkins(journal) == []


def test_ctrl_c_while_the_confirmation_is_printed_says_it_was_saved(
    journal: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    echo = typer.echo

    def echo_interrupted(message: object = None, *args: Any, **kwargs: Any) -> None:
        if str(message).startswith("Saved check-in"):
            ctrl_c()
        echo(message, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(typer, "echo", echo_interrupted)
        result = journal("checkin", "--note", "Printed late")
    assert result.exit_code == 130
    assert result.stderr.startswith(AFTER_SAVING)
    assert [c["note"] for c in checkins(journal)] == ["Printed late"]


def test_ctrl_c_landing_while_python_tidies_up_an_object_is_still_answered_in_one_line(
    journal: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python cannot raise from a weak reference's callback: without care it prints "Exception ignored"
    # and a traceback, and the Ctrl-C is lost.
    import weakref

    class Thing:
        pass

    echo = typer.echo

    def echo_while_tidying(message: object = None, *args: Any, **kwargs: Any) -> None:
        if str(message).startswith("Saved check-in"):
            thing = Thing()
            ref = weakref.ref(thing, lambda _ref: ctrl_c())
            del thing
            assert ref() is None
        echo(message, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(typer, "echo", echo_while_tidying)
        result = journal("checkin", "--note", "Tidied")
    assert result.exit_code == 130
    assert result.stderr.startswith(AFTER_SAVING), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert [c["note"] for c in checkins(journal)] == ["Tidied"]


@pytest.mark.parametrize("command", WRITES)
def test_ctrl_c_while_the_journal_is_closed_after_saving_changes_nothing_and_prints_no_traceback(
    journal: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    args = WRITES[command](journal, tmp_path)
    close = Store.close

    def close_interrupted(self: Store) -> None:
        ctrl_c()
        close(self)

    monkeypatch.setattr(Store, "close", close_interrupted)
    result = journal(*args)
    # The command had finished and said so; a Ctrl-C while it tidies up changes none of that.
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip()


def test_ctrl_c_handling_is_given_back_after_a_command_run_in_process(journal: Invoke) -> None:
    before = signal.getsignal(signal.SIGINT)
    assert journal("checkin", "--note", "x").exit_code == 0
    assert signal.getsignal(signal.SIGINT) is before


# ---------------------------------------------------------------- questions


def test_ctrl_c_at_inits_name_question_creates_no_journal_and_exits_130(
    invoke: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pressed_ctrl_c(*_args: object, **_kwargs: object) -> str:
        raise typer.Abort() from KeyboardInterrupt()  # what Click's prompt does with a Ctrl-C

    monkeypatch.setattr("peerlog.cli.init.is_interactive", lambda: True)
    monkeypatch.setattr(typer, "prompt", pressed_ctrl_c)
    result = invoke("init")
    assert result.exit_code == 130
    assert result.stderr.strip() == STOPPED
    assert not (home / "peerlog.db").exists()


def test_init_asks_the_name_before_it_creates_the_journal(
    invoke: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    def answer(*_args: object, **_kwargs: object) -> str:
        seen.append((home / "peerlog.db").exists())
        return "Robin"

    monkeypatch.setattr("peerlog.cli.init.is_interactive", lambda: True)
    monkeypatch.setattr(typer, "prompt", answer)
    result = invoke("init")
    assert result.exit_code == 0, result.stderr
    assert seen == [False]
    assert "Welcome, Robin!" in result.stdout


def test_ctrl_c_at_the_delete_question_keeps_the_entry_and_exits_130(
    journal: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal("checkin", "--note", "keep me")
    (entry,) = checkins(journal)

    def pressed_ctrl_c(*_args: object, **_kwargs: object) -> bool:
        raise typer.Abort() from KeyboardInterrupt()

    monkeypatch.setattr(typer, "confirm", pressed_ctrl_c)
    result = journal("delete", entry["id"][:8])
    assert result.exit_code == 130
    assert result.stderr.strip() == STOPPED
    assert len(checkins(journal)) == 1


# ---------------------------------------------------------------- a real process, real signals


def _rows(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM checkin").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


@pytest.mark.slow
def test_sigint_at_any_moment_of_an_import_is_answered_truthfully(tmp_path: Path) -> None:
    entries = 800
    source = jrnl_file(tmp_path / "big.json", entries)

    env = {**os.environ, "PEERLOG_NO_PROMPT": "1"}
    env.pop("PEERLOG_DB", None)
    env.pop("PEERLOG_DEBUG", None)
    fresh = tmp_path / "fresh"
    subprocess.run(
        [sys.executable, "-m", "peerlog", "init", "--name", "Ana"],
        env={**env, "PEERLOG_HOME": str(fresh)},
        check=True,
        capture_output=True,
    )

    def run(home: Path, delay: float | None) -> tuple[int, str, str]:
        shutil.copytree(fresh, home)
        env["PEERLOG_HOME"] = str(home)
        process = subprocess.Popen(
            [sys.executable, "-m", "peerlog", "import", str(source), "--from", "jrnl"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if delay is not None:
            time.sleep(delay)
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        return process.returncode, out, err

    started = time.monotonic()
    code, out, err = run(tmp_path / "whole", None)
    whole = time.monotonic() - started
    assert code == 0, err
    # Ctrl-C from early in the import to just after it ends, most of them around the commit.
    fractions = [0.4, 0.75, 0.85, 0.9, 0.94, 0.97, 1.0, 1.05]
    outcomes = []
    for i, fraction in enumerate(fractions):
        home = tmp_path / f"try-{i}"
        code, out, err = run(home, whole * fraction)
        landed = _rows(home / "peerlog.db")
        outcomes.append((fraction, code, landed))
        assert "Traceback" not in err
        assert len(err.splitlines()) <= 1, err
        assert landed in (0, entries), "an import is all or nothing"
        if code == 0:
            assert landed == entries and "Imported big.json" in out
        else:
            # Landing in an import, CPython ends by re-sending SIGINT to itself (-2); a shell shows 130 for both.
            assert code in (130, -signal.SIGINT), err
            expected = AFTER_SAVING if landed else STOPPED
            assert err.strip().startswith(expected), (fraction, landed, err)
    assert any(landed == 0 for _f, _c, landed in outcomes), outcomes


@pytest.mark.parametrize(
    ("argv", "printed"),
    [
        (["export", "--output", "{out}"], "Exported"),
        (["backup", "{out}"], "Backed up"),
        (["share", "--pair", "sam", "--output", "{out}"], "Wrote"),
    ],
)
def test_ctrl_c_after_a_file_is_written_says_it_is_there(
    journal: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str], printed: str
) -> None:
    from peerlog.cli import say as say_module

    out = tmp_path / "written.out"
    plain = say_module.say

    def say_interrupted(message: str, *args: Any, **kwargs: Any) -> None:
        if str(message).startswith(printed):
            ctrl_c()
        plain(message, *args, **kwargs)

    assert journal("checkin", "--pair", "sam", "--note", "Kept", "--shared").exit_code == 0
    with monkeypatch.context() as patched:
        patched.setattr("peerlog.cli.transfer.say", say_interrupted)
        result = journal(*[a.format(out=out) for a in argv])
    assert result.exit_code == 130
    assert result.stderr.startswith(f"peerlog: Stopped, but only after writing {out}")
    assert out.stat().st_size > 0


def test_ctrl_c_before_the_file_has_its_name_says_nothing_was_written(
    journal: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from peerlog import files

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "never.md"
    with monkeypatch.context() as patched:
        patched.setattr(files, "place", interrupted)
        result = journal("export", "--output", str(out))
    assert result.exit_code == 130
    assert result.stderr.strip() == STOPPED
    assert not out.exists()
