"""One range of moments, from 1 January 1900 to 31 December 9998 (UTC), for every way in and every view.

A check-in outside it is refused kindly, whether typed or imported; a --since or --until beyond it reads as
"from the start" or "up to the end"; and every view stays whole at the range's edges, even for a journal
changed behind peerlog's back to hold the calendar's very first and last moments.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from peerlog.dates import EARLIEST, LATEST
from support import Invoke

WIDE = ["--since", "0001-01-01", "--until", "9999-12-31"]


def _views(checkin_id: str) -> list[list[str]]:
    return [
        ["log", *WIDE],
        ["log", "--json"],
        ["show", checkin_id],
        ["wins", *WIDE],
        ["wins", "--until", "9999-12-31"],
        ["wins", "--since", "9999y"],
        ["summary", "--since", "0001-01-01"],
        ["summary", "--pair", "sam", "--since", "1800-01-01"],
        ["search", "edge"],
        ["challenge", "list"],
        ["reflections", *WIDE],
        ["export"],
        ["export", "--include-private"],
        ["export", "--include-private", *WIDE],
        ["export", "--format", "json", "--include-private"],
    ]


@pytest.mark.parametrize(
    "moment", ["0001-01-01", "0001-01-01T00:00+14:00", "1899-12-31", "9999-12-31", "9999-12-31T23:59-14:00"]
)
def test_a_check_in_outside_the_range_is_refused_with_the_range_named(journal: Invoke, moment: str) -> None:
    result = journal("checkin", "--note", "edge", "--at", moment, "--future")
    assert result.exit_code == 2
    assert "outside the dates peerlog keeps (from 1 January 1900 to 31 December 9998)" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the message and its hint, never a traceback


@pytest.mark.parametrize("moment", ["1900-01-01T12:00+00:00", "9998-12-31T12:00+00:00", "1900-01-02"])
def test_check_ins_at_the_edges_of_the_range_are_kept_and_every_view_shows_them(
    journal: Invoke, moment: str
) -> None:
    made = journal(
        "checkin",
        "--pair",
        "sam",
        "--note",
        "edge",
        "--win",
        "edge win",
        "--at",
        moment,
        "--shared",
        "--future",
    )
    assert made.exit_code == 0, made.output
    checkin_id = made.stdout.split()[2]
    for argv in _views(checkin_id):
        result = journal(*argv)
        assert result.exit_code == 0, (argv, result.output)
    assert "edge win" in journal("wins", "--since", "1900-01-01", "--until", "9999-12-31").stdout


def test_wins_until_the_last_day_of_the_calendar_means_up_to_the_end(journal: Invoke) -> None:
    assert journal("checkin", "--win", "Asked for help").exit_code == 0
    result = journal("wins", "--until", "9999-12-31")
    assert result.exit_code == 0, result.output
    assert "to Thu 31 Dec 9998" in result.stdout  # the last weeks peerlog keeps: nothing there, and no error
    assert "Asked for help" in journal("wins", "--since", "1w", "--until", "9999-12-31").stdout
    assert journal("log", "--since", "0001-01-01", "--json").exit_code == 0


def _doctor_moments(db: Path) -> None:
    """Move check-ins to the calendar's first and last moments, with offsets, as sqlite3 could."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id FROM checkin ORDER BY created_at").fetchall()
        edges = [("9999-12-31 23:59:59.999999", 840), ("0001-01-01 00:00:00.000000", -840)]
        for (row_id,), (at, offset) in zip(rows, edges, strict=False):
            conn.execute("UPDATE checkin SET at = ?, utc_offset = ? WHERE id = ?", (at, offset, row_id))
    conn.close()


