"""Wins, summaries, search results and challenges, drawn with rich.

Both peers of a pair always get the same space (equal-width columns, or the same sections in turn); the
order is you first, then peers by name, and nothing is ever ranked, totalled against each other or
coloured as a grade. No red anywhere: wins are green, challenges magenta, moods cyan.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Span, Text

from peerlog.render import Hanging, WithCommand, plain, short_day, visible
from peerlog.rules import MOODS

if TYPE_CHECKING:
    from peerlog.challenges import ChallengeItem
    from peerlog.review import Buckets, GroupRef, MoodTrend, PersonRef, Scope
    from peerlog.search import SearchResults
    from peerlog.summary import GroupSummaryView, RatingSpread, RoundLine, SummaryView
    from peerlog.wins import Journey, Mark, WinItem, WinsView

SPARKS = "▁▂▃▄▅▆▇█"
#: A week lists at most this many wins per person in the terminal (`wins --all` lists every one).
WEEK_CAP = 12
#: Below this many columns per person, people are shown in turn rather than side by side.
MIN_COLUMN = 30
#: A week of a group with no wins in it: rest is part of it too.
QUIET_WEEK = "  A quiet week: nothing logged here, and that's okay."
FIRST_WIN_HINT = (
    'Log one with `peerlog checkin --win "…"`, however small: a walk, a kind word, a hard email sent.'
)
WIN_STYLE = "green"
CHALLENGE_STYLE = "magenta"
MOOD_STYLE = "cyan"
HIGHLIGHT_STYLE = "bold black on yellow"


day = short_day


def who(person: PersonRef) -> str:
    """A person's name, safe to show (see `peerlog.rules.visible`); wrap it in `Text` where it meets rich."""
    return visible(f"{person.name} (you)" if person.you else person.name)


def mood_word(value: float | int | None) -> str:
    if value is None:
        return "-"
    rounded = max(1, min(5, round(value)))
    return f"{rounded} · {MOODS[rounded]}"


def sparkline(points: Sequence[float | None]) -> Text:
    """Moods 1-5 as bars; a gap (no mood logged) is a quiet dot, never a drop to the bottom."""
    line = Text()
    for value in points:
        if value is None:
            line.append("·", style="dim")
        else:
            level = round((max(1.0, min(5.0, value)) - 1) / 4 * (len(SPARKS) - 1))
            line.append(SPARKS[level], style=MOOD_STYLE)
    return line


def side_by_side(width: int, people: int) -> bool:
    return people <= 1 or width // people >= MIN_COLUMN


def people_table(people: Sequence[PersonRef], *, box_title: str | None = None) -> Table:
    """A table with one equal-width column per person."""
    from rich import box

    table = Table(
        box=box.SIMPLE_HEAD,
        expand=True,
        title=box_title,
        title_justify="left",
        pad_edge=False,
        show_edge=False,
    )
    for person in people:
        table.add_column(Text(who(person)), ratio=1, overflow="fold")
    return table


