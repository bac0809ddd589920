"""The Markdown export: a readable document whose structure no note can break, checked with a real parser."""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from peerlog.exporters.markdown import inline, list_item, paragraphs
from peerlog.store import Store
from support import Invoke, add_feedback, add_reflection, journal_session, me_and_pair

# CommonMark plus the GFM extensions most viewers add, so a stray `|` or `~~` would show up as structure.
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
STRUCTURE_FROM_USER_TEXT = {
    "html_block",
    "html_inline",
    "code_block",
    "fence",
    "code_inline",
    "blockquote_open",
    "table_open",
    "s_open",
    "em_open",
    "strong_open",
    "link_open",
    "image",
    "ordered_list_open",
    "hr",
}

HOSTILE = [
    "# Not a heading\n## nor this one",
    "* not a list\n- nor this\n+ nor this\n1. nor this\n2) nor this",
    "| a | b |\n|---|---|\n| c | d |",
    "```\nnot a code block\n```",
    "> not a quote\n>> nor this",
    "<script>alert('hi')</script> <b>bold?</b> &amp; &copy; <!-- comment -->",
    "**not bold** _not em_ `not code` [not a link](http://example.com) ![no image](x.png)",
    "    indented, but not code",
    "A title?\n=====",
    "---\n***\n___",
    "ends with a backslash\\\nand two spaces  \nthen more",
    "~~not struck~~ <http://not-an-autolink.example> [ref]: http://x",
]


def inline_text(token: Token) -> str:
    """The literal text of an inline token; anything but text and line breaks fails the test."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "text_special"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        else:
            raise AssertionError(f"user text became Markdown structure: {child.type}")
    return "".join(parts)


def expected_paragraphs(text: str) -> list[str]:
    """What a reader should see: the same lines, trimmed, with blank lines separating paragraphs."""
    result, current = [], []
    for line in re.split(r"\r\n|\r|\n", text):
        if line.strip():
            current.append(line.strip())
        elif current:
            result.append("\n".join(current))
            current = []
    if current:
        result.append("\n".join(current))
    return result


def blocks(tokens: list[Token]) -> list[str]:
    return [t.type for t in tokens if t.type != "inline" and t.nesting != -1]


any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"))
    | st.sampled_from(list("\n\r\t#*_`>|<&[]!-+=~\\.)1 ")),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_any_note_renders_as_plain_paragraphs_of_exactly_its_own_text(text: str) -> None:
    tokens = PARSER.parse(paragraphs(text))
    assert set(blocks(tokens)) <= {"paragraph_open"}
    assert [inline_text(t) for t in tokens if t.type == "inline"] == expected_paragraphs(text)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_any_win_renders_as_one_bullet_of_exactly_its_own_text(text: str) -> None:
    tokens = PARSER.parse(list_item(text, " (Ana, Sat 21 Nov 2026)"))
    assert blocks(tokens) == ["bullet_list_open", "list_item_open", "paragraph_open"]
    lines = "\n".join(expected_paragraphs(text)).replace("\n\n", "\n") or "(empty)"
    assert inline_text(next(t for t in tokens if t.type == "inline")) == lines + " (Ana, Sat 21 Nov 2026)"


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_any_name_or_title_stays_inside_its_heading(text: str) -> None:
    tokens = PARSER.parse(f"#### {inline(text)}")
    assert blocks(tokens) == ["heading_open"]
    assert inline_text(tokens[1]) == " ".join(text.split())


def _headings(tokens: list[Token], level: int) -> list[str]:
    return [
        inline_text(tokens[i + 1])
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == f"h{level}"
    ]


@pytest.fixture
def three_weeks(journal: Invoke, home: Path) -> Invoke:
    """Three weeks of a pair's journal, every note and answer full of Markdown syntax."""
    days = [
        "2026-11-02T09:00",
        "2026-11-04T20:15",
        "2026-11-10T08:30",
        "2026-11-12T12:00",
        "2026-11-19T18:45",
    ]
    for i, note in enumerate(HOSTILE):
        journal(
            "checkin", "--pair", "sam", "--at", days[i % len(days)], "--note", note, "--shared",
            "--win", f"*win* number {i} | <i>", "--challenge", f"`challenge` {i}", "--tag", "work",
        )  # fmt: skip
    offset = timezone(timedelta(hours=1))
    with journal_session(home) as session:
        me, sam, pair = me_and_pair(session)
        add_reflection(
            session,
            author=me,
            pair=pair,
            at=datetime(2026, 11, 13, 19, 0, tzinfo=offset),
            answers=[
                ("# What *helped*?", "text", HOSTILE[5]),
                ("Which | parts?", "multi", '["a *b*", "<c>"]'),
            ],
        )
        add_feedback(
            session,
            author=sam,
            recipient=me,
            pair=pair,
            message=HOSTILE[2],
            at=datetime(2026, 11, 20, 9, 0, tzinfo=offset),
        )
    return journal


