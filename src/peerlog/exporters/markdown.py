"""A readable Markdown document: title, people and period, then one section per week, newest week first.

A group's story (`export --group`) has the group before the weeks: its agreement, its members with when
each joined and left (no roles: it has none), and its sessions, newest first, with who came and who
facilitated that time. It names nobody as "you", so each member's journal tells the same story.

Every piece of user text goes through `escape_line` / `paragraphs` / `list_item`, so notes full of Markdown
syntax (`#`, `*`, `|`, backticks, a leading `>`, HTML) read as the literal text people typed and can never
add a heading, a quote, a table or raw HTML to the document. The output is CommonMark.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from peerlog.dates import clock, long_day, short_day
from peerlog.interchange import (
    ChallengeRecord,
    CheckInRecord,
    Entries,
    FeedbackRecord,
    GroupRecord,
    GroupSessionRecord,
    JournalDocument,
    ReflectionRecord,
    WinRecord,
)
from peerlog.rules import MOODS, visible

_E = TypeVar("_E", CheckInRecord, ReflectionRecord, FeedbackRecord)

FEEDBACK_WORDS = {"appreciation": "appreciation", "suggestion": "suggestion"}

# Characters with a meaning anywhere in a line (emphasis, code, links, HTML, entities, headings' closing
# hashes, GFM tables and strikethrough). A backslash before any ASCII punctuation is always a literal in
# CommonMark, so escaping these can never go wrong, only look a little busy in the raw file.
_INLINE = frozenset("\\`*_[]<>#|~&")
# Markers that only mean something at the start of a line: list bullets, setext underlines, ordered lists.
_LINE_START = frozenset("-+=")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")


def _lines(text: str) -> list[str]:
    # CommonMark also ends a line at a lone CR: treat it as a newline so no line escapes unescaped.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def escape_line(line: str) -> str:
    """One line of user text as literal Markdown inline content."""
    # Leading spaces would make an indented code block; trailing ones a hard line break.
    # Control characters (an escape sequence from a doctored journal) are written out visibly first, so
    # the file cannot drive the terminal of whoever prints it with `cat`.
    stripped = visible(line.strip())
    escaped = "".join("\\" + ch if ch in _INLINE else ch for ch in stripped)
    if escaped[:1] in _LINE_START:
        return "\\" + escaped
    return _ORDERED.sub(r"\1\\\2", escaped, count=1)


def inline(text: str) -> str:
    """Short user text (a name, a title, a tag) on one line."""
    return escape_line(" ".join(text.split()))


def paragraphs(text: str) -> str:
    """User text as paragraphs: its line breaks kept as hard breaks, blank lines as paragraph breaks."""
    blocks: list[list[str]] = [[]]
    for line in _lines(text):
        escaped = escape_line(line)
        if escaped:
            blocks[-1].append(escaped)
        elif blocks[-1]:
            blocks.append([])
    return "\n\n".join("\\\n".join(block) for block in blocks if block)


def list_item(text: str, suffix: str = "") -> str:
    """User text as one bullet; extra lines stay inside the item as hard breaks."""
    lines = [escape_line(line) for line in _lines(text)]
    body = "\\\n  ".join(line for line in lines if line) or "(empty)"
    return f"- {body}{suffix}"


def _when(moment: datetime) -> str:
    return f"{short_day(moment)} {clock(moment)}"


def _local(stamp: datetime) -> datetime:
    """A bookkeeping stamp (UTC) as a day on this machine's calendar, as `group show` writes it."""
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone()


def _bound(moment: datetime, *, end: bool) -> str:
    """A period's edge as asked for: a whole day reads as the day, a moment within one keeps its time, so
    `--since 5w` never names a day whose earlier entries were left out."""
    whole = moment.time() == (time.max if end else time.min)
    return long_day(moment) if whole else f"{long_day(moment)}, {clock(moment)}"


def _week_of(moment: datetime) -> date:
    # The author's own calendar: an entry written late on Sunday belongs to the week they lived it in.
    local = moment.date()
    return local - timedelta(days=local.weekday())


@dataclass
class _Week:
    wins: list[tuple[CheckInRecord, WinRecord]] = field(default_factory=list)
    checkins: list[CheckInRecord] = field(default_factory=list)
    challenges: list[tuple[CheckInRecord, ChallengeRecord]] = field(default_factory=list)
    reflections: list[ReflectionRecord] = field(default_factory=list)
    feedback: list[FeedbackRecord] = field(default_factory=list)


