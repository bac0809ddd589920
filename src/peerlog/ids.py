"""Short ids: people see and type the first characters of a UUID, as with git."""

from __future__ import annotations

import re
from typing import Any, TypeVar
from uuid import uuid4

from sqlalchemy.sql.expression import TableClause
from sqlmodel import Session, select

from peerlog.errors import AmbiguousError, InputError, NotFoundError

SHORT_LENGTH = 8
MIN_PREFIX = 4
_PREFIX = re.compile(r"^[0-9a-f-]+$")
T = TypeVar("T")


def new_id() -> str:
    """A new row's id (the same form as `models.new_id`, without loading the models)."""
    return str(uuid4())


def short_id(full_id: str) -> str:
    return full_id[:SHORT_LENGTH]


def find_by_prefix(
    session: Session, model: type[T], prefix: str, *, noun: str, hint: str, where: Any = None
) -> T:
    """The one row whose id starts with `prefix`, or a kind error naming what matched.

    `model` is an ORM class (an instance comes back) or a light table from `peerlog.tables` (a row).
    `where` narrows the rows looked at (who may see them): a row outside it is not there at all, not even
    as one of the candidates an ambiguous prefix names.
    """
    typed = prefix.strip().lower()
    if len(typed) < MIN_PREFIX or not _PREFIX.match(typed):
        raise InputError(
            f"'{prefix}' is not a {noun} id.",
            hint=f"Ids are shown as 8 characters such as 3f2a9c1b; type at least {MIN_PREFIX}. {hint}",
        )
    light = isinstance(model, TableClause)
    column: Any = model.c.id if light else model.id  # type: ignore[attr-defined]
    # A range instead of LIKE: it uses the primary key index on every backend.
    query = select(model).where(column >= typed, column <= typed + "~").limit(6)
    if where is not None:
        query = query.where(where)
    rows: Any = (session.execute if light else session.exec)(query).all()  # type: ignore[operator]
    if not rows:
        raise NotFoundError(f"No {noun} has an id starting with '{prefix}'.", hint=hint)
    if len(rows) > 1:
        shown = ", ".join(short_id(r.id) for r in rows[:5])  # type: ignore[attr-defined]
        raise AmbiguousError(
            f"'{prefix}' matches more than one {noun}: {shown}.",
            candidates=[r.id for r in rows],  # type: ignore[attr-defined]
            hint="Type a few more characters of the id.",
        )
    return rows[0]
