"""You and the people you meet."""

from __future__ import annotations

from sqlmodel import Session, select

from peerlog import rules
from peerlog.errors import InputError
from peerlog.lookup import load_me, name_key
from peerlog.models import Group, Person, utcnow

__all__ = [
    "check_not_a_group",
    "clean_name",
    "find_peer",
    "find_self",
    "get_self",
    "init_self",
    "name_key",
    "rename_peer",
]

MAX_NAME = rules.NAME


#: What an empty name is met with when it is your own (`init`); each other way in gives its own `hint`.
OWN_NAME_HINT = "Give the name your peer knows you by."


def clean_name(name: str, *, hint: str = OWN_NAME_HINT) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InputError("A name cannot be empty.", hint=hint)
    problem = rules.name_problem(cleaned)
    if problem == rules.CONTROLS:
        raise InputError("A name cannot contain control characters.")
    if problem == rules.NOT_UTF8:
        raise InputError("That name contains bytes that are not UTF-8 text.", hint="Type it again in UTF-8.")
    if problem:
        raise InputError(f"That name {problem}.", hint="Try a shorter one.")
    return cleaned


def check_not_a_group(session: Session, name: str, *, hint: str) -> None:
    """A person's name is never a group's (ended groups included), as a group's is never a pair's: so
    `--pair`, `--group` and the names people say never leave anyone wondering which was meant."""
    group = session.exec(select(Group).where(Group.name_key == name_key(name))).first()
    if group is not None:
        raise InputError(f"'{name}' is already the name of your group {group.name}.", hint=hint)


def find_self(session: Session) -> Person | None:
    return session.exec(select(Person).where(Person.is_self == True)).first()  # noqa: E712


def get_self(session: Session) -> Person:
    """You, as an ORM row, for the commands that change people and pairs (found as `lookup.load_me` finds you)."""
    return session.get_one(Person, load_me(session).id)


def init_self(session: Session, name: str) -> tuple[Person, str]:
    """Make sure the journal knows who "you" are. Returns you and what happened: created, renamed or kept."""
    name = clean_name(name)
    me = find_self(session)
    if me is None or name_key(name) != me.name_key:
        check_not_a_group(session, name, hint="Give the name your peers know you by.")
    if me is None:
        me = Person(name=name, name_key=name_key(name), is_self=True)
        session.add(me)
        session.flush()
        return me, "created"
    if me.name == name:
        return me, "kept"
    me.name, me.name_key, me.updated_at = name, name_key(name), utcnow()
    me.version += 1
    session.add(me)
    return me, "renamed"


def find_peer(session: Session, name: str) -> Person | None:
    return session.exec(
        select(Person).where(Person.name_key == name_key(name), Person.is_self == False)  # noqa: E712
    ).first()


def rename_peer(session: Session, old: str, new: str) -> tuple[str, Person]:
    """Change the name a peer goes by in your journal. Returns the old name and the renamed person.

    Only the display name changes: every entry stays linked to the same person, so nothing is lost.
    """
    from peerlog.errors import NotFoundError

    name = clean_name(new, hint=f'Give the new name, e.g. `peerlog person rename "{old}" "Their name"`.')
    if not old.strip():
        raise InputError(
            "Whom to rename? The old name is empty.", hint="`peerlog pair list` shows your peers."
        )
    peer = find_peer(session, old)
    if peer is None:
        me = find_self(session)
        if me is not None and me.name_key == name_key(old):
            raise InputError(
                f"'{old}' is your own name in this journal.",
                hint='`peerlog init --name "New name"` changes your own name.',
            )
        raise NotFoundError(
            f"There is nobody called '{old}' in your journal.", hint="`peerlog pair list` shows your peers."
        )
    me = get_self(session)
    if name_key(name) == me.name_key:
        raise InputError(
            f"'{name}' is your own name in this journal.", hint="Give your peer a name of their own."
        )
    if name_key(name) != peer.name_key:
        check_not_a_group(
            session,
            name,
            hint="Give them a name of their own (an initial tells them apart), or rename the group first "
            "with `peerlog group rename`.",
        )
    other = find_peer(session, name)
    if other is not None and other.id != peer.id:
        raise InputError(
            f"Someone in your journal is already called '{other.name}'.",
            hint="Choose a name that tells them apart, e.g. with an initial.",
        )
    before = peer.name
    if before != name:
        peer.name, peer.name_key, peer.updated_at = name, name_key(name), utcnow()
        peer.version += 1
        session.add(peer)
        session.flush()
    return before, peer
