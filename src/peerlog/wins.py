"""Wins: everything that went well, from check-ins, overcome challenges and appreciation, and how far
each person has come.

A win belongs to a person: the author of the check-in it was logged in, the author of a challenge they
later overcame, or the recipient of appreciation feedback (being appreciated is a win for the one
appreciated, once it was given: shared). In a pair both people get the same queries and the same space;
nothing is ranked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, true
from sqlalchemy.engine import Connection
from sqlmodel import Session

from peerlog import review
from peerlog import tables as t
from peerlog.review import Buckets, MoodTrend, Period, PersonRef, Scope, local

FROM_CHECKIN = "checkin"
OVERCOME = "overcome"
APPRECIATION = "appreciation"
#: The default period for `peerlog wins`: this week and the three before it.
DEFAULT_WEEKS = 4


@dataclass(frozen=True)
class WinItem:
    person: PersonRef
    text: str
    at: datetime
    source: str
    ref_id: str
    from_person: PersonRef | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "person": self.person.name,
            "person_id": self.person.id,
            "text": self.text,
            "at": self.at.isoformat(),
            "source": self.source,
            "id": self.ref_id,
            "from": self.from_person.name if self.from_person else None,
            "note": self.note,
        }


@dataclass(frozen=True)
class Week:
    start: date
    wins: list[WinItem]

    def for_person(self, person: PersonRef) -> list[WinItem]:
        return [w for w in self.wins if w.person.id == person.id]

    def to_dict(self) -> dict[str, object]:
        return {"week_start": self.start.isoformat(), "wins": [w.to_dict() for w in self.wins]}


@dataclass(frozen=True)
class Mark:
    """A remembered moment: a mood or a challenge, and when."""

    at: datetime
    mood: int | None = None
    text: str | None = None
    overcome: bool = False

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"at": self.at.isoformat()}
        if self.mood is not None:
            out["mood"] = self.mood
        if self.text is not None:
            out["text"] = self.text
            out["overcome"] = self.overcome
        return out


@dataclass(frozen=True)
class Journey:
    """How far one person has come: counts since the start, and where they began beside where they are."""

    person: PersonRef
    checkins: int = 0
    wins: int = 0
    first_mood: Mark | None = None
    latest_mood: Mark | None = None
    first_challenge: Mark | None = None
    latest_challenge: Mark | None = None

    def to_dict(self) -> dict[str, object]:
        def mark(m: Mark | None) -> dict[str, object] | None:
            return m.to_dict() if m else None

        return {
            "person": self.person.name,
            "person_id": self.person.id,
            "checkins": self.checkins,
            "wins": self.wins,
            "first_mood": mark(self.first_mood),
            "latest_mood": mark(self.latest_mood),
            "first_challenge": mark(self.first_challenge),
            "latest_challenge": mark(self.latest_challenge),
        }


@dataclass(frozen=True)
class WinsView:
    period: Period
    scope: Scope
    people: list[PersonRef]
    weeks: list[Week]
    trend_buckets: Buckets
    moods: list[MoodTrend]
    journeys: list[Journey]
    since_start: datetime | None = None
    total: int = field(default=0)

    @property
    def is_empty(self) -> bool:
        return self.total == 0

    def to_dict(self) -> dict[str, object]:
        return {
            "period": self.period.to_dict(),
            **self.scope.view_dict(),
            **self.scope.privacy_dict(),
            "people": [p.to_dict() for p in self.people],
            "total": self.total,
            "weeks": [w.to_dict() for w in self.weeks],
            "mood_trend": {
                "buckets": self.trend_buckets.to_dict(),
                "people": [m.to_dict() for m in self.moods],
            },
            "how_far": {
                "since": self.since_start.isoformat() if self.since_start else None,
                "people": [j.to_dict() for j in self.journeys],
            },
        }


# ---------------------------------------------------------------- the period's wins


def wins_between(
    conn: Connection, scope: Scope, span: Period, *, person_id: str | None = None, newest: int | None = None
) -> list[tuple[str, Any]]:
    """The raw wins of a period from all three sources, as (source, row) pairs.

    With `newest`, each source gives only its `newest` latest rows (for summaries that show a few).
    """
    c, w, ch, f = t.checkin, t.win, t.challenge, t.feedback

    def limited(query: Any, moment: Any) -> Any:
        return query.order_by(moment.desc()).limit(newest) if newest else query.order_by(moment)

    by_author = (c.c.author_id == person_id) if person_id else true()
    # For overcome challenges the period's range on `overcome_at` must drive the query, not a person's or
    # a pair's whole history: `unindexed` keeps the planner off the check-in indexes for those filters.
    by_author_late = (review.unindexed(c.c.author_id) == person_id) if person_id else true()
    in_pair_late = scope.in_pair_late(c)
    logged = limited(
        select(w.c.id, w.c.text, c.c.author_id, c.c.at, c.c.utc_offset)
        .join(c, c.c.id == w.c.checkin_id)
        .where(scope.where(c), span.between(c.c.at), by_author),
        c.c.at,
    )
    overcome = limited(
        select(
            ch.c.id,
            ch.c.text,
            ch.c.overcome_note,
            ch.c.overcome_at.label("at"),
            c.c.author_id,
            c.c.utc_offset,
        )
        .join(c, c.c.id == ch.c.checkin_id)
        .where(scope.visible(c), in_pair_late, span.between(ch.c.overcome_at), by_author_late),
        ch.c.overcome_at,
    )
    by_recipient = (f.c.recipient_id == person_id) if person_id else true()
    appreciated = limited(
        select(f.c.id, f.c.message, f.c.author_id, f.c.recipient_id, f.c.at, f.c.utc_offset).where(
            f.c.kind == APPRECIATION, scope.given(f), scope.in_pair(f), span.between(f.c.at), by_recipient
        ),
        f.c.at,
    )
    rows: list[tuple[str, Any]] = [(FROM_CHECKIN, r) for r in conn.execute(logged)]
    rows += [(OVERCOME, r) for r in conn.execute(overcome)]
    rows += [(APPRECIATION, r) for r in conn.execute(appreciated)]
    return rows


def to_items(rows: list[tuple[str, Any]], people: dict[str, PersonRef]) -> list[WinItem]:
    # Sorted while every moment is still in UTC: the same order as by local moments (both compare
    # instants), several times faster than comparing datetimes that each carry their own offset.
    rows = sorted(rows, key=lambda sr: (sr[1].at, sr[0], sr[1].id))
    items = []
    for source, r in rows:
        if source == FROM_CHECKIN:
            items.append(WinItem(people[r.author_id], r.text, local(r.at, r.utc_offset), source, r.id))
        elif source == OVERCOME:
            items.append(
                WinItem(
                    people[r.author_id], r.text, local(r.at, r.utc_offset), source, r.id, note=r.overcome_note
                )
            )
        else:
            items.append(
                WinItem(
                    people[r.recipient_id],
                    r.message,
                    local(r.at, r.utc_offset),
                    source,
                    r.id,
                    from_person=people[r.author_id],
                )
            )
    return items


def owners(rows: list[tuple[str, Any]]) -> set[str]:
    """Whose wins these are (appreciation belongs to the one appreciated)."""
    return {r.recipient_id if source == APPRECIATION else r.author_id for source, r in rows}


def givers(rows: list[tuple[str, Any]]) -> set[str]:
    return {r.author_id for source, r in rows if source == APPRECIATION}


def by_week(items: list[WinItem], *, every_week_of: Period | None = None) -> list[Week]:
    """Wins grouped by the week they fell in; with `every_week_of`, each week of that period is there,
    a quiet one too (a group's view gives every week the same place)."""
    weeks: dict[date, list[WinItem]] = {}
    if every_week_of is not None:
        monday = review.start_of_week(every_week_of.since).date()
        while monday <= every_week_of.until.date():
            weeks[monday] = []
            monday += timedelta(weeks=1)
    for item in items:
        day = item.at.date()
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(item)
    return [Week(start, weeks[start]) for start in sorted(weeks)]


# ---------------------------------------------------------------- how far you've come


def journeys(
    conn: Connection, scope: Scope, people: list[PersonRef]
) -> tuple[datetime | None, list[Journey]]:
    """Counts since the pair (or the journal) started, and first and latest mood and challenge per person.

    Counts come from the backend's running totals (or aggregates) and marks are single-row, index-ordered
    lookups: nothing is loaded to count it.
    """
    from peerlog.search import backend_for

    c, ch = t.checkin, t.challenge
    backend = backend_for(conn)

    def tally(kind: str, *, include_private: bool) -> dict[str, tuple[int, int]]:
        return backend.tally(
            conn, kind, me_id=scope.me.id, pair_id=scope.pair_id, include_private=include_private
        )

    mine_too = not scope.together
    checkins = tally("checkin", include_private=mine_too)
    logged = tally("win", include_private=mine_too)
    challenges = tally("challenge", include_private=mine_too)
    # Only appreciation that was given: a note you have not shared yet is no win for the one it is about.
    appreciated = tally(APPRECIATION, include_private=False)

    # Two statements pick, for everyone at once, the id of each first and latest mark (index-ordered,
    # LIMIT 1 subqueries per person, as single lookups would be), and two more read those rows: with 16
    # people at 100k check-ins, 80 separate lookups cost more in statement handling than in SQLite.
    p = t.person
    mine = and_(scope.where(c), c.c.author_id == p.c.id)
    moods = select(c.c.id).where(mine, c.c.mood.is_not(None)).limit(1)
    raised = select(ch.c.id).join(c, c.c.id == ch.c.checkin_id).where(mine).limit(1)

    def pick(query: Any, *order: Any) -> Any:
        return query.order_by(*order).correlate(p).scalar_subquery()

    everyone = [person.id for person in people]
    picked = conn.execute(
        select(
            p.c.id,
            pick(moods, c.c.at).label("first_mood"),
            pick(moods, c.c.at.desc()).label("latest_mood"),
            pick(select(c.c.at).where(mine).limit(1), c.c.at).label("first_entry"),
        ).where(p.c.id.in_(everyone))
    ).all()
    # Looking for the challenge of someone who has none walks every check-in of theirs (hundreds for
    # people you know from a circle): the running counts above already say who has one to find.
    raising = [pid for pid in everyone if challenges.get(pid, (0, 0))[0]]
    raised_picks = conn.execute(
        select(
            p.c.id,
            pick(raised, c.c.at, ch.c.position).label("first_challenge"),
            pick(raised, c.c.at.desc(), ch.c.position.desc()).label("latest_challenge"),
        ).where(p.c.id.in_(raising))
    ).all()
    mood_ids = {r.first_mood for r in picked} | {r.latest_mood for r in picked}
    challenge_ids = {r.first_challenge for r in raised_picks} | {r.latest_challenge for r in raised_picks}
    mood_marks = {
        r.id: Mark(local(r.at, r.utc_offset), mood=r.mood)
        for r in conn.execute(
            select(c.c.id, c.c.at, c.c.utc_offset, c.c.mood).where(c.c.id.in_(mood_ids - {None}))
        )
    }
    challenge_marks = {
        r.id: Mark(local(r.at, r.utc_offset), text=r.text, overcome=r.overcome_at is not None)
        for r in conn.execute(
            select(ch.c.id, c.c.at, c.c.utc_offset, ch.c.text, ch.c.overcome_at)
            .join(c, c.c.id == ch.c.checkin_id)
            .where(ch.c.id.in_(challenge_ids - {None}))
        )
    }
    by_person = {r.id: r for r in picked}
    raised_by = {r.id: r for r in raised_picks}
    result = []
    for person in people:
        marks, raised_marks = by_person.get(person.id), raised_by.get(person.id)
        result.append(
            Journey(
                person=person,
                checkins=checkins.get(person.id, (0, 0))[0],
                wins=logged.get(person.id, (0, 0))[0]
                + challenges.get(person.id, (0, 0))[1]
                + appreciated.get(person.id, (0, 0))[0],
                first_mood=mood_marks.get(marks.first_mood) if marks else None,
                latest_mood=mood_marks.get(marks.latest_mood) if marks else None,
                first_challenge=challenge_marks.get(raised_marks.first_challenge) if raised_marks else None,
                latest_challenge=challenge_marks.get(raised_marks.latest_challenge) if raised_marks else None,
            )
        )
    firsts = [r.first_entry for r in picked]
    # The journey starts with the pair or with its first entry, whichever came first: check-ins logged
    # (or imported) with an earlier date belong to it too.
    known = [m for m in [*firsts, scope.pair_started] if m is not None]
    return (min(known) if known else None), result


# ---------------------------------------------------------------- the view


def default_since(now: datetime | None = None) -> datetime:
    """The start of the week three weeks before this one: four whole weeks of wins."""
    now = now or datetime.now().astimezone()
    return review.start_of_week(now) - timedelta(weeks=DEFAULT_WEEKS - 1)


def wins_view(
    session: Session,
    *,
    pair: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    together: bool = False,
    group: str | None = None,
) -> WinsView:
    """Every win you may see in the period, grouped by week, with mood trends and how far each person has come.

    `together`: only what both people of the pair can see (see `review.Scope`). `group`: the wins of a
    group's members in it, every week of the period with each member in the same place, and no counts
    since the start (those would set people side by side by number).
    """
    review.check_one_place(pair, group)
    conn = session.connection()
    # Without --since, the four weeks up to the end of the period (so `--until` alone looks back from there).
    span = review.period(since, until, default_since=default_since(until or now), now=now)
    if group is not None:
        return _group_wins(session, group, span, together=together)
    scope = review.scope_for(conn, pair, together=together)
    rows = wins_between(conn, scope, span)
    if scope.peer:
        people = scope.pair_people
        people_by_id = review.names_of(conn, scope.me, {p.id for p in people} | givers(rows))
    else:
        shown = owners(rows) | review.authors_between(conn, scope, span) | {scope.me.id}
        people_by_id = review.names_of(conn, scope.me, shown | givers(rows))
        people = review.ordered_people({pid: people_by_id[pid] for pid in shown if pid in people_by_id})
    items = to_items(rows, people_by_id)
    buckets, moods = review.mood_trends(conn, scope, span, people)
    start, journey = journeys(conn, scope, people)
    return WinsView(
        period=span,
        scope=scope,
        people=people,
        weeks=by_week(items),
        trend_buckets=buckets,
        moods=moods,
        journeys=journey,
        since_start=start,
        total=len(items),
    )


def _group_wins(session: Session, name: str, span: Period, *, together: bool) -> WinsView:
    conn = session.connection()
    scope = review.group_scope(session, name, span, together=together)
    assert scope.group is not None
    rows = wins_between(conn, scope, span)
    members = {p.id: p for p in scope.group.members}
    # Someone whose win is here but whose stretch in the group the journal does not show still gets their place.
    extra = review.names_of(conn, scope.me, (owners(rows) | givers(rows)) - set(members))
    people = review.group_people({**members, **{k: v for k, v in extra.items() if k in owners(rows)}})
    items = to_items(rows, {**members, **extra, scope.me.id: scope.me})
    buckets, moods = review.mood_trends(conn, scope, span, people)
    begun = [scope.group.started_at, *(i.at for i in items[:1])]
    return WinsView(
        period=span,
        scope=scope,
        people=people,
        # Quiet weeks from when the group began (or its first win, if logged as earlier), not before.
        weeks=by_week(items, every_week_of=Period(max(span.since, min(begun)), span.until)),
        trend_buckets=buckets,
        moods=moods,
        journeys=[],
        total=len(items),
    )
