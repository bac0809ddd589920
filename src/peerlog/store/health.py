"""Looking inside a journal file without changing it: the SQLite half of `peerlog doctor`.

Why plain `sqlite3` and not the engine: the doctor has to work on files `Store.open` refuses (not a
database, from a newer peerlog, damaged), and it must never migrate, take the write lock or switch the
journal mode. A read-only URI connection guarantees that; SQLAlchemy is not even imported, so the doctor
starts as fast as `--help`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from peerlog.store.sqlite import has_unfolded_log, uri

HEADER = b"SQLite format 3\x00"
#: The tables people recognise, in the order the doctor lists them; a newer peerlog may have more.
COUNTED = ("person", "pair", "checkin", "win", "challenge", "reflection", "answer", "feedback")
#: The first problems `integrity_check` reports are enough to decide what to do; a wrecked file has thousands.
MAX_PROBLEMS = 20


@dataclass
class FileLook:
    """What SQLite can tell about a journal file. `error` is set when it could not be read at all."""

    is_sqlite: bool
    empty: bool = False
    tables: list[str] = field(default_factory=list)
    version: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    self_name: str | None = None
    journal_mode: str | None = None
    integrity: list[str] = field(default_factory=list)
    foreign_key_problems: int = 0
    # When the folder cannot be written, SQLite cannot make the side files a WAL journal needs to be read
    # safely; the doctor then reads the main file alone and says that the newest entries may be missing.
    read_without_wal: bool = False
    error: str | None = None


def looks_like_sqlite(path: Path) -> tuple[bool, bool]:
    """(is an SQLite file, is empty). An empty file is what an interrupted first `init` leaves behind.

    Only a regular file is read (opened without blocking, so a named pipe cannot make the doctor wait);
    anything else is neither."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False, False
        head = os.read(fd, len(HEADER))
    finally:
        os.close(fd)
    return head == HEADER, head == b""


def _connect(path: Path, *, immutable: bool) -> sqlite3.Connection:
    # mode=ro: SQLite itself refuses every write, so nothing the doctor does can change the journal.
    flags = {"mode": "ro", "immutable": "1"} if immutable else {"mode": "ro"}
    conn = sqlite3.connect(uri(path, **flags), uri=True, timeout=5)
    conn.execute("PRAGMA query_only = ON")
    return conn


def look(path: Path, *, integrity: bool = True, quick: bool = False) -> FileLook:
    """Read what a journal holds: tables, schema version, counts, and SQLite's own integrity check.

    `quick` runs `quick_check`, which skips matching every index against its table: much faster on a
    very large journal, and still finds damaged pages and records."""
    is_sqlite, empty = looks_like_sqlite(path)
    if not is_sqlite:
        return FileLook(is_sqlite=False, empty=empty)
    result = FileLook(is_sqlite=True)
    try:
        conn = _connect(path, immutable=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as error:
            # What SQLite says when it cannot make the side file a WAL journal needs: "unable to open"
            # (no permission to create it) or "readonly" (it may not write the one that is there).
            text = str(error).lower()
            if "unable to open" not in text and "readonly" not in text:
                raise
            conn.close()
            conn = _connect(path, immutable=True)
            # After a clean close the log is folded into the file and gone: then nothing was left out.
            result.read_without_wal = has_unfolded_log(path)
    except sqlite3.Error as error:
        result.error = str(error)
        return result
    try:
        _read(conn, result, integrity=integrity, quick=quick)
    except sqlite3.Error as error:
        result.error = str(error)
    finally:
        conn.close()
    return result


def _read(conn: sqlite3.Connection, result: FileLook, *, integrity: bool, quick: bool) -> None:
    result.journal_mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    result.tables = sorted(
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") if r[0]
    )
    if "meta" in result.tables:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and str(row[0]).isdigit():
            result.version = int(row[0])
    for table in COUNTED:
        if table in result.tables:
            # Table names come from the fixed tuple above, never from the file.
            result.counts[table] = int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
    if "person" in result.tables:
        try:
            row = conn.execute("SELECT name FROM person WHERE is_self = 1 LIMIT 1").fetchone()
            result.self_name = row[0] if row else None
        except sqlite3.OperationalError:
            pass  # a newer peerlog may have reshaped the table; the counts above still hold.
    if integrity:
        check = "quick_check" if quick else "integrity_check"
        rows = conn.execute(f"PRAGMA {check}({MAX_PROBLEMS})").fetchall()
        result.integrity = [str(r[0]) for r in rows]
        result.foreign_key_problems = len(conn.execute("PRAGMA foreign_key_check").fetchall())
