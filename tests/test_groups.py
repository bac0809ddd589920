"""Groups: circles of equals with members over time, sessions, rounds and a rotating facilitator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from peerlog.models import PRIVATE, Person
from peerlog.packs import load_catalog
from support import (
    Invoke,
    add_group_session,
    add_reflection,
    days_ago,
    group_ids_of,
    group_rows,
    journal_session,
    refused_cleanly,
)
from test_reflect_interactive import CTRL_C, DOWN, ENTER, FINISH, typed

CIRCLE = "Tuesday circle"


@pytest.fixture
def circle(journal: Invoke) -> Invoke:
    """Ana's journal (paired with Sam) with a group of Ana, Sam, Kai and Noor."""
    result = journal("group", "add", CIRCLE, "--member", "Sam", "--member", "Kai", "--member", "Noor")
    assert result.exit_code == 0, result.output
    return journal


def shown(invoke: Invoke, name: str = CIRCLE) -> dict[str, Any]:
    result = invoke("group", "show", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def current(group: dict[str, Any]) -> list[str]:
    return [m["name"] for m in group["members"] if m["left_at"] is None]


def session(invoke: Invoke, *args: str) -> Any:
    result = invoke("group", "session", CIRCLE, *args)
    assert result.exit_code == 0, result.output
    return result


# ---------------------------------------------------------------- groups as equals


def test_a_group_is_you_and_the_members_named_with_a_peer_you_pair_with_kept_as_the_same_person(
    circle: Invoke, home: Path
) -> None:
    group = shown(circle)
    assert group["name"] == CIRCLE
    assert current(group) == ["Ana", "Kai", "Noor", "Sam"]
    assert [m["is_you"] for m in group["members"]] == [True, False, False, False]
    with journal_session(home, write=False) as s:
        assert len(s.exec(select(Person).where(Person.name == "Sam")).all()) == 1
    listed = circle("group", "list")
    assert CIRCLE in listed.stdout and "you, Kai, Noor, Sam" in listed.stdout


def test_starting_a_group_says_who_is_new_to_your_journal(journal: Invoke) -> None:
    result = journal("group", "add", CIRCLE, "-m", "sam", "-m", "Kai", "-m", "Noor")
    assert result.exit_code == 0, result.output
    assert "Tuesday circle has started: you, Kai, Noor, Sam." in result.stdout
    assert "New to your journal: Kai, Noor." in result.stdout


def test_a_group_keeps_its_agreement_and_it_can_be_changed(journal: Invoke) -> None:
    added = journal(
        "group", "add", CIRCLE, "-m", "Kai", "-m", "Noor", "--agreement", "What is said here stays here"
    )
    assert added.exit_code == 0, added.output
    assert shown(journal)["agreement"] == "What is said here stays here"
    assert journal("group", "set", "tues", "--agreement", "We listen first").exit_code == 0
    assert shown(journal)["agreement"] == "We listen first"
    assert "We listen first" in journal("group", "show", "tues").stdout


def test_a_group_is_found_by_any_case_or_the_start_of_its_name(circle: Invoke) -> None:
    assert shown(circle, "TUESDAY CIRCLE")["name"] == CIRCLE
    assert shown(circle, "tue")["name"] == CIRCLE


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["", "-m", "Kai", "-m", "Noor"], "A name cannot be empty."),
        (["   ", "-m", "Kai", "-m", "Noor"], "A name cannot be empty."),
        ([CIRCLE], "would have 1 person in it; a group is 3 to 12 people, you included"),
        ([CIRCLE, "-m", "Kai"], "would have 2 people in it; a group is 3 to 12 people, you included"),
        ([CIRCLE, *[a for i in range(12) for a in ("-m", f"Peer {i}")]], "would have 13 people in it"),
        ([CIRCLE, "-m", "Kai", "-m", "kai"], "Kai is named twice; give each member once."),
        ([CIRCLE, "-m", "Kai", "-m", "ana"], "'ana' is your own name"),
        (["Sam", "-m", "Kai", "-m", "Noor"], "'Sam' is already the name of your pair with Sam."),
        (["ana", "-m", "Kai", "-m", "Noor"], "'ana' is your own name in this journal."),
        (
            [CIRCLE, "-m", "Kai", "-m", "Noor", "--agreement", "a\x1bb"],
            "The agreement contains control characters.",
        ),
    ],
    ids=["empty", "blank", "just-you", "two", "thirteen", "twice", "you", "a-pair", "your-name", "controls"],
)
def test_a_group_that_cannot_be_is_refused_in_one_line_and_nothing_changes(
    journal: Invoke, home: Path, args: list[str], says: str
) -> None:
    before = group_rows(home)
    result = journal("group", "add", *args)
    refused_cleanly(result)
    assert says in result.stderr
    assert group_rows(home) == before


