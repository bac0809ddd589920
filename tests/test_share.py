"""Sharing across machines: two journals in two data folders exchanging share bundles.

Ana's journal is the usual test home; Sam's lives in a second PEERLOG_HOME. Each shares with the other,
each imports the other's bundle, and both then see both people's entries in their pair.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from sqlmodel import select

from peerlog.models import Feedback, Link, Person
from support import (
    Invoke,
    add_feedback,
    counts,
    journal_before_keys,
    journal_session,
    load_json,
    me_and_pair,
    opened_bundle,
    plain_share,
)

DOWN = "\x1b[B"


def _log(invoke: Callable[..., Any], *args: str) -> list[dict[str, Any]]:
    return json.loads(invoke("log", "--json", "--limit", "100", *args).stdout)


def _entries(records: list[dict[str, Any]], kind: str = "checkin") -> list[dict[str, Any]]:
    """The entries of one kind in an opened change set."""
    return [record[kind] for record in records if kind in record]


def _exchange(journal: Invoke, sam: Invoke, tmp_path: Path, *, since_last: bool = False) -> tuple[Path, Path]:
    extra = ["--since-last"] if since_last else []
    n = len(list(tmp_path.glob("*.sealed")))
    from_ana, from_sam = tmp_path / f"ana-{n}.sealed", tmp_path / f"sam-{n}.sealed"
    assert journal("share", "--pair", "sam", "--output", str(from_ana), *extra).exit_code == 0
    assert sam("share", "--pair", "ana", "--output", str(from_sam), *extra).exit_code == 0
    ana_import, sam_import = journal("import", str(from_sam)), sam("import", str(from_ana))
    assert ana_import.exit_code == 0, ana_import.stderr
    assert sam_import.exit_code == 0, sam_import.stderr
    return from_ana, from_sam


def test_two_peers_exchange_bundles_and_both_see_both_wins(
    journal: Invoke, sam: Invoke, tmp_path: Path
) -> None:
    journal(
        "checkin", "--pair", "sam", "--note", "Ana's week", "--win", "Ana spoke up in the meeting", "--shared"
    )
    journal("checkin", "--pair", "sam", "--note", "Ana's private day", "--win", "Ana's private win")
    sam("checkin", "--pair", "ana", "--note", "Sam's week", "--win", "Sam finished the course", "--shared")
    _exchange(journal, sam, tmp_path)
    for invoke, you, peer in ((journal, "Ana", "Sam"), (sam, "Sam", "Ana")):
        shown = {
            (e["author"], e["by_you"], e["pair"], tuple(e["wins"])) for e in _log(invoke, "--pair", peer)
        }
        assert (
            you,
            True,
            peer,
            (f"{you} " + ("spoke up in the meeting" if you == "Ana" else "finished the course"),),
        ) in shown
        assert (
            peer,
            False,
            peer,
            (f"{peer} " + ("spoke up in the meeting" if peer == "Ana" else "finished the course"),),
        ) in shown
    assert "Ana's private day" not in {e["note"] for e in _log(sam)}


def test_the_wins_view_shows_both_peers_after_an_exchange(
    journal: Invoke, sam: Invoke, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--win", "Ana spoke up", "--shared")
    sam("checkin", "--pair", "ana", "--win", "Sam finished the course", "--shared")
    _exchange(journal, sam, tmp_path)

    def wins(invoke: Callable[..., Any]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                if {"person", "text", "source"} <= set(value):
                    found.add((value["person"], value["text"]))
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(json.loads(invoke("wins", "--pair", "ana" if invoke is sam else "sam", "--json").stdout))
        return found

    both = {("Ana", "Ana spoke up"), ("Sam", "Sam finished the course")}
    assert wins(journal) >= both
    assert wins(sam) >= both


def test_later_bundles_bring_only_what_changed_and_edits_replace_older_copies(
    journal: Invoke, sam: Invoke, home: Path, tmp_path: Path
) -> None:
    sam("checkin", "--pair", "ana", "--note", "Draft thoughts", "--shared")
    sam("checkin", "--pair", "ana", "--note", "Unchanged", "--shared")
    _exchange(journal, sam, tmp_path)
    draft = next(e for e in _log(sam) if e["note"] == "Draft thoughts")
    sam("edit", draft["id"], "--note", "Clearer thoughts", "--add-win", "Wrote it down")
    sam("checkin", "--pair", "ana", "--note", "Something new", "--shared")
    bundle = tmp_path / "sam-weekly.sealed"
    assert sam("share", "--pair", "ana", "--since-last", "--output", str(bundle)).exit_code == 0
    sent = _entries(opened_bundle(bundle, home))  # opened with Ana's key, as only she can
    assert sorted(c["note"] for c in sent) == ["Clearer thoughts", "Something new"]
    result = journal("import", str(bundle))
    assert result.stdout == (
        "Imported sam-weekly.sealed from Sam: 1 check-in added; 1 entry updated to a newer version.\n"
    )
    notes = {e["note"]: e for e in _log(journal, "--pair", "sam")}
    assert set(notes) == {"Clearer thoughts", "Unchanged", "Something new"}
    assert notes["Clearer thoughts"]["wins"] == ["Wrote it down"]


def test_since_last_with_nothing_new_says_so(
    journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "Shared", "--shared")
    one, two = tmp_path / "one.sealed", tmp_path / "two.sealed"
    first = journal("share", "--pair", "sam", "--since-last", "--output", str(one))
    assert first.stdout.startswith(f"Wrote to {one}: 1 shared entry.\n")
    second = journal("share", "--pair", "sam", "--since-last", "--output", str(two))
    assert second.stdout.startswith(f"Wrote to {two}: nothing new since your last share (an empty bundle).\n")
    # Opened with Sam's key: the first holds the entry, the second nothing at all.
    assert [c["note"] for c in _entries(opened_bundle(one, sam_home))] == ["Shared"]
    records = opened_bundle(two, sam_home)
    assert [list(r) for r in records[1:]] == [["end"]]
    assert records[-1]["end"] == {"entries": 0, "removed": 0}
    assert sam("import", str(two)).stdout == "Imported two.sealed from Ana: nothing new.\n"


def test_a_bundle_holds_only_your_shared_entries_in_that_pair(
    journal: Invoke, sam: Invoke, home: Path, sam_home: Path, tmp_path: Path
) -> None:
    journal("pair", "add", "Lee")
    journal("checkin", "--pair", "sam", "--note", "In the bundle", "--shared")
    journal("checkin", "--pair", "lee", "--note", "With Lee", "--shared")
    journal("checkin", "--note", "No pair", "--shared")
    moment = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    with journal_session(home) as session:
        me, peer, pair = me_and_pair(session)
        add_feedback(session, author=peer, recipient=me, pair=pair, message="Sam's, already Sam's", at=moment)
        add_feedback(session, author=me, recipient=peer, pair=pair, message="Ana's thanks", at=moment)
    bundle = tmp_path / "for-sam.sealed"
    assert journal("share", "--pair", "sam", "--output", str(bundle)).exit_code == 0
    records = opened_bundle(bundle, sam_home)  # as only Sam can read it
    header = records[0]
    assert header["format"] == "peerlog-changes"
    assert [c["note"] for c in _entries(records)] == ["In the bundle"]
    assert [f["message"] for f in _entries(records, "feedback")] == ["Ana's thanks"]
    assert _entries(records, "reflection") == []
    # Your own name for your peer stays with you: they know what they are called.
    assert header["sender"]["name"] == "Ana" and list(header["recipient"]) == ["id"]
    assert {record_kind for r in records[1:] for record_kind in r} == {"checkin", "feedback", "end"}
    # And on Sam's side, exactly those arrive.
    assert sam("import", str(bundle)).exit_code == 0
    assert [e["note"] for e in _log(sam) if not e["by_you"]] == ["In the bundle"]


def test_feedback_from_a_peer_arrives_addressed_to_you(
    journal: Invoke, sam: Invoke, home: Path, sam_home: Path, tmp_path: Path
) -> None:
    with journal_session(sam_home) as session:
        me, ana, pair = me_and_pair(session, "Ana")
        add_feedback(
            session,
            author=me,
            recipient=ana,
            pair=pair,
            message="You listened so well",
            at=datetime.now(UTC),
        )
    _exchange(journal, sam, tmp_path)
    with journal_session(home, write=False) as session:
        me, local_sam, pair = me_and_pair(session)
        feedback = session.exec(select(Feedback)).one()
        assert (feedback.author_id, feedback.recipient_id, feedback.pair_id) == (local_sam.id, me.id, pair.id)
        assert feedback.message == "You listened so well"


def test_a_first_bundle_under_another_name_needs_the_pair_named_once(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    journal_before_keys(journal, home)  # plain bundles land by name only while the peer has no key
    samuel = {"PEERLOG_HOME": str(tmp_path / "samuel")}
    journal("init", "--name", "Samuel", env=samuel)
    journal("pair", "add", "Ana", env=samuel)
    journal("checkin", "--pair", "ana", "--win", "First win", "--shared", env=samuel)
    journal("pair", "add", "Lee")
    bundle = plain_share(tmp_path / "samuel", "ana", tmp_path / "samuel.json")
    before = counts(home)
    asked = journal("import", str(bundle))
    assert asked.exit_code == 2
    assert asked.stderr == (
        "peerlog: This bundle is from Samuel, and none of your pairs has that name. Say which pair it "
        "belongs to with --pair NAME (your pairs: Lee, Sam); peerlog remembers it.\n"
    )
    assert counts(home) == before
    linked = journal("import", str(bundle), "--pair", "sam")
    first, note = linked.stdout.splitlines()
    assert first.endswith("Bundles from Sam will land in this pair from now on.")
    # Said once, while Sam is linked by name only: how to add the key.
    assert note.startswith(
        "Sam's bundles are linked to your pair by name. To seal what you two exchange, add "
    )
    journal("checkin", "--pair", "ana", "--win", "Second win", "--shared", env=samuel)
    later = plain_share(tmp_path / "samuel", "ana", tmp_path / "samuel-2.json", since_last=True)
    assert journal("import", str(later)).stdout.startswith(
        "Imported samuel-2.json from Sam: 1 check-in added."
    )
    assert {tuple(e["wins"]) for e in _log(journal, "--pair", "sam")} == {("First win",), ("Second win",)}
    with journal_session(home, write=False) as session:
        kinds = sorted(link.kind for link in session.exec(select(Link)))
    assert kinds == ["pair", "person", "person"]


def test_on_a_terminal_it_asks_which_pair_a_first_bundle_belongs_to(
    journal: Invoke, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal_before_keys(journal, home)
    samuel = {"PEERLOG_HOME": str(tmp_path / "samuel")}
    journal("init", "--name", "Samuel", env=samuel)
    journal("pair", "add", "Ana", env=samuel)
    journal("checkin", "--pair", "ana", "--note", "Hello from Samuel", "--shared", env=samuel)
    bundle = plain_share(tmp_path / "samuel", "ana", tmp_path / "samuel.json")
    journal("pair", "add", "Lee")
    monkeypatch.setattr("peerlog.cli.transfer.is_interactive", lambda: True)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(DOWN + "\r")  # Lee, Sam: the second one
        result = journal("import", str(bundle))
    assert result.exit_code == 0, result.stderr
    assert [e["note"] for e in _log(journal, "--pair", "sam")] == ["Hello from Samuel"]


def test_choosing_none_of_the_pairs_imports_nothing(
    journal: Invoke, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = {"PEERLOG_HOME": str(tmp_path / "kim")}
    journal("init", "--name", "Kim", env=other)
    journal("pair", "add", "Ana", env=other)
    bundle = plain_share(tmp_path / "kim", "ana", tmp_path / "kim.json")
    before = counts(home)
    monkeypatch.setattr("peerlog.cli.transfer.is_interactive", lambda: True)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(DOWN + "\r")  # past Sam, to "None of these"
        result = journal("import", str(bundle))
    assert result.exit_code == 0
    assert result.stdout == "Nothing was imported. Run it again with --pair NAME when you know.\n"
    assert counts(home) == before


def test_a_bundle_can_never_change_your_own_entries_or_bring_private_ones(
    journal: Invoke, sam: Invoke, home: Path, sam_home: Path, tmp_path: Path
) -> None:
    # Plain bundles, as an older peerlog writes, from a peer linked by name (no key yet): one honest, then
    # one edited by hand. Neither can ever speak as you.
    journal_before_keys(journal, home)
    journal("checkin", "--pair", "sam", "--note", "Ana's own words", "--shared")
    sam("checkin", "--pair", "ana", "--note", "Sam's words", "--shared")
    from_sam = plain_share(sam_home, "ana", tmp_path / "from-sam.json")
    assert journal("import", str(from_sam)).exit_code == 0
    mine = next(e for e in _log(journal) if e["by_you"])
    data = load_json(from_sam)
    ana_in_sams_journal = next(p["id"] for p in data["people"] if not p["is_self"])
    forged = {
        **data["checkins"][0],
        "id": mine["id"],
        "author_id": ana_in_sams_journal,
        "note": "Words Ana never wrote",
        "updated_at": "2099-01-01T00:00:00+00:00",
    }
    secret = {**data["checkins"][0], "id": "0f0f0f0f-0000-4000-8000-000000000003", "visibility": "private"}
    data["checkins"] = [forged, secret]
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data), encoding="utf-8")
    result = journal("import", str(tampered))
    assert result.stdout == (
        "Imported tampered.json from Sam: nothing new. Left out 2 entries that were not theirs to share.\n"
    )
    assert {e["note"] for e in _log(journal)} == {"Ana's own words", "Sam's words"}


def test_a_peers_bundle_needs_your_journal_set_up_first(journal: Invoke, sam: Invoke, tmp_path: Path) -> None:
    bundle = tmp_path / "sam.sealed"
    assert sam("share", "--pair", "ana", "--output", str(bundle)).exit_code == 0
    result = journal("import", str(bundle), env={"PEERLOG_HOME": str(tmp_path / "nobody")})
    assert result.exit_code == 1
    assert result.stderr.startswith("peerlog: There is no journal at ")
    assert result.stderr.endswith("Run `peerlog init` to start your journal.\n")
    assert not (tmp_path / "nobody").exists()


def test_your_peer_keeps_the_name_you_know_them_by(journal: Invoke, home: Path, tmp_path: Path) -> None:
    journal_before_keys(journal, home)
    samuel = {"PEERLOG_HOME": str(tmp_path / "samuel")}
    journal("init", "--name", "Samuel", env=samuel)
    journal("pair", "add", "Ana", env=samuel)
    bundle = plain_share(tmp_path / "samuel", "ana", tmp_path / "samuel.json")
    assert journal("import", str(bundle), "--pair", "sam").exit_code == 0
    with journal_session(home, write=False) as session:
        assert sorted(p.name for p in session.exec(select(Person))) == ["Ana", "Sam"]


def test_a_challenge_marked_overcome_reaches_the_peer_in_the_next_bundle(
    journal: Invoke, sam: Invoke, home: Path, tmp_path: Path
) -> None:
    sam("checkin", "--pair", "ana", "--challenge", "Public speaking", "--shared")
    _exchange(journal, sam, tmp_path)
    (entry,) = _log(sam)
    challenge_id = entry["challenges"][0]["id"]
    assert sam("challenge", "done", challenge_id[:8]).exit_code == 0

    bundle = tmp_path / "sam-after.sealed"
    assert sam("share", "--pair", "ana", "--since-last", "--output", str(bundle)).exit_code == 0
    (sent,) = _entries(opened_bundle(bundle, home))
    assert [(c["text"], c["overcome_at"] is not None) for c in sent["challenges"]] == [
        ("Public speaking", True)
    ]
    assert journal("import", str(bundle)).exit_code == 0
    (copy,) = _log(journal, "--pair", "sam")
    assert copy["challenges"][0]["overcome_at"] is not None
