"""Everyday views as a pair reads them: at 80 columns, each fact once, ids that work (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

from support import Invoke, journal_at


def test_a_peers_entries_name_the_peer_once(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    entry = j.checkin("Sam", pair="Sam", mood=4, note="a good walk")
    j.reflection("Sam", "Sam", [("next", "text", "more walks")])
    log = journal("log")
    assert "Sam · Sam" not in log.stdout and "Sam" in log.stdout
    shown = journal("show", entry.id[:8])
    assert "Sam, with Sam" not in shown.stdout and "Who:   Sam" in shown.stdout
    reflections = journal("reflections")
    assert "Sam, with Sam" not in reflections.stdout and "Sam" in reflections.stdout


def test_your_own_entries_still_say_whose_pair(journal: Invoke) -> None:
    journal("checkin", "--mood", "3", "--pair", "sam", "--note", "ok")
    assert "you · Sam" in journal("log").stdout


def test_challenge_list_json_names_each_challenges_pair(journal: Invoke, home: Path) -> None:
    journal_at(home).checkin("me", pair="Sam", challenges=("ask for help",), visibility="private")
    rows = json.loads(journal("challenge", "list", "--json").stdout)
    assert rows and rows[0]["pair"] == "Sam"
