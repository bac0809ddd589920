"""Who you are and which pair a name means: quick Core lookups for the everyday commands.

A check-in, `log` and `show` need only a few columns of `person` and `pair`, read as plain rows through the
tables in `peerlog.tables` (no ORM objects). `people.get_self` finds you through `load_me`, and
`pairs.resolve_pair` returns the ORM row for the commands that edit pairs and takes its matching rules from
here, so "you" and `--pair` mean the same thing everywhere.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import case, or_, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from peerlog import tables as t
from peerlog.errors import INIT_HINT, AmbiguousError, InputError, NotFoundError, NotInitialisedError


def name_key(name: str) -> str:
    # Inner spaces collapse as in `people.clean_name`, so a name typed with a line break or two spaces still
    # finds the person it was saved as.
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


@dataclass(frozen=True)
class Me:
    id: str
    name: str
    name_key: str


@dataclass(frozen=True)
class PairRef:
    """One of your pairs, seen from your side: its id and the peer's name."""

    id: str
    peer_id: str | None
    peer: str | None
    peer_key: str | None
    started_at: datetime
    ended_at: datetime | None


#: Where the lookups read from: the commands' ORM session, or the plain connection the review views share.
Reader = Session | Connection


def load_me(session: Reader) -> Me:
    p = t.person
    row = session.execute(
        select(p.c.id, p.c.name, p.c.name_key).where(p.c.is_self.is_(True)).limit(1)
    ).first()
    if row is None:
        raise NotInitialisedError("Your journal does not know who you are yet.", hint=INIT_HINT)
    return Me(row.id, row.name, row.name_key)


def pairs_of(session: Reader, me: Me) -> list[PairRef]:
    """All your pairs with the peer of each (the same query whichever side of the pair you are on)."""
    p, ps = t.pair, t.person
    peer_id = case((p.c.person_a_id == me.id, p.c.person_b_id), else_=p.c.person_a_id)
    rows = session.execute(
        select(p.c.id, ps.c.id.label("peer_id"), ps.c.name, ps.c.name_key, p.c.started_at, p.c.ended_at)
        .outerjoin(ps, ps.c.id == peer_id)
        .where(or_(p.c.person_a_id == me.id, p.c.person_b_id == me.id))
    ).all()
    return [PairRef(r.id, r.peer_id, r.name, r.name_key, r.started_at, r.ended_at) for r in rows]


Named = TypeVar("Named")


def by_name(items: Sequence[Named], name: str, *, key_of: Callable[[Named], str]) -> list[Named]:
    """What `name` names among `items`: the exact (case-insensitive) matches, else those it is the start of."""
    key = name_key(name)
    return [i for i in items if key_of(i) == key] or [i for i in items if key_of(i).startswith(key)]


def one_match(
    matches: Sequence[Named],
    name: str,
    what: str,
    *,
    name_of: Callable[[Named], str],
    order: Callable[[str], Any] | None = str.casefold,
) -> Named:
    """The one thing `name` matched (`by_name`); more than one is an `AmbiguousError` that lists them."""
    if len(matches) > 1:
        found = sorted((name_of(m) for m in matches), key=order)
        raise AmbiguousError(
            f"'{name}' matches more than one {what}: {', '.join(found)}.",
            candidates=found,
            hint="Type more of the name.",
        )
    return matches[0]


def find_pair(session: Reader, me: Me, name: str, *, active_only: bool = False) -> PairRef:
    """The pair whose peer is called `name`: exact (case-insensitive) first, then a unique prefix."""
    pairs = pairs_of(session, me)
    if not pairs:
        raise NotFoundError("You have no pairs yet.", hint='Add one with `peerlog pair add "Their name"`.')
    known = [p for p in pairs if p.peer is not None]
    # An empty name would be the start of every name: it names no pair.
    matches = by_name(known, name, key_of=lambda p: p.peer_key or "") if name_key(name) else []
    if not matches:
        names = sorted(p.peer or "" for p in known)
        raise NotFoundError(f"You have no pair with '{name}'.", hint=f"Your pairs: {', '.join(names)}.")
    pair = one_match(matches, name, "pair", name_of=lambda p: p.peer or "", order=None)
    if active_only and pair.ended_at is not None:
        raise InputError(
            f"Your pair with {pair.peer} has ended.",
            hint=f'Start it again with `peerlog pair add "{pair.peer}"`.',
        )
    return pair
