"""A journal (or part of one) as plain, immutable records: what exporters render and importers produce.

Nothing here touches the database. Moments are aware datetimes: `at` carries its author's UTC offset (so the
local time they saw survives the trip), every other stamp is UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

FORMAT = "peerlog"
#: 2 added a `version` to every person, pair and entry; files of version 1 still import (as version 1).
VERSION = 2
KIND_EXPORT = "export"
KIND_SHARE = "share"
KINDS = (KIND_EXPORT, KIND_SHARE)
T = TypeVar("T", covariant=True)


class Entries(Protocol[T]):
    """Entries oldest first by (`at`, id): a tuple, or a journal read lazily a batch at a time."""

    def __iter__(self) -> Iterator[T]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class PersonRecord:
    id: str
    #: None for the recipient of a share bundle: the sender's own label for them stays on their machine.
    name: str | None
    is_self: bool
    created_at: datetime
    updated_at: datetime
    version: int = 1
    #: Their identity code; only in an export for yourself (a share bundle never carries one).
    public_key: str | None = None


@dataclass(frozen=True)
class PairRecord:
    id: str
    person_a_id: str
    person_b_id: str
    agreement: str | None
    started_at: datetime
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def has(self, person_id: str) -> bool:
        return person_id in (self.person_a_id, self.person_b_id)

    def other(self, person_id: str) -> str:
        return self.person_b_id if self.person_a_id == person_id else self.person_a_id


@dataclass(frozen=True)
class WinRecord:
    id: str
    position: int
    text: str


@dataclass(frozen=True)
class ChallengeRecord:
    id: str
    position: int
    text: str
    overcome_at: datetime | None = None
    overcome_note: str | None = None


@dataclass(frozen=True)
class CheckInRecord:
    id: str
    author_id: str
    pair_id: str | None
    at: datetime
    mood: int | None
    note: str
    visibility: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    wins: tuple[WinRecord, ...] = ()
    challenges: tuple[ChallengeRecord, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerRecord:
    id: str
    position: int
    prompt_id: str
    prompt_text: str
    kind: str
    value: str


@dataclass(frozen=True)
class ReflectionRecord:
    id: str
    author_id: str
    pair_id: str | None
    pack_name: str
    pack_title: str
    at: datetime
    visibility: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    answers: tuple[AnswerRecord, ...] = ()


@dataclass(frozen=True)
class FeedbackRecord:
    id: str
    pair_id: str
    author_id: str
    recipient_id: str
    kind: str
    message: str
    at: datetime
    visibility: str
    created_at: datetime
    updated_at: datetime
    version: int = 1


@dataclass(frozen=True)
class RemovalRecord:
    """A change set's word that its sender no longer shares an entry: deleted, made private, or moved to
    another pair. `kind` is "checkin", "reflection" or "feedback"; `version` the entry's version then."""

    id: str
    kind: str
    version: int


@dataclass(frozen=True)
class LinkRecord:
    foreign_id: str
    kind: str
    local_id: str
    created_at: datetime


@dataclass(frozen=True)
class Scope:
    """What the document was asked to cover; `since`/`until` are None when unbounded."""

    pair_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class JournalDocument:
    """One export or share bundle. `self_id` is the person whose journal it was written from.

    People, pairs and links are few and held in memory; entries may be read lazily (see `Entries`).
    """

    kind: str
    include_private: bool
    self_id: str
    scope: Scope = field(default_factory=Scope)
    people: tuple[PersonRecord, ...] = ()
    pairs: tuple[PairRecord, ...] = ()
    checkins: Entries[CheckInRecord] = ()
    reflections: Entries[ReflectionRecord] = ()
    feedback: Entries[FeedbackRecord] = ()
    links: tuple[LinkRecord, ...] = ()

    def person(self, person_id: str) -> PersonRecord | None:
        return next((p for p in self.people if p.id == person_id), None)

    def name_of(self, person_id: str) -> str:
        person = self.person(person_id)
        return person.name if person and person.name else "someone"

    def pair(self, pair_id: str | None) -> PairRecord | None:
        return next((p for p in self.pairs if p.id == pair_id), None)

    @property
    def entry_count(self) -> int:
        return len(self.checkins) + len(self.reflections) + len(self.feedback)

    @property
    def includes(self) -> str:
        """The plain-words statement every export puts at its top."""
        if self.include_private:
            return "shared and private entries (keep this file private)"
        return "shared entries only; private entries are left out"
