"""What every newest-first list of entries shares: a period, a page size, and a stable order."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.sql import FromClause, Select

from peerlog import dates
from peerlog.errors import InputError

if TYPE_CHECKING:
    from sqlmodel import Session

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


def in_group(session: Session, query: Q, table: FromClause, group: str | None, *, pair: str | None) -> Q:
    """Keep the entries of `table` that belong to the group called `group` (all of them when None).

    Who may see what stays the query's own rule (your entries, and what members shared), so a list of a
    group is exactly the list of everything, narrowed. A pair and a group together are refused first,
    before either name is looked up, the same way the other views refuse them."""
    if group is None:
        return query
    from peerlog.groups import resolve_group
    from peerlog.review import check_one_place

    check_one_place(pair, group)
    # An ended group still lists: its history stays readable, as `group show` keeps it.
    return query.where(table.c.group_id == resolve_group(session, group).id)
