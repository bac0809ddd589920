"""The journal's tables.

Ids are UUID strings (shown to people as an 8-character prefix, like git), so entries written on two machines
can be merged without collisions. Moments are aware datetimes stored in UTC (SQLModel's UTCDateTime: a
timestamptz on PostgreSQL, UTC text on SQLite) plus the author's offset in minutes (`utc_offset`): ordering
and indexes work on any backend, and the local time the author saw is kept.

Peers are equals: a pair is two people with no role fields, stored with its members in id order so the same
two people are always the same row, and queried symmetrically.

People, pairs and entries carry a `version`, 1 when made and one more at each change by their author: when
two copies of the same row meet (an import, a restore), the higher version wins. Clocks on two machines need
not agree for that to be right.

This module is the one declaration of the schema: every table, column, index, constraint and visibility word.
Queries that read many rows use these same tables through SQLAlchemy Core (`Model.__table__`, named for short
in `peerlog.tables`), the rest go through the ORM. A migration in `store/migrations.py` spells out the DDL
that brings an older journal here, and `tests/test_migrations.py` checks that the two agree.

Why it stays cheap to import (every command that opens a journal does): pydantic's validators are built on
first use (`defer_build`, and table models never validate on construction, so most commands never build
them), and the annotations are real objects rather than strings (no `from __future__ import annotations`),
so neither pydantic nor SQLAlchemy evaluates strings class by class. Building the eleven classes still costs
about 29 ms of CPU, mostly SQLAlchemy's mappers, which the ORM needs (see benchmarks/README.md).
"""

from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import Index, Table, UniqueConstraint
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig

PRIVATE = "private"
SHARED = "shared"
VISIBILITIES = (PRIVATE, SHARED)


