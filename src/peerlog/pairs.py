"""Pairs: two people who support each other as equals.

A pair stores its two people in id order, so "you and Sam" and "Sam and you" are the same row and no
field says who leads. People name a pair by the peer's name: `--pair sam`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from peerlog import lookup
from peerlog.errors import InputError
from peerlog.ids import short_id
from peerlog.models import CheckIn, Pair, Person, SyncFolder, utcnow
from peerlog.people import check_not_a_group, clean_name, find_peer, get_self, name_key
from peerlog.store.visibility import visible_to


@dataclass(frozen=True)
class PairView:
    id: str
    short_id: str
    you: str
    peer: str
    peer_id: str
    agreement: str | None
    started_at: datetime
    ended_at: datetime | None
    checkins: int
    #: The peer's identity code, None until it is added (`pair set NAME --key CODE`).
    key: str | None = None
    #: The folder this machine syncs the pair through, None when there is none.
    sync_dir: str | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def fingerprint(self) -> str | None:
        from peerlog.peer_keys import stored_key

        found = stored_key(self.key)
        return found.fingerprint if found else None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "people": [self.you, self.peer],
            "peer": self.peer,
            "agreement": self.agreement,
            "started_at": _aware(self.started_at).isoformat(),
            "ended_at": _aware(self.ended_at).isoformat() if self.ended_at else None,
            "checkins": self.checkins,
            "key": self.key,
            "fingerprint": self.fingerprint,
            "sync_dir": self.sync_dir,
        }


def _aware(utc: datetime) -> datetime:
    return (utc if utc.tzinfo else utc.replace(tzinfo=UTC)).astimezone()


def ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def peer_id_of(pair: Pair, person_id: str) -> str:
    """The other person in a pair: the query is the same whichever side you are on."""
    return pair.person_b_id if pair.person_a_id == person_id else pair.person_a_id


def _pairs_of(session: Session, person_id: str) -> list[Pair]:
    return list(
        session.exec(
            select(Pair).where(or_(col(Pair.person_a_id) == person_id, col(Pair.person_b_id) == person_id))
        ).all()
    )


def view(session: Session, pair: Pair, me: Person | None = None) -> PairView:
    me = me or get_self(session)
    peer = session.get(Person, peer_id_of(pair, me.id))
    # Only the check-ins you may see are counted: even the number of a peer's private entries is theirs.
    count, first = session.exec(
        select(func.count(), func.min(CheckIn.at)).where(
            CheckIn.pair_id == pair.id, visible_to(CheckIn, me.id)
        )
    ).one()
    return PairView(
        id=pair.id,
        short_id=short_id(pair.id),
        you=me.name,
        peer=peer.name if peer else "?",
        peer_id=peer.id if peer else "",
        agreement=pair.agreement,
        started_at=journey_start(pair.started_at, first),
        ended_at=pair.ended_at,
        checkins=int(count),
        key=peer.public_key if peer else None,
        sync_dir=folder.path if (folder := session.get(SyncFolder, pair.id)) else None,
    )


def journey_start(started_at: datetime, first_entry: datetime | None) -> datetime:
    """When a pair began: its start, or its first entry when that came earlier.

    Check-ins logged (or imported) with an earlier date belong to the pair too; `pair show` and `wins` both
    take their start from this rule, so "together since" and "how far you've come" agree.
    """
    return min(started_at, first_entry) if first_entry is not None else started_at


def add_pair(session: Session, *, peer_name: str, agreement: str | None = None) -> tuple[PairView, bool]:
    """Start a pair with a peer (or pick an ended one up again). Returns the pair and whether it is new."""
    me = get_self(session)
    name = clean_name(peer_name, hint='Give your peer\'s name: `peerlog pair add "Their name"`.')
    if agreement is not None:
        from peerlog.checkins import clean_text  # imported here: checkins imports this module

        agreement = clean_text(agreement, what="agreement") or None
    if name_key(name) == me.name_key:
        raise InputError(
            f"'{name}' is your own name in this journal.",
            hint='Give your peer\'s name: `peerlog pair add "Their name"`.',
        )
    check_not_a_group(
        session,
        name,
        hint=f'Keep `--group` for the group and give your peer a name of their own, such as "{name} R.".',
    )
    peer = find_peer(session, name)
    if peer is None:
        peer = Person(name=name, name_key=name_key(name))
        session.add(peer)
        session.flush()
    a, b = ordered(me.id, peer.id)
    pair = session.exec(select(Pair).where(Pair.person_a_id == a, Pair.person_b_id == b)).first()
    if pair is not None and pair.ended_at is None:
        hint = f'See it with `peerlog pair show "{peer.name}"`.'
        if agreement is not None:
            hint = f'To change your agreement: `peerlog pair set "{peer.name}" --agreement "..."`.'
        raise InputError(f"You and {peer.name} are already a pair.", hint=hint)
    created = pair is None
    if pair is None:
        pair = Pair(person_a_id=a, person_b_id=b, agreement=agreement)
    else:
        # Picking an ended pair up again keeps its history together.
        pair.ended_at = None
        if agreement is not None:
            pair.agreement = agreement
        pair.version += 1
    pair.updated_at = utcnow()
    session.add(pair)
    session.flush()
    return view(session, pair, me), created


def list_pairs(session: Session) -> list[PairView]:
    me = get_self(session)
    views = [view(session, pair, me) for pair in _pairs_of(session, me.id)]
    return sorted(views, key=lambda v: (not v.active, v.peer.casefold()))


def resolve_pair(session: Session, name: str, *, active_only: bool = False) -> Pair:
    """The pair whose peer is called `name`: exact (case-insensitive) first, then a unique prefix."""
    if not name.strip():
        # An empty name would otherwise read as "no pair with ''": say what is missing instead.
        raise InputError(
            "Which pair? The peer's name is empty.", hint="`peerlog pair list` shows your pairs."
        )
    found = lookup.find_pair(session, lookup.load_me(session), name, active_only=active_only)
    pair = session.get(Pair, found.id)
    assert pair is not None  # just read in this same transaction
    return pair


def show_pair(session: Session, name: str) -> PairView:
    return view(session, resolve_pair(session, name))


def end_pair(session: Session, name: str) -> PairView:
    pair = resolve_pair(session, name)
    if pair.ended_at is None:
        pair.ended_at = pair.updated_at = utcnow()
        pair.version += 1
        session.add(pair)
        session.flush()
    return view(session, pair)


def set_pair(
    session: Session, name: str, *, since: datetime | None = None, agreement: str | None = None
) -> PairView:
    """Change a pair's settings: when it really began, and what you two agree on (empty text clears it)."""
    pair = resolve_pair(session, name)
    changed = False
    if since is not None:
        from peerlog import dates

        started = dates.to_utc(since)
        if started > utcnow():
            raise InputError(
                "A pair's start cannot be in the future.",
                hint="Give the day you two began, e.g. --since 2026-09-01.",
            )
        if started != pair.started_at:
            pair.started_at, changed = started, True
    if agreement is not None:
        from peerlog.checkins import clean_text  # imported here: checkins imports this module

        cleaned = clean_text(agreement, what="agreement") or None
        if cleaned != pair.agreement:
            pair.agreement, changed = cleaned, True
    if changed:
        pair.updated_at = utcnow()
        pair.version += 1
        session.add(pair)
        session.flush()
    return view(session, pair)


