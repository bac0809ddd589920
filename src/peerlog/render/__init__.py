"""The one place that builds rich output: shared helpers here, one module per area beside it.

Gentle colours only: no red, no numbers that grade anyone, no ranking of one peer over another.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.text import Text

MOOD_WORDS = {1: "hard", 2: "low", 3: "okay", 4: "good", 5: "great"}


def console(*, stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False)


def when(moment: datetime) -> str:
    """A moment as the author saw it, e.g. `Sat 21 Nov 2026 18:30`."""
    return moment.strftime("%a %d %b %Y %H:%M")


def when_utc(utc: datetime) -> str:
    """A stored UTC moment in this machine's local time."""
    return when((utc if utc.tzinfo else utc.replace(tzinfo=UTC)).astimezone())


def mood(value: int | None) -> Text:
    if value is None:
        return Text("-", style="dim")
    return Text(f"{value} · {MOOD_WORDS.get(value, '?')}", style="cyan")
