"""`wins` with many people in turn draws its columns directly when nothing wraps: the screen a person sees
is the same, character for character and colour for colour, as rich's own grid draws it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.table import Table

from peerlog.render import review as screens
from peerlog.review import Buckets, MoodTrend, Period, PersonRef, Scope
from peerlog.wins import APPRECIATION, FROM_CHECKIN, OVERCOME, Journey, Mark, WinItem, WinsView, by_week

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PEOPLE = [PersonRef("me", "Ana", True), *(PersonRef(f"p{i}", f"Peer {i}", False) for i in range(15))]
# Short and long words, wide characters, an empty win, and line breaks of several kinds.
WORDS = st.sampled_from(
    [
        "walked",
        "sent the hard email",
        "x" * 70,
        "一緒に散歩した",
        "🎉",
        "",
        "a\nb",
        "tab\there",
        "line\u2028sep",
    ]
)


def _view(texts: list[str], people: int, every: timedelta = timedelta(hours=7)) -> WinsView:
    me = PEOPLE[0]
    items = [
        WinItem(
            PEOPLE[i % people],
            text,
            START + every * i,
            (FROM_CHECKIN, OVERCOME, APPRECIATION)[i % 3],
            f"w{i}",
            from_person=PEOPLE[(i + 1) % people] if i % 3 == 2 else None,
            note="with a note" if i % 3 == 1 else None,
        )
        for i, text in enumerate(texts)
    ]
    mark = Mark(START, mood=3)
    challenge = Mark(START, text=(texts or ["a challenge"])[0], overcome=True)
    return WinsView(
        period=Period(START, START + timedelta(weeks=4)),
        scope=Scope(me=me),
        people=PEOPLE[:people],
        weeks=by_week(items),
        trend_buckets=Buckets(START, 7, 4),
        # A gap, a low and a high mark, and one person with no mood at all.
        moods=[MoodTrend(p, [3.0, None, 1.0, 4.5], 3, 5) for p in PEOPLE[: people - 1]]
        + [MoodTrend(PEOPLE[people - 1], [None] * 4)],
        journeys=[Journey(p, 3, 2, mark, mark, challenge, None) for p in PEOPLE[:people]],
        since_start=START,
        total=len(items),
    )


def _drawn(renderable: RenderableType, width: int) -> list[list[tuple[str, Style | None]]]:
    console = Console(width=width, force_terminal=True, color_system="truecolor", markup=False, emoji=False)
    lines = Segment.split_lines(console.render(renderable, console.options))
    return [[(char, seg.style) for seg in line for char in seg.text] for line in lines]


def _both(view: WinsView, width: int, monkeypatch: pytest.MonkeyPatch, show_all: bool = False) -> None:
    quick = _drawn(screens.wins_screen(view, width, show_all=show_all), width)
    with monkeypatch.context() as m:
        m.setattr(screens, "QuickGrid", lambda grid: grid)
        grid = _drawn(screens.wins_screen(view, width, show_all=show_all), width)
    assert quick == grid


# Two whole screens per example: on a busy machine that can take longer than hypothesis's default deadline.
@settings(deadline=None)
@given(
    texts=st.lists(WORDS, max_size=60),
    people=st.integers(1, 16),
    width=st.integers(8, 160),
    show_all=st.booleans(),
)
def test_wins_in_turn_look_the_same_as_rich_draws_them(
    texts: list[str], people: int, width: int, show_all: bool
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _both(_view(texts, people), width, monkeypatch, show_all)


@pytest.mark.parametrize("width", [40, 80, 120])
def test_sixteen_people_with_full_weeks_look_the_same(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # More than a week's cap for everyone: the "and N more" line too.
    view = _view([f"win number {i}" for i in range(16 * 30)], 16, every=timedelta(minutes=30))
    _both(view, width, monkeypatch)
    screen = "\n".join(
        "".join(c for c, _ in line) for line in _drawn(screens.wins_screen(view, width), width)
    )
    assert "more wins this week" in screen and "Peer 14" in screen


def test_one_line_wins_are_drawn_without_rich_laying_out_each_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    # What keeps `wins` with 16 people within its time budget (benchmarks/README.md): no grid falls back.
    laid_out: list[object] = []
    draw = Table.__rich_console__
    monkeypatch.setattr(Table, "__rich_console__", lambda t, c, o: laid_out.append(t) or draw(t, c, o))
    view = _view([f"win number {i}" for i in range(16 * 30)], 16, every=timedelta(minutes=30))
    assert _drawn(screens.wins_screen(view, 120), 120) and laid_out == []
