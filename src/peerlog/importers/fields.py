"""Reading untrusted JSON values one field at a time, naming the exact place of anything wrong.

A problem is reported as `checkins[3].mood: must be a whole number from 1 to 5, not 7`, so people can find
it in their file; the import then stops before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from peerlog import dates, rules
from peerlog.errors import InputError

# The same limits as every other way in (peerlog.rules), so what one journal exports another can import.
MAX_TEXT = rules.TEXT
# A lone "\ud800" escape decodes to half a character, which cannot be stored as UTF-8.
UNPAIRED = "contains an escaped half of a character (\\ud800 to \\udfff) that is not text"


class FileProblem(InputError):
    """Something in an import file that peerlog cannot use, with where it is."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}" if where else what)
        self.where = where
        self.what = what


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, list):
        return "a list"
    return "an object"


def path_of(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def as_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FileProblem(where, f"must be an object with named fields, not {describe(value)}")
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise FileProblem(where, f"must be a list, not {describe(value)}")
    return value


def field(obj: dict[str, Any], key: str, where: str, *, default: Any = ..., nullable: bool = False) -> Any:
    """The raw value of `key`; missing is a problem unless a default is given."""
    if key not in obj:
        if default is ...:
            raise FileProblem(path_of(where, key), "is missing")
        return default
    value = obj[key]
    if value is None and not nullable:
        raise FileProblem(path_of(where, key), "must not be null")
    return value


def text(
    obj: dict[str, Any],
    key: str,
    where: str,
    *,
    nullable: bool = False,
    non_empty: bool = False,
    max_length: int = MAX_TEXT,
    keep: str = rules.LAYOUT,
    default: Any = ...,
) -> str | None:
    value = field(obj, key, where, default=default, nullable=nullable)
    here = path_of(where, key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FileProblem(here, f"must be text, not {describe(value)}")
    if non_empty and not value.strip():
        raise FileProblem(here, "must not be empty")
    problem = rules.text_problem(value, limit=max_length, keep=keep)
    if problem:
        raise FileProblem(here, UNPAIRED if problem == rules.NOT_UTF8 else problem)
    return value


def required_text(obj: dict[str, Any], key: str, where: str, **kw: Any) -> str:
    value = text(obj, key, where, **kw)
    assert value is not None
    return value


def integer(
    obj: dict[str, Any],
    key: str,
    where: str,
    *,
    low: int,
    high: int,
    nullable: bool = False,
    default: Any = ...,
) -> int | None:
    value = field(obj, key, where, default=default, nullable=nullable)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FileProblem(
            path_of(where, key), f"must be a whole number from {low} to {high}, not {describe(value)}"
        )
    return value


def boolean(obj: dict[str, Any], key: str, where: str, *, default: Any = ...) -> bool:
    value = field(obj, key, where, default=default)
    if not isinstance(value, bool):
        raise FileProblem(path_of(where, key), f"must be true or false, not {describe(value)}")
    return value


def one_of(obj: dict[str, Any], key: str, where: str, choices: tuple[str, ...]) -> str:
    value = field(obj, key, where)
    if not isinstance(value, str) or value not in choices:
        allowed = " or ".join(repr(c) for c in choices)
        raise FileProblem(path_of(where, key), f"must be {allowed}, not {describe(value)}")
    return value


def uuid(obj: dict[str, Any], key: str, where: str, *, nullable: bool = False) -> str | None:
    value = field(obj, key, where, nullable=nullable)
    if value is None:
        return None
    try:
        canonical = str(UUID(value)) if isinstance(value, str) else None
    except ValueError:
        canonical = None
    if canonical != value:
        raise FileProblem(
            path_of(where, key),
            f"must be an id like 3f2a9c1b-0c4e-4f7a-9d2b-5e8f1a6c7d90, not {describe(value)}",
        )
    return value


def required_uuid(obj: dict[str, Any], key: str, where: str) -> str:
    value = uuid(obj, key, where)
    assert value is not None
    return value


def moment(
    obj: dict[str, Any],
    key: str,
    where: str,
    *,
    nullable: bool = False,
    default: Any = ...,
    bound: bool = False,
) -> datetime | None:
    """An ISO-8601 date and time with its UTC offset (peerlog never guesses a time zone on import).

    It must lie in the range of moments peerlog keeps (`peerlog.dates`), except the bound of a period
    (`bound`), which is moved to the range's edge as a --since or --until would be.
    """
    value = field(obj, key, where, nullable=nullable, default=default)
    if value is None:
        return None
    here = path_of(where, key)
    if not isinstance(value, str):
        raise FileProblem(here, f"must be an ISO-8601 date and time, not {describe(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FileProblem(
            here,
            f"must be an ISO-8601 date and time such as 2026-11-21T18:30:00+01:00, not {describe(value)}",
        ) from None
    offset = parsed.utcoffset()
    if offset is None:
        raise FileProblem(here, f"must include a UTC offset such as +01:00 ({describe(value)} has none)")
    if offset.total_seconds() % 60:
        raise FileProblem(here, "must have a UTC offset in whole minutes")
    if bound:
        return dates.clamp(parsed)
    if not dates.in_range(parsed):
        raise FileProblem(here, f"is outside the dates peerlog keeps ({dates.RANGE}): {describe(value)}")
    return parsed


def required_moment(obj: dict[str, Any], key: str, where: str) -> datetime:
    value = moment(obj, key, where)
    assert value is not None
    return value
