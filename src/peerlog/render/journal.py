"""Check-ins and pairs, as tables and panels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from peerlog.render import author_line, mood, plain, visible, when, when_utc

if TYPE_CHECKING:
    from peerlog.checkins import CheckInView
    from peerlog.pairs import PairView


def checkin_table(views: Sequence[CheckInView]) -> Table:
    table = Table()
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("when", no_wrap=True)
    table.add_column("who")
    table.add_column("mood", no_wrap=True)
    table.add_column("note", ratio=1, overflow="fold")
    for v in views:
        lines = plain(v.note.splitlines()[0] if v.note else "")
        for win in v.wins:
            lines.append(f"\n★ {visible(win)}", style="green")
        for c in v.challenges:
            lines.append(f"\n◆ {visible(c.text)}", style="magenta")
            if c.overcome_at:
                lines.append("  (overcome)", style="green")
        if v.tags:
            lines.append("\n" + visible(" ".join(f"#{t}" for t in v.tags)), style="blue")
        who = plain(author_line(v.by_you, v.author, v.pair, " · "))
        if v.visibility == "shared":
            who.append("\n(shared)")
        table.add_row(plain(v.short_id), when(v.at), who, mood(v.mood), lines)
    return table


def checkin_detail(v: CheckInView) -> Panel:
    body = Text()
    body.append("When:  ", style="bold")
    body.append(when(v.at) + "\n")
    body.append("Who:   ", style="bold")
    body.append(visible(author_line(v.by_you, v.author, v.pair)) + "\n")
    body.append("Mood:  ", style="bold")
    body.append_text(mood(v.mood))
    body.append("\n")
    body.append("Seen by: ", style="bold")
    body.append(
        "you and your peer when you share or export it\n" if v.visibility == "shared" else "only you\n"
    )
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
            short = visible(c.id[:8])
            body.append(f"  (overcome, id {short})\n" if c.overcome_at else f"  (id {short})\n")
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
        status = "active" if p.active else f"ended {when_utc(p.ended_at)[:15]}" if p.ended_at else ""
        table.add_row(plain(f"{p.you} & {p.peer}"), when_utc(p.started_at)[:15], str(p.checkins), status)
    return table


def pair_detail(p: PairView) -> Panel:
    body = Text()
    body.append(visible(f"{p.you} & {p.peer}") + "\n", style="bold")
    body.append(f"Together since {when_utc(p.started_at)[:15]}")
    if p.ended_at:
        body.append(f", ended {when_utc(p.ended_at)[:15]}")
    body.append(f"\nCheck-ins in this pair: {p.checkins}\n")
    if p.agreement:
        body.append("\nOur agreement\n", style="bold")
        body.append(visible(p.agreement) + "\n")
    return Panel(body, title=plain(f"pair {p.short_id}"), title_align="left", expand=False)
