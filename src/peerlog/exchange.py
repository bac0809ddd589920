"""Sealed bundles between peers: your changes sealed to each one's key, and theirs opened with yours.

On the way out, a pair's change set (`changesets`) is sealed to the key your journal holds for your peer
(`sealing`), so only they can open it, and signed by yours, so they know it is from you. A group's goes to
each member the same way, one bundle each (`seal_group_changes`).

On the way in, the checks come in the order the bundle allows them: addressed to you (its envelope), intact and
signed (its key block), from a key linked to one of your pairs (never a name), or for a group's bundle, the key
of someone who is (or was) part of that group here, then every frame as it is read.
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

from sqlmodel import Session, col, select

from peerlog.errors import BundleDamagedError, InputError, NotFoundError, PeerlogError
from peerlog.models import Group, GroupMember, Link, Meta, Pair, Person, Received, utcnow
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


def seal_group_changes(
    session: Session, group: Group, identity: Identity, *, everything: bool
) -> list[Sealed]:
    """Your changes in `group` sealed to each member who has anything to receive, one bundle each: what you
    shared with the group while they were part of it, and removals (even to someone who has left). Members
    with no key in your journal are left out (`members_without_key` names them)."""
    from peerlog.changesets import group_changes_for
    from peerlog.identity import PeerKey

    me = get_self(session)
    sealed = []
    for person in _members_of(session, group):
        if person.id == me.id or not person.public_key:
            continue
        bundle_id = uuid4().hex
        outgoing = group_changes_for(
            session, group_id=group.id, member_id=person.id, bundle_id=bundle_id, everything=everything
        )
        if not outgoing.empty:
            key = PeerKey.from_code(person.public_key)
            sealed.append(Sealed(outgoing, person.name, key, bundle_id, utcnow(), identity))
    return sealed


def _members_of(session: Session, group: Group, *, current: bool = False) -> list[Person]:
    """Everyone who has been part of `group` (or is now, with `current`), by name."""
    query = select(Person).join(GroupMember, col(GroupMember.person_id) == col(Person.id))
    query = query.where(GroupMember.group_id == group.id)
    if current:
        query = query.where(col(GroupMember.left_at).is_(None))
    people = {p.id: p for p in session.exec(query)}  # someone who came back has two stretches
    return sorted(people.values(), key=lambda p: (p.name_key, p.id))


def members_without_key(session: Session, group: Group) -> list[str]:
    """Current members of `group` (you aside) whose key your journal does not hold: nothing can be sealed
    to them until it does."""
    return [p.name for p in _members_of(session, group, current=True) if not p.is_self and not p.public_key]


# ---------------------------------------------------------------- in


@dataclass
class Arrival:
    """What one sealed bundle did to the journal."""

    result: ImportResult
    sender: str
    bundle_id: str
    #: Applied before (the same bundle again): nothing changed.
    already: bool = False
    #: A group's bundle: the group, as your journal names it, and whether it came into your journal with it.
    group: str | None = None
    new_group: bool = False


def _not_your_own(me: Person, key: PeerKey) -> None:
    if me.public_key == key.code:
        raise InputError(
            "This bundle was sealed with your own key, so it is not from a peer; nothing was imported.",
            hint="To bring back your own journal, use `peerlog restore` with your export.",
        )


def _sender_for(session: Session, me: Person, incoming: IncomingChanges, key: PeerKey) -> tuple[Person, Pair]:
    """The peer whose key sealed this bundle, and your pair with them; refuse any other key."""
    _not_your_own(me, key)
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
    if header.pair is None or {header.sender.id, header.recipient_id} != {
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


# ---------------------------------------------------------------- a group's change set


def group_origin(
    session: Session, me: Person, header: ChangesHeader, key: PeerKey
) -> tuple[Person, Origin, bool]:
    """Who sent a group's change set and how its ids map here, and whether the group is new here. Takes in
    the group when it is new to you and you are among its members, and the membership facts its header
    brings; refuses anything else, before anything is changed."""
    from peerlog.group_stories import adopt_group, local_group_for, take_membership_facts

    group_record = header.group
    assert group_record is not None
    _not_your_own(me, key)
    sender = session.exec(select(Person).where(Person.public_key == key.code)).first()
    if sender is None:
        raise UnknownSenderError(
            f"This bundle for {group_record.name} comes from a key nobody in your journal has (fingerprint "
            f"{key.fingerprint}); nothing was imported.",
            hint="Once a member whose key you hold has shared the group with you, peerlog knows the others' "
            "keys too: sync or import it again then.",
        )
    for person_id, code in ((header.sender.id, key.code), (header.recipient_id, me.public_key)):
        said = header.person(person_id)
        if said is not None and said.public_key and code and said.public_key != code:
            raise BundleDamagedError(
                f"the group's list of people does not match the keys of {sender.name} and you"
            )
    if not group_record.has(header.recipient_id):
        raise InputError(
            f"This bundle from {sender.name} is for {group_record.name}, and you are not part of that group; "
            "nothing was imported."
        )
    # Matched, taken in and kept in step as a member's group story is (`group_stories`): one rule for both.
    group, link = local_group_for(session, group_record, sender.id)
    if group is not None and sender.id not in {m.person_id for m in _stretches(session, group.id)}:
        raise InputError(
            f"This bundle is from {sender.name}, who is not part of {group.name} in your journal; nothing was "
            "imported.",
            hint=f'If {sender.name} has joined, note it with `peerlog group join "{group.name}" --member '
            f'"{sender.name}"`, then sync or import it again.',
        )
    people = _people_of(session, me, sender, header, group)
    new = group is None
    if group is None:
        group = adopt_group(session, group_record, people)
    else:
        take_membership_facts(session, group_record, group, people, me.id)
    session.flush()
    links = [(foreign, "person", local) for foreign, local in people.items()]
    if link or group.id != group_record.id:
        links.append((group_record.id, "group", group.id))
    origin = Origin(
        mine=False,
        person_map=people,
        group_map={group_record.id: group.id},
        sender_id=sender.id,
        sender_name=sender.name,
        new_links=tuple(links),
    )
    return sender, origin, new


def _stretches(session: Session, group_id: str) -> list[GroupMember]:
    return list(session.exec(select(GroupMember).where(GroupMember.group_id == group_id)))


def _people_of(
    session: Session, me: Person, sender: Person, header: ChangesHeader, group: Group | None
) -> dict[str, str]:
    """The header's people as people here: by key, by an earlier link, or by name (the group's member of
    that name, or for a group new here anyone in your journal) when one of the two has no key: a member met
    in the room learns their key from the circle. Anyone else is new to this journal, added with their name
    and key."""
    from peerlog.group_stories import meet_member
    from peerlog.people import find_peer

    found = {header.sender.id: sender.id, header.recipient_id: me.id}
    members = {p.name_key: p for p in _members_of(session, group) if not p.is_self} if group else {}
    for person in header.people:
        if person.id in found:
            continue
        local = None
        if person.public_key:
            local = session.exec(select(Person).where(Person.public_key == person.public_key)).first()
        if local is None:
            link = session.get(Link, person.id)
            if link is not None and link.kind == "person":
                local = session.get(Person, link.local_id)
        if local is None and person.name:
            named = members.get(name_key(person.name)) if group else find_peer(session, person.name)
            if named is not None and named.id not in found.values():
                if not named.public_key:
                    named.public_key = person.public_key
                    session.add(named)
                    local = named
                elif not person.public_key:
                    local = named
        if local is None:
            group_name = header.group.name if header.group else "group"
            local = meet_member(
                session, person.name, group=group_name, sender=sender.name, public_key=person.public_key
            )
        found[person.id] = local.id
    return found


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
    group: Group | None = None
    new_group = False
    if incoming.header.group is not None:
        peer, origin, new_group = group_origin(session, me, incoming.header, key)
        group = session.get_one(Group, origin.group_map[incoming.header.group.id])
    else:
        peer, pair = _sender_for(session, me, incoming, key)
        origin = origin_for(me, peer, pair, incoming.header)
    result = apply_changes(session, incoming, origin)
    session.add(Received(bundle_id=unsealed.bundle_id, sender_id=peer.id, made_at=incoming.header.made_at))
    session.flush()
    return Arrival(
        result, peer.name, unsealed.bundle_id, group=group.name if group else None, new_group=new_group
    )


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
    """One pass over one pair's or group's sync folder: what left, what arrived, and what could not be used.

    `peer` names whom the folder is shared with: your peer, or the group."""

    peer: str
    folder: str
    #: A group's folder: the members a bundle went to this time, and those with no key here yet, by name.
    group: bool = False
    sent_to: list[str] = field(default_factory=list)
    no_key: list[str] = field(default_factory=list)
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
            "peer": None if self.group else self.peer,
            "group": self.peer if self.group else None,
            "folder": self.folder,
            "sent": {"entries": self.sent_entries, "removed": self.sent_removed, "wins": self.sent_wins},
            "sent_to": list(self.sent_to),
            "no_key": list(self.no_key),
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


def set_group_sync_folder(session: Session, name: str, path: str | None) -> tuple[str, str | None]:
    """Set (or, with None, clear) the folder this machine syncs the group `name` through: one folder for the
    whole circle. Returns the group's name and the folder."""
    from peerlog.groups import resolve_group
    from peerlog.models import GroupSyncFolder

    group = resolve_group(session, name)
    row = session.get(GroupSyncFolder, group.id)
    if row is not None and path is None:
        session.delete(row)
    elif path is not None:
        session.merge(GroupSyncFolder(group_id=group.id, path=path))
    session.flush()
    return group.name, path


