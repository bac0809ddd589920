"""What `wins`, `summary` and `search` share: who is looking, which pair, which period, and mood trends.

Everything here reads through the light Core tables in `peerlog.tables` and asks the database for exactly
what a view shows (ranges on indexed moments, aggregates, LIMITs), so a review costs the same at year five
as at day one. Visibility is the one rule of `peerlog.store.visibility`: your own entries, and other people's
shared ones.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.engine import Connection
from sqlmodel import Session

from peerlog import lookup
from peerlog import tables as t
from peerlog.errors import InputError
from peerlog.store.visibility import visible_to

#: A sparkline never gets wider than this many points, so it fits an 80-column terminal beside a name.
MAX_TREND_POINTS = 56
#: Bucket lengths in days, smallest first: a day, a week, a fortnight, a month, a quarter, a year.
_BUCKET_DAYS = (1, 7, 14, 30, 91, 365)


@dataclass(frozen=True)
class PersonRef:
    id: str
    name: str
    you: bool

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "you": self.you}


@dataclass(frozen=True)
class GroupRef:
    """The group a view is about, and everyone who was a member at some time in the period."""

    id: str
    name: str
    started_at: datetime
    ended_at: datetime | None
    members: tuple[PersonRef, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "ended": self.ended_at is not None,
            "members": [p.name for p in self.members],
        }


@dataclass(frozen=True)
class Scope:
    """Who is looking, and at which pair (None: everything they may see).

    `together`: two people looking at one screen, so only what both can see, the shared entries of the
    pair; your private notes stay out of every list and every count.
    """

    me: PersonRef
    pair_id: str | None = None
    pair_started: datetime | None = None
    peer: PersonRef | None = None
    together: bool = False
    #: A group instead of a pair: its entries (your own and what members shared with it).
    group: GroupRef | None = None

    @property
    def pair_people(self) -> list[PersonRef]:
        return [self.me, self.peer] if self.peer else [self.me]

    def visible(self, table: Any) -> Any:
        """Your own rows and shared ones (shared ones only, together): never another person's private entries."""
        return visible_to(table, self.me.id, include_private=not self.together)

    def given(self, table: Any) -> Any:
        """Feedback the recipient has received: shared. An appreciation you have not shared yet is still
        your private note, so it is never counted as a win for the one it is about."""
        return visible_to(table, self.me.id, include_private=False)

    def in_pair(self, table: Any) -> Any:
        """Within the pair or the group looked at (everything, when neither)."""
        if self.group:
            return table.c.group_id == self.group.id
        return table.c.pair_id == self.pair_id if self.pair_id else true()

    def in_pair_late(self, table: Any) -> Any:
        """As `in_pair`, kept off the indexes (see `unindexed`): for queries another range should drive."""
        if self.group:
            return unindexed(table.c.group_id) == self.group.id
        return unindexed(table.c.pair_id) == self.pair_id if self.pair_id else true()

    def where(self, table: Any) -> Any:
        return and_(self.visible(table), self.in_pair(table))

    def pair_dict(self) -> dict[str, object] | None:
        if not self.peer:
            return None
        return {"id": self.pair_id, "people": [self.me.name, self.peer.name]}

    def group_dict(self) -> dict[str, object] | None:
        return self.group.to_dict() if self.group else None

    def view_dict(self) -> dict[str, object]:
        """Which pair or group a view is about, for `--json`: `pair` always, `group` when there is one."""
        return {"pair": self.pair_dict(), **({"group": self.group_dict()} if self.group else {})}

    def privacy_dict(self) -> dict[str, object]:
        return {"together": self.together, "includes_private": not self.together}


