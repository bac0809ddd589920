"""Groups in exports: a whole export and `restore` carry them, and `export --group` tells one group's story."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlmodel import select

from peerlog.models import Feedback, Group, Person
from peerlog.people import name_key
from support import (
    Invoke,
    add_group_session,
    counts,
    journal_session,
    load_json,
    own_code,
    refused_cleanly,
)
from test_export_markdown import PARSER, inline_text

CIRCLE = "Tuesday circle"
CLUB = "Book club"
EVENING = timezone(timedelta(hours=1))


def ok(result: Any) -> Any:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _person(session: Any, name: str) -> Person:
    return session.exec(select(Person).where(Person.name_key == name_key(name))).one()


def _feedback_in_group(
    home: Path, *, author: str, recipient: str, message: str, at: datetime, visibility: str = "shared"
) -> None:
    """Feedback given in the circle (no pair), as `feedback --group` stores it."""
    with journal_session(home) as session:
        group = session.exec(select(Group).where(Group.name_key == name_key(CIRCLE))).one()
        session.add(
            Feedback(
                group_id=group.id,
                author_id=_person(session, author).id,
                recipient_id=_person(session, recipient).id,
                kind="appreciation",
                message=message,
                at=at.astimezone(UTC),
                utc_offset=60,
                visibility=visibility,
            )
        )


@pytest.fixture
def circle(journal: Invoke, home: Path) -> Invoke:
    """Ana's journal with two groups: the Tuesday circle (Noor left and came back; shared and private rounds,
    sessions other members recorded, feedback given in the circle) and a book club that has ended."""
    ok(journal("group", "add", CIRCLE, "-m", "Sam", "-m", "Kai", "-m", "Noor", "--agreement", "What is said here stays here"))  # fmt: skip
    ok(journal("group", "add", CLUB, "-m", "Kai", "-m", "Lee"))
    ok(journal("group", "end", CLUB))
    ok(journal(
        "group", "session", CIRCLE, "--came", "Sam", "--came", "Kai", "-f", "Kai",
        "-a", "experience=A heavy week at work", "--shared", "--at", "2026-11-03T18:00+01:00",
    ))  # fmt: skip
    ok(journal(
        "group", "session", CIRCLE, "--came", "Noor", "--came", "Sam", "-f", "Ana",
        "-a", "experience=Only for me", "--at", "2026-11-10T18:00+01:00",
    ))  # fmt: skip
    ok(journal("group", "leave", CIRCLE, "-m", "Noor"))
    ok(journal("group", "join", CIRCLE, "-m", "Noor"))
    ok(journal("checkin", "--group", CIRCLE, "--note", "Said it out loud", "--win", "Spoke first", "--shared", "--at", "2026-11-11T09:00+01:00"))  # fmt: skip
    ok(journal("checkin", "--group", CIRCLE, "--note", "Still thinking", "--at", "2026-11-12T09:00+01:00"))
    with journal_session(home) as session:
        kai, sam = _person(session, "Kai"), _person(session, "Sam")
        me = session.exec(select(Person).where(Person.is_self == True)).one()  # noqa: E712
        at = datetime(2026, 11, 17, 18, tzinfo=EVENING)
        add_group_session(session, group=CIRCLE, author=kai, came=[kai, me, sam], at=at, facilitator=sam)
        add_group_session(
            session, group=CIRCLE, author=kai, came=[kai, me], at=at + timedelta(days=1), visibility="private"
        )
    moment = datetime(2026, 11, 17, 19, 30, tzinfo=EVENING)
    _feedback_in_group(
        home, author="Ana", recipient="Kai", message="Thank you for holding the space", at=moment
    )
    _feedback_in_group(home, author="Kai", recipient="Ana", message="Your story helped me", at=moment)
    return journal


def views(invoke: Invoke, **kw: Any) -> dict[str, str]:
    """What a person reads about their groups and what they wrote in them."""
    shown = {
        "list": ok(invoke("group", "list", **kw)).stdout,
        "list json": ok(invoke("group", "list", "--json", **kw)).stdout,
        "log": ok(invoke("log", **kw)).stdout,
        "log json": ok(invoke("log", "--json", **kw)).stdout,
        "reflections": ok(invoke("reflections", **kw)).stdout,
        "reflections json": ok(invoke("reflections", "--json", **kw)).stdout,
    }
    for name in (CIRCLE, CLUB):
        shown[name] = ok(invoke("group", "show", name, **kw)).stdout
        shown[name + " json"] = ok(invoke("group", "show", name, "--json", **kw)).stdout
    return shown


# ---------------------------------------------------------------- a whole export and restore


def test_restoring_a_whole_export_brings_back_every_group_exactly(circle: Invoke, tmp_path: Path) -> None:
    everything = tmp_path / "everything.json"
    exported = ok(circle("export", "--format", "json", "--include-private", "--output", str(everything)))
    assert "not in exports" not in exported.stdout
    data = load_json(everything)
    assert sorted(g["name"] for g in data["groups"]) == [CLUB, CIRCLE]
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    restored = ok(circle("restore", str(everything), env=laptop))
    assert "2 groups" in restored.stdout and "3 group sessions" in restored.stdout
    assert views(circle, env=laptop) == views(circle)
    again = tmp_path / "again.json"
    ok(circle("export", "--format", "json", "--include-private", "--output", str(again), env=laptop))
    old_code, new_code = own_code(circle), own_code(circle, env=laptop)
    assert again.read_text() == everything.read_text().replace(old_code, new_code)
    assert not ok(circle("restore", str(everything), env=laptop)).stdout.startswith("Restored")


def test_a_whole_export_holds_members_stretches_sessions_and_every_entrys_group(
    circle: Invoke, tmp_path: Path
) -> None:
    data = json.loads(ok(circle("export", "--format", "json", "--include-private")).stdout)
    names = {p["id"]: p["name"] for p in data["people"]}
    (tuesday,) = [g for g in data["groups"] if g["name"] == CIRCLE]
    stretches = [(names[m["person_id"]], m["left_at"] is None) for m in tuesday["members"]]
    assert sorted(stretches) == [
        ("Ana", True), ("Kai", True), ("Noor", False), ("Noor", True), ("Sam", True)
    ]  # fmt: skip
    assert tuesday["agreement"] == "What is said here stays here"
    assert "role" not in json.dumps(data["groups"]) and "leader" not in json.dumps(data["groups"])
    (club,) = [g for g in data["groups"] if g["name"] == CLUB]
    assert club["ended_at"] is not None
    sessions = data["group_sessions"]
    # Kai's private session stays in Kai's journal; the three Ana may see travel, rounds and who came.
    assert len(sessions) == 3
    facilitated = sorted(names.get(s["facilitator_id"], "-") for s in sessions)
    assert facilitated == ["Ana", "Kai", "Sam"]
    assert all(s["group_id"] == tuesday["id"] for s in sessions)
    assert {names[p] for s in sessions for p in s["attendance"]} == {"Ana", "Kai", "Noor", "Sam"}
    rounds = {s["round_id"] for s in sessions if s["round_id"]}
    assert rounds <= {r["id"] for r in data["reflections"]} and len(rounds) == 2
    assert {c["note"]: c["group_id"] for c in data["checkins"]} == {
        "Said it out loud": tuesday["id"],
        "Still thinking": tuesday["id"],
    }
    feedback = {f["message"]: (f["pair_id"], f["group_id"]) for f in data["feedback"]}
    assert feedback == {
        "Thank you for holding the space": (None, tuesday["id"]),
        "Your story helped me": (None, tuesday["id"]),
    }


def test_restoring_a_newer_copy_of_a_group_replaces_the_older_one_after_asking(
    circle: Invoke, tmp_path: Path
) -> None:
    first, later = tmp_path / "first.json", tmp_path / "later.json"
    ok(circle("export", "--format", "json", "--include-private", "--output", str(first)))
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    ok(circle("restore", str(first), env=laptop))
    ok(circle("group", "rename", CIRCLE, "Thursday circle"))
    ok(circle("group", "leave", "Thursday circle", "-m", "Noor"))
    ok(circle("export", "--format", "json", "--include-private", "--output", str(later)))
    asked = circle("restore", str(later), env=laptop)
    assert asked.exit_code == 1
    assert f"replace your group {CIRCLE} with the file's newer versions" in asked.stdout
    ok(circle("restore", str(later), "--yes", env=laptop))
    for view in (["group", "show", "Thursday circle", "--json"], ["group", "list"]):
        assert ok(circle(*view, env=laptop)).stdout == ok(circle(*view)).stdout


def test_a_file_from_before_groups_still_restores(journal: Invoke, tmp_path: Path) -> None:
    ok(journal("checkin", "--pair", "sam", "--note", "Before groups", "--shared"))
    data = json.loads(ok(journal("export", "--format", "json", "--include-private")).stdout)
    del data["groups"], data["group_sessions"], data["scope"]["group_id"]
    for entry in data["checkins"]:
        del entry["group_id"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**data, "version": 2}), encoding="utf-8")
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    assert "1 check-in added" in ok(journal("restore", str(old), env=laptop)).stdout
    assert ok(journal("group", "list", "--json", env=laptop)).stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["groups"][0]["members"][0].update(person_id="0" * 8 + "-0000-4000-8000-" + "0" * 12),
            "groups[0].members[0].person_id: names a person that is not in this file",
        ),
        (
            lambda d: d["checkins"][0].update(group_id="0" * 8 + "-0000-4000-8000-" + "0" * 12),
            "checkins[0].group_id: names a group that is not in this file",
        ),
        (
            lambda d: d["checkins"][0].update(pair_id=d["pairs"][0]["id"]),
            "checkins[0].group_id: must be null when pair_id is given",
        ),
        (
            lambda d: d["group_sessions"][0].update(attendance=["someone"]),
            "group_sessions[0].attendance[0]: must be the id of one of the file's people, not 'someone'",
        ),
        (
            lambda d: d["groups"][0]["members"].append(dict(d["groups"][0]["members"][0])),
            "overlaps another stretch of the same person",
        ),
    ],
    ids=["unknown member", "unknown group", "pair and group", "bad attendance", "overlapping stretches"],
)
def test_a_bad_group_in_a_file_is_named_where_it_is_and_nothing_is_restored(
    circle: Invoke, tmp_path: Path, change: Any, message: str
) -> None:
    data = json.loads(ok(circle("export", "--format", "json", "--include-private")).stdout)
    data["groups"].sort(key=lambda g: g["name"] != CIRCLE)
    data["checkins"].sort(key=lambda c: c["group_id"] is None)
    change(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    laptop = tmp_path / "laptop"
    result = circle("restore", str(bad), env={"PEERLOG_HOME": str(laptop)})
    refused_cleanly(result)
    assert message in result.stderr
    assert not (laptop / "peerlog.db").exists() or counts(laptop)["checkin"] == 0


# ---------------------------------------------------------------- one group's story


def _structure(text: str) -> tuple[list[str], list[str]]:
    tokens = PARSER.parse(text)
    headings = [
        f"{t.tag} {inline_text(tokens[i + 1])}" for i, t in enumerate(tokens) if t.type == "heading_open"
    ]
    items = [inline_text(tokens[i + 2]) for i, t in enumerate(tokens) if t.type == "list_item_open"]
    return headings, items


def test_a_groups_story_in_markdown_has_the_group_its_sessions_and_what_was_shared(circle: Invoke) -> None:
    text = ok(circle("export", "--group", "tuesday")).stdout
    headings, items = _structure(text)
    assert headings[:5] == [
        f"h1 Peer journal: {CIRCLE}",
        f"h2 {CIRCLE}",
        "h3 Our agreement",
        "h3 Members",
        "h3 Sessions",
    ]
    assert "Includes shared entries only; private entries are left out." in text
    members = [i for i in items if i.split(",")[0] in ("Ana", "Kai", "Noor", "Sam")]
    assert [m.split(",")[0] for m in members] == ["Ana", "Kai", "Noor", "Sam"]
    (noor,) = [m for m in members if m.startswith("Noor")]
    assert " to " in noor and "; since " in noor, "both of Noor's stretches, in one line"
    sessions = [i for i in items if " · came: " in i]
    # Shared sessions only: Ana's private one and Kai's private one stay out.
    assert sessions == [
        "Tue 17 Nov 2026 18:00 · came: Ana, Kai, Sam · Sam facilitated",
        "Tue 3 Nov 2026 18:00 · came: Ana, Kai, Sam · Kai facilitated",
    ]
    assert "A heavy week at work" in text and "Said it out loud" in text
    assert "Your story helped me" in text and "Thank you for holding the space" in text
    for private in ("Only for me", "Still thinking"):
        assert private not in text
    # The group itself names nobody as "you" and gives nobody a role: each member's copy reads the same.
    group_part = text.split("## Week of")[0].lower()
    for word in ("you", "your", "leader", "lead", "host", "rank"):
        assert word not in group_part.replace(",", " ").replace(".", " ").split()
    assert CLUB not in text


def test_a_groups_story_with_private_entries_marks_them_as_a_pair_export_does(circle: Invoke) -> None:
    text = ok(circle("export", "--group", CIRCLE, "--include-private")).stdout
    assert "Includes shared and private entries (keep this file private)." in text
    _, items = _structure(text)
    assert "Tue 10 Nov 2026 18:00 · came: Ana, Noor, Sam · Ana facilitated (private)" in items
    assert "Only for me" in text and "Still thinking" in text
    # Another member's private session never leaves their journal, whatever the flag.
    assert "Wed 18 Nov 2026" not in text


def test_no_name_or_agreement_can_change_the_storys_structure(journal: Invoke) -> None:
    hostile = "# Circle *one* | <b>x</b>"
    ok(journal("group", "add", hostile, "-m", "Kai", "-m", "[Noor](x)", "--agreement", "> quoted\n- listed"))
    headings, items = _structure(ok(journal("export", "--group", hostile)).stdout)
    assert headings[:2] == [f"h1 Peer journal: {hostile}", f"h2 {hostile}"]
    assert any(i.startswith("[Noor](x), since") for i in items)


def test_a_groups_story_in_json_names_only_its_members_and_holds_only_its_entries(circle: Invoke) -> None:
    ok(circle("checkin", "--pair", "sam", "--note", "Just us two", "--shared"))
    data = json.loads(ok(circle("export", "--group", CIRCLE, "--format", "json")).stdout)
    assert [g["name"] for g in data["groups"]] == [CIRCLE]
    assert data["scope"]["group_id"] == data["groups"][0]["id"] and data["scope"]["pair_id"] is None
    assert sorted(p["name"] for p in data["people"]) == ["Ana", "Kai", "Noor", "Sam"]
    assert all(p.get("public_key") for p in data["people"] if p["name"] in ("Ana", "Sam"))
    assert data["pairs"] == [] and data["links"] == []
    assert [c["note"] for c in data["checkins"]] == ["Said it out loud"]
    assert len(data["group_sessions"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group", CIRCLE, "--pair", "sam"], "Choose --pair or --group"),
        (["--group", "Chess club"], "You have no group called 'Chess club'."),
        (["--group", "  "], "Which group? The group's name is empty."),
    ],
    ids=["with a pair", "unknown", "empty"],
)
def test_a_story_that_cannot_be_told_is_refused_in_one_line(
    circle: Invoke, tmp_path: Path, args: list[str], message: str
) -> None:
    output = tmp_path / "story.md"
    result = circle("export", *args, "--output", str(output))
    assert result.exit_code in (1, 2)
    assert result.stderr.startswith("peerlog: ") and len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert not output.exists()


# ---------------------------------------------------------------- importing a member's story


@pytest.fixture
def kai(circle: Invoke, tmp_path: Path) -> dict[str, str]:
    env = {"PEERLOG_HOME": str(tmp_path / "kai")}
    ok(circle("init", "--name", "Kai", env=env))
    return env


def test_a_members_story_imported_into_their_journal_tells_the_same_story(
    journal: Invoke, tmp_path: Path
) -> None:
    ok(
        journal(
            "group", "add", CIRCLE, "-m", "Sam", "-m", "Kai", "-m", "Noor", "--agreement", "Kind words only"
        )
    )
    ok(journal(
        "group", "session", CIRCLE, "--came", "Kai", "--came", "Noor", "-f", "Noor",
        "-a", "experience=Starting again", "--shared", "--at", "2026-11-03T18:00+01:00",
    ))  # fmt: skip
    ok(journal("group", "leave", CIRCLE, "-m", "Noor"))
    ok(journal("group", "join", CIRCLE, "-m", "Noor"))
    ok(journal("checkin", "--group", CIRCLE, "--note", "Glad to be back", "--win", "Came", "--shared"))
    story = tmp_path / "story.json"
    ok(journal("export", "--group", CIRCLE, "--format", "json", "--output", str(story)))
    kai = {"PEERLOG_HOME": str(tmp_path / "kai")}
    ok(journal("init", "--name", "Kai", env=kai))
    imported = ok(journal("import", str(story), env=kai))
    assert imported.stdout == (
        "Imported story.json from Ana: 1 group, 1 check-in, 1 reflection, 1 group session added. "
        "1 win among them. Lovely.\n"
        f'{CIRCLE} is one of your groups now: `peerlog group show "{CIRCLE}"` shows it.\n'
    )
    shown = json.loads(ok(journal("group", "show", CIRCLE, "--json", env=kai)).stdout)
    assert [(m["name"], m["is_you"], m["left_at"] is None) for m in shown["members"]] == [
        ("Kai", True, True), ("Ana", False, True), ("Noor", False, True), ("Sam", False, True),
        ("Noor", False, False),
    ]  # fmt: skip
    (held,) = shown["sessions"]
    assert (held["came"], held["facilitator"]) == (["Kai", "Ana", "Noor"], "Noor")
    assert (
        ok(journal("export", "--group", CIRCLE, env=kai)).stdout
        == ok(journal("export", "--group", CIRCLE)).stdout
    )
    again = ok(journal("import", str(story), env=kai))
    assert "nothing new; 3 already here" in again.stdout and "one of your groups" not in again.stdout
    retold = json.loads(ok(journal("export", "--group", CIRCLE, "--format", "json", env=kai)).stdout)
    original = load_json(story)
    assert retold["groups"][0]["id"] == original["groups"][0]["id"]
    for key in ("checkins", "reflections"):
        assert [e["id"] for e in retold[key]] == [e["id"] for e in original[key]]


def test_only_the_senders_own_shared_entries_and_sessions_come_in(
    circle: Invoke, tmp_path: Path, kai: dict[str, str]
) -> None:
    story = tmp_path / "story.json"
    ok(circle("export", "--group", CIRCLE, "--format", "json", "--include-private", "--output", str(story)))
    imported = ok(circle("import", str(story), env=kai))
    # Ana's private entries stay hers; what Kai wrote (feedback, a session) reaches Kai's journal from Kai.
    assert "1 group, 1 check-in, 1 reflection, 1 feedback note, 1 group session added" in imported.stdout
    assert "Left out 5 entries that were not theirs to share." in imported.stdout
    text = ok(circle("export", "--group", CIRCLE, env=kai)).stdout
    assert "Thank you for holding the space" in text and "Your story helped me" not in text
    assert "Only for me" not in text and "Still thinking" not in text


def test_a_story_only_a_group_member_may_take_in(circle: Invoke, tmp_path: Path) -> None:
    story = tmp_path / "story.json"
    ok(circle("export", "--group", CIRCLE, "--format", "json", "--output", str(story)))
    lee = {"PEERLOG_HOME": str(tmp_path / "lee")}
    ok(circle("init", "--name", "Lee", env=lee))
    refused = circle("import", str(story), env=lee)
    refused_cleanly(refused)
    assert "you are not among its members; nothing was imported" in refused.stderr
    assert ok(circle("group", "list", "--json", env=lee)).stdout.strip() == "[]"
    refused_cleanly(circle("import", str(story)))
    with_pair = circle("import", str(story), "--pair", "sam", env=lee)
    refused_cleanly(with_pair)
    assert "--pair is not needed" in with_pair.stderr


def test_a_later_story_lands_in_the_same_group_and_brings_who_left(
    circle: Invoke, tmp_path: Path, kai: dict[str, str]
) -> None:
    first, later = tmp_path / "first.json", tmp_path / "later.json"
    ok(circle("export", "--group", CIRCLE, "--format", "json", "--output", str(first)))
    ok(circle("import", str(first), env=kai))
    ok(circle("group", "rename", CIRCLE, "Evening circle"))
    ok(circle("group", "leave", "Evening circle", "-m", "Noor"))
    ok(circle("checkin", "--group", "evening", "--note", "One more", "--shared"))
    ok(circle("export", "--group", "evening", "--format", "json", "--output", str(later)))
    result = ok(circle("import", str(later), env=kai))
    assert "1 check-in added" in result.stdout
    # Kai's journal keeps its own name for the group; who left is a fact that travels.
    shown = json.loads(ok(circle("group", "show", CIRCLE, "--json", env=kai)).stdout)
    assert [m["name"] for m in shown["members"] if m["left_at"] is None] == ["Kai", "Ana", "Sam"]
    assert len(json.loads(ok(circle("group", "list", "--json", env=kai)).stdout)) == 1


# ---------------------------------------------------------------- the installed command


@pytest.mark.slow
def test_the_console_script_exports_a_groups_story_and_a_member_imports_it(tmp_path: Path) -> None:
    script = str(Path(sys.executable).with_name("peerlog"))

    def run(home: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PEERLOG_HOME": str(tmp_path / home)}
        env.pop("PEERLOG_DB", None)
        done = subprocess.run(
            [script, *args], capture_output=True, text=True, env=env, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        return done

    run("ana", "init", "--name", "Ana")
    run("ana", "group", "add", CIRCLE, "-m", "Sam", "-m", "Kai")
    run("ana", "checkin", "--group", CIRCLE, "--note", "From the circle", "--shared")
    story = tmp_path / "story.json"
    run("ana", "export", "--group", CIRCLE, "--format", "json", "--output", str(story))
    run("kai", "init", "--name", "Kai")
    assert "1 group, 1 check-in added" in run("kai", "import", str(story)).stdout
    assert run("kai", "export", "--group", CIRCLE).stdout == run("ana", "export", "--group", CIRCLE).stdout


# ---------------------------------------------------------------- whom a story is taken from


def test_a_plain_story_from_a_member_whose_key_you_hold_is_refused_as_a_plain_bundle_is(
    circle: Invoke, tmp_path: Path, kai: dict[str, str]
) -> None:
    story = tmp_path / "story.json"
    ok(circle("export", "--group", CIRCLE, "--format", "json", "--output", str(story)))
    ok(circle("pair", "add", "Ana", "--key", own_code(circle), env=kai))
    refused = circle("import", str(story), env=kai)
    refused_cleanly(refused)
    assert (
        f"This is a plain story of {CIRCLE}, and your journal holds Ana's key, so only bundles sealed by Ana "
        "are taken; nothing was imported." in refused.stderr
    )
    assert f'Ask Ana to share again with `peerlog share --group "{CIRCLE}"`, which seals it to you.' in (
        refused.stdout + refused.stderr
    )
    assert ok(circle("group", "list", "--json", env=kai)).stdout.strip() == "[]"
    assert [p["peer"] for p in json.loads(ok(circle("pair", "list", "--json", env=kai)).stdout)] == ["Ana"]


def test_a_story_never_brings_what_you_or_another_member_wrote_whatever_it_claims(
    circle: Invoke, tmp_path: Path, kai: dict[str, str]
) -> None:
    story = tmp_path / "story.json"
    ok(circle("export", "--group", CIRCLE, "--format", "json", "--output", str(story)))
    told = load_json(story)
    ids = {p["name"]: p["id"] for p in told["people"]}
    (checkin,) = told["checkins"]
    # The same shared check-in, twice more under new ids: once as if Kai wrote it, once as if Sam did.
    for who, note in (("Kai", "Words put in my mouth"), ("Sam", "Words put in Sam's mouth")):
        told["checkins"].append(
            {**checkin, "id": str(uuid4()), "author_id": ids[who], "note": note, "wins": []}
        )
    story.write_text(json.dumps(told))
    imported = ok(circle("import", str(story), env=kai))
    # Kai's own feedback and session in the circle, and the two check-ins claimed for Kai and Sam.
    assert "1 check-in, 1 reflection" in imported.stdout
    assert "Left out 4 entries that were not theirs to share." in imported.stdout
    text = ok(circle("export", "--group", CIRCLE, env=kai)).stdout
    assert "Said it out loud" in text
    assert "Words put in" not in text


def test_someone_new_from_a_story_never_takes_the_name_of_one_of_your_groups(
    circle: Invoke, tmp_path: Path, kai: dict[str, str]
) -> None:
    story = tmp_path / "story.json"
    ok(circle("export", "--group", CIRCLE, "--format", "json", "--output", str(story)))
    ok(circle("group", "add", "Noor", "-m", "Lee", "-m", "Max", env=kai))
    refused = circle("import", str(story), env=kai)
    refused_cleanly(refused)
    assert "'Noor' is already the name of your group Noor." in refused.stderr
    groups = json.loads(ok(circle("group", "list", "--json", env=kai)).stdout)
    assert [g["name"] for g in groups] == ["Noor"]
    assert "Sam" not in ok(circle("pair", "list", env=kai)).stdout


def test_group_show_names_whose_round_it_is_in_a_session_another_member_recorded(
    circle: Invoke, tmp_path: Path, kai: dict[str, str]
) -> None:
    story = tmp_path / "story.json"
    ok(circle("export", "--group", CIRCLE, "--format", "json", "--output", str(story)))
    ok(circle("import", str(story), env=kai))
    ok(
        circle(
            "group", "session", CIRCLE, "--came", "Ana", "-a", "experience=Back again", "--shared", env=kai
        )
    )
    shown = ok(circle("group", "show", CIRCLE, env=kai)).stdout
    assert "Ana's round" in shown and shown.count("your round") == 1
    sessions = json.loads(ok(circle("group", "show", CIRCLE, "--json", env=kai)).stdout)["sessions"]
    assert [s["round_by"] for s in sessions] == [None, "Ana"]
    # In Ana's own journal the same session's round is hers.
    assert "Ana's round" not in ok(circle("group", "show", CIRCLE)).stdout


def test_a_story_from_someone_who_left_brings_only_what_they_wrote_while_part_of_the_group(
    journal: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr("peerlog.groups.utcnow", lambda: datetime(2026, 10, 1, tzinfo=UTC))
        ok(journal("group", "add", CIRCLE, "-m", "Sam", "-m", "Kai", "-m", "Noor"))
    ana_story, kai_story = tmp_path / "ana.json", tmp_path / "kai.json"
    ok(journal("export", "--group", CIRCLE, "--format", "json", "--output", str(ana_story)))
    kai = {"PEERLOG_HOME": str(tmp_path / "kai")}
    ok(journal("init", "--name", "Kai", env=kai))
    ok(journal("import", str(ana_story), env=kai))
    for note, day in (("While I was there", "10-10"), ("After I left", "10-20"), ("Later still", "10-25")):
        ok(
            journal(
                "checkin", "--group", CIRCLE, "--note", note, "--shared", "--at", f"2026-{day}T18:00", env=kai
            )
        )
    with monkeypatch.context() as patch:
        patch.setattr("peerlog.groups.utcnow", lambda: datetime(2026, 10, 15, tzinfo=UTC))
        ok(journal("group", "leave", CIRCLE, "-m", "Kai"))
    ok(journal("export", "--group", CIRCLE, "--format", "json", "--output", str(kai_story), env=kai))
    imported = ok(journal("import", str(kai_story)))
    assert "1 check-in added" in imported.stdout
    assert f"2 entries from Kai dated after they left {CIRCLE} were not added." in imported.stdout
    again = json.loads(ok(journal("import", str(kai_story), "--json")).stdout)
    assert again["after_leaving"] == 2 and again["unchanged"] == 1
    notes = {e["note"] for e in json.loads(ok(journal("log", "--json")).stdout)}
    assert "While I was there" in notes and not {"After I left", "Later still"} & notes
