"""Feedback in a group: to one member, as to a peer, named in every view by its group."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from peerlog.models import SHARED, Feedback, Group, Person
from peerlog.people import name_key
from support import Invoke, days_ago, journal_session, refused_cleanly
from test_reflect_interactive import CTRL_C, DOWN, ENTER, typed

CIRCLE = "Tuesday circle"
FIRST_RELEASE = Path(__file__).parent / "data" / "first-release-702e064.db"


@pytest.fixture
def circle(journal: Invoke) -> Invoke:
    """Ana's journal (paired with Sam) with a group of Ana, Sam, Kai and Noor."""
    result = journal("group", "add", CIRCLE, "--member", "Sam", "--member", "Kai", "--member", "Noor")
    assert result.exit_code == 0, result.output
    return journal


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("peerlog.cli.reflect.is_interactive", lambda: True)


def rows(home: Path) -> list[tuple[Any, ...]]:
    """Every feedback row as (author, recipient, kind, message, visibility, pair's peer, group), plain sqlite3."""
    with sqlite3.connect(home / "peerlog.db") as db:
        found = db.execute(
            "SELECT a.name, r.name, f.kind, f.message, f.visibility,"
            " (SELECT s.name FROM pair p JOIN person s ON s.id IN (p.person_a_id, p.person_b_id)"
            "  WHERE p.id = f.pair_id AND NOT s.is_self),"
            " (SELECT g.name FROM peer_group g WHERE g.id = f.group_id)"
            " FROM feedback f JOIN person a ON a.id = f.author_id JOIN person r ON r.id = f.recipient_id"
            " ORDER BY f.at, f.message"
        ).fetchall()
    db.close()
    return found


