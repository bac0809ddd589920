"""`peerlog challenge done ID`: a challenge marked overcome becomes a win; only its author can mark it."""

from __future__ import annotations

import json
from pathlib import Path

from support import PRIVATE, Invoke, days_ago, journal_at


def challenge_ids(invoke: Invoke, *args: str) -> dict[str, str]:
    result = invoke("challenge", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return {c["text"]: c["id"] for c in json.loads(result.output)}


def test_marking_a_challenge_overcome_turns_it_into_a_win(journal: Invoke) -> None:
    journal("checkin", "--pair", "sam", "--challenge", "Speaking up in meetings", "--mood", "2")
    cid = challenge_ids(journal)["Speaking up in meetings"]
    result = journal("challenge", "done", cid[:6], "--note", "Practised with Sam")
    assert result.exit_code == 0
    assert "That's a win" in result.output
    wins = json.loads(journal("wins", "--json").output)
    [win] = [w for week in wins["weeks"] for w in week["wins"]]
    assert (win["source"], win["text"], win["note"]) == (
        "overcome",
        "Speaking up in meetings",
        "Practised with Sam",
    )
    assert "overcome: Speaking up in meetings" in journal("wins").output
    # It no longer shows among the open ones, and `show` knows it is overcome.
    assert challenge_ids(journal) == {}
    assert "Speaking up in meetings" in challenge_ids(journal, "--all")


def test_marking_it_again_is_calm_and_changes_nothing(journal: Invoke) -> None:
    journal("checkin", "--challenge", "Tax forms")
    cid = challenge_ids(journal)["Tax forms"]
    journal("challenge", "done", cid)
    first = json.loads(journal("challenge", "list", "--all", "--json").output)[0]["overcome_at"]
    again = journal("challenge", "done", cid)
    assert again.exit_code == 0
    assert "already" in again.output
    assert json.loads(journal("challenge", "list", "--all", "--json").output)[0]["overcome_at"] == first


def test_overcome_at_a_given_moment_lands_in_that_week(journal: Invoke) -> None:
    journal("checkin", "--challenge", "Old worry", "--at", "30d")
    cid = challenge_ids(journal)["Old worry"]
    assert journal("challenge", "done", cid, "--at", "10d").exit_code == 0
    in_period = json.loads(journal("wins", "--json", "--since", "12d", "--until", "8d").output)
    assert in_period["total"] == 1
    assert json.loads(journal("wins", "--json", "--since", "7d").output)["total"] == 0


def test_a_challenge_cannot_be_overcome_before_it_was_written(journal: Invoke) -> None:
    journal("checkin", "--challenge", "New worry", "--at", "2d")
    cid = challenge_ids(journal)["New worry"]
    result = journal("challenge", "done", cid, "--at", "5d")
    assert result.exit_code == 2
    assert "before it was written" in result.stderr
    assert challenge_ids(journal) == {"New worry": cid}


def test_reopening_takes_it_out_of_the_wins_again(journal: Invoke) -> None:
    journal("checkin", "--challenge", "Sleep")
    cid = challenge_ids(journal)["Sleep"]
    journal("challenge", "done", cid)
    result = journal("challenge", "reopen", cid)
    assert result.exit_code == 0
    assert "open again" in result.output
    assert json.loads(journal("wins", "--json").output)["total"] == 0
    assert challenge_ids(journal) == {"Sleep": cid}


def test_a_peers_shared_challenge_can_only_be_marked_by_them(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    row = j.checkin("Sam", pair="Sam", challenges=("Sam's hard week",))
    with j.session() as s:
        from sqlmodel import select

        from peerlog.models import Challenge

        cid = s.exec(select(Challenge.id).where(Challenge.checkin_id == row.id)).one()
    result = journal("challenge", "done", cid[:8])
    assert result.exit_code == 2
    assert "only its author" in result.stderr
    assert "Traceback" not in result.output


def test_a_peers_private_challenge_is_as_if_it_were_not_there(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    row = j.checkin("Sam", pair="Sam", challenges=("Sam's secret",), visibility=PRIVATE, at=days_ago(3))
    with j.session() as s:
        from sqlmodel import select

        from peerlog.models import Challenge

        cid = s.exec(select(Challenge.id).where(Challenge.checkin_id == row.id)).one()
    result = journal("challenge", "done", cid[:8])
    assert result.exit_code == 2
    assert "No challenge has an id starting with" in result.stderr
    assert "Sam" not in result.stderr


def test_bad_and_unknown_ids_are_one_clear_line(journal: Invoke) -> None:
    for bad, message in (("xyz!", "is not a challenge id"), ("abcd", "No challenge has an id")):
        result = journal("challenge", "done", bad)
        assert result.exit_code == 2
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_the_list_shows_ids_and_says_kindly_when_there_is_nothing(journal: Invoke) -> None:
    empty = journal("challenge", "list")
    assert empty.exit_code == 0
    assert "No open challenges" in empty.output
    journal("checkin", "--pair", "sam", "--challenge", "Money worries")
    cid = challenge_ids(journal)["Money worries"]
    for width in ("80", "120"):
        out = journal("challenge", "list", env={"COLUMNS": width}).output
        assert cid[:8] in out and "Money worries" in out
        assert all(len(line) <= int(width) for line in out.splitlines())
