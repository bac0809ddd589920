"""One screen on a period: check-ins, mood, wins, challenges, reflections and feedback exchanged both ways.

Counts are aggregates in SQL; lists are small LIMITed reads (the latest few per person), so a summary of a
week costs the same in a journal of a hundred check-ins or a hundred thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from peerlog import review, wins
from peerlog import tables as t
from peerlog.review import Buckets, MoodTrend, Period, PersonRef, Scope, local

SESSION_CHECK = "session-check"
#: Short labels for the session-check pack's stable prompt ids; other prompts show their own text.
RATING_LABELS = {
    "heard": "felt heard and respected",
    "mattered": "talked about what mattered",
    "fit": "the way we talked fit",
    "overall": "overall",
}
RATING_ORDER = ("heard", "mattered", "fit", "overall")
#: How many of the latest items a summary lists per person (the counts always cover everything).
RECENT = 3
RECENT_FEEDBACK = 2
SESSION_CHECKS_SHOWN = 3
#: The rating questions of a group's session check: (pack, prompt id) -> (label, lowest, highest).
#: The round's own "how did the session feel?" and, for a session check filed in the group, its scales.
GROUP_RATINGS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("group-round", "felt"): ("how the session felt", "hard", "good"),
    (SESSION_CHECK, "heard"): (RATING_LABELS["heard"], "not really", "completely"),
    (SESSION_CHECK, "mattered"): (RATING_LABELS["mattered"], "not really", "completely"),
    (SESSION_CHECK, "fit"): (RATING_LABELS["fit"], "not really", "completely"),
    (SESSION_CHECK, "overall"): ("overall", "not great", "really good"),
}
#: Below this many people, a spread of ratings would let anyone guess who felt what: it is kept back.
MIN_RATERS = 3
#: How many of the latest meetings a group summary names.
MEETINGS_SHOWN = 3
#: How many of each person's latest rounds a group summary quotes, and how many written answers of each.
ROUNDS_SHOWN = 2
ROUND_ANSWERS = 2


@dataclass(frozen=True)
class ChallengeLine:
    id: str
    text: str
    person: PersonRef
    at: datetime
    overcome: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "text": self.text,
            "person": self.person.name,
            "at": self.at.isoformat(),
            "overcome": self.overcome,
        }


@dataclass(frozen=True)
class SessionCheck:
    """Both peers' ratings of the conversations of one day, side by side."""

    day: date
    pair: str | None
    ratings: dict[str, dict[str, float]]
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def prompts(self) -> list[str]:
        seen = {p for r in self.ratings.values() for p in r}
        return [p for p in RATING_ORDER if p in seen] + sorted(seen - set(RATING_ORDER))

    def label(self, prompt: str) -> str:
        return RATING_LABELS.get(prompt) or self.texts.get(prompt, prompt)

    def to_dict(self, people: dict[str, PersonRef]) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "pair": self.pair,
            "ratings": {
                people[pid].name if pid in people else pid: values for pid, values in self.ratings.items()
            },
        }


@dataclass(frozen=True)
class FeedbackItem:
    kind: str
    message: str
    at: datetime
    #: False for a note you have written but not shared yet: the one it is about has not received it.
    given: bool = True

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "at": self.at.isoformat(), "given": self.given}


@dataclass(frozen=True)
class FeedbackFlow:
    author: PersonRef
    recipient: PersonRef
    appreciations: int = 0
    suggestions: int = 0
    latest: list[FeedbackItem] = field(default_factory=list)
    #: Of the counts above, how many are your private notes, written and not given yet.
    not_given: int = 0

    @property
    def total(self) -> int:
        return self.appreciations + self.suggestions

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.author.name,
            "to": self.recipient.name,
            "appreciations": self.appreciations,
            "suggestions": self.suggestions,
            "not_given": self.not_given,
            "latest": [i.to_dict() for i in self.latest],
        }


