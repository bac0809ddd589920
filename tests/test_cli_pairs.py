"""`peerlog init` and `peerlog pair ...` as a new user meets them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import Invoke


def test_init_welcomes_you_and_is_safe_to_run_again(invoke: Invoke, home: Path) -> None:
    first = invoke("init", "--name", "Ana")
    assert first.exit_code == 0
    assert "Welcome, Ana!" in first.stdout
    again = invoke("init")
    assert again.exit_code == 0
    assert "ready, Ana" in again.stdout
    renamed = invoke("init", "--name", "Ana María")
    assert "now Ana María" in renamed.stdout
    assert (home / "peerlog.db").exists()


def test_init_without_a_terminal_uses_your_login_name(invoke: Invoke) -> None:
    result = invoke("init")
    assert result.exit_code == 0
    assert "Welcome," in result.stdout


def test_commands_before_init_say_how_to_start(invoke: Invoke, home: Path) -> None:
    result = invoke("log")
    assert result.exit_code == 1
    assert "peerlog init" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (home / "peerlog.db").exists()


def test_a_pair_is_two_equals_listed_with_both_names(journal: Invoke) -> None:
    listed = json.loads(journal("pair", "list", "--json").stdout)
    assert [p["people"] for p in listed] == [["Ana", "Sam"]]
    assert not {"mentor", "mentee", "reviewer", "manager", "role"} & set(listed[0])


def test_pair_names_match_in_any_case_or_by_their_start(journal: Invoke) -> None:
    journal("pair", "add", "Alex", "--agreement", "Listen first")
    shown = json.loads(journal("pair", "show", "ALEX", "--json").stdout)
    assert shown["peer"] == "Alex"
    assert shown["agreement"] == "Listen first"
    assert json.loads(journal("pair", "show", "sa", "--json").stdout)["peer"] == "Sam"


def test_an_ambiguous_pair_name_lists_the_candidates(journal: Invoke) -> None:
    journal("pair", "add", "Sasha")
    result = journal("pair", "show", "sa")
    assert result.exit_code == 2
    assert "Sam" in result.stderr and "Sasha" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_pair_name_lists_your_pairs(journal: Invoke) -> None:
    result = journal("pair", "show", "Robin")
    assert result.exit_code == 2
    assert "no pair with 'Robin'" in result.stderr
    assert "Sam" in result.stderr


def test_adding_the_same_peer_twice_is_a_gentle_error(journal: Invoke) -> None:
    result = journal("pair", "add", "sam")
    assert result.exit_code == 2
    assert "already a pair" in result.stderr
    assert len(json.loads(journal("pair", "list", "--json").stdout)) == 1


def test_you_cannot_pair_with_yourself(journal: Invoke) -> None:
    result = journal("pair", "add", "ana")
    assert result.exit_code == 2
    assert "your own name" in result.stderr


def test_ending_a_pair_keeps_its_history_and_adding_again_resumes_it(journal: Invoke) -> None:
    journal("checkin", "--pair", "sam", "--note", "first talk")
    ended = journal("pair", "end", "sam")
    assert ended.exit_code == 0
    assert "history stays" in ended.stdout
    (pair,) = json.loads(journal("pair", "list", "--json").stdout)
    assert pair["ended_at"] is not None
    assert pair["checkins"] == 1

    refused = journal("checkin", "--pair", "sam", "--note", "after the end")
    assert refused.exit_code == 2
    assert "has ended" in refused.stderr

    resumed = journal("pair", "add", "Sam")
    assert "a pair again" in resumed.stdout
    (pair,) = json.loads(journal("pair", "list", "--json").stdout)
    assert pair["ended_at"] is None and pair["checkins"] == 1


def test_pair_list_renders_a_table(journal: Invoke) -> None:
    result = journal("pair", "list")
    assert result.exit_code == 0
    assert "Ana & Sam" in result.stdout
    assert "active" in result.stdout


def _pair_row(home: Path) -> tuple:
    import sqlite3

    with sqlite3.connect(home / "peerlog.db") as db:
        return db.execute("SELECT started_at, agreement, version FROM pair").fetchone()


def test_an_empty_peer_name_is_met_with_words_for_a_peer(journal: Invoke) -> None:
    result = journal("pair", "add", "  ")
    assert result.exit_code == 2
    assert "A name cannot be empty." in result.stderr
    assert "knows you by" not in result.stderr
    assert 'pair add "Their name"' in result.stderr


def test_pair_set_since_moves_the_start_and_pair_show_and_wins_agree(journal: Invoke, home: Path) -> None:
    version = _pair_row(home)[2]
    result = journal("pair", "set", "sam", "--since", "2026-09-01")
    assert result.exit_code == 0, result.output
    assert "together since" in result.stdout
    assert _pair_row(home)[2] == version + 1
    shown = json.loads(journal("pair", "show", "sam", "--json").stdout)
    assert shown["started_at"].startswith("2026-09-01") or shown["started_at"].startswith("2026-08-31")
    wins = json.loads(journal("wins", "--pair", "sam", "--since", "2026-08-01", "--json").stdout)
    assert wins["how_far"]["since"][:10] == shown["started_at"][:10]
    assert "Together since" in journal("pair", "show", "sam").stdout


def test_pair_show_starts_with_an_entry_logged_before_the_pair_as_wins_does(journal: Invoke) -> None:
    journal("checkin", "--pair", "sam", "--mood", "3", "--at", "2026-01-05T20:00")
    shown = json.loads(journal("pair", "show", "sam", "--json").stdout)
    wins = json.loads(journal("wins", "--pair", "sam", "--since", "2026-01-01", "--json").stdout)
    assert shown["started_at"][:10] == wins["how_far"]["since"][:10] == "2026-01-05"


def test_pair_set_agreement_changes_and_clears_it(journal: Invoke, home: Path) -> None:
    assert journal("pair", "set", "sam", "--agreement", "Listen first").exit_code == 0
    assert json.loads(journal("pair", "show", "sam", "--json").stdout)["agreement"] == "Listen first"
    cleared = journal("pair", "set", "sam", "--agreement", "")
    assert "cleared" in cleared.stdout
    assert _pair_row(home)[1] is None


def test_pair_set_with_nothing_to_change_or_a_future_start_is_refused(journal: Invoke, home: Path) -> None:
    before = _pair_row(home)
    nothing = journal("pair", "set", "sam")
    assert nothing.exit_code == 2 and "--since" in nothing.stderr
    future = journal("pair", "set", "sam", "--since", "2999-01-01")
    assert future.exit_code == 2 and "future" in future.stderr
    assert _pair_row(home) == before


def test_person_rename_changes_the_name_everywhere_and_keeps_the_entries(journal: Invoke, home: Path) -> None:
    import sqlite3

    def version() -> int:
        with sqlite3.connect(home / "peerlog.db") as db:
            return int(db.execute("SELECT version FROM person WHERE name_key LIKE 'sam%'").fetchone()[0])

    journal("checkin", "--pair", "sam", "--note", "Walked together")
    before = version()
    result = journal("person", "rename", "sam", "Samira")
    assert result.exit_code == 0, result.output
    assert "Sam is now Samira" in result.stdout
    assert json.loads(journal("pair", "show", "samira", "--json").stdout)["peer"] == "Samira"
    (entry,) = json.loads(journal("log", "--pair", "samira", "--json").stdout)
    assert entry["note"] == "Walked together"
    assert version() == before + 1  # a new version, so the rename travels in exports


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("Robin", "Rob", "nobody called 'Robin'"),
        ("Ana", "Annie", "your own name"),
        ("Sam", "ana", "your own name"),
        ("Sam", "", "A name cannot be empty."),
    ],
)
def test_person_rename_refusals_are_one_kind_line(journal: Invoke, old: str, new: str, says: str) -> None:
    result = journal("person", "rename", old, new)
    assert result.exit_code != 0
    assert says in result.stderr
    assert json.loads(journal("pair", "show", "sam", "--json").stdout)["peer"] == "Sam"


def test_person_rename_refuses_a_name_another_peer_has(journal: Invoke) -> None:
    journal("pair", "add", "Alex")
    result = journal("person", "rename", "sam", "alex")
    assert result.exit_code == 2
    assert "already called 'Alex'" in result.stderr


def test_pair_set_since_after_the_first_check_in_says_where_the_journey_starts(journal: Invoke) -> None:
    journal("checkin", "--pair", "sam", "--mood", "3", "--at", "2026-08-01T12:00")
    result = journal("pair", "set", "sam", "--since", "2026-09-01")
    assert result.exit_code == 0, result.output
    assert "go back to Sat 1 Aug 2026, so" in result.stdout
    shown = json.loads(journal("pair", "show", "sam", "--json").stdout)
    assert shown["started_at"].startswith("2026-08-01")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["pair", "show", ""], "The peer's name is empty."),
        (["pair", "end", " "], "The peer's name is empty."),
        (["pair", "set", "", "--agreement", "x"], "The peer's name is empty."),
        (["person", "rename", "", "Bob"], "The old name is empty."),
    ],
)
def test_each_way_in_with_an_empty_name_says_what_is_missing(
    journal: Invoke, args: list[str], says: str
) -> None:
    result = journal(*args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert "knows you by" not in result.stderr


def test_adding_an_existing_pair_with_an_agreement_points_to_pair_set(journal: Invoke) -> None:
    result = journal("pair", "add", "sam", "--agreement", "Listen first")
    assert result.exit_code == 2
    assert 'pair set "Sam" --agreement' in result.stderr
