"""Who may see an entry: the one rule that protects people's private entries, composed into every read.

An entry is yours (you wrote it) or someone else's, and private (the default) or shared. You may see your
own entries and the ones others shared; another person's private entry is never read, counted, searched,
exported or shared, whatever the command. Every query that reads entries (check-ins, reflections,
feedback, and the search index's copies of their facts) takes its condition from `visible_to`, so a
change to the rule, or a bug in it, is in one place for every command at once.

The variants are narrower views of the same rule, never wider ones:

- `include_private=False` leaves your own private entries out too: an export without `--include-private`.
- `only_mine=True` keeps only what you wrote: a share bundle (with `include_private=False`), or the rows
  you may change.

Groups add no rule of their own: a group's entries (rounds, check-ins, the sessions you recorded) are
private unless shared, like every entry. `visible_in_group` is `visible_to` narrowed to one group.

Lives in the store so the search backends, which sit below the domain, compose it too; it knows only
column names, so it serves the SQLModel tables, the light Core tables and the search index alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

# Only `shared` opens an entry to others: private, or any doctored value, keeps it to its author.
from peerlog.tables import SHARED


def _columns(table: Any) -> Any:
    """The columns of a Core table, an alias, or an SQLModel class (through its table)."""
    columns = getattr(table, "c", None)
    return columns if columns is not None else table.__table__.c


def visible_to(
    table: Any, me_id: str, *, include_private: bool = True, only_mine: bool = False
) -> ColumnElement[bool]:
    """The rows of `table` (any table with `author_id` and `visibility`) that the person `me_id` may see.

    By default your own entries, private or not, and everyone's shared ones. `include_private=False`
    keeps shared entries only; `only_mine=True` keeps only your own. Both narrow the default; no
    combination ever admits another person's private entry.
    """
    c = _columns(table)
    mine = c.author_id == me_id
    shared = c.visibility == SHARED
    if only_mine:
        return mine if include_private else and_(mine, shared)
    return or_(mine, shared) if include_private else shared


def visible_in_group(
    table: Any, me_id: str, group_id: str, *, include_private: bool = True
) -> ColumnElement[bool]:
    """The rows of one group (any table with `group_id`, `author_id` and `visibility`) that `me_id` may see:
    exactly `visible_to`, within the group, so a member's private round is never read, counted or shown."""
    return and_(
        _columns(table).group_id == group_id, visible_to(table, me_id, include_private=include_private)
    )
