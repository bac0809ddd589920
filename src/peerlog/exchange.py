"""Sealed bundles between two peers: your changes sealed to your peer's key, and theirs opened with yours.

On the way out, a pair's change set (`changesets`) is sealed to the key your journal holds for your peer
(`sealing`), so only they can open it, and signed by yours, so they know it is from you.

On the way in, the checks come in the order the bundle allows them: addressed to you (its envelope), intact and
signed (its key block), from a key linked to one of your pairs (never a name), then every frame as it is read.
All of it happens inside the caller's one write session: a failure at any point leaves the journal as it was,
and a bundle already applied (the same file again, a copy a sync tool made) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING
from uuid import uuid4

from sqlmodel import Session, select

from peerlog.errors import BundleDamagedError, InputError, NotFoundError, PeerlogError
from peerlog.models import Meta, Pair, Person, Received, utcnow
from peerlog.pairs import ordered
from peerlog.people import get_self, name_key
from peerlog.transfer import ImportResult, Origin

if TYPE_CHECKING:
    from peerlog.changesets import ChangesHeader, IncomingChanges, Outgoing
    from peerlog.identity import Identity, PeerKey
    from peerlog.store import Store


class KeyNeededError(PeerlogError):
    """Your peer has no key in your journal yet, so nothing can be sealed to them."""


class UnknownSenderError(InputError):
    """A bundle sealed by a key none of your pairs holds."""


class KeyChangedError(InputError):
    """A bundle that names one of your peers but comes from a different key than theirs."""


def _key_hint(peer: str) -> str:
    return (
        f"Ask {peer} for the code `peerlog id` prints on their machine, then run "
        f'`peerlog pair set "{peer}" --key CODE` and read your fingerprints to each other.'
    )


# ---------------------------------------------------------------- out


@dataclass
class Sealed:
    """A pair's change set, sealed for the peer: write `chunks()`, then `mark_delivered` in the same session."""

    outgoing: Outgoing
    peer: str
    peer_key: PeerKey
    bundle_id: str
    made_at: datetime
    _identity: Identity = field(repr=False)

    def chunks(self) -> Iterator[bytes]:
        from peerlog.sealing import seal

        return seal(
            self.outgoing.lines(),
            signing_key=self._identity.signing_key,
            recipient=self.peer_key.raw,
            bundle_id=self.bundle_id,
        )

    def mark_delivered(self, session: Session) -> None:
        self.outgoing.mark_delivered(session)


def peer_key_of(session: Session, pair: Pair) -> tuple[Person, PeerKey]:
    from peerlog.identity import PeerKey
    from peerlog.pairs import peer_id_of

    me = get_self(session)
    peer = session.get_one(Person, peer_id_of(pair, me.id))
    if not peer.public_key:
        raise KeyNeededError(
            f"{peer.name} has no key in your journal yet, so peerlog cannot seal a bundle only they can open.",
            hint=_key_hint(peer.name),
        )
    return peer, PeerKey.from_code(peer.public_key)


def seal_changes(session: Session, pair: Pair, identity: Identity, *, everything: bool) -> Sealed:
    """Your changes in `pair` that your peer has not been sent (or all of them), sealed to their key."""
    from peerlog.changesets import changes_for

    peer, peer_key = peer_key_of(session, pair)
    bundle_id = uuid4().hex
    outgoing = changes_for(session, pair_id=pair.id, bundle_id=bundle_id, everything=everything)
    return Sealed(outgoing, peer.name, peer_key, bundle_id, utcnow(), identity)


# ---------------------------------------------------------------- in


@dataclass
class Arrival:
    """What one sealed bundle did to the journal."""

    result: ImportResult
    sender: str
    bundle_id: str
    #: Applied before (the same bundle again): nothing changed.
    already: bool = False