class QuickGrid:
    """A `Table.grid`, drawn directly when every cell is one line and the columns fit.

    rich lays out a grid cell by cell (padding, measuring, wrapping, cropping, shaping each one), which is
    most of the time `wins` spends with many people in turn: 16 people over four weeks are ~1,000 cells.
    When nothing wraps, the layout is simple: each column as wide as its widest cell plus its padding, each
    cell padded on the right. That case is drawn here, character for character and style for style as the
    grid draws it (tests/test_quick_grid.py compares both); anything else, the grid itself draws.
    """

    def __init__(self, grid: Table) -> None:
        self.grid = grid

    def _simple(self) -> bool:
        grid = self.grid
        top, _, bottom, _ = grid.padding
        return (
            bool(grid.columns)
            and grid.box is None
            and not (top or bottom or grid.expand or grid.show_header or grid.show_footer or grid.pad_edge)
            and grid.style in (None, "", "none")
            and grid.collapse_padding
            and grid.title is None
            and grid.min_width is None
            and not grid.row_styles
            and all(c.justify == "left" and c.width is None and c.min_width is None for c in grid.columns)
        )

    def _one_line_cells(self) -> list[list[Text]] | None:
        """The cells by column, when each is a `Text` of one line (no tabs) in a grid drawn simply."""
        if not self._simple():
            return None
        columns = [[c for c in column.cells if isinstance(c, Text)] for column in self.grid.columns]
        if not columns[0] or any(len(cells) != len(self.grid.rows) for cells in columns):
            return None
        from rich.cells import cell_len

        for column, cells in zip(self.grid.columns, columns, strict=True):
            # A column's `max_width` only matters to a cell wider than it, which rich then wraps.
            widest = column.max_width
            for cell in cells:
                text = cell.plain
                if (
                    cell.justify not in (None, "left")
                    or "\n" in text
                    or "\t" in text
                    or len(text.splitlines()) > 1
                    or (widest is not None and cell_len(text) > widest)
                ):
                    return None
        return columns

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.grid)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.cells import cell_len
        from rich.segment import Segment

        grid = self.grid
        columns = self._one_line_cells()
        if columns is None:
            yield grid
            return
        _, right, _, left = grid.padding
        # As `Table.grid` pads: no outer edges, and the gap between two columns said once.
        last = len(columns) - 1
        pads = [(0 if i == 0 else max(0, left - right), 0 if i == last else right) for i in range(last + 1)]
        texts = [[cell_len(cell.plain) for cell in column] for column in columns]
        widths = [
            min(options.max_width, max(w + before + after for w in sizes)) or 1
            for sizes, (before, after) in zip(texts, pads, strict=True)
        ]
        if sum(widths) > options.max_width or options.max_width < 4:
            yield grid
            return
        styles = [console.get_style(c.style or "") for c in grid.columns]
        line = Segment.line()
        for row in range(len(columns[0])):
            for column, sizes, width, (before, after), style in zip(
                columns, texts, widths, pads, styles, strict=True
            ):
                if before:
                    yield Segment(" " * before, style)
                cell = column[row]
                plain = cell.plain + " " * (width - before - after - sizes[row])
                # The cell's own style as a span under its others, as rich joins a cell's lines: the padding
                # takes it too (`Text.render` alone would leave it off a text without spans).
                spans = [Span(0, len(plain), cell.style), *cell.spans] if cell.style else cell.spans
                yield from Segment.apply_style(Text(plain, spans=spans).render(console), style)
                if after:
                    yield Segment(" " * after, style)
            yield line


def bucket_label(buckets: Buckets) -> str:
    names = {1: "day", 7: "week", 14: "fortnight", 30: "month", 91: "quarter", 365: "year"}
    return f"one mark per {names.get(buckets.days, f'{buckets.days} days')}, from {short_day(buckets.start)}"


#: The widest a name gets beside the mood marks before it wraps (a circle's full names can be long).
NAME_COLUMN = 30


def mood_trends(trends: Sequence[MoodTrend], buckets: Buckets) -> RenderableType:
    table = Table.grid(padding=(0, 2))
    # A long name wraps in its own column, so the words beside the marks keep room to be read whole.
    table.add_column(max_width=NAME_COLUMN, overflow="fold")
    table.add_column(no_wrap=True)
    # As wide as its longest words ("no moods logged in this period"), so they wrap only on a narrow screen.
    table.add_column(overflow="fold", max_width=30)
    for trend in trends:
        if trend.first is None:
            words = Text("no moods logged in this period", style="dim")
        elif trend.first == trend.latest:
            words = Text(mood_word(trend.latest), style=MOOD_STYLE)
        else:
            words = Text(f"{mood_word(trend.first)} → {mood_word(trend.latest)}", style=MOOD_STYLE)
        table.add_row(Text(who(trend.person)), sparkline(trend.points), words)
    return Group(
        Text("Mood", style="bold"),
        Padding(QuickGrid(table), (0, 0, 0, 2)),
        Text(f"  {bucket_label(buckets)}", style="dim"),
    )


# ---------------------------------------------------------------- wins


