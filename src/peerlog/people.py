"""You and the people you meet."""

from __future__ import annotations

from sqlmodel import Session, select

from peerlog import rules
from peerlog.errors import InputError
from peerlog.lookup import load_me, name_key
from peerlog.models import Person, utcnow

__all__ = ["clean_name", "find_peer", "find_self", "get_self", "init_self", "name_key"]

MAX_NAME = rules.NAME


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InputError("A name cannot be empty.", hint="Give the name your peer knows you by.")
    problem = rules.name_problem(cleaned)
    if problem == rules.CONTROLS:
        raise InputError("A name cannot contain control characters.")
    if problem == rules.NOT_UTF8:
        raise InputError("That name contains bytes that are not UTF-8 text.", hint="Type it again in UTF-8.")
    if problem:
        raise InputError(f"That name {problem}.", hint="Try a shorter one.")
    return cleaned


def find_self(session: Session) -> Person | None:
    return session.exec(select(Person).where(Person.is_self == True)).first()  # noqa: E712


def get_self(session: Session) -> Person:
    """You, as an ORM row, for the commands that change people and pairs (found as `lookup.load_me` finds you)."""
    return session.get_one(Person, load_me(session).id)


def init_self(session: Session, name: str) -> tuple[Person, str]:
    """Make sure the journal knows who "you" are. Returns you and what happened: created, renamed or kept."""
    name = clean_name(name)
    me = find_self(session)
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