def test_a_name_that_matches_a_pair_says_which_to_use(journal: Invoke) -> None:
    result = journal("group", "add", "sam", "-m", "Kai", "-m", "Noor")
    refused_cleanly(result)
    assert 'Keep `--pair "Sam"` for your pair and give the group a name of its own' in result.stderr


def test_two_groups_cannot_share_a_name_even_once_one_has_ended(circle: Invoke, home: Path) -> None:
    assert circle("group", "end", CIRCLE).exit_code == 0
    before = group_rows(home)
    result = circle("group", "add", "tuesday CIRCLE", "-m", "Kai", "-m", "Noor")
    refused_cleanly(result)
    assert "You already have a group called 'Tuesday circle' (ended" in result.stderr
    assert "rename the old one first" in result.stderr
    assert group_rows(home) == before


@pytest.mark.parametrize(
    "args",
    [
        ["show", "Thursday"],
        ["end", "Thursday"],
        ["rename", "Thursday", "Friday"],
        ["join", "Thursday", "-m", "Lee"],
        ["leave", "Thursday", "-m", "Kai"],
        ["session", "Thursday", "--came", "Kai"],
        ["set", "Thursday", "--agreement", "Kind words"],
    ],
    ids=lambda a: a[0],
)
def test_an_unknown_group_is_named_with_the_groups_there_are(
    circle: Invoke, home: Path, args: list[str]
) -> None:
    before = group_rows(home)
    result = circle("group", *args)
    refused_cleanly(result)
    assert "You have no group called 'Thursday'. Your groups: Tuesday circle." in result.stderr
    assert group_rows(home) == before


def test_with_no_groups_yet_it_says_how_to_start_one(journal: Invoke) -> None:
    assert "No groups yet." in journal("group", "list").stdout
    result = journal("group", "show", "anything")
    refused_cleanly(result)
    assert "You have no groups yet." in result.stderr


def test_rename_keeps_everything_and_refuses_a_pairs_name(circle: Invoke, home: Path) -> None:
    session(circle, "--came", "Kai", "--came", "Sam", "--no-round")
    renamed = circle("group", "rename", "tues", "Thursday circle")
    assert renamed.exit_code == 0, renamed.output
    assert "Tuesday circle is now called Thursday circle" in renamed.stdout
    group = shown(circle, "Thursday circle")
    assert group["sessions_held"] == 1 and current(group) == ["Ana", "Kai", "Noor", "Sam"]
    before = group_rows(home)
    refused = circle("group", "rename", "Thursday circle", "Sam")
    refused_cleanly(refused)
    assert "your pair with Sam" in refused.stderr
    refused_cleanly(circle("group", "rename", "Thursday circle", " "))
    assert group_rows(home) == before


def test_ending_a_group_keeps_its_history_and_nothing_new_is_added_to_it(circle: Invoke, home: Path) -> None:
    session(circle, "--came", "Kai", "--came", "Sam", "--no-round")
    ended = circle("group", "end", CIRCLE)
    assert ended.exit_code == 0
    assert "has ended. Its history stays here" in ended.stdout
    group = shown(circle)
    assert group["ended_at"] is not None and group["sessions_held"] == 1
    assert current(group) == ["Ana", "Kai", "Noor", "Sam"]
    before = group_rows(home)
    for args in (
        ["group", "session", CIRCLE, "--came", "Kai"],
        ["group", "join", CIRCLE, "-m", "Lee"],
        ["checkin", "--group", CIRCLE, "--note", "Quiet"],
        ["reflect", "--group", CIRCLE, "-a", "take-away=Calm", "--pack", "group-round"],
    ):
        result = circle(*args)
        refused_cleanly(result)
        assert "Tuesday circle has ended" in result.stderr
    assert group_rows(home) == before


# ---------------------------------------------------------------- members over time