@dataclass(frozen=True)
class _Target:
    """A folder to sync, and whom it is shared with (`label`): a pair's or (`group`) a group's, by its id."""

    label: str
    folder: str
    group: bool
    id: str


def sync_folders(
    store: Store,
    identity: Identity,
    *,
    pair: str | None = None,
    group: str | None = None,
    missing_ok: bool = False,
) -> list[FolderSync]:
    """Exchange with every pair and group that has a sync folder (or just `pair`, or just `group`): send,
    then receive, each bundle in its own transaction, so what was applied stays applied whatever happens to
    the next file. With `missing_ok`, a `pair` or `group` without a folder (one that syncs through the hub)
    is no error: there is nothing to do here."""
    from peerlog.groups import resolve_group
    from peerlog.models import GroupSyncFolder, SyncFolder
    from peerlog.pairs import peer_id_of, resolve_pair

    with store.session() as session:
        me = get_self(session)
        pair_rows: list[SyncFolder] = []
        group_rows: list[GroupSyncFolder] = []
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
            pair_rows = [row]
        elif group is not None:
            found = resolve_group(session, group)
            group_row = session.get(GroupSyncFolder, found.id)
            if group_row is None and missing_ok:
                return []
            if group_row is None:
                raise PeerlogError(
                    f"{found.name} has no sync folder yet.",
                    hint=f'Set one with `peerlog group set "{found.name}" --sync-dir PATH` (a folder every '
                    "member keeps in step).",
                )
            group_rows = [group_row]
        else:
            pair_rows = list(session.exec(select(SyncFolder)))
            group_rows = list(session.exec(select(GroupSyncFolder)))
        plan = []
        for row in pair_rows:
            pair_row = session.get_one(Pair, row.pair_id)
            peer = session.get_one(Person, peer_id_of(pair_row, me.id))
            plan.append(_Target(peer.name, row.path, False, row.pair_id))
        for folder_row in group_rows:
            named = session.get_one(Group, folder_row.group_id).name
            plan.append(_Target(named, folder_row.path, True, folder_row.group_id))
    # Pairs first, then groups, each by name: the same order every time.
    return [
        _sync_one(store, identity, target)
        for target in sorted(plan, key=lambda t: (t.group, t.label.casefold()))
    ]


