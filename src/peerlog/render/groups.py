"""Groups on screen: the list, and one group's members, agreement, rotation and sessions.

Designed at 80 columns first. Nobody is ranked and no number compares one person with another: members
are listed you first, then by name; the rotation is an order of turns, shown as "up next"; attendance is
shown per session, never counted per person.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group as Stack
from rich.console import RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from peerlog.groups import GroupView, MemberView, SessionView
from peerlog.render import Hanging, local, plain, short_day, visible


def _who(name: str, you: str) -> str:
    return "you" if name == you else name


def group_table(groups: Sequence[GroupView]) -> Table:
    table = Table()
    table.add_column("group")
    table.add_column("members")
    table.add_column("since", no_wrap=True)
    table.add_column("status")
    for g in groups:
        status = "active" if g.active else f"ended {short_day(local(g.ended_at))}" if g.ended_at else ""
        names = ", ".join("you" if m.is_you else m.name for m in g.current)
        table.add_row(plain(g.name), plain(names), short_day(local(g.started_at)), status)
    return table


#: The widest a member's name column gets before the name wraps, so dates keep room at 80 columns.
NAME_WIDTH = 32


def _heading(text: str) -> Text:
    return Text(text, style="bold")


def _member_name(m: MemberView) -> str:
    return f"you ({m.name})" if m.is_you else m.name


def _member_rows(members: Sequence[MemberView], *, past: bool, name_width: int) -> Table:
    # Current and past members share one name width, so their dates line up under each other.
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=False, min_width=name_width, max_width=NAME_WIDTH)
    grid.add_column(no_wrap=True)
    for m in members:
        joined = short_day(local(m.joined_at))
        when = f"{joined} to {short_day(local(m.left_at))}" if past and m.left_at else f"since {joined}"
        grid.add_row(Hanging(plain(_member_name(m))), when)
    return grid


def _session_rows(sessions: Sequence[SessionView], you: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for s in sessions:
        # "this time": the role belongs to one session, never to a person.
        facilitated = (
            f"{_who(s.facilitator, you)} facilitated this time" if s.facilitator else "no facilitator noted"
        )
        details = Text(visible(f"{facilitated}; came: {', '.join(_who(n, you) for n in s.came)}"))
        if s.round_id:
            where = "shared with the group" if s.round_visibility == "shared" else "private"
            whose = f"{visible(s.round_by)}'s" if s.round_by else "your"
            details.append(f"\n{whose} round {s.round_id[:8]} ({where})", style="dim")
        grid.add_row("  " + short_day(s.at), details)
    return grid


def group_detail(g: GroupView) -> Panel:
    parts: list[RenderableType] = [_heading(visible(g.name))]
    since = f"Meeting since {short_day(local(g.started_at))}"
    if g.ended_at:
        since += f", ended {short_day(local(g.ended_at))}"
    parts.append(Text(since))
    width = min(max(len(visible(_member_name(m))) + 2 for m in g.members), NAME_WIDTH)
    parts += [Text(""), _heading("Members"), _member_rows(g.current, past=False, name_width=width)]
    if g.past:
        parts += [_heading("Were part of it"), _member_rows(g.past, past=True, name_width=width)]
    if g.agreement:
        parts += [Text(""), _heading("Our agreement"), Padding(plain(g.agreement), (0, 0, 0, 2))]
    if g.rotation:
        up_next, *later = [_who(n, g.you) for n in g.rotation]
        line = Text(visible(f"Up next: {up_next}"))
        if later:
            line.append(visible(f", then {', '.join(later)}"))
        parts += [
            Text(""),
            _heading("Facilitation rotates"),
            Hanging(line),
            Text("  whoever has gone longest without facilitating; the group decides", style="dim"),
        ]
    parts += [Text("")]
    if not g.sessions_held:
        parts.append(Text(f'No sessions yet. `peerlog group session "{visible(g.name)}"` records one.'))
    else:
        held = f"Sessions: {g.sessions_held}"
        if g.sessions_held > len(g.sessions):
            held += f" (the latest {len(g.sessions)} below; `--json` lists them all)"
        parts += [_heading(held), _session_rows(g.sessions, g.you)]
    return Panel(
        Stack(*parts),
        title=plain(f"group {g.short_id}"),
        title_align="left",
        expand=False,
    )
