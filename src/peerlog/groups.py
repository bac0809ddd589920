"""Groups: small circles of peers who meet as equals, with sessions, rounds and a rotating facilitator.

A group is a set of equals: no column says who leads. Each session records who facilitated that time
only, and peerlog suggests the next facilitator in rotation (among those present, whoever has gone
longest without facilitating), so the role keeps moving and nobody becomes the permanent leader.

Membership keeps its history: leaving sets `left_at` on that stretch, coming back starts a new one. You
are a member of your own groups, so "3 to 12 people including you" is simply the number of current
members. Sessions, rounds and check-ins in a group are recorded by `group_sessions`; like every entry
they are private unless shared (`store.visibility.visible_in_group`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from peerlog import dates, lookup
from peerlog.errors import InputError, NotFoundError
from peerlog.ids import short_id
from peerlog.models import (
    Group,
    GroupAttendance,
    GroupMember,
    GroupSession,
    Person,
    Reflection,
    utcnow,
)
from peerlog.people import check_not_a_group, clean_name, find_peer, get_self, name_key
from peerlog.store.visibility import visible_in_group

#: How many people a group holds, you included: fewer is a pair or a conversation, more is hard to hold
#: in one round where everyone gets a turn.
FEWEST, MOST = 3, 12
SIZE_RULE = f"a group is {FEWEST} to {MOST} people, you included"
LIST_HINT = "`peerlog group list` shows your groups."


@dataclass(frozen=True)
class MemberView:
    person_id: str
    name: str
    is_you: bool
    joined_at: datetime
    left_at: datetime | None

    @property
    def current(self) -> bool:
        return self.left_at is None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "is_you": self.is_you,
            "joined_at": _aware(self.joined_at).isoformat(),
            "left_at": _aware(self.left_at).isoformat() if self.left_at else None,
        }


@dataclass(frozen=True)
class SessionView:
    id: str
    at: datetime
    facilitator: str | None
    facilitated_by_you: bool
    #: Who came, by name, you included (as your name); in the group's member order.
    came: list[str]
    visibility: str
    #: The round in it, while it is still in your journal, and who may see that round.
    round_id: str | None = None
    round_visibility: str | None = None
    #: Whose round it is: the one who recorded the session (None: you did).
    round_by: str | None = None

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "facilitator": self.facilitator,
            "came": list(self.came),
            "visibility": self.visibility,
            "round_id": self.round_id,
            "round_visibility": self.round_visibility,
            "round_by": self.round_by,
        }


@dataclass(frozen=True)
class GroupView:
    id: str
    name: str
    you: str
    agreement: str | None
    started_at: datetime
    ended_at: datetime | None
    #: Everyone who has been part of it: current members first, each stretch of time its own line.
    members: list[MemberView]
    #: The sessions you may see, newest first (at most `limit` of them; `sessions_held` counts them all).
    sessions: list[SessionView] = field(default_factory=list)
    sessions_held: int = 0
    #: Current members in facilitation order: the first is suggested next. An order, never a ranking.
    rotation: list[str] = field(default_factory=list)

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def current(self) -> list[MemberView]:
        return [m for m in self.members if m.current]

    @property
    def past(self) -> list[MemberView]:
        return [m for m in self.members if not m.current]

    @property
    def suggested(self) -> str | None:
        return self.rotation[0] if self.rotation else None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "agreement": self.agreement,
            "started_at": _aware(self.started_at).isoformat(),
            "ended_at": _aware(self.ended_at).isoformat() if self.ended_at else None,
            "members": [m.to_dict() for m in self.members],
            "sessions_held": self.sessions_held,
            "sessions": [s.to_dict() for s in self.sessions],
            "next_facilitator": self.suggested,
        }


def _aware(utc: datetime) -> datetime:
    return dates.from_stored(utc, 0).astimezone()


# ---------------------------------------------------------------- finding groups and people in them


def _all_groups(session: Session) -> list[Group]:
    return list(session.exec(select(Group)).all())


def resolve_group(session: Session, name: str, *, active_only: bool = False) -> Group:
    """The group called `name`: exact (case-insensitive) first, then a unique start of a name."""
    if not name.strip():
        raise InputError("Which group? The group's name is empty.", hint=LIST_HINT)
    groups = _all_groups(session)
    if not groups:
        raise NotFoundError(
            "You have no groups yet.",
            hint='Start one with `peerlog group add "Group name" --member NAME --member NAME`.',
        )
    matches = lookup.by_name(groups, name, key_of=lambda g: g.name_key)
    if not matches:
        names = ", ".join(sorted((g.name for g in groups), key=str.casefold))
        raise NotFoundError(f"You have no group called '{name}'.", hint=f"Your groups: {names}.")
    group = lookup.one_match(matches, name, "group", name_of=lambda g: g.name)
    if active_only and group.ended_at is not None:
        raise InputError(
            f"{group.name} has ended; its history stays, and nothing new can be added to it.",
            hint=f'`peerlog group show "{group.name}"` shows what it held.',
        )
    return group


def _stretches(session: Session, group_id: str) -> list[tuple[GroupMember, Person]]:
    rows = session.exec(
        select(GroupMember, Person)
        .join(Person, col(Person.id) == col(GroupMember.person_id))
        .where(GroupMember.group_id == group_id)
    ).all()
    return [(m, p) for m, p in rows]


def current_members(session: Session, group_id: str) -> list[Person]:
    """Current members in a steady order: you first, then by name (an order to read, not a ranking)."""
    people = [p for m, p in _stretches(session, group_id) if m.left_at is None]
    return sorted(people, key=lambda p: (not p.is_self, p.name_key))


def members_at(session: Session, group: Group, moment: datetime) -> list[Person]:
    """Who was part of `group` at `moment`, in the order of `current_members`: someone who has left since
    was, someone who joined later was not. A stretch that began with the group reaches back before its
    start, since a circle has often met for a while before it is written down here."""
    when, start = dates.to_utc(moment), _utc(group.started_at)
    found: dict[str, Person] = {}
    for m, p in _stretches(session, group.id):
        joined = _utc(m.joined_at)
        if (joined <= when or joined <= start) and (m.left_at is None or when < _utc(m.left_at)):
            found[p.id] = p
    return sorted(found.values(), key=lambda p: (not p.is_self, p.name_key))


#: What `outside_at` found: someone had left by then, or joined only later.
LEFT, JOINED = "left", "joined"


def outside_at(
    session: Session, group: Group, name: str, moment: datetime
) -> tuple[Person, str, datetime] | None:
    """Someone called `name` who is or was part of `group` but was not a member at `moment`: who, whether
    they had `LEFT` by then or `JOINED` later, and when (local). None when they were, or never were."""
    key = name_key(name)
    when = dates.to_utc(moment)
    stretches = [(m, p) for m, p in _stretches(session, group.id) if p.name_key == key]
    if not stretches:
        return None
    person = stretches[0][1]
    left = [m.left_at for m, _p in stretches if m.left_at is not None and _utc(m.left_at) <= when]
    if left:
        return person, LEFT, _aware(max(left))
    later = [m.joined_at for m, _p in stretches if _utc(m.joined_at) > when]
    if later:
        return person, JOINED, _aware(min(later))
    return None


def everyone_in(session: Session, group: Group) -> list[Person]:
    """Everyone who is or was part of `group`, you included, each once."""
    return list({p.id: p for _m, p in _stretches(session, group.id)}.values())


def _utc(stored: datetime) -> datetime:
    return dates.from_stored(stored, 0)


def match_member(people: Sequence[Person], name: str, group: Group) -> Person:
    """A current member by name: exact (case-insensitive) first, then a unique start of a name."""
    # An empty name would be the start of every name: it names nobody.
    found = lookup.by_name(people, name, key_of=lambda p: p.name_key) if name_key(name) else []
    if found:
        return lookup.one_match(found, name, f"member of {group.name}", name_of=lambda p: p.name, order=None)
    members = ", ".join(p.name for p in people)
    raise NotFoundError(
        f"{name.strip() or 'That name'} is not in {group.name}.", hint=f"Its members: {members}."
    )


def check_group_name_is_free(session: Session, name: str, *, keep: Group | None = None) -> None:
    """A group's name names one thing: not another group, not you, and not a pair's peer, so `--group`
    and `--pair` (and the names people say) never leave anyone wondering which was meant."""
    key = name_key(name)
    me = lookup.load_me(session)
    if key == me.name_key:
        raise InputError(
            f"'{name}' is your own name in this journal.", hint="Give the group a name of its own."
        )
    for pair in lookup.pairs_of(session, me):
        if pair.peer_key == key:
            raise InputError(
                f"'{name}' is already the name of your pair with {pair.peer}.",
                hint=f'Keep `--pair "{pair.peer}"` for your pair and give the group a name of its own, '
                f'such as "{name} circle".',
            )
    person = find_peer(session, name)
    if person is not None:
        # Someone you do not pair with (a member of a group, or someone a bundle named) keeps their name too.
        raise InputError(
            f"Someone in your journal is already called '{person.name}'.",
            hint=f'Give the group a name of its own, such as "{name} circle".',
        )
    for other in _all_groups(session):
        if other.name_key == key and (keep is None or other.id != keep.id):
            ended = f" (ended {dates.short_day(_aware(other.ended_at))})" if other.ended_at else ""
            raise InputError(
                f"You already have a group called '{other.name}'{ended}.",
                hint="Choose another name, or rename the old one first with `peerlog group rename`.",
            )


def _people_named(session: Session, names: Sequence[str], me: Person) -> tuple[list[Person], list[str]]:
    """The people `--member` names, as people already in your journal or new ones (whose names come
    second); you and repeats are refused so the group holds each person once."""
    seen: dict[str, str] = {}
    cleaned: list[str] = []
    for raw in names:
        name = clean_name(raw, hint='Give each member\'s name: `--member "Their name"`.')
        key = name_key(name)
        if key == me.name_key:
            raise InputError(
                f"'{name}' is your own name: you are in every group you start, so there is no need to add yourself.",
                hint="Give --member for each of the others.",
            )
        if key in seen:
            raise InputError(f"{seen[key]} is named twice; give each member once.")
        check_not_a_group(session, name, hint="Give each member's own name with --member.")
        seen[key] = name
        cleaned.append(name)
    people, new = [], []
    for name in cleaned:
        person = find_peer(session, name)
        if person is None:
            person = Person(name=name, name_key=name_key(name))
            session.add(person)
            new.append(name)
        people.append(person)
    session.flush()
    return people, new


def _check_size(count: int, group_name: str, *, changing: str) -> None:
    if count < FEWEST:
        raise InputError(
            f"{group_name} would have {count} {'person' if count == 1 else 'people'} {changing}; {SIZE_RULE}.",
            hint="For two people, a pair fits better: `peerlog pair add NAME`."
            if changing == "in it"
            else "Someone can join first (`peerlog group join`), or `peerlog group end` ends the group with its history kept.",
        )
    if count > MOST:
        raise InputError(
            f"{group_name} would have {count} people {changing}; {SIZE_RULE}.",
            hint="A second group keeps every round short enough for everyone to speak.",
        )


# ---------------------------------------------------------------- views


def rotation_of(session: Session, group: Group, people: Sequence[Person], me_id: str) -> list[Person]:
    """`people` in facilitation order: first those who have not facilitated yet, then whoever facilitated
    longest ago. Only the sessions you may see count."""
    last: dict[str, datetime] = dict(
        session.exec(
            select(GroupSession.facilitator_id, func.max(GroupSession.at))
            .where(
                visible_in_group(GroupSession, me_id, group.id), col(GroupSession.facilitator_id).is_not(None)
            )
            .group_by(col(GroupSession.facilitator_id))
        ).all()  # type: ignore[arg-type]  # why: the query's rows are (id, moment) pairs, never None ids
    )
    # Among those who have not facilitated yet, by name: each member's journal then suggests the same person.
    return sorted(people, key=lambda p: (p.id in last, last.get(p.id) or group.started_at, p.name_key))


def _sessions(session: Session, group: Group, me: Person, limit: int | None) -> tuple[list[SessionView], int]:
    where = visible_in_group(GroupSession, me.id, group.id)
    held = int(session.exec(select(func.count()).select_from(GroupSession).where(where)).one())
    query = select(GroupSession).where(where).order_by(col(GroupSession.at).desc(), col(GroupSession.id))
    rows = list(session.exec(query.limit(limit) if limit is not None else query).all())
    if not rows:
        return [], held
    came: dict[str, set[str]] = {}
    for a in session.exec(
        select(GroupAttendance).where(col(GroupAttendance.session_id).in_([r.id for r in rows]))
    ):
        came.setdefault(a.session_id, set()).add(a.person_id)
    ids = {p for ps in came.values() for p in ps} | {r.facilitator_id for r in rows if r.facilitator_id}
    ids |= {r.author_id for r in rows}
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids)))}
    # A round deleted since (`peerlog delete`) is simply no longer there; one made shared or private since
    # is shown as it is now.
    rounds = dict(
        session.exec(
            select(Reflection.id, Reflection.visibility).where(
                col(Reflection.id).in_([r.round_id for r in rows if r.round_id]),
                visible_in_group(Reflection, me.id, group.id),
            )
        ).all()
    )

    def ordered_names(person_ids: set[str]) -> list[str]:
        found = [people[i] for i in person_ids if i in people]
        return [p.name for p in sorted(found, key=lambda p: (not p.is_self, p.name_key))]

    views = [
        SessionView(
            id=r.id,
            at=dates.from_stored(r.at, r.utc_offset),
            facilitator=people[r.facilitator_id].name if r.facilitator_id in people else None,
            facilitated_by_you=r.facilitator_id == me.id,
            came=ordered_names(came.get(r.id, set())),
            visibility=r.visibility,
            round_id=r.round_id if r.round_id in rounds else None,
            round_visibility=rounds.get(r.round_id) if r.round_id else None,
            round_by=None if r.author_id == me.id else people[r.author_id].name,
        )
        for r in rows
    ]
    return views, held


def view(session: Session, group: Group, *, sessions: int | None = 10) -> GroupView:
    me = get_self(session)
    stretches = _stretches(session, group.id)
    members = [
        MemberView(p.id, p.name, p.is_self, m.joined_at, m.left_at)
        for m, p in sorted(
            stretches,
            key=lambda mp: (mp[0].left_at is not None, not mp[1].is_self, mp[1].name_key, mp[0].joined_at),
        )
    ]
    shown, held = _sessions(session, group, me, sessions)
    current = current_members(session, group.id)
    rotation = [p.name for p in rotation_of(session, group, current, me.id)] if group.ended_at is None else []
    return GroupView(
        id=group.id,
        name=group.name,
        you=me.name,
        agreement=group.agreement,
        started_at=group.started_at,
        ended_at=group.ended_at,
        members=members,
        sessions=shown,
        sessions_held=held,
        rotation=rotation,
    )


# ---------------------------------------------------------------- making and changing groups


def add_group(
    session: Session, *, name: str, members: Sequence[str], agreement: str | None = None
) -> tuple[GroupView, list[str]]:
    """Start a group of you and `members` (people you pair with, or new to your journal). Returns the
    group and the names that are new to your journal."""
    from peerlog.checkins import clean_text

    me = get_self(session)
    group_name = clean_name(
        name, hint='Give the group a name: `peerlog group add "Tuesday circle" --member NAME`.'
    )
    check_group_name_is_free(session, group_name)
    for member in members:
        if name_key(member) == name_key(group_name):
            raise InputError(
                f"'{group_name}' cannot be both the group's name and a member's.",
                hint="Give the group a name of its own, and each member theirs.",
            )
    if agreement is not None:
        agreement = clean_text(agreement, what="agreement") or None
    _check_size(len(members) + 1, group_name, changing="in it")
    people, new = _people_named(session, members, me)
    now = utcnow()
    group = Group(name=group_name, name_key=name_key(group_name), agreement=agreement, started_at=now)
    session.add(group)
    session.flush()
    session.add_all(GroupMember(group_id=group.id, person_id=p.id, joined_at=now) for p in [me, *people])
    session.flush()
    return view(session, group), new


def list_groups(session: Session) -> list[GroupView]:
    """Your groups, active ones first, by name (without their sessions)."""
    views = [view(session, g, sessions=0) for g in _all_groups(session)]
    return sorted(views, key=lambda v: (not v.active, v.name.casefold()))


def show_group(session: Session, name: str, *, sessions: int | None = 10) -> GroupView:
    """One group with its latest `sessions` (None: all of them)."""
    return view(session, resolve_group(session, name), sessions=sessions)


def _touch(group: Group) -> None:
    group.updated_at = utcnow()
    group.version += 1


def rename_group(session: Session, old: str, new: str) -> tuple[str, GroupView]:
    """Give a group a new name. Returns the old name and the group."""
    group = resolve_group(session, old)
    name = clean_name(new, hint=f'Give the new name, e.g. `peerlog group rename "{group.name}" "New name"`.')
    before = group.name
    if name != before:
        check_group_name_is_free(session, name, keep=group)
        group.name, group.name_key = name, name_key(name)
        _touch(group)
        session.add(group)
        session.flush()
    return before, view(session, group)


def end_group(session: Session, name: str) -> GroupView:
    """End a group: its members, sessions and rounds stay in your journal."""
    group = resolve_group(session, name)
    if group.ended_at is None:
        group.ended_at = utcnow()
        _touch(group)
        session.add(group)
        session.flush()
    return view(session, group)


def set_agreement(session: Session, name: str, agreement: str) -> GroupView:
    from peerlog.checkins import clean_text

    group = resolve_group(session, name)
    cleaned = clean_text(agreement, what="agreement") or None
    if cleaned != group.agreement:
        group.agreement = cleaned
        _touch(group)
        session.add(group)
        session.flush()
    return view(session, group)


def join_group(session: Session, name: str, members: Sequence[str]) -> tuple[GroupView, list[str]]:
    """Welcome people into a group (back, when they were part of it before). Returns the group and their names."""
    group = resolve_group(session, name, active_only=True)
    if not members:
        raise InputError("Who is joining? Give --member NAME for each person.")
    me = get_self(session)
    current = current_members(session, group.id)
    people, _new = _people_named(session, members, me)
    for person in people:
        if any(p.id == person.id for p in current):
            raise InputError(
                f"{person.name} is already in {group.name}.",
                hint=f'`peerlog group show "{group.name}"` shows who is.',
            )
    _check_size(len(current) + len(people), group.name, changing="after that")
    now = utcnow()
    session.add_all(GroupMember(group_id=group.id, person_id=p.id, joined_at=now) for p in people)
    _touch(group)
    session.add(group)
    session.flush()
    return view(session, group), [p.name for p in people]


def leave_group(session: Session, name: str, members: Sequence[str]) -> tuple[GroupView, list[str]]:
    """Record that people left a group. Their time in it, and everything from then, stays in its history."""
    group = resolve_group(session, name, active_only=True)
    if not members:
        raise InputError("Who is leaving? Give --member NAME for each person.")
    me = get_self(session)
    current = current_members(session, group.id)
    leaving: list[Person] = []
    for raw in members:
        if name_key(raw) == me.name_key:
            raise InputError(
                "You are part of every group in your own journal, so you cannot leave one here.",
                hint=f'When the group stops meeting for you, `peerlog group end "{group.name}"` keeps its history.',
            )
        person = match_member([p for p in current if not p.is_self], raw, group)
        if person in leaving:
            raise InputError(f"{person.name} is named twice; give each member once.")
        leaving.append(person)
    remaining = len(current) - len(leaving)
    if remaining < FEWEST:
        raise InputError(
            f"{group.name} would have {remaining} {'person' if remaining == 1 else 'people'} left; {SIZE_RULE}.",
            hint="Someone can join first (`peerlog group join`), or `peerlog group end` ends the group with its history kept.",
        )
    now = utcnow()
    ids = {p.id for p in leaving}
    for stretch, person in _stretches(session, group.id):
        if person.id in ids and stretch.left_at is None:
            stretch.left_at = now
            session.add(stretch)
    _touch(group)
    session.add(group)
    session.flush()
    return view(session, group), [p.name for p in leaving]
