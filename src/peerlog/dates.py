"""Reading the moments people type (`--at`, `--since`, `--until`) and writing them back.

Accepted: ISO dates and datetimes (``2026-11-21``, ``2026-11-21T18:30``, with or without an offset),
``now``, ``today``, ``yesterday``, and spans back from now such as ``36h``, ``3d``, ``2w``, ``1m``, ``1y``;
and the way people say it: a day (``yesterday``, ``monday``, ``last tuesday``, ``next friday``,
``21 nov``, ``2026-11-21``) with or without a time (``18:00``, ``9am``, ``9:30pm``, ``noon``), or a time
alone for today. A weekday on its own is the latest one (today included); ``last`` is the one before
today, ``next`` the one after. Numbers-only dates such as 03/04 are refused: they read differently in
different countries. A value without an offset is local time. Everything is returned timezone-aware.

One range of moments holds for every way in (flags, imports of peerlog JSON, jrnl and bundles): from
1 January 1900 to 31 December 9998, in UTC. A check-in outside it is refused with a kind message, and a
--since or --until beyond it is read as the range's edge (so `wins --until 9999-12-31` simply means "up to
the end"). The margins are deliberate: the year after the range leaves room for any UTC offset, the week
and month arithmetic of the views (a week's Monday, a year-long trend bucket) and an --until day's end,
none of which may step past Python's last date; before 1900 local time zone rules (mktime) and `%Y`
formatting are not dependable on every platform, and no journal entry is that old.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import Enum

from peerlog.errors import InputError

#: The first and last moments peerlog keeps (see the module's docstring for why these).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
RANGE = "from 1 January 1900 to 31 December 9998"

_SPAN = re.compile(r"^\s*(\d{1,4})\s*(h|d|w|m|y)\s*(?:ago)?\s*$", re.IGNORECASE)
HINT = (
    "Try a date like 2026-11-21, a time like 2026-11-21T18:30, words like 'yesterday 18:00', "
    "'last tuesday' or 'monday 9am', or a span like 3d, 2w or 1m."
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A bare number is no time ("21" could be a day): a time has minutes, am/pm, or is noon or midnight.
_TIME = re.compile(
    r"^(?:at\s+)?(\d{1,2})(?:(?:[:.](\d{2}))\s*(am|pm)?|\s*(am|pm))$|^(?:at\s+)?(noon|midday|midnight)$"
)


class Role(Enum):
    """How a bare day is read: a check-in's moment, the start of a period, or its (inclusive) end."""

    AT = "at"
    SINCE = "since"
    UNTIL = "until"


def local_now() -> datetime:
    return datetime.now().astimezone()


def _local(naive: datetime) -> datetime:
    # astimezone() on a naive value reads it as local time with that day's offset, so DST is right.
    return naive.astimezone()


def _day(d: date, role: Role, now: datetime) -> datetime:
    if role is Role.SINCE:
        return _local(datetime.combine(d, time.min))
    if role is Role.UNTIL:
        # An --until day includes the whole of that day.
        return _local(datetime.combine(d + timedelta(days=1), time.min)) - timedelta(microseconds=1)
    if d == now.date():
        return now
    return _local(datetime.combine(d, time(12, 0)))


def in_range(moment: datetime) -> bool:
    """Whether peerlog keeps this (aware) moment. Comparing aware datetimes never overflows."""
    return EARLIEST <= moment <= LATEST


def clamp(moment: datetime) -> datetime:
    """A query bound moved into the range, so the views' arithmetic around it stays inside the calendar."""
    return max(EARLIEST, min(LATEST, moment))


def parse_when(text: str, role: Role = Role.AT, *, now: datetime | None = None) -> datetime:
    """Turn what someone typed into an aware datetime, or raise a kind `InputError`.

    A check-in's moment (`Role.AT`) outside the range is refused; the start or end of a period is moved
    to the range's nearest edge instead, since "since 1800" and "until 9999" both ask for everything.
    """
    try:
        moment = _parse_when(text, role, now or local_now())
    except (OverflowError, ValueError):
        # Only a moment past the calendar's own ends gets here (a span back beyond year 1, a day at 9999's
        # very end): it is outside the range, on the side the text points at.
        moment = EARLIEST if _SPAN.match(text) or text.strip()[:1] in "0-" else LATEST
        moment = moment - timedelta(microseconds=1) if moment == EARLIEST else moment + timedelta(days=1)
    if role is not Role.AT:
        return clamp(moment)
    if not in_range(moment):
        raise InputError(f"'{text}' is outside the dates peerlog keeps ({RANGE}).", hint=HINT)
    return moment


def _parse_when(text: str, role: Role, now: datetime) -> datetime:
    raw = text.strip()
    word = raw.lower()
    if word == "now":
        return now
    if word == "today":
        return _day(now.date(), role, now)
    if word == "yesterday":
        return _day(now.date() - timedelta(days=1), role, now)
    span = _SPAN.match(raw)
    if span:
        amount, unit = int(span.group(1)), span.group(2).lower()
        if unit in ("m", "y"):
            from dateutil.relativedelta import relativedelta

            delta = relativedelta(months=amount) if unit == "m" else relativedelta(years=amount)
            return now - delta
        hours = {"h": 1, "d": 24, "w": 24 * 7}[unit] * amount
        return now - timedelta(hours=hours)
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
        parsed = datetime.fromisoformat(raw) if day is None else None
    except ValueError:
        return _words(text, role, now)
    if day is not None:
        return _day(day, role, now)
    assert parsed is not None
    return _local(parsed) if parsed.tzinfo is None else parsed


