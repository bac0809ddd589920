"""The moments people type for --at, --since and --until."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from peerlog.dates import Role, from_stored, parse_when, to_utc
from peerlog.errors import InputError

PLUS_TWO = timezone(timedelta(hours=2))
NOW = datetime(2026, 11, 21, 15, 30, tzinfo=PLUS_TWO)


@pytest.fixture(autouse=True)
def _local_timezone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    # Bare dates are read in local time: pin it so the table below means the same everywhere.
    monkeypatch.setenv("TZ", "Etc/GMT-2")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("text", "role", "expected"),
    [
        ("now", Role.AT, NOW),
        ("today", Role.AT, NOW),
        ("today", Role.SINCE, datetime(2026, 11, 21, 0, 0, tzinfo=PLUS_TWO)),
        ("yesterday", Role.SINCE, datetime(2026, 11, 20, 0, 0, tzinfo=PLUS_TWO)),
        ("yesterday", Role.AT, datetime(2026, 11, 20, 12, 0, tzinfo=PLUS_TWO)),
        ("2026-11-02", Role.SINCE, datetime(2026, 11, 2, 0, 0, tzinfo=PLUS_TWO)),
        ("2026-11-02", Role.UNTIL, datetime(2026, 11, 2, 23, 59, 59, 999999, tzinfo=PLUS_TWO)),
        ("2026-11-02T18:30", Role.AT, datetime(2026, 11, 2, 18, 30, tzinfo=PLUS_TWO)),
        ("2026-11-02T18:30+05:30", Role.AT, datetime(2026, 11, 2, 13, 0, tzinfo=UTC)),
        ("3d", Role.SINCE, NOW - timedelta(days=3)),
        ("2w", Role.SINCE, NOW - timedelta(weeks=2)),
        ("36h", Role.AT, NOW - timedelta(hours=36)),
        ("1m", Role.SINCE, datetime(2026, 10, 21, 15, 30, tzinfo=PLUS_TWO)),
        ("1y", Role.SINCE, datetime(2025, 11, 21, 15, 30, tzinfo=PLUS_TWO)),
        (" 3D ", Role.SINCE, NOW - timedelta(days=3)),
        # As people say it (NOW is Saturday 21 November).
        ("yesterday 18:00", Role.AT, datetime(2026, 11, 20, 18, 0, tzinfo=PLUS_TWO)),
        ("Yesterday at 6pm", Role.AT, datetime(2026, 11, 20, 18, 0, tzinfo=PLUS_TWO)),
        ("last tuesday", Role.AT, datetime(2026, 11, 17, 12, 0, tzinfo=PLUS_TWO)),
        ("last tuesday", Role.UNTIL, datetime(2026, 11, 17, 23, 59, 59, 999999, tzinfo=PLUS_TWO)),
        ("monday 9am", Role.AT, datetime(2026, 11, 16, 9, 0, tzinfo=PLUS_TWO)),
        ("mon 9:30pm", Role.SINCE, datetime(2026, 11, 16, 21, 30, tzinfo=PLUS_TWO)),
        ("saturday", Role.AT, NOW),  # a weekday alone is the latest one, today included
        ("last saturday", Role.AT, datetime(2026, 11, 14, 12, 0, tzinfo=PLUS_TWO)),
        ("next monday", Role.AT, datetime(2026, 11, 23, 12, 0, tzinfo=PLUS_TWO)),
        ("9am", Role.AT, datetime(2026, 11, 21, 9, 0, tzinfo=PLUS_TWO)),
        ("noon", Role.AT, datetime(2026, 11, 21, 12, 0, tzinfo=PLUS_TWO)),
        ("2026-11-02 7.15pm", Role.AT, datetime(2026, 11, 2, 19, 15, tzinfo=PLUS_TWO)),
        ("21 nov 2025", Role.AT, datetime(2025, 11, 21, 12, 0, tzinfo=PLUS_TWO)),
        ("nov 2 18:00", Role.AT, datetime(2026, 11, 2, 18, 0, tzinfo=PLUS_TWO)),
        ("25 december", Role.SINCE, datetime(2025, 12, 25, 0, 0, tzinfo=PLUS_TWO)),  # journals look back
    ],
)
def test_moments_people_type_are_understood(text: str, role: Role, expected: datetime) -> None:
    assert parse_when(text, role, now=NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrowish",
        "2026-13-01",
        "3 fortnights",
        "21/11/2026",
        "-3d",
        "03/04",
        "21",
        "13pm",
        "monday 25:00",
    ],
)
def test_unreadable_moments_get_a_kind_error_with_examples(text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_when(text, now=NOW)
    assert "Try a date like 2026-11-21" in str(raised.value)
    assert raised.value.exit_code == 2


def test_a_stored_moment_comes_back_in_the_authors_own_offset() -> None:
    moment = datetime(2026, 3, 1, 9, 15, tzinfo=timezone(timedelta(hours=-5)))
    back = from_stored(to_utc(moment), -300)
    assert back == moment
    assert back.isoformat() == "2026-03-01T09:15:00-05:00"


def test_an_iso_moment_never_loads_the_date_word_parser() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from peerlog.dates import parse_when; parse_when('2026-11-02'); parse_when('yesterday 18:00'); "
        "loaded = 'dateutil.parser' in sys.modules; parse_when('21 nov'); "
        "print(loaded, 'dateutil.parser' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]  # only a month's name needs it
