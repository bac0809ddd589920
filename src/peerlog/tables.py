"""Short names for the journal's tables, for queries written in SQLAlchemy Core.

Nothing is declared here: each name is the table of a model in `peerlog.models`, the one declaration of the
schema. Commands that read or write many rows (a check-in, `log`, `wins`, `summary`, `search`, exports) build
Core statements over these, as plain rows, and never pay for ORM objects.
"""

from __future__ import annotations

from peerlog.models import (
    PRIVATE,
    SHARED,
    VISIBILITIES,
    Answer,
    Challenge,
    CheckIn,
    CheckInTag,
    Feedback,
    Group,
    GroupAttendance,
    GroupMember,
    GroupSession,
    Pair,
    Person,
    Reflection,
    Win,
    table_of,
)

__all__ = [
    "PRIVATE",
    "SHARED",
    "VISIBILITIES",
    "answer",
    "challenge",
    "checkin",
    "checkin_tag",
    "feedback",
    "group_attendance",
    "group_member",
    "group_session",
    "pair",
    "peer_group",
    "person",
    "reflection",
    "win",
]

person = table_of(Person)
pair = table_of(Pair)
checkin = table_of(CheckIn)
checkin_tag = table_of(CheckInTag)
win = table_of(Win)
challenge = table_of(Challenge)
reflection = table_of(Reflection)
answer = table_of(Answer)
feedback = table_of(Feedback)
peer_group = table_of(Group)
group_member = table_of(GroupMember)
group_session = table_of(GroupSession)
group_attendance = table_of(GroupAttendance)