def listed(invoke: Invoke, *args: str) -> list[dict[str, Any]]:
    result = invoke("feedback", *args, "--list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def received(
    home: Path, author: str, recipient: str, message: str, *, visibility: str = SHARED, days: int = 2
) -> None:
    """Feedback a member gave in the circle `days` ago, as if it arrived from their journal."""
    with journal_session(home) as s:
        group = s.exec(select(Group).where(Group.name_key == name_key(CIRCLE))).one()
        people = {p.name: p for p in s.exec(select(Person))}
        moment = days_ago(days)
        s.add(
            Feedback(
                group_id=group.id,
                author_id=people[author].id,
                recipient_id=people[recipient].id,
                kind="appreciation",
                message=message,
                at=moment.astimezone(UTC),
                utc_offset=int(moment.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
                visibility=visibility,
            )
        )


def how_far(invoke: Invoke) -> dict[str, int]:
    """Each person's wins in `wins`' "how far you've come" (all time, whole journal)."""
    result = invoke("wins", "--json")
    assert result.exit_code == 0, result.output
    return {p["person"]: p["wins"] for p in json.loads(result.stdout)["how_far"]["people"]}


def summary_wins(invoke: Invoke) -> dict[str, int]:
    """Each person's wins in this week's `summary`."""
    result = invoke("summary", "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout)["wins"]["counts"])


# ---------------------------------------------------------------- giving it


def test_feedback_in_a_group_is_for_one_member_and_belongs_to_the_group_not_a_pair(
    circle: Invoke, home: Path
) -> None:
    result = circle("feedback", "kai", "I valued what you shared about your sister", "--group", "tues")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Saved your appreciation for Kai in Tuesday circle" in said
    assert "private: only you see it" in said
    assert "puts it into what you share with Tuesday circle" in said
    assert rows(home) == [
        ("Ana", "Kai", "appreciation", "I valued what you shared about your sister", "private", None, CIRCLE)
    ]


def test_a_member_you_also_pair_with_gets_it_in_the_group_when_the_group_is_named(
    circle: Invoke, home: Path
) -> None:
    assert (
        circle("feedback", "Sam", "Thank you for holding the time", "-g", CIRCLE, "--shared").exit_code == 0
    )
    assert circle("feedback", "Sam", "Thank you for the walk").exit_code == 0
    assert rows(home) == [
        ("Ana", "Sam", "appreciation", "Thank you for holding the time", "shared", None, CIRCLE),
        ("Ana", "Sam", "appreciation", "Thank you for the walk", "private", "Sam", None),
    ]


def test_a_suggestion_shared_with_the_group_says_truthfully_where_it_goes(circle: Invoke) -> None:
    result = circle(
        "feedback", "Noor", "Could we start on time?", "-g", CIRCLE, "--kind", "suggestion", "--shared",
        "--no-hints",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Saved your suggestion for Noor in Tuesday circle" in result.stdout
    assert "shared with Tuesday circle" in " ".join(result.stdout.split())
    assert "Thank you for taking the time" not in result.stdout


def test_feedback_in_a_group_can_be_piped_in(circle: Invoke, home: Path) -> None:
    result = circle("feedback", "Kai", "--group", CIRCLE, input="Your story stayed with me\n")
    assert result.exit_code == 0, result.output
    assert rows(home)[0][3] == "Your story stayed with me"


@pytest.fixture
def lived_in(circle: Invoke) -> Invoke:
    """The circle after Noor left and Lee joined, with a pair with Tom and a second group that has ended."""
    for args in (
        ("group", "leave", CIRCLE, "-m", "Noor"),
        ("group", "join", CIRCLE, "-m", "Lee"),
        ("pair", "add", "Tom"),
        ("group", "add", "Thursday walkers", "-m", "Kai", "-m", "Lee"),
        ("group", "end", "Thursday walkers"),
    ):
        assert circle(*args).exit_code == 0
    return circle


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["Zed", "hi", "-g", CIRCLE], "Zed is not in Tuesday circle. Its members: Kai, Lee, Sam."),
        (["Ana", "hi", "-g", CIRCLE], "'Ana' is you: feedback in Tuesday circle is for one of the others."),
        (["an", "hi", "-g", CIRCLE], "'an' is you: feedback in Tuesday circle is for one of the others."),
        (["Noor", "hi", "-g", CIRCLE], "Noor left Tuesday circle on "),
        (["Kai", "hi", "-g", "Thursday walkers"], "Thursday walkers has ended"),
        (["Kai", "hi", "-g", "Friday"], "You have no group called 'Friday'."),
        (["Kai", "hi"], "You have no pair with 'Kai'. Kai is in Tuesday circle: add --group"),
        ([CIRCLE, "hi"], "Tuesday circle is a group: feedback goes to one person in it."),
        (
            ["t", "hi"],
            "'t' matches the group Thursday walkers, the group Tuesday circle and your pair with Tom.",
        ),
        (["--group", CIRCLE, "--kind", "appreciation"], "Whom in Tuesday circle is it for?"),
        (["Kai", "   ", "-g", CIRCLE], "There is no feedback to save."),
        (["Kai", "hi", "-g", CIRCLE, "--kind", "praise"], "Feedback is an 'appreciation' or a 'suggestion'"),
    ],
    ids=[
        "not-a-member",
        "you",
        "start-of-your-name",
        "left",
        "ended-group",
        "unknown-group",
        "member-without-group",
        "group-as-name",
        "pair-and-group",
        "no-member",
        "empty",
        "bad-kind",
    ],
)
def test_feedback_that_cannot_be_given_is_one_line_exit_2_and_nothing_is_saved(
    lived_in: Invoke, home: Path, args: list[str], says: str
) -> None:
    result = lived_in("feedback", *args)
    refused_cleanly(result)
    assert says in result.stderr
    assert rows(home) == []


def test_an_exact_name_wins_over_the_start_of_another(lived_in: Invoke, home: Path) -> None:
    # "Tom" is your pair's peer exactly, and no group is called that: no doubt which is meant.
    assert lived_in("feedback", "tom", "Thanks for the call").exit_code == 0
    assert rows(home)[0][5] == "Tom"


# ---------------------------------------------------------------- seeing it, both ways