def test_a_journal_holding_the_calendars_very_edges_still_shows_and_exports(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    for note in ("last edge", "first edge"):
        assert journal("checkin", "--pair", "sam", "--note", note, "--win", note, "--shared").exit_code == 0
    _doctor_moments(home / "peerlog.db")
    checkin_id = json.loads(journal("log", "--json").stdout)[0]["id"][:8]
    for argv in _views(checkin_id):
        result = journal(*argv)
        assert result.exit_code == 0, (argv, result.output)
    markdown = journal("export", "--include-private").stdout
    assert "last edge" in markdown and "first edge" in markdown
    # Its export names moments outside the range: another journal refuses it in one kind line.
    out = tmp_path / "edges.json"
    assert journal("export", "--format", "json", "--include-private", "--output", str(out)).exit_code == 0
    fresh = journal("restore", str(out), env={"PEERLOG_HOME": str(tmp_path / "fresh")})
    assert fresh.exit_code == 2
    assert "outside the dates peerlog keeps" in fresh.stderr
    assert "Traceback" not in fresh.output


@pytest.mark.parametrize(
    "edge", ["9999-12-31T23:59:00-14:00", "0001-01-01T00:00:00+14:00", "1899-12-31T12:00:00+00:00"]
)
def test_an_import_with_a_moment_outside_the_range_is_refused_and_names_where(
    journal: Invoke, tmp_path: Path, edge: str
) -> None:
    assert journal("checkin", "--note", "soon moved").exit_code == 0
    out = tmp_path / "mine.json"
    assert journal("export", "--format", "json", "--include-private", "--output", str(out)).exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["checkins"][0]["at"] = edge
    out.write_text(json.dumps(doc), encoding="utf-8")
    result = journal("restore", str(out), env={"PEERLOG_HOME": str(tmp_path / "fresh")})
    assert result.exit_code == 2
    assert "checkins[0].at: is outside the dates peerlog keeps" in result.stderr


@pytest.mark.parametrize(
    ("day", "time"), [("9999-12-31", "23:59"), ("0001-01-01", "00:00"), ("1899-06-01", "12:00")]
)
def test_a_jrnl_entry_outside_the_range_is_refused_kindly(
    journal: Invoke, tmp_path: Path, day: str, time: str
) -> None:
    path = tmp_path / "jrnl.json"
    path.write_text(json.dumps({"entries": [{"title": "Old", "body": "", "date": day, "time": time}]}))
    result = journal("import", "--from", "jrnl", str(path))
    assert result.exit_code == 2
    assert "entries[0].date: is outside the dates peerlog keeps" in result.stderr


OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
NEAR_EDGES = st.one_of(
    st.datetimes(min_value=datetime(1899, 12, 30), max_value=datetime(1900, 1, 3), timezones=OFFSETS),
    st.datetimes(min_value=datetime(9998, 12, 29), max_value=datetime(9999, 1, 2), timezones=OFFSETS),
)


def test_moments_around_the_range_edges_are_kept_or_refused_and_every_view_survives(
    journal: Invoke, tmp_path: Path
) -> None:
    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(moment=NEAR_EDGES)
    @example(moment=EARLIEST)
    @example(moment=LATEST)
    @example(moment=EARLIEST - timedelta(microseconds=1))
    @example(moment=datetime(9998, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))))
    @example(moment=datetime(1900, 1, 1, 0, 1, tzinfo=timezone(timedelta(hours=14))))
    def check(moment: datetime) -> None:
        inside = EARLIEST <= moment.astimezone(UTC) <= LATEST
        made = journal(
            "checkin",
            "--pair",
            "sam",
            "--note",
            "edge",
            "--win",
            "w",
            "--at",
            moment.isoformat(),
            "--shared",
            "--future",
        )
        assert made.exit_code == (0 if inside else 2), made.output
        for argv in (
            ["export", "--include-private"],
            ["wins", *WIDE],
            ["summary", "--pair", "sam", "--since", "0001-01-01"],
            ["log", "--until", "9999-12-31", "--limit", "3"],
            ["search", "edge"],
        ):
            result = journal(*argv)
            assert result.exit_code == 0, (argv, result.output)
        if inside:
            # What peerlog accepted, its own export carries into a fresh journal.
            out = tmp_path / "round.json"
            assert (
                journal(
                    "export", "--format", "json", "--include-private", "--output", str(out), "--force"
                ).exit_code
                == 0
            )
            fresh = tmp_path / f"fresh-{moment.timestamp():.0f}"
            imported = journal("restore", "--yes", str(out), env={"PEERLOG_HOME": str(fresh)})
            assert imported.exit_code == 0, imported.output

    check()


def test_a_files_period_reaching_past_the_range_is_read_as_from_the_start(
    journal: Invoke, tmp_path: Path
) -> None:
    assert journal("checkin", "--note", "kept").exit_code == 0
    out = tmp_path / "mine.json"
    exported = journal(
        "export", "--format", "json", "--include-private", "--since", "0001-01-01", "--output", str(out)
    )
    assert exported.exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["scope"]["since"].startswith("1900-01-01")
    # An older peerlog wrote the period as typed; it describes the file, so it is read, not refused.
    doc["scope"]["since"], doc["scope"]["until"] = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:00-14:00"
    out.write_text(json.dumps(doc), encoding="utf-8")
    imported = journal("restore", str(out), env={"PEERLOG_HOME": str(tmp_path / "fresh")})
    assert imported.exit_code == 0, imported.output
