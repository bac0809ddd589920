"""`peerlog import` and `restore`: merging by id, idempotent, newer versions win, nothing lost, and bad files
change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support import Invoke, counts, journal_before_keys, load_json, plain_share


@pytest.fixture
def exported(journal: Invoke, tmp_path: Path) -> Path:
    """Ana's whole journal as JSON: three check-ins with wins, one private."""
    journal("checkin", "--pair", "sam", "--note", "First", "--win", "Asked for help", "--shared")
    journal("checkin", "--pair", "sam", "--note", "Second", "--mood", "3", "--shared")
    journal("checkin", "--note", "Third, private", "--win", "Went outside")
    path = tmp_path / "ana.json"
    assert journal("export", "--format", "json", "--include-private", "--output", str(path)).exit_code == 0
    return path


def _notes(invoke: Invoke, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    return {e["note"]: e for e in json.loads(invoke("log", "--json", env=env).stdout)}


def test_restoring_the_same_file_twice_adds_nothing(exported: Path, journal: Invoke, tmp_path: Path) -> None:
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    first = journal("restore", str(exported), env=laptop)
    assert first.stdout == (
        "Restored ana.json: 3 check-ins added. 2 wins among them. Lovely.\n"
        "This machine has a key of its own, so your peers will need your new code: run `peerlog id` and "
        "send it to them, and read the fingerprint together.\n"
    )
    after_first = counts(tmp_path / "laptop")
    second = journal("restore", str(exported), env=laptop)
    assert second.stdout == "Nothing to restore: everything in ana.json is already here.\n"
    assert counts(tmp_path / "laptop") == after_first
    assert journal("restore", str(exported)).stdout == (
        "Nothing to restore: everything in ana.json is already here.\n"
    )


def test_a_restore_keeps_everything_already_in_the_journal(
    exported: Path, journal: Invoke, home: Path
) -> None:
    journal("checkin", "--note", "Written after the export", "--win", "Still here")
    first_id = _notes(journal)["First"]["id"]
    journal("edit", first_id, "--note", "First, edited later", "--add-win", "A second win")
    before = counts(home)
    result = journal("restore", str(exported), "--yes")
    assert result.exit_code == 0
    notes = _notes(journal)
    assert "Written after the export" in notes
    assert notes["First, edited later"]["wins"] == ["Asked for help", "A second win"]
    assert "First" not in notes, "an older copy must never replace a newer edit"
    assert counts(home) == before


def test_an_entry_edited_later_replaces_the_older_copy(journal: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--pair", "sam", "--note", "Draft", "--win", "One", "--tag", "old", "--shared")
    old = tmp_path / "old.json"
    journal("export", "--format", "json", "--output", str(old))
    checkin_id = _notes(journal)["Draft"]["id"]
    journal("edit", checkin_id, "--note", "Final", "--add-win", "Two", "--tag", "new", "--untag", "old")
    new = tmp_path / "new.json"
    journal("export", "--format", "json", "--output", str(new))
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    journal("restore", str(old), env=laptop)
    updated = journal("restore", str(new), "--yes", env=laptop)
    assert updated.stdout.splitlines()[-1] == (
        "Restored new.json: nothing new; 1 entry updated to a newer version."
    )
    entry = _notes(journal, laptop)["Final"]
    assert (entry["wins"], entry["tags"]) == (["One", "Two"], ["new"])
    journal("restore", str(old), "--yes", env=laptop)
    assert list(_notes(journal, laptop)) == ["Final"]


def test_a_document_carrying_the_same_peer_under_another_pair_id_joins_the_existing_pair(
    journal: Invoke, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "Mine", "--shared")
    path = tmp_path / "ana.json"
    journal("export", "--format", "json", "--output", str(path))
    data = load_json(path)
    renamed = "0f0f0f0f-0000-4000-8000-000000000001"
    old_pair = data["pairs"][0]["id"]
    data["pairs"][0]["id"] = renamed
    for c in data["checkins"]:
        c["pair_id"] = renamed if c["pair_id"] == old_pair else c["pair_id"]
        c["id"], c["note"] = "0f0f0f0f-0000-4000-8000-000000000002", "Mine, again"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert journal("restore", str(path), "--yes").exit_code == 0
    assert [p["peer"] for p in json.loads(journal("pair", "list", "--json").stdout)] == ["Sam"]
    assert [e["pair"] for e in _notes(journal).values()] == ["Sam", "Sam"]


# ---------------------------------------------------------------- bad input imports nothing


def _valid(exported: Path) -> dict[str, Any]:
    return load_json(exported)


BAD_FILES = {
    "not JSON": (lambda ok: "Dear diary, this is not JSON.", "ana.json is not valid JSON (line 1, column 1"),
    "empty": (lambda ok: "", "ana.json is empty."),
    "truncated": (lambda ok: json.dumps(ok, indent=2)[:700], "ana.json ends in the middle: it looks cut off"),
    "a list": (lambda ok: "[1, 2, 3]", "the file: must be an object with named fields, not a list"),
    "another shape": (
        lambda ok: json.dumps({"entries": []}),
        'format: this is not a peerlog export: it has no "format": "peerlog" at the top (for a jrnl export, '
        "add --from jrnl)",
    ),
    "a newer version": (
        lambda ok: json.dumps({**ok, "version": 4}),
        "version: the file is in format version 4, from a newer peerlog; this one reads version 3. "
        "Please upgrade peerlog to import it",
    ),
    "a mood out of range": (
        lambda ok: json.dumps({**ok, "checkins": [*ok["checkins"][:1], {**ok["checkins"][1], "mood": 7}]}),
        "checkins[1].mood: must be a whole number from 1 to 5, not 7",
    ),
    "a moment without an offset": (
        lambda ok: json.dumps({**ok, "checkins": [{**ok["checkins"][0], "at": "2026-11-02T09:00:00"}]}),
        "checkins[0].at: must include a UTC offset such as +01:00 ('2026-11-02T09:00:00' has none)",
    ),
    "a missing field": (
        lambda ok: json.dumps(
            {**ok, "checkins": [{k: v for k, v in ok["checkins"][0].items() if k != "visibility"}]}
        ),
        "checkins[0].visibility: is missing",
    ),
    "an unknown author": (
        lambda ok: json.dumps(
            {**ok, "checkins": [{**ok["checkins"][0], "author_id": "0f0f0f0f-0000-4000-8000-000000000009"}]}
        ),
        "checkins[0].author_id: names a person that is not in this file",
    ),
    "a bad win": (
        lambda ok: json.dumps(
            {
                **ok,
                "checkins": [
                    {**ok["checkins"][0], "wins": [{"id": "not-an-id", "position": 0, "text": "x"}]}
                ],
            }
        ),
        "checkins[0].wins[0].id: must be an id like",
    ),
    "a repeated id": (
        lambda ok: json.dumps({**ok, "checkins": [ok["checkins"][1], ok["checkins"][1]]}),
        "checkins[1].id: repeats the id already used at checkins[0].id",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_reported_with_where_it_is_wrong_and_imports_nothing(
    case: str, exported: Path, journal: Invoke, tmp_path: Path
) -> None:
    make, message = BAD_FILES[case]
    laptop = tmp_path / "laptop"
    env = {"PEERLOG_HOME": str(laptop)}
    journal("init", "--name", "Ana", env=env)
    before = counts(laptop)
    bad = tmp_path / "bad" / "ana.json"
    bad.parent.mkdir()
    bad.write_text(make(_valid(exported)), encoding="utf-8")
    result = journal("import", str(bad), env=env)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert lines[0].endswith("Nothing was imported.")
    assert counts(laptop) == before


def test_a_file_that_is_not_text_imports_nothing(journal: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "photo.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    result = journal("import", str(path))
    assert result.exit_code == 2
    assert (
        result.stderr
        == "peerlog: photo.json is not a JSON file (it is not UTF-8 text). Nothing was imported.\n"
    )


def test_a_missing_file_is_a_clear_error(journal: Invoke, tmp_path: Path) -> None:
    result = journal("import", str(tmp_path / "nowhere.json"))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"peerlog: There is no file at {tmp_path / 'nowhere.json'}. Check the name and folder.\n"
    )


def test_a_problem_found_while_merging_undoes_the_whole_import(
    exported: Path, journal: Invoke, home: Path
) -> None:
    """Two new entries, the second reusing a win id the journal already has: neither is kept."""
    data = load_json(exported)
    taken = data["checkins"][0]["wins"][0]["id"]
    fresh = {**data["checkins"][1], "id": "0f0f0f0f-0000-4000-8000-00000000000a", "note": "New and fine"}
    clashing = {
        **data["checkins"][1],
        "id": "0f0f0f0f-0000-4000-8000-00000000000b",
        "wins": [{"id": taken, "position": 0, "text": "clash"}],
    }
    data["checkins"] = [fresh, clashing]
    clash = exported.with_name("clash.json")
    clash.write_text(json.dumps(data), encoding="utf-8")
    before = counts(home)
    result = journal("restore", str(clash), "--yes")
    assert result.exit_code == 2
    assert result.stderr.endswith("Nothing was imported.\n")
    assert len(result.stderr.splitlines()) == 1
    assert counts(home) == before
    assert "New and fine" not in _notes(journal)


def test_import_can_report_what_happened_as_json(journal: Invoke, home: Path, tmp_path: Path) -> None:
    journal_before_keys(journal, home)  # a plain bundle lands by name only while Sam has no key
    sam = {"PEERLOG_HOME": str(tmp_path / "sam")}
    journal("init", "--name", "Sam", env=sam)
    journal("pair", "add", "Ana", env=sam)
    journal("checkin", "--pair", "ana", "--note", "Hello", "--win", "Said hello", "--shared", env=sam)
    bundle = plain_share(tmp_path / "sam", "ana", tmp_path / "sam.json")
    data = json.loads(journal("import", str(bundle), "--json").stdout)
    assert data == {
        "added": {"check-in": 1},
        "updated": {},
        "removed": {},
        "unchanged": 0,
        "skipped": 0,
        "empty": 0,
        "wins_added": 1,
        "from": "Sam",
        "linked_now": True,
    }
