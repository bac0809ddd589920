"""A group's sessions, and the rounds and check-ins that belong to a group.

A session is a meeting as you recorded it: when, who came (you always do), who facilitated that time, and
your round, a reflection in the group. Everything is checked before anything is written, and written in
the caller's one transaction. Group entries are entries like any other: private unless shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from peerlog import dates
from peerlog.errors import InputError, NotFoundError
from peerlog.groups import (
    LEFT,
    SessionView,
    match_member,
    members_at,
    outside_at,
    resolve_group,
    rotation_of,
    view,
)
from peerlog.models import PRIVATE, CheckIn, Group, GroupAttendance, GroupSession, Person, Reflection
from peerlog.people import get_self, name_key

if TYPE_CHECKING:
    from peerlog.checkins import CheckInFields, CheckInView
    from peerlog.packs import Given, Pack
    from peerlog.reflections import ReflectionView


@dataclass(frozen=True)
class SessionPlan:
    """What is checked before a session's questions: the group and its current members in rotation order."""

    group: str
    you: str
    #: The other current members, in the group's steady order (for "who came?").
    others: list[str]
    #: Everyone current, you included, in facilitation order.
    rotation: list[str]

    def present(self, came: Sequence[str]) -> list[str]:
        """Who was there as typed for `--came` (any case, or the start of a name; you always), in rotation
        order. A name that fits nobody is left for `record_session` to refuse."""
        keys = [name_key(n) for n in came]
        here = {name_key(self.you)} | {key for key in keys if any(name_key(o) == key for o in self.others)}
        for key in keys:
            starts = [name_key(o) for o in self.others if key and name_key(o).startswith(key)]
            if key not in here and len(starts) == 1:
                here.add(starts[0])
        return [n for n in self.rotation if name_key(n) in here]

    def suggest(self, came: Sequence[str]) -> str | None:
        """Who is suggested to facilitate among those present: the first of them in rotation, i.e.
        whoever has gone longest without facilitating."""
        return next(iter(self.present(came)), None)


def plan_session(session: Session, name: str, *, at: datetime | None = None) -> SessionPlan:
    """The group and who was part of it at `at` (now when None), to ask who came and who facilitated."""
    group = resolve_group(session, name, active_only=True)
    me = get_self(session)
    members = members_at(session, group, at or dates.local_now())
    return SessionPlan(
        group=group.name,
        you=me.name,
        others=[p.name for p in members if not p.is_self],
        rotation=[p.name for p in rotation_of(session, group, members, me.id)],
    )


@dataclass(frozen=True)
class RecordedSession:
    group: str
    session: SessionView
    round: ReflectionView | None
    #: Who the rotation suggests for the next session (among everyone current).
    next_suggested: str | None


