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
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from peerlog.errors import StoreError
from peerlog.store.sqlite import has_unfolded_log, uri

HEADER = b"SQLite format 3\x00"
#: The tables people recognise, in the order the doctor lists them; a newer peerlog may have more.
COUNTED = ("person", "pair", "checkin", "win", "challenge", "reflection", "answer", "feedback")
#: The first problems `integrity_check` reports are enough to decide what to do; a wrecked file has thousands.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Damage:
    """One place in a journal holding something peerlog cannot read: `checkin.at`, `meta.schema_version`."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where} ({self.problem})"


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
    #: Values peerlog cannot read, missing tables (not counting rows that point nowhere: see above).
    damage: list[Damage] = field(default_factory=list)
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
            result.self_name = row[0] if row and isinstance(row[0], str) else None
        except sqlite3.OperationalError:
            pass  # a newer peerlog may have reshaped the table; the counts above still hold.
    if integrity:
        check = "quick_check" if quick else "integrity_check"
        rows = conn.execute(f"PRAGMA {check}({MAX_PROBLEMS})").fetchall()
        result.integrity = [str(r[0]) for r in rows]
        result.foreign_key_problems = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        result.damage = damage_in(conn, foreign_keys=False)


# ---------------------------------------------------------------- values peerlog cannot read

#: A moment's offset from UTC must stay within a day (Python's `timezone` refuses anything else).
MAX_OFFSET_MINUTES = 24 * 60


def _quote(name: str) -> str:
    # Names come from the file itself, so they are quoted as identifiers, never pasted in as they are.
    return '"' + name.replace('"', '""') + '"'


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def find_damage(
    path: Path, *, foreign_keys: bool = True, required: Mapping[str, Collection[str]] | None = None
) -> list[Damage]:
    """Every place in the journal at `path` holding a value of the wrong kind, a moment that cannot be read,
    a missing table, or a row pointing at one that is not there. Empty when all of it can be read, or when
    the file cannot be opened at all (other checks say why)."""
    try:
        conn = _connect(path, immutable=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            conn = _connect(path, immutable=True)
    except (sqlite3.Error, OSError):
        return []
    try:
        return damage_in(conn, foreign_keys=foreign_keys, required=required)
    except sqlite3.Error:
        return []
    finally:
        conn.close()


def damage_in(
    conn: sqlite3.Connection,
    *,
    foreign_keys: bool = True,
    required: Mapping[str, Collection[str]] | None = None,
) -> list[Damage]:
    """`find_damage` on a connection that is already open (read-only).

    `required` names, per table, the columns peerlog needs filled in. Without it, the file's own description
    of its tables decides, which another tool may have changed (the doctor stays light by not loading one)."""
    tables = [
        str(r[0])
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if r[0] and not str(r[0]).startswith("sqlite_")
    ]
    if "meta" not in tables and not set(COUNTED) & set(tables):
        return []  # not a peerlog journal at all: the doctor says so, and no command reads it
    found: list[Damage] = []
    if "meta" not in tables:
        found.append(Damage("meta", "the table is missing"))
    else:
        rows = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        if not rows:
            found.append(Damage("meta.schema_version", "it is missing"))
        elif not (isinstance(rows[0][0], str) and rows[0][0].isascii() and rows[0][0].isdigit()):
            found.append(Damage("meta.schema_version", f"{rows[0][0]!r} is not a schema number"))
    found += [Damage(table, "the table is missing") for table in COUNTED if table not in tables]
    for table in tables:
        found += _damaged_values(conn, table, (required or {}).get(table, ()))
    if foreign_keys:
        broken: dict[tuple[str, str], int] = {}
        for row in conn.execute("PRAGMA foreign_key_check"):
            broken[(str(row[0]), str(row[2]))] = broken.get((str(row[0]), str(row[2])), 0) + 1
        found += [
            Damage(table, f"{_plural(n, 'row points', 'rows point')} to a {parent} that is not there")
            for (table, parent), n in broken.items()
        ]
    return found


def _damaged_values(conn: sqlite3.Connection, table: str, required: Collection[str]) -> list[Damage]:
    from datetime import datetime

    found: list[Damage] = []
    t = _quote(table)
    for _cid, name, declared, notnull, _default, _pk in conn.execute(f"PRAGMA table_info({t})").fetchall():
        c, kind = _quote(str(name)), str(declared or "").upper()
        missing = f" OR {c} IS NULL" if notnull or name in required else ""
        if "INT" in kind or "BOOL" in kind:
            wrong = f"typeof({c}) NOT IN ('integer', 'null')"
            if "BOOL" in kind:
                wrong += f" OR {c} NOT IN (0, 1)"
            if name == "utc_offset":
                wrong += f" OR abs({c}) >= {MAX_OFFSET_MINUTES}"
        elif any(word in kind for word in ("CHAR", "TEXT", "CLOB", "DATE", "TIME")):
            # Moments are stored as text too.
            wrong = f"typeof({c}) NOT IN ('text', 'null')"
        else:
            continue  # a type peerlog does not declare (a newer peerlog's column, or a search index's)
        bad = int(conn.execute(f"SELECT count(*) FROM {t} WHERE {wrong}{missing}").fetchone()[0])
        if "DATE" in kind or "TIME" in kind:
            # The same reading SQLAlchemy does: a moment stored as text in ISO form.
            for (value,) in conn.execute(f"SELECT {c} FROM {t} WHERE typeof({c}) = 'text'"):
                try:
                    datetime.fromisoformat(value)
                except ValueError:
                    bad += 1
        if bad:
            found.append(Damage(f"{table}.{name}", _plural(bad, "value", "values") + " peerlog cannot read"))
    return found


def damage_error(path: Path, damage: list[Damage], *, saved: str = "; nothing was changed") -> StoreError:
    """The one line a command says when the journal holds something it cannot read."""
    more = len(damage) - 1
    also = f", and {_plural(more, 'other place', 'other places')}" if more else ""
    return StoreError(
        f"The journal at {path} looks damaged in {damage[0]}{also}{saved}.",
        hint="Run `peerlog doctor` to see more, and keep a copy of the file before changing anything.",
    )
