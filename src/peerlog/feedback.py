"""Feedback between peers: appreciation or a suggestion, from one equal to the other.

Feedback is addressed to your peer, but like every entry it is private until you mark it shared: only
shared feedback goes into what you export or share with them. That keeps one rule for everything in the
journal, and lets someone write a thought down first and decide later whether to pass it on. Feedback
from your peer (imported from their shared bundle) shows here too, so both directions sit side by side.

In a group, feedback goes to one member as to a peer (`group_id` is set and `pair_id` is empty): shared,
it is shared with the group, like a round. Views name the group ("in Tuesday circle") where a pair's
feedback names the peer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from peerlog import dates, lookup
from peerlog import tables as t
from peerlog.checkins import check_visibility, clean_text, mark_edited
from peerlog.errors import AmbiguousError, InputError, NotFoundError
from peerlog.groups import current_members, everyone_in, match_member, outside_at, resolve_group
from peerlog.ids import find_by_prefix, short_id
from peerlog.listing import newest_first
from peerlog.models import PRIVATE, Feedback, Group, GroupMember, Pair, Person
from peerlog.pairs import peer_id_of, resolve_pair
from peerlog.people import get_self, name_key
from peerlog.store.visibility import visible_to

APPRECIATION = "appreciation"
SUGGESTION = "suggestion"
KINDS = (APPRECIATION, SUGGESTION)
LOOKUP_HINT = "`peerlog feedback --list` lists feedback with its ids."


@dataclass(frozen=True)
class FeedbackView:
    id: str
    author: str
    recipient: str
    by_you: bool
    to_you: bool
    #: The peer of the pair it was given in; None when it was given in a group.
    pair: str | None
    kind: str
    message: str
    at: datetime
    visibility: str
    #: The group it was given in, by name; None in a pair.
    group: str | None = None

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @property
    def shared_with(self) -> str:
        """Whom sharing it reaches: the peer of its pair, or the whole group."""
        return self.group or self.pair or "?"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "author": self.author,
            "recipient": self.recipient,
            "by_you": self.by_you,
            "to_you": self.to_you,
            "pair": self.pair,
            "group": self.group,
            "kind": self.kind,
            "message": self.message,
            "at": self.at.isoformat(),
            "visibility": self.visibility,
        }


def check_kind(kind: str) -> str:
    cleaned = kind.strip().lower()
    if cleaned not in KINDS:
        raise InputError(
            f"Feedback is an 'appreciation' or a 'suggestion', not '{kind}'.",
            hint="Use --kind appreciation (something you valued) or --kind suggestion (an idea, as an equal).",
        )
    return cleaned


@dataclass(frozen=True)
class Recipient:
    """Whom feedback is for, checked before anything is asked."""

    #: Their name as written in the journal; None when a group was named without a member (to be asked).
    name: str | None
    #: The group it is given in, by name; None in a pair.
    group: str | None = None
    #: The group's other current members, to choose from when no member was named.
    members: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How a question names them: "Kai", or "Kai in Tuesday circle"."""
        return f"{self.name} in {self.group}" if self.group else str(self.name)


def choose_recipient(session: Session, name: str | None, *, group: str | None = None) -> Recipient:
    """Check whom feedback is for, as the command names them: the peer of an active pair, or (with
    `group`) a current member of an active group other than you. Nothing is written."""
    me = get_self(session)
    if group is not None:
        found = resolve_group(session, group, active_only=True)
        others = tuple(p.name for p in current_members(session, found.id) if not p.is_self)
        if name is None:
            return Recipient(None, found.name, others)
        return Recipient(_member(session, found, name, me).name, found.name, others)
    if name is None or not name.strip():
        raise InputError(
            "Whose feedback is it? Give your peer's name.",
            hint='For example: peerlog feedback sam "I valued how you listened today".',
        )
    pair = _pair_for(session, name)
    return Recipient(_name(session, peer_id_of(pair, me.id)))


def _pair_for(session: Session, name: str) -> Pair:
    """The active pair feedback named by a peer's name is for; a group's name, or a member of a group
    you do not pair with, is answered with how to give feedback in the group."""
    named = pair_or_group(session, name)
    if isinstance(named, Group):
        raise InputError(
            f"{named.name} is a group: feedback goes to one person in it.",
            hint=f'Name them and the group: peerlog feedback NAME --group "{named.name}" "your words".',
        )
    try:
        return resolve_pair(session, name, active_only=True)
    except NotFoundError as missing:
        circles = _groups_with_member(session, name)
        if not circles:
            raise
        raise NotFoundError(
            f"You have no pair with '{name}'.",
            hint=f'{circles[0][1]} is in {circles[0][0]}: add --group "{circles[0][0]}" to give it there.',
        ) from missing


