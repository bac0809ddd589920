"""Sentinels: private entries with unique marks from several people, read back through every command.

Another person's private entry never shows anywhere (a doctored or restored journal can hold one: a bundle
never brings it). Your own private entries show to you, but never in a shared-only export or a bundle.
Shared entries do show where the command shows their kind, so a command that showed nothing would fail.
Adding a read command is adding a line to `COMMANDS`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from peerlog import search as search_module
from peerlog.models import PRIVATE, SHARED, Challenge, CheckIn, Pair, Person, Win
from peerlog.pairs import ordered
from peerlog.people import name_key
from support import Invoke, add_feedback, add_reflection, journal_session, me_and_pair, opened_bundle

#: Every sentinel holds this word, so one search reaches all of them.
WORD = "lantern"
#: (whose, visibility, in the pair of Ana and Sam): each gets a check-in (note, win, challenge), a
#: reflection and feedback; a person's entries outside it have no pair, Jo's are in Jo's pair with Sam.
ENTRIES = [
    ("ana", SHARED, True),
    ("ana", PRIVATE, True),
    ("ana", PRIVATE, False),
    ("sam", SHARED, True),
    ("sam", PRIVATE, True),
    ("sam", PRIVATE, False),
    ("jo", PRIVATE, False),
]
KINDS = ("note", "win", "challenge", "answer", "feedback")


def mark(who: str, visibility: str, in_pair: bool, kind: str) -> str:
    """A word found nowhere else: `SamPrivatePairWin`."""
    return f"{who.title()}{visibility.title()}{'Pair' if in_pair else 'Solo'}{kind.title()}"


def kinds_of(who: str, in_pair: bool) -> tuple[str, ...]:
    """Feedback always belongs to a pair: outside Ana and Sam's, only Jo (in Jo and Sam's) gives some."""
    return KINDS if in_pair or who == "jo" else KINDS[:-1]


def marks(entries: list[tuple[str, str, bool]], kinds: tuple[str, ...] = KINDS) -> set[str]:
    return {mark(*e, k) for e in entries for k in kinds if k in kinds_of(e[0], e[2])}


@dataclass(frozen=True)
class Case:
    """One read command: what it shows (kinds of entry; whether your private ones and the unpaired ones)."""

    argv: tuple[str, ...]
    kinds: tuple[str, ...]
    #: "visible": yours and shared; "shared": shared only; "bundle": your own shared only.
    rule: str = "visible"
    in_pair_only: bool = False
    #: Read the file the command writes (`{out}` in argv) instead of what it prints.
    writes: bool = False
    portable_search: bool = False
    ids: tuple[str, ...] = field(default=())
    #: Kinds that show only once given (shared), yours too: an appreciation is a win when it was given.
    given_only: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return " ".join(self.argv) + (" (portable search)" if self.portable_search else "")


ALL = KINDS
CHECKIN = ("note", "win", "challenge")
SINCE = ("--since", "2000-01-01")
COMMANDS = [
    Case(("log", "--limit", "100"), ("note",)),
    Case(("log", "--limit", "100", "--json"), CHECKIN),
    Case(("log", "--pair", "sam", "--json"), CHECKIN, in_pair_only=True),
    Case(("reflections", "--limit", "100"), ("answer",)),
    Case(("reflections", "--limit", "100", "--json"), ("answer",)),
    Case(("feedback", "--list"), ("feedback",)),
    Case(("feedback", "--list", "--json"), ("feedback",)),
    Case(("wins", *SINCE), ("win", "feedback"), given_only=("feedback",)),
    Case(("wins", *SINCE, "--json"), ("win", "feedback"), given_only=("feedback",)),
    Case(
        ("wins", "--pair", "sam", *SINCE, "--json"),
        ("win", "feedback"),
        in_pair_only=True,
        given_only=("feedback",),
    ),
    Case(("wins", "--together", *SINCE, "--json"), ("win", "feedback"), rule="shared", in_pair_only=True),
    Case(("summary", "--together", *SINCE, "--json"), ("win", "challenge"), rule="shared", in_pair_only=True),
    Case(("summary", *SINCE), ("win", "challenge")),
    Case(("summary", *SINCE, "--json"), ("win", "challenge")),
    Case(("summary", "--pair", "sam", *SINCE, "--json"), ("win", "challenge"), in_pair_only=True),
    Case(("search", WORD, "--limit", "50"), ALL),
    Case(("search", WORD, "--limit", "50", "--json"), ALL),
    Case(("search", WORD, "--limit", "50", "--json"), ALL, portable_search=True),
    Case(("search", WORD, "--pair", "sam", "--json"), ALL, in_pair_only=True),
    Case(("search", WORD, "--pair", "sam", "--json"), ALL, in_pair_only=True, portable_search=True),
    Case(("challenge", "list", "--json"), ("challenge",), rule="mine"),
    Case(("challenge", "list", "--all"), ("challenge",), rule="mine"),
    Case(("export", "--format", "markdown"), ALL, rule="shared"),
    Case(("export", "--format", "json"), ALL, rule="shared"),
    Case(("export", "--format", "json", "--pair", "sam"), ALL, rule="shared", in_pair_only=True),
    Case(("export", "--format", "markdown", "--include-private"), ALL),
    Case(("export", "--format", "json", "--include-private"), ALL),
    Case(("export", "--format", "json", "--include-private", "--output", "{out}"), ALL, writes=True),
    Case(("share", "--pair", "sam", "--output", "{out}"), ALL, rule="bundle", in_pair_only=True, writes=True),
    Case(("pair", "show", "sam", "--json"), ()),
    Case(("pair", "list", "--json"), ()),
    Case(("doctor", "--json"), ()),
]


def expected(case: Case) -> tuple[set[str], set[str]]:
    """The marks `case` must show, and the ones it must never show."""
    shows: set[str] = set()
    for who, visibility, in_pair in ENTRIES:
        mine = who == "ana"
        allowed = {
            "visible": mine or visibility == SHARED,
            "shared": visibility == SHARED,
            "bundle": mine and visibility == SHARED,
            "mine": mine,
        }[case.rule]
        if allowed and (in_pair or not case.in_pair_only):
            shown = tuple(k for k in case.kinds if visibility == SHARED or k not in case.given_only)
            shows |= marks([(who, visibility, in_pair)], shown)
    never = marks(ENTRIES) - marks([e for e in ENTRIES if _may_ever(case, *e)])
    # Your own private note of a kind that shows only once given is never there either.
    never |= {
        mark(*e, k) for e in ENTRIES if e[1] == PRIVATE for k in case.given_only if k in kinds_of(e[0], e[2])
    }
    return shows, never


def _may_ever(case: Case, who: str, visibility: str, in_pair: bool) -> bool:
    mine = who == "ana"
    if not mine and visibility == PRIVATE:
        return False  # another person's private entry: nowhere, ever
    if case.rule in ("shared", "bundle") and visibility == PRIVATE:
        return False
    if case.rule in ("bundle", "mine") and not mine:
        return False
    return not (case.in_pair_only and not in_pair)


@pytest.fixture
def sentinels(journal: Invoke, home: Path) -> dict[str, str]:
    """The journal of `ENTRIES`, written as a restored or doctored journal could hold it; returns ids."""
    moment = datetime.now().astimezone() - timedelta(days=2)
    ids: dict[str, str] = {}
    with journal_session(home) as session:
        ana, sam, pair = me_and_pair(session)
        jo = Person(name="Jo", name_key=name_key("Jo"))
        session.add(jo)
        session.flush()
        a, b = ordered(sam.id, jo.id)
        their_pair = Pair(person_a_id=a, person_b_id=b)
        session.add(their_pair)
        session.flush()
        people = {"ana": ana, "sam": sam, "jo": jo}
        for who, visibility, in_pair in ENTRIES:
            author = people[who]
            where = pair if in_pair else their_pair if who == "jo" else None
            text = {kind: f"{WORD} {mark(who, visibility, in_pair, kind)}" for kind in KINDS}
            checkin = CheckIn(
                author_id=author.id,
                pair_id=where.id if where else None,
                at=moment,
                utc_offset=int(moment.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
                mood=3,
                note=text["note"],
                visibility=visibility,
            )
            session.add(checkin)
            session.flush()
            session.add(Win(checkin_id=checkin.id, text=text["win"]))
            session.add(Challenge(checkin_id=checkin.id, text=text["challenge"]))
            reflection = add_reflection(
                session,
                author=author,
                pair=where,
                at=moment,
                answers=[("What stayed with you?", "text", text["answer"])],
                visibility=visibility,
            )
            key = f"{who}-{visibility}-{'pair' if in_pair else 'solo'}"
            ids |= {f"{key}-checkin": checkin.id, f"{key}-reflection": reflection.id}
            if "feedback" in kinds_of(who, in_pair):
                ids[f"{key}-feedback"] = add_feedback(
                    session,
                    author=author,
                    recipient=ana if who == "sam" else sam,
                    pair=where,  # type: ignore[arg-type]
                    message=text["feedback"],
                    at=moment,
                    visibility=visibility,
                ).id
    return ids


@pytest.mark.parametrize("case", COMMANDS, ids=lambda c: c.name)
def test_no_private_entry_shows_where_it_must_not(
    sentinels: dict[str, str],
    journal: Invoke,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    case: Case,
) -> None:
    if case.portable_search:
        monkeypatch.setattr(search_module, "BACKENDS", {})
    out = tmp_path / "written.out"
    result = journal(*(arg.format(out=out) for arg in case.argv))
    assert result.exit_code == 0, result.output
    if case.rule == "bundle":
        # A sealed bundle: nothing at all in its bytes; inside, as Sam opens it with his key, the rule holds.
        raw = out.read_bytes()
        assert WORD.encode() not in raw and not [m for m in marks(ENTRIES) if m.encode() in raw]
        request.getfixturevalue("sam")
        text = json.dumps(opened_bundle(out, request.getfixturevalue("sam_home")), ensure_ascii=False)
    else:
        text = out.read_text() if case.writes else result.stdout
    shows, never = expected(case)
    assert not {m for m in never if m in text}, "private entries showed where they must not"
    assert not shows - {m for m in shows if m in text}, "entries that should show are missing"
    for key, entry_id in sentinels.items():
        if key.startswith(("sam-private", "jo-private")):
            assert entry_id not in text


@pytest.mark.parametrize("whose", ["sam-private-pair", "sam-private-solo", "jo-private-solo"])
@pytest.mark.parametrize("command", [("show",), ("edit", "--mood", "1"), ("delete", "--yes")])
def test_another_persons_private_check_in_cannot_be_opened(
    sentinels: dict[str, str], journal: Invoke, whose: str, command: tuple[str, ...]
) -> None:
    result = journal(command[0], sentinels[f"{whose}-checkin"][:8], *command[1:])
    assert result.exit_code == 2
    # `show`, `edit` and `delete` take any kind of entry, so they say "entry"; it is simply not there.
    assert "No entry has an id starting with" in result.output
    assert WORD not in result.output


# Feedback is always given within a pair, so there is no solo one.
@pytest.mark.parametrize(
    "which",
    [
        "sam-private-pair-reflection",
        "sam-private-solo-reflection",
        "jo-private-solo-reflection",
        "sam-private-pair-feedback",
    ],
)
@pytest.mark.parametrize("command", [("edit", "--shared"), ("delete", "--yes")])
def test_another_persons_private_reflection_or_feedback_cannot_be_changed(
    sentinels: dict[str, str], journal: Invoke, which: str, command: tuple[str, ...]
) -> None:
    result = journal(command[0], sentinels[which][:8], *command[1:])
    assert result.exit_code == 2
    assert "No entry has an id starting with" in result.output
    assert WORD not in result.output


def test_a_prefix_shared_with_a_private_entry_of_another_is_not_ambiguous(
    sentinels: dict[str, str], journal: Invoke, home: Path
) -> None:
    # A private check-in of Sam's whose id starts as yours does: the prefix still names only yours.
    mine = sentinels["ana-private-pair-checkin"]
    with journal_session(home) as session:
        _ana, sam, pair = me_and_pair(session)
        twin = CheckIn(
            id=mine[:8] + "-twin",
            author_id=sam.id,
            pair_id=pair.id,
            at=datetime.now().astimezone(),
            note=f"{WORD} {mark('sam', PRIVATE, True, 'note')}",
            visibility=PRIVATE,
        )
        session.add(twin)
    result = journal("show", mine[:8], "--json")
    assert result.exit_code == 0, result.output
    assert mark("ana", PRIVATE, True, "note") in result.stdout
    assert mark("sam", PRIVATE, True, "note") not in result.stdout


def test_your_own_and_shared_entries_open_in_full(sentinels: dict[str, str], journal: Invoke) -> None:
    for whose in ("ana-private-pair", "ana-shared-pair", "sam-shared-pair"):
        result = journal("show", sentinels[f"{whose}-checkin"][:8], "--json")
        assert result.exit_code == 0, result.output
        who, visibility, where = whose.split("-")
        assert mark(who, visibility, where == "pair", "note") in result.stdout


def test_a_pair_counts_only_the_check_ins_you_may_see(sentinels: dict[str, str], journal: Invoke) -> None:
    import json

    result = journal("pair", "show", "sam", "--json")
    assert result.exit_code == 0, result.output
    # In the pair: your shared and private check-ins and Sam's shared one; Sam's private one is not counted.
    assert json.loads(result.stdout)["checkins"] == 3