def test_members_join_and_leave_and_the_history_keeps_both(circle: Invoke) -> None:
    joined = circle("group", "join", CIRCLE, "--member", "Lee")
    assert joined.exit_code == 0, joined.output
    assert "Welcome, Lee" in joined.stdout
    left = circle("group", "leave", CIRCLE, "--member", "sam")
    assert left.exit_code == 0, left.output
    assert "Sam left Tuesday circle; their time in it stays in its history." in left.stdout
    group = shown(circle)
    assert current(group) == ["Ana", "Kai", "Lee", "Noor"]
    (past,) = [m for m in group["members"] if m["left_at"]]
    assert past["name"] == "Sam"
    # Coming back is a new stretch: both are kept.
    assert circle("group", "join", CIRCLE, "-m", "Sam").exit_code == 0
    stretches = [m for m in shown(circle)["members"] if m["name"] == "Sam"]
    assert len(stretches) == 2 and [s["left_at"] is None for s in stretches] == [True, False]
    text = circle("group", "show", CIRCLE).stdout
    assert "Were part of it" in text and " to " in text


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["leave", CIRCLE, "-m", "Kai", "-m", "Noor"], "would have 2 people left; a group is 3 to 12"),
        (["leave", CIRCLE, "-m", "Kim"], "Kim is not in Tuesday circle. Its members: Kai, Noor, Sam."),
        (["leave", CIRCLE, "-m", "Ana"], "you cannot leave one here"),
        (["leave", CIRCLE, "-m", "Kai", "-m", "kai"], "Kai is named twice"),
        (["leave", CIRCLE], "Who is leaving? Give --member NAME"),
        (["join", CIRCLE, "-m", "Kai"], "Kai is already in Tuesday circle."),
        (["join", CIRCLE, "-m", "Ana"], "'Ana' is your own name"),
        (["join", CIRCLE, "-m", "Lee", "-m", "lee"], "Lee is named twice"),
        (["join", CIRCLE], "Who is joining? Give --member NAME"),
        (
            ["join", CIRCLE, *[a for i in range(9) for a in ("-m", f"Peer {i}")]],
            "would have 13 people after that",
        ),
    ],
    ids=[
        "fewer-than-three",
        "not-a-member",
        "you",
        "leave-twice",
        "leave-nobody",
        "already-in",
        "join-you",
        "join-twice",
        "join-nobody",
        "thirteen",
    ],
)
def test_a_change_of_members_that_cannot_be_is_refused_and_nothing_changes(
    circle: Invoke, home: Path, args: list[str], says: str
) -> None:
    refused_and_unchanged(circle, home, ["group", *args], says)


def refused_and_unchanged(
    invoke: Invoke,
    home: Path,
    args: list[str],
    says: str,
    rows_of: Callable[[Path], dict[str, list[str]]] = group_rows,
) -> None:
    """`args` are refused in one line saying `says`, and the rows `rows_of` reads are as they were."""
    before = rows_of(home)
    result = invoke(*args)
    refused_cleanly(result)
    assert says in result.stderr
    assert rows_of(home) == before


def test_the_last_members_cannot_be_removed_one_at_a_time_either(journal: Invoke, home: Path) -> None:
    assert journal("group", "add", "Trio", "-m", "Kai", "-m", "Noor").exit_code == 0
    before = group_rows(home)
    result = journal("group", "leave", "Trio", "-m", "Kai")
    refused_cleanly(result)
    assert "Trio would have 2 people left" in result.stderr
    assert "`peerlog group end` ends the group with its history kept" in result.stderr
    assert group_rows(home) == before


# ---------------------------------------------------------------- sessions, rounds, rotation


def test_a_session_records_who_came_who_facilitated_and_your_round(circle: Invoke, home: Path) -> None:
    result = session(
        circle,
        "--came", "Sam", "--came", "kai",
        "--facilitator", "Kai",
        "-a", "experience=Work was heavy this week",
        "-a", "felt=4",
    )  # fmt: skip
    assert "3 of you came, Kai facilitated this time." in result.stdout
    assert "2 of 5 questions answered; private: only you see it" in result.stdout
    (held,) = shown(circle)["sessions"]
    assert held["came"] == ["Ana", "Kai", "Sam"]
    assert held["facilitator"] == "Kai"
    assert held["visibility"] == PRIVATE
    rounds = json.loads(circle("reflections", "--json").stdout)
    assert [r["id"] for r in rounds] == [held["round_id"]]
    assert held["round_visibility"] == PRIVATE
    assert [a["value"] for a in rounds[0]["answers"]] == ["Work was heavy this week", 4]
    assert group_ids_of(home, "reflection") == [shown(circle)["id"]]


