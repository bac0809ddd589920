"""Files that hold private entries are readable by their owner only, whatever the umask says.

Every test runs under umask 000, the most permissive there is, so a file is owner-only because peerlog made
it so, never by luck of the user's settings.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from peerlog.cli.app import COMMANDS
from support import Invoke

PRIVATE_NOTE = "Only for me: the thing I am still working through"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def private_journal(journal: Invoke) -> Invoke:
    assert journal("checkin", "--private", "--note", PRIVATE_NOTE).exit_code == 0
    assert (
        journal("checkin", "--shared", "--pair", "sam", "--note", "We met", "--win", "Showed up").exit_code
        == 0
    )
    return journal


# ---------------------------------------------------------------- the journal itself


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_a_new_journal_is_owner_only_in_a_folder_only_its_owner_can_enter(
    umask: int, invoke: Invoke, home: Path
) -> None:
    os.umask(umask)
    assert not home.exists()
    assert invoke("init", "--name", "Ana").exit_code == 0
    assert mode(home / "peerlog.db") == 0o600
    assert mode(home) == 0o700


def test_a_journal_in_a_new_nested_folder_keeps_its_own_folder_private(
    invoke: Invoke, tmp_path: Path
) -> None:
    db = tmp_path / "deep" / "er" / "journal.db"
    assert invoke("--db", str(db), "init", "--name", "Ana").exit_code == 0
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700


def test_the_working_files_beside_the_journal_are_owner_only_too(private_journal: Invoke, home: Path) -> None:
    """The write-ahead log holds the newest entries until SQLite folds them into the journal."""
    db = home / "peerlog.db"
    # An open reader keeps the log in place after peerlog's own connection closes.
    reader = sqlite3.connect(db)
    try:
        reader.execute("SELECT count(*) FROM checkin").fetchone()
        assert private_journal("checkin", "--note", "Written while someone reads").exit_code == 0
        sides = [Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(side.exists() for side in sides)
        assert [mode(side) for side in sides] == [0o600, 0o600]
    finally:
        reader.close()


# ---------------------------------------------------------------- files peerlog writes for you


@dataclass(frozen=True)
class Output:
    name: str
    #: the command that must exist for this case to run
    command: str
    #: argv, with "{out}" standing for the file to write
    argv: list[str]
    #: True when the command writes to a place of its own choosing (found as the one new file beside the journal)
    default_place: bool = False
    #: how to see that the file holds the private entry (and so must be owner-only)
    holds_private: Callable[[Path], bool] = lambda path: PRIVATE_NOTE in path.read_text(encoding="utf-8")


def _journal_copy_holds_private(path: Path) -> bool:
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        notes = [r[0] for r in conn.execute("SELECT note FROM checkin")]
    conn.close()
    return PRIVATE_NOTE in notes


OWNER_ONLY_OUTPUTS = [
    Output("backup FILE", "backup", ["backup", "{out}"], holds_private=_journal_copy_holds_private),
    Output("backup", "backup", ["backup"], default_place=True, holds_private=_journal_copy_holds_private),
    Output(
        "export json with private entries",
        "export",
        ["export", "--format", "json", "--include-private", "--output", "{out}"],
    ),
    Output(
        "export markdown with private entries",
        "export",
        ["export", "--format", "markdown", "--include-private", "--output", "{out}"],
    ),
]


def _run_output(case: Output, invoke: Invoke, home: Path, out: Path) -> Path:
    assert case.command in COMMANDS, f"`peerlog {case.command}` writes private entries and must exist"
    before = set(home.iterdir())
    result = invoke(*[arg.replace("{out}", str(out)) for arg in case.argv])
    assert result.exit_code == 0, result.stderr
    if case.default_place:
        new = set(home.iterdir()) - before
        written = [p for p in new if not p.name.endswith(("-wal", "-shm", ".key"))]
        assert len(written) == 1, written
        # A backup's key beside it is owner-only too (tests/test_backup.py checks it is the journal's key).
        assert all(mode(p) == 0o600 for p in new if p.name.endswith(".key"))
        return written[0]
    return out


@pytest.mark.parametrize("case", OWNER_ONLY_OUTPUTS, ids=lambda c: c.name)
def test_files_holding_private_entries_are_written_owner_only(
    case: Output, private_journal: Invoke, home: Path, tmp_path: Path
) -> None:
    written = _run_output(case, private_journal, home, tmp_path / "copy")
    assert case.holds_private(written)
    assert mode(written) == 0o600


@pytest.mark.parametrize("case", [c for c in OWNER_ONLY_OUTPUTS if not c.default_place], ids=lambda c: c.name)
def test_replacing_an_older_readable_file_leaves_an_owner_only_one(
    case: Output, private_journal: Invoke, home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "copy"
    out.write_text("an older copy, readable by everyone\n", encoding="utf-8")
    out.chmod(0o644)
    forced = Output(case.name, case.command, [*case.argv, "--force"], holds_private=case.holds_private)
    written = _run_output(forced, private_journal, home, out)
    assert case.holds_private(written)
    assert mode(written) == 0o600