@dataclass(frozen=True)
class SummaryView:
    period: Period
    scope: Scope
    people: list[PersonRef]
    checkins: dict[str, int]
    trend_buckets: Buckets
    moods: list[MoodTrend]
    win_counts: dict[str, int]
    recent_wins: list[wins.WinItem]
    challenges: list[ChallengeLine]
    challenge_counts: dict[str, tuple[int, int]]
    reflections: dict[str, int]
    reflection_packs: dict[str, dict[str, int]]
    session_checks: list[SessionCheck]
    more_session_checks: int
    feedback: list[FeedbackFlow]

    @property
    def is_empty(self) -> bool:
        return not (
            any(self.checkins.values())
            or any(self.win_counts.values())
            or any(self.reflections.values())
            or any(f.total for f in self.feedback)
        )

    def to_dict(self) -> dict[str, object]:
        by_id = {p.id: p for p in self.people}

        def named(values: dict[str, Any]) -> dict[str, Any]:
            return {by_id[k].name if k in by_id else k: v for k, v in values.items()}

        return {
            "period": self.period.to_dict(),
            **self.scope.view_dict(),
            **self.scope.privacy_dict(),
            "people": [p.to_dict() for p in self.people],
            "checkins": named({p.id: self.checkins.get(p.id, 0) for p in self.people}),
            "mood_trend": {
                "buckets": self.trend_buckets.to_dict(),
                "people": [m.to_dict() for m in self.moods],
            },
            "wins": {
                "counts": named({p.id: self.win_counts.get(p.id, 0) for p in self.people}),
                "recent": [w.to_dict() for w in self.recent_wins],
            },
            "challenges": {
                "counts": named(
                    {
                        p.id: dict(
                            zip(("raised", "overcome"), self.challenge_counts.get(p.id, (0, 0)), strict=True)
                        )
                        for p in self.people
                    }
                ),
                "recent": [c.to_dict() for c in self.challenges],
            },
            "reflections": {
                "counts": named({p.id: self.reflections.get(p.id, 0) for p in self.people}),
                "packs": named(self.reflection_packs),
                "session_checks": [s.to_dict(by_id) for s in self.session_checks],
                "more_session_checks": self.more_session_checks,
            },
            "feedback": [f.to_dict() for f in self.feedback],
        }


@dataclass(frozen=True)
class Meeting:
    """One meeting of a group: every record of it you may see from one day, as each member who recorded it
    may have (their records arrive with what they share), with who came and who facilitated merged."""

    day: date
    came: list[PersonRef]
    facilitators: list[PersonRef]

    @property
    def you_came(self) -> bool:
        return any(p.you for p in self.came)

    def to_dict(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "came": [p.name for p in self.came],
            "facilitated_by": [p.name for p in self.facilitators],
        }


@dataclass(frozen=True)
class RoundLine:
    """A round (a reflection in the group): its written answers only. A rating in it shows, without a
    name, in the group's spread, never beside the person who gave it."""

    id: str
    person: PersonRef
    at: datetime
    title: str
    visibility: str
    answers: list[tuple[str, str]]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "person": self.person.name,
            "at": self.at.isoformat(),
            "title": self.title,
            "visibility": self.visibility,
            "answers": [{"prompt": q, "value": v} for q, v in self.answers],
        }


@dataclass(frozen=True)
class RatingSpread:
    """How many people gave each value to one rating question: each person's latest in the period, no
    names. Below `MIN_RATERS` people the values are kept back (`counts` empty)."""

    label: str
    low: str
    high: str
    raters: int
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.raters >= MIN_RATERS

    def word(self, value: int) -> str:
        return {
            1: self.low,
            2: f"nearer {self.low}",
            3: "in between",
            4: f"nearer {self.high}",
            5: self.high,
        }.get(value, str(value))

    def to_dict(self) -> dict[str, object]:
        return {
            "question": self.label,
            "people": self.raters,
            "spread": {str(k): v for k, v in sorted(self.counts.items(), reverse=True)}
            if self.shown
            else None,
        }


@dataclass(frozen=True)
class GroupSummaryView:
    period: Period
    scope: Scope
    people: list[PersonRef]
    meetings_held: int
    you_came: int
    recent_meetings: list[Meeting]
    rounds: list[RoundLine]
    more_rounds: int
    ratings: list[RatingSpread]

    @property
    def is_empty(self) -> bool:
        return not (self.meetings_held or self.rounds or any(r.raters for r in self.ratings))

    def to_dict(self) -> dict[str, object]:
        return {
            "period": self.period.to_dict(),
            **self.scope.view_dict(),
            **self.scope.privacy_dict(),
            "people": [p.to_dict() for p in self.people],
            "sessions": {
                "held": self.meetings_held,
                "you_came": self.you_came,
                "recent": [m.to_dict() for m in self.recent_meetings],
            },
            "rounds": {"recent": [r.to_dict() for r in self.rounds], "more": self.more_rounds},
            "session_check": [r.to_dict() for r in self.ratings],
        }