def test_a_session_without_a_round_is_still_a_session(circle: Invoke) -> None:
    result = session(circle, "--came", "Noor", "--no-round")
    assert "2 of you came, no facilitator noted." in result.stdout
    assert "Your round" not in result.stdout
    (held,) = shown(circle)["sessions"]
    assert held["round_id"] is None
    assert json.loads(circle("reflections", "--json").stdout) == []


def test_a_shared_round_says_truthfully_where_it_goes(circle: Invoke) -> None:
    result = session(circle, "--came", "Noor", "-a", "take-away=Patience", "--shared")
    assert "shared with Tuesday circle: it goes into your exports" in result.stdout
    assert shown(circle)["sessions"][0]["visibility"] == "shared"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "Who came? A session needs at least one other member there."),
        (["--came", "Ana"], "Who came?"),
        (["--came", "Kim"], "Kim is not in Tuesday circle."),
        (["--came", "Kai", "--facilitator", "Noor"], "Noor facilitated, but is not among who came."),
        (["--came", "Kai", "--facilitator", "Kim"], "Kim is not in Tuesday circle."),
        (["--came", "Kai", "--no-round", "-a", "felt=3"], "--no-round leaves your round out"),
        (["--came", "Kai", "-a", "felt=9"], "a number from 1 to 5"),
        (["--came", "Kai", "--pack", "no-such-pack", "-a", "x=1"], "no-such-pack"),
        (
            ["--came", "Kai", "--at", "2099-01-01"],
            "is still to come, and a session is recorded once it has happened",
        ),
    ],
    ids=[
        "nobody",
        "only-you",
        "unknown",
        "absent-facilitator",
        "unknown-facilitator",
        "no-round",
        "bad-answer",
        "pack",
        "future",
    ],
)
def test_a_session_that_cannot_be_saved_is_refused_and_nothing_changes(
    circle: Invoke, home: Path, args: list[str], says: str
) -> None:
    before = group_rows(home)
    result = circle("group", "session", CIRCLE, *args)
    refused_cleanly(result)
    assert says in result.stderr
    assert group_rows(home) == before


def test_a_member_who_left_cannot_be_recorded_as_coming(circle: Invoke, home: Path) -> None:
    assert circle("group", "join", CIRCLE, "-m", "Lee").exit_code == 0
    assert circle("group", "leave", CIRCLE, "-m", "Sam").exit_code == 0
    before = group_rows(home)
    refused_cleanly(circle("group", "session", CIRCLE, "--came", "Sam"))
    assert group_rows(home) == before


def test_the_facilitator_suggested_rotates_so_nobody_leads_for_good(circle: Invoke) -> None:
    everyone = ["--came", "Sam", "--came", "Kai", "--came", "Noor", "--no-round"]
    facilitated = []
    for day in range(8):
        suggested = shown(circle)["next_facilitator"]
        facilitated.append(suggested)
        session(circle, *everyone, "--facilitator", suggested, "--at", f"{8 - day}d")
    # Every member has a turn before anyone has a second, and the turns come round in the same order.
    assert sorted(facilitated[:4]) == ["Ana", "Kai", "Noor", "Sam"]
    assert facilitated[4:] == facilitated[:4]


def test_the_suggestion_is_among_who_came_and_says_so_after_saving(circle: Invoke) -> None:
    session(
        circle, "--came", "Sam", "--came", "Kai", "--came", "Noor", "-f", "Ana", "--no-round", "--at", "3d"
    )
    session(
        circle, "--came", "Sam", "--came", "Kai", "--came", "Noor", "-f", "Kai", "--no-round", "--at", "2d"
    )
    # Noor and Sam have not facilitated yet; with only Sam and Kai there, Sam is suggested.
    result = session(circle, "--came", "Kai", "--came", "Sam", "-f", "Sam", "--no-round", "--at", "1d")
    assert "Next time peerlog suggests Noor to facilitate" in result.stdout
    assert shown(circle)["next_facilitator"] == "Noor"


def test_you_facilitating_is_offered_the_facilitators_check(circle: Invoke) -> None:
    result = session(circle, "--came", "Kai", "-f", "ana", "--no-round")
    assert "you facilitated" in result.stdout
    assert '`peerlog reflect --group "Tuesday circle" --pack facilitator-check`' in result.stdout


