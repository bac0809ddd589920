"""peerlog JSON: a format version on top, every entity and field, and a round trip that changes nothing."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerlog.exporters.json_export import JsonExporter, pretty, to_dict
from peerlog.importers import peerlog_json
from peerlog.restoring import restore
from peerlog.store import Store
from peerlog.transfer import collect
from support import (
    GeneratedJournal,
    Invoke,
    add_feedback,
    add_reflection,
    journal_session,
    journals,
    load_json,
    me_and_pair,
    own_code,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated journal file to copy: much faster than migrating one per generated example."""
    path = tmp_path_factory.mktemp("template") / "peerlog.db"
    Store.open(path, create=True).close()
    return path


def _export(store: Store) -> str:
    with store.session() as session:
        return "".join(JsonExporter().chunks(collect(session, include_private=True)))


def _import(store: Store, text: str):  # type: ignore[no-untyped-def]
    doc = peerlog_json.parse(json.loads(text))
    with store.session(write=True) as session:
        return restore(session, doc)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journal=journals())
def test_a_json_export_restored_into_an_empty_journal_exports_identically(
    template: Path, journal: GeneratedJournal
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(template, Path(folder) / "source.db")
        shutil.copy(template, Path(folder) / "target.db")
        source, target = Store.open(Path(folder) / "source.db"), Store.open(Path(folder) / "target.db")
        try:
            with source.session(write=True) as session:
                journal.insert(session)
            first = _export(source)
            _import(target, first)
            assert _export(target) == first
            again = _import(target, first)
            assert not again.changed, "restoring the same file twice must add nothing"
            assert _export(target) == first
        finally:
            source.close()
            target.close()


def test_the_json_export_starts_with_its_format_version_and_what_it_includes(journal: Invoke) -> None:
    journal("checkin", "--note", "Shared", "--shared")
    data = json.loads(journal("export", "--format", "json").stdout)
    assert list(data)[:4] == ["format", "version", "kind", "includes"]
    assert (data["format"], data["version"], data["kind"]) == ("peerlog", 3, "export")
    assert data["includes"] == "shared only"
    assert "private entries are left out" in data["note"]


def test_moments_keep_the_offset_their_author_wrote_them_in(journal: Invoke) -> None:
    journal("checkin", "--note", "In Delhi", "--at", "2026-11-02T09:15+05:30", "--shared")
    journal("checkin", "--note", "In Lima", "--at", "2026-11-03T18:00-05:00", "--shared")
    data = json.loads(journal("export", "--format", "json").stdout)
    moments = {c["note"]: c["at"] for c in data["checkins"]}
    assert moments == {"In Delhi": "2026-11-02T09:15:00+05:30", "In Lima": "2026-11-03T18:00:00-05:00"}
    for stamp in (data["checkins"][0]["created_at"], data["people"][0]["updated_at"]):
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0)


def test_every_kind_of_entry_and_field_is_in_the_json_export(journal: Invoke, home: Path) -> None:
    journal(
        "checkin", "--pair", "sam", "--mood", "4", "--note", "Good talk", "--win", "Asked for help",
        "--challenge", "Tired", "--tag", "work", "--shared",
    )  # fmt: skip
    moment = datetime(2026, 11, 20, 19, 30, tzinfo=timezone(timedelta(hours=1)))
    with journal_session(home) as session:
        me, sam, pair = me_and_pair(session)
        add_reflection(
            session, author=me, pair=pair, at=moment, answers=[("What helped?", "text", "Listening")]
        )
        add_feedback(
            session, author=sam, recipient=me, pair=pair, message="Thank you for listening", at=moment
        )
    data = json.loads(journal("export", "--format", "json").stdout)
    checkin = data["checkins"][0]
    assert set(checkin) >= {
        "id",
        "author_id",
        "pair_id",
        "at",
        "mood",
        "note",
        "visibility",
        "created_at",
        "updated_at",
    }
    assert [w["text"] for w in checkin["wins"]] == ["Asked for help"]
    assert checkin["challenges"][0] | {"id": None} == {
        "id": None,
        "position": 0,
        "text": "Tired",
        "overcome_at": None,
        "overcome_note": None,
    }
    assert checkin["tags"] == ["work"]
    answer = data["reflections"][0]["answers"][0]
    assert (answer["prompt_text"], answer["kind"], answer["value"]) == ("What helped?", "text", "Listening")
    assert data["reflections"][0]["at"] == "2026-11-20T19:30:00+01:00"
    feedback = data["feedback"][0]
    names = {p["id"]: p["name"] for p in data["people"]}
    assert (names[feedback["author_id"]], names[feedback["recipient_id"]]) == ("Sam", "Ana")
    assert {p["name"] for p in data["people"]} == {"Ana", "Sam"}
    assert len(data["pairs"]) == 1


