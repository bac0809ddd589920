"""Keys in the journal: your own code on your row, and each peer's, which links their bundles to your pair.

A peer is linked by key, never by name: `pair add Sam --key CODE` or `pair set Sam --key CODE`. A key is
held by one person only, and never by a peer when it is your own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from peerlog.errors import InputError
from peerlog.identity import ID_COMMAND, Identity, PeerKey, ensure_identity
from peerlog.models import Person, utcnow
from peerlog.people import find_self

if TYPE_CHECKING:
    from peerlog.store import Store


@dataclass(frozen=True)
class OwnIdentity:
    """You as `peerlog id` shows you."""

    name: str
    key: PeerKey

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "code": self.key.code, "fingerprint": self.key.fingerprint}


@dataclass(frozen=True)
class KeyChange:
    """What `--key` did to a peer: their key now, and the one it replaced (None when they had none)."""

    peer: str
    key: PeerKey
    old: PeerKey | None

    @property
    def changed(self) -> bool:
        return self.old != self.key


def stored_key(code: str | None) -> PeerKey | None:
    """A key as the journal holds it (a code), or None when there is none or it cannot be read."""
    if not code:
        return None
    try:
        return PeerKey.from_code(code)
    except InputError:
        return None  # only a hand-edited journal holds such a thing; it reads as "no key yet"


def record_own_key(session: Session, key: PeerKey) -> None:
    """Your row holds your own code (the one this machine's key file has)."""
    me = find_self(session)
    if me is not None and me.public_key != key.code:
        me.public_key = key.code
        session.add(me)
        session.flush()


def own_identity(store: Store) -> tuple[Identity, str]:
    """This journal's identity, made now if it has none yet, and your name; your row is brought up to date
    in a write of its own only when it needs it (so `peerlog id` reads a current journal without writing)."""
    from peerlog.people import get_self

    identity = ensure_identity(store.path)
    with store.session() as session:
        me = get_self(session)
        name, current = me.name, me.public_key == identity.public.code
    if not current and store.read_only is None:
        with store.session(write=True) as session:
            record_own_key(session, identity.public)
    return identity, name


def show_identity(store: Store) -> OwnIdentity:
    identity, name = own_identity(store)
    return OwnIdentity(name=name, key=identity.public)


def set_peer_key(
    session: Session, peer: Person, key: PeerKey, *, mine: PeerKey, replace: bool = True
) -> KeyChange:
    """Give `peer` this key. Refused, with nothing changed: your own key, a key another person in your
    journal holds, and (unless `replace`) a different key than the one they already have."""
    if key == mine:
        raise InputError(
            f"That is your own code, not {peer.name}'s.",
            hint=f"Ask {peer.name} to run `{ID_COMMAND}` and send you theirs.",
        )
    holder = session.exec(select(Person).where(Person.public_key == key.code)).first()
    if holder is not None and holder.id != peer.id:
        raise InputError(
            f"That key is {holder.name}'s in your journal, so it cannot be {peer.name}'s too; nothing was changed.",
            hint=f'Check the code with {peer.name}; `peerlog pair show "{holder.name}"` shows whose it is.',
        )
    old = stored_key(peer.public_key)
    if old is not None and old != key and not replace:
        raise InputError(
            f"{peer.name} already has a different key in your journal; nothing was changed.",
            hint=f'To replace it after checking with {peer.name}: `peerlog pair set "{peer.name}" --key CODE`.',
        )
    if old != key:
        peer.public_key = key.code
        peer.updated_at = utcnow()
        peer.version += 1
        session.add(peer)
        session.flush()
    return KeyChange(peer=peer.name, key=key, old=old)