def test_a_markdown_export_keeps_its_structure_whatever_the_notes_contain(three_weeks: Invoke) -> None:
    result = three_weeks("export", "--format", "markdown", "--pair", "sam")
    assert result.exit_code == 0, result.stderr
    tokens = PARSER.parse(result.stdout)
    assert not {t.type for t in tokens} & STRUCTURE_FROM_USER_TEXT
    for t in tokens:
        if t.type == "inline":
            inline_text(t)  # fails on any emphasis, code, link, image or HTML made from user text
    assert _headings(tokens, 1) == ["Peer journal: Ana & Sam"]
    assert _headings(tokens, 2) == [
        "Week of Monday 16 November 2026",
        "Week of Monday 9 November 2026",
        "Week of Monday 2 November 2026",
    ]
    assert _headings(tokens, 3) == [
        "Wins", "Check-ins", "Challenges", "Feedback",
        "Wins", "Check-ins", "Challenges", "Reflections",
        "Wins", "Check-ins", "Challenges",
    ]  # fmt: skip
    entries = _headings(tokens, 4)
    assert len(entries) == len(HOSTILE) + 2  # every check-in, the reflection and the feedback
    paragraphs_seen = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    for note in HOSTILE:
        for paragraph in expected_paragraphs(note):
            assert paragraph in paragraphs_seen, f"{note!r} did not survive as literal text"
    bullets = [inline_text(tokens[i + 2]) for i, t in enumerate(tokens) if t.type == "list_item_open"]
    assert "*win* number 1 | <i> (Ana, Wed 4 Nov 2026)" in bullets
    assert _headings(tokens, 5) == ["# What *helped*?", "Which | parts?"]
    assert "a *b*, <c>" in paragraphs_seen


def test_weeks_and_the_entries_in_them_run_newest_first(three_weeks: Invoke) -> None:
    tokens = PARSER.parse(three_weeks("export", "--pair", "sam").stdout)
    checkins = [h for h in _headings(tokens, 4) if "·" in h and " to " not in h and "After" not in h]
    moments = [datetime.strptime(h.split(" · ")[0], "%a %d %b %Y %H:%M") for h in checkins]
    weeks = [m.isocalendar()[1] for m in moments]
    assert weeks == sorted(weeks, reverse=True)
    for week in set(weeks):
        in_week = [m for m, w in zip(moments, weeks, strict=True) if w == week]
        assert in_week == sorted(in_week, reverse=True)


def test_the_top_names_the_people_the_period_and_what_is_included(three_weeks: Invoke) -> None:
    text = three_weeks("export", "--since", "2026-11-03", "--until", "2026-11-15").stdout
    tokens = PARSER.parse(text)
    assert _headings(tokens, 1) == ["Peer journal: Ana, with Sam"]
    top = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens[:12]) if t.type == "paragraph_open"]
    assert top[:2] == [
        "Period: Tuesday 3 November 2026 to Sunday 15 November 2026.",
        "Includes shared entries only; private entries are left out.",
    ]
    assert _headings(tokens, 2) == ["Week of Monday 9 November 2026", "Week of Monday 2 November 2026"]


def test_an_export_with_private_entries_says_so_and_marks_them(journal: Invoke) -> None:
    journal("checkin", "--note", "Only for me", "--at", "2026-11-02T10:00")
    text = journal("export", "--include-private").stdout
    tokens = PARSER.parse(text)
    assert "Includes shared and private entries (keep this file private)." in [
        inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open"
    ]
    assert _headings(tokens, 4) == ["Mon 2 Nov 2026 10:00 · Ana (private)"]


def test_an_empty_period_still_gives_a_valid_document(journal: Invoke) -> None:
    result = journal("export", "--format", "md")
    assert result.exit_code == 0
    tokens = PARSER.parse(result.stdout)
    # An export names only the people its entries mention: here, nobody but you.
    assert _headings(tokens, 1) == ["Peer journal: Ana"]
    assert "Nothing here yet for this period." in result.stdout