def _sender_for(session: Session, me: Person, incoming: IncomingChanges, key: PeerKey) -> tuple[Person, Pair]:
    """The peer whose key sealed this bundle, and your pair with them; refuse any other key."""
    if me.public_key == key.code:
        raise InputError(
            "This bundle was sealed with your own key, so it is not from a peer; nothing was imported.",
            hint="To bring back your own journal, use `peerlog restore` with your export.",
        )
    peer = session.exec(select(Person).where(Person.public_key == key.code)).first()
    claimed = incoming.header.sender.name or "someone"
    if peer is None:
        from peerlog.identity import PeerKey

        same_name = [
            p
            for p in session.exec(select(Person).where(Person.name_key == name_key(claimed)))
            if not p.is_self
        ]
        if same_name and same_name[0].public_key:
            known = PeerKey.from_code(same_name[0].public_key)
            raise KeyChangedError(
                f"This bundle says it is from {same_name[0].name}, but its key has changed (fingerprint "
                f"{key.fingerprint}; the key you have for them is {known.fingerprint}); nothing was imported.",
                hint=f"If {same_name[0].name} has moved to a new machine, check the new fingerprint with them "
                f'in person or on a call, then accept it: `peerlog pair set "{same_name[0].name}" --key '
                "NEWCODE` (they see their code with `peerlog id`).",
            )
        if same_name:
            raise UnknownSenderError(
                f"This bundle says it is from {same_name[0].name}, whose key your journal does not have yet "
                f"(its fingerprint: {key.fingerprint}); nothing was imported.",
                hint=_key_hint(same_name[0].name),
            )
        raise UnknownSenderError(
            f"This bundle comes from a key none of your pairs has (fingerprint {key.fingerprint}); nothing "
            "was imported.",
            hint=f'If it is from a new peer, add them with their code: `peerlog pair add "{claimed}" --key CODE`.',
        )
    a, b = ordered(me.id, peer.id)
    pair = session.exec(select(Pair).where(Pair.person_a_id == a, Pair.person_b_id == b)).first()
    if pair is None:
        raise NotFoundError(
            f"This bundle is from {peer.name}, and you two have no pair; nothing was imported.",
            hint=f'Start one with `peerlog pair add "{peer.name}"`, then import it again.',
        )
    return peer, pair


def origin_for(me: Person, peer: Person, pair: Pair, header: ChangesHeader) -> Origin:
    """How a change set's ids (the sender's) map onto this journal's, once its key has named the peer."""
    if {header.sender.id, header.recipient_id} != {
        header.pair.person_a_id,
        header.pair.person_b_id,
    }:
        raise BundleDamagedError(
            f"This bundle from {peer.name} does not describe your pair with them; nothing was imported."
        )
    return Origin(
        mine=False,
        person_map={header.sender.id: peer.id, header.recipient_id: me.id},
        pair_map={header.pair.id: pair.id},
        sender_id=peer.id,
        sender_name=peer.name,
        new_links=(
            (header.pair.id, "pair", pair.id),
            (header.sender.id, "person", peer.id),
            (header.recipient_id, "person", me.id),
        ),
    )


def already_received(session: Session, bundle_id: str) -> bool:
    return session.get(Received, bundle_id) is not None


def receive(session: Session, stream: IO[bytes], identity: Identity) -> Arrival:
    """Open a sealed bundle with your key and apply it, in the caller's write session."""
    from peerlog.changesets import apply_changes, read_changes
    from peerlog.identity import PeerKey
    from peerlog.sealing import unseal

    unsealed = unseal(stream, signing_key=identity.signing_key)
    key = PeerKey(unsealed.sender)
    me = get_self(session)
    if already_received(session, unsealed.bundle_id):
        sender = session.exec(select(Person).where(Person.public_key == key.code)).first()
        return Arrival(
            ImportResult(sender=sender.name if sender else None),
            sender.name if sender else "a peer",
            unsealed.bundle_id,
            already=True,
        )
    incoming = read_changes(unsealed.plaintext())
    if incoming.header.bundle_id != unsealed.bundle_id:
        raise BundleDamagedError(
            "This bundle's inside does not match its envelope, so it was altered; nothing was imported."
        )
    peer, pair = _sender_for(session, me, incoming, key)
    result = apply_changes(session, incoming, origin_for(me, peer, pair, incoming.header))
    session.add(Received(bundle_id=unsealed.bundle_id, sender_id=peer.id, made_at=incoming.header.made_at))
    session.flush()
    return Arrival(result, peer.name, unsealed.bundle_id)


# ---------------------------------------------------------------- peers linked by name only

KEY_NOTE = "note.key.{person_id}"


def key_note_once(session: Session, person_id: str, name: str) -> str | None:
    """Once per peer: how to add the key of a peer whose bundles are still linked by name."""
    peer = session.get(Person, person_id)
    if peer is None or peer.public_key:
        return None
    key = KEY_NOTE.format(person_id=person_id)
    if session.get(Meta, key) is not None:
        return None
    session.add(Meta(key=key, value=utcnow().isoformat()))
    return (
        f"{name}'s bundles are linked to your pair by name. To seal what you two exchange, add {name}'s key: "
        f"{_key_hint(name)}"
    )


# ---------------------------------------------------------------- a sync folder