@dataclass(frozen=True)
class Period:
    """A span of time, both ends aware and inclusive."""

    since: datetime
    until: datetime

    def between(self, column: Any) -> Any:
        return and_(column >= self.since.astimezone(UTC), column <= self.until.astimezone(UTC))

    def to_dict(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def unindexed(column: Any) -> Any:
    """The same value, hidden from the query planner's choice of index (portable: `col || ''`).

    SQLite plans without statistics; where one small range should drive a query, this stops it from
    preferring an equality on a column whose index would walk years of history instead.
    """
    return column.concat("")


def local(utc: datetime, offset: int) -> datetime:
    """As `peerlog.dates.from_stored`, with one timezone object per offset for the thousands of rows of a
    busy month (building one per row cost more than the query that read them)."""
    if utc.tzinfo is None:
        utc = utc.replace(tzinfo=UTC)
    try:
        return utc.astimezone(_zone(offset))
    except (OverflowError, ValueError):
        return utc  # a doctored moment at the calendar's edge: shown in UTC, as `from_stored` does


@functools.cache
def _zone(offset: int) -> timezone:
    return timezone(timedelta(minutes=offset))


# ---------------------------------------------------------------- who and which pair


def load_me(conn: Connection) -> PersonRef:
    me = lookup.load_me(conn)
    return PersonRef(me.id, me.name, True)


def names_of(conn: Connection, me: PersonRef, ids: set[str]) -> dict[str, PersonRef]:
    """People by id, you included, in one query."""
    found = {me.id: me}
    wanted = ids - {me.id}
    if wanted:
        rows = conn.execute(select(t.person.c.id, t.person.c.name).where(t.person.c.id.in_(wanted)))
        found.update({r.id: PersonRef(r.id, r.name, False) for r in rows})
    return found


def authors_between(conn: Connection, scope: Scope, span: Period) -> set[str]:
    """Everyone with a check-in you may see in the period (a range on the indexed moment)."""
    c = t.checkin
    rows = conn.execute(select(c.c.author_id).where(scope.where(c), span.between(c.c.at)).distinct())
    return {r[0] for r in rows}


def ordered_people(people: dict[str, PersonRef]) -> list[PersonRef]:
    """You first (it is your journal), then peers by name: a stable order, never a ranking."""
    return sorted(people.values(), key=lambda p: (not p.you, p.name.casefold(), p.id))


def group_people(people: dict[str, PersonRef]) -> list[PersonRef]:
    """A group's members by name, you among them in your place: the same order every week and on every
    member's screen (roughly: names sort alike), so nobody is first, however the journal is kept."""
    return sorted(people.values(), key=lambda p: (p.name.casefold(), p.id))


def group_scope(session: Session, name: str, span: Period, *, together: bool = False) -> Scope:
    """The scope of a group view: the group called `name` (an ended one too: its history stays), with
    everyone who was a member at some time in the period."""
    from peerlog.groups import resolve_group

    found = resolve_group(session, name)
    conn = session.connection()
    me = load_me(conn)
    gm = t.group_member
    rows = conn.execute(
        select(gm.c.person_id).where(
            gm.c.group_id == found.id,
            gm.c.joined_at <= span.until.astimezone(UTC),
            or_(gm.c.left_at.is_(None), gm.c.left_at >= span.since.astimezone(UTC)),
        )
    )
    members = names_of(conn, me, {r.person_id for r in rows})
    group = GroupRef(
        found.id, found.name, local(found.started_at, 0), found.ended_at, tuple(group_people(members))
    )
    return Scope(me=me, group=group, together=together)


def check_one_place(pair: str | None, group: str | None) -> None:
    if pair is not None and group is not None:
        raise InputError(
            "A view is of one pair or one group: --pair and --group cannot go together.",
            hint="Choose one of them.",
        )


def scope_for(conn: Connection, pair: str | None, *, together: bool = False) -> Scope:
    """The view's scope: yours alone, or the pair with the peer called `pair` (same matching as `--pair`).

    `together` needs a pair: the one named, or your one active pair when you have exactly one.
    """
    me = lookup.load_me(conn)
    you = PersonRef(me.id, me.name, True)
    if together and not pair:
        found = _only_active_pair(conn, me)
    elif not pair:
        return Scope(me=you)
    else:
        found = lookup.find_pair(conn, me, pair)
    return Scope(
        me=you,
        pair_id=found.id,
        pair_started=found.started_at,
        peer=PersonRef(found.peer_id or "", found.peer or "?", False),
        together=together,
    )


def _only_active_pair(conn: Connection, me: lookup.Me) -> lookup.PairRef:
    active = [p for p in lookup.pairs_of(conn, me) if p.ended_at is None and p.peer is not None]
    if len(active) == 1:
        return active[0]
    if not active:
        raise InputError(
            "A together view is for you and a peer, and you have no active pair yet.",
            hint='Add one with `peerlog pair add "Their name"`.',
        )
    names = ", ".join(sorted(p.peer or "" for p in active))
    raise InputError(
        "A together view is for one pair: which one?",
        hint=f"Add --pair with one of: {names}.",
    )


# ---------------------------------------------------------------- periods


def start_of_day(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time.min).astimezone()


def start_of_week(moment: datetime) -> datetime:
    return start_of_day(moment - timedelta(days=moment.weekday()))


def period(
    since: datetime | None, until: datetime | None, *, default_since: datetime, now: datetime | None = None
) -> Period:
    now = now or datetime.now().astimezone()
    end = until or now
    start = since or default_since
    if start > end:
        raise InputError(
            "The start of the period comes after its end.",
            hint="Check --since and --until: --since is the earlier moment.",
        )
    return Period(start, end)


# ---------------------------------------------------------------- mood trends


@dataclass(frozen=True)
class MoodTrend:
    """One person's average mood per bucket of the period (None where they logged no mood)."""

    person: PersonRef
    points: list[float | None]
    first: int | None = None
    latest: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "person": self.person.name,
            "person_id": self.person.id,
            "points": [round(v, 2) if v is not None else None for v in self.points],
        }


