"""Plain share bundles from a peer: linking them to one of your pairs, by name and then by ids.

Bundles are now sealed and signed (`exchange`), and linked to a pair by the key that signed them. Plain ones
are what peerlog wrote before that; they keep landing through the links made here until the peer's key is
added. Each journal has its own ids for "you", your peer and your pair. A bundle carries the sender's ids, so
the first bundle from a peer is linked to one of your pairs (by the sender's name, by `--pair`, or by
asking), and the links are kept in the `link` table: the sender's "you" is your peer, the sender's record of
you is you, and their pair is yours. Later bundles land without questions, and a file whose ids disagree
with those links (one that only carries your peer's name) is refused. Once your peer's key is added, plain
bundles for that pair are refused altogether: only what their key sealed counts.

A bundle holds only its sender's own shared entries in that pair. Since each side only edits its own
entries, merging the two directions never conflicts.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from peerlog.errors import INIT_HINT, AmbiguousError, InputError, NotFoundError, NotInitialisedError
from peerlog.interchange import KIND_SHARE, JournalDocument
from peerlog.models import Link, Pair, Person
from peerlog.pairs import list_pairs, ordered, peer_id_of, resolve_pair
from peerlog.people import find_self, name_key
from peerlog.transfer import Origin


class LinkNeededError(AmbiguousError):
    """The first bundle from a peer, and peerlog cannot tell which of your pairs it belongs to."""

    def __init__(self, message: str, *, sender: str, candidates: list[str], hint: str) -> None:
        super().__init__(message, candidates=candidates, hint=hint)
        self.sender = sender


# ---------------------------------------------------------------- whose file is this?


def _links(session: Session, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {
        row.foreign_id: row.local_id
        for row in session.exec(select(Link).where(col(Link.foreign_id).in_(ids)))
    }


def _pair_by_name(session: Session, me: Person, sender: str) -> Pair:
    pairs = list_pairs(session)
    if not pairs:
        raise NotFoundError(
            f"This bundle is from {sender}, and you have no pairs yet.",
            hint=f'Add one with `peerlog pair add "{sender}"`, then import it again.',
        )
    key = name_key(sender)
    exact = [p for p in pairs if name_key(p.peer) == key]
    if len(exact) == 1:
        return session.get_one(Pair, exact[0].id)  # listed a moment ago in this session, so it is there
    first = key.split(" ")[0]
    # Likely ones first: "Sam" for "Sam Lee", then every other pair.
    names = [p.peer for p in pairs if name_key(p.peer).split(" ")[0] == first]
    names += [p.peer for p in pairs if p.peer not in names]
    if exact:
        message = f"This bundle is from {sender}, and more than one of your pairs has that name."
    else:
        message = f"This bundle is from {sender}, and none of your pairs has that name."
    hint = f"Say which pair it belongs to with --pair NAME (your pairs: {', '.join(names)}); peerlog remembers it."
    if key == me.name_key:
        hint += f" If it is your own journal from another machine: {RESTORE_HINT}"
    raise LinkNeededError(message, sender=sender, candidates=names, hint=hint)


RESTORE_HINT = (
    "To bring back your own export (on a new machine, or after a loss), run `peerlog restore FILE`."
)


def _foreign_ids_of(session: Session, local_id: str) -> set[str]:
    return set(session.exec(select(Link.foreign_id).where(Link.local_id == local_id, Link.kind == "person")))


def _check_links(
    session: Session,
    links: dict[str, str],
    *,
    sender: str,
    sender_name: str,
    bundle_you: str,
    bundle_pair: str,
    me: Person,
    local_pair: Pair,
) -> None:
    """Refuse a bundle whose ids disagree with the links earlier bundles made.

    Until bundles are signed, the ids a peer's journal gave itself are the best evidence of where a file
    comes from: a file that merely carries your peer's name is not theirs.
    """
    peer_id = peer_id_of(local_pair, me.id)
    peer = session.get(Person, peer_id)
    peer_name = peer.name if peer else sender_name
    known = _foreign_ids_of(session, peer_id)
    if (
        (known and sender not in known)
        or links.get(sender, peer_id) != peer_id
        or links.get(bundle_you, me.id) != me.id
        or links.get(bundle_pair, local_pair.id) != local_pair.id
    ):
        raise InputError(
            f"This file does not come from the journal {peer_name}'s earlier bundles came from; nothing was "
            "imported.",
            hint=f"If {peer_name} has started a new journal, ask them to bring their old one over with "
            "`peerlog restore` and share again.",
        )


def refuse_plain_once_keyed(peer: Person | None, *, what: str, share: str) -> None:
    """A peer whose key you hold sends sealed files only: a plain one under their name proves nothing (a name,
    even a code, can be copied into any file), so name links end the moment a key is added. The one rule for
    a pair's plain bundle and a group's plain story; `what` names the file, `share` the command that seals it."""
    if peer is not None and peer.public_key:
        raise InputError(
            f"This is a plain {what}, and your journal holds {peer.name}'s key, so only bundles sealed by "
            f"{peer.name} are taken; nothing was imported.",
            hint=f"Ask {peer.name} to share again with `{share}`, which seals it to you.",
        )


def resolve_origin(session: Session, doc: JournalDocument, *, pair: str | None = None) -> Origin:
    """Decide which peer's bundle `doc` is and how its ids map here; raises `LinkNeededError` if it must ask.

    `import` never takes a file as yours: your own entries, your own name, your pairs and links stay as they
    are whatever a file says. Your own export comes back only through `peerlog restore`, on purpose.
    """
    me = find_self(session)
    if me is None:
        raise NotInitialisedError(
            "Your journal does not know who you are yet, so a peer's bundle has nowhere to go.",
            hint=INIT_HINT if doc.kind == KIND_SHARE else RESTORE_HINT,
        )
    if doc.self_id == me.id:
        raise InputError(
            "This file was written from your own journal, and `import` never changes what you wrote. "
            "Nothing was imported.",
            hint=RESTORE_HINT,
        )
    sender = doc.person(doc.self_id)
    sender_name = sender.name if sender and sender.name else "a peer"
    links = _links(session, [doc.self_id])
    if links.get(doc.self_id) == me.id:
        raise InputError(
            "This file says it was written by you, from a journal that is not yours. Nothing was imported."
        )
    theirs = [p for p in doc.pairs if p.has(doc.self_id)]
    if len(doc.pairs) != 1 or not theirs:
        hint = f'Ask {sender_name} for `peerlog share --pair "{me.name}" --output FILE`.'
        if name_key(sender_name) == me.name_key:
            hint = f"If it is your own journal from another machine: {RESTORE_HINT}"
        raise InputError(
            f"This file comes from {sender_name}'s journal and holds {len(doc.pairs)} pairs; peerlog takes a "
            "peer's entries one pair at a time. Nothing was imported.",
            hint=hint,
        )
    bundle_pair = theirs[0]
    bundle_you = bundle_pair.other(doc.self_id)
    # A peer's peerlog names everyone with its own ids; one of this journal's means the file was made from
    # something you sent.
    if (
        session.get(Person, doc.self_id)
        or session.get(Person, bundle_you)
        or session.get(Pair, bundle_pair.id)
    ):
        raise InputError(
            "This file uses your own journal's ids for its people or pair, so it was made from a file you "
            "wrote, not written by your peer's peerlog. Nothing was imported."
        )
    links = _links(session, [doc.self_id, bundle_you, bundle_pair.id])
    local_pair: Pair | None = None
    if bundle_pair.id in links:
        local_pair = session.get(Pair, links[bundle_pair.id])
    elif doc.self_id in links:
        a, b = ordered(me.id, links[doc.self_id])
        local_pair = session.exec(select(Pair).where(Pair.person_a_id == a, Pair.person_b_id == b)).first()
    if pair is not None:
        chosen = resolve_pair(session, pair)
        if local_pair is not None and chosen.id != local_pair.id:
            linked_peer = session.get(Person, peer_id_of(local_pair, me.id))
            raise InputError(
                f"Bundles from {sender_name} already go to your pair with "
                f"{linked_peer.name if linked_peer else 'another peer'}; nothing was imported.",
                hint="Leave out --pair to import it there.",
            )
        local_pair = chosen
    if local_pair is None:
        local_pair = _pair_by_name(session, me, sender_name)
    refuse_plain_once_keyed(
        session.get(Person, peer_id_of(local_pair, me.id)), what="bundle", share="peerlog share"
    )
    _check_links(
        session,
        links,
        sender=doc.self_id,
        sender_name=sender_name,
        bundle_you=bundle_you,
        bundle_pair=bundle_pair.id,
        me=me,
        local_pair=local_pair,
    )
    peer_id = peer_id_of(local_pair, me.id)
    peer = session.get(Person, peer_id)
    return Origin(
        mine=False,
        person_map={doc.self_id: peer_id, bundle_you: me.id},
        pair_map={bundle_pair.id: local_pair.id},
        sender_id=peer_id,
        sender_name=peer.name if peer else sender_name,
        new_links=(
            (bundle_pair.id, "pair", local_pair.id),
            (doc.self_id, "person", peer_id),
            (bundle_you, "person", me.id),
        ),
    )