def win_line(item: WinItem) -> Text:
    line = Text()
    if item.source == "overcome":
        line.append("✓ ", style=WIN_STYLE)
        line.append("overcome: ", style="bold " + WIN_STYLE)
        line.append(visible(item.text))
        if item.note:
            line.append(f" ({visible(item.note)})", style="dim")
    elif item.source == "appreciation":
        line.append("♥ ", style=WIN_STYLE)
        line.append(visible(item.text))
        if item.from_person:
            sender = "you" if item.from_person.you else visible(item.from_person.name)
            line.append(f" (from {sender})", style="dim")
    else:
        line.append("★ ", style=WIN_STYLE)
        line.append(visible(item.text))
    return line


def _win_cell(mine: list[WinItem], cap: int | None) -> RenderableType:
    if not mine:
        return Text("—", style="dim")
    shown = mine if cap is None or len(mine) <= cap else mine[:cap]
    # The day in a column of its own: a long win wraps within its column, and "Tue 1" never breaks in two.
    grid = Table.grid(padding=(0, 0, 0, 2))
    grid.add_column(ratio=1, overflow="fold")
    grid.add_column(no_wrap=True, style="dim")
    for w in shown:
        grid.add_row(win_line(w), Text(f"{w.at:%a} {w.at.day}"))
    if len(shown) < len(mine):
        rest = len(mine) - len(shown)
        grid.add_row(
            Text(f"★ and {rest} more win{'s' if rest != 1 else ''} this week (see --all)", style=WIN_STYLE),
            Text(""),
        )
    return grid


def _week_block(
    people: Sequence[PersonRef], wins: dict[str, list[WinItem]], width: int, cap: int | None = None
) -> RenderableType:
    if side_by_side(width, len(people)):
        table = people_table(people)
        table.add_row(*[_win_cell(wins.get(person.id, []), cap) for person in people])
        return table
    parts: list[RenderableType] = []
    for person in people:
        parts.append(Text(who(person), style="bold"))
        cell = _win_cell(wins.get(person.id, []), cap)
        parts.append(Padding(QuickGrid(cell) if isinstance(cell, Table) else cell, (0, 0, 0, 2)))
    return Group(*parts)


def _mark(mark: Mark | None, *, mood: bool) -> Text:
    if mark is None:
        return Text("—", style="dim")
    text = Text(f"{short_day(mark.at)}: ", style="dim")
    if mood:
        text.append(mood_word(mark.mood), style=MOOD_STYLE)
    else:
        text.append(visible(mark.text or ""))
        if mark.overcome:
            text.append(" ✓ overcome", style=WIN_STYLE)
    return text


def journey_block(journeys: Sequence[Journey], since: datetime | None, width: int) -> RenderableType:
    title = "How far you've come" + (f", since {day(since)}" if since else "")
    rows = (
        ("check-ins", lambda j: Text(str(j.checkins))),
        ("wins", lambda j: Text(str(j.wins), style=WIN_STYLE)),
        ("first mood", lambda j: _mark(j.first_mood, mood=True)),
        ("latest mood", lambda j: _mark(j.latest_mood, mood=True)),
        ("first challenge", lambda j: _mark(j.first_challenge, mood=False)),
        ("latest challenge", lambda j: _mark(j.latest_challenge, mood=False)),
    )
    people = [j.person for j in journeys]
    if side_by_side(width - 18, len(people)):
        from rich import box

        table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
        table.add_column("", style="dim", no_wrap=True)
        for person in people:
            table.add_column(Text(who(person)), ratio=1, overflow="fold")
        for label, cell in rows:
            table.add_row(label, *[cell(j) for j in journeys])
        return Group(Text(title, style="bold"), table)
    parts: list[RenderableType] = [Text(title, style="bold")]
    for j in journeys:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, cell in rows:
            grid.add_row(Text(label), cell(j))
        parts += [Text(who(j.person), style="bold"), Padding(QuickGrid(grid), (0, 0, 1, 2))]
    return Group(*parts)


def heading(
    title: str, people: Sequence[PersonRef], since: datetime, until: datetime, group: GroupRef | None = None
) -> Text:
    text = Text(title, style="bold")
    if group is not None:
        text.append(f"  {visible(group.name)}")
        text.append(" (ended; its history stays)" if group.ended_at else "", style="dim")
    else:
        text.append(f"  {visible(' & '.join(p.name for p in people))}" if len(people) == 2 else "")
    text.append(f"\n{day(since)} to {day(until)}", style="dim")
    return text


