"""Property-based tests over every text the command line accepts: odd input never hurts the journal.

For each input surface (a flag or argument that takes text), hypothesis throws unicode, control characters,
bytes that are not UTF-8 (as the shell hands them over), very long and empty values at it. The properties:
- peerlog never fails unexpectedly (PEERLOG_DEBUG=1 turns any unexpected error into a test failure);
- input it refuses gets one line on stderr and exit 2, and the journal is exactly as it was;
- input it accepts reads back identically (after the documented tidying: surrounding whitespace trimmed,
  Windows line ends made plain, names' inner spaces collapsed, tags case-folded);
- the journal passes SQLite's integrity check after every example.

To cover a new command, add a `Surface` (writes that must read back) or a `Probe` (reads and lookups that
must only ever answer or refuse) to the tables below.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from support import TEXT, Invoke, refused_cleanly, tidy

EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    # One journal per test, shared by its examples: each example checks only what it wrote.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------- what people might type


def tidy_name(text: str) -> str:
    return " ".join(text.split())


def tidy_tag(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lstrip("#").casefold()


# ---------------------------------------------------------------- the journal, from outside


def db_of(home: Path) -> Path:
    return home / "peerlog.db"


def snapshot(home: Path) -> tuple[Any, ...]:
    """Everything a refused command must leave alone, read with plain sqlite3 (integrity checked too)."""
    with sqlite3.connect(db_of(home)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        state = tuple(
            conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in (
                "person",
                "pair",
                "checkin",
                "win",
                "challenge",
                "checkin_tag",
                "reflection",
                "answer",
                "feedback",
            )
        )
    conn.close()
    return state


def saved_id(stdout: str) -> str:
    assert stdout.startswith("Saved check-in "), stdout
    return stdout.split()[2]


def show(invoke: Invoke, short: str) -> dict[str, Any]:
    result = invoke("show", short, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def run(invoke: Invoke, home: Path, argv: list[str], **kw: Any) -> Any:
    """Run a command; if refused, prove it refused cleanly and changed nothing."""
    before = snapshot(home)
    result = invoke(*argv, **kw)
    if result.exit_code != 0:
        refused_cleanly(result)
        assert snapshot(home) == before
    else:
        snapshot(home)
    return result


@pytest.fixture
def fuzz_journal(journal: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    # Any unexpected error now escapes as an exception, which fails the example with its traceback.
    monkeypatch.setenv("PEERLOG_DEBUG", "1")
    monkeypatch.setenv("PEERLOG_NO_PROMPT", "1")
    result = journal("checkin", "--note", "A first entry to edit")
    assert result.exit_code == 0
    return journal


@pytest.fixture
def first_entry(fuzz_journal: Invoke) -> str:
    return json.loads(fuzz_journal("log", "--json").stdout)[0]["id"][:8]


# ---------------------------------------------------------------- writes that must read back


@dataclass(frozen=True)
class Surface:
    name: str
    #: argv for a value; `entry` is the short id of an existing check-in of yours.
    argv: Callable[[str, str], list[str]]
    #: what was stored, read back through the CLI's JSON (`saved` is the command's stdout)
    read: Callable[[Invoke, str, str], Any]
    #: what that should be for the value typed
    expect: Callable[[str], Any]


def _checkin_field(field: str) -> Callable[[Invoke, str, str], Any]:
    return lambda invoke, saved, _entry: show(invoke, saved_id(saved))[field]


def _entry_field(field: str) -> Callable[[Invoke, str, str], Any]:
    return lambda invoke, _saved, entry: show(invoke, entry)[field]


def _you(invoke: Invoke, _saved: str, _entry: str) -> Any:
    pairs = json.loads(invoke("pair", "list", "--json").stdout)
    return pairs[0]["people"][0]


SURFACES = [
    Surface("checkin --note", lambda v, _: ["checkin", f"--note={v}"], _checkin_field("note"), tidy),
    Surface(
        "checkin --win",
        lambda v, _: ["checkin", "--mood", "3", f"--win={v}"],
        _checkin_field("wins"),
        lambda v: [tidy(v)] if tidy(v) else [],
    ),
    Surface(
        "checkin --challenge",
        lambda v, _: ["checkin", "--mood", "3", f"--challenge={v}"],
        lambda invoke, saved, _e: [c["text"] for c in show(invoke, saved_id(saved))["challenges"]],
        lambda v: [tidy(v)] if tidy(v) else [],
    ),
    Surface(
        "checkin --tag",
        lambda v, _: ["checkin", "--mood", "3", f"--tag={v}"],
        _checkin_field("tags"),
        lambda v: [tidy_tag(v)],
    ),
    Surface("edit --note", lambda v, e: ["edit", e, f"--note={v}"], _entry_field("note"), tidy),
    Surface(
        "edit --add-win",
        lambda v, e: ["edit", e, f"--add-win={v}"],
        lambda invoke, _s, e: show(invoke, e)["wins"][-1:],
        lambda v: [tidy(v)] if tidy(v) else [],
    ),
    Surface("init --name", lambda v, _: ["init", f"--name={v}"], _you, tidy_name),
    Surface(
        "feedback MESSAGE",
        lambda v, _: ["feedback", "--no-hints", "--", "Sam", v],
        lambda invoke, saved, _e: _feedback_message(invoke, saved),
        tidy,
    ),
    Surface(
        "reflect --answer",
        lambda v, _: ["reflect", "--no-hints", f"--answer=take-away={v}"],
        lambda invoke, saved, _e: _reflection_answer(invoke, saved, "take-away"),
        tidy,
    ),
]


def _feedback_message(invoke: Invoke, saved: str) -> str:
    # "Saved your appreciation for Sam 1a2b3c4d (private: ...)."
    short = saved.split(" (", 1)[0].split()[-1]
    listed = json.loads(invoke("feedback", "Sam", "--list", "--json").stdout)
    return next(f["message"] for f in listed if f["id"].startswith(short))


def _reflection_answer(invoke: Invoke, saved: str, prompt_id: str) -> str:
    if saved.startswith("You skipped every question"):  # an empty answer is a skipped one
        return ""
    short = saved.split()[3]  # "Saved your reflection 1a2b3c4d (..."
    listed = json.loads(invoke("reflections", "--json", "--limit", "1000").stdout)
    answers = next(r["answers"] for r in listed if r["id"].startswith(short))
    return next(a["value"] for a in answers if a["prompt_id"] == prompt_id)


def _readback(surface: Surface, fuzz_journal: Invoke, home: Path, entry: str, value: str) -> None:
    if surface.name.startswith("edit --add-win"):
        before_wins = show(fuzz_journal, entry)["wins"]
    result = run(fuzz_journal, home, surface.argv(value, entry))
    if result.exit_code != 0:
        return
    got = surface.read(fuzz_journal, result.stdout, entry)
    if surface.name.startswith("edit --add-win") and not tidy(value):
        assert show(fuzz_journal, entry)["wins"] == before_wins
        return
    assert got == surface.expect(value)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_text_that_is_accepted_reads_back_as_typed_and_the_rest_is_refused_cleanly(
    surface: Surface, fuzz_journal: Invoke, home: Path, first_entry: str
) -> None:
    @EXAMPLES
    @given(value=TEXT)
    @example(value="\udcff")  # found by this test: bytes that are not UTF-8, as the shell passes them on
    @example(value="a\nb\x1b[31m")
    def check(value: str) -> None:
        _readback(surface, fuzz_journal, home, first_entry, value)

    check()


def test_a_tag_is_found_again_by_what_was_typed(fuzz_journal: Invoke, home: Path) -> None:
    @EXAMPLES
    @given(value=TEXT)
    def check(value: str) -> None:
        result = run(fuzz_journal, home, ["checkin", "--mood", "2", f"--tag={value}"])
        if result.exit_code == 0:
            found = run(fuzz_journal, home, ["log", "--json", "--limit", "1000", f"--tag={value}"])
            assert saved_id(result.stdout) in {e["id"][:8] for e in json.loads(found.stdout)}

    check()


def test_a_peer_added_under_any_name_can_be_found_by_that_name(fuzz_journal: Invoke, home: Path) -> None:
    @EXAMPLES
    @given(name=TEXT, agreement=st.one_of(st.none(), TEXT))
    @example(name="Jo\nAnn", agreement=None)  # found by this test: the name saved as "Jo Ann" was not found
    @example(name="Jo", agreement="\x1b[2J")
    def check(name: str, agreement: str | None) -> None:
        argv = (
            ["pair", "add", "--", name]
            if agreement is None
            else ["pair", "add", f"--agreement={agreement}", "--", name]
        )
        result = run(fuzz_journal, home, argv)
        if result.exit_code != 0:
            return
        shown = run(fuzz_journal, home, ["pair", "show", "--json", "--", name])
        assert shown.exit_code == 0, shown.stderr
        pair = json.loads(shown.stdout)
        assert pair["peer"] == tidy_name(name)
        if "are now a pair" in result.stdout:  # a pair picked up again keeps its earlier agreement
            assert pair["agreement"] == (None if agreement is None else tidy(agreement) or None)
        saved = run(fuzz_journal, home, ["checkin", "--note", "Together", "--pair", name])
        assert saved.exit_code == 0, saved.stderr
        assert show(fuzz_journal, saved_id(saved.stdout))["pair"] == tidy_name(name)
        run(fuzz_journal, home, ["pair", "end", "--", name])

    check()


def test_a_note_piped_in_as_any_bytes_is_kept_or_refused_cleanly(fuzz_journal: Invoke, home: Path) -> None:
    @EXAMPLES
    @given(
        data=st.one_of(st.binary(max_size=200), TEXT.filter(lambda t: not _has_surrogates(t)).map(str.encode))
    )
    @example(data=b"\x80 not UTF-8")  # found by this test: a traceback instead of a kind refusal
    @example(data=b"!\r!")  # stdin is read with universal newlines: a lone CR is a line end
    def check(data: bytes) -> None:
        result = run(fuzz_journal, home, ["checkin"], input=data)
        if result.exit_code == 0:
            typed = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
            assert show(fuzz_journal, saved_id(result.stdout))["note"] == tidy(typed)

    check()


def _has_surrogates(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


# ---------------------------------------------------------------- moments


OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def test_a_moment_given_with_its_offset_reads_back_as_the_same_moment(
    fuzz_journal: Invoke, home: Path
) -> None:
    @EXAMPLES
    @given(
        moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS)
    )
    def check(moment: datetime) -> None:
        result = run(fuzz_journal, home, ["checkin", "--note", "Then", f"--at={moment.isoformat()}"])
        if result.exit_code == 0:
            stored = datetime.fromisoformat(show(fuzz_journal, saved_id(result.stdout))["at"])
            assert stored == moment
            assert stored.utcoffset() == moment.utcoffset()

    check()


def test_moments_at_the_edges_of_the_calendar_are_kept_or_refused_cleanly(
    fuzz_journal: Invoke, home: Path
) -> None:
    edges = st.sampled_from(
        [
            "0001-01-01",
            "0001-01-01T00:00+14:00",
            "9999-12-31",
            "9999-12-31T23:59-14:00",
            "9999y",
            "9999m",
            "0d",
        ]
    )
    spans = st.from_regex(r"\A\d{1,4} ?[hdwmyHDWMY]( ago)?\Z")

    @EXAMPLES
    @given(text=st.one_of(edges, spans, TEXT), flag=st.sampled_from(["--at", "--since", "--until"]))
    def check(text: str, flag: str) -> None:
        argv = (
            ["checkin", "--note", "When?", f"{flag}={text}"] if flag == "--at" else ["log", f"{flag}={text}"]
        )
        run(fuzz_journal, home, argv)

    check()


# ---------------------------------------------------------------- numbers


def test_any_mood_is_kept_when_one_to_five_and_refused_otherwise(fuzz_journal: Invoke, home: Path) -> None:
    @EXAMPLES
    @given(mood=st.one_of(st.integers(), st.integers(-10, 10), TEXT))
    def check(mood: int | str) -> None:
        result = run(fuzz_journal, home, ["checkin", f"--mood={mood}"])
        if isinstance(mood, int) and 1 <= mood <= 5:
            assert result.exit_code == 0
            assert show(fuzz_journal, saved_id(result.stdout))["mood"] == mood
        elif isinstance(mood, int):
            assert result.exit_code == 2

    check()


def test_any_limit_lists_or_refuses_cleanly(fuzz_journal: Invoke, home: Path) -> None:
    @EXAMPLES
    @example(limit=2**63)  # found by this test: more than SQLite's integers hold
    @given(limit=st.one_of(st.integers(), st.sampled_from([2**63, 2**64, 10**30, -(2**63)])))
    def check(limit: int) -> None:
        result = run(fuzz_journal, home, ["log", "--json", f"--limit={limit}"])
        assert (result.exit_code == 0) == (limit >= 1)

    check()


# ---------------------------------------------------------------- lookups that must only answer or refuse


@dataclass(frozen=True)
class Probe:
    name: str
    argv: Callable[[str], list[str]]


PROBES = [
    Probe("log --pair", lambda v: ["log", f"--pair={v}"]),
    Probe("log --tag", lambda v: ["log", f"--tag={v}"]),
    Probe("show ID", lambda v: ["show", "--", v]),
    Probe("edit ID", lambda v: ["edit", "--mood", "3", "--", v]),
    Probe("delete ID", lambda v: ["delete", "--yes", "--", v]),
    Probe("pair show NAME", lambda v: ["pair", "show", "--", v]),
    Probe("pair end NAME", lambda v: ["pair", "end", "--", v]),
    Probe("checkin --pair", lambda v: ["checkin", "--note", "x", f"--pair={v}"]),
    Probe("edit --pair", lambda v: ["edit", "--note", "x", f"--pair={v}", "--", "0000"]),
    Probe("search WORDS", lambda v: ["search", "--", v]),
    Probe("search --json WORDS", lambda v: ["search", "--json", "--", v, "entry"]),
    Probe("wins --pair", lambda v: ["wins", f"--pair={v}"]),
    Probe("summary --pair", lambda v: ["summary", f"--pair={v}"]),
    Probe("reflections --pair", lambda v: ["reflections", f"--pair={v}"]),
    Probe("feedback NAME --list", lambda v: ["feedback", "--list", "--", v]),
]


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_looking_things_up_by_any_text_answers_or_refuses_cleanly(
    probe: Probe, fuzz_journal: Invoke, home: Path
) -> None:
    @EXAMPLES
    @given(value=TEXT)
    def check(value: str) -> None:
        run(fuzz_journal, home, probe.argv(value))

    check()


def test_the_journal_is_whole_after_all_of_it(fuzz_journal: Invoke, home: Path) -> None:
    """A last look from outside, with the tool people would reach for: `peerlog doctor`."""
    result = fuzz_journal("doctor", "--json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["integrity"] == ["ok"]
