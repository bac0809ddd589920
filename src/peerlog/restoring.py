"""Restoring your own export: the one way a file may bring back your people, pairs, links and entries.

`import` never takes a file as yours, since anyone who once received a bundle from you holds your ids.
Restoring is the separate, deliberate action for your own `export --format json --include-private`:
- into an empty journal (none yet, or one `peerlog init` just made with nothing but you) the file's "you"
  becomes this journal's "you", so your ids, and your peers' links to them, carry over;
- into a journal with entries it adds what is missing and replaces what the file holds a higher version of,
  after the caller has shown that (`plan_restore`) and the person has agreed.
Nothing is ever deleted, and no entry changes author.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from peerlog.errors import InputError, NotInitialisedError
from peerlog.identity import PeerKey
from peerlog.interchange import KIND_EXPORT, JournalDocument
from peerlog.models import CheckIn, Feedback, Group, GroupSession, Link, Pair, Person, Reflection
from peerlog.peer_keys import record_own_key
from peerlog.people import find_self
from peerlog.transfer import ImportResult, Origin, merge_document

IMPORT_HINT = "To add a peer's shared entries, use `peerlog import FILE`."


@dataclass(frozen=True)
class RestorePlan:
    """What a restore would do, found by trying it and undoing the try."""

    result: ImportResult
    #: Into an empty journal: nothing of yours can be replaced, so there is nothing to ask.
    fresh: bool

    @property
    def changes(self) -> bool:
        return self.result.changed


def _holds_only_you(session: Session) -> bool:
    if len(session.exec(select(Person.id).limit(2)).all()) > 1:
        return False
    return all(
        session.exec(select(model).limit(1)).first() is None
        for model in (Pair, Group, GroupSession, CheckIn, Reflection, Feedback, Link)
    )


def check_restorable(doc: JournalDocument) -> None:
    """Refuse a peer's share bundle before any journal is opened (or made) for it."""
    if doc.kind != KIND_EXPORT:
        sender = doc.person(doc.self_id)
        raise InputError(
            f"This is a share bundle from {sender.name if sender and sender.name else 'a peer'}, not your "
            "own export. Nothing was restored.",
            hint=IMPORT_HINT,
        )


def restore_origin(session: Session, doc: JournalDocument) -> Origin:
    """Check that `doc` can be restored here, and say how."""
    check_restorable(doc)
    me = find_self(session)
    if me is None:
        if session.exec(select(Person.id).limit(1)).first() is not None:
            raise NotInitialisedError(
                "This journal holds people but does not know which one is you, so peerlog will not guess. "
                "Nothing was restored.",
                hint="Restore into a new, empty journal (set PEERLOG_HOME to a new folder).",
            )
        return Origin(mine=True, adopt=True)
    if doc.self_id == me.id:
        return Origin(mine=True)
    if _holds_only_you(session):
        # Moving to a new machine after `peerlog init`: the journal takes the file's "you".
        return Origin(mine=True, adopt=True, replaces=me.id)
    theirs = doc.person(doc.self_id)
    raise InputError(
        f"This file was written from another journal (its own person is "
        f"{theirs.name if theirs and theirs.name else 'someone else'}), and yours already has entries. "
        "Nothing was restored.",
        hint=f"{IMPORT_HINT} To bring back your own journal, restore it into a new, empty one "
        "(set PEERLOG_HOME to a new folder).",
    )


def plan_restore(session: Session, doc: JournalDocument) -> RestorePlan:
    """What restoring `doc` would add and replace; the journal is left exactly as it was."""
    origin = restore_origin(session, doc)
    fresh = origin.adopt or _holds_only_you(session)
    savepoint = session.begin_nested()
    try:
        result = merge_document(session, doc, origin)
    finally:
        savepoint.rollback()
    session.expire_all()
    return RestorePlan(result, fresh)


def restore(session: Session, doc: JournalDocument, own_key: PeerKey | None = None) -> ImportResult:
    """Restore your own export into the journal, in the caller's transaction.

    `own_key`, this machine's key: your row keeps it whatever key the file's "you" had, since the key
    file is what signs and opens bundles here (see `key_changed`)."""
    result = merge_document(session, doc, restore_origin(session, doc))
    if own_key is not None:
        record_own_key(session, own_key)
    return result


def key_changed(doc: JournalDocument, own_key: PeerKey) -> bool:
    """Whether the file's "you" had another key than this machine's: then your peers need your new code."""
    theirs = doc.person(doc.self_id)
    return bool(theirs and theirs.public_key and theirs.public_key != own_key.code)
