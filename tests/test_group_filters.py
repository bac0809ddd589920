"""`log --group`, `reflections --group` and `search --group`: a group's entries, as `--pair` gives a pair's.

What a list of a group holds: your own entries in it (private ones too, in your own journal) and what the
other members shared with it; never a member's private entry, never the entries of a pair or another group.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peerlog.models import PRIVATE
from support import Invoke, refused_cleanly
from test_group_sharing import CIRCLE as SHARED_CIRCLE
from test_group_sharing import Member, bundles_in, circle  # noqa: F401  (circle: the fixture)
from test_group_views import CIRCLE, group_checkin, group_round

OTHER = "Thursday walkers"


@pytest.fixture
def circles(journal: Invoke, home: Path) -> Invoke:
    """Ana in two circles and a pair with Sam, with an entry (or two) in each place."""
    for name, members in ((CIRCLE, ("Kai", "Abe")), (OTHER, ("Noor", "Lee"))):
        args = [a for m in members for a in ("--member", m)]
        assert journal("group", "add", name, *args).exit_code == 0
    group_checkin(home, "Kai", wins=("Finished the draft",))
    group_checkin(home, "Abe", wins=("Abe's private lantern",), visibility=PRIVATE)
    group_checkin(home, "me", wins=("My quiet lantern",), visibility=PRIVATE)
    group_checkin(home, "Noor", wins=("A walk in the other circle",), group=OTHER)
    group_round(home, "Kai", take_away="Listening without fixing")
    group_round(home, "Abe", take_away="Abe's private round", visibility=PRIVATE)
    assert journal("checkin", "--pair", "Sam", "--note", "A lantern with Sam", "--shared").exit_code == 0
    return journal


def listed(invoke: Invoke, *args: str) -> list[dict]:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_log_of_a_group_lists_yours_and_what_members_shared_and_names_the_group(circles: Invoke) -> None:
    entries = listed(circles, "log", "--group", "tues")
    notes = sorted(e["note"] for e in entries)
    assert notes == ["Kai's day", "me's day"]
    assert {e["group"] for e in entries} == {CIRCLE}
    assert all(e["pair"] is None for e in entries)
    shown = circles("log", "-g", CIRCLE).stdout
    assert "Abe's private lantern" not in shown and "A walk in the other circle" not in shown


def test_reflections_of_a_group_leave_out_a_members_private_round(circles: Invoke) -> None:
    entries = listed(circles, "reflections", "--group", CIRCLE)
    answers = [a["value"] for e in entries for a in e["answers"]]
    assert answers == ["Listening without fixing"]
    assert [e["group"] for e in entries] == [CIRCLE]
    assert listed(circles, "reflections", "--group", OTHER) == []


def test_search_in_a_group_finds_only_what_the_group_holds(circles: Invoke) -> None:
    everywhere = json.loads(circles("search", "lantern", "--json").stdout)
    assert {h["text"] for h in everywhere["hits"]} == {"My quiet lantern", "A lantern with Sam"}
    found = json.loads(circles("search", "lantern", "--group", CIRCLE, "--json").stdout)
    assert [h["text"] for h in found["hits"]] == ["My quiet lantern"]
    assert found["group"] == CIRCLE
    shown = circles("search", "fixing", "-g", CIRCLE).stdout
    assert "Listening without fixing" in shown and f"1 match in {CIRCLE}" in shown
    walk = json.loads(circles("search", "walk", "--group", CIRCLE, "--json").stdout)
    assert walk["hits"] == []


def test_search_in_a_group_works_the_same_without_the_full_text_index(
    circles: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerlog import search

    monkeypatch.setattr(search, "BACKENDS", {})
    found = json.loads(circles("search", "lantern", "--group", CIRCLE, "--json").stdout)
    assert [h["text"] for h in found["hits"]] == ["My quiet lantern"]


@pytest.mark.parametrize("command", [["log"], ["reflections"], ["search", "lantern"]])
def test_a_pair_and_a_group_together_are_refused_in_one_line(circles: Invoke, command: list[str]) -> None:
    result = circles(*command, "--pair", "Sam", "--group", CIRCLE)
    refused_cleanly(result)
    assert "--pair and --group cannot go together" in result.stderr
    # Refused before any name is looked up: an unknown peer does not change the answer.
    assert "cannot go together" in circles(*command, "--pair", "Nobody", "--group", CIRCLE).stderr


@pytest.mark.parametrize("command", [["log"], ["reflections"], ["search", "lantern"]])
def test_an_unknown_group_is_named_with_the_groups_there_are(circles: Invoke, command: list[str]) -> None:
    result = circles(*command, "--group", "Fridays")
    refused_cleanly(result)
    assert "You have no group called 'Fridays'." in result.stderr
    assert CIRCLE in result.stderr


def test_an_ended_group_still_lists_its_history(circles: Invoke) -> None:
    assert circles("group", "end", CIRCLE).exit_code == 0
    assert len(listed(circles, "log", "--group", CIRCLE)) == 2


# ---------------------------------------------------------------- a member's first bundle (README "With a group")


def test_a_member_brings_the_circle_in_with_its_first_bundle_then_sets_the_folder(
    circle: dict[str, Member],  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    ana, sam = circle["Ana"], circle["Sam"]
    folder = tmp_path / "circle-folder"
    folder.mkdir()
    # Before the circle is in Sam's journal, setting its folder says how it gets there.
    early = sam("group", "set", SHARED_CIRCLE, "--sync-dir", str(folder))
    refused_cleanly(early)
    assert "the folder holds none yet" in early.stderr and "group add" not in early.stderr
    ana.ok("group", "set", SHARED_CIRCLE, "--sync-dir", str(folder))
    ana.ok("checkin", "--group", SHARED_CIRCLE, "--note", "First evening together", "--shared")
    ana.ok("sync")
    # As the README says: setting the folder takes in the bundle for Sam, and the circle with it.
    kai_sees = sorted(p.name for p in bundles_in(folder))
    said = sam.ok("group", "set", SHARED_CIRCLE, "--sync-dir", str(folder))
    assert "Took in 1 bundle for you" in said and "(Ana)" in said
    assert f"syncs through {folder}" in said
    assert "First evening together" in sam.texts()
    # The bundles for the others are left where they are, unopened.
    assert sorted(p.name for p in bundles_in(folder)) == kai_sees
    assert "With Tuesday circle" in sam.ok("sync")