def test_a_members_private_session_and_round_are_never_shown_or_counted(circle: Invoke, home: Path) -> None:
    # As if Kai's own records had reached this journal: private ones must stay as if they were not here.
    with journal_session(home) as s:
        people = {p.name: p for p in s.exec(select(Person))}
        kai = people["Kai"]
        add_group_session(
            s, group=CIRCLE, author=kai, came=[kai, people["Noor"]], at=days_ago(2), facilitator=kai,
            visibility=PRIVATE,
        )  # fmt: skip
        add_group_session(
            s, group=CIRCLE, author=kai, came=[kai, people["Sam"]], at=days_ago(1), facilitator=people["Sam"]
        )
        secret = add_reflection(
            s, author=kai, pair=None, at=days_ago(1), answers=[("Q?", "text", "KAI-PRIVATE-ROUND")],
            visibility=PRIVATE,
        )  # fmt: skip
    group = shown(circle)
    assert group["sessions_held"] == 1
    assert [s["facilitator"] for s in group["sessions"]] == ["Sam"]
    # Kai's private turn does not count in the rotation either: Kai has not facilitated as far as you know.
    assert group["next_facilitator"] == "Ana"
    assert "Kai" in circle("group", "show", CIRCLE).stdout.split("Up next:")[1].split("\n")[0]
    assert "KAI-PRIVATE-ROUND" not in circle("reflections").stdout
    assert secret.id not in circle("group", "show", CIRCLE, "--json").stdout


# ---------------------------------------------------------------- check-ins and reflections in a group


def test_checkin_and_reflect_with_group_belong_to_the_group(circle: Invoke, home: Path) -> None:
    checked = circle("checkin", "--group", "tues", "--note", "A warm circle", "--win", "Spoke up")
    assert checked.exit_code == 0, checked.output
    assert "in Tuesday circle (private: only you see it). 1 win noted." in checked.stdout
    reflected = circle("reflect", "--group", "tues", "--pack", "group-closing", "-a", "take-away=Patience")
    assert reflected.exit_code == 0, reflected.output
    assert "in Tuesday circle (1 of 4 questions answered; private: only you see it)" in reflected.stdout
    group_id = shown(circle)["id"]
    assert group_ids_of(home, "checkin") == [group_id]
    assert group_ids_of(home, "reflection") == [group_id]
    # A group entry is in no pair: never part of what you share with Sam.
    assert json.loads(circle("log", "--json").stdout)[0]["pair"] is None


def test_a_group_checkin_moved_to_a_pair_leaves_the_group(circle: Invoke, home: Path) -> None:
    assert circle("checkin", "--group", "tues", "--note", "Meant for Sam").exit_code == 0
    entry = json.loads(circle("log", "--json").stdout)[0]["id"]
    moved = circle("edit", entry, "--pair", "Sam")
    assert moved.exit_code == 0, moved.output
    assert group_ids_of(home, "checkin") == [None]
    assert json.loads(circle("log", "--json").stdout)[0]["pair"] == "Sam"


@pytest.mark.parametrize(
    "args",
    [
        ["checkin", "--group", CIRCLE, "--pair", "Sam", "--note", "Both?"],
        ["reflect", "--group", CIRCLE, "--pair", "Sam", "-a", "felt=Calm"],
    ],
    ids=["checkin", "reflect"],
)
def test_an_entry_is_in_a_pair_or_a_group_never_both(circle: Invoke, home: Path, args: list[str]) -> None:
    before = group_rows(home)
    result = circle(*args)
    refused_cleanly(result)
    assert "An entry belongs to a pair or to a group, not both" in result.stderr
    assert group_rows(home) == before


@pytest.mark.parametrize(
    "args",
    [
        ["checkin", "--group", "Thursday", "--note", "Hi"],
        ["reflect", "--group", "Thursday", "-a", "felt=Calm"],
    ],
    ids=["checkin", "reflect"],
)
def test_checkin_and_reflect_refuse_an_unknown_group(circle: Invoke, home: Path, args: list[str]) -> None:
    before = group_rows(home)
    result = circle(*args)
    refused_cleanly(result)
    assert "You have no group called 'Thursday'" in result.stderr
    assert group_rows(home) == before


# ---------------------------------------------------------------- packs and the screen


