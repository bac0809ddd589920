"""Sharing with a group: a circle of journals in separate homes, kept in step through sealed bundles.

Each member's journal lives in its own PEERLOG_HOME, as on their own machine. Ana starts the circle; the
others hold Ana's key from first contact (`pair add Ana --key CODE`, and Ana theirs), and learn each other's
keys from the group's bundles. Membership changes are made "on the day" by moving the clock `groups` reads,
and entries are spread over the weeks with `--at`, so who was part of the circle when is real history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from peerlog.cli import app
from support import counts, group_rows, opened_bundle

CIRCLE = "Tuesday circle"
PRIVATE_WORDS = "sentinel-private-round-3a9e"


@dataclass
class Member:
    """One person's journal on their own machine: `member("sync")` runs peerlog there."""

    name: str
    home: Path
    code: str = ""

    def __call__(self, *args: str) -> Result:
        env = {"PEERLOG_HOME": str(self.home), "PEERLOG_DB": None, "PEERLOG_DEBUG": None, "COLUMNS": "120"}
        return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (self.name, args, result.output)
        return result.stdout

    @property
    def key_id(self) -> str:
        from peerlog.identity import PeerKey

        return PeerKey.from_code(self.code).key_id

    def texts(self) -> set[str]:
        """Every check-in note and round answer this member can read in their journal."""
        notes = {e["note"] for e in json.loads(self.ok("log", "--json", "--limit", "500"))}
        answers = {
            a["value"]
            for r in json.loads(self.ok("reflections", "--json", "--limit", "500"))
            for a in r["answers"]
        }
        return notes | answers

    def members(self) -> dict[str, str | None]:
        """The circle as this journal holds it: each member's name and when they left (None: still in it)."""
        shown = json.loads(self.ok("group", "show", CIRCLE, "--json"))
        return {m["name"]: m["left_at"] for m in shown["members"]}


def weeks_ago(weeks: float) -> datetime:
    return datetime.now(UTC) - timedelta(weeks=weeks)


def at(weeks: float) -> str:
    return weeks_ago(weeks).astimezone().strftime("%Y-%m-%dT%H:%M")


@contextmanager
def on_the_day(monkeypatch: pytest.MonkeyPatch, weeks: float) -> Iterator[None]:
    """Membership changes made as if that day: the moment `group add/join/leave` record."""
    with monkeypatch.context() as patch:
        patch.setattr("peerlog.groups.utcnow", lambda: weeks_ago(weeks))
        yield


def meet(*people: Member) -> None:
    """The first holds each other's key and they hold theirs, as after first contact (`peerlog id`, then
    `pair add NAME --key CODE`); a journal not started yet is started first."""
    ana, *others = people
    for member in people:
        if not member.code:
            member.ok("init", "--name", member.name)
            member.code = json.loads(member.ok("id", "--json"))["code"]
    for other in others:
        ana.ok("pair", "add", other.name, "--key", other.code)
        other.ok("pair", "add", ana.name, "--key", ana.code)


def round_(member: Member, words: str, weeks: float, *, shared: bool = True) -> None:
    """A group session with the member's round, its first answer `words`."""
    member.ok(
        "group",
        "session",
        CIRCLE,
        "--came",
        "Ana" if member.name != "Ana" else "Sam",
        "--at",
        at(weeks),
        "--answer",
        f"experience={words}",
        "--shared" if shared else "--private",
    )


def bundles_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.sealed"))


def everything_sent(folders: list[Path], people: list[Member]) -> list[dict[str, Any]]:
    """Every record of every bundle in `folders`, opened with its recipient's key, as only they can."""
    by_key = {m.key_id[:8]: m for m in people}
    records = []
    for folder in folders:
        for bundle in bundles_in(folder):
            to = bundle.name.split("-to-")[1][:8]
            records += opened_bundle(bundle, by_key[to].home)
    return records


