"""The one place that builds rich output: shared helpers here, one module per area beside it.

Gentle colours only: no red, no numbers that grade anyone, no ranking of one peer over another.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO, cast

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, RenderResult
    from rich.measure import Measurement

from peerlog import rules
from peerlog.dates import clock, long_day, short_day
from peerlog.rules import visible

__all__ = [
    "Hanging",
    "WithCommand",
    "author_line",
    "console",
    "local",
    "long_day",
    "mood",
    "plain",
    "short_day",
    "visible",
    "when",
    "when_long",
    "when_utc",
    "who_width",
]


class _TrimmedLines:
    """Writes to the current stdout or stderr with each line's trailing spaces taken off.

    rich pads every line of a table or panel to the full width; on a screen that is invisible, but in a
    file or a pipe it is noise that diffs and editors show. Only whole lines are trimmed.
    """

    def __init__(self, stderr: bool) -> None:
        self.stderr = stderr
        self.pending = ""

    @property
    def target(self) -> TextIO:
        return sys.stderr if self.stderr else sys.stdout

    def write(self, text: str) -> int:
        done, _, self.pending = (self.pending + text).rpartition("\n")
        if _:
            self.target.write("\n".join(line.rstrip(" ") for line in done.split("\n")) + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.target.write(self.pending)
            self.pending = ""
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.target, "encoding", None) or "utf-8"


class Hanging:
    """Text whose first line starts `first` columns in and whose wrapped lines start `rest` columns in.

    An indented line of a view ("  Wed 2 Dec · who came") that wraps must go on under its indent: back at
    the edge it reads as a new item. rich's Padding indents every line alike; this hangs the rest."""

    def __init__(self, text: Text, *, first: int = 2, rest: int = 4) -> None:
        self.text, self.first, self.rest = text, first, rest

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        # The first line has its own width; what it leaves is wrapped again, `rest` columns in.
        first = self.text.wrap(console, max(options.max_width - self.first, 10))[0]
        left = self.text[len(first.plain) :]
        left = left[len(left.plain) - len(left.plain.lstrip()) :]
        rest: list[Text] = (
            list(left.wrap(console, max(options.max_width - self.rest, 10))) if left.plain else []
        )
        for indent, line in [(self.first, first), *((self.rest, line) for line in rest)]:
            yield Segment(" " * indent)
            yield from line.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement

        # As the text measures, plus the indents: a table column holding it sizes it like any text.
        measured = Measurement.get(console, options, self.text)
        return Measurement(measured.minimum + self.rest, measured.maximum + self.first)


class WithCommand:
    """Words, then a command to copy: on one line when both fit, else the command on the next line, indented,
    whole. A command broken across lines cannot be copied, and a name cut from its flag reads as another."""

    def __init__(self, words: str, command: str, *, style: str = "dim", indent: int = 2) -> None:
        self.words, self.command, self.style, self.indent = words, command, style, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.cells import cell_len

        command = visible(f"`{self.command}`")
        one_line = f"{visible(self.words)} {command}"
        if cell_len(one_line) <= options.max_width:
            yield Text(one_line, style=self.style)
            return
        yield Text(visible(self.words), style=self.style)
        yield Text(" " * self.indent + command, style=self.style)


def who_width(width: int) -> int:
    """How wide a list's "who" column may grow: narrow at 80 columns so the note keeps its room, wider
    where there is room, so a long name or a group's name is not cut or stacked word by word."""
    return 16 if width < 100 else 30


def console(*, stderr: bool = False) -> Console:
    # Everything shown is people's own words: a name like "Jo [he/him]" or a note with ":smile:" must
    # read as typed, so a plain string is never taken for rich markup or an emoji code, wherever it lands.
    target = sys.stderr if stderr else sys.stdout
    if target.isatty():
        return Console(stderr=stderr, highlight=False, markup=False, emoji=False)
    # Written to a file or a pipe: lines end where their words do.
    file = cast(TextIO, _TrimmedLines(stderr))
    return Console(file=file, highlight=False, markup=False, emoji=False)


def plain(value: str | None, style: str = "") -> Text:
    """Someone's text as they wrote it: literal (never markup), with control characters shown, not obeyed."""
    return Text(visible(value or ""), style=style)


def when(moment: datetime) -> str:
    """A moment as the author saw it, e.g. `Sat 21 Nov 2026 18:30`."""
    return f"{short_day(moment)} {clock(moment)}"


def when_long(moment: datetime) -> str:
    """A moment for a heading or a detail view, e.g. `Saturday 21 November 2026, 18:30`."""
    return f"{long_day(moment)}, {clock(moment)}"


def local(utc: datetime) -> datetime:
    """A stored UTC moment in this machine's local time."""
    return (utc if utc.tzinfo else utc.replace(tzinfo=UTC)).astimezone()


def when_utc(utc: datetime) -> str:
    """A stored UTC moment in this machine's local time."""
    return when(local(utc))


def mood(value: int | None) -> Text:
    if value is None:
        return Text("-", style="dim")
    return Text(visible(f"{value} · {rules.MOODS.get(value, '?')}"), style="cyan")


def author_line(
    by_you: bool, author: str, pair: str | None, joiner: str = ", with ", group: str | None = None
) -> str:
    """Who wrote an entry and, when it adds something, the pair or the group it belongs to.

    A pair is named by the peer seen from your side, so a peer's own entry in your pair would name them
    twice ("Sam, with Sam"): their name alone already says whose pair it is. A group is named by its
    name: "Sam, in Tuesday circle".
    """
    name = "you" if by_you else author
    if group is not None:
        return f"{name}{joiner.removesuffix('with ')}in {group}"
    if pair is None or (not by_you and pair == author):
        return name
    return f"{name}{joiner}{pair}"
