"""A sync folder is shared ground: other programs copy files in and out of it while peerlog works there.
Bundles appear only whole and are never rewritten; only bundles for you and not yet applied are picked up,
conflict copies included, half-copied files are left for later; one sync at a time; a folder that is missing
or goes away is one line naming it."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from peerlog import syncing
from peerlog.errors import InputError, PeerlogError
from peerlog.sealing import Envelope
from peerlog.syncing import (
    SyncBusyError,
    SyncFolderError,
    SyncLock,
    bundle_name,
    incoming,
    watch,
    write_bundle,
)
from support import read_only, sealed_file

ANA = "a1a2a3a4a5a6a7a8"
SAM = "5a5b5c5d5e5f5a5b"
ZOE = "2020202020202020"
NOW = datetime(2026, 12, 3, 10, 10, 10, tzinfo=UTC)


def nothing_seen(bundle_id: str) -> bool:
    return False


def ids(found: list[syncing.Candidate]) -> list[str]:
    return [candidate.bundle_id for candidate in found]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "Sync" / "ana-sam"
    made.mkdir(parents=True)
    return made


# --- Names -----------------------------------------------------------------------------------------------


def test_a_bundle_name_says_from_which_key_to_which_and_when_in_utc() -> None:
    name = bundle_name(ANA, SAM, datetime(2026, 12, 3, 11, 10, 10, tzinfo=timezone(timedelta(hours=1))))
    assert name.startswith("peerlog-a1a2a3a4-to-5a5b5c5d-20261203T101010Z-")
    assert name.endswith(".sealed")
    assert len(name.removeprefix("peerlog-a1a2a3a4-to-5a5b5c5d-20261203T101010Z-")) == len("0123abcd.sealed")


def test_bundle_names_made_in_the_same_second_never_collide() -> None:
    names = {bundle_name(ANA, SAM, NOW) for _ in range(2000)}
    assert len(names) == 2000


def test_bundle_names_sort_in_the_order_they_were_made() -> None:
    made = [bundle_name(ANA, SAM, NOW + timedelta(seconds=s)) for s in (0, 1, 59, 3600, 86400 * 40)]
    assert sorted(made) == made


def test_a_bundle_name_needs_key_ids_and_a_time_with_its_zone() -> None:
    with pytest.raises(ValueError):
        bundle_name("../../etc", SAM, NOW)
    with pytest.raises(ValueError):
        bundle_name(ANA, SAM, datetime(2026, 12, 3))


# --- Writing ---------------------------------------------------------------------------------------------


def test_a_written_bundle_holds_every_chunk_and_only_its_name_is_left(folder: Path) -> None:
    name = bundle_name(ANA, SAM, NOW)
    path = write_bundle(folder, name, iter([b"first ", b"second ", b"third"]))
    assert path == folder / name
    assert path.read_bytes() == b"first second third"
    assert os.listdir(folder) == [name]


def test_a_bundle_is_readable_by_the_peers_sync_tool_but_writable_only_by_you(folder: Path) -> None:
    old = os.umask(0o077)
    try:
        path = write_bundle(folder, bundle_name(ANA, SAM, NOW), [b"sealed"])
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_bundle_is_never_visible_under_its_name_until_complete(folder: Path) -> None:
    name = bundle_name(ANA, SAM, NOW)
    seen_while_writing: list[list[str]] = []

    def chunks() -> Iterator[bytes]:
        for chunk in (b"one", b"two", b"three"):
            seen_while_writing.append(sorted(os.listdir(folder)))
            yield chunk

    write_bundle(folder, name, chunks())
    assert seen_while_writing
    for listing in seen_while_writing:
        assert name not in listing
        # Only a hidden temporary, which every sync tool and `incoming` skip.
        assert all(entry.startswith(".") for entry in listing)
    assert (folder / name).read_bytes() == b"onetwothree"


def test_a_write_that_fails_half_way_leaves_nothing_in_the_folder(folder: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"the first half"
        raise PeerlogError("The change set could not be read.")

    with pytest.raises(PeerlogError, match="could not be read"):
        write_bundle(folder, bundle_name(ANA, SAM, NOW), chunks())
    assert os.listdir(folder) == []


def test_a_ctrl_c_half_way_through_a_write_leaves_nothing_in_the_folder(folder: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"the first half"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_bundle(folder, bundle_name(ANA, SAM, NOW), chunks())
    assert os.listdir(folder) == []


def test_a_file_already_under_that_name_is_never_rewritten(folder: Path) -> None:
    name = bundle_name(ANA, SAM, NOW)
    (folder / name).write_bytes(b"the peer's tool may be copying this")
    with pytest.raises(SyncFolderError, match="never rewrites a file there") as refused:
        write_bundle(folder, name, [b"new bytes"])
    assert str(folder) in str(refused.value)
    assert (folder / name).read_bytes() == b"the peer's tool may be copying this"
    assert os.listdir(folder) == [name]


def test_only_a_plain_bundle_file_name_is_written(folder: Path) -> None:
    for name in ("../outside.sealed", ".hidden.sealed", "notes.txt"):
        with pytest.raises(ValueError):
            write_bundle(folder, name, [b"x"])
    assert os.listdir(folder) == []
    assert not (folder.parent / "outside.sealed").exists()


def test_writing_to_a_missing_folder_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "Dropbox" / "ana-sam"
    with pytest.raises(SyncFolderError, match="is not there") as refused:
        write_bundle(missing, bundle_name(ANA, SAM, NOW), [b"x"])
    assert refused.value.folder == missing
    assert str(missing) in str(refused.value)
    assert not missing.exists()


def test_writing_to_a_file_where_a_folder_should_be_names_it(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "ana-sam"
    not_a_folder.write_text("notes")
    with pytest.raises(SyncFolderError, match="is a file, not a folder"):
        write_bundle(not_a_folder, bundle_name(ANA, SAM, NOW), [b"x"])
    assert not_a_folder.read_text() == "notes"


@pytest.mark.parametrize("how", ["immutable", "read-only mount"])
def test_writing_to_a_read_only_folder_names_it(
    folder: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        read_only(folder, how, monkeypatch),
        pytest.raises(SyncFolderError, match="cannot write in the sync"),
    ):
        write_bundle(folder, bundle_name(ANA, SAM, NOW), [b"x"])
    assert os.listdir(folder) == []


def test_permission_taken_away_while_writing_is_one_line_naming_the_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(syncing.files.tempfile, "mkstemp", refuse)
    with pytest.raises(SyncFolderError, match="cannot write in the sync folder") as refused:
        write_bundle(folder, bundle_name(ANA, SAM, NOW), [b"x"])
    assert str(folder) in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_folder_that_goes_away_mid_write_is_named_and_nothing_is_left(folder: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"the first half"
        shutil.rmtree(folder)  # the USB stick is pulled out
        yield b"the second half"

    with pytest.raises(SyncFolderError, match="went away while peerlog was using it") as refused:
        write_bundle(folder, bundle_name(ANA, SAM, NOW), chunks())
    assert str(folder) in str(refused.value)
    assert not folder.exists()


# --- Reading ---------------------------------------------------------------------------------------------


def test_only_bundles_addressed_to_you_are_picked_up(folder: Path) -> None:
    sealed_file(folder, bundle_name(SAM, ANA, NOW), bundle_id="for-ana", to=ANA)
    sealed_file(folder, bundle_name(ANA, SAM, NOW), bundle_id="ana-to-sam", to=SAM)
    sealed_file(folder, bundle_name(SAM, ZOE, NOW), bundle_id="sam-to-zoe", to=ZOE)
    assert ids(incoming(folder, my_key_id=ANA, seen=nothing_seen)) == ["for-ana"]
    assert ids(incoming(folder, my_key_id=SAM, seen=nothing_seen)) == ["ana-to-sam"]


def test_bundles_already_applied_are_skipped(folder: Path) -> None:
    for bundle_id in ("one", "two", "three"):
        sealed_file(folder, f"{bundle_id}.sealed", bundle_id=bundle_id, to=ANA)
    applied = {"one", "three"}
    assert ids(incoming(folder, my_key_id=ANA, seen=applied.__contains__)) == ["two"]


def test_a_candidate_says_where_it_is_how_big_and_when_and_opens_to_its_bytes(folder: Path) -> None:
    path = sealed_file(folder, "x.sealed", bundle_id="b1", to=ANA, body=b"opaque")
    os.utime(path, (1_800_000_000, 1_800_000_000))
    [candidate] = incoming(folder, my_key_id=ANA, seen=nothing_seen)
    assert (candidate.path, candidate.size, candidate.mtime) == (path, path.stat().st_size, 1_800_000_000)
    opened = candidate.open()
    assert opened is not None
    with opened:
        assert opened.read() == path.read_bytes()


def test_bundles_come_oldest_first(folder: Path) -> None:
    for name, age in (("c.sealed", 10), ("a.sealed", 30), ("b.sealed", 20)):
        path = sealed_file(folder, name, bundle_id=name[0], to=ANA)
        os.utime(path, (1_800_000_000 - age, 1_800_000_000 - age))
    assert ids(incoming(folder, my_key_id=ANA, seen=nothing_seen)) == ["a", "b", "c"]


def test_the_conflict_copies_each_sync_tool_makes_are_picked_up(folder: Path) -> None:
    original = "peerlog-5a5b5c5d-to-a1a2a3a4-20261203T101010Z-0123abcd"
    copies = {
        "original": f"{original}.sealed",
        "syncthing": f"{original}.sync-conflict-20261203-101010-ABCDEFG.sealed",
        "dropbox": f"{original} (Ana's conflicted copy 2026-12-03).sealed",
        "nextcloud": f"{original} (conflicted copy 2026-12-03 101010).sealed",
        "onedrive": f"{original}-ANAS-LAPTOP.sealed",
        "upper-case": f"{original}.SEALED",
    }
    for tool, name in copies.items():
        sealed_file(folder, name, bundle_id=tool, to=ANA)
    assert sorted(ids(incoming(folder, my_key_id=ANA, seen=nothing_seen))) == sorted(copies)


def test_hidden_temporary_and_partial_files_are_never_picked_up(folder: Path) -> None:
    skipped = [
        ".peerlog-k2j3h4.tmp",
        ".hidden.sealed",
        ".syncthing.x.sealed.tmp",
        ".~lock.x.sealed#",
        ".x.sealed.~1a2b",
        "x.sealed.tmp",
        "x.sealed.part",
        "x.sealed.partial",
        "x.sealed~",
        "~x.sealed",
        "x.part.sealed",
        "x.sealed.crdownload",
        "notes.txt",
    ]
    for index, name in enumerate(skipped):
        sealed_file(folder, name, bundle_id=f"skipped-{index}", to=ANA)
    sealed_file(folder, "real.sealed", bundle_id="real", to=ANA)
    found = incoming(folder, my_key_id=ANA, seen=nothing_seen)
    assert ids(found) == ["real"]
    assert found.partial == found.unrecognised == []


def test_folders_symbolic_links_and_pipes_named_like_bundles_are_skipped(
    folder: Path, tmp_path: Path
) -> None:
    # A link could point anywhere on this machine, and the other side can make one in a shared folder:
    # peerlog never follows one, even to a real bundle.
    outside = sealed_file(tmp_path, "outside.sealed", bundle_id="outside", to=ANA)
    (folder / "link.sealed").symlink_to(outside)
    (folder / "folder.sealed").mkdir()
    sealed_file(folder / "folder.sealed", "inner.sealed", bundle_id="inner", to=ANA)
    os.mkfifo(folder / "pipe.sealed")  # would block a plain open for ever
    found = incoming(folder, my_key_id=ANA, seen=nothing_seen)
    assert ids(found) == []
    assert found.partial == found.unrecognised == []


def test_a_bundle_whose_first_line_is_still_arriving_is_partial(folder: Path) -> None:
    whole = sealed_file(folder, "whole.sealed", bundle_id="whole", to=ANA)
    cut = folder / "cut.sealed"
    cut.write_bytes(whole.read_bytes()[:25])  # '{"peerlog": "sealed", "v'
    empty = folder / "empty.sealed"
    empty.write_bytes(b"")
    space_set_aside = folder / "zeros.sealed"
    space_set_aside.write_bytes(b"\0" * 4096)
    found = incoming(folder, my_key_id=ANA, seen=nothing_seen)
    assert ids(found) == ["whole"]
    assert sorted(found.partial) == sorted([cut, empty, space_set_aside])


def test_a_file_that_cannot_be_read_yet_is_partial(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = sealed_file(folder, "locked.sealed", bundle_id="locked", to=ANA)
    sealed_file(folder, "open.sealed", bundle_id="open", to=ANA)
    real_open = os.open

    def open_(path: Any, *args: Any, **kwargs: Any) -> int:
        if Path(path) == locked:  # as root, chmod would not stop this test
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    found = incoming(folder, my_key_id=ANA, seen=nothing_seen)
    assert ids(found) == ["open"]
    assert found.partial == [locked]


def test_files_named_like_bundles_that_are_not_bundles_are_set_aside(folder: Path) -> None:
    notes = folder / "notes.sealed"
    notes.write_text("Just some notes\nabout the week\n")
    other_json = folder / "other.sealed"
    other_json.write_text('{"peerlog": "share", "id": "x"}\n{}')
    long_line = folder / "long.sealed"
    long_line.write_bytes(b"x" * 5000)
    found = incoming(folder, my_key_id=ANA, seen=nothing_seen)
    assert ids(found) == []
    assert sorted(found.unrecognised) == sorted([notes, other_json, long_line])
    assert found.partial == []


def test_the_sealing_modules_envelope_reader_can_be_used_instead(folder: Path) -> None:
    sealed_file(folder, "a.sealed", bundle_id="a", to=ANA)
    sealed_file(folder, "b.sealed", bundle_id="b", to=ANA)
    lines: list[bytes] = []

    def read_envelope(head: bytes) -> Envelope:
        lines.append(head)
        if b'"b"' in head:
            raise PeerlogError("This is not a sealed peerlog bundle.")
        return Envelope("from-the-reader", ANA, head)

    found = incoming(folder, my_key_id=ANA, seen=nothing_seen, read_envelope=read_envelope)
    assert ids(found) == ["from-the-reader"]
    assert found.unrecognised == [folder / "b.sealed"]
    assert all(line.endswith(b"}\n") and line.count(b"\n") == 1 for line in lines)


def test_reading_a_missing_folder_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "Sync" / "ana-sam"
    with pytest.raises(SyncFolderError, match="is not there") as refused:
        incoming(missing, my_key_id=ANA, seen=nothing_seen)
    assert str(missing) in str(refused.value)


def test_reading_a_file_where_a_folder_should_be_names_it(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "ana-sam.sealed"
    sealed_file(tmp_path, "ana-sam.sealed", bundle_id="x", to=ANA)
    with pytest.raises(SyncFolderError, match="is a file, not a folder"):
        incoming(not_a_folder, my_key_id=ANA, seen=nothing_seen)


def test_a_folder_that_may_not_be_read_is_one_line_naming_it(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", refuse)  # as root, chmod would not stop this test
    with pytest.raises(SyncFolderError, match="may not read the sync folder") as refused:
        incoming(folder, my_key_id=ANA, seen=nothing_seen)
    assert str(folder) in str(refused.value)


class _Listing:
    """`os.scandir` that lists the folder, then lets something happen before the files are read."""

    def __init__(self, entries: list[os.DirEntry[str]]) -> None:
        self.entries = entries

    def __enter__(self) -> list[os.DirEntry[str]]:
        return self.entries

    def __exit__(self, *exc: object) -> None:
        return None


def _then(monkeypatch: pytest.MonkeyPatch, happen: Any) -> None:
    real = os.scandir

    def scandir(path: Any) -> _Listing:
        with real(path) as listing:
            entries = list(listing)
        monkeypatch.setattr(os, "scandir", real)  # once: `happen` may list folders too
        happen()
        return _Listing(entries)

    monkeypatch.setattr(os, "scandir", scandir)


def test_a_folder_that_goes_away_between_listing_and_reading_names_it(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sealed_file(folder, "a.sealed", bundle_id="a", to=ANA)
    _then(monkeypatch, lambda: shutil.rmtree(folder))
    with pytest.raises(SyncFolderError, match="went away while peerlog was using it") as refused:
        incoming(folder, my_key_id=ANA, seen=nothing_seen)
    assert str(folder) in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_file_the_sync_tool_moves_away_between_listing_and_reading_is_simply_skipped(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sealed_file(folder, "a.sealed", bundle_id="a", to=ANA)
    gone = sealed_file(folder, "b.sealed", bundle_id="b", to=ANA)
    _then(monkeypatch, gone.unlink)
    assert ids(incoming(folder, my_key_id=ANA, seen=nothing_seen)) == ["a"]


def test_a_candidate_gone_before_it_is_opened_opens_to_nothing_unless_the_folder_went(folder: Path) -> None:
    sealed_file(folder, "a.sealed", bundle_id="a", to=ANA)
    sealed_file(folder, "b.sealed", bundle_id="b", to=ANA)
    first, second = incoming(folder, my_key_id=ANA, seen=nothing_seen)
    first.path.unlink()
    assert first.open() is None
    shutil.rmtree(folder)
    with pytest.raises(SyncFolderError, match="went away"):
        second.open()


# --- One sync at a time ----------------------------------------------------------------------------------


def test_a_second_sync_on_the_same_journal_is_refused_in_one_line(tmp_path: Path) -> None:
    journal = tmp_path / "peerlog.db"
    with (
        SyncLock(journal),
        pytest.raises(SyncBusyError, match="Another sync is running for this journal") as refused,
        SyncLock(journal),
    ):
        pytest.fail("two syncs held the lock at once")
    assert "\n" not in str(refused.value)


def test_syncs_of_two_different_journals_run_side_by_side(tmp_path: Path) -> None:
    with SyncLock(tmp_path / "ana.db"), SyncLock(tmp_path / "sam.db"):
        pass


def test_the_lock_is_released_after_a_sync_and_after_a_failed_one(tmp_path: Path) -> None:
    journal = tmp_path / "peerlog.db"
    with SyncLock(journal):
        pass
    with pytest.raises(SyncFolderError), SyncLock(journal):
        raise SyncFolderError("The sync folder x is not there.", folder=tmp_path)
    with SyncLock(journal):
        pass
    assert stat.S_IMODE(syncing.lock_path(journal).stat().st_mode) == 0o600


def test_a_lock_that_cannot_be_made_is_one_line_naming_it(tmp_path: Path) -> None:
    journal = tmp_path / "gone" / "peerlog.db"
    with pytest.raises(PeerlogError, match="Cannot use the sync lock") as refused, SyncLock(journal):
        pytest.fail("locked a file in a folder that is not there")
    assert str(syncing.lock_path(journal)) in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.slow
def test_a_sync_in_another_process_keeps_this_one_out_until_it_ends(tmp_path: Path) -> None:
    journal = tmp_path / "peerlog.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys
                from pathlib import Path
                from peerlog.syncing import SyncLock
                with SyncLock(Path({str(journal)!r})):
                    print("locked", flush=True)
                    sys.stdin.readline()
            """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(SyncBusyError), SyncLock(journal):
            pass
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
    with SyncLock(journal):
        pass