def clean_sync_dir(text: str) -> str | None:
    """A sync folder as typed, made absolute; None for "" (no folder). It must be a folder you can write."""
    import os
    from pathlib import Path

    from peerlog.files import can_write

    if not text.strip():
        return None
    folder = Path(os.path.abspath(Path(text).expanduser()))
    if not folder.exists():
        raise InputError(
            f"The sync folder {folder} does not exist.",
            hint="Create it (or let your sync tool create it) first, then set it again.",
        )
    if not folder.is_dir():
        raise InputError(
            f"{folder} is a file, not a folder.", hint="Give the folder your sync tool keeps in step."
        )
    if not can_write(folder):
        raise InputError(
            f"You cannot write in the sync folder {folder}.", hint="Choose a folder of your own."
        )
    return str(folder)


def set_sync_folder(session: Session, name: str, path: str | None) -> PairView:
    """Set (or, with None, clear) the folder this machine syncs the pair with `name` through."""
    pair = resolve_pair(session, name)
    row = session.get(SyncFolder, pair.id)
    if path is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SyncFolder(pair_id=pair.id, path=path))
    else:
        row.path = path
        session.add(row)
    session.flush()
    return view(session, pair)


def peer_of(session: Session, name: str) -> Person:
    """The peer of the pair named `name`, as an ORM row to change."""
    pair = resolve_pair(session, name)
    return session.get_one(Person, peer_id_of(pair, get_self(session).id))
