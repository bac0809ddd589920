"""Check-ins and pairs, as tables and panels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from peerlog.dates import clock
from peerlog.render import author_line, local, mood, plain, short_day, visible, when_long, who_width

if TYPE_CHECKING:
    from peerlog.checkins import CheckInView
    from peerlog.pairs import PairView


def first_line(text: str) -> Text:
    """A note's first line, with a quiet sign when there is more of it (`show` has the whole note)."""
    lines = text.splitlines()
    cell = plain(lines[0] if lines else "")
    if len(lines) > 1:
        cell.append(f" (+{len(lines) - 1} more line{'s' if len(lines) > 2 else ''})", style="dim")
    return cell


def checkin_table(views: Sequence[CheckInView], width: int = 80) -> Table:
    # Designed for 80 columns: no vertical rules, and the day over its time, so the note gets the width.
    # Ids, days, times and moods never break inside themselves; names and notes wrap at spaces.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("when", no_wrap=True)
    # Folded, never cut: a name longer than the column keeps every letter.
    table.add_column("who", max_width=who_width(width), overflow="fold")
    table.add_column("mood", no_wrap=True)
    table.add_column("note", ratio=1, overflow="fold")
    for v in views:
        lines = first_line(v.note)
        for win in v.wins:
            lines.append(f"\n★ {visible(win)}", style="green")
        for c in v.challenges:
            lines.append(f"\n◆ {visible(c.text)}", style="magenta")
            if c.overcome_at:
                lines.append("  (overcome)", style="green")
        if v.tags:
            lines.append("\n" + visible(" ".join(f"#{t}" for t in v.tags)), style="blue")
        who = plain(author_line(v.by_you, v.author, v.pair, " · ", group=v.group))
        if v.visibility == "shared":
            who.append("\n(shared)")
        at = Text(f"{short_day(v.at)}\n{clock(v.at)}")
        table.add_row(plain(v.short_id), at, who, mood(v.mood), lines)
    return table


def checkin_detail(v: CheckInView) -> Panel:
    body = Text()
    body.append("When:  ", style="bold")
    body.append(when_long(v.at) + "\n")
    body.append("Who:   ", style="bold")
    body.append(visible(author_line(v.by_you, v.author, v.pair, group=v.group)) + "\n")
    body.append("Mood:  ", style="bold")
    body.append_text(mood(v.mood))
    body.append("\n")
    body.append("Seen by: ", style="bold")
    if v.visibility != "shared":
        body.append("only you\n")
    elif v.group:
        body.append("you and the group's members when you share or export it\n")
    else:
        body.append("you and your peer when you share or export it\n")
    if v.note:
        body.append("\n" + visible(v.note) + "\n")
    if v.wins:
        body.append("\nWins\n", style="bold green")
        for win in v.wins:
            body.append(f"  ★ {visible(win)}\n")
    if v.challenges:
        body.append("\nChallenges\n", style="bold magenta")
        for c in v.challenges:
            body.append(f"  ◆ {visible(c.text)}")
            if c.overcome_at:
                body.append("  (overcome)\n")
            elif v.by_you:
                # Only your own open challenge has an id to give: `challenge done` takes it.
                body.append(f"  (challenge {visible(c.id[:8])})\n")
            else:
                body.append("\n")
    if v.tags:
        body.append("\n" + visible(" ".join(f"#{t}" for t in v.tags)) + "\n", style="blue")
    return Panel(body, title=plain(f"check-in {v.short_id}"), title_align="left", expand=False)


def pair_table(pairs: Sequence[PairView]) -> Table:
    table = Table()
    table.add_column("pair")
    table.add_column("since", no_wrap=True)
    table.add_column("check-ins", justify="right")
    table.add_column("status")
    for p in pairs:
        status = "active" if p.active else f"ended {short_day(local(p.ended_at))}" if p.ended_at else ""
        table.add_row(plain(f"{p.you} & {p.peer}"), short_day(local(p.started_at)), str(p.checkins), status)
    return table


def pair_detail(p: PairView) -> Panel:
    body = Text()
    body.append(visible(f"{p.you} & {p.peer}") + "\n", style="bold")
    body.append(f"Together since {short_day(local(p.started_at))}")
    if p.ended_at:
        body.append(f", ended {short_day(local(p.ended_at))}")
    body.append(f"\nCheck-ins in this pair: {p.checkins}\n")
    fingerprint = p.fingerprint
    if fingerprint:
        body.append(f"{visible(p.peer)}'s fingerprint: {fingerprint}\n")
    else:
        body.append(
            visible(
                f'No key yet: ask {p.peer} for `peerlog id`, then `peerlog pair set "{p.peer}" --key CODE`.'
            )
            + "\n",
            style="dim",
        )
    if p.sync_dir:
        body.append(f"Sync folder: {visible(p.sync_dir)}\n")
    if p.agreement:
        body.append("\nOur agreement\n", style="bold")
        body.append(visible(p.agreement) + "\n")
    return Panel(body, title=plain(f"pair {p.short_id}"), title_align="left", expand=False)