def _place(scope: Scope) -> str:
    """The flag that names the view's pair or group again."""
    if scope.group:
        return f" --group {shlex.quote(scope.group.name)}"
    return f" --pair {shlex.quote(scope.peer.name)}" if scope.peer else ""


def privacy_line(view: SummaryView | WinsView | GroupSummaryView, command: str) -> RenderableType:
    """What the view includes, said up front: two people may be reading it on one screen."""
    if view.scope.together:
        if view.scope.group:
            return Text("Only what the group can see: shared entries, no private notes.", style="dim")
        return Text("Only what you both can see: shared entries, no private notes.", style="dim")
    pair = _place(view.scope)
    # The name comes from the journal file: shown with any control characters made visible.
    return WithCommand("Includes your private notes · together:", f"peerlog {command} --together{pair}")


def _top(view: SummaryView | WinsView | GroupSummaryView, title: str, command: str) -> list[RenderableType]:
    """A view's heading, period and privacy line, then a blank line."""
    people, span = view.people, view.period
    return [
        heading(title, people, span.since, span.until, view.scope.group),
        privacy_line(view, command),
        Text(),
    ]


def _gentle(words: str, hint: str) -> Panel:
    """An empty period, said kindly, with the next small step."""
    return Panel(
        Text.assemble((words + "\n", ""), (hint, "dim")),
        border_style=WIN_STYLE,
        expand=False,
    )


def wins_screen(view: WinsView, width: int, *, show_all: bool = False) -> RenderableType:
    """Wins by week; a very full week lists the first few per person and counts the rest (`show_all`: all)."""
    group = view.scope.group
    parts = _top(view, "Wins", "wins")
    if view.is_empty:
        parts.append(
            _gentle(
                "No wins logged in this period yet, and that's okay: some weeks are for resting.",
                FIRST_WIN_HINT,
            )
        )
    for week in [] if group and view.is_empty else view.weeks:
        grouped: dict[str, list[WinItem]] = {}
        for item in week.wins:
            grouped.setdefault(item.person.id, []).append(item)
        if group and not week.wins:
            parts += [
                Text(f"Week of {day(week.start)}", style="bold " + WIN_STYLE),
                Text(QUIET_WEEK, style="dim"),
                Text(),
            ]
            continue
        label = f"Week of {day(week.start)} · {len(week.wins)} win{'s' if len(week.wins) != 1 else ''}"
        parts += [
            Text(label, style="bold " + WIN_STYLE),
            _week_block(view.people, grouped, width, None if show_all else WEEK_CAP),
            Text(),
        ]
    capped = not show_all and any(
        len([w for w in week.wins if w.person.id == p.id]) > WEEK_CAP
        for week in view.weeks
        for p in view.people
    )
    if capped:
        parts += [Text(visible(f"Every win: `peerlog wins --all{_same_view(view)}`"), style="dim"), Text()]
    if any(m.first is not None for m in view.moods):
        parts += [mood_trends(view.moods, view.trend_buckets), Text()]
    # Counts of zero say nothing kind on day one: the journey shows once there is one to show.
    if any(j.checkins or j.wins for j in view.journeys):
        parts.append(journey_block(view.journeys, view.since_start, width))
    return Group(*parts)


# ---------------------------------------------------------------- summary


def _raised(counts: tuple[int, int]) -> str:
    raised, overcome = counts
    return f"{raised} raised, {overcome} since overcome" if overcome else f"{raised} raised"


def _counts_row(label: str, people: Sequence[PersonRef], values: dict[str, str | Text]) -> list[str | Text]:
    return [label, *[values.get(p.id, Text("—", style="dim")) for p in people]]