def pair_or_group(session: Session, name: str) -> Pair | Group | None:
    """What a name means where it may name either a pair (by the peer's name) or a group: an exact name
    wins over the start of one; a name that fits both equally is refused rather than guessed."""
    me = lookup.load_me(session)
    key = name_key(name)
    if not key:
        return None
    pairs = lookup.by_name(
        [p for p in lookup.pairs_of(session, me) if p.peer is not None],
        name,
        key_of=lambda p: p.peer_key or "",
    )
    groups = lookup.by_name(list(session.exec(select(Group)).all()), name, key_of=lambda g: g.name_key)
    if pairs and groups:
        pair_exact = any(p.peer_key == key for p in pairs)
        group_exact = any(g.name_key == key for g in groups)
        if pair_exact == group_exact:
            found = sorted(
                [f"your pair with {p.peer}" for p in pairs] + [f"the group {g.name}" for g in groups]
            )
            raise AmbiguousError(
                f"'{name}' matches {', '.join(found[:-1])} and {found[-1]}.",
                candidates=[str(p.peer) for p in pairs] + [g.name for g in groups],
                hint="Type more of the name, or give --group NAME for a group.",
            )
        pairs, groups = (pairs, []) if pair_exact else ([], groups)
    if groups:
        return lookup.one_match(groups, name, "group", name_of=lambda g: g.name)
    if pairs:
        return session.get_one(Pair, lookup.one_match(pairs, name, "pair", name_of=lambda p: p.peer or "").id)
    return None


def _member(session: Session, group: Group, name: str, me: Person) -> Person:
    """The current member (not you) feedback in `group` is for; you, or someone who has left, refused kindly."""
    key = name_key(name)
    others = [p for p in current_members(session, group.id) if not p.is_self]
    members = ", ".join(p.name for p in others)
    # The start of your own name that starts nobody else's means you too, as it would anywhere else.
    starts_another = any(p.name_key.startswith(key) for p in others)
    if key == me.name_key or (key and me.name_key.startswith(key) and not starts_another):
        raise InputError(
            f"'{name.strip()}' is you: feedback in {group.name} is for one of the others.",
            hint=f"Its members: {members}.",
        )
    try:
        return match_member(others, name, group)
    except NotFoundError as missing:
        outside = outside_at(session, group, name, dates.local_now())
        if outside is None:
            raise
        person, _left, when = outside
        raise InputError(
            f"{person.name} left {group.name} on {dates.short_day(when)}; feedback in it goes to its current members.",
            hint=f"Its members now: {members}.",
        ) from missing


def _groups_with_member(session: Session, name: str) -> list[tuple[str, str]]:
    """The active groups someone called `name` is a current member of, as (group, their name)."""
    key = name_key(name)
    rows = session.exec(
        select(Group.name, Person.name)
        .join(GroupMember, col(GroupMember.group_id) == col(Group.id))
        .join(Person, col(Person.id) == col(GroupMember.person_id))
        .where(
            col(Group.ended_at).is_(None),
            col(GroupMember.left_at).is_(None),
            Person.name_key == key,
            Person.is_self == False,  # noqa: E712
        )
        .order_by(col(Group.name_key))
    ).all()
    return [(g, p) for g, p in rows]


def give_feedback(
    session: Session,
    *,
    peer: str,
    message: str,
    kind: str = APPRECIATION,
    visibility: str = PRIVATE,
    at: datetime | None = None,
    group: str | None = None,
) -> FeedbackView:
    """Save feedback from you to your peer in an active pair, or (`group`) to a current member of an
    active group, as to a peer. Everything is checked before anything is written."""
    me = get_self(session)
    kind = check_kind(kind)
    text = clean_text(message, what="feedback")
    if not text:
        raise InputError(
            "The feedback is empty.", hint="Write a few words, e.g. what you valued in your last talk."
        )
    pair_id: str | None = None
    group_id: str | None = None
    if group is not None:
        found = resolve_group(session, group, active_only=True)
        group_id, recipient_id = found.id, _member(session, found, peer, me).id
    else:
        pair = _pair_for(session, peer)
        pair_id, recipient_id = pair.id, peer_id_of(pair, me.id)
    moment = at or dates.local_now()
    feedback = Feedback(
        pair_id=pair_id,
        group_id=group_id,
        author_id=me.id,
        recipient_id=recipient_id,
        kind=kind,
        message=text,
        at=dates.to_utc(moment),
        utc_offset=dates.offset_minutes(moment),
        visibility=check_visibility(visibility),
    )
    session.add(feedback)
    session.flush()
    return _views(session, [feedback], me)[0]