def default_since(now: datetime, *, month: bool) -> datetime:
    """--week: today and the six days before it. --month: from this day last month."""
    if month:
        from dateutil.relativedelta import relativedelta

        return review.start_of_day(now - relativedelta(months=1))
    return review.start_of_day(now - timedelta(days=6))


def _grouped(conn: Connection, query: Any) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in conn.execute(query)}


def summary_view(
    session: Session,
    *,
    pair: str | None = None,
    since: datetime | None = None,
    month: bool = False,
    now: datetime | None = None,
    together: bool = False,
) -> SummaryView:
    """The period's summary; `together`: only what both people of the pair can see (see `review.Scope`)."""
    now = now or datetime.now().astimezone()
    conn = session.connection()
    scope = review.scope_for(conn, pair, together=together)
    span = review.period(since, None, default_since=default_since(now, month=month), now=now)
    c, w, ch, f, rf = t.checkin, t.win, t.challenge, t.feedback, t.reflection
    in_period = scope.where(c), span.between(c.c.at)

    # One pass over the period's check-ins (an index range), with each one's wins and challenges counted
    # by index lookups: the period drives the query however long the journal's history is.
    def per_checkin(table: Any, *extra: Any) -> Any:
        return (
            select(func.count())
            .select_from(table)
            .where(table.c.checkin_id == c.c.id, *extra)
            .scalar_subquery()
        )

    counted = conn.execute(
        select(
            c.c.author_id,
            func.count(),
            func.sum(per_checkin(w)),
            func.sum(per_checkin(ch)),
            func.sum(per_checkin(ch, ch.c.overcome_at.is_not(None))),
        )
        .where(*in_period)
        .group_by(c.c.author_id)
    ).all()
    checkins = {r[0]: int(r[1]) for r in counted}
    logged = {r[0]: int(r[2] or 0) for r in counted}
    raised = {r[0]: (int(r[3] or 0), int(r[4] or 0)) for r in counted if r[3]}
    in_pair_late = scope.in_pair_late(c)
    overcome = _grouped(
        conn,
        select(c.c.author_id, func.count())
        .select_from(ch)
        .join(c, c.c.id == ch.c.checkin_id)
        .where(scope.visible(c), in_pair_late, span.between(ch.c.overcome_at))
        .group_by(c.c.author_id),
    )
    appreciated = _grouped(
        conn,
        select(f.c.recipient_id, func.count())
        # Only appreciation that was given: a note not shared yet is no win for the one it is about.
        .where(f.c.kind == wins.APPRECIATION, scope.given(f), scope.in_pair(f), span.between(f.c.at))
        .group_by(f.c.recipient_id),
    )
    pack_rows = conn.execute(
        select(rf.c.author_id, rf.c.pack_title, func.count())
        .where(scope.where(rf), span.between(rf.c.at))
        .group_by(rf.c.author_id, rf.c.pack_title)
    ).all()
    flows = conn.execute(
        select(f.c.author_id, f.c.recipient_id, f.c.kind, f.c.visibility == t.SHARED, func.count())
        .where(scope.where(f), span.between(f.c.at))
        .group_by(f.c.author_id, f.c.recipient_id, f.c.kind, f.c.visibility == t.SHARED)
    ).all()

    # Who the summary is about: the pair, or you and everyone whose entries you may see in the period.
    if scope.peer:
        people = scope.pair_people
    else:
        ids = {scope.me.id} | set(checkins) | set(appreciated) | {r[0] for r in pack_rows}
        ids |= {r[0] for r in flows} | {r[1] for r in flows}
        people = review.ordered_people(review.names_of(conn, scope.me, ids))
    everyone = review.names_of(
        conn, scope.me, {p.id for p in people} | {r[0] for r in flows} | {r[1] for r in flows}
    )

    win_counts = {
        p.id: logged.get(p.id, 0) + overcome.get(p.id, 0) + appreciated.get(p.id, 0) for p in people
    }
    recent: list[wins.WinItem] = []
    for p in people:
        if win_counts[p.id]:
            rows = wins.wins_between(conn, scope, span, person_id=p.id, newest=RECENT)
            items = wins.to_items(rows, everyone)
            recent += items[-RECENT:]

    challenges: list[ChallengeLine] = []
    for p in people:
        if raised.get(p.id):
            raised_rows = conn.execute(
                select(ch.c.id, ch.c.text, ch.c.overcome_at, c.c.at, c.c.utc_offset)
                .join(c, c.c.id == ch.c.checkin_id)
                .where(*in_period, c.c.author_id == p.id)
                .order_by(c.c.at.desc(), ch.c.position)
                .limit(RECENT)
            )
            challenges += [
                ChallengeLine(r.id, r.text, p, local(r.at, r.utc_offset), r.overcome_at is not None)
                for r in raised_rows
            ]

    reflections: dict[str, int] = {}
    packs: dict[str, dict[str, int]] = {}
    for author, title, count in pack_rows:
        reflections[author] = reflections.get(author, 0) + int(count)
        packs.setdefault(author, {})[title] = int(count)

    checks, more = session_checks(conn, scope, span, people)
    buckets, moods = review.mood_trends(conn, scope, span, people)
    return SummaryView(
        period=span,
        scope=scope,
        people=people,
        checkins=checkins,
        trend_buckets=buckets,
        moods=moods,
        win_counts=win_counts,
        recent_wins=recent,
        challenges=challenges,
        challenge_counts=raised,
        reflections=reflections,
        reflection_packs=packs,
        session_checks=checks,
        more_session_checks=more,
        feedback=feedback_flows(conn, scope, span, people, flows, everyone),
    )


