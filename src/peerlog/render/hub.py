"""A programme hub on screen: its people (for the admin) and its participation counts (for coordinators).

Designed at 80 columns. Counts only, as the hub gives them: pairs and circles are named by the start of
their random id (the hub knows no names for them), listed by kind and id, never sorted by how much they
met, and nothing is coloured as a grade.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from peerlog.render import local, plain, short_day

if TYPE_CHECKING:
    from peerlog.hubschema import MemberRow, Participation

#: The per-pair grid shows at most this many recent weeks, so it fits 80 columns; the summary shows all.
GRID_WEEKS = 5


def _day(moment: datetime) -> str:
    # No weekday: the table must leave the role, which people copy, whole on its line at 80 columns.
    day = local(moment)
    return f"{day.day} {day:%b %Y}"


def member_table(rows: Sequence[MemberRow]) -> Table:
    table = Table()
    table.add_column("name", min_width=10)
    table.add_column("as", no_wrap=True)
    table.add_column("joined", no_wrap=True)
    # A role is copied into psql or pg_stat_activity: it stays whole on one line.
    table.add_column("role", no_wrap=True)
    for r in rows:
        if r.removed_at is not None:
            joined = f"removed {_day(r.removed_at)}"
        elif r.joined_at is not None:
            joined = _day(r.joined_at)
        else:
            joined = "not yet"
        table.add_row(plain(r.name), r.kind, joined, r.role)
    return table


def _week(day: date) -> str:
    return f"{day.day} {day:%b}"


def participation(counts: Participation) -> RenderableType:
    weeks = sorted({s.week for s in counts.spaces} | set(counts.active))
    summary = Table()
    summary.add_column("week of", no_wrap=True)
    summary.add_column("pairs met", justify="right", no_wrap=True)
    summary.add_column("circles met", justify="right", no_wrap=True)
    summary.add_column("sessions", justify="right", no_wrap=True)
    summary.add_column("active members", justify="right", no_wrap=True)
    for week in weeks:
        this = [s for s in counts.spaces if s.week == week]
        summary.add_row(
            short_day(week),
            str(sum(1 for s in this if s.kind == "pair")),
            str(sum(1 for s in this if s.kind == "circle")),
            str(sum(s.sessions for s in this)),
            str(counts.active.get(week, 0)),
        )
    shown = weeks[-GRID_WEEKS:]
    cells: dict[tuple[str, str], dict[date, str]] = defaultdict(dict)
    for s in counts.spaces:
        if s.week in shown:
            cells[(s.kind, s.space)][s.week] = f"{s.sessions} ({s.active_members})"
    grid = Table()
    grid.add_column("pair or circle", no_wrap=True)
    for week in shown:
        grid.add_column(_week(week), justify="right", no_wrap=True)
    for (kind, space), by_week in sorted(cells.items()):
        grid.add_row(f"{kind} {space[:8]}", *(by_week.get(week, "·") for week in shown))
    return Group(
        Text(f"Participation since {short_day(counts.since)}", style="bold"),
        summary,
        Text(""),
        Text("Each pair and circle: sessions (active members) per week", style="bold"),
        grid,
    )