def _newest_first(records: Iterable[CheckInRecord | ReflectionRecord | FeedbackRecord]) -> list:
    return sorted(records, key=lambda r: (r.at, r.id), reverse=True)


def _walk_newest_first(entries: Entries[_E]) -> Iterator[_E]:
    """Entries newest first by (`at`, id): read so by a journal that can (a batch at a time), else sorted."""
    walk = getattr(entries, "newest_first", None)
    return walk() if walk is not None else iter(_newest_first(entries))


def _ends(entries: Entries[_E]) -> tuple[datetime | None, datetime | None]:
    """The first earliest and the first latest moment, in the entries' own (oldest first) order."""
    ends = getattr(entries, "ends", None)
    if ends is not None:
        return ends()
    moments = [r.at for r in entries]
    return (min(moments), max(moments)) if moments else (None, None)


def _day_after(moment: datetime) -> datetime:
    # Entries peerlog accepts stay a year inside the calendar (see peerlog.dates); a journal changed
    # behind its back may not, and its last day simply has no day after it to wait for.
    try:
        return moment.astimezone(UTC).replace(tzinfo=None) + timedelta(days=1)
    except OverflowError:
        return datetime.max


def _weeks(doc: JournalDocument) -> Iterator[tuple[date, _Week]]:
    """Each week with its entries, newest week first, holding only the weeks still being read in memory.

    Entries arrive newest first by their moment in UTC, but belong to the week of their author's own
    calendar. A UTC offset is less than a day, so once the entries reach a day before a week's Monday
    (in UTC), nothing more can belong to that week or any later one: those weeks are complete.
    """
    streams: list[Iterator[tuple[datetime, str, Any]]] = [
        ((r.at, "checkin", r) for r in _walk_newest_first(doc.checkins)),
        ((r.at, "reflection", r) for r in _walk_newest_first(doc.reflections)),
        ((r.at, "feedback", r) for r in _walk_newest_first(doc.feedback)),
    ]
    open_weeks: dict[date, _Week] = {}

    def complete(before: datetime | None) -> Iterator[tuple[date, _Week]]:
        for monday in sorted(open_weeks, reverse=True):
            if before is not None and datetime.combine(monday, time.min) < before:
                break
            yield monday, open_weeks.pop(monday)

    for moment, kind, record in heapq.merge(*streams, key=lambda item: item[0], reverse=True):
        yield from complete(_day_after(moment))
        week = open_weeks.setdefault(_week_of(moment), _Week())
        if kind == "checkin":
            week.checkins.append(record)
            week.wins.extend((record, w) for w in sorted(record.wins, key=lambda w: w.position))
            week.challenges.extend(
                (record, ch) for ch in sorted(record.challenges, key=lambda ch: ch.position)
            )
        elif kind == "reflection":
            week.reflections.append(record)
        else:
            week.feedback.append(record)
    yield from complete(None)


