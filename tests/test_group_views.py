"""`wins --group` and `summary --group`: every member of a circle the same space, nobody ranked, and the
session check as a spread without names; `log`, `reflections` and `show` say which group an entry is in.

Members' shared entries are written row by row, as they arrive from their journals (see tests/support.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from peerlog.models import PRIVATE, SHARED, Answer, CheckIn, Feedback, Group, Reflection, Win
from support import (
    Invoke,
    add_group_session,
    days_ago,
    journal_at,
    on_a_screen,
    refused_cleanly,
)

CIRCLE = "Tuesday circle"
#: Alphabetical, with you (Ana) second: the circle's order puts nobody first for being the journal's owner.
ORDER = ["Abe", "Ana", "Kai", "Noor"]


def group_id(home: Path, name: str = CIRCLE) -> str:
    with journal_at(home).session() as s:
        return s.exec(select(Group).where(Group.name == name)).one().id


def group_checkin(
    home: Path,
    author: str,
    *,
    wins: tuple[str, ...] = (),
    at: datetime | None = None,
    mood: int | None = None,
    visibility: str = SHARED,
    group: str = CIRCLE,
) -> str:
    """A check-in in the group: a member's, as it arrives shared with the group, or yours ("me")."""
    j = journal_at(home)
    who = j.person_self() if author == "me" else j.person(author)
    moment = at or days_ago(1)
    gid = group_id(home, group)
    with j.session() as s:
        row = CheckIn(
            author_id=who.id,
            group_id=gid,
            at=moment.astimezone(UTC),
            utc_offset=int(moment.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
            mood=mood,
            note=f"{author}'s day",
            visibility=visibility,
        )
        s.add(row)
        s.flush()
        s.add_all(Win(checkin_id=row.id, position=i, text=text) for i, text in enumerate(wins))
        return row.id


def group_round(
    home: Path,
    author: str,
    *,
    take_away: str = "",
    felt: int | None = None,
    overall: int | None = None,
    at: datetime | None = None,
    visibility: str = SHARED,
    pack: str = "group-round",
) -> str:
    """A round in the group (the group-round pack): a written answer and the "how did it feel" rating;
    with `overall` (and `pack="session-check"`), a session check's overall rating."""
    j = journal_at(home)
    who = j.person_self() if author == "me" else j.person(author)
    moment = at or days_ago(1)
    gid = group_id(home)
    with j.session() as s:
        row = Reflection(
            author_id=who.id,
            group_id=gid,
            pack_name=pack,
            pack_title="Group session round",
            at=moment.astimezone(UTC),
            utc_offset=int(moment.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
            visibility=visibility,
        )
        s.add(row)
        s.flush()
        answers = [("take-away", "What do you take away from today?", "text", take_away)] if take_away else []
        if felt is not None:
            answers.append(("felt", "How did the session feel for you?", "scale", str(felt)))
        if overall is not None:
            answers.append(("overall", "Overall, how was it?", "scale", str(overall)))
        s.add_all(
            Answer(reflection_id=row.id, position=i, prompt_id=pid, prompt_text=text, kind=kind, value=value)
            for i, (pid, text, kind, value) in enumerate(answers)
        )
        return row.id


def meeting(
    home: Path, author: str, came: list[str], *, at: datetime, facilitator: str | None = None
) -> None:
    j = journal_at(home)

    def person(name: str) -> Any:
        return j.person_self() if name == "me" else j.person(name)

    with j.session() as s:
        add_group_session(
            s,
            group=CIRCLE,
            author=person(author),
            came=[person(n) for n in came],
            at=at,
            facilitator=person(facilitator) if facilitator else None,
        )


def as_json(invoke: Invoke, *args: str) -> dict[str, Any]:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def win_texts(data: dict[str, Any]) -> set[str]:
    return {w["text"] for week in data["weeks"] for w in week["wins"]}


@pytest.fixture
def circle(journal: Invoke, home: Path) -> Invoke:
    """Ana's journal with a circle of Ana, Abe, Kai and Noor, and a week of wins: Kai's and Abe's shared
    with the group, Noor's kept private in Noor's own journal (never here), and one private win of Ana's."""
    result = journal("group", "add", CIRCLE, "--member", "Kai", "--member", "Abe", "--member", "Noor")
    assert result.exit_code == 0, result.output
    group_checkin(home, "Kai", wins=("Finished the draft",), mood=4)
    group_checkin(home, "Abe", wins=("Walked by the river", "Called my sister"), mood=3)
    group_checkin(home, "Noor", wins=("Noor's private win",), visibility=PRIVATE)
    group_checkin(home, "me", wins=("My quiet win",), visibility=PRIVATE)
    return journal


# ---------------------------------------------------------------- wins --group


def test_group_wins_give_every_member_a_place_in_the_same_order_with_nothing_counted_per_person(
    circle: Invoke,
) -> None:
    data = as_json(circle, "wins", "--group", "tues")
    assert data["group"]["name"] == CIRCLE
    assert [p["name"] for p in data["people"]] == ORDER
    assert win_texts(data) == {
        "Finished the draft",
        "Walked by the river",
        "Called my sister",
        "My quiet win",
    }
    # No "how far you've come" counts in a group: they would set members side by side by number.
    assert data["how_far"]["people"] == []


def test_another_members_private_win_never_shows_and_together_leaves_yours_out_too(circle: Invoke) -> None:
    shown = circle("wins", "--group", CIRCLE).stdout
    assert "Noor's private win" not in shown
    assert "My quiet win" in shown
    together = as_json(circle, "wins", "--group", CIRCLE, "--together")
    assert together["includes_private"] is False
    assert "My quiet win" not in win_texts(together)
    assert "Only what the group can see" in circle("wins", "--group", CIRCLE, "--together").stdout


def test_a_quiet_week_in_a_group_is_shown_kindly(circle: Invoke, home: Path) -> None:
    group_checkin(home, "Kai", wins=("An older win",), at=days_ago(15))
    shown = circle("wins", "--group", CIRCLE).stdout
    assert "An older win" in shown
    # The week between the two wins holds nothing: it is still there, said gently.
    assert "A quiet week: nothing logged here, and that's okay." in shown
    assert "0 wins" not in shown


def test_appreciation_given_in_the_group_is_a_win_for_the_member_it_was_for(
    circle: Invoke, home: Path
) -> None:
    j = journal_at(home)
    kai, abe = j.person("Kai"), j.person("Abe")
    moment = days_ago(1)
    with j.session() as s:
        s.add(
            Feedback(
                group_id=group_id(home),
                author_id=kai.id,
                recipient_id=abe.id,
                kind="appreciation",
                message="Thank you for holding the space",
                at=moment.astimezone(UTC),
                visibility=SHARED,
            )
        )
    data = as_json(circle, "wins", "--group", CIRCLE)
    thanks = [w for week in data["weeks"] for w in week["wins"] if w["source"] == "appreciation"]
    assert [(w["person"], w["from"]) for w in thanks] == [("Abe", "Kai")]


def test_at_80_columns_members_take_turns_in_the_same_order_every_week(circle: Invoke, home: Path) -> None:
    group_checkin(home, "Noor", wins=("Said no kindly",), at=days_ago(8), visibility=SHARED)
    screen = on_a_screen("wins", "--group", "tues", home=home, columns=80, rows=80)
    text = "\n".join(screen)
    assert "Walked by the river" in text and "Said no kindly" in text
    assert max(len(line) for line in screen) <= 80
    names = [line.strip() for line in screen if line.strip() in {"Abe", "Ana (you)", "Kai", "Noor"}]
    # Two weeks with wins, each giving all four members their place, alphabetically both times.
    assert names == ["Abe", "Ana (you)", "Kai", "Noor"] * 2


def test_at_120_columns_members_sit_side_by_side(circle: Invoke, home: Path) -> None:
    screen = on_a_screen("wins", "--group", "tues", home=home, columns=120, rows=60)
    header = next(line for line in screen if "Abe" in line and "Noor" in line)
    assert header.index("Abe") < header.index("Ana (you)") < header.index("Kai") < header.index("Noor")
    row = next(line for line in screen if "Finished the draft" in line)
    # Abe's column holds one of Abe's two wins on the same line (the two may come in either order).
    assert "Walked by the river" in row or "Called my sister" in row


# ---------------------------------------------------------------- summary --group


@pytest.fixture
def met(circle: Invoke, home: Path) -> Invoke:
    """Two meetings this week (Ana and Kai each recorded the first one), one Ana missed, and rounds."""
    meeting(home, "me", ["me", "Kai", "Abe"], at=days_ago(5, 18), facilitator="Kai")
    meeting(home, "Kai", ["me", "Kai", "Noor"], at=days_ago(5, 19), facilitator="Kai")
    meeting(home, "Abe", ["Abe", "Kai", "Noor"], at=days_ago(2, 18), facilitator="Noor")
    group_round(home, "me", take_away="Breathe before answering", felt=4, at=days_ago(5, 19))
    group_round(home, "Kai", take_away="Ask for help sooner", felt=5, at=days_ago(5, 19))
    group_round(home, "Noor", take_away="Noor kept this to herself", felt=1, visibility=PRIVATE)
    return circle


def test_group_summary_counts_sessions_held_and_yours_never_anyone_elses(met: Invoke) -> None:
    data = as_json(met, "summary", "--group", CIRCLE)
    # The meeting Ana and Kai both recorded is one meeting; Ana came to it and missed the other.
    assert data["sessions"]["held"] == 2
    assert data["sessions"]["you_came"] == 1
    first = data["sessions"]["recent"][-1]
    assert first["came"] == ["Abe", "Ana", "Kai", "Noor"]
    assert first["facilitated_by"] == ["Kai"]
    shown = met("summary", "--group", CIRCLE).stdout
    assert "2 sessions in this period; you came to 1." in shown


def test_group_summary_quotes_the_rounds_words_but_never_a_rating_beside_a_name(met: Invoke) -> None:
    data = as_json(met, "summary", "--group", CIRCLE)
    rounds = {r["person"]: [a["value"] for a in r["answers"]] for r in data["rounds"]["recent"]}
    assert rounds == {"Ana": ["Breathe before answering"], "Kai": ["Ask for help sooner"]}
    shown = met("summary", "--group", CIRCLE).stdout
    assert "Ask for help sooner" in shown
    assert "Noor kept this to herself" not in shown
    assert "How did the session feel" not in shown


def test_two_ratings_stay_unshown_and_a_third_makes_a_spread_without_names(met: Invoke, home: Path) -> None:
    data = as_json(met, "summary", "--group", CIRCLE)
    assert data["session_check"] == [{"question": "how the session felt", "people": 2, "spread": None}]
    shown = met("summary", "--group", CIRCLE).stdout
    assert "fewer than three people rated it in this period" in shown
    group_round(home, "Abe", take_away="", felt=4, at=days_ago(2, 19))
    data = as_json(met, "summary", "--group", CIRCLE)
    assert data["session_check"] == [
        {"question": "how the session felt", "people": 3, "spread": {"5": 1, "4": 2}}
    ]
    shown = met("summary", "--group", CIRCLE).stdout
    assert "How the session felt · 3 people: 1 good, 2 nearer good" in shown


def test_each_persons_latest_rating_counts_once(met: Invoke, home: Path) -> None:
    group_round(home, "Abe", felt=2, at=days_ago(4))
    group_round(home, "Abe", felt=3, at=days_ago(1))
    spread = as_json(met, "summary", "--group", CIRCLE)["session_check"][0]
    assert spread["people"] == 3
    assert spread["spread"] == {"5": 1, "4": 1, "3": 1}


def test_group_summary_fits_80_columns_and_gives_rounds_their_places_at_120(met: Invoke, home: Path) -> None:
    narrow = on_a_screen("summary", "--group", "tues", home=home, columns=80, rows=80)
    assert max(len(line) for line in narrow) <= 80
    text = "\n".join(narrow)
    assert "Sessions" in text and "Rounds shared with the group" in text
    assert "Session check, as a spread (no names)" in text
    wide = on_a_screen("summary", "--group", "tues", home=home, columns=120, rows=80)
    header = next(line for line in wide if "Abe" in line and "Noor" in line and "·" not in line)
    assert header.index("Abe") < header.index("Ana (you)") < header.index("Kai") < header.index("Noor")


def test_a_group_with_nothing_in_the_period_says_so_gently(journal: Invoke) -> None:
    assert journal("group", "add", CIRCLE, "-m", "Kai", "-m", "Noor").exit_code == 0
    shown = journal("summary", "--group", CIRCLE).stdout
    assert "Nothing recorded for this group in this period yet, and that's okay." in shown
    wins = journal("wins", "--group", CIRCLE).stdout
    assert "some weeks are for resting" in wins


# ---------------------------------------------------------------- bad input and ended groups


@pytest.mark.parametrize("command", ["wins", "summary"])
def test_an_unknown_group_is_refused_in_one_line(circle: Invoke, command: str) -> None:
    result = circle(command, "--group", "Thursday")
    refused_cleanly(result)
    assert "You have no group called 'Thursday'" in result.stderr


@pytest.mark.parametrize("command", ["wins", "summary"])
def test_a_pair_and_a_group_together_are_refused(circle: Invoke, command: str) -> None:
    result = circle(command, "--group", CIRCLE, "--pair", "sam")
    refused_cleanly(result)
    assert "--pair and --group cannot go together" in result.stderr


def test_an_ended_group_can_still_be_looked_back_on(circle: Invoke, home: Path) -> None:
    meeting(home, "me", ["me", "Kai"], at=days_ago(3))
    assert circle("group", "end", CIRCLE).exit_code == 0
    wins = circle("wins", "--group", CIRCLE)
    assert wins.exit_code == 0 and "Finished the draft" in wins.stdout
    assert "ended; its history stays" in wins.stdout
    summary = as_json(circle, "summary", "--group", CIRCLE)
    assert summary["group"]["ended"] is True and summary["sessions"]["held"] == 1


def test_a_member_who_left_keeps_their_place_for_the_weeks_they_were_there(circle: Invoke) -> None:
    assert circle("group", "join", CIRCLE, "-m", "Lee").exit_code == 0
    assert circle("group", "leave", CIRCLE, "-m", "Abe").exit_code == 0
    data = as_json(circle, "wins", "--group", CIRCLE)
    assert [p["name"] for p in data["people"]] == ["Abe", "Ana", "Kai", "Lee", "Noor"]
    assert "Walked by the river" in win_texts(data)


# ---------------------------------------------------------------- log, reflections, show


def test_log_reflections_and_show_name_the_group_an_entry_is_in(circle: Invoke, home: Path) -> None:
    round_id = group_round(home, "Kai", take_away="Ask for help sooner")
    log = circle("log")
    assert "Kai · in Tuesday" in log.stdout
    assert {e["group"] for e in as_json(circle, "log") if e["author"] == "Kai"} == {CIRCLE}
    reflections = circle("reflections")
    assert "Kai, in Tuesday circle" in reflections.stdout
    shown = circle("show", round_id[:8])
    assert "Kai, in Tuesday circle" in shown.stdout
    checkin = next(e for e in as_json(circle, "log") if e["author"] == "Kai")
    detail = circle("show", checkin["id"][:8]).stdout
    assert "Kai, in Tuesday circle" in detail
    assert "the group's members" in detail


def test_the_group_views_stay_on_the_light_path(circle: Invoke, home: Path) -> None:
    """Like the pair views: plain rows, no pydantic validators built, no alembic loaded."""
    from test_light_paths import probe

    for argv in (["wins", "--group", "tues"], ["summary", "--group", "tues"]):
        assert probe(home, *argv) == {"code": 0, "built": [], "alembic": False}, argv


def test_a_session_check_filed_in_the_group_joins_the_spread_and_is_no_round(met: Invoke, home: Path) -> None:
    for who, overall in (("me", 4), ("Kai", 4), ("Abe", 2)):
        group_round(home, who, overall=overall, pack="session-check", at=days_ago(1))
    data = as_json(met, "summary", "--group", CIRCLE)
    overall = next(r for r in data["session_check"] if r["question"] == "overall")
    assert overall == {"question": "overall", "people": 3, "spread": {"4": 2, "2": 1}}
    assert all(r["title"] == "Group session round" and r["answers"] for r in data["rounds"]["recent"])


def test_a_groups_ratings_never_appear_by_name_in_the_summary_of_everything(met: Invoke, home: Path) -> None:
    group_round(home, "Kai", overall=2, pack="session-check", at=days_ago(1))
    data = as_json(met, "summary")
    assert data["reflections"]["session_checks"] == []
