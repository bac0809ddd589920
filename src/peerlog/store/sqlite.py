"""Everything that only SQLite understands lives here, so another backend can replace this one module.

- Connection pragmas: WAL so readers never block the writer; a busy timeout so two terminals can write at
  once; foreign keys on (SQLite leaves them off by default).
- Transactions: pysqlite's own transaction handling delays BEGIN and never wraps DDL, which would make a
  failed migration half-applied. We switch it off and emit BEGIN ourselves (SQLAlchemy's documented recipe),
  using BEGIN IMMEDIATE for writes so concurrent writers queue on the busy timeout instead of failing with
  "database is locked" when a read lock cannot be upgraded.
- Opening exactly the file named (`uri`, `connect`), and reading a journal in a folder that cannot be
  written.
- Online backups, and turning SQLite's error messages into kind ones.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from peerlog.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "peerlog_write"


def uri(path: Path, **params: str) -> str:
    """The `file:` URI of `path` for SQLite, every character of the path escaped.

    Built here and only here: a path pasted into a URI unescaped is cut at `?` or `#` and has its `%XX`
    decoded, which silently opens (and creates) a different file."""
    from urllib.parse import urlencode

    text = Path(os.path.abspath(path)).as_uri()  # percent-encodes all but letters, digits, `/` and `_.-~`
    return f"{text}?{urlencode(params)}" if params else text


def has_unfolded_log(path: Path) -> bool:
    """Whether entries wait in the write-ahead log beside `path`, not yet folded into the file itself."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def connect(
    path: Path, *, read_only: bool = False, timeout: float = BUSY_TIMEOUT_MS / 1000
) -> sqlite3.Connection:
    """Open the journal file at `path` itself: never another file, and never create one (peerlog creates
    journals itself, owner-only).

    `read_only` is for a journal in a folder that cannot be written. SQLite needs a small side file (-shm)
    beside a WAL journal to read it; when that cannot be made, the file is read alone (`immutable`), which
    is complete whenever no write-ahead log is waiting beside it, as after every clean close."""
    if not read_only:
        return sqlite3.connect(uri(path, mode="rw"), uri=True, timeout=timeout, check_same_thread=False)
    conn = sqlite3.connect(uri(path, mode="ro"), uri=True, timeout=timeout, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as error:
        conn.close()
        text = str(error).lower()
        if not ("unable to open" in text or "readonly" in text):
            raise
        if has_unfolded_log(path):
            # Reading the file alone would silently leave out the newest entries.
            folder = Path(os.path.abspath(path)).parent
            raise StoreError(
                f"The newest entries of the journal at {path} wait in {path}-wal, which SQLite can only "
                f"read while the folder {folder} can be written; nothing was changed.",
                hint=f"Make it writable again (`chmod u+wx {folder}`) and try again.",
            ) from None
    return sqlite3.connect(
        uri(path, mode="ro", immutable="1"), uri=True, timeout=timeout, check_same_thread=False
    )


def make_engine(path: Path, *, read_only: bool = False) -> Engine:
    from sqlalchemy import URL, create_engine, event

    # `creator` opens exactly `path` (see `connect`); the URL only tells SQLAlchemy it is a file database.
    engine = create_engine(
        URL.create("sqlite", database=str(path)), creator=lambda: connect(path, read_only=read_only)
    )

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
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def enable_wal(engine: Engine) -> None:
    """Switch a journal to WAL. The mode is kept in the file, so this runs once, when we create or
    upgrade it, and never on someone else's database that we are only looking at."""
    # On the raw connection: SQLAlchemy would wrap the statement in a transaction, where SQLite
    # refuses to change the journal mode.
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None  # only a closed or invalidated connection has none, and this one is new
        driver.execute("PRAGMA journal_mode = WAL")
    finally:
        raw.close()


def create_private_file(path: Path) -> None:
    """Create an empty journal file readable by its owner only."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def backup(source: Path, destination: Path) -> None:
    """Copy a journal consistently, even while another process writes to it (SQLite's online backup API),
    into `destination`, an empty file that already exists (`files.fill_then_place` makes one)."""
    src = connect(source, read_only=True)
    try:
        dst = connect(destination)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def read_only_folder_error(path: Path) -> StoreError:
    folder = Path(os.path.abspath(path)).parent
    return StoreError(
        f"The folder {folder} cannot be written, so nothing could be saved; your journal is unchanged.",
        hint=f"Make it writable again (`chmod u+wx {folder}`), or move the journal to a folder that is.",
    )


def describe_error(error: BaseException, path: Path) -> StoreError:
    """A one-line, kind explanation of a database error, with what to do about it."""
    from peerlog.files import can_write

    text = str(getattr(error, "orig", None) or error).lower()
    refused = "readonly" in text or "read-only" in text or "unable to open" in text
    if refused and path.exists() and not can_write(Path(os.path.abspath(path)).parent):
        # SQLite says "read-only" or "unable to open" alike when the side files cannot be made.
        return read_only_folder_error(path)
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
    if "disk is full" in text or "no space left" in text:
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