def summary_screen(view: SummaryView, width: int) -> RenderableType:
    from rich import box

    people = view.people
    parts = _top(view, "Summary", "summary")
    if view.is_empty:
        parts.append(
            _gentle(
                "Nothing logged in this period yet. Whenever you're ready, a check-in takes a few seconds.",
                FIRST_WIN_HINT,
            )
        )
        return Group(*parts)
    wide = side_by_side(width - 16, len(people))
    if wide:
        table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
        table.add_column("", style="dim", no_wrap=True)
        for p in people:
            table.add_column(Text(who(p)), ratio=1, overflow="fold")
        table.add_row(*_counts_row("check-ins", people, {k: str(v) for k, v in view.checkins.items()}))
        table.add_row(
            *_counts_row(
                "wins", people, {k: Text(str(v), style=WIN_STYLE) for k, v in view.win_counts.items()}
            )
        )
        table.add_row(
            *_counts_row("challenges", people, {k: _raised(v) for k, v in view.challenge_counts.items()})
        )
        table.add_row(*_counts_row("reflections", people, {k: str(v) for k, v in view.reflections.items()}))
        parts.append(table)
    else:
        for p in people:
            line = Text(who(p), style="bold")
            line.append(
                f"  check-ins {view.checkins.get(p.id, 0)} · wins {view.win_counts.get(p.id, 0)}"
                f" · challenges {_raised(view.challenge_counts.get(p.id, (0, 0)))}"
                f" · reflections {view.reflections.get(p.id, 0)}"
            )
            parts.append(line)
    if any(m.first is not None for m in view.moods):
        parts += [Text(), mood_trends(view.moods, view.trend_buckets)]

    if view.recent_wins:
        parts += [Text(), Text("Wins", style="bold " + WIN_STYLE)]
        grouped: dict[str, list[WinItem]] = {}
        for item in view.recent_wins:
            grouped.setdefault(item.person.id, []).append(item)
        parts.append(_week_block(people, grouped, width))
        more = sum(view.win_counts.values()) - len(view.recent_wins)
        if more > 0:
            parts.append(
                Text(
                    visible(f"  and {more} more: `peerlog wins{_same_view(view)}` shows them all"),
                    style="dim",
                )
            )

    if view.challenges:
        parts += [Text(), Text("Challenges raised", style="bold " + CHALLENGE_STYLE)]
        grouped_c: dict[str, list[Text]] = {}
        for c in view.challenges:
            line = Text("◆ ", style=CHALLENGE_STYLE)
            line.append(visible(c.text))
            if c.overcome:
                line.append("  ✓ since overcome", style=WIN_STYLE)
            elif c.person.you:
                line.append(f"  (challenge {visible(c.id[:8])})", style="dim")
            grouped_c.setdefault(c.person.id, []).append(line)
        parts.append(_text_block(people, grouped_c, width))

    if view.session_checks:
        parts += [Text(), session_checks(view, width)]
    if view.feedback:
        parts += [Text(), feedback_block(view)]
    return Group(*parts)


def _text_block(people: Sequence[PersonRef], lines: dict[str, list[Text]], width: int) -> RenderableType:
    if side_by_side(width, len(people)):
        table = people_table(people)
        table.add_row(
            *[Text("\n").join(lines[p.id]) if lines.get(p.id) else Text("—", style="dim") for p in people]
        )
        return table
    parts: list[RenderableType] = []
    for p in people:
        parts += [
            Text(who(p), style="bold"),
            Padding(Text("\n").join(lines.get(p.id) or [Text("—", style="dim")]), (0, 0, 0, 2)),
        ]
    return Group(*parts)


def _rating(value: float | None) -> Text:
    if value is None:
        return Text("—", style="dim")
    whole = round(value)
    text = Text()
    if 1 <= whole <= 5:
        text.append("●" * whole, style=MOOD_STYLE)
        text.append("○" * (5 - whole), style="dim")
        text.append(" ")
    text.append(f"{value:g}")
    return text


def session_checks(view: SummaryView, width: int) -> RenderableType:
    from rich import box

    people = view.people
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("session check", overflow="fold", ratio=2)
    for p in people:
        table.add_column(Text(who(p)), ratio=1, no_wrap=True)
    table.add_column("", no_wrap=True)
    for check in view.session_checks:
        label = day(check.day) + (f" · with {check.pair}" if check.pair and len(people) != 2 else "")
        table.add_row(plain(label, style="bold"), *[""] * len(people), "")
        for prompt in check.prompts:
            values = [check.ratings.get(p.id, {}).get(prompt) for p in people]
            known = [v for v in values if v is not None]
            gap = (
                Text("↔ worth a chat", style="yellow")
                if len(known) >= 2 and max(known) - min(known) >= 2
                else Text("")
            )
            table.add_row(plain(f"  {check.label(prompt)}"), *[_rating(v) for v in values], gap)
    title = Text("Session checks, side by side", style="bold")
    if view.more_session_checks:
        title.append(
            f"  (latest {len(view.session_checks)}; {view.more_session_checks} earlier in this period)",
            style="dim",
        )
    return Group(title, table)