def test_the_list_names_the_group_and_shows_both_ways_but_never_a_members_private_words(
    circle: Invoke, home: Path
) -> None:
    assert circle("feedback", "Kai", "Your story stayed with me", "-g", CIRCLE, "--shared").exit_code == 0
    assert circle("feedback", "Sam", "Thanks for the walk", "--shared").exit_code == 0
    received(home, "Kai", "Ana", "I loved how you listened")
    received(home, "Kai", "Ana", "a draft of mine", visibility="private")
    received(home, "Noor", "Sam", "Sam, your calm helped", days=3)

    everything = listed(circle)
    assert [(f["author"], f["recipient"], f["pair"], f["group"]) for f in everything] == [
        ("Ana", "Sam", "Sam", None),
        ("Ana", "Kai", None, CIRCLE),
        ("Kai", "Ana", None, CIRCLE),
        ("Noor", "Sam", None, CIRCLE),
    ]
    in_circle = [(f["author"], f["recipient"]) for f in listed(circle, "tues")]
    assert in_circle == [("Ana", "Kai"), ("Kai", "Ana"), ("Noor", "Sam")]
    assert [(f["author"], f["recipient"]) for f in listed(circle, "--group", CIRCLE)] == in_circle
    # A member's name with --group: what went between you and them there, both ways.
    assert [(f["author"], f["recipient"]) for f in listed(circle, "kai", "--group", CIRCLE)] == [
        ("Ana", "Kai"),
        ("Kai", "Ana"),
    ]
    assert [f["group"] for f in listed(circle, "sam")] == [None]

    table = circle("feedback", "--list", env={"COLUMNS": "80"}).stdout
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "you → Kai" in table and "Kai → you" in table and "in Tuesday" in table
    assert "a draft of mine" not in table


def test_a_list_name_that_fits_a_pair_and_a_group_alike_is_refused(lived_in: Invoke) -> None:
    result = lived_in("feedback", "--list", "t")
    refused_cleanly(result)
    assert (
        "'t' matches the group Thursday walkers, the group Tuesday circle and your pair with Tom."
        in result.stderr
    )


def test_show_names_the_group_and_who_sees_it(circle: Invoke) -> None:
    circle("feedback", "Kai", "Your story stayed with me", "-g", CIRCLE, "--shared")
    (given,) = listed(circle)
    panel = circle("show", given["id"][:8]).stdout
    assert "In:    Tuesday circle" in panel
    assert "everyone in Tuesday circle" in panel
    shown = json.loads(circle("show", given["id"][:8], "--json").stdout)
    assert (shown["pair"], shown["group"], shown["recipient"]) == (None, CIRCLE, "Kai")


def test_search_names_the_group_of_feedback_given_in_it(circle: Invoke) -> None:
    circle("feedback", "Kai", "Your story stayed with me", "-g", CIRCLE)
    found = " ".join(circle("search", "story").stdout.split())
    assert "appreciation from you to Kai in Tuesday circle" in found


def test_feedback_in_a_group_is_edited_and_deleted_like_any_other(circle: Invoke, home: Path) -> None:
    circle("feedback", "Kai", "Your story stayed with me", "-g", CIRCLE)
    short = listed(circle)[0]["id"][:8]
    edited = circle("edit", short, "--shared")
    assert edited.exit_code == 0, edited.output
    assert "shared with Tuesday circle" in edited.stdout
    assert rows(home)[0][4] == "shared"
    deleted = circle("delete", short, input="y\n")
    assert deleted.exit_code == 0, deleted.output
    assert "for Kai in Tuesday circle" in " ".join(deleted.stdout.split())
    assert rows(home) == []


# ---------------------------------------------------------------- how far you've come


