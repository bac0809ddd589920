"""Everything that only SQLite understands lives here, so another backend can replace this one module.

- Connection pragmas: WAL so readers never block the writer; a busy timeout so two terminals can write at
  once; foreign keys on (SQLite leaves them off by default).
- Transactions: pysqlite's own transaction handling delays BEGIN and never wraps DDL, which would make a
  failed migration half-applied. We switch it off and emit BEGIN ourselves (SQLAlchemy's documented recipe),
  using BEGIN IMMEDIATE for writes so concurrent writers queue on the busy timeout instead of failing with
  "database is locked" when a read lock cannot be upgraded.
- Online backups, and turning SQLite's error messages into kind ones.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from peerlog.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "peerlog_write"


def make_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            # NORMAL in WAL mode survives a crashed or killed process; only a power cut can lose the last commit.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: object) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION)  # type: ignore[attr-defined]
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")  # type: ignore[attr-defined]

    return engine


def enable_wal(engine: Engine) -> None:
    """Switch a journal to WAL. The mode is kept in the file, so this runs once, when we create or
    upgrade it, and never on someone else's database that we are only looking at."""
    # On the raw connection: SQLAlchemy would wrap the statement in a transaction, where SQLite
    # refuses to change the journal mode.
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode = WAL")  # type: ignore[union-attr]
    finally:
        raw.close()


def create_private_file(path: Path) -> None:
    """Create an empty journal file readable by its owner only."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def backup(source: Path, destination: Path) -> None:
    """Copy a journal consistently, even while another process writes to it (SQLite's online backup API)."""
    fd = os.open(destination, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            dst = sqlite3.connect(destination)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def describe_error(error: BaseException, path: Path) -> StoreError:
    """A one-line, kind explanation of a database error, with what to do about it."""
    text = str(getattr(error, "orig", None) or error).lower()
    if "file is not a database" in text or "file is encrypted" in text:
        return StoreError(
            f"{path} is not a peerlog journal (it is not an SQLite database); nothing was changed.",
            hint="Check --db or PEERLOG_DB, or leave them out to use your usual journal.",
        )
    if "locked" in text or "busy" in text:
        return StoreError(
            "The journal is busy in another peerlog window; nothing was saved.",
            hint="Please try again in a moment.",
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"The journal at {path} is read-only, so nothing could be saved.",
            hint="Check the file's permissions, or point --db at a copy you can write.",
        )
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(
            "The disk is full, so nothing was saved; your journal is unchanged.",
            hint="Free some space and try again.",
        )
    if "disk i/o error" in text:
        # What a write refused by the file system looks like (a full disk or quota, a file size limit).
        return StoreError(
            "peerlog could not write to the disk (it may be full), so nothing was saved; your journal is "
            "unchanged.",
            hint="Free some space and try again; `peerlog doctor` checks the journal.",
        )
    if "unable to open" in text:
        return StoreError(
            f"peerlog could not open the journal at {path}.",
            hint="Check that the folder exists and that you may write to it.",
        )
    if "malformed" in text or "corrupt" in text:
        return StoreError(
            f"The journal at {path} looks damaged; nothing was changed.",
            hint="Run `peerlog doctor`, or restore your latest backup.",
        )
    if any(
        sign in text for sign in ("no such table", "no such column", "has no column named", "already exists")
    ):
        # Tables or columns missing, or a schema version that does not match the tables: the file was changed
        # by something other than this peerlog.
        return StoreError(
            f"The journal at {path} looks damaged ({getattr(error, 'orig', error)}); nothing was changed.",
            hint="Run `peerlog doctor` to see more, and keep a copy of the file before changing anything.",
        )
    return StoreError(f"The journal at {path} could not be used: {getattr(error, 'orig', error)}.")