def test_the_group_packs_ask_the_questions_of_a_circle_and_every_one_can_be_skipped(invoke: Invoke) -> None:
    catalog = load_catalog(None)
    texts = {
        name: [p.text for p in catalog.get(name).prompts]
        for name in ("group-opening", "group-closing", "facilitator-check")
    }
    assert "What do you take away?" in texts["group-closing"]
    assert "Did everyone who wanted to speak get the chance?" in texts["facilitator-check"]
    assert texts["group-opening"]
    root = Path(__file__).resolve().parent.parent / "prompts"
    for name in ("group-opening", "group-closing", "facilitator-check"):
        checked = invoke("prompts", "validate", str(root / f"{name}.toml"))
        assert checked.exit_code == 0, checked.output
        # Wording: offered, never directed.
        words = " ".join(texts[name]).casefold()
        assert not any(w in words for w in ("should", "must", "failed", "wrong"))


@pytest.mark.parametrize("columns", ["80", "120"])
def test_group_show_fits_the_screen_and_never_counts_people_against_each_other(
    circle: Invoke, columns: str
) -> None:
    long_agreement = (
        "We listen first, we speak from our own experience, and what is shared here stays here. " * 3
    )
    assert circle("group", "set", CIRCLE, "--agreement", long_agreement).exit_code == 0
    for day in range(3):
        session(
            circle,
            "--came",
            "Sam",
            "--came",
            "Kai",
            "--came",
            "Noor",
            "-f",
            "Kai",
            "--no-round",
            "--at",
            f"{day + 1}d",
        )
    assert circle("group", "join", CIRCLE, "-m", "Lee").exit_code == 0
    assert circle("group", "leave", CIRCLE, "-m", "Noor").exit_code == 0
    text = circle("group", "show", CIRCLE, env={"COLUMNS": columns}).stdout
    assert max(len(line) for line in text.splitlines()) <= int(columns)
    assert "Up next: you, then Lee, Sam, Kai" in text
    assert "Were part of it" in text and "Noor" in text.split("Were part of it")[1]
    assert "Sessions: 3" in text
    assert "came: you, Kai, Noor, Sam" in text
    assert "Kai facilitated this time" in text and "lead" not in text
    # No per-person tallies: a name is never followed by a number of times.
    assert "times" not in text


# ---------------------------------------------------------------- at a terminal


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("groups", "checkins", "reflect"):
        monkeypatch.setattr(f"peerlog.cli.{module}.is_interactive", lambda: True)


def test_a_session_at_a_terminal_asks_who_came_who_facilitated_and_your_round(
    circle: Invoke, terminal: None
) -> None:
    keys = (
        " " + DOWN + DOWN + " " + ENTER  # Kai and Sam came
        + "2" + ENTER  # facilitator: "you" first (suggested), then Kai, then Sam
        + "Heard a lot" + FINISH
        + ENTER  # challenge: skipped
        + ENTER  # resonated: skipped
        + "Patience" + ENTER
        + "4" + ENTER
    )  # fmt: skip
    with typed(keys):
        result = circle("group", "session", CIRCLE)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())  # wrapped to the terminal between words
    assert "Group session round: " in said and "Every question can be skipped." in said
    assert "3 of you came, Kai facilitated this time." in result.stdout
    (held,) = shown(circle)["sessions"]
    assert held["came"] == ["Ana", "Kai", "Sam"] and held["facilitator"] == "Kai"
    (saved,) = json.loads(circle("reflections", "--json").stdout)
    assert saved["id"] == held["round_id"]
    assert [(a["prompt_id"], a["value"]) for a in saved["answers"]] == [
        ("experience", "Heard a lot"),
        ("take-away", "Patience"),
        ("felt", 4),
    ]


def test_a_session_at_a_terminal_can_skip_the_facilitator_and_every_question_of_the_round(
    circle: Invoke, terminal: None
) -> None:
    with typed(ENTER + ENTER * 5):
        result = circle("group", "session", CIRCLE, "--came", "Noor")
    assert result.exit_code == 0, result.output
    assert "No round this time; the session is still saved." in result.stdout
    assert "2 of you came, no facilitator noted." in result.stdout
    assert shown(circle)["sessions"][0]["round_id"] is None


def test_ctrl_c_during_a_session_saves_nothing(circle: Invoke, home: Path, terminal: None) -> None:
    before = group_rows(home)
    with typed(" " + ENTER + "1" + ENTER + "Heard" + FINISH + CTRL_C):
        result = circle("group", "session", CIRCLE)
    assert result.exit_code == 130
    assert result.stderr.strip() == "peerlog: Stopped. Nothing was saved."
    assert group_rows(home) == before


