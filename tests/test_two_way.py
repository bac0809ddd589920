"""The two-way loop across two machines: sealed bundles by file and through a sync folder.

Ana's journal is the usual test home and Sam's a second one; in the `journal` and `sam` fixtures each already
holds the other's key, as after first contact (`peerlog id`, then `pair add ... --key CODE`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from support import Invoke, code_of, counts

SECRET = "sentinel-shared-words-7c1f"


def _log(invoke: Invoke, *args: str) -> list[dict[str, Any]]:
    result = invoke("log", "--json", "--limit", "100", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _notes(invoke: Invoke) -> set[str]:
    return {entry["note"] for entry in _log(invoke)}


def _one_line(result: Any, code: int | None = None) -> str:
    assert result.exit_code != 0, result.stdout
    if code is not None:
        assert result.exit_code == code, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _share(invoke: Invoke, peer: str, path: Path, *extra: str) -> Path:
    result = invoke("share", "--pair", peer, "--output", str(path), *extra)
    assert result.exit_code == 0, result.stderr
    return path


# ---------------------------------------------------------------- by file


def test_a_sealed_bundle_carries_shared_entries_that_only_the_peer_can_read(
    journal: Invoke, sam: Invoke, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", SECRET, "--win", "Spoke up in the meeting", "--shared")
    journal("checkin", "--pair", "sam", "--note", "private-words-stay-home")
    bundle = _share(journal, "sam", tmp_path / "to-sam.sealed")
    raw = bundle.read_bytes()
    for plain in (SECRET, "Spoke up", "private-words", "Ana", "Sam", '"checkin"'):
        assert plain.encode() not in raw
    imported = sam("import", str(bundle))
    assert imported.exit_code == 0, imported.stderr
    assert "from Ana" in imported.stdout and "1 check-in added" in imported.stdout
    assert SECRET in _notes(sam)
    assert "private-words-stay-home" not in _notes(sam)


def test_importing_the_same_bundle_twice_changes_nothing(
    journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "once", "--shared")
    bundle = _share(journal, "sam", tmp_path / "b.sealed")
    assert sam("import", str(bundle)).exit_code == 0
    before = counts(sam_home)
    again = sam("import", str(bundle))
    assert again.exit_code == 0, again.stderr
    assert "imported before; nothing changed" in again.stdout
    assert counts(sam_home) == before


def test_edits_deletions_and_unsharing_reach_the_peer(journal: Invoke, sam: Invoke, tmp_path: Path) -> None:
    for note in ("kept", "edited", "deleted", "unshared"):
        journal("checkin", "--pair", "sam", "--note", note, "--shared")
    assert sam("import", str(_share(journal, "sam", tmp_path / "1.sealed"))).exit_code == 0
    assert {"kept", "edited", "deleted", "unshared"} <= _notes(sam)
    ids = {e["note"]: e["id"] for e in _log(journal)}
    assert journal("edit", ids["edited"], "--note", "edited again").exit_code == 0
    assert journal("delete", ids["deleted"], "--yes").exit_code == 0
    assert journal("edit", ids["unshared"], "--private").exit_code == 0
    second = _share(journal, "sam", tmp_path / "2.sealed", "--since-last")
    result = sam("import", str(second))
    assert result.exit_code == 0, result.stderr
    assert "removed 2 entries Ana no longer shares" in result.stdout
    assert _notes(sam) == {"kept", "edited again"}


def test_an_older_bundle_imported_after_a_newer_one_rolls_nothing_back(
    journal: Invoke, sam: Invoke, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "first words", "--shared")
    older = _share(journal, "sam", tmp_path / "older.sealed")
    entry = _log(journal)[0]["id"]
    journal("edit", entry, "--note", "better words")
    newer = _share(journal, "sam", tmp_path / "newer.sealed")
    assert sam("import", str(newer)).exit_code == 0
    late = sam("import", str(older))
    assert late.exit_code == 0, late.stderr
    assert _notes(sam) == {"better words"}
    journal("delete", entry, "--yes")
    removal = _share(journal, "sam", tmp_path / "removal.sealed")
    assert sam("import", str(removal)).exit_code == 0
    assert _notes(sam) == set()
    # The bundles from before the deletion never bring the entry back.
    for stale in (older, newer):
        assert sam("import", str(stale)).exit_code == 0
    assert _notes(sam) == set()


def test_a_bundle_with_one_byte_flipped_is_refused_and_changes_nothing(
    journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    for n in range(3):
        journal("checkin", "--pair", "sam", "--note", f"entry {n}", "--shared")
    good = _share(journal, "sam", tmp_path / "good.sealed").read_bytes()
    before = counts(sam_home)
    # In the envelope's id, the key block, and the body.
    first_line = good.index(b"\n") + 1
    for where in (first_line - 5, first_line + 40, len(good) // 2, len(good) - 3):
        flipped = bytearray(good)
        flipped[where] ^= 0x01
        path = tmp_path / f"flipped-{where}.sealed"
        path.write_bytes(bytes(flipped))
        line = _one_line(sam("import", str(path)))
        assert "nothing was imported" in line.lower(), line
        assert counts(sam_home) == before


def test_a_cut_short_bundle_is_refused_and_changes_nothing(
    journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "whole", "--shared")
    good = _share(journal, "sam", tmp_path / "good.sealed").read_bytes()
    cut = tmp_path / "cut.sealed"
    cut.write_bytes(good[: len(good) - 10])
    before = counts(sam_home)
    line = _one_line(sam("import", str(cut)))
    assert "cut short" in line or "incomplete" in line.lower(), line
    assert counts(sam_home) == before


def test_a_bundle_for_someone_else_is_refused(journal: Invoke, sam: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--pair", "sam", "--note", "for Sam only", "--shared")
    bundle = _share(journal, "sam", tmp_path / "to-sam.sealed")
    kai = {"PEERLOG_HOME": str(tmp_path / "kai-home")}
    assert journal("init", "--name", "Kai", env=kai).exit_code == 0
    assert journal("pair", "add", "Ana", "--key", code_of(journal), env=kai).exit_code == 0
    line = _one_line(journal("import", str(bundle), env=kai))
    assert "addressed to someone else" in line, line


def test_a_bundle_from_an_unknown_key_is_refused(journal: Invoke, sam: Invoke, tmp_path: Path) -> None:
    zoe = {"PEERLOG_HOME": str(tmp_path / "zoe-home")}
    assert journal("init", "--name", "Zoë", env=zoe).exit_code == 0
    assert journal("pair", "add", "Sam", "--key", code_of(sam), env=zoe).exit_code == 0
    journal("checkin", "--pair", "sam", "--note", "from Zoë", "--shared", env=zoe)
    bundle = tmp_path / "from-zoe.sealed"
    assert journal("share", "--pair", "sam", "--output", str(bundle), env=zoe).exit_code == 0
    line = _one_line(sam("import", str(bundle)))
    assert "key" in line and "nothing was imported" in line, line
    # Even when Sam has a pair with someone of that name, the key decides.
    assert sam("pair", "add", "Zoë").exit_code == 0
    line = _one_line(sam("import", str(bundle)))
    assert "does not have yet" in line and "--key" in line, line
    assert "from Zoë" not in _notes(sam)


def test_a_peer_on_a_new_machine_without_their_key_is_refused_until_accepted(
    journal: Invoke, sam: Invoke, tmp_path: Path
) -> None:
    new_sam = {"PEERLOG_HOME": str(tmp_path / "sams-new-laptop")}
    assert journal("init", "--name", "Sam", env=new_sam).exit_code == 0
    assert journal("pair", "add", "Ana", "--key", code_of(journal), env=new_sam).exit_code == 0
    journal("checkin", "--pair", "ana", "--note", "from the new laptop", "--shared", env=new_sam)
    bundle = tmp_path / "from-new-sam.sealed"
    assert journal("share", "--pair", "ana", "--output", str(bundle), env=new_sam).exit_code == 0
    old_code = code_of(sam)
    new_code = code_of(journal, env=new_sam)
    line = _one_line(journal("import", str(bundle)))
    assert "key has changed" in line, line
    assert _fingerprint(journal, env=new_sam) in line and _fingerprint(sam) in line
    assert "from the new laptop" not in _notes(journal)
    assert old_code != new_code
    assert journal("pair", "set", "sam", "--key", new_code).exit_code == 0
    accepted = journal("import", str(bundle))
    assert accepted.exit_code == 0, accepted.stderr
    assert "from the new laptop" in _notes(journal)


def _fingerprint(invoke: Invoke, **kw: Any) -> str:
    return json.loads(invoke("id", "--json", **kw).stdout)["fingerprint"]


def test_share_to_a_peer_without_a_key_says_how_to_add_it(invoke: Invoke, tmp_path: Path) -> None:
    assert invoke("init", "--name", "Ana").exit_code == 0
    assert invoke("pair", "add", "Lee").exit_code == 0
    result = invoke("share", "--pair", "lee", "--output", str(tmp_path / "x.sealed"))
    line = _one_line(result, code=1)
    assert "no key" in line and "pair set" in line, line
    assert not (tmp_path / "x.sealed").exists()


def test_a_sealed_bundle_needs_no_pair_option(journal: Invoke, sam: Invoke, tmp_path: Path) -> None:
    bundle = _share(journal, "sam", tmp_path / "b.sealed")
    line = _one_line(sam("import", str(bundle), "--pair", "ana"), code=2)
    assert "--pair" in line


# ---------------------------------------------------------------- through a sync folder


@pytest.fixture
def folder(journal: Invoke, sam: Invoke, tmp_path: Path) -> Path:
    shared = tmp_path / "Sync" / "ana-sam"
    shared.mkdir(parents=True)
    assert journal("pair", "set", "sam", "--sync-dir", str(shared)).exit_code == 0
    assert sam("pair", "set", "ana", "--sync-dir", str(shared)).exit_code == 0
    return shared


def _sync(invoke: Invoke, *args: str) -> str:
    result = invoke("sync", *args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def test_sync_exchanges_both_ways_and_a_second_run_does_nothing(
    journal: Invoke, sam: Invoke, folder: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "Ana's news", "--win", "A small win", "--shared")
    sam("checkin", "--pair", "ana", "--note", "Sam's news", "--shared")
    assert "sent 1 entry (with 1 win)" in _sync(journal)
    out = _sync(sam)
    assert "sent 1 entry" in out and "received 1 entry" in out
    assert "received 1 entry" in _sync(journal)
    assert {"Ana's news", "Sam's news"} <= _notes(journal) and {"Ana's news", "Sam's news"} <= _notes(sam)
    files = sorted(p.name for p in folder.iterdir())
    for invoke in (journal, sam):
        assert "nothing new either way" in _sync(invoke)
    assert sorted(p.name for p in folder.iterdir()) == files
    assert all(name.endswith(".sealed") and not name.startswith(".") for name in files)


def test_sync_carries_deletions_and_takes_conflict_copies_once(
    journal: Invoke, sam: Invoke, folder: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "soon gone", "--shared")
    _sync(journal)
    (bundle,) = folder.iterdir()
    conflict = folder / bundle.name.replace(".sealed", ".sync-conflict-20261203-101010-ABCDEFG.sealed")
    conflict.write_bytes(bundle.read_bytes())
    assert "received 1 entry" in _sync(sam)
    assert "nothing new either way" in _sync(sam)
    journal("delete", _log(journal)[0]["id"], "--yes")
    assert "1 removal" in _sync(journal)
    assert "removed as Ana asked" in _sync(sam)
    assert "soon gone" not in _notes(sam)


def test_a_file_still_arriving_is_left_for_the_next_sync(
    journal: Invoke, sam: Invoke, folder: Path, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "arrives later", "--shared")
    _sync(journal)
    (bundle,) = folder.iterdir()
    whole = bundle.read_bytes()
    bundle.write_bytes(whole[: len(whole) // 2])
    out = _sync(sam)
    assert "still arriving" in out
    assert "arrives later" not in _notes(sam)
    bundle.write_bytes(whole)
    assert "received 1 entry" in _sync(sam)


def test_a_tampered_file_in_the_folder_is_named_and_the_rest_still_arrives(
    journal: Invoke, sam: Invoke, folder: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "good one", "--shared")
    _sync(journal)
    (good,) = folder.iterdir()
    journal("checkin", "--pair", "sam", "--note", "tampered one", "--shared")
    _sync(journal)
    (bad,) = set(folder.iterdir()) - {good}
    data = bytearray(bad.read_bytes())
    data[-20] ^= 0xFF
    bad.write_bytes(bytes(data))
    for _ in range(2):  # and again: it stays named until it is dealt with, and nothing else repeats
        result = sam("sync")
        assert result.exit_code == 1
        assert "Traceback" not in result.stdout + result.stderr
        assert bad.name in result.stdout
        assert "altered or damaged" in result.stdout
    assert "good one" in _notes(sam) and "tampered one" not in _notes(sam)
    # A copy of an applied bundle that was tampered with is no threat: that bundle is already in.
    copy = folder / good.name.replace(".sealed", " (conflicted copy).sealed")
    altered = bytearray(good.read_bytes())
    altered[-20] ^= 0xFF
    copy.write_bytes(bytes(altered))
    bad.unlink()
    assert "nothing new either way" in _sync(sam)


def test_a_sync_folder_that_is_gone_gets_one_clear_line(journal: Invoke, sam: Invoke, folder: Path) -> None:
    journal("checkin", "--pair", "sam", "--note", "nowhere to go", "--shared")
    folder.rmdir()
    result = journal("sync")
    assert result.exit_code == 1
    assert str(folder) in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    # Nothing was marked as sent: once the folder is back, the entry goes.
    folder.mkdir()
    assert "sent 1 entry" in _sync(journal)


def test_sync_with_no_folders_says_how_to_set_one(journal: Invoke) -> None:
    line = _one_line(journal("sync"), code=1)
    assert "--sync-dir" in line


def test_a_second_sync_at_the_same_time_is_told_to_wait(journal: Invoke, folder: Path, home: Path) -> None:
    from peerlog.syncing import SyncLock

    with SyncLock(home / "peerlog.db"):
        line = _one_line(journal("sync"), code=1)
    assert "Another sync" in line
    assert journal("sync").exit_code == 0


@pytest.mark.slow
def test_sync_watch_takes_in_what_arrives_and_stops_quietly_on_ctrl_c(
    journal: Invoke, sam: Invoke, folder: Path, sam_home: Path
) -> None:
    env = {**os.environ, "PEERLOG_HOME": str(sam_home), "COLUMNS": "80"}
    env.pop("PEERLOG_DB", None)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "peerlog", "sync", "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        assert "Watching your sync folders" in watcher.stdout.readline()
        journal("checkin", "--pair", "sam", "--note", "while Sam watches", "--shared")
        _sync(journal)
        deadline = time.monotonic() + 30
        while "while Sam watches" not in _notes(sam) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "while Sam watches" in _notes(sam)
    finally:
        watcher.send_signal(signal.SIGINT)
        rest, errors = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, errors
    assert "With Ana: received 1 entry." in rest
    assert rest.rstrip().endswith("Stopped watching. Everything that arrived is in your journal.")
    assert errors == ""