class _Writer:
    def __init__(self, doc: JournalDocument) -> None:
        self.doc = doc
        self.out: list[str] = []
        self.written = False

    def block(self, text: str) -> None:
        self.out.append(text)

    def who(self, person_id: str) -> str:
        return inline(self.doc.name_of(person_id))

    def private_mark(self, visibility: str) -> str:
        # Only a private export mixes the two; there it helps to see which entries are for you alone.
        return " (private)" if self.doc.include_private and visibility != "shared" else ""

    def title(self) -> str:
        doc = self.doc
        me = doc.person(doc.self_id)
        group = doc.group(doc.scope.group_id)
        if group is not None:
            return f"# Peer journal: {inline(group.name)}"
        pair = doc.pair(doc.scope.pair_id)
        if pair is not None:
            names = [doc.name_of(doc.self_id), doc.name_of(pair.other(doc.self_id))]
            return f"# Peer journal: {inline(names[0])} & {inline(names[1])}"
        others = sorted((p.name for p in doc.people if p.id != doc.self_id and p.name), key=str.casefold)
        mine = inline(me.name if me and me.name else "you")
        if not others:
            return f"# Peer journal: {mine}"
        listed = ", ".join(inline(n) for n in others[:-1])
        listed = f"{listed} and {inline(others[-1])}" if listed else inline(others[-1])
        return f"# Peer journal: {mine}, with {listed}"

    def period(self) -> str:
        doc = self.doc
        since, until = doc.scope.since, doc.scope.until
        if since is None or until is None:
            first: datetime | None = None
            last: datetime | None = None
            # The same moments as min() and max() over every entry in turn: the first one wins a tie.
            for earliest, latest in (_ends(doc.checkins), _ends(doc.reflections), _ends(doc.feedback)):
                if earliest is not None and (first is None or earliest < first):
                    first = earliest
                if latest is not None and (last is None or latest > last):
                    last = latest
            # The entries' own ends are named by their days: every entry of those days is inside.
            since = since or (first.replace(hour=0, minute=0, second=0, microsecond=0) if first else None)
            until = until or (
                last.replace(hour=23, minute=59, second=59, microsecond=999999) if last else None
            )
        if since is None:
            if until is None:
                return "Period: everything so far."
            return f"Period: up to {_bound(until, end=True)}."
        if until is None:
            return f"Period: from {_bound(since, end=False)}."
        start, end = _bound(since, end=False), _bound(until, end=True)
        if since.date() == until.date() and start == end:
            return f"Period: {start}."
        return f"Period: {start} to {end}."

    def render(self) -> Iterator[str]:
        """The document a block at a time, weeks newest first; a week is written as soon as it is complete."""
        doc = self.doc
        self.block(self.title())
        self.block(self.period())
        self.block(f"Includes {doc.includes}.")
        group = doc.group(doc.scope.group_id)
        if group is not None:
            self.group(group)
        empty = True
        for monday, week in _weeks(doc):
            empty = False
            self.week(monday, week)
            yield from self.flush()
        if empty:
            self.block("Nothing here yet for this period.")
        yield from self.flush()
        yield "\n"

    def flush(self) -> Iterator[str]:
        # Blocks are separated by one blank line, as "\n\n".join(blocks) would.
        for text in self.out:
            yield "\n\n" + text if self.written else text
            self.written = True
        self.out.clear()

    def group(self, g: GroupRecord) -> None:
        self.block(f"## {inline(g.name)}")
        started = long_day(_local(g.started_at))
        ended = f"Met from {started} to {long_day(_local(g.ended_at))}." if g.ended_at else None
        self.block(ended or f"Meeting since {started}.")
        if g.agreement:
            self.block("### Our agreement")
            self.block(paragraphs(g.agreement))
        self.block("### Members")
        stretches: dict[str, list[str]] = {}
        for m in sorted(g.members, key=lambda m: (m.joined_at, m.person_id)):
            joined = short_day(_local(m.joined_at))
            span = f"{joined} to {short_day(_local(m.left_at))}" if m.left_at else f"since {joined}"
            stretches.setdefault(m.person_id, []).append(span)
        # By name: an order to read, never a ranking; a person who came back has one line with each stretch.
        people = sorted(stretches, key=lambda pid: (self.doc.name_of(pid).casefold(), pid))
        self.block("\n".join(f"- {self.who(pid)}, {'; '.join(stretches[pid])}" for pid in people))
        sessions = sorted(self.doc.group_sessions, key=lambda s: (s.at, s.id), reverse=True)
        self.block("### Sessions")
        self.block("\n".join(self.session(s) for s in sessions) if sessions else "No sessions recorded.")

    def session(self, s: GroupSessionRecord) -> str:
        came = sorted((self.doc.name_of(pid) for pid in s.attendance), key=str.casefold)
        who = f" · came: {', '.join(inline(n) for n in came)}" if came else ""
        # Who facilitated that time only: the role rotates, so it is said of a session, never of a person.
        held = f" · {self.who(s.facilitator_id)} facilitated" if s.facilitator_id else ""
        return f"- {_when(s.at)}{who}{held}{self.private_mark(s.visibility)}"

    def week(self, monday: date, week: _Week) -> None:
        self.block(f"## Week of {long_day(monday)}")
        wins = self.wins(week)
        if wins:
            self.block("### Wins")
            self.block("\n".join(wins))
        if week.checkins:
            self.block("### Check-ins")
            for c in _newest_first(week.checkins):
                self.checkin(c)
        if week.challenges:
            self.block("### Challenges")
            hard = sorted(week.challenges, key=lambda cc: (cc[0].at, cc[0].id, -cc[1].position), reverse=True)
            self.block("\n".join(self.challenge(c, ch) for c, ch in hard))
        if week.reflections:
            self.block("### Reflections")
            for r in _newest_first(week.reflections):
                self.reflection(r)
        if week.feedback:
            self.block("### Feedback")
            for f in _newest_first(week.feedback):
                self.feedback(f)

    def wins(self, week: _Week) -> list[str]:
        """Wins as the `wins` view counts them: logged wins, challenges overcome and appreciations given."""
        found: list[tuple[datetime, str, int, str]] = []
        for c, w in week.wins:
            found.append(
                (c.at, c.id, -w.position, list_item(w.text, f" ({self.who(c.author_id)}, {short_day(c.at)})"))
            )
        for c, ch in week.challenges:
            if ch.overcome_at is not None:
                suffix = f" (a challenge {self.who(c.author_id)} overcame, {short_day(c.at)})"
                found.append((c.at, c.id, -ch.position, list_item(ch.text, suffix)))
        for f in week.feedback:
            # Only an appreciation given (shared) is a win for its recipient; a private one is still a draft.
            if f.kind == "appreciation" and f.visibility == "shared":
                suffix = f" ({self.who(f.author_id)}'s appreciation of {self.who(f.recipient_id)}, {short_day(f.at)})"
                found.append((f.at, f.id, 0, list_item(f.message, suffix)))
        return [line for *_, line in sorted(found, reverse=True)]

    def checkin(self, c: CheckInRecord) -> None:
        mood = f" · mood {c.mood} ({MOODS.get(c.mood, '?')})" if c.mood else ""
        self.block(f"#### {_when(c.at)} · {self.who(c.author_id)}{mood}{self.private_mark(c.visibility)}")
        if c.note:
            self.block(paragraphs(c.note))
        # The wins and challenges themselves, so the check-in reads whole without the sections above it.
        items = [list_item("Win: " + w.text) for w in sorted(c.wins, key=lambda w: w.position)]
        for ch in sorted(c.challenges, key=lambda ch: ch.position):
            items.append(
                list_item("Challenge: " + ch.text, " (overcome)" if ch.overcome_at is not None else "")
            )
        if items:
            self.block("\n".join(items))
        if c.tags:
            self.block("Tags: " + ", ".join(inline(t) for t in sorted(c.tags)) + ".")

    def challenge(self, c: CheckInRecord, ch: ChallengeRecord) -> str:
        suffix = f" ({self.who(c.author_id)}, {short_day(c.at)})"
        if ch.overcome_at is not None:
            suffix += f", overcome on {short_day(ch.overcome_at.astimezone(c.at.tzinfo))}"
            if ch.overcome_note:
                suffix += ": " + inline(ch.overcome_note)
        return list_item(ch.text, suffix)

    def reflection(self, r: ReflectionRecord) -> None:
        title = inline(r.pack_title or r.pack_name)
        self.block(f"#### {_when(r.at)} · {self.who(r.author_id)} · {title}{self.private_mark(r.visibility)}")
        for answer in sorted(r.answers, key=lambda a: a.position):
            self.block(f"##### {inline(answer.prompt_text) or '(question)'}")
            self.block(_answer_text(answer.kind, answer.value))

    def feedback(self, f: FeedbackRecord) -> None:
        kind = FEEDBACK_WORDS.get(f.kind, inline(f.kind))
        self.block(
            f"#### {_when(f.at)} · {self.who(f.author_id)} to {self.who(f.recipient_id)} · {kind}"
            f"{self.private_mark(f.visibility)}"
        )
        self.block(paragraphs(f.message) or "(no message)")


def _answer_text(kind: str, value: str) -> str:
    if kind == "scale":
        # A bare "5" under a question reads as a stray number; say what it is.
        return f"Rated {inline(value)}." if value.strip() else "(skipped)"
    if kind == "multi":
        try:
            chosen = json.loads(value)
        except ValueError:
            chosen = None
        if isinstance(chosen, list) and all(isinstance(v, str) for v in chosen):
            return inline(", ".join(chosen)) or "(skipped)"
    return paragraphs(value) or "(skipped)"


class MarkdownExporter:
    """A readable CommonMark document to keep in your notes or send to your peer."""

    name = "markdown"
    extension = ".md"

    def chunks(self, doc: JournalDocument) -> Iterator[str]:
        return _Writer(doc).render()
