"""Change sets between two journals: Ana's changes reach Sam's copy, and only as versions allow."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest
from sqlmodel import select

from peerlog.changesets import apply_changes, changes_for, read_changes
from peerlog.errors import InputError
from peerlog.models import PRIVATE, Challenge, CheckIn, Feedback, Reflection, Removal, Win
from support import (
    Invoke,
    apply_change_set,
    change_records,
    change_set_of,
    counts,
    journal_at,
    journal_session,
    make_changes,
    many_checkins,
    me_and_pair,
    origin_from_header,
)


def _peer_entries(home: Path, model: type) -> dict[str, object]:
    """Ana's entries of one kind as Sam's journal holds them, by id."""
    with journal_session(home, write=False) as session:
        _, ana, _ = me_and_pair(session, "Ana")
        return {row.id: row for row in session.exec(select(model).where(model.author_id == ana.id))}


def _kinds(data: bytes) -> list[str]:
    return [next(iter(record)) for record in change_records(data)]


@pytest.fixture
def shared(journal: Invoke, home: Path, sam: Invoke) -> dict[str, str]:
    """Ana's shared check-in (with a win and a challenge), reflection and feedback in her pair with Sam,
    plus a private check-in and a check-in in no pair; Sam has received the first change set."""
    ana = journal_at(home)
    checkin = ana.checkin(
        "me", pair="Sam", note="Paired on the parser", wins=("Shipped it",), challenges=("Tests",)
    )
    reflection = ana.reflection("me", "Sam", [("q0", "text", "We listened well")])
    feedback = ana.feedback("me", "Sam", "Thank you for the patient review")
    ana.checkin("me", pair="Sam", note="Only for me", visibility=PRIVATE)
    ana.checkin("me", note="No pair at all")
    return {"checkin": checkin.id, "reflection": reflection.id, "feedback": feedback.id}


def test_shared_entries_arrive_and_a_second_change_set_right_after_is_empty(
    shared: dict[str, str], home: Path, sam_home: Path
) -> None:
    with journal_session(home) as session:
        _, _, pair = me_and_pair(session)
        outgoing = changes_for(session, pair_id=pair.id, bundle_id="first")
        assert (outgoing.entries, outgoing.removed, outgoing.wins, outgoing.empty) == (3, 0, 1, False)
        assert outgoing.peer_name == "Sam"
        data = b"".join(outgoing.lines())
        outgoing.mark_delivered(session)
    records = change_records(data)
    assert records[0]["format"] == "peerlog-changes" and records[0]["id"] == "first"
    assert records[0]["sender"]["name"] == "Ana" and records[0]["pair"]["agreement"] is None
    assert _kinds(data) == ["format", "checkin", "reflection", "feedback", "end"]
    assert records[-1] == {"end": {"entries": 3, "removed": 0}}
    assert "Only for me" not in data.decode() and "No pair at all" not in data.decode()

    result = apply_change_set(sam_home, data)
    assert dict(result.added) == {"check-in": 1, "reflection": 1, "feedback": 1}
    assert result.wins_added == 1 and result.linked and result.skipped == 0
    assert _peer_entries(sam_home, CheckIn)[shared["checkin"]].note == "Paired on the parser"

    with journal_session(home) as session:
        _, _, pair = me_and_pair(session)
        again = changes_for(session, pair_id=pair.id, bundle_id="second")
        assert again.empty and (again.entries, again.removed) == (0, 0)
        assert _kinds(b"".join(again.lines())) == ["format", "end"]


def test_edits_to_every_kind_of_entry_arrive_as_updates(
    shared: dict[str, str], journal: Invoke, home: Path, sam_home: Path
) -> None:
    apply_change_set(sam_home, make_changes(home))
    with journal_session(home, write=False) as session:
        challenge = session.exec(select(Challenge).where(Challenge.checkin_id == shared["checkin"])).one()
    # Each way of changing a shared entry bumps its version, so the change travels.
    assert (
        journal("edit", shared["checkin"][:8], "--note", "Paired on the parser, then the lexer").exit_code
        == 0
    )
    assert journal("challenge", "done", challenge.id[:8]).exit_code == 0
    assert journal("edit", shared["reflection"][:8], "--at", "2026-11-20 10:00").exit_code == 0
    assert journal("edit", shared["feedback"][:8], "--note", "Thank you, truly").exit_code == 0

    data = make_changes(home, bundle_id="b2")
    assert _kinds(data) == ["format", "checkin", "reflection", "feedback", "end"]
    result = apply_change_set(sam_home, data)
    assert dict(result.updated) == {"check-in": 1, "reflection": 1, "feedback": 1}
    assert not result.added and not result.removed
    assert _peer_entries(sam_home, CheckIn)[shared["checkin"]].note == "Paired on the parser, then the lexer"
    assert _peer_entries(sam_home, Feedback)[shared["feedback"]].message == "Thank you, truly"
    with journal_session(sam_home, write=False) as session:
        assert (
            session.exec(select(Challenge).where(Challenge.id == challenge.id)).one().overcome_at is not None
        )


def test_deleting_unsharing_and_moving_entries_remove_the_peers_copies(
    shared: dict[str, str], journal: Invoke, home: Path, sam_home: Path
) -> None:
    ana = journal_at(home)
    moved = ana.checkin("me", pair="Sam", note="Really about Zoë")
    apply_change_set(sam_home, make_changes(home))
    assert len(_peer_entries(sam_home, CheckIn)) == 2

    assert journal("delete", shared["checkin"][:8], "--yes").exit_code == 0
    assert journal("edit", shared["reflection"][:8], "--private").exit_code == 0
    assert journal("edit", shared["feedback"][:8], "--private").exit_code == 0
    assert journal("pair", "add", "Zoë").exit_code == 0
    assert journal("edit", moved.id[:8], "--pair", "Zoë").exit_code == 0

    data = make_changes(home, bundle_id="b2")
    removals = [r["removed"] for r in change_records(data) if "removed" in r]
    assert {(r["id"], r["kind"]) for r in removals} == {
        (shared["checkin"], "checkin"),
        (moved.id, "checkin"),
        (shared["reflection"], "reflection"),
        (shared["feedback"], "feedback"),
    }
    assert "Really about Zoë" not in data.decode()  # Sam is told it is gone, never what it became

    result = apply_change_set(sam_home, data)
    assert dict(result.removed) == {"check-in": 2, "reflection": 1, "feedback": 1}
    assert not _peer_entries(sam_home, CheckIn) and not _peer_entries(sam_home, Reflection)
    assert not _peer_entries(sam_home, Feedback)
    with journal_session(sam_home, write=False) as session:
        assert not session.exec(select(Win)).all()  # the deleted check-in's win went with it
        assert len(session.exec(select(Removal)).all()) == 4
    # Told once: the next change set has nothing to say.
    assert _kinds(make_changes(home, bundle_id="b3")) == ["format", "end"]


def test_an_older_change_set_after_a_newer_one_rolls_nothing_back(
    shared: dict[str, str], journal: Invoke, home: Path, sam_home: Path
) -> None:
    older = make_changes(home, bundle_id="older")
    assert journal("edit", shared["checkin"][:8], "--note", "The newer words").exit_code == 0
    assert journal("delete", shared["feedback"][:8], "--yes").exit_code == 0
    newer = make_changes(home, bundle_id="newer")

    apply_change_set(sam_home, older)
    apply_change_set(sam_home, newer)
    result = apply_change_set(sam_home, older)
    assert not result.changed
    assert _peer_entries(sam_home, CheckIn)[shared["checkin"]].note == "The newer words"
    assert shared["feedback"] not in _peer_entries(sam_home, Feedback)

    # Only a higher version brings an entry back, and then the removal is dropped.
    assert journal("edit", shared["reflection"][:8], "--private").exit_code == 0
    apply_change_set(sam_home, make_changes(home, bundle_id="unshared"))
    assert shared["reflection"] not in _peer_entries(sam_home, Reflection)
    assert journal("edit", shared["reflection"][:8], "--shared").exit_code == 0
    result = apply_change_set(sam_home, make_changes(home, bundle_id="shared-again"))
    assert result.added["reflection"] == 1
    assert shared["reflection"] in _peer_entries(sam_home, Reflection)
    with journal_session(sam_home, write=False) as session:
        assert session.get(Removal, shared["reflection"]) is None
        assert session.get(Removal, shared["feedback"]) is not None


def test_the_same_change_set_twice_changes_nothing(
    shared: dict[str, str], journal: Invoke, home: Path, sam_home: Path
) -> None:
    apply_change_set(sam_home, make_changes(home))
    assert journal("edit", shared["checkin"][:8], "--note", "Changed once").exit_code == 0
    assert journal("delete", shared["reflection"][:8], "--yes").exit_code == 0
    data = make_changes(home, bundle_id="b2")
    first = apply_change_set(sam_home, data)
    assert first.changed
    before = counts(sam_home)
    # Cut anywhere, as a sealed bundle's frames are: the lines are found all the same.
    again = apply_change_set(sam_home, [data[i : i + 7] for i in range(0, len(data), 7)])
    assert not again.changed and again.unchanged == 2
    assert counts(sam_home) == before


def _one_line_changed(data: bytes, number: int, new: bytes | None) -> bytes:
    lines = data.splitlines(keepends=True)
    if new is None:
        del lines[number - 1]
    else:
        lines[number - 1] = new
    return b"".join(lines)


def _wrong_mood(data: bytes) -> bytes:
    records = change_records(data)
    records[2]["checkin"]["mood"] = "five"
    return change_set_of(records)


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (lambda data, n: _one_line_changed(data, n, None), "after line {last}: the end line is missing"),
        (lambda data, n: _one_line_changed(data, 3, b'{"checkin": {"id": \n'), "line 3: ends in the middle"),
        (lambda data, n: _one_line_changed(data, 4, b"not json at all\n"), "line 4: is not valid JSON"),
        (lambda data, n: _wrong_mood(data), "line 3, checkin.mood: must be a whole number from 1 to 5"),
        (
            lambda data, n: _one_line_changed(data, n, b'{"end": {"entries": 9, "removed": 0}}\n'),
            "line {n}, end.entries: says 9",
        ),
    ],
    ids=["truncated", "cut-off-line", "bad-line", "wrong-type", "counts-disagree"],
)
def test_a_damaged_change_set_is_refused_in_one_line_and_nothing_changes(
    damage, where: str, journal: Invoke, home: Path, sam_home: Path, sam: Invoke
) -> None:
    # More than one batch: when the problem is at the end, the first batches are merged before it is found,
    # and they roll back too.
    many_checkins(home, 700)
    data = make_changes(home)
    n = len(data.splitlines())
    damaged = damage(data, n)
    before = counts(sam_home)
    with pytest.raises(InputError) as caught:
        apply_change_set(sam_home, damaged)
    message = str(caught.value)
    assert where.format(n=n, last=n - 1) in message, message
    assert message.startswith("This change set cannot be applied, so nothing was imported: ")
    assert "\n" not in message
    assert counts(sam_home) == before


def test_a_forged_change_set_brings_only_the_senders_own_shared_entries(
    shared: dict[str, str], journal: Invoke, home: Path, sam_home: Path, sam: Invoke
) -> None:
    assert sam("checkin", "--pair", "Ana", "--note", "Sam's own words", "--shared").exit_code == 0
    with journal_session(sam_home, write=False) as session:
        sams_own = session.exec(select(CheckIn).where(CheckIn.note == "Sam's own words")).one().id
    records = change_records(make_changes(home))
    header, checkin = records[0], records[1]["checkin"]
    by_recipient = {
        **checkin,
        "id": "0b3c9f7a-1111-4a2b-9c3d-000000000001",
        "author_id": header["recipient"]["id"],
    }
    private = {**checkin, "id": "0b3c9f7a-1111-4a2b-9c3d-000000000002", "visibility": "private"}
    no_pair = {**checkin, "id": "0b3c9f7a-1111-4a2b-9c3d-000000000003", "pair_id": None}
    forged = [
        header,
        {"checkin": by_recipient},
        {"checkin": private},
        {"checkin": no_pair},
        # A removal of an entry the sender did not write takes nothing away.
        {"removed": {"id": sams_own, "kind": "checkin", "version": 99}},
        {"end": {"entries": 3, "removed": 1}},
    ]
    before = counts(sam_home)
    result = apply_change_set(sam_home, change_set_of(forged))
    assert result.skipped == 4 and not result.changed
    assert {k: v for k, v in counts(sam_home).items() if k != "link"} == {
        k: v for k, v in before.items() if k != "link"
    }
    assert sam("show", sams_own[:8]).exit_code == 0


def test_everything_resends_every_shared_entry_and_every_removal(
    shared: dict[str, str], journal: Invoke, home: Path, sam_home: Path
) -> None:
    apply_change_set(sam_home, make_changes(home))
    assert journal("delete", shared["feedback"][:8], "--yes").exit_code == 0
    apply_change_set(sam_home, make_changes(home, bundle_id="b2"))
    assert _kinds(make_changes(home, bundle_id="b3", deliver=False)) == ["format", "end"]

    data = make_changes(home, bundle_id="all", everything=True)
    assert change_records(data)[0]["everything"] is True
    assert _kinds(data) == ["format", "checkin", "reflection", "removed", "end"]
    assert change_records(data)[-2] == {
        "removed": {"id": shared["feedback"], "kind": "feedback", "version": 2}
    }
    # A journal that lost its copies (restored from an old backup) gets them all back; nothing else changes.
    result = apply_change_set(sam_home, data)
    assert not result.changed and result.unchanged == 3


def test_a_change_set_of_any_other_origin_is_refused(
    shared: dict[str, str], home: Path, sam_home: Path
) -> None:
    data = make_changes(home)
    with journal_session(sam_home) as session:
        incoming = read_changes([data])
        origin = origin_from_header(session, incoming.header)
        stranger = type(origin)(mine=False, person_map={}, pair_map={}, sender_id=origin.sender_id)
        with pytest.raises(InputError, match="not from the journal linked to this pair"):
            apply_changes(session, incoming, stranger)


@pytest.mark.slow
def test_a_change_set_of_100000_entries_builds_and_applies_with_flat_memory(
    journal: Invoke, home: Path, sam_home: Path, sam: Invoke, tmp_path: Path
) -> None:
    count = int(os.environ.get("PEERLOG_TEST_CHANGESET_ENTRIES", "100000"))
    many_checkins(home, count)
    path = tmp_path / "changes.jsonl"
    tracemalloc.start()
    try:
        with journal_session(home) as session:
            _, _, pair = me_and_pair(session)
            outgoing = changes_for(session, pair_id=pair.id, bundle_id="big")
            assert (outgoing.entries, outgoing.wins) == (count, count)
            with path.open("wb") as out:
                for line in outgoing.lines():
                    out.write(line)
            outgoing.mark_delivered(session)
        _, out_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with journal_session(sam_home) as session, path.open("rb") as chunks:
            incoming = read_changes(chunks)
            result = apply_changes(session, incoming, origin_from_header(session, incoming.header))
        _, in_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert result.added["check-in"] == count and result.wins_added == count
    # Holding 100,000 entries would take far more than the file's ~45 MB; streaming stays at a few MB
    # whatever the count (about 4 MB out and 7 MB in at 20,000).
    assert out_peak < 12 * 2**20, (out_peak, size)
    assert in_peak < 12 * 2**20, (in_peak, size)
    assert json.loads(path.read_bytes().splitlines()[-1]) == {"end": {"entries": count, "removed": 0}}