@dataclass
class FolderSync:
    """One pass over one pair's sync folder: what left, what arrived, and what could not be used."""

    peer: str
    folder: str
    sent_entries: int = 0
    sent_removed: int = 0
    sent_wins: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    #: Files that are still being copied in by the sync tool: tried again next time.
    arriving: int = 0
    #: (file name, why) for files refused; and a problem with the folder or the pair itself.
    refused: list[tuple[str, str]] = field(default_factory=list)
    problem: str | None = None
    #: Through the programme hub (`peerlog.hubclient`) rather than a folder; `folder` is then the hub's address.
    hub: bool = False

    @property
    def received(self) -> int:
        return sum(sum(a.result.added.values()) + sum(a.result.updated.values()) for a in self.arrivals)

    @property
    def removed_here(self) -> int:
        return sum(sum(a.result.removed.values()) for a in self.arrivals)

    @property
    def quiet(self) -> bool:
        return not (
            self.sent_entries
            or self.sent_removed
            or self.arrivals
            or self.arriving
            or self.refused
            or self.problem
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "peer": self.peer,
            "folder": self.folder,
            "sent": {"entries": self.sent_entries, "removed": self.sent_removed, "wins": self.sent_wins},
            "received": {
                "bundles": len(self.arrivals),
                "entries": self.received,
                "removed": self.removed_here,
            },
            "arriving": self.arriving,
            "refused": [{"file": name, "why": why} for name, why in self.refused],
            "problem": self.problem,
            "via": "hub" if self.hub else "folder",
        }


def sync_folders(
    store: Store, identity: Identity, *, pair: str | None = None, missing_ok: bool = False
) -> list[FolderSync]:
    """Exchange with every pair that has a sync folder (or just `pair`): send, then receive, each bundle in its
    own transaction, so what was applied stays applied whatever happens to the next file. With `missing_ok`,
    a `pair` without a folder (one that syncs through the hub) is no error: nothing to do here."""
    from peerlog.models import SyncFolder
    from peerlog.pairs import peer_id_of, resolve_pair

    with store.session() as session:
        me = get_self(session)
        if pair is not None:
            chosen = resolve_pair(session, pair)
            row = session.get(SyncFolder, chosen.id)
            if row is None and missing_ok:
                return []
            if row is None:
                peer = session.get_one(Person, peer_id_of(chosen, me.id))
                raise PeerlogError(
                    f"Your pair with {peer.name} has no sync folder yet.",
                    hint=f'Set one with `peerlog pair set "{peer.name}" --sync-dir PATH` (a folder you both keep in step).',
                )
            rows = [row]
        else:
            rows = list(session.exec(select(SyncFolder)))
        plan = []
        for row in rows:
            pair_row = session.get_one(Pair, row.pair_id)
            peer = session.get_one(Person, peer_id_of(pair_row, me.id))
            plan.append((row.pair_id, peer.name, row.path))
    return [
        _sync_one(store, identity, pair_id, peer, Path(folder))
        for pair_id, peer, folder in sorted(plan, key=lambda p: p[1].casefold())
    ]


def _sync_one(store: Store, identity: Identity, pair_id: str, peer: str, folder: Path) -> FolderSync:
    from peerlog import syncing
    from peerlog.errors import BundleIncompleteError

    report = FolderSync(peer, str(folder))
    try:
        with store.session(write=True) as session:
            sealed = seal_changes(session, session.get_one(Pair, pair_id), identity, everything=False)
            if not sealed.outgoing.empty:
                name = syncing.bundle_name(identity.public.key_id, sealed.peer_key.key_id, sealed.made_at)
                syncing.write_bundle(folder, name, sealed.chunks())
                sealed.mark_delivered(session)
                report.sent_entries = sealed.outgoing.entries
                report.sent_removed = sealed.outgoing.removed
                report.sent_wins = sealed.outgoing.wins
        with store.session() as session:
            seen = set(session.exec(select(Received.bundle_id)))
        listing = syncing.incoming(folder, my_key_id=identity.public.key_id, seen=seen.__contains__)
    except PeerlogError as error:
        report.problem = str(error)
        return report
    report.arriving += len(listing.partial)
    report.refused += [(path.name, "it is not a peerlog bundle.") for path in listing.unrecognised]
    for candidate in listing:
        if candidate.bundle_id in seen:
            continue  # a second copy (a conflict copy) of a bundle applied a moment ago
        try:
            stream = candidate.open()
            if stream is None:
                continue  # gone since the listing, its folder still there: nothing to take
            with stream, store.session(write=True) as session:
                arrival = receive(session, stream, identity)
        except BundleIncompleteError:
            report.arriving += 1  # its envelope is whole, the rest still being copied in
            continue
        except syncing.SyncFolderError as error:
            report.problem = str(error)
            return report
        except PeerlogError as error:
            report.refused.append((candidate.path.name, error.message))
            continue
        except OSError as error:
            report.problem = f"{folder} could not be read ({error.strerror or error}); nothing was half-done."
            return report
        seen.add(arrival.bundle_id)
        if not arrival.already:
            report.arrivals.append(arrival)
    return report
