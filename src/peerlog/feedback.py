"""Feedback between peers: appreciation or a suggestion, from one equal to the other.

Feedback is addressed to your peer, but like every entry it is private until you mark it shared: only
shared feedback goes into what you export or share with them. That keeps one rule for everything in the
journal, and lets someone write a thought down first and decide later whether to pass it on. Feedback
from your peer (imported from their shared bundle) shows here too, so both directions sit side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from peerlog import dates
from peerlog import tables as t
from peerlog.checkins import check_visibility, clean_text, mark_edited
from peerlog.errors import InputError
from peerlog.ids import find_by_prefix, short_id
from peerlog.listing import newest_first
from peerlog.models import PRIVATE, Feedback, Pair, Person
from peerlog.pairs import peer_id_of, resolve_pair
from peerlog.people import get_self
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
    pair: str
    kind: str
    message: str
    at: datetime
    visibility: str

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "author": self.author,
            "recipient": self.recipient,
            "by_you": self.by_you,
            "to_you": self.to_you,
            "pair": self.pair,
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


def give_feedback(
    session: Session,
    *,
    peer: str,
    message: str,
    kind: str = APPRECIATION,
    visibility: str = PRIVATE,
    at: datetime | None = None,
) -> FeedbackView:
    """Save feedback from you to your peer in an active pair."""
    me = get_self(session)
    kind = check_kind(kind)
    text = clean_text(message, what="feedback")
    if not text:
        raise InputError(
            "The feedback is empty.", hint="Write a few words, e.g. what you valued in your last talk."
        )
    pair = resolve_pair(session, peer, active_only=True)
    moment = at or dates.local_now()
    feedback = Feedback(
        pair_id=pair.id,
        author_id=me.id,
        recipient_id=peer_id_of(pair, me.id),
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
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 50,
) -> list[FeedbackView]:
    """Feedback both ways: what you gave, and what your peers shared with you. Newest first."""
    me = get_self(session)
    query = select(Feedback).where(visible_to(Feedback, me.id))
    if pair:
        query = query.where(Feedback.pair_id == resolve_pair(session, pair).id)
    query = newest_first(query, t.feedback, since=since, until=until, limit=limit)
    return _views(session, list(session.exec(query).all()), me)


def _views(session: Session, rows: list[Feedback], me: Person) -> list[FeedbackView]:
    if not rows:
        return []
    people_ids = {r.author_id for r in rows} | {r.recipient_id for r in rows}
    names = {p.id: p.name for p in session.exec(select(Person).where(col(Person.id).in_(people_ids)))}
    pairs = {p.id: p for p in session.exec(select(Pair).where(col(Pair.id).in_({r.pair_id for r in rows})))}
    peer_names = {}
    for pair_id, pair in pairs.items():
        peer_names[pair_id] = names.get(peer_id_of(pair, me.id)) or _name(session, peer_id_of(pair, me.id))
    return [
        FeedbackView(
            id=r.id,
            author=names.get(r.author_id, "?"),
            recipient=names.get(r.recipient_id, "?"),
            by_you=r.author_id == me.id,
            to_you=r.recipient_id == me.id,
            pair=peer_names.get(r.pair_id or "", "?"),
            kind=r.kind,
            message=r.message,
            at=dates.from_stored(r.at, r.utc_offset),
            visibility=r.visibility,
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