def session_checks(
    conn: Connection, scope: Scope, span: Period, people: list[PersonRef]
) -> tuple[list[SessionCheck], int]:
    """The latest few days with session checks, each person's ratings side by side (newest day first)."""
    rf, a = t.reflection, t.answer
    wanted = (
        scope.where(rf),
        span.between(rf.c.at),
        rf.c.pack_name == SESSION_CHECK,
        # A group's ratings are shown only as a spread without names (`summary --group`), never side by side.
        rf.c.group_id.is_(None),
        # The period's range on `at` drives this; the author list only trims it.
        review.unindexed(rf.c.author_id).in_([p.id for p in people]),
    )
    total = conn.execute(select(func.count()).select_from(rf).where(*wanted)).scalar() or 0
    if not total:
        return [], 0
    # Enough reflections for the latest few days of both peers; a day usually has one each.
    latest = conn.execute(
        select(rf.c.id, rf.c.author_id, rf.c.pair_id, rf.c.at, rf.c.utc_offset)
        .where(*wanted)
        .order_by(rf.c.at.desc())
        .limit(SESSION_CHECKS_SHOWN * max(2, len(people)) * 2)
    ).all()
    days: dict[tuple[str | None, date], list[Any]] = {}
    for r in latest:
        key = (r.pair_id, local(r.at, r.utc_offset).date())
        if key in days or len(days) < SESSION_CHECKS_SHOWN:
            days.setdefault(key, []).append(r)
    ids = [r.id for rows in days.values() for r in rows]
    answers: dict[str, list[Any]] = {}
    for row in conn.execute(
        select(a.c.reflection_id, a.c.prompt_id, a.c.prompt_text, a.c.value)
        .where(a.c.reflection_id.in_(ids), a.c.kind == "scale")
        .order_by(a.c.position)
    ):
        answers.setdefault(row.reflection_id, []).append(row)
    peer_names = _pair_peer_names(conn, scope, {k[0] for k in days if k[0]})
    checks = []
    shown = 0
    for (pair_id, on_day), rows in days.items():
        ratings: dict[str, dict[str, float]] = {}
        texts: dict[str, str] = {}
        # Oldest first, so a later check on the same day (a second conversation) is the one shown.
        for r in sorted(rows, key=lambda r: r.at):
            for ans in answers.get(r.id, []):
                try:
                    ratings.setdefault(r.author_id, {})[ans.prompt_id] = float(ans.value)
                except ValueError:
                    continue  # a skipped or odd value: leave the cell empty rather than guess
                texts[ans.prompt_id] = ans.prompt_text
            shown += 1
        checks.append(SessionCheck(on_day, peer_names.get(pair_id or ""), ratings, texts))
    return checks, max(0, int(total) - shown)