def _same_view(view: SummaryView | WinsView) -> str:
    """The flags that show the same pair and period again, for a hint that leads to the rest of it."""
    since = view.period.since
    moment = f"{since:%Y-%m-%d}" if since.time() == time.min else f"{since:%Y-%m-%dT%H:%M}"
    flags = " --together" if view.scope.together else ""
    flags += _place(view.scope)
    return f"{flags} --since {moment}"


def feedback_block(view: SummaryView) -> RenderableType:
    parts: list[RenderableType] = [Text("Feedback, both ways", style="bold")]
    for flow in view.feedback:
        line = Text(f"  {who(flow.author)} → {who(flow.recipient)}: ", style="bold")
        if flow.total == 0:
            line.append("nothing yet", style="dim")
        else:
            bits = []
            if flow.appreciations:
                bits.append(f"{flow.appreciations} appreciation{'s' if flow.appreciations != 1 else ''}")
            if flow.suggestions:
                bits.append(f"{flow.suggestions} suggestion{'s' if flow.suggestions != 1 else ''}")
            line.append(", ".join(bits), style="")
            if flow.not_given:
                line.append(f" ({flow.not_given} not given yet)", style="dim")
        parts.append(line)
        for item in flow.latest:
            mark = "♥" if item.kind == "appreciation" else "•"
            parts.append(
                Padding(
                    Text.assemble(
                        (f"{mark} ", WIN_STYLE),
                        # Said first, so a long message never leaves it dangling on a line of its own.
                        ("" if item.given else "not given yet · ", "dim"),
                        visible(item.message),
                        (f"  {short_day(item.at)}", "dim"),
                    ),
                    (0, 0, 0, 4),
                )
            )
        if flow.total > len(flow.latest):
            peer = flow.recipient if flow.author.you else flow.author
            hint = f"and {flow.total - len(flow.latest)} more: `peerlog feedback {shlex.quote(peer.name)} --list`"
            parts.append(Padding(Text(visible(hint), style="dim"), (0, 0, 0, 4)))
    return Group(*parts)


# ---------------------------------------------------------------- a group's summary


def _names(people: Sequence[PersonRef]) -> str:
    return ", ".join(who(p) for p in people)


def _round_lines(line: RoundLine) -> Text:
    text = Text(f"{short_day(line.at)} · {visible(line.title)}", style="dim")
    if line.visibility != "shared":
        text.append(" · private", style="dim")
    for question, answer in line.answers:
        text.append("\n")
        text.append(f"{visible(question)} ", style="dim")
        text.append(visible(answer))
    if not line.answers:
        text.append("\nno written answers", style="dim")
    return text


def spread_line(spread: RatingSpread) -> RenderableType:
    line = Text(visible(spread.label).capitalize(), style="bold")
    if not spread.shown:
        line.append(
            ": fewer than three people rated it in this period, so no spread is shown yet"
            " (it keeps it safe to be honest).",
            style="dim",
        )
        return Hanging(line)
    line.append(f" · {spread.raters} people: ", style="")
    line.append(
        ", ".join(f"{n} {spread.word(v)}" for v, n in sorted(spread.counts.items(), reverse=True)),
        style=MOOD_STYLE,
    )
    return Hanging(line)


