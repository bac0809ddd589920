"""Short names for the journal's tables, for queries written in SQLAlchemy Core.

Nothing is declared here: each name is the table of a model in `peerlog.models`, the one declaration of the
schema. Commands that read or write many rows (a check-in, `log`, `wins`, `summary`, `search`, exports) build
Core statements over these, as plain rows, and never pay for ORM objects.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from peerlog.models import (
    PRIVATE,
    SHARED,
    VISIBILITIES,
    Answer,
    Challenge,
    CheckIn,
    CheckInTag,
    Feedback,
    Pair,
    Person,
    Reflection,
    Win,
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
    "pair",
    "person",
    "reflection",
    "win",
]

person = cast(Table, Person.__table__)
pair = cast(Table, Pair.__table__)
checkin = cast(Table, CheckIn.__table__)
checkin_tag = cast(Table, CheckInTag.__table__)
win = cast(Table, Win.__table__)
challenge = cast(Table, Challenge.__table__)
reflection = cast(Table, Reflection.__table__)
answer = cast(Table, Answer.__table__)
feedback = cast(Table, Feedback.__table__)
