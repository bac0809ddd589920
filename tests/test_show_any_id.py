"""`peerlog show ID` takes any id peerlog prints: check-ins, reflections, feedback, and their parts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support import PRIVATE, Invoke, journal_at, refused_cleanly


def saved_id(output: str) -> str:
    found = re.search(r"\b([0-9a-f]{8})\b", output)
    assert found, output
    return found.group(1)


@pytest.fixture
def entries(journal: Invoke) -> dict[str, str]:
    ids = {}
    ids["checkin"] = saved_id(
        journal("checkin", "--pair", "sam", "--mood", "4", "--win", "Ran far", "--challenge", "Sleep").output
    )
    ids["reflection"] = saved_id(journal("reflect", "--pair", "sam", "-a", "resonated=Going slowly").output)
    ids["feedback"] = saved_id(journal("feedback", "sam", "Thank you for listening", "--private").output)
    return ids


def test_show_takes_a_reflection_id(journal: Invoke, entries: dict[str, str]) -> None:
    result = journal("show", entries["reflection"][:5], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "What resonated?" in result.stdout and "Going slowly" in result.stdout
    data = json.loads(journal("show", entries["reflection"], "--json").stdout)
    assert data["id"].startswith(entries["reflection"]) and data["answers"][0]["value"] == "Going slowly"


def test_show_takes_a_feedback_id(journal: Invoke, entries: dict[str, str]) -> None:
    result = journal("show", entries["feedback"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "Thank you for listening" in result.stdout and "You → Sam" in result.stdout
    assert "not given yet" in result.stdout  # private: Sam has not received it
    data = json.loads(journal("show", entries["feedback"], "--json").stdout)
    assert data["message"] == "Thank you for listening" and data["visibility"] == PRIVATE


def test_every_id_search_prints_works_with_show(journal: Invoke, entries: dict[str, str]) -> None:
    for words in ("slowly", "listening", "Ran", "Sleep"):
        out = journal("search", words, env={"COLUMNS": "80"}).stdout
        printed = re.findall(r"(?:check-in|reflection|feedback) ([0-9a-f]{8})", out)
        assert printed, out
        for entry_id in printed:
            result = journal("show", entry_id)
            assert result.exit_code == 0, (words, result.output)
        hits = json.loads(journal("search", words, "--json").stdout)["hits"]
        for hit in hits:  # the part's own id too (a win's, an answer's)
            result = journal("show", hit["id"][:8])
            assert result.exit_code == 0, (hit, result.output)


def test_a_challenge_id_shows_the_check_in_it_is_part_of(journal: Invoke, entries: dict[str, str]) -> None:
    [challenge] = json.loads(journal("challenge", "list", "--json").stdout)
    result = journal("show", challenge["id"][:8])
    assert result.exit_code == 0, result.output
    assert f"Challenge {challenge['id'][:8]} is part of check-in {entries['checkin']}" in result.stdout
    assert "Sleep" in result.stdout and "Ran far" in result.stdout


def test_a_peers_private_entry_is_not_there_for_show(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    hidden = j.feedback("Sam", "me", "Sam kept this", visibility=PRIVATE)
    also = j.reflection("Sam", "Sam", [("resonated", "long", "Sam's own")], visibility=PRIVATE)
    for entry_id in (hidden.id, also.id):
        result = journal("show", entry_id[:8])
        refused_cleanly(result)
        assert "No entry has an id starting with" in result.stderr
        assert "Sam kept this" not in result.output and "Sam's own" not in result.output


def test_show_with_an_unknown_or_odd_id_says_so(journal: Invoke) -> None:
    refused_cleanly(journal("show", "zzzz"))
    result = journal("show", "abcdef12")
    refused_cleanly(result)
    assert "No entry has an id starting with 'abcdef12'" in result.stderr
    assert "peerlog search" in result.stderr
