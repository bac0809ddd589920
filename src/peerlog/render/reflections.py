"""Prompt packs, reflections and feedback, as tables and panels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from peerlog.dates import clock
from peerlog.render import author_line, plain, short_day, visible, when, when_long, who_width

if TYPE_CHECKING:
    from peerlog.feedback import FeedbackView
    from peerlog.packs import Pack, Prompt
    from peerlog.reflections import ReflectionView

KIND_WORDS = {
    "text": "one line",
    "long": "a few lines",
    "scale": "scale",
    "choice": "pick one",
    "multi": "pick any",
    "confirm": "yes / no",
}


def source_words(pack: Pack) -> str:
    if pack.source == "shipped":
        return "shipped"
    return "yours, in place of the shipped one" if pack.overrides else "yours"


def pack_table(packs: Sequence[Pack]) -> Table:
    table = Table()
    table.add_column("name", no_wrap=True)
    table.add_column("what it is for", ratio=1)
    table.add_column("questions", justify="right")
    table.add_column("from")
    for pack in packs:
        about = plain(pack.title, style="bold")
        about.append("\n" + visible(pack.description), style="default")
        table.add_row(plain(pack.name), about, str(len(pack.prompts)), source_words(pack))
    return table


def _prompt_shape(prompt: Prompt) -> str:
    if prompt.kind == "scale":
        low = f"{prompt.min}" + (f" ({prompt.min_label})" if prompt.min_label else "")
        high = f"{prompt.max}" + (f" ({prompt.max_label})" if prompt.max_label else "")
        return f"scale {low} to {high}"
    if prompt.repeat:
        return "one line, as many as you like"
    return KIND_WORDS.get(prompt.kind, prompt.kind)


def pack_detail(pack: Pack) -> Panel:
    body = Text()
    body.append(visible(pack.title) + "\n", style="bold")
    body.append(visible(pack.description) + "\n")
    where = source_words(pack) + (f": {pack.path}" if pack.source != "shipped" else "")
    body.append(f"From: {visible(where)}\n", style="dim")
    for number, prompt in enumerate(pack.prompts, start=1):
        body.append(f"\n{number}. ", style="bold")
        body.append(visible(prompt.text))
        body.append(visible(f"\n   id {prompt.id} · {_prompt_shape(prompt)}"), style="dim")
        if prompt.help:
            body.append(f"\n   {visible(prompt.help)}", style="italic")
        for choice in prompt.choices:
            body.append(f"\n   - {visible(choice)}")
        body.append("\n")
    body.append("\nEvery question can be skipped.", style="dim")
    return Panel(body, title=plain(f"pack {pack.name}"), title_align="left", expand=False)


def _answers(view: ReflectionView) -> list[RenderableType]:
    # Each answer indented as a block, so a long one that wraps stays under its question.
    parts: list[RenderableType] = []
    for answer in view.answers:
        parts.append(Text(visible(answer.prompt_text), style="bold"))
        parts.append(Padding(Text(visible(answer.shown())), (0, 0, 1, 2)))
    return parts


def reflection_panel(view: ReflectionView) -> Panel:
    head = plain(
        f"{when(view.at)} · {author_line(view.by_you, view.author, view.pair, group=view.group)}", style="dim"
    )
    head.append(" · shared" if view.visibility == "shared" else " · private", style="dim")
    head.append("\n")
    title = plain(f"{view.pack_title} · {view.short_id}")
    return Panel(Group(head, *_answers(view)), title=title, title_align="left", expand=False)


def reflection_list(views: Sequence[ReflectionView]) -> Group:
    return Group(*(reflection_panel(v) for v in views))


def feedback_panel(v: FeedbackView) -> Panel:
    """One piece of feedback in full: who to whom, when, who may see it, and the words."""
    author = "You" if v.by_you else v.author
    recipient = "you" if v.to_you else v.recipient
    body = Text()
    body.append("When:  ", style="bold")
    body.append(f"{when_long(v.at)}\n")
    body.append("Who:   ", style="bold")
    body.append(visible(f"{author} → {recipient}") + "\n")
    if v.group:
        body.append("In:    ", style="bold")
        body.append(visible(v.group) + "\n")
    body.append("Kind:  ", style="bold")
    body.append(v.kind + "\n", style="green" if v.kind == "appreciation" else "cyan")
    body.append("Seen by: ", style="bold")
    if v.visibility == "shared" and v.group:
        body.append(
            visible(
                f"everyone in {v.group}, once it is shared or exported\n"
                if v.by_you
                else f"everyone in {v.group}\n"
            )
        )
    elif v.visibility == "shared":
        body.append("you both, once it is shared or exported\n" if v.by_you else "you both\n")
    else:
        body.append("only you (not given yet)\n" if v.by_you else "only you\n")
    body.append("\n" + visible(v.message) + "\n")
    return Panel(body, title=plain(f"feedback {v.short_id}"), title_align="left", expand=False)


def feedback_table(views: Sequence[FeedbackView], width: int = 80) -> Table:
    # As `log`: for 80 columns first, no vertical rules and the day over its time.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("when", no_wrap=True)
    table.add_column("from → to", max_width=who_width(width), overflow="fold")
    table.add_column("kind")
    table.add_column("message", ratio=1, overflow="fold")
    for v in views:
        author = "you" if v.by_you else v.author
        recipient = "you" if v.to_you else v.recipient
        who = plain(f"{author} → {recipient}")
        if v.group:
            who.append(visible(f"\nin {v.group}"), style="dim")
        if v.visibility == "shared":
            who.append("\n(shared)", style="dim")
        kind = plain(v.kind, style="green" if v.kind == "appreciation" else "cyan")
        table.add_row(
            plain(v.short_id), Text(f"{short_day(v.at)}\n{clock(v.at)}"), who, kind, plain(v.message)
        )
    return table