def new_id() -> str:
    return str(uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table a model declares, for queries over plain rows."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # why: SQLModel's types omit __table__
    return table


class _Table(SQLModel):
    """What every table shares: pydantic builds its validators only if something validates or dumps a row."""

    model_config = SQLModelConfig(defer_build=True)


class Meta(_Table, table=True):
    """Journal-wide settings: the schema version, and small remembered facts (e.g. when a pair last shared)."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=200)
    value: str


class Person(_Table, table=True):
    """You (exactly one person has `is_self`) and the peers you meet."""

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_public_key", "public_key", unique=True),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str
    # Case-folded name: lookups are case-insensitive on every backend and use the index.
    name_key: str = Field(index=True)
    is_self: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    #: Their public identity as the code `peerlog id` prints (yours too, for your own row). A peer's bundles
    #: are linked to the pair by this key, never by name; None until it is added.
    public_key: str | None = Field(default=None, max_length=80)


class Pair(_Table, table=True):
    """Two people who support each other as equals."""

    __tablename__ = "pair"
    __table_args__ = (UniqueConstraint("person_a_id", "person_b_id", name="uq_pair_people"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    person_a_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    person_b_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    agreement: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class CheckIn(_Table, table=True):
    """A few seconds of journaling: mood, what happened, wins and challenges."""

    __tablename__ = "checkin"
    __table_args__ = (
        Index("ix_checkin_pair_at", "pair_id", "at"),
        Index("ix_checkin_author_at", "author_id", "at"),
        Index("ix_checkin_group_at", "group_id", "at"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    author_id: str = Field(foreign_key="person.id", max_length=36)
    pair_id: str | None = Field(default=None, foreign_key="pair.id", max_length=36)
    at: datetime = Field(index=True)
    utc_offset: int = 0
    mood: int | None = None
    #: The group it belongs to (`checkin --group`); an entry is in a pair or a group, never both.
    group_id: str | None = Field(default=None, foreign_key="peer_group.id", max_length=36)
    note: str = ""
    visibility: str = Field(default=PRIVATE, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Win(_Table, table=True):
    """Something that went well, however small."""

    __tablename__ = "win"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    checkin_id: str = Field(foreign_key="checkin.id", ondelete="CASCADE", index=True, max_length=36)
    position: int = 0
    text: str


class Challenge(_Table, table=True):
    """Something hard; once marked overcome it counts as a win too."""

    __tablename__ = "challenge"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    checkin_id: str = Field(foreign_key="checkin.id", ondelete="CASCADE", index=True, max_length=36)
    position: int = 0
    text: str
    overcome_at: datetime | None = Field(default=None, index=True)
    overcome_note: str | None = None


class CheckInTag(_Table, table=True):
    __tablename__ = "checkin_tag"
    checkin_id: str = Field(foreign_key="checkin.id", ondelete="CASCADE", primary_key=True, max_length=36)
    tag: str = Field(primary_key=True, index=True, max_length=100)


class Reflection(_Table, table=True):
    """One person's answers to a prompt pack, usually after a conversation."""

    __tablename__ = "reflection"
    __table_args__ = (
        Index("ix_reflection_pair_at", "pair_id", "at"),
        Index("ix_reflection_group_at", "group_id", "at"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    author_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    pair_id: str | None = Field(default=None, foreign_key="pair.id", max_length=36)
    pack_name: str
    pack_title: str
    at: datetime = Field(index=True)
    utc_offset: int = 0
    visibility: str = Field(default=PRIVATE, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    #: The group it belongs to (a round in a group session, `reflect --group`).
    group_id: str | None = Field(default=None, foreign_key="peer_group.id", max_length=36)


class Answer(_Table, table=True):
    """One answer, with a snapshot of the question so editing a pack never changes what it meant."""

    __tablename__ = "answer"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    reflection_id: str = Field(foreign_key="reflection.id", ondelete="CASCADE", index=True, max_length=36)
    position: int = 0
    prompt_id: str
    prompt_text: str
    kind: str = Field(max_length=20)
    # Text as given; scales as their number; `multi` answers as a JSON list of strings.
    value: str


class Feedback(_Table, table=True):
    """Feedback from one peer to the other: appreciation or a suggestion, offered as an equal."""

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_pair_at", "pair_id", "at"),
        Index("ix_feedback_group_at", "group_id", "at"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    #: The pair it was given in, or (`group_id`) the group: one of the two, never both.
    pair_id: str | None = Field(default=None, foreign_key="pair.id", max_length=36)
    author_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    recipient_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    kind: str = Field(max_length=20)
    message: str
    at: datetime = Field(index=True)
    utc_offset: int = 0
    visibility: str = Field(default=PRIVATE, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    group_id: str | None = Field(default=None, foreign_key="peer_group.id", max_length=36)


class Link(_Table, table=True):
    """Maps an id from a peer's journal (their "you", their pair) to the matching row in this one."""

    __tablename__ = "link"
    foreign_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=20)
    local_id: str = Field(index=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class Delivered(_Table, table=True):
    """Which of your own entries each peer has been sent, at which version, or told were removed.

    The next bundle to that peer holds only what changed since, and a removal for each entry that was sent
    and is no longer shared with them (deleted, made private, or moved to another pair)."""

    __tablename__ = "delivered"
    recipient_id: str = Field(foreign_key="person.id", primary_key=True, max_length=36)
    entry_id: str = Field(primary_key=True, max_length=36)
    #: "checkin", "reflection" or "feedback".
    kind: str = Field(max_length=20)
    version: int
    removed: bool = False
    sent_at: datetime = Field(default_factory=utcnow)


class Removal(_Table, table=True):
    """An entry its author removed from what they share with you: an older bundle never brings it back."""

    __tablename__ = "removal"
    entry_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=20)
    author_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    #: The entry's version when it was removed; only a higher one (shared again) brings it back.
    version: int
    removed_at: datetime = Field(default_factory=utcnow)


class Received(_Table, table=True):
    """Sealed bundles already applied, by their id: the same bundle again (a copy, a conflict copy a sync
    tool made, a replay) changes nothing."""

    __tablename__ = "received"
    bundle_id: str = Field(primary_key=True, max_length=64)
    sender_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    made_at: datetime
    received_at: datetime = Field(default_factory=utcnow)


class SyncFolder(_Table, table=True):
    """The folder this machine exchanges a pair's bundles through, one both peers keep in step.

    A setting of this machine, not of the pair: it never travels in an export or a bundle."""

    __tablename__ = "sync_folder"
    pair_id: str = Field(foreign_key="pair.id", primary_key=True, max_length=36)
    path: str


class GroupSyncFolder(_Table, table=True):
    """The folder this machine exchanges a group's bundles through, one every member keeps in step: each
    member's bundles are sealed to them alone, so all of them can share it. A setting of this machine."""

    __tablename__ = "group_sync_folder"
    group_id: str = Field(foreign_key="peer_group.id", primary_key=True, max_length=36)
    path: str


class HubSpace(_Table, table=True):
    """A pair (or group) this machine syncs through the programme hub, and the hub's id for it (its
    space). A setting of this machine, like a sync folder: it never travels in an export or a bundle."""

    __tablename__ = "hub_space"
    #: The pair's id (or the group's), as in this journal.
    local_id: str = Field(primary_key=True, max_length=36)
    #: "pair" or "group": what `local_id` names.
    kind: str = Field(max_length=10)
    space_id: str = Field(max_length=36)


class Group(_Table, table=True):
    """A small circle of peers who meet as equals. No column says who leads: facilitation rotates, and
    each session records who facilitated that time only."""

    # "group" is a reserved word in SQL: a table of that name would need quoting in every statement.
    __tablename__ = "peer_group"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str
    # Case-folded name, as for people: `--group tuesday` finds "Tuesday circle".
    name_key: str = Field(index=True)
    agreement: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class GroupMember(_Table, table=True):
    """One stretch of someone's time in a group: leaving sets `left_at`, coming back adds a new row, so the
    history of who was there when is kept. You are a member of your own groups too. No role columns."""

    __tablename__ = "group_member"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    group_id: str = Field(foreign_key="peer_group.id", index=True, max_length=36)
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    joined_at: datetime = Field(default_factory=utcnow)
    left_at: datetime | None = None


class GroupSession(_Table, table=True):
    """A meeting of a group as one person recorded it: when, who facilitated this time, and their round."""

    __tablename__ = "group_session"
    __table_args__ = (Index("ix_group_session_group_at", "group_id", "at"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    group_id: str = Field(foreign_key="peer_group.id", max_length=36)
    #: Who recorded it (you, for your own); with `visibility`, the one privacy rule applies as to entries.
    author_id: str = Field(foreign_key="person.id", index=True, max_length=36)
    facilitator_id: str | None = Field(default=None, foreign_key="person.id", max_length=36)
    #: Your round (a reflection), if you kept one. No foreign key: deleting the reflection with
    #: `peerlog delete` needs to know nothing of sessions, and a session whose round is gone has none.
    round_id: str | None = Field(default=None, max_length=36)
    at: datetime
    utc_offset: int = 0
    visibility: str = Field(default=PRIVATE, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class GroupAttendance(_Table, table=True):
    """Who came to a session (you included when you were there)."""

    __tablename__ = "group_attendance"
    session_id: str = Field(
        foreign_key="group_session.id", ondelete="CASCADE", primary_key=True, max_length=36
    )
    person_id: str = Field(foreign_key="person.id", primary_key=True, index=True, max_length=36)
