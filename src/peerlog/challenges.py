"""Challenges over time: list the open ones, mark one overcome (it becomes a win), or reopen it.

Only the author of a check-in can change its challenges. Someone else's shared challenge gets a kind
"only its author can" message; someone else's private one behaves exactly as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlmodel import Session

from peerlog import review
from peerlog import tables as t
from peerlog.errors import AmbiguousError, InputError, NotFoundError
from peerlog.ids import MIN_PREFIX, short_id
from peerlog.listing import check_limit
from peerlog.store.visibility import visible_to

LOOKUP_HINT = "`peerlog challenge list` shows your open challenges with their ids."


@dataclass(frozen=True)
class ChallengeItem:
    id: str
    text: str
    person: review.PersonRef
    at: datetime
    pair: str | None = None
    overcome_at: datetime | None = None
    overcome_note: str | None = None
    already: bool = False

    @property
    def overcome(self) -> bool:
        return self.overcome_at is not None

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "text": self.text,
            "person": self.person.name,
            "at": self.at.isoformat(),
            "pair": self.pair,
            "overcome_at": self.overcome_at.isoformat() if self.overcome_at else None,
            "overcome_note": self.overcome_note,
        }


def _find(session: Session, prefix: str) -> tuple[Any, review.PersonRef]:
    """Your challenge whose id starts with `prefix` (the same prefix rules as check-in ids)."""
    import re

    conn = session.connection()
    me = review.load_me(conn)
    typed = prefix.strip().lower()
    if len(typed) < MIN_PREFIX or not re.fullmatch(r"[0-9a-f-]+", typed):
        raise InputError(
            f"'{prefix}' is not a challenge id.",
            hint=f"Ids are shown as 8 characters such as 3f2a9c1b; type at least {MIN_PREFIX}. {LOOKUP_HINT}",
        )
    ch, c = t.challenge, t.checkin
    rows = conn.execute(
        select(
            ch.c.id,
            ch.c.checkin_id,
            ch.c.text,
            ch.c.overcome_at,
            ch.c.overcome_note,
            c.c.author_id,
            c.c.visibility,
            c.c.at,
            c.c.utc_offset,
        )
        .join(c, c.c.id == ch.c.checkin_id)
        # Someone else's private challenge is not there at all, as far as you can tell.
        .where(ch.c.id >= typed, ch.c.id <= typed + "~", visible_to(c, me.id))
        .limit(6)
    ).all()
    if not rows:
        raise NotFoundError(f"No challenge has an id starting with '{prefix}'.", hint=LOOKUP_HINT)
    if len(rows) > 1:
        shown = ", ".join(short_id(r.id) for r in rows[:5])
        raise AmbiguousError(
            f"'{prefix}' matches more than one challenge: {shown}.",
            candidates=[r.id for r in rows],
            hint="Type a few more characters of the id.",
        )
    row = rows[0]
    if row.author_id != me.id:
        owner = review.names_of(conn, me, {row.author_id}).get(row.author_id)
        raise InputError(
            f"This challenge is {owner.name if owner else 'a peer'}'s; only its author can mark it.",
            hint="You could send them some appreciation: `peerlog feedback NAME MESSAGE --kind appreciation`.",
        )
    return row, me


def _touch_checkin(session: Session, checkin_id: str) -> None:
    # A challenge travels inside its check-in: marking the check-in edited is what lets the next share
    # bundle carry the change, and its higher version is what lets a peer's import keep this copy.
    session.connection().execute(
        update(t.checkin)
        .where(t.checkin.c.id == checkin_id)
        .values(updated_at=datetime.now(UTC), version=t.checkin.c.version + 1)
    )


def mark_overcome(
    session: Session, prefix: str, *, note: str | None = None, at: datetime | None = None
) -> ChallengeItem:
    """Mark your challenge overcome (now, or at `at`): from then on it counts as a win."""
    from peerlog.checkins import clean_text

    row, me = _find(session, prefix)
    item_args = {"id": row.id, "text": row.text, "person": me, "at": review.local(row.at, row.utc_offset)}
    if row.overcome_at is not None:
        return ChallengeItem(
            **item_args, overcome_at=row.overcome_at, overcome_note=row.overcome_note, already=True
        )
    cleaned = clean_text(note, what="note") if note else None
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    if moment < row.at:
        raise InputError(
            "A challenge can't be overcome before it was written down.",
            hint="Leave out --at, or give a moment after the check-in.",
        )
    session.connection().execute(
        update(t.challenge)
        .where(t.challenge.c.id == row.id)
        .values(overcome_at=moment, overcome_note=cleaned or None)
    )
    _touch_checkin(session, row.checkin_id)
    return ChallengeItem(**item_args, overcome_at=moment, overcome_note=cleaned or None)


def reopen(session: Session, prefix: str) -> ChallengeItem:
    row, me = _find(session, prefix)
    if row.overcome_at is None:
        raise InputError(f"“{row.text}” is not marked overcome, so there is nothing to reopen.")
    session.connection().execute(
        update(t.challenge).where(t.challenge.c.id == row.id).values(overcome_at=None, overcome_note=None)
    )
    _touch_checkin(session, row.checkin_id)
    return ChallengeItem(id=row.id, text=row.text, person=me, at=review.local(row.at, row.utc_offset))


def list_challenges(
    session: Session, *, pair: str | None = None, include_overcome: bool = False, limit: int = 20
) -> list[ChallengeItem]:
    """Your challenges, newest first (open ones only unless `include_overcome`)."""
    limit = check_limit(limit)
    conn = session.connection()
    scope = review.scope_for(conn, pair)
    ch, c, p, peer = t.challenge, t.checkin, t.pair, t.person.alias("peer")
    # Each challenge names the peer of its own pair, whether or not the list was asked for one pair.
    peer_id = case((p.c.person_a_id == scope.me.id, p.c.person_b_id), else_=p.c.person_a_id)
    query = (
        select(
            ch.c.id,
            ch.c.text,
            ch.c.overcome_at,
            ch.c.overcome_note,
            c.c.at,
            c.c.utc_offset,
            c.c.pair_id,
            peer.c.name.label("peer_name"),
        )
        .join(ch, ch.c.checkin_id == c.c.id)
        .outerjoin(p, p.c.id == c.c.pair_id)
        .outerjoin(peer, peer.c.id == peer_id)
        .where(visible_to(c, scope.me.id, only_mine=True), scope.in_pair(c))
        .order_by(c.c.at.desc(), ch.c.position)
        .limit(limit)
    )
    if not include_overcome:
        query = query.where(ch.c.overcome_at.is_(None))
    return [
        ChallengeItem(
            id=r.id,
            text=r.text,
            person=scope.me,
            at=review.local(r.at, r.utc_offset),
            pair=(r.peer_name or "?") if r.pair_id else None,
            overcome_at=r.overcome_at,
            overcome_note=r.overcome_note,
        )
        for r in conn.execute(query)
    ]