@dataclass(frozen=True)
class Buckets:
    start: datetime
    days: int
    count: int

    def edges(self) -> list[datetime]:
        return [self.start + timedelta(days=self.days * i) for i in range(self.count + 1)]

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start.isoformat(), "days": self.days, "count": self.count}


def buckets_for(span: Period) -> Buckets:
    start = start_of_day(span.since)
    total = max(1, (span.until - start).days + 1)
    days = next((d for d in _BUCKET_DAYS if -(-total // d) <= MAX_TREND_POINTS), _BUCKET_DAYS[-1])
    return Buckets(start, days, min(MAX_TREND_POINTS, -(-total // days)))


def mood_trends(
    conn: Connection, scope: Scope, span: Period, people: list[PersonRef]
) -> tuple[Buckets, list[MoodTrend]]:
    """Average mood per person per bucket, computed by the database (one grouped query over the period)."""
    c = t.checkin
    buckets = buckets_for(span)
    edges = buckets.edges()
    # A CASE over the bucket edges keeps the grouping portable (no date functions differ between backends).
    bucket = case(
        *[(c.c.at >= edges[i].astimezone(UTC), i) for i in range(buckets.count - 1, 0, -1)],
        else_=0,
    )
    ids = [p.id for p in people]
    rows = conn.execute(
        select(c.c.author_id, bucket.label("bucket"), func.avg(c.c.mood).label("mood"))
        .where(scope.where(c), span.between(c.c.at), c.c.mood.is_not(None), c.c.author_id.in_(ids))
        .group_by(c.c.author_id, bucket)
    ).all()
    points: dict[str, list[float | None]] = {pid: [None] * buckets.count for pid in ids}
    for r in rows:
        points[r.author_id][int(r.bucket)] = float(r.mood)
    trends = []
    for person in people:
        series = points[person.id]
        known = [v for v in series if v is not None]
        trends.append(
            MoodTrend(
                person,
                series,
                first=round(known[0]) if known else None,
                latest=round(known[-1]) if known else None,
            )
        )
    return buckets, trends