def test_appreciation_given_in_a_group_counts_for_its_recipient_once_it_is_shared(
    circle: Invoke, home: Path
) -> None:
    circle("feedback", "Kai", "Your story stayed with me", "-g", CIRCLE)
    # Not given yet (private): no win for Kai.
    assert how_far(circle).get("Kai", 0) == 0
    assert summary_wins(circle).get("Kai", 0) == 0
    short = listed(circle)[0]["id"][:8]
    assert circle("edit", short, "--shared").exit_code == 0
    assert how_far(circle)["Kai"] == 1
    assert summary_wins(circle)["Kai"] == 1
    received(home, "Kai", "Ana", "I loved how you listened")
    assert how_far(circle)["Ana"] == 1
    assert circle("delete", short, input="y\n").exit_code == 0
    assert how_far(circle).get("Kai", 0) == 0


def test_an_upgraded_first_release_journal_counts_group_appreciation_beside_its_old_feedback(
    tmp_path: Path, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first release's journal (schema 3) has Ana, a pair with Sam and two feedback: 0007 rebuilt the
    # feedback table, and its tally triggers must count what is given in a group from then on.
    shutil.copyfile(FIRST_RELEASE, tmp_path / "old.db")
    monkeypatch.setenv("PEERLOG_DB", str(tmp_path / "old.db"))
    before = how_far(invoke)
    old = listed(invoke)
    assert old and all(f["pair"] == "Sam" and f["group"] is None for f in old)
    assert invoke("group", "add", CIRCLE, "-m", "Sam", "-m", "Kai").exit_code == 0
    given = invoke("feedback", "Sam", "You held the circle well", "-g", CIRCLE, "--shared")
    assert given.exit_code == 0, given.output
    assert how_far(invoke)["Sam"] == before.get("Sam", 0) + 1
    assert len(listed(invoke)) == len(old) + 1


# ---------------------------------------------------------------- at a terminal


def test_at_a_terminal_a_group_without_a_member_asks_whom_then_kind_words_and_sharing(
    circle: Invoke, home: Path, terminal: None
) -> None:
    keys = (
        "1" + ENTER  # whom: Kai, Noor, Sam, then Skip (where the pointer starts)
        + DOWN + ENTER  # kind: suggestion
        + "Could we start on time?" + ENTER
        + ENTER  # a gentle note? there is none for these words; share: skipped
    )  # fmt: skip
    with typed(keys):
        result = circle("feedback", "--group", CIRCLE, "--no-hints")
    assert result.exit_code == 0, result.output
    assert rows(home) == [("Ana", "Kai", "suggestion", "Could we start on time?", "private", None, CIRCLE)]


def test_at_a_terminal_skipping_whom_saves_nothing(circle: Invoke, home: Path, terminal: None) -> None:
    with typed(ENTER):
        result = circle("feedback", "-g", CIRCLE)
    assert result.exit_code == 0, result.output
    assert "Nothing was saved" in result.stdout
    assert rows(home) == []


def test_at_a_terminal_the_sharing_question_names_the_group_and_yes_shares_it(
    circle: Invoke, home: Path, terminal: None
) -> None:
    with typed(ENTER + "Thank you for your honesty" + ENTER + "y" + ENTER):
        result = circle("feedback", "Noor", "-g", CIRCLE, "--no-hints")
    assert result.exit_code == 0, result.output
    assert rows(home) == [
        ("Ana", "Noor", "appreciation", "Thank you for your honesty", "shared", None, CIRCLE)
    ]


@pytest.mark.parametrize("keys", ["1" + ENTER + CTRL_C, "1" + ENTER + ENTER + "Thanks" + ENTER + CTRL_C])
def test_at_a_terminal_ctrl_c_at_any_question_saves_nothing(
    circle: Invoke, home: Path, terminal: None, keys: str
) -> None:
    with typed(keys):
        result = circle("feedback", "-g", CIRCLE, "--no-hints")
    assert result.exit_code == 130
    assert rows(home) == []


def test_at_a_terminal_an_unknown_member_is_refused_before_any_question(
    circle: Invoke, home: Path, terminal: None
) -> None:
    with typed(""):
        result = circle("feedback", "Zed", "-g", CIRCLE)
    refused_cleanly(result)
    assert rows(home) == []