def _words(text: str, role: Role, now: datetime) -> datetime:
    """A day and a time as people type them ("yesterday 18:00", "last tuesday", "monday 9am")."""
    words = text.strip().lower().replace(",", " ").split()
    day, rest = _day_words(words, now)
    if day is None:
        # A month's name, perhaps with a time after it: "21 nov", "nov 21 18:00", "21 november 9am".
        cut = next((k for k in (1, 2) if len(words) > k and _clock(" ".join(words[-k:]))), 0)
        day, rest = _named_date(words[: len(words) - cut], now), words[len(words) - cut :]
    if not rest:
        return _day(day, role, now)
    clock = _clock(" ".join(rest))
    if clock is None:
        raise InputError(f"'{text}' is not a date or time peerlog understands.", hint=HINT)
    return _local(datetime.combine(day, clock))


def _day_words(words: list[str], now: datetime) -> tuple[date | None, list[str]]:
    """The day named by the first words, and the words left for the time; (None, words) when none is."""
    today = now.date()
    first = words[0] if words else ""
    if first in ("today", "tonight"):
        return today, words[1:]
    if first == "yesterday":
        return today - timedelta(days=1), words[1:]
    if first == "tomorrow":
        return today + timedelta(days=1), words[1:]
    which = first if first in ("last", "next", "this") else None
    name = words[1] if which and len(words) > 1 else first
    weekday = next((i for i, full in enumerate(_WEEKDAYS) if len(name) >= 3 and full.startswith(name)), None)
    if weekday is None:
        if _clock(" ".join(words)) is not None:
            return today, words  # a time alone is today's
        if len(words) > 1 and _is_iso_day(first):
            return date.fromisoformat(first), words[1:]
        return None, words
    back = (today.weekday() - weekday) % 7
    if which == "last" and back == 0:
        back = 7
    found = today + timedelta(days=(7 - back) % 7 or 7) if which == "next" else today - timedelta(days=back)
    return found, words[2:] if which else words[1:]


def _is_iso_day(word: str) -> bool:
    try:
        date.fromisoformat(word)
    except ValueError:
        return False
    return len(word) == 10


def _clock(text: str) -> time | None:
    """A time of day: 18:00, 9am, 9:30pm, 7.15, noon, midnight; None when it is not one."""
    found = _TIME.match(text.strip())
    if found is None:
        return None
    hour, minute, half_after_minutes, half_alone, word = found.groups()
    half = half_after_minutes or half_alone
    if word:
        return time(0, 0) if word == "midnight" else time(12, 0)
    hours, minutes = int(hour), int(minute or 0)
    if half:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half == "pm" else 0)
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def _named_date(words: list[str], now: datetime) -> date:
    """A date with a month's name ("21 nov", "november 21 2026"), read by dateutil, loaded only for this."""
    text = " ".join(words)
    problem = InputError(f"'{text}' is not a date or time peerlog understands.", hint=HINT)
    # 03/04 is March in one country and April in another: only a month's name, or ISO, says which.
    if not re.search(r"[a-z]{3}", text) or re.search(r"\d+\s*[/.-]\s*\d+", text):
        raise problem
    from dateutil import parser

    try:
        parsed = parser.parse(text, default=datetime.combine(now.date(), time(12, 0)))
    except (ValueError, OverflowError, parser.ParserError):
        raise problem from None
    if parsed.time() != time(12, 0) or parsed.tzinfo is not None:
        raise problem  # a time is read by peerlog itself, after the day
    found = parsed.date()
    if not re.search(r"\b\d{4}\b", text) and found > now.date():
        # "21 nov" typed in January is the November just gone: journals look back.
        found = found.replace(year=found.year - 1)
    return found


def to_utc(moment: datetime) -> datetime:
    """The form kept in the database: UTC, so ordering and indexes work on any backend."""
    return moment.astimezone(UTC)


def offset_minutes(moment: datetime) -> int:
    offset = moment.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def from_stored(utc: datetime, offset: int) -> datetime:
    """Rebuild the moment as its author saw it: the same instant, in the offset it was recorded with."""
    if utc.tzinfo is None:
        utc = utc.replace(tzinfo=UTC)
    try:
        return utc.astimezone(timezone(timedelta(minutes=offset)))
    except (OverflowError, ValueError):
        # Only a journal changed behind peerlog's back holds a moment at the calendar's very edge (or an
        # offset of a day or more): show it in UTC rather than fail to show the journal at all.
        return utc


# How every view writes a date back: one short form for tables and lists, one long form for headings.
# Day numbers are not zero-padded and the year is always there, so a line read months later still says when.


def short_day(day: date | datetime) -> str:
    """A day in tables and lists, e.g. `Tue 1 Dec 2026`."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def long_day(day: date | datetime) -> str:
    """A day in headings, e.g. `Tuesday 1 December 2026`."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def clock(moment: datetime) -> str:
    """The time of day that goes with either form, e.g. `18:30`."""
    return f"{moment:%H:%M}"
