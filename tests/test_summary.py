"""`peerlog summary`: one screen on a period, with both peers side by side."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support import PRIVATE, Invoke, days_ago, journal_at


def summary_json(invoke: Invoke, *args: str) -> dict:
    result = invoke("summary", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def week(journal: Invoke, home: Path) -> Invoke:
    """A week of a pair: check-ins, wins, a challenge later overcome, session checks and feedback both ways."""
    j = journal_at(home)
    j.checkin("me", pair="Sam", at=days_ago(5), mood=2, wins=("Asked for help",), challenges=("Deadlines",))
    j.checkin("me", pair="Sam", at=days_ago(1), mood=4, challenges=("Sleep",), overcome=days_ago(0))
    j.checkin("Sam", pair="Sam", at=days_ago(3), mood=3, wins=("Ran 5k", "Called mum"))
    j.session_check("me", "Sam", {"heard": 5, "mattered": 4, "fit": 5, "overall": 5}, at=days_ago(2))
    j.session_check(
        "Sam", "Sam", {"heard": 5, "mattered": 2, "fit": 4, "overall": 4}, at=days_ago(2, hour=13)
    )
    j.reflection("me", "Sam", [("resonated", "long", "Going slowly is fine")], at=days_ago(2))
    j.feedback("me", "Sam", "Thank you for listening", kind="appreciation", at=days_ago(2))
    j.feedback("Sam", "me", "Could we start with how we are?", kind="suggestion", at=days_ago(2))
    return journal


def test_the_summary_counts_the_week_for_both_peers(week: Invoke) -> None:
    data = summary_json(week, "--pair", "sam")
    assert data["checkins"] == {"Ana": 2, "Sam": 1}
    # Ana: one logged win and one overcome challenge; Sam: two logged wins and an appreciation received.
    assert data["wins"]["counts"] == {"Ana": 2, "Sam": 3}
    assert data["challenges"]["counts"]["Ana"] == {"raised": 2, "overcome": 1}
    assert data["reflections"]["counts"] == {"Ana": 2, "Sam": 1}
    assert data["reflections"]["packs"]["Ana"] == {"Session check": 1, "After a conversation": 1}


def test_session_check_ratings_sit_side_by_side_and_a_gap_is_gently_noted(week: Invoke) -> None:
    data = summary_json(week, "--pair", "sam")
    [check] = data["reflections"]["session_checks"]
    assert check["ratings"]["Ana"]["mattered"] == 4
    assert check["ratings"]["Sam"]["mattered"] == 2
    for width in (80, 120):
        out = week("summary", "--pair", "sam", env={"COLUMNS": str(width)}).output
        line = next(row for row in out.splitlines() if "talked about what mattered" in row)
        assert line.index("4") < line.index("2"), line  # Ana's column, then Sam's
        assert "worth a chat" in line
        heard = next(row for row in out.splitlines() if "felt heard" in row)
        assert "worth a chat" not in heard
        assert all(len(row) <= width for row in out.splitlines())


def test_feedback_shows_both_ways(week: Invoke, home: Path) -> None:
    data = summary_json(week, "--pair", "sam")
    flows = {(f["from"], f["to"]): f for f in data["feedback"]}
    assert flows[("Ana", "Sam")]["appreciations"] == 1
    assert flows[("Sam", "Ana")]["suggestions"] == 1
    out = week("summary", "--pair", "sam").output
    assert "Ana (you) → Sam" in out and "Sam → Ana (you)" in out
    assert "Could we start with how we are?" in out


def test_a_direction_with_no_feedback_yet_still_shows(journal: Invoke, home: Path) -> None:
    journal_at(home).feedback("me", "Sam", "Thanks for today")
    out = journal("summary", "--pair", "sam").output
    assert re.search(r"Sam → Ana \(you\): nothing yet", out)


def test_challenges_raised_say_which_were_overcome(week: Invoke) -> None:
    data = summary_json(week, "--pair", "sam")
    states = {c["text"]: c["overcome"] for c in data["challenges"]["recent"]}
    assert states == {"Deadlines": False, "Sleep": True}
    out = week("summary", "--pair", "sam").output
    assert re.search(r"Sleep\s+✓ since overcome", out)


def test_the_mood_trend_is_drawn_for_each_person(week: Invoke) -> None:
    out = week("summary", "--pair", "sam", env={"COLUMNS": "80"}).output
    mood_lines = [line for line in out.splitlines() if re.search("[▁▂▃▄▅▆▇█]", line)]
    assert len(mood_lines) == 2
    assert "Ana (you)" in mood_lines[0] and "Sam" in mood_lines[1]


def test_a_peers_private_entries_stay_out_of_the_summary(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("Sam", pair="Sam", mood=1, wins=("hidden win",), challenges=("hidden",), visibility=PRIVATE)
    j.session_check("Sam", "Sam", {"heard": 1}, visibility=PRIVATE)
    j.feedback("Sam", "me", "hidden feedback", visibility=PRIVATE)
    j.checkin("me", pair="Sam", mood=3, wins=("my own private win",), visibility=PRIVATE)
    data = summary_json(journal, "--pair", "sam")
    assert data["checkins"] == {"Ana": 1, "Sam": 0}
    assert data["wins"]["counts"] == {"Ana": 1, "Sam": 0}
    assert data["reflections"]["session_checks"] == []
    assert all(f["appreciations"] + f["suggestions"] == 0 for f in data["feedback"] if f["from"] == "Sam")
    out = journal("summary", "--pair", "sam").output
    assert "hidden" not in out
    assert "my own private win" in out


def test_week_month_and_since_choose_the_period(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("me", at=days_ago(2), mood=3)
    j.checkin("me", at=days_ago(20), mood=3)
    j.checkin("me", at=days_ago(60), mood=3)
    assert summary_json(journal)["checkins"]["Ana"] == 1
    assert summary_json(journal, "--week")["checkins"]["Ana"] == 1
    assert summary_json(journal, "--month")["checkins"]["Ana"] == 2
    assert summary_json(journal, "--since", "90d")["checkins"]["Ana"] == 3


def test_choosing_two_periods_at_once_is_a_usage_error(journal: Invoke) -> None:
    result = journal("summary", "--week", "--month")
    assert result.exit_code == 2
    assert "Choose one of --week, --month or --since" in result.stderr


def test_an_empty_week_says_something_kind(journal: Invoke) -> None:
    result = journal("summary")
    assert result.exit_code == 0
    assert "Whenever you're ready" in result.output
    assert "peerlog checkin --win" in " ".join(result.output.split())


def test_without_a_pair_each_person_you_may_see_is_summarised(week: Invoke, home: Path) -> None:
    assert week("pair", "add", "Kai").exit_code == 0
    journal_at(home).checkin("Kai", pair="Kai", mood=5, wins=("Kai's win",))
    data = summary_json(week)
    assert [p["name"] for p in data["people"]] == ["Ana", "Kai", "Sam"]
    assert data["checkins"]["Kai"] == 1
    for width in (80, 120):
        out = week("summary", env={"COLUMNS": str(width)}).output
        assert "Kai's win" in out
        assert all(len(line) <= width for line in out.splitlines())