def _pair_peer_names(conn: Connection, scope: Scope, pair_ids: set[str]) -> dict[str, str]:
    if not pair_ids:
        return {}
    p, ps = t.pair, t.person
    rows = conn.execute(select(p.c.id, p.c.person_a_id, p.c.person_b_id).where(p.c.id.in_(pair_ids))).all()
    peer_of = {r.id: (r.person_b_id if r.person_a_id == scope.me.id else r.person_a_id) for r in rows}
    names = dict(conn.execute(select(ps.c.id, ps.c.name).where(ps.c.id.in_(set(peer_of.values())))).all())
    return {pid: names.get(peer, "?") for pid, peer in peer_of.items()}


def feedback_flows(
    conn: Connection,
    scope: Scope,
    span: Period,
    people: list[PersonRef],
    counts: Sequence[Any],
    everyone: dict[str, PersonRef],
) -> list[FeedbackFlow]:
    """Feedback in each direction; in a pair both directions always show, even when one is still empty."""
    f = t.feedback
    tally: dict[tuple[str, str], dict[str, int]] = {}
    kept: dict[tuple[str, str], int] = {}
    for author, recipient, kind, given, count in counts:
        kinds = tally.setdefault((author, recipient), {})
        kinds[kind] = kinds.get(kind, 0) + int(count)
        if not given:
            kept[(author, recipient)] = kept.get((author, recipient), 0) + int(count)
    directions = list(tally)
    if scope.peer:
        a, b = scope.me.id, scope.peer.id
        directions = [(a, b), (b, a)]
    flows = []
    for author, recipient in sorted(
        directions,
        key=lambda d: (
            not everyone[d[0]].you,
            everyone[d[0]].name.casefold(),
            everyone[d[1]].name.casefold(),
        ),
    ):
        kinds = tally.get((author, recipient), {})
        latest: list[FeedbackItem] = []
        if kinds:
            rows = conn.execute(
                select(f.c.kind, f.c.message, f.c.at, f.c.utc_offset, f.c.visibility)
                .where(
                    scope.where(f),
                    span.between(f.c.at),
                    f.c.author_id == author,
                    f.c.recipient_id == recipient,
                )
                .order_by(f.c.at.desc())
                .limit(RECENT_FEEDBACK)
            )
            latest = [
                FeedbackItem(r.kind, r.message, local(r.at, r.utc_offset), r.visibility == t.SHARED)
                for r in rows
            ]
        flows.append(
            FeedbackFlow(
                author=everyone[author],
                recipient=everyone[recipient],
                appreciations=kinds.get(wins.APPRECIATION, 0),
                suggestions=sum(v for k, v in kinds.items() if k != wins.APPRECIATION),
                latest=latest,
                not_given=kept.get((author, recipient), 0),
            )
        )
    return flows


# ---------------------------------------------------------------- a group's summary


def group_summary_view(
    session: Session,
    group: str,
    *,
    since: datetime | None = None,
    month: bool = False,
    now: datetime | None = None,
    together: bool = False,
) -> GroupSummaryView:
    """A group's period: its sessions and who came (never a count per person), the rounds shared with
    it, and its session check as a spread without names."""
    now = now or datetime.now().astimezone()
    span = review.period(since, None, default_since=default_since(now, month=month), now=now)
    scope = review.group_scope(session, group, span, together=together)
    assert scope.group is not None
    conn = session.connection()
    members = {p.id: p for p in scope.group.members}
    meetings = _meetings(conn, scope, span, members)
    rounds, more = _rounds(conn, scope, span, members)
    people = review.group_people({**members, **{r.person.id: r.person for r in rounds}})
    return GroupSummaryView(
        period=span,
        scope=scope,
        people=people,
        meetings_held=len(meetings),
        you_came=sum(1 for m in meetings if m.you_came),
        recent_meetings=meetings[:MEETINGS_SHOWN],
        rounds=rounds,
        more_rounds=more,
        ratings=_rating_spreads(conn, scope, span),
    )