def test_moving_to_a_new_machine_brings_back_the_whole_journal(journal: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--pair", "sam", "--note", "Private thoughts", "--win", "Slept well")
    journal("checkin", "--pair", "sam", "--note", "Shared thoughts", "--shared")
    everything = tmp_path / "everything.json"
    assert (
        journal("export", "--format", "json", "--include-private", "--output", str(everything)).exit_code == 0
    )
    laptop = {"PEERLOG_HOME": str(tmp_path / "new-laptop")}
    imported = journal("restore", str(everything), env=laptop)
    assert imported.exit_code == 0, imported.stderr
    assert imported.stdout == (
        "Restored everything.json: 2 check-ins added. 1 win among them. Lovely.\n"
        "This machine has a key of its own, so your peers will need your new code: run `peerlog id` and "
        "send it to them, and read the fingerprint together.\n"
    )
    again = tmp_path / "again.json"
    journal("export", "--format", "json", "--include-private", "--output", str(again), env=laptop)
    # Everything comes back as it was, but for your key: the laptop keeps its own.
    old_code, new_code = own_code(journal), own_code(journal, env=laptop)
    assert old_code != new_code
    assert again.read_text() == everything.read_text().replace(old_code, new_code)
    listed = json.loads(journal("log", "--json", env=laptop).stdout)
    assert {(e["note"], e["by_you"], e["pair"]) for e in listed} == {
        ("Private thoughts", True, "Sam"),
        ("Shared thoughts", True, "Sam"),
    }
    assert load_json(everything)["includes"] == "shared and private"


def test_moving_to_a_new_machine_also_works_right_after_init(journal: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--pair", "sam", "--note", "Kept safe", "--win", "Moved house")
    everything = tmp_path / "everything.json"
    journal("export", "--format", "json", "--include-private", "--output", str(everything))
    laptop = {"PEERLOG_HOME": str(tmp_path / "new-laptop")}
    journal("init", "--name", "Ana", env=laptop)
    result = journal("restore", str(everything), env=laptop)
    assert result.exit_code == 0, result.stderr
    again = tmp_path / "again.json"
    journal("export", "--format", "json", "--include-private", "--output", str(again), env=laptop)
    old_code, new_code = own_code(journal), own_code(journal, env=laptop)
    assert again.read_text() == everything.read_text().replace(old_code, new_code)
    assert journal("init", env=laptop).stdout.startswith("Your journal is ready, Ana.")


def test_an_export_from_another_journal_is_never_taken_as_yours(journal: Invoke, tmp_path: Path) -> None:
    journal("checkin", "--pair", "sam", "--note", "Ana's", "--shared")
    path = tmp_path / "ana.json"
    journal("export", "--format", "json", "--output", str(path))
    kim = {"PEERLOG_HOME": str(tmp_path / "kim")}
    journal("init", "--name", "Kim", env=kim)
    journal("checkin", "--note", "Kim's own day", env=kim)
    for command in ("import", "restore"):
        result = journal(command, str(path), env=kim)
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1
    assert journal("init", env=kim).stdout.startswith("Your journal is ready, Kim.")


def test_the_streamed_json_is_exactly_the_plain_json_of_the_same_document(
    journal: Invoke, home: Path
) -> None:
    journal(
        "checkin", "--pair", "sam", "--note", "Line one\nline two", "--win", "A win", "--tag", "x", "--shared"
    )
    journal("checkin", "--note", "Private", "--challenge", "Hard bit")
    with journal_session(home, write=False) as session:
        doc = collect(session, include_private=True)
        streamed = "".join(JsonExporter().chunks(doc))
        plain = json.dumps(to_dict(doc), indent=2, ensure_ascii=False) + "\n"
    assert streamed == plain
    assert len(json.loads(streamed)["checkins"]) == 2


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_the_fast_json_layout_is_exactly_the_standard_librarys(value: object) -> None:
    assert pretty(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_an_export_for_one_pair_names_only_the_two_of_you(journal: Invoke) -> None:
    journal("pair", "add", "Lee", "--agreement", "Between Lee and me")
    journal("checkin", "--pair", "lee", "--note", "With Lee", "--shared")
    journal("checkin", "--pair", "sam", "--note", "With Sam", "--shared")
    text = journal("export", "--format", "json", "--pair", "sam").stdout
    data = json.loads(text)
    assert sorted(p["name"] for p in data["people"]) == ["Ana", "Sam"]
    assert [c["note"] for c in data["checkins"]] == ["With Sam"]
    assert "Lee" not in text