def test_checkin_with_group_at_a_terminal_asks_the_daily_pack_without_asking_for_a_pair(
    circle: Invoke, home: Path, terminal: None
) -> None:
    with typed("4" + ENTER + "A warm circle" + ENTER + ENTER + ENTER + ENTER + "y" + ENTER):
        result = circle("checkin", "--group", CIRCLE)
    assert result.exit_code == 0, result.output
    assert "shared with Tuesday circle: it goes into your exports" in result.stdout
    (saved,) = json.loads(circle("log", "--json").stdout)
    assert (saved["mood"], saved["note"], saved["pair"], saved["visibility"]) == (
        4,
        "A warm circle",
        None,
        "shared",
    )
    assert group_ids_of(home, "checkin") == [shown(circle)["id"]]


def test_reflect_with_group_at_a_terminal_asks_the_pack_without_asking_for_a_pair(
    circle: Invoke, home: Path, terminal: None
) -> None:
    with typed("Patience" + FINISH + ENTER + ENTER + ENTER):
        result = circle("reflect", "--group", CIRCLE, "--pack", "group-closing", "--no-hints")
    assert result.exit_code == 0, result.output
    (saved,) = json.loads(circle("reflections", "--json").stdout)
    assert [(a["prompt_id"], a["value"]) for a in saved["answers"]] == [("take-away", "Patience")]
    assert group_ids_of(home, "reflection") == [shown(circle)["id"]]


def test_a_round_keeps_its_own_visibility_and_a_deleted_one_is_no_longer_named(circle: Invoke) -> None:
    session(circle, "--came", "Kai", "-a", "take-away=Patience")
    round_id = shown(circle)["sessions"][0]["round_id"]
    assert circle("edit", round_id[:8], "--shared").exit_code == 0
    assert shown(circle)["sessions"][0]["round_visibility"] == "shared"
    assert "(shared with the group)" in circle("group", "show", CIRCLE).stdout
    assert circle("delete", round_id[:8], "--yes").exit_code == 0
    (held,) = shown(circle)["sessions"]
    assert held["round_id"] is None and held["came"] == ["Ana", "Kai"]
    assert round_id[:8] not in circle("group", "show", CIRCLE).stdout


def test_show_lists_the_latest_sessions_and_json_lists_them_all(circle: Invoke) -> None:
    for day in range(11):
        session(circle, "--came", "Kai", "--no-round", "--at", f"{day + 1}d")
    text = circle("group", "show", CIRCLE).stdout
    assert "Sessions: 11 (the latest 10 below; `--json` lists them all)" in text
    assert len(shown(circle)["sessions"]) == 11


def test_a_shared_group_entry_never_goes_into_a_pair_bundle_even_to_a_member(
    circle: Invoke, sam: Invoke, tmp_path: Path
) -> None:
    # Sam is in the group and your pair: what is shared with the group is not Sam's alone to receive.
    assert circle("checkin", "--group", CIRCLE, "--note", "GROUP-ONLY-NOTE", "--shared").exit_code == 0
    session(circle, "--came", "Sam", "-a", "take-away=GROUP-ONLY-ROUND", "--shared")
    assert circle("checkin", "--pair", "Sam", "--note", "Pair note", "--shared").exit_code == 0
    bundle = tmp_path / "bundle.json"
    assert circle("share", "--pair", "sam", "--output", str(bundle)).exit_code == 0
    imported = sam("import", str(bundle))
    assert imported.exit_code == 0, imported.output
    received = sam("log").stdout + sam("reflections").stdout
    assert "Pair note" in received
    assert "GROUP-ONLY" not in received


def test_a_check_in_in_a_group_asks_about_sharing_with_the_group_not_a_peer(
    circle: Invoke, terminal: None
) -> None:
    import io

    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=40, columns=120), term="xterm")
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
        pipe.send_text("3" + ENTER + "Calm" + ENTER + ENTER + ENTER + ENTER + ENTER)
        pipe.close()
        assert circle("checkin", "--group", CIRCLE).exit_code == 0
    shown_on_screen = screen.getvalue()
    assert "Mark it shared with Tuesday circle?" in shown_on_screen
    assert "share with your peer" not in shown_on_screen


def test_at_a_terminal_the_facilitator_is_offered_among_who_came_as_typed(
    circle: Invoke, terminal: None
) -> None:
    # --came with the start of a name: Sam is offered; "1" picks the first offered, the one suggested.
    session(circle, "--came", "Kai", "--came", "Noor", "-f", "Ana", "--no-round", "--at", "2d")
    with typed("1" + ENTER):
        result = circle("group", "session", CIRCLE, "--came", "sa", "--no-round")
    assert result.exit_code == 0, result.output
    assert shown(circle)["sessions"][0]["facilitator"] == "Sam"


