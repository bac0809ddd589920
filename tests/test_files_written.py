"""Every file peerlog writes: written whole, owner-writable only whatever the umask, never through a link,
and `--force` replaces only a regular file. The same for each way out: export, share, backup and packs."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from peerlog.store import Store, migrations
from support import Invoke


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@dataclass(frozen=True)
class Way:
    name: str
    #: the arguments that write `out` (a journal where Ana is paired with Sam is ready)
    args: Callable[[Path], list[str]]


WAYS_OUT = [
    Way("export --output", lambda out: ["export", "--output", str(out)]),
    Way(
        "export json --include-private",
        lambda out: ["export", "-f", "json", "--include-private", "-o", str(out)],
    ),
    Way("share --output", lambda out: ["share", "--pair", "sam", "--output", str(out)]),
    Way("backup FILE", lambda out: ["backup", str(out)]),
]


@pytest.fixture
def shared(journal: Invoke) -> Invoke:
    assert (
        journal("checkin", "--pair", "sam", "--shared", "--note", "We met", "--win", "Showed up").exit_code
        == 0
    )
    return journal


def _writes(invoke: Invoke, way: Way, out: Path, *extra: str) -> Any:
    return invoke(*way.args(out), *extra)


# ---------------------------------------------------------------- --force and what stands at the path


@pytest.mark.parametrize("way", WAYS_OUT, ids=lambda w: w.name)
def test_force_never_replaces_a_symlink_or_writes_through_it(
    way: Way, shared: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "someone-elses-file"
    target.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "out"
    link.symlink_to(target)
    for extra in ([], ["--force"]):
        result = _writes(shared, way, link, *extra)
        assert result.exit_code == 2, result.stdout
        assert len(result.stderr.splitlines()) == 1
    assert "a symbolic link, not a regular file" in result.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize("way", WAYS_OUT, ids=lambda w: w.name)
def test_force_never_replaces_a_named_pipe(way: Way, shared: Invoke, tmp_path: Path) -> None:
    pipe = tmp_path / "out"
    os.mkfifo(pipe)
    result = _writes(shared, way, pipe, "--force")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"peerlog: {pipe} is a named pipe, not a regular file")
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may make a device node")
@pytest.mark.parametrize("way", WAYS_OUT, ids=lambda w: w.name)
def test_force_never_replaces_a_device_even_as_root(way: Way, shared: Invoke, tmp_path: Path) -> None:
    device = tmp_path / "out"
    os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is
    result = _writes(shared, way, device, "--force")
    assert result.exit_code == 2
    assert f"{device} is a device, not a regular file" in result.stderr
    assert stat.S_ISCHR(device.lstat().st_mode)


@pytest.mark.parametrize("way", WAYS_OUT, ids=lambda w: w.name)
def test_force_still_replaces_a_regular_file(way: Way, shared: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("older\n", encoding="utf-8")
    result = _writes(shared, way, out, "--force")
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() != b"older\n"


# ---------------------------------------------------------------- names near the file system's limit


@pytest.mark.parametrize("way", WAYS_OUT, ids=lambda w: w.name)
def test_an_output_name_near_the_255_byte_limit_is_written(way: Way, shared: Invoke, tmp_path: Path) -> None:
    # A backup's key goes beside it as NAME.key, so the backup's own name has 4 bytes less room.
    room = len(".key") if way.name == "backup FILE" else 0
    out = tmp_path / (
        "n" * (250 - room) + ".out"
    )  # the longest name has 254 bytes: no room for a longer temporary one
    result = _writes(shared, way, out)
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size > 0
    beside = [f"{out.name}.key"] if room else []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["peerlog-home", out.name, *beside])


def test_a_backup_name_too_long_for_its_key_beside_it_is_refused_before_writing(
    shared: Invoke, tmp_path: Path
) -> None:
    out = tmp_path / ("n" * 250 + ".out")
    result = shared("backup", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        f"peerlog: The backup's name is too long to keep your key beside it as {out.name}.key; nothing was "
        "written. Choose a shorter name.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["peerlog-home"]


# ---------------------------------------------------------------- modes, whatever the umask


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("way", WAYS_OUT, ids=lambda w: w.name)
def test_under_umask_000_nothing_written_is_writable_by_others(
    way: Way, shared: Invoke, tmp_path: Path, umask_000: None
) -> None:
    out = tmp_path / "out"
    assert _writes(shared, way, out).exit_code == 0
    assert mode(out) & 0o022 == 0


def test_under_umask_000_the_prompts_folder_and_a_new_pack_are_yours_alone(
    invoke: Invoke, home: Path, umask_000: None
) -> None:
    result = invoke("prompts", "new", "evening")
    assert result.exit_code == 0, result.stderr
    assert mode(home) == mode(home / "prompts") == 0o700
    assert mode(home / "prompts" / "evening.toml") == 0o600


def test_under_umask_000_every_folder_made_for_a_journal_is_private(
    invoke: Invoke, tmp_path: Path, umask_000: None
) -> None:
    db = tmp_path / "new" / "deeper" / "journal.db"
    assert invoke("--db", str(db), "init", "--name", "Ana").exit_code == 0
    assert mode(tmp_path / "new") == mode(tmp_path / "new" / "deeper") == 0o700


# ---------------------------------------------------------------- prompts new and links


def test_prompts_new_never_follows_a_link_to_another_file(invoke: Invoke, home: Path, tmp_path: Path) -> None:
    target = tmp_path / "my-notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    (home / "prompts").mkdir(parents=True)
    link = home / "prompts" / "evening.toml"
    link.symlink_to(target)
    first = invoke("prompts", "new", "evening")
    assert first.exit_code == 2 and "already there" in first.stderr
    forced = invoke("prompts", "new", "evening", "--force")
    assert forced.exit_code == 2
    assert "a symbolic link, not a regular file" in forced.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "mine\n"


def test_prompts_new_never_follows_a_dangling_link(invoke: Invoke, home: Path, tmp_path: Path) -> None:
    (home / "prompts").mkdir(parents=True)
    link = home / "prompts" / "evening.toml"
    link.symlink_to(tmp_path / "would-be-created")
    for extra in ([], ["--force"]):
        assert invoke("prompts", "new", "evening", *extra).exit_code == 2
    assert not (tmp_path / "would-be-created").exists()


# ---------------------------------------------------------------- what stands at the journal's path


def test_doctor_refuses_a_named_pipe_at_once(invoke: Invoke, tmp_path: Path) -> None:
    pipe = tmp_path / "journal.db"
    os.mkfifo(pipe)
    started = time.monotonic()
    result = invoke("--db", str(pipe), "doctor", "--json")
    assert time.monotonic() - started < 5
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["findings"][0]["what"].startswith(f"{pipe} is not a journal file: it is a named pipe")


def test_doctor_does_not_call_a_device_a_healthy_journal(invoke: Invoke) -> None:
    result = invoke("--db", "/dev/null", "doctor", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["healthy"] is False
    assert report["findings"][0]["what"].startswith("/dev/null is not a journal file: it is a device")


@pytest.mark.parametrize("special", ["/dev/null", "fifo", "/proc/self/status"])
@pytest.mark.parametrize("command", [["log"], ["init", "--name", "Ana"], ["checkin", "--note", "x"]])
def test_a_journal_path_that_is_not_a_journal_file_is_one_clear_line(
    special: str, command: list[str], invoke: Invoke, tmp_path: Path
) -> None:
    if special == "fifo":
        special = str(tmp_path / "pipe")
        os.mkfifo(special)
    if not Path(special).exists():
        pytest.skip(f"{special} does not exist here")
    result = invoke("--db", special, *command)
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert "Something unexpected" not in result.stderr
    assert "not a journal file" in result.stderr or "not a peerlog journal" in result.stderr


def test_a_journal_path_that_is_a_link_to_nowhere_is_never_created_through(
    invoke: Invoke, tmp_path: Path
) -> None:
    link = tmp_path / "journal.db"
    link.symlink_to(tmp_path / "elsewhere.db")
    result = invoke("--db", str(link), "init", "--name", "Ana")
    assert result.exit_code == 1 and "which does not exist" in result.stderr
    assert not (tmp_path / "elsewhere.db").exists()


# ---------------------------------------------------------------- the copy taken before an upgrade


def _pronouns(op: Any) -> None:
    import sqlalchemy as sa

    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("pronouns", sa.String(), nullable=True))


def _broken(op: Any) -> None:
    raise RuntimeError("simulated failure in the middle of an upgrade")


@pytest.fixture
def older_journal(journal: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Ana's journal, one schema behind this peerlog."""
    assert journal("checkin", "--note", "Before the upgrade").exit_code == 0
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("9999_pronouns", _pronouns)])
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 1)
    return home / "peerlog.db"


