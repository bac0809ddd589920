"""Light SQLAlchemy Core views of the journal's tables, for the commands that only read and summarise.

Why not the SQLModel classes: building them costs about 40 ms of start-up (pydantic models, ORM mappers),
a tenth of the whole `import sqlmodel, typer, rich` floor that `wins`, `summary` and `search` are measured
against. These `table()` clauses cost microseconds and carry the same column types, so moments still come
back as aware UTC datetimes. `models.py` stays the one source of truth for the schema:
`tests/test_wins_tables.py` checks that every column named here exists there with the same type.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, column, table
from sqlmodel.sql.sqltypes import UTCDateTime

#: The same values as `models.PRIVATE` and `models.SHARED` (tests/test_light_paths.py checks it).
PRIVATE = "private"
SHARED = "shared"
VISIBILITIES = (PRIVATE, SHARED)

person = table(
    "person",
    column("id", String),
    column("name", String),
    column("name_key", String),
    column("is_self", Boolean),
)

pair = table(
    "pair",
    column("id", String),
    column("person_a_id", String),
    column("person_b_id", String),
    column("started_at", UTCDateTime),
    column("ended_at", UTCDateTime),
)

checkin = table(
    "checkin",
    column("id", String),
    column("author_id", String),
    column("pair_id", String),
    column("at", UTCDateTime),
    column("utc_offset", Integer),
    column("mood", Integer),
    column("note", String),
    column("visibility", String),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
    column("version", Integer),
)

checkin_tag = table(
    "checkin_tag",
    column("checkin_id", String),
    column("tag", String),
)

win = table(
    "win",
    column("id", String),
    column("checkin_id", String),
    column("position", Integer),
    column("text", String),
)

challenge = table(
    "challenge",
    column("id", String),
    column("checkin_id", String),
    column("position", Integer),
    column("text", String),
    column("overcome_at", UTCDateTime),
    column("overcome_note", String),
)

reflection = table(
    "reflection",
    column("id", String),
    column("author_id", String),
    column("pair_id", String),
    column("pack_name", String),
    column("pack_title", String),
    column("at", UTCDateTime),
    column("utc_offset", Integer),
    column("visibility", String),
)

answer = table(
    "answer",
    column("id", String),
    column("reflection_id", String),
    column("position", Integer),
    column("prompt_id", String),
    column("prompt_text", String),
    column("kind", String),
    column("value", String),
)

feedback = table(
    "feedback",
    column("id", String),
    column("pair_id", String),
    column("author_id", String),
    column("recipient_id", String),
    column("kind", String),
    column("message", String),
    column("at", UTCDateTime),
    column("utc_offset", Integer),
    column("visibility", String),
)

ALL = (person, pair, checkin, checkin_tag, win, challenge, reflection, answer, feedback)
