"""Short ids: people see and type the first characters of a UUID, as with git."""

from __future__ import annotations

import re
from typing import Any, TypeVar, overload

from sqlalchemy import Row, Table, select
from sqlmodel import Session, SQLModel

from peerlog.errors import AmbiguousError, InputError, NotFoundError
from peerlog.models import new_id, table_of

SHORT_LENGTH = 8
MIN_PREFIX = 4
_PREFIX = re.compile(r"^[0-9a-f-]+$")
M = TypeVar("M", bound=SQLModel)

__all__ = ["MIN_PREFIX", "SHORT_LENGTH", "find_by_prefix", "new_id", "short_id"]


def short_id(full_id: str) -> str:
    return full_id[:SHORT_LENGTH]


@overload
def find_by_prefix(
    session: Session, model: type[M], prefix: str, *, noun: str, hint: str, where: Any = None
) -> M: ...
@overload
def find_by_prefix(
    session: Session, model: Table, prefix: str, *, noun: str, hint: str, where: Any = None
) -> Row[Any]: ...


def find_by_prefix(
    session: Session, model: type[M] | Table, prefix: str, *, noun: str, hint: str, where: Any = None
) -> Any:
    """The one entry whose id starts with `prefix`, or a kind error naming what matched.

    Given a table (`peerlog.tables`) it returns the row; given a model class, that row as an ORM object.
    `where` narrows the rows looked at (who may see them): a row outside it is not there at all, not even
    as one of the candidates an ambiguous prefix names."""
    typed = prefix.strip().lower()
    if len(typed) < MIN_PREFIX or not _PREFIX.match(typed):
        raise InputError(
            f"'{prefix}' is not a {noun} id.",
            hint=f"Ids are shown as 8 characters such as 3f2a9c1b; type at least {MIN_PREFIX}. {hint}",
        )
    table = model if isinstance(model, Table) else table_of(model)
    # A range instead of LIKE: it uses the primary key index on every backend.
    query = select(table).where(table.c.id >= typed, table.c.id <= typed + "~").limit(6)
    if where is not None:
        query = query.where(where)
    rows = session.execute(query).all()
    if not rows:
        raise NotFoundError(f"No {noun} has an id starting with '{prefix}'.", hint=hint)
    if len(rows) > 1:
        shown = ", ".join(short_id(r.id) for r in rows[:5])
        raise AmbiguousError(
            f"'{prefix}' matches more than one {noun}: {shown}.",
            candidates=[r.id for r in rows],
            hint="Type a few more characters of the id.",
        )
    if isinstance(model, Table):
        return rows[0]
    return session.get_one(model, rows[0].id)