def test_eight_peerlogs_upgrading_at_once_leave_one_copy(older_journal: Path) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store.open(older_journal).close()
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [p.name for p in older_journal.parent.glob("*.bak")] == [
        f"peerlog.db.schema{migrations.LATEST - 1}.bak"
    ]


def test_an_upgrade_that_failed_and_is_tried_again_keeps_one_copy(
    older_journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    working = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", [*working[:-1], ("9999_broken", _broken)])
    for _attempt in range(3):
        with pytest.raises(RuntimeError):
            Store.open(older_journal)
    monkeypatch.setattr(migrations, "MIGRATIONS", working)
    Store.open(older_journal).close()
    (copy,) = older_journal.parent.glob("*.bak")
    assert mode(copy) == 0o600
    with sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT note FROM checkin").fetchall() == [("Before the upgrade",)]
    conn.close()


# ---------------------------------------------------------------- files peerlog reads


@pytest.mark.parametrize("command", [["import"], ["import", "--from", "jrnl"], ["prompts", "validate"]])
def test_reading_a_named_pipe_is_refused_at_once(command: list[str], journal: Invoke, tmp_path: Path) -> None:
    pipe = tmp_path / "incoming.json"
    os.mkfifo(pipe)
    started = time.monotonic()
    result = journal(*command, str(pipe))
    assert time.monotonic() - started < 5
    assert result.exit_code in (1, 2)
    assert "a named pipe, not a" in result.stderr
    assert "Something unexpected" not in result.stderr


def test_importing_a_device_is_refused(journal: Invoke) -> None:
    result = journal("import", "/dev/zero")
    assert result.exit_code == 2
    assert result.stderr.startswith("peerlog: /dev/zero is a device, not a file to import.")


@pytest.mark.parametrize("way", WAYS_OUT, ids=lambda w: w.name)
@pytest.mark.parametrize("part", ["", "-wal", "-shm"])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_nothing_is_ever_written_over_the_journal_itself(
    way: Way, part: str, force: list[str], shared: Invoke, home: Path
) -> None:
    journal = home / "peerlog.db"
    target = Path(f"{journal}{part}")
    before = journal.read_bytes()
    result = _writes(shared, way, target, *force)
    assert result.exit_code == 2
    assert f"{target} is your journal itself" in result.stderr
    assert journal.read_bytes() == before
    assert [e["note"] for e in json.loads(shared("log", "--json").stdout)] == ["We met"]


def test_a_journal_name_too_long_for_its_working_files_is_refused_before_anything_is_made(
    invoke: Invoke, tmp_path: Path
) -> None:
    db = tmp_path / ("j" * 245 + ".db")  # 248 bytes: fits, but `-journal` beside it would not
    result = invoke("--db", str(db), "init", "--name", "Ana")
    assert result.exit_code == 1
    assert "file name is too long (248 bytes)" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not db.exists()
    shorter = tmp_path / ("j" * 244 + ".db")
    assert invoke("--db", str(shorter), "init", "--name", "Ana").exit_code == 0
