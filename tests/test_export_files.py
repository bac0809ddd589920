"""Writing exports to files: never over an existing file unasked, clear errors, owner-only when private."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Invoke


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _one_line_error(result, code: int = 2) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("peerlog: "), result.stderr
    return lines[0]


def test_an_export_goes_to_the_file_named_and_says_what_it_holds(journal: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--note", "A shared moment", "--shared")
    target = tmp_path / "notes.md"
    result = journal("export", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == f"Exported 1 entry to {target} (shared entries only).\n"
    assert "A shared moment" in target.read_text(encoding="utf-8")
    assert _mode(target) == 0o644


def test_an_export_with_private_entries_is_readable_by_you_only(journal: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--note", "Just mine")
    target = tmp_path / "all.json"
    result = journal("export", "--format", "json", "--include-private", "--output", str(target))
    assert result.exit_code == 0
    assert "readable by you only" in result.stdout
    assert _mode(target) == 0o600
    assert "Just mine" in target.read_text(encoding="utf-8")


def test_an_existing_file_is_never_replaced_without_force(journal: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--note", "New words", "--shared")
    target = tmp_path / "notes.md"
    target.write_text("my own notes, keep me\n", encoding="utf-8")
    line = _one_line_error(journal("export", "--output", str(target)))
    assert line == (
        f"peerlog: {target} already exists, and peerlog never replaces a file unasked. "
        "Choose another name, or add --force to replace it."
    )
    assert target.read_text(encoding="utf-8") == "my own notes, keep me\n"
    assert journal("export", "--output", str(target), "--force").exit_code == 0
    assert "New words" in target.read_text(encoding="utf-8")


def test_an_output_in_a_missing_folder_is_a_clear_error(journal: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "notes.md"
    line = _one_line_error(journal("export", "--output", str(target)))
    assert f"the folder {target.parent} does not exist" in line
    assert not target.parent.exists()


def test_an_output_below_a_file_is_a_clear_error(journal: Invoke, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    line = _one_line_error(journal("export", "--output", str(blocker / "notes.md")))
    assert f"{blocker} is a file, not a folder" in line


def test_an_output_that_is_a_folder_is_a_clear_error(journal: Invoke, tmp_path: Path) -> None:
    line = _one_line_error(journal("export", "--output", str(tmp_path)))
    assert line == f"peerlog: {tmp_path} is a folder. Give a file name to write to."


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere, so there is no permission to lack")
def test_an_output_in_a_folder_you_may_not_write_is_a_clear_error(journal: Invoke, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        line = _one_line_error(journal("export", "--output", str(locked / "notes.md")))
        assert "you do not have permission to write in" in line
    finally:
        locked.chmod(0o700)


def test_writing_leaves_no_temporary_files_behind(journal: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "notes.md"
    journal("export", "--output", str(target))
    journal("export", "--output", str(target))  # refused: it exists
    journal("export", "--output", str(target), "--force")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md", "peerlog-home"]


def test_share_never_replaces_a_file_either(journal: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "bundle.json"
    target.write_text("{}", encoding="utf-8")
    _one_line_error(journal("share", "--pair", "sam", "--output", str(target)))
    assert target.read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize("suffix", [".key", ".hub", ".hub-admin"])
def test_the_files_beside_the_journal_are_never_an_output_even_with_force(
    journal: Invoke, tmp_path: Path, suffix: str
) -> None:
    # The key, a member's hub settings and an admin's hub address live beside the journal; an export
    # written over one would lose a key or a password that cannot be made again.
    journal("checkin", "--note", "New words", "--shared")
    beside = Path(os.environ["PEERLOG_HOME"]) / f"peerlog.db{suffix}"
    if not beside.exists():
        beside.write_text("kept\n", encoding="utf-8")
    before = beside.read_bytes()
    result = journal("export", "--output", str(beside), "--force")
    assert result.exit_code != 0 and result.stderr.startswith("peerlog: ")
    assert beside.read_bytes() == before