def test_an_unknown_format_is_one_kind_line(journal: Invoke) -> None:
    result = journal("export", "--format", "pdf")
    assert result.exit_code == 2
    assert result.stderr == "peerlog: peerlog cannot export 'pdf'. Choose one of: json, markdown.\n"


@pytest.fixture(scope="module")
def two_peers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A journal with you, Sam and your pair, to copy for each generated example."""
    from peerlog.models import Pair, Person
    from peerlog.pairs import ordered
    from peerlog.people import name_key

    path = tmp_path_factory.mktemp("two-peers") / "peerlog.db"
    store = Store.open(path, create=True)
    try:
        with store.session(write=True) as session:
            me = Person(name="Ana", name_key=name_key("Ana"), is_self=True)
            sam = Person(name="Sam", name_key=name_key("Sam"), is_self=False)
            session.add_all([me, sam])
            session.flush()
            a, b = ordered(me.id, sam.id)
            session.add(Pair(person_a_id=a, person_b_id=b, started_at=datetime(2026, 1, 1, tzinfo=UTC)))
    finally:
        store.close()
    return path


def journal_checkin(session: Any, author: Any, pair: Any, at: datetime, note: str, wins: list[str]) -> None:
    from peerlog.models import CheckIn, Win

    checkin = CheckIn(
        author_id=author.id,
        pair_id=pair.id,
        at=at.astimezone(UTC),
        utc_offset=int(at.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
        note=note,
        visibility="shared",
    )
    session.add(checkin)
    session.flush()
    session.add_all(Win(checkin_id=checkin.id, position=i, text=text) for i, text in enumerate(wins))
    session.flush()


# Entries around week boundaries, on a half-hour grid (so equal moments happen), in every UTC offset.
ENTRIES = st.lists(
    st.tuples(
        st.sampled_from(["checkin", "reflection", "feedback"]),
        st.integers(-2 * 48, 2 * 48),
        st.integers(-14 * 4, 14 * 4).map(lambda quarters: quarters * 15),
        st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=ENTRIES)
def test_a_streamed_markdown_export_lists_each_week_once_newest_first_in_any_offset(
    two_peers: Path, entries: list[tuple[str, int, int, bool]]
) -> None:
    from peerlog.exporters.markdown import MarkdownExporter
    from peerlog.transfer import collect

    monday = datetime(2026, 11, 9, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(two_peers, Path(folder) / "peerlog.db")
        with journal_session(Path(folder)) as session:
            me, sam, pair = me_and_pair(session)
            for i, (kind, half_hours, offset, mine) in enumerate(entries):
                at = (monday + timedelta(minutes=30 * half_hours)).astimezone(
                    timezone(timedelta(minutes=offset))
                )
                author, other = (me, sam) if mine else (sam, me)
                if kind == "checkin":
                    journal_checkin(session, author, pair, at, f"Entry {i}", wins=[f"Win {i}"])
                elif kind == "reflection":
                    add_reflection(
                        session, author=author, pair=pair, at=at, answers=[("Q", "text", f"A {i}")]
                    )
                else:
                    add_feedback(session, author=author, recipient=other, pair=pair, message=f"M {i}", at=at)
        with journal_session(Path(folder), write=False) as session:
            doc = collect(session, include_private=True)
            streamed = "".join(MarkdownExporter().chunks(doc))
            whole = dataclasses.replace(
                doc,
                checkins=tuple(doc.checkins),
                reflections=tuple(doc.reflections),
                feedback=tuple(doc.feedback),
            )
            assert streamed == "".join(MarkdownExporter().chunks(whole))
    # Each week once, newest first, and every entry under the week of its author's own calendar.
    weeks: list[datetime] = []
    listed = 0
    for line in streamed.splitlines():
        if line.startswith("## Week of Monday "):
            weeks.append(datetime.strptime(line.removeprefix("## Week of Monday "), "%d %B %Y"))
        elif line.startswith("#### "):
            day = datetime.strptime(line[5:].split(" · ")[0], "%a %d %b %Y %H:%M")
            assert day - timedelta(days=day.weekday(), hours=day.hour, minutes=day.minute) == weeks[-1]
            listed += 1
    assert weeks == sorted(set(weeks), reverse=True)
    assert listed == len(entries)
