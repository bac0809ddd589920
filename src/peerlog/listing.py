"""What every newest-first list of entries shares: a period, a page size, and a stable order."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.sql import FromClause, Select

from peerlog import dates
from peerlog.errors import InputError

# SQLModel's selects are SQLAlchemy `Select`s, whose builders return the same kind of select.
Q = TypeVar("Q", bound=Select[Any])


#: SQLite integers stop at 2**63 - 1; any larger limit means "all of them" anyway.
MAX_LIMIT = 2**62


def check_limit(limit: int) -> int:
    if limit < 1:
        raise InputError("--limit must be 1 or more.")
    return min(limit, MAX_LIMIT)


def newest_first(
    query: Q, table: FromClause, *, since: datetime | None, until: datetime | None, limit: int | None
) -> Q:
    """Keep entries of `table` from `since` to `until` (both inclusive), newest first, at most `limit`.

    `query` is a Core or an ORM select; either way the conditions are on the model's own table
    (`peerlog.tables`), so both kinds of list share one definition of "a page, newest first"."""
    at, entry_id = table.c.at, table.c.id
    if since:
        query = query.where(at >= dates.to_utc(since))
    if until:
        query = query.where(at <= dates.to_utc(until))
    if limit is not None:
        query = query.limit(check_limit(limit))
    # The id breaks ties between entries saved in the same instant, so pages never shuffle.
    return query.order_by(at.desc(), entry_id.desc())
