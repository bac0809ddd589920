"""The one place that builds rich output: shared helpers here, one module per area beside it.

Gentle colours only: no red, no numbers that grade anyone, no ranking of one peer over another.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO, cast

from rich.console import Console
from rich.text import Text

from peerlog import rules
from peerlog.dates import clock, long_day, short_day
from peerlog.rules import visible

__all__ = [
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