def group_summary_screen(view: GroupSummaryView, width: int) -> RenderableType:
    """A group's period: sessions (held, and whether you came: no count per person), each member's rounds
    in the same space, and the session check as a spread without names."""
    group = view.scope.group
    assert group is not None
    parts = _top(view, "Summary", "summary")
    if view.is_empty:
        parts.append(
            _gentle(
                "Nothing recorded for this group in this period yet, and that's okay.",
                visible(f"A meeting: `peerlog group session {shlex.quote(group.name)}`"),
            )
        )
        return Group(*parts)
    parts.append(Text("Sessions", style="bold"))
    if view.meetings_held:
        held = f"{view.meetings_held} session{'s' if view.meetings_held != 1 else ''}"
        parts.append(Text(f"  {held} in this period; you came to {view.you_came}."))
        for meeting in view.recent_meetings:
            line = Text(f"{short_day(meeting.day)} · ", style="dim")
            line.append(visible(_names(meeting.came)))
            if meeting.facilitators:
                line.append(f" · facilitated by {visible(_names(meeting.facilitators))}", style="dim")
            parts.append(Hanging(line))
    else:
        parts.append(Text("  No sessions recorded in this period.", style="dim"))

    if view.rounds:
        parts += [Text(), Text("Rounds shared with the group", style="bold")]
        lines: dict[str, list[Text]] = {}
        for entry in view.rounds:
            lines.setdefault(entry.person.id, []).append(_round_lines(entry))
        parts.append(_text_block(view.people, lines, width))
        if view.more_rounds:
            parts.append(
                Text(
                    f"  and {view.more_rounds} more in this period (`peerlog reflections` lists them)",
                    style="dim",
                )
            )

    parts += [Text(), Text("Session check, as a spread (no names)", style="bold")]
    if view.ratings:
        parts += [spread_line(r) for r in view.ratings]
    else:
        parts.append(Text("  Nobody has rated a session in this period yet.", style="dim"))
    parts += [Text(), WithCommand("Everyone's wins:", f"peerlog wins{_place(view.scope)}")]
    return Group(*parts)


# ---------------------------------------------------------------- search


KIND_LABELS = {
    "checkin": "note",
    "win": "win",
    "challenge": "challenge",
    "answer": "answer",
    "feedback": "feedback",
}


def highlighted(marked: str) -> Text:
    """Text with the backend's match markers (\\x02 … \\x03) turned into a highlight."""
    from peerlog.search import END, START

    text = Text()
    inside = False
    for piece in marked.replace(END, START).split(START):
        if piece:
            text.append(visible(piece), style=HIGHLIGHT_STYLE if inside else "")
        inside = not inside
    return text


def search_results(results: SearchResults, width: int) -> RenderableType:
    from rich import box

    if not results.hits:
        return Text.assemble(
            (f"Nothing matches “{visible(results.query)}” yet.", ""),
            (
                "\nTry fewer or different words, a word's beginning with * (e.g. celebrat*), or leave out --pair or --group.",
                "dim",
            ),
        )
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("when", no_wrap=True, style="dim")
    table.add_column("what", no_wrap=width >= 100, overflow="fold", min_width=17)
    table.add_column("found", ratio=1, overflow="fold")
    for hit in results.hits:
        what = plain(KIND_LABELS.get(hit.kind, hit.kind), style=WIN_STYLE if hit.kind == "win" else "")
        # The id of the entry the hit is part of, named by its kind: a check-in's goes to `show`.
        what.append(visible(f"\n{hit.who}\n{hit.entry_kind} {hit.entry_id[:8]}"), style="dim")
        found = highlighted(hit.marked)
        if hit.context:
            found.append(f"\n{visible(hit.context)}", style="dim")
        table.add_row(short_day(hit.at), what, found)
    shown = len(results.hits)
    where = f" in {visible(results.group)}" if results.group else ""
    footer = Text(f"{shown} match{'es' if shown != 1 else ''}{where}, best first", style="dim")
    if results.more:
        footer.append(" (there may be more: raise --limit)", style="dim")
    return Group(table, footer)


# ---------------------------------------------------------------- challenges


def challenge_table(items: Sequence[ChallengeItem], width: int) -> RenderableType:
    from rich import box

    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("raised", no_wrap=True)
    table.add_column("challenge", ratio=1, overflow="fold")
    for item in items:
        text = Text("◆ ", style=CHALLENGE_STYLE)
        text.append(visible(item.text))
        if item.overcome_at:
            text.append("  ✓ overcome", style=WIN_STYLE)
            if item.overcome_note:
                text.append(f" ({visible(item.overcome_note)})", style="dim")
        table.add_row(plain(item.short_id), short_day(item.at), text)
    return Group(
        table,
        Text("When one is behind you: `peerlog challenge done ID` (it becomes a win).", style="dim"),
    )
