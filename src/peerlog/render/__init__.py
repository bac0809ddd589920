"""The one place that builds rich output: shared helpers here, one module per area beside it.

Gentle colours only: no red, no numbers that grade anyone, no ranking of one peer over another.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.text import Text

from peerlog import rules
from peerlog.rules import visible

__all__ = ["author_line", "console", "mood", "plain", "visible", "when", "when_utc"]


def console(*, stderr: bool = False) -> Console:
    # Everything shown is people's own words: a name like "Jo [he/him]" or a note with ":smile:" must
    # read as typed, so a plain string is never taken for rich markup or an emoji code, wherever it lands.
    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


def plain(value: str | None, style: str = "") -> Text:
    """Someone's text as they wrote it: literal (never markup), with control characters shown, not obeyed."""
    return Text(visible(value or ""), style=style)


def when(moment: datetime) -> str:
    """A moment as the author saw it, e.g. `Sat 21 Nov 2026 18:30`."""
    return moment.strftime("%a %d %b %Y %H:%M")


def when_utc(utc: datetime) -> str:
    """A stored UTC moment in this machine's local time."""
    return when((utc if utc.tzinfo else utc.replace(tzinfo=UTC)).astimezone())


def mood(value: int | None) -> Text:
    if value is None:
        return Text("-", style="dim")
    return Text(visible(f"{value} · {rules.MOODS.get(value, '?')}"), style="cyan")


def author_line(by_you: bool, author: str, pair: str | None, joiner: str = ", with ") -> str:
    """Who wrote an entry and, when it adds something, the pair it belongs to.

    A pair is named by the peer seen from your side, so a peer's own entry in your pair would name them
    twice ("Sam, with Sam"): their name alone already says whose pair it is.
    """
    name = "you" if by_you else author
    if pair is None or (not by_you and pair == author):
        return name
    return f"{name}{joiner}{pair}"