# --- Watching --------------------------------------------------------------------------------------------


def test_watch_runs_until_ctrl_c_and_returns_what_the_last_round_did() -> None:
    rounds: list[int] = []
    pauses: list[float] = []

    def step() -> str:
        rounds.append(len(rounds) + 1)
        return f"round {len(rounds)}"

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            raise KeyboardInterrupt

    assert watch(step, interval=30, sleep=sleep) == "round 3"
    assert rounds == [1, 2, 3]
    assert pauses == [30, 30, 30]


def test_a_ctrl_c_during_a_round_ends_the_watch_with_the_round_before() -> None:
    rounds: list[int] = []

    def step() -> int:
        rounds.append(1)
        if len(rounds) == 2:
            raise KeyboardInterrupt
        return len(rounds)

    assert watch(step, interval=1, sleep=lambda _: None) == 1
    assert watch(lambda: (_ for _ in ()).throw(KeyboardInterrupt), interval=1, sleep=lambda _: None) is None


def test_an_error_in_a_round_ends_the_watch_for_the_caller_to_report(tmp_path: Path) -> None:
    def step() -> None:
        raise SyncFolderError("The sync folder x is not there.", folder=tmp_path)

    with pytest.raises(SyncFolderError):
        watch(step, interval=1, sleep=lambda _: None)


@pytest.mark.parametrize("interval", [0, -5, float("nan")])
def test_watch_needs_a_pause_of_more_than_zero_seconds(interval: float) -> None:
    with pytest.raises(InputError, match="more than 0 seconds"):
        watch(lambda: None, interval=interval, sleep=lambda _: None)
