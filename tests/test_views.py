"""Everyday views as a pair reads them: at 80 columns, each fact once, ids that work (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

from support import Invoke, days_ago, journal_at


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


def test_log_at_80_columns_gives_the_note_the_room(journal: Invoke) -> None:
    note = "We walked around the lake and talked about the new job\nand then some more"
    journal("checkin", "--mood", "4", "--pair", "sam", "--note", note, "--shared")
    out = journal("log", env={"COLUMNS": "80"}).stdout
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # The note's first line takes at most two rows, and says there is more to it.
    assert "We walked around the lake and" in out
    assert "(+1 more line)" in " ".join(out.split()) and "and then some more" not in out
    # A day and an id are never broken across rows.
    assert any(line.split()[1:5] == ["Thu", "3", "Dec", "2026"] or "Dec 20" in line for line in lines)
    assert not any(line.strip() in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} for line in lines)


def test_dates_read_the_same_in_every_view(journal: Invoke, home: Path) -> None:
    entry = journal_at(home).checkin("me", pair="Sam", at=days_ago(3), note="n", wins=("a walk",))
    day = entry.at.astimezone()
    short = f"{day:%a} {day.day} {day:%b %Y}"
    assert short in journal("log").stdout
    assert f"{day:%A} {day.day} {day:%B %Y}" in journal("show", entry.id[:8]).stdout
    assert short in journal("search", "walk").stdout


def test_output_in_a_file_has_no_trailing_spaces(journal: Invoke) -> None:
    journal("checkin", "--mood", "4", "--pair", "sam", "--note", "short", "--shared")
    for args in (
        ("log",),
        ("show", journal("log", "--json").stdout.split('"id": "')[1][:8]),
        ("pair", "list"),
    ):
        out = journal(*args).stdout
        assert out.strip() and not [line for line in out.splitlines() if line != line.rstrip()], args


def test_markdown_export_writes_the_wins_themselves(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin(
        "me", pair="Sam", wins=("sent the hard email",), challenges=("asking for help",), overcome=days_ago(0)
    )
    j.feedback("Sam", "me", "you listened so well")
    j.feedback("me", "Sam", "a note not given yet", visibility="private")
    j.session_check("Sam", "Sam", {"heard": 5})
    out = journal("export", "--format", "markdown", "--include-private").stdout
    wins = out.split("### Wins", 1)[1].split("###", 1)[0]
    assert "sent the hard email" in wins and "asking for help" in wins and "you listened so well" in wins
    assert "a note not given yet" not in wins
    assert "1 win." not in out and "Win: sent the hard email" in out
    assert "Rated 5." in out


def test_an_exports_period_matches_what_is_inside(journal: Invoke, home: Path) -> None:
    journal_at(home).checkin("me", pair="Sam", at=days_ago(35, hour=0), note="early that day")
    out = journal("export", "--format", "markdown", "--since", "5w").stdout
    period = next(line for line in out.splitlines() if line.startswith("Period:"))
    if "early that day" not in out:
        # The period starts within that day, so it says when: never a day whose entries are left out.
        assert ":" in period.removeprefix("Period:"), period


def test_summary_says_there_is_more_and_how_to_see_it(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    for i in range(4):
        j.feedback("Sam", "me", f"thanks number {i}", at=days_ago(i + 1))
    for i in range(30):
        j.checkin("me", pair="Sam", at=days_ago(1), wins=(f"win {i}",))
    out = " ".join(journal("summary", "--pair", "sam", env={"COLUMNS": "80"}).stdout.split())
    assert "more: `peerlog feedback Sam --list`" in out
    assert "`peerlog wins --pair Sam --since " in out


def test_every_id_search_prints_works_with_the_command_it_names(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("me", pair="Sam", note="a lakeside walk", wins=("lakeside swim",), challenges=("lakeside run",))
    out = journal("search", "lakeside", env={"COLUMNS": "80"}).stdout
    ids = [line.split("check-in ", 1)[1].split()[0] for line in out.splitlines() if "check-in " in line]
    assert len(ids) == 3
    for short in ids:
        assert journal("show", short).exit_code == 0


def test_show_offers_no_challenge_id_that_challenge_done_refuses(journal: Invoke, home: Path) -> None:
    entry = journal_at(home).checkin("Sam", pair="Sam", challenges=("speaking up",))
    out = journal("show", entry.id[:8]).stdout
    assert "speaking up" in out and "(id " not in out and "(challenge " not in out
    mine = journal_at(home).checkin("me", pair="Sam", challenges=("asking for help",), visibility="private")
    shown = journal("show", mine.id[:8]).stdout
    short = shown.split("(challenge ", 1)[1].split(")")[0]
    assert journal("challenge", "done", short).exit_code == 0


def test_feedback_list_at_80_columns_gives_the_message_the_room(journal: Invoke, home: Path) -> None:
    journal_at(home).feedback(
        "Sam", "me", "Thank you for the patience you showed while I was figuring it out"
    )
    out = journal("feedback", "--list", env={"COLUMNS": "80"}).stdout
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "Thank you for the patience" in out  # the message column is wider than 25 characters


def test_a_long_answer_stays_under_its_question(journal: Invoke, home: Path) -> None:
    answer = "More walks by the lake, and maybe a longer talk about the plan for the whole of next year"
    journal_at(home).reflection("Sam", "Sam", [("next", "text", answer)])
    out = journal("reflections", env={"COLUMNS": "80"}).stdout
    lines = [line.strip("│ ") for line in out.splitlines()]
    at = next(i for i, line in enumerate(out.splitlines()) if "More walks" in line)
    assert out.splitlines()[at + 1].startswith("│   "), out
    assert lines


def test_a_full_week_of_wins_says_how_to_see_every_one(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    for i in range(15):
        j.checkin("me", pair="Sam", at=days_ago(0.1), wins=(f"win {i}",))
    out = " ".join(journal("wins", "--pair", "sam").stdout.split())
    assert "more wins this week" in out and "`peerlog wins --all --pair Sam --since " in out