# ---------------------------------------------------------------- one name, one thing


def named_rows(home: Path) -> dict[str, list[str]]:
    """People, pairs and groups with their members, as stored: equal before and after a refusal."""
    import sqlite3

    with sqlite3.connect(home / "peerlog.db") as conn:
        found = {
            table: sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"')))
            for table in ("person", "pair", "peer_group", "group_member")
        }
    conn.close()
    return found


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["pair", "add", "tuesday circle"],
            "'tuesday circle' is already the name of your group Tuesday circle.",
        ),
        (["person", "rename", "Kai", "Tuesday Circle"], "is already the name of your group Tuesday circle."),
        (["init", "--name", "Tuesday circle"], "is already the name of your group Tuesday circle."),
        (
            ["group", "join", CIRCLE, "-m", "tuesday circle"],
            "is already the name of your group Tuesday circle.",
        ),
        (
            ["group", "add", "Friends", "-m", "Lee", "-m", CIRCLE],
            "is already the name of your group Tuesday circle.",
        ),
        (
            ["group", "add", "Pals", "-m", "Lee", "-m", "pals"],
            "'Pals' cannot be both the group's name and a member's.",
        ),
        (
            ["group", "add", "kai", "-m", "Lee", "-m", "Mo"],
            "Someone in your journal is already called 'Kai'.",
        ),
        (["group", "rename", CIRCLE, "Noor"], "Someone in your journal is already called 'Noor'."),
    ],
    ids=[
        "pair-add",
        "person-rename",
        "init",
        "join",
        "member",
        "group-and-member",
        "group-add",
        "group-rename",
    ],
)
def test_a_person_never_takes_a_groups_name_nor_a_group_a_persons(
    circle: Invoke, home: Path, args: list[str], says: str
) -> None:
    refused_and_unchanged(circle, home, args, says, named_rows)


def test_a_peer_can_be_renamed_to_their_own_name_in_another_case_and_groups_do_not_mind(
    circle: Invoke,
) -> None:
    assert circle("person", "rename", "Kai", "KAI").exit_code == 0
    assert circle("pair", "add", "Tuesday").exit_code == 0  # the start of a group's name is a name of its own


# ---------------------------------------------------------------- who was a member then


def test_a_past_session_is_checked_against_who_was_a_member_then(circle: Invoke, home: Path) -> None:
    assert circle("group", "leave", CIRCLE, "-m", "Noor").exit_code == 0
    assert circle("group", "join", CIRCLE, "-m", "Lee").exit_code == 0
    # Noor has left since, but was there two days ago, and may have facilitated.
    session(circle, "--came", "Noor", "--came", "Kai", "-f", "Noor", "--no-round", "--at", "2d")
    held = shown(circle)["sessions"][0]
    assert held["came"] == ["Ana", "Kai", "Noor"] and held["facilitator"] == "Noor"
    before = group_rows(home)
    # Lee joined today: not at a session two days ago, as one who came or who facilitated.
    for args in (["--came", "Lee"], ["--came", "Kai", "-f", "Lee"]):
        result = circle("group", "session", CIRCLE, *args, "--no-round", "--at", "2d")
        refused_cleanly(result)
        assert "Lee joined Tuesday circle on " in result.stderr
        assert "after this session on " in result.stderr
        assert "Members then: Kai, Noor, Sam." in result.stderr
    # Today, the other way round.
    result = circle("group", "session", CIRCLE, "--came", "Noor", "--no-round")
    refused_cleanly(result)
    assert "Noor left Tuesday circle on " in result.stderr and "before this session" in result.stderr
    assert group_rows(home) == before
    session(circle, "--came", "Lee", "--no-round")


def test_at_a_terminal_a_past_session_offers_who_was_a_member_then(circle: Invoke, terminal: None) -> None:
    assert circle("group", "leave", CIRCLE, "-m", "Noor").exit_code == 0
    assert circle("group", "join", CIRCLE, "-m", "Lee").exit_code == 0
    # Who came: Kai, Noor, Sam (Lee joined later); Space picks Noor, the second.
    with typed(DOWN + " " + ENTER + ENTER):
        result = circle("group", "session", CIRCLE, "--no-round", "--at", "2d")
    assert result.exit_code == 0, result.output
    assert shown(circle)["sessions"][0]["came"] == ["Ana", "Noor"]
