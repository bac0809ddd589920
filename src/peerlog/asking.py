"""Check, then ask, then save: the one order every command that asks a person questions follows.

What can be checked in the journal (who you are, that the pair named is active, what a bundle or a restore
would change) is checked first, in a read session that is closed again before the first question: so no
answer is typed in vain, and no lock is held while someone thinks. Only then are they asked; what they
answered is saved in a write session of its own, all of it or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlmodel import Session

    from peerlog.store import Store

Checked = TypeVar("Checked")
Answers = TypeVar("Answers")
Saved = TypeVar("Saved")


@dataclass(frozen=True)
class PairChoice:
    """The pair an entry is for, checked before anything is asked."""

    #: The peer of the pair that was named (it is active), or None when none was named.
    peer: str | None
    #: Every active pair's peer, to offer when none was named.
    peers: list[str]


def choose_pair(session: Session, name: str | None) -> PairChoice:
    """Check that the pair named (if any) is one of your active pairs, and list the ones to offer."""
    from peerlog.pairs import list_pairs, resolve_pair, view

    peer = view(session, resolve_pair(session, name, active_only=True)).peer if name else None
    return PairChoice(peer=peer, peers=[p.peer for p in list_pairs(session) if p.active])


def check_then_ask(
    store: Store,
    check: Callable[[Session], Checked],
    ask: Callable[[Checked], Answers],
    *,
    write_lock: bool = False,
) -> Answers:
    """Run `check` in a read session, close it, then `ask` with what it found.

    `write_lock` checks under the write lock instead, for a check that tries the change and rolls it back
    (what a restore would do), so it sees the journal exactly as a writer will.
    """
    saved_before = store.saved
    with store.session(write=write_lock) as session:
        checked = check(session)
        # A check only looks (or tries and rolls back), so closing it must not count as saving: a Ctrl-C at
        # the question after it is told truthfully that nothing was saved.
        session.rollback()
    store.saved = saved_before
    return ask(checked)


def save(store: Store, record: Callable[[Session], Saved]) -> Saved:
    """Run `record` in one write session: everything it writes is saved together, or nothing is."""
    with store.session(write=True) as session:
        return record(session)
