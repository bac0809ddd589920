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
#: 3 added groups, their sessions and an entry's `group_id`: a peerlog that reads only version 2 would drop
#: them without a word, so it is told to upgrade instead. Files of versions 1 and 2 still import.
VERSION = 3
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
class GroupMemberRecord:
    """One stretch of someone's time in a group: coming back after leaving is a second stretch."""

    person_id: str
    joined_at: datetime
    left_at: datetime | None = None


@dataclass(frozen=True)
class GroupRecord:
    """A circle of equals: its members and when each was part of it, and no roles."""

    id: str
    name: str
    agreement: str | None
    started_at: datetime
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    members: tuple[GroupMemberRecord, ...] = ()

    def has(self, person_id: str) -> bool:
        return any(m.person_id == person_id for m in self.members)


@dataclass(frozen=True)
class GroupSessionRecord:
    """A meeting as its author recorded it: `at` carries the author's offset as every entry's does, so
    there is no separate `utc_offset`. `facilitator_id` names who facilitated that time only."""

    id: str
    group_id: str
    author_id: str
    facilitator_id: str | None
    round_id: str | None
    at: datetime
    visibility: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    #: Who came, by person id, sorted.
    attendance: tuple[str, ...] = ()


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
    #: The group it belongs to; an entry is in a pair or a group, never both.
    group_id: str | None = None


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
    group_id: str | None = None


@dataclass(frozen=True)
class FeedbackRecord:
    id: str
    #: The pair it was given in, or (`group_id`) the group: exactly one of the two.
    pair_id: str | None
    author_id: str
    recipient_id: str
    kind: str
    message: str
    at: datetime
    visibility: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    group_id: str | None = None


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
    #: `export --group`: the group's shared story (never together with `pair_id`).
    group_id: str | None = None


@dataclass(frozen=True)
class JournalDocument:
    """One export or share bundle. `self_id` is the person whose journal it was written from.

    People, pairs, groups, group sessions and links are few and held in memory; entries may be read lazily
    (see `Entries`).
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
    groups: tuple[GroupRecord, ...] = ()
    group_sessions: tuple[GroupSessionRecord, ...] = ()

    def person(self, person_id: str) -> PersonRecord | None:
        return next((p for p in self.people if p.id == person_id), None)

    def name_of(self, person_id: str) -> str:
        person = self.person(person_id)
        return person.name if person and person.name else "someone"

    def pair(self, pair_id: str | None) -> PairRecord | None:
        return next((p for p in self.pairs if p.id == pair_id), None)

    def group(self, group_id: str | None) -> GroupRecord | None:
        return next((g for g in self.groups if g.id == group_id), None)

    @property
    def entry_count(self) -> int:
        return len(self.checkins) + len(self.reflections) + len(self.feedback)

    @property
    def includes(self) -> str:
        """The plain-words statement every export puts at its top."""
        if self.include_private:
            return "shared and private entries (keep this file private)"
        return "shared entries only; private entries are left out"