def _meetings(conn: Connection, scope: Scope, span: Period, members: dict[str, PersonRef]) -> list[Meeting]:
    """The group's meetings in the period, newest first: the session records you may see, one meeting a
    day (members who each recorded the same meeting are one meeting, not several)."""
    gs, ga = t.group_session, t.group_attendance
    rows = conn.execute(
        select(gs.c.id, gs.c.at, gs.c.utc_offset, gs.c.facilitator_id)
        .where(scope.where(gs), span.between(gs.c.at))
        .order_by(gs.c.at.desc())
    ).all()
    if not rows:
        return []
    came: dict[str, set[str]] = {}
    for a in conn.execute(
        select(ga.c.session_id, ga.c.person_id).where(ga.c.session_id.in_([r.id for r in rows]))
    ):
        came.setdefault(a.session_id, set()).add(a.person_id)
    days: dict[date, tuple[set[str], set[str]]] = {}
    for r in rows:
        who, led = days.setdefault(local(r.at, r.utc_offset).date(), (set(), set()))
        who |= came.get(r.id, set())
        if r.facilitator_id:
            led.add(r.facilitator_id)
    ids = {p for who, led in days.values() for p in who | led}
    people = {**review.names_of(conn, scope.me, ids - set(members)), **members}

    def named(ids: set[str]) -> list[PersonRef]:
        return review.group_people({i: people[i] for i in ids if i in people})

    return [Meeting(day, named(who), named(led)) for day, (who, led) in days.items()]


def _rounds(
    conn: Connection, scope: Scope, span: Period, members: dict[str, PersonRef]
) -> tuple[list[RoundLine], int]:
    """The latest few rounds of each person in the group's period (written answers only), and how many
    more the period holds in all. A session check is no round: its ratings go to the spread."""
    rf, a = t.reflection, t.answer
    wanted = (scope.where(rf), span.between(rf.c.at), rf.c.pack_name != SESSION_CHECK)
    authors = [r[0] for r in conn.execute(select(rf.c.author_id).where(*wanted).distinct())]
    if not authors:
        return [], 0
    people = {**review.names_of(conn, scope.me, set(authors) - set(members)), **members}
    rows: list[Any] = []
    for author in authors:
        rows += conn.execute(
            select(rf.c.id, rf.c.author_id, rf.c.pack_title, rf.c.at, rf.c.utc_offset, rf.c.visibility)
            # The group's period drives this (its index on group and moment); the author only trims it.
            .where(*wanted, review.unindexed(rf.c.author_id) == author)
            .order_by(rf.c.at.desc())
            .limit(ROUNDS_SHOWN)
        ).all()
    total = conn.execute(select(func.count()).select_from(rf).where(*wanted)).scalar() or 0
    written: dict[str, list[tuple[str, str]]] = {}
    for ans in conn.execute(
        select(a.c.reflection_id, a.c.prompt_text, a.c.value)
        .where(a.c.reflection_id.in_([r.id for r in rows]), a.c.kind.in_(("text", "long")), a.c.value != "")
        .order_by(a.c.position)
    ):
        written.setdefault(ans.reflection_id, []).append((ans.prompt_text, ans.value))
    rounds = [
        RoundLine(
            r.id,
            people[r.author_id],
            local(r.at, r.utc_offset),
            r.pack_title,
            r.visibility,
            written.get(r.id, [])[:ROUND_ANSWERS],
        )
        for r in sorted(rows, key=lambda r: r.at)
    ]
    return rounds, max(0, int(total) - len(rounds))


def _rating_spreads(conn: Connection, scope: Scope, span: Period) -> list[RatingSpread]:
    """Each rating question of the group's session check, with each person's latest answer in the period."""
    rf, a = t.reflection, t.answer
    packs = sorted({pack for pack, _ in GROUP_RATINGS})
    rows = conn.execute(
        select(rf.c.author_id, rf.c.pack_name, a.c.prompt_id, a.c.value)
        .join(a, a.c.reflection_id == rf.c.id)
        .where(scope.where(rf), span.between(rf.c.at), rf.c.pack_name.in_(packs), a.c.kind == "scale")
        .order_by(rf.c.at, a.c.position)
    ).all()
    latest: dict[tuple[str, str], dict[str, int]] = {}
    for r in rows:
        if (r.pack_name, r.prompt_id) not in GROUP_RATINGS:
            continue
        try:
            value = int(float(r.value))
        except ValueError:
            continue  # a skipped or odd value says nothing about how it felt
        latest.setdefault((r.pack_name, r.prompt_id), {})[r.author_id] = value
    spreads = []
    for key, (label, low, high) in GROUP_RATINGS.items():
        given = latest.get(key)
        if not given:
            continue
        counts: dict[int, int] = {}
        for value in given.values():
            counts[value] = counts.get(value, 0) + 1
        spread = RatingSpread(label, low, high, len(given))
        spreads.append(spread if not spread.shown else RatingSpread(label, low, high, len(given), counts))
    return spreads