def _one_line(result: Result) -> str:
    assert result.exit_code != 0, result.stdout
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def circle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Member]:
    """Ana, Sam, Kai and Noor have met; Ana started the circle seven weeks ago with the three of them."""
    people = {name: Member(name, tmp_path / name.lower()) for name in ("Ana", "Sam", "Kai", "Noor")}
    meet(*people.values())
    with on_the_day(monkeypatch, 7):
        people["Ana"].ok("group", "add", CIRCLE, "-m", "Sam", "-m", "Kai", "-m", "Noor")
    return people


def first_bundles(ana: Member, folder: Path, *others: Member) -> list[str]:
    """Ana shares the circle by file; each member imports their own bundle (and so meets the group)."""
    folder.mkdir(exist_ok=True)
    ana.ok("share", "--group", CIRCLE, "--output", str(folder))
    said = []
    for other in others:
        (mine,) = [b for b in bundles_in(folder) if f"-to-{other.key_id[:8]}-" in b.name]
        said.append(other.ok("import", str(mine)))
    return said


# ---------------------------------------------------------------- the circle over several weeks


def test_a_circle_over_several_weeks_reaches_every_member_and_no_one_else(
    circle: dict[str, Member], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, sam, kai, noor = circle.values()
    lee = Member("Lee", tmp_path / "lee")
    meet(ana, lee)
    synced = tmp_path / "circle-folder"
    synced.mkdir()
    by_file = tmp_path / "by-file"

    # Week 1: Ana's round, shared with the circle, reaches everyone by file; then all of them sync.
    round_(ana, "Week one: I tried the new rota", 6)
    first_bundles(ana, by_file, sam, kai, noor)
    for member in (ana, sam, kai, noor):
        member.ok("group", "set", CIRCLE, "--sync-dir", str(synced))
    for member in (sam, kai, noor):
        assert "Week one: I tried the new rota" in member.texts()
        assert set(member.members()) == {"Ana", "Sam", "Kai", "Noor"}

    # Week 2: Ana keeps her round private; Sam shares his.
    round_(ana, PRIVATE_WORDS, 5, shared=False)
    round_(sam, "Week two: asking for help went fine", 5)
    for member in (sam, ana, kai, noor):
        member.ok("sync")
    for member in (ana, kai, noor):
        assert "Week two: asking for help went fine" in member.texts()

    # Week 3: Kai leaves. What the circle says after that never reaches Kai.
    with on_the_day(monkeypatch, 4):
        ana.ok("group", "leave", CIRCLE, "-m", "Kai")
    ana.ok(
        "checkin", "--group", CIRCLE, "--note", "Week three: a quieter circle", "--shared", "--at", at(3.5)
    )
    ana.ok("sync")
    sam.ok("sync")  # Sam learns from Ana's bundle that Kai has left
    assert sam.members()["Kai"] is not None
    round_(sam, "Week three: Sam after Kai left", 3)
    sam.ok("sync")

    # Week 4: Lee joins, and hears only what the circle says from then on.
    with on_the_day(monkeypatch, 2.5):
        ana.ok("group", "join", CIRCLE, "-m", "Lee")
    round_(ana, "Week four: welcome, Lee", 2)
    ana.ok("sync")
    (for_lee,) = [b for b in bundles_in(synced) if f"-to-{lee.key_id[:8]}-" in b.name]
    lee.ok("import", str(for_lee))
    lee.ok("group", "set", CIRCLE, "--sync-dir", str(synced))
    for member in (sam, noor, kai, lee, sam):
        member.ok("sync")
    round_(sam, "Week four: Sam with Lee there", 1.5)
    sam.ok("sync")
    lee.ok("sync")
    noor.ok("sync")

    said_before_lee = {
        "Week one: I tried the new rota",
        "Week two: asking for help went fine",
        "Week three: a quieter circle",
        "Week three: Sam after Kai left",
    }
    said_with_lee = {"Week four: welcome, Lee", "Week four: Sam with Lee there"}
    assert lee.texts() >= said_with_lee
    assert not lee.texts() & said_before_lee
    assert kai.texts() >= {"Week one: I tried the new rota", "Week two: asking for help went fine"}
    assert not kai.texts() & (
        said_with_lee | {"Week three: a quieter circle", "Week three: Sam after Kai left"}
    )
    assert noor.texts() >= said_before_lee | said_with_lee
    assert set(lee.members()) == {"Ana", "Sam", "Kai", "Noor", "Lee"}

    # Ana's private round stayed home: in no bundle, opened as each recipient opens theirs.
    sent = everything_sent([synced, by_file], [ana, sam, kai, noor, lee])
    assert sent and PRIVATE_WORDS not in json.dumps(sent)
    for member in (sam, kai, noor, lee):
        assert PRIVATE_WORDS not in member.texts()
    assert PRIVATE_WORDS in ana.texts()

    # A round made private later is taken away from every member who had it, Kai too.
    first = next(r for r in json.loads(ana.ok("reflections", "--json")) if "Week one" in json.dumps(r))
    ana.ok("edit", first["id"], "--private")
    ana.ok("sync")
    for member in (sam, kai, noor):
        member.ok("sync")
        assert "Week one: I tried the new rota" not in member.texts()
    assert "Week one: I tried the new rota" in ana.texts()
    # Bundles to Kai since Kai left tell the circle as it was then: Lee, who came later, is not named.
    assert "Lee" not in kai.members()


def test_the_same_group_bundle_twice_changes_nothing(circle: dict[str, Member], tmp_path: Path) -> None:
    ana, sam, *_ = circle.values()
    round_(ana, "Once is enough", 3)
    folder = tmp_path / "out"
    (said,) = first_bundles(ana, folder, sam)
    assert "from Ana: 1 reflection added" in said
    assert "Tuesday circle is in your journal now, as Ana shared it with you" in said
    before = counts(sam.home), group_rows(sam.home)
    (mine,) = [b for b in bundles_in(folder) if f"-to-{sam.key_id[:8]}-" in b.name]
    again = sam("import", str(mine))
    assert again.exit_code == 0, again.output
    assert "imported before; nothing changed" in again.stdout
    assert (counts(sam.home), group_rows(sam.home)) == before


def test_a_bundle_for_a_group_you_are_not_in_is_refused_and_changes_nothing(
    circle: dict[str, Member], tmp_path: Path
) -> None:
    """Ana's change set for the circle, addressed to Lee, who is not in it: Lee's journal refuses it whole."""
    from peerlog.changesets import group_changes_for
    from peerlog.identity import load_identity
    from support import journal_session, sealed_bytes

    ana = circle["Ana"]
    lee = Member("Lee", tmp_path / "lee")
    meet(ana, lee)
    round_(ana, "Not for Lee", 3)
    with journal_session(ana.home) as session:
        from peerlog.groups import resolve_group
        from peerlog.people import find_peer

        group = resolve_group(session, CIRCLE)
        to_sam = group_changes_for(
            session, group_id=group.id, member_id=find_peer(session, "Sam").id, bundle_id="not-for-lee"
        )
        lines = [json.loads(line) for line in b"".join(to_sam.lines()).splitlines()]
        lee_here = find_peer(session, "Lee")
        from peerlog.exporters.json_export import person_dict
        from peerlog.transfer import person_record

        lines[0]["recipient"] = {"id": lee_here.id}
        lines[0]["people"].append(person_dict(person_record(lee_here, key=True)))
    ana_key, lee_key = load_identity(ana.home / "peerlog.db"), load_identity(lee.home / "peerlog.db")
    assert ana_key is not None and lee_key is not None
    bundle = tmp_path / "not-for-lee.sealed"
    plain = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    bundle.write_bytes(
        sealed_bytes(plain, sender=ana_key.signing_key, to=lee_key.signing_key, bundle_id="not-for-lee")
    )
    before = counts(lee.home), group_rows(lee.home)
    line = _one_line(lee("import", str(bundle)))
    assert "you are not part of that group" in line and CIRCLE in line
    assert (counts(lee.home), group_rows(lee.home)) == before
    assert "Not for Lee" not in lee.texts()


# ---------------------------------------------------------------- share and sync, by group


def test_share_by_group_writes_one_bundle_per_member_and_names_those_without_a_key(
    circle: dict[str, Member], tmp_path: Path
) -> None:
    ana, sam, kai, noor = circle.values()
    ana.ok("group", "join", CIRCLE, "-m", "Rin")  # met in the room; no key yet
    round_(ana, "For the three with keys", 0.5)
    out = tmp_path / "out"
    out.mkdir()
    said = ana.ok("share", "--group", CIRCLE, "--output", str(out))
    assert "Wrote 3 bundles" in said and "Kai, Noor and Sam" in said
    assert "1 shared entry" in said  # one round, however many members it goes to
    assert "No bundle for Rin" in said
    assert len(bundles_in(out)) == 3
    for member in (sam, kai, noor):
        (mine,) = [b for b in bundles_in(out) if f"-to-{member.key_id[:8]}-" in b.name]
        assert "For the three with keys" in json.dumps(opened_bundle(mine, member.home))
    again = ana.ok("share", "--group", CIRCLE, "--output", str(out), "--since-last")
    assert "Nothing new for anyone in Tuesday circle since your last share" in again
    ana.ok("group", "set", CIRCLE, "--sync-dir", str(out))
    assert "No bundle for Rin" in ana.ok("sync", "--group", "tues")


def test_sync_names_the_group_and_sync_group_needs_its_folder(
    circle: dict[str, Member], tmp_path: Path
) -> None:
    ana, sam, *_ = circle.values()
    missing = ana("sync", "--group", CIRCLE)
    assert "Tuesday circle has no sync folder yet" in _one_line(missing)
    folder = tmp_path / "synced"
    folder.mkdir()
    set_it = ana.ok("group", "set", CIRCLE, "--sync-dir", str(folder))
    assert f"Tuesday circle syncs through {folder}" in set_it
    round_(ana, "Through the folder", 1)
    said = ana.ok("sync", "--group", CIRCLE)
    assert "With Tuesday circle: sent 1 entry to Kai, Noor and Sam." in said
    first_bundles(ana, tmp_path / "by-file", sam)
    sam.ok("group", "set", CIRCLE, "--sync-dir", str(folder))
    round_(sam, "Sam's answer", 0.5)
    sam.ok("sync")
    heard = ana.ok("sync")
    assert "With Tuesday circle:" in heard and "received 1 entry" in heard
    assert (
        ana.ok("group", "set", CIRCLE, "--sync-dir", "").strip() == "Tuesday circle has no sync folder now."
    )


def test_a_pair_and_a_group_with_the_same_person_never_take_each_others_entries_away(
    circle: dict[str, Member], tmp_path: Path
) -> None:
    """Ana and Sam are a pair and in the circle: each way's change set leaves the other's entries be."""
    ana, sam, *_ = circle.values()
    ana.ok("checkin", "--pair", "Sam", "--note", "Just between us", "--shared")
    round_(ana, "With the whole circle", 1)
    pair_bundle = tmp_path / "pair.sealed"
    ana.ok("share", "--pair", "Sam", "--output", str(pair_bundle))
    sam.ok("import", str(pair_bundle))
    first_bundles(ana, tmp_path / "group", sam)
    pair_again = tmp_path / "pair-again.sealed"
    ana.ok("share", "--pair", "Sam", "--output", str(pair_again), "--since-last")
    sam.ok("import", str(pair_again))
    ana.ok("share", "--group", CIRCLE, "--output", str(tmp_path / "group"), "--since-last")
    assert {"Just between us", "With the whole circle"} <= sam.texts()


def test_a_member_met_in_the_room_gets_their_key_from_the_circle(
    circle: dict[str, Member], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ana added Rin without a key; Sam holds Rin's. Sam's bundle tells Ana's journal Rin's key, so Ana's
    next share reaches Rin too, and Rin stays one person in every journal."""
    ana, sam, *_ = circle.values()
    rin = Member("Rin", tmp_path / "rin")
    meet(sam, rin)
    with on_the_day(monkeypatch, 2):
        ana.ok("group", "join", CIRCLE, "-m", "Rin")
    round_(ana, "Ana's words for all of us", 1)
    assert "No bundle for Rin" in ana.ok("share", "--group", CIRCLE, "--output", str(tmp_path))
    first_bundles(ana, tmp_path / "from-ana", sam)
    round_(sam, "Sam's words for all of us", 0.5)
    from_sam = tmp_path / "from-sam"
    from_sam.mkdir()
    sam.ok("share", "--group", CIRCLE, "--output", str(from_sam))
    for member in (ana, rin):
        (mine,) = [b for b in bundles_in(from_sam) if f"-to-{member.key_id[:8]}-" in b.name]
        member.ok("import", str(mine))
    again = tmp_path / "from-ana-again"
    again.mkdir()
    said = ana.ok("share", "--group", CIRCLE, "--output", str(again))
    assert "Rin" in said and "No bundle" not in said
    (for_rin,) = [b for b in bundles_in(again) if f"-to-{rin.key_id[:8]}-" in b.name]
    rin.ok("import", str(for_rin))
    assert {"Ana's words for all of us", "Sam's words for all of us"} <= rin.texts()
    for member in (ana, sam, rin):
        shown = json.loads(member.ok("group", "show", CIRCLE, "--json"))
        names = [m["name"] for m in shown["members"]]
        assert sorted(names) == ["Ana", "Kai", "Noor", "Rin", "Sam"], member.name


# ---------------------------------------------------------------- leaving, and coming back


def test_what_a_member_sends_dated_after_they_left_is_not_taken_into_the_group(
    circle: dict[str, Member], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, sam, kai, _ = circle.values()
    round_(ana, "Week one: I tried the new rota", 6)
    first_bundles(ana, tmp_path / "first", sam, kai)
    with on_the_day(monkeypatch, 4):
        ana.ok("group", "leave", CIRCLE, "-m", "Kai")
    # Kai's journal has not heard that Kai left, so it still shares with the circle.
    round_(kai, "From my time in the circle", 5)
    round_(kai, "Written after I left, one", 3)
    kai.ok("checkin", "--group", CIRCLE, "--note", "Written after I left, two", "--shared", "--at", at(2))
    out = tmp_path / "from-kai"
    out.mkdir()
    kai.ok("share", "--group", CIRCLE, "--output", str(out))
    (for_ana,) = [b for b in bundles_in(out) if f"-to-{ana.key_id[:8]}-" in b.name]
    said = ana.ok("import", str(for_ana))
    assert f"2 entries from Kai dated after they left {CIRCLE} were not added." in said
    assert "1 reflection added" in said
    assert "From my time in the circle" in ana.texts()
    assert not {"Written after I left, one", "Written after I left, two"} & ana.texts()
    assert ana.members()["Kai"] is not None  # Kai's bundle does not undo their leaving here
    # Sam's journal, told by Ana that Kai left, says the same through a sync folder.
    folder = tmp_path / "synced"
    folder.mkdir()
    for member in (ana, sam):
        member.ok("group", "set", CIRCLE, "--sync-dir", str(folder))
    ana.ok("checkin", "--group", CIRCLE, "--note", "A quieter circle", "--shared", "--at", at(3.5))
    ana.ok("sync")
    sam.ok("sync")
    (for_sam,) = [b for b in bundles_in(out) if f"-to-{sam.key_id[:8]}-" in b.name]
    for_sam.rename(folder / for_sam.name)
    synced = sam.ok("sync", "--group", CIRCLE)
    assert f"  2 entries from Kai dated after they left {CIRCLE} were not added." in synced
    assert "From my time in the circle" in sam.texts()
    assert "Written after I left, one" not in sam.texts()


def test_someone_who_left_and_came_back_receives_again_across_three_journals(
    circle: dict[str, Member], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, sam, kai, _ = circle.values()
    folder = tmp_path / "synced"
    folder.mkdir()
    round_(ana, "Week one: I tried the new rota", 6)
    first_bundles(ana, tmp_path / "first", sam, kai)
    for member in (ana, sam, kai):
        member.ok("group", "set", CIRCLE, "--sync-dir", str(folder))
    with on_the_day(monkeypatch, 5):
        ana.ok("group", "leave", CIRCLE, "-m", "Kai")
    ana.ok("checkin", "--group", CIRCLE, "--note", "A quieter circle", "--shared", "--at", at(4.5))
    ana.ok("sync")
    sam.ok("sync")
    assert sam.members()["Kai"] is not None
    round_(sam, "While Kai was away", 4)
    sam.ok("sync")
    with on_the_day(monkeypatch, 3):
        ana.ok("group", "join", CIRCLE, "-m", "Kai")
    ana.ok("checkin", "--group", CIRCLE, "--note", "Welcome back, Kai", "--shared", "--at", at(2.5))
    ana.ok("sync")
    sam.ok("sync")  # Sam learns from Ana's header that Kai came back three weeks ago
    shown = json.loads(sam.ok("group", "show", CIRCLE, "--json"))
    assert [m["left_at"] is None for m in shown["members"] if m["name"] == "Kai"] == [True, False]
    round_(sam, "Kai is back with us", 2)
    sam.ok("sync")
    kai.ok("sync")
    assert "Kai is back with us" in kai.texts()
    assert "While Kai was away" not in kai.texts()
    # The same header again changes nothing: one new stretch, not one per bundle.
    ana.ok("checkin", "--group", CIRCLE, "--note", "Another week", "--shared", "--at", at(1))
    ana.ok("sync")
    sam.ok("sync")
    shown = json.loads(sam.ok("group", "show", CIRCLE, "--json"))
    assert len([m for m in shown["members"] if m["name"] == "Kai"]) == 2


# ---------------------------------------------------------------- a group you have ended


def _checkin_id(member: Member, note: str) -> str:
    return next(
        e["id"] for e in json.loads(member.ok("log", "--json", "--limit", "500")) if e["note"] == note
    )


def test_ending_a_group_stops_your_journal_sending_to_it_and_stays_yours(
    circle: dict[str, Member], tmp_path: Path
) -> None:
    ana, sam, *_ = circle.values()
    folder = tmp_path / "synced"
    folder.mkdir()
    round_(ana, "Week one: I tried the new rota", 6)
    first_bundles(ana, tmp_path / "first", sam)
    for member in (ana, sam):
        member.ok("group", "set", CIRCLE, "--sync-dir", str(folder))
    for note, weeks in (("Said before the end", 3), ("Made private after the end", 2.5)):
        ana.ok("checkin", "--group", CIRCLE, "--note", note, "--shared", "--at", at(weeks))
    ana.ok("sync")
    sam.ok("sync")
    ana.ok("checkin", "--group", CIRCLE, "--note", "Not yet sent at the end", "--shared", "--at", at(2))
    ana.ok("group", "end", CIRCLE)
    ana.ok("edit", _checkin_id(ana, "Said before the end"), "--note", "Changed after the end")
    ana.ok("edit", _checkin_id(ana, "Made private after the end"), "--private")
    ana.ok("sync")
    sam.ok("sync")
    # What was written before the end still arrives, and a removal still takes a round away; an edit made
    # after the end stays home.
    assert {"Not yet sent at the end", "Said before the end"} <= sam.texts()
    assert not {"Changed after the end", "Made private after the end"} & sam.texts()
    # Ending is Ana's own: Sam's circle goes on.
    assert json.loads(sam.ok("group", "show", CIRCLE, "--json"))["ended_at"] is None