def list_feedback(
    session: Session,
    *,
    pair: str | None = None,
    group: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 50,
) -> list[FeedbackView]:
    """Feedback both ways: what you gave, and what your peers shared with you. Newest first.

    `pair`: a peer's name (that pair's feedback) or a group's (the feedback in it). With `group`, the
    feedback in that group, and `pair` then names a member of it (now or before): what went between you."""
    me = get_self(session)
    query = select(Feedback).where(visible_to(Feedback, me.id))
    if group is not None:
        found = resolve_group(session, group)
        query = query.where(Feedback.group_id == found.id)
        if pair:
            # Someone who is or was part of it: what went between you stays theirs after they leave.
            person = match_member(everyone_in(session, found), pair, found)
            query = query.where(
                (col(Feedback.author_id) == person.id) | (col(Feedback.recipient_id) == person.id)
            )
    elif pair:
        named = pair_or_group(session, pair)
        if named is None:
            named = resolve_pair(session, pair)  # says there is no such pair, and names the ones there are
        if isinstance(named, Group):
            query = query.where(Feedback.group_id == named.id)
        else:
            query = query.where(Feedback.pair_id == named.id)
    query = newest_first(query, t.feedback, since=since, until=until, limit=limit)
    return _views(session, list(session.exec(query).all()), me)


def _views(session: Session, rows: list[Feedback], me: Person) -> list[FeedbackView]:
    if not rows:
        return []
    people_ids = {r.author_id for r in rows} | {r.recipient_id for r in rows}
    names = {p.id: p.name for p in session.exec(select(Person).where(col(Person.id).in_(people_ids)))}
    pair_ids = {r.pair_id for r in rows if r.pair_id}
    pairs = {p.id: p for p in session.exec(select(Pair).where(col(Pair.id).in_(pair_ids)))}
    peer_names = {}
    for pair_id, pair in pairs.items():
        peer_names[pair_id] = names.get(peer_id_of(pair, me.id)) or _name(session, peer_id_of(pair, me.id))
    group_ids = {r.group_id for r in rows if r.group_id}
    group_names = dict(session.exec(select(Group.id, Group.name).where(col(Group.id).in_(group_ids))).all())
    return [
        FeedbackView(
            id=r.id,
            author=names.get(r.author_id, "?"),
            recipient=names.get(r.recipient_id, "?"),
            by_you=r.author_id == me.id,
            to_you=r.recipient_id == me.id,
            pair=peer_names.get(r.pair_id, "?") if r.pair_id else None,
            kind=r.kind,
            message=r.message,
            at=dates.from_stored(r.at, r.utc_offset),
            visibility=r.visibility,
            group=group_names.get(r.group_id, "?") if r.group_id else None,
        )
        for r in rows
    ]


def _name(session: Session, person_id: str) -> str:
    person = session.get(Person, person_id)
    return person.name if person else "?"


# ---------------------------------------------------------------- changing what you wrote


def _own(session: Session, prefix: str) -> tuple[Feedback, Person]:
    me = get_self(session)
    # Someone else's private entry: behave exactly as if it were not there.
    found = find_by_prefix(
        session, Feedback, prefix, noun="feedback", hint=LOOKUP_HINT, where=visible_to(Feedback, me.id)
    )
    if found.author_id != me.id:
        raise InputError(
            f"This feedback is {_name(session, found.author_id)}'s; only its author can change it."
        )
    return found, me


def get_feedback(session: Session, prefix: str) -> FeedbackView:
    me = get_self(session)
    found = find_by_prefix(
        session, Feedback, prefix, noun="feedback", hint=LOOKUP_HINT, where=visible_to(Feedback, me.id)
    )
    return _views(session, [found], me)[0]


def update_feedback(
    session: Session,
    prefix: str,
    *,
    message: str | None = None,
    kind: str | None = None,
    visibility: str | None = None,
    at: datetime | None = None,
) -> FeedbackView:
    """Change your own feedback: its words, its kind, who may see it, or when it was. Bumps its version."""
    found, me = _own(session, prefix)
    if message is not None:
        text = clean_text(message, what="feedback")
        if not text:
            raise InputError(
                "The feedback cannot be made empty.",
                hint="To take it back altogether, delete it with `peerlog delete ID`.",
            )
        found.message = text
    if kind is not None:
        found.kind = check_kind(kind)
    mark_edited(found, visibility=visibility, at=at)
    session.add(found)
    session.flush()
    return _views(session, [found], me)[0]


def delete_feedback(session: Session, prefix: str) -> FeedbackView:
    found, me = _own(session, prefix)
    shown = _views(session, [found], me)[0]
    session.delete(found)
    session.flush()
    return shown