def record_session(
    session: Session,
    *,
    group: str,
    came: Sequence[str],
    facilitator: str | None = None,
    at: datetime | None = None,
    pack: Pack | None = None,
    answers: Sequence[Given] = (),
    visibility: str = PRIVATE,
) -> RecordedSession:
    """Save a group session: when, who came (you always do), who facilitated, and your round if you kept one.

    Everything is checked before anything is written; the caller's session saves it all together."""
    from peerlog.checkins import check_visibility

    found = resolve_group(session, group, active_only=True)
    me = get_self(session)
    moment = at or dates.local_now()
    # Who came is checked against who was part of the group then, not now: someone who has left since
    # was there, someone who joined later was not.
    others = [p for p in members_at(session, found, moment) if not p.is_self]
    present: list[Person] = [me]
    for raw in came:
        if name_key(raw) == me.name_key:
            continue  # you are there: you are the one recording it
        person = _member_then(session, found, others, raw, moment)
        if person not in present:
            present.append(person)
    if len(present) < 2:
        raise InputError(
            "Who came? A session needs at least one other member there.",
            hint=f"Give --came NAME for each member who was there (members: {', '.join(p.name for p in others)}).",
        )
    facilitating: Person | None = None
    if facilitator is not None and facilitator.strip():
        facilitating = (
            me
            if name_key(facilitator) == me.name_key
            else _member_then(session, found, others, facilitator, moment)
        )
        if facilitating not in present:
            raise InputError(
                f"{facilitating.name} facilitated, but is not among who came.",
                hint=f'Add --came "{facilitating.name}", or name someone who was there.',
            )
    round_view = None
    if answers:
        if pack is None:
            raise InputError("There is no pack for the round's answers.")
        round_view = _record_round(session, found, pack, answers, moment, visibility)
    row = GroupSession(
        group_id=found.id,
        author_id=me.id,
        facilitator_id=facilitating.id if facilitating else None,
        round_id=round_view.id if round_view else None,
        at=dates.to_utc(moment),
        utc_offset=dates.offset_minutes(moment),
        visibility=check_visibility(visibility),
    )
    session.add(row)
    session.flush()
    session.add_all(GroupAttendance(session_id=row.id, person_id=p.id) for p in present)
    session.flush()
    shown = view(session, found, sessions=None)
    saved = next(s for s in shown.sessions if s.id == row.id)
    return RecordedSession(found.name, saved, round_view, shown.suggested)


def _member_then(
    session: Session, group: Group, members: Sequence[Person], name: str, moment: datetime
) -> Person:
    """A member at the session's moment by name; someone who joined later or had left by then is told so."""
    try:
        return match_member(members, name, group)
    except NotFoundError as missing:
        outside = outside_at(session, group, name, moment)
        if outside is None:
            raise
        person, change, when = outside
        why = (
            f"{person.name} left {group.name} on {dates.short_day(when)}, before this session."
            if change == LEFT
            else f"{person.name} joined {group.name} on {dates.short_day(when)}, after this session on "
            f"{dates.short_day(moment)}."
        )
        raise InputError(why, hint=f"Members then: {', '.join(p.name for p in members)}.") from missing


def _record_round(
    session: Session, group: Group, pack: Pack, answers: Sequence[Given], at: datetime, visibility: str
) -> ReflectionView:
    from peerlog.reflections import get_reflection, record_reflection

    saved = record_reflection(session, pack=pack, answers=answers, at=at, visibility=visibility)
    _file_under(session, Reflection, saved.id, group)
    return get_reflection(session, saved.id)


def _file_under(
    session: Session, model: type[CheckIn] | type[Reflection], entry_id: str, group: Group
) -> None:
    entry = session.get_one(model, entry_id)
    entry.group_id = group.id
    session.add(entry)
    session.flush()


# ---------------------------------------------------------------- check-ins and reflections in a group


def check_group(session: Session, name: str) -> str:
    """The name of an active group you may write in, checked before any question is asked."""
    return resolve_group(session, name, active_only=True).name


def record_group_checkin(
    session: Session, fields: CheckInFields, *, group: str, at: datetime | None, shared: bool
) -> tuple[CheckInView, str]:
    """A check-in that belongs to a group (`checkin --group`), like `--pair` for a pair. Returns it and
    the group's name as written in the journal."""
    from peerlog.checkins import save_checkin

    found = resolve_group(session, group, active_only=True)
    saved = save_checkin(session, fields, pair=None, at=at, shared=shared)
    _file_under(session, CheckIn, saved.id, found)
    return saved, found.name


def record_group_reflection(
    session: Session,
    *,
    group: str,
    pack: Pack,
    answers: Sequence[Given],
    at: datetime | None = None,
    visibility: str = PRIVATE,
) -> tuple[ReflectionView, str]:
    """A reflection that belongs to a group (`reflect --group`), like `--pair` for a pair. Returns it and
    the group's name as written in the journal."""
    found = resolve_group(session, group, active_only=True)
    return _record_round(session, found, pack, answers, at or dates.local_now(), visibility), found.name
