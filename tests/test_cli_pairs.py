"""`peerlog init` and `peerlog pair ...` as a new user meets them."""

from __future__ import annotations

import json
from pathlib import Path

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