def _send(session: Session, identity: Identity, target: _Target, folder: Path, report: FolderSync) -> None:
    """Write what the pair's peer (or each member of the group) has not been sent, and note it delivered."""
    from peerlog import syncing
    from peerlog.changesets import distinct_sent

    if not target.group:
        sealed = [seal_changes(session, session.get_one(Pair, target.id), identity, everything=False)]
    else:
        group = session.get_one(Group, target.id)
        report.no_key = members_without_key(session, group)
        sealed = seal_group_changes(session, group, identity, everything=False)
    sealed = [s for s in sealed if not s.outgoing.empty]
    if not sealed:
        return
    report.sent_entries, report.sent_removed, report.sent_wins = distinct_sent([s.outgoing for s in sealed])
    for one in sealed:
        name = syncing.bundle_name(identity.public.key_id, one.peer_key.key_id, one.made_at)
        syncing.write_bundle(folder, name, one.chunks())
        one.mark_delivered(session)
        report.sent_to.append(one.peer)


def _sync_one(store: Store, identity: Identity, target: _Target) -> FolderSync:
    folder = Path(target.folder)
    report = FolderSync(target.label, str(folder), group=target.group)
    try:
        with store.session(write=True) as session:
            _send(session, identity, target, folder, report)
    except PeerlogError as error:
        report.problem = str(error)
        return report
    return _take_in(store, identity, folder, report)


def take_in_folder(store: Store, identity: Identity, folder: Path, *, label: str) -> FolderSync:
    """Only the receiving half of a sync: every bundle for you in `folder`. How a member brings in a circle
    someone else started, from the folder the circle shares, before their journal knows the group."""
    return _take_in(store, identity, folder, FolderSync(label, str(folder), group=True))


def _take_in(store: Store, identity: Identity, folder: Path, report: FolderSync) -> FolderSync:
    from peerlog import syncing
    from peerlog.errors import BundleIncompleteError

    try:
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
