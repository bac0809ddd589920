"""Opening a journal: the engine, sessions, and migrations on open.

Nothing here runs at import time. `Store.open` is called by the first command that needs the database, so
`peerlog --help` never loads SQLAlchemy.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from peerlog.errors import INIT_HINT, NotInitialisedError, PeerlogError, StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session


class Store:
    """One open journal file."""

    def __init__(self, engine: Engine, path: Path, *, read_only: StoreError | None = None) -> None:
        self.engine = engine
        self.path = path
        #: Why nothing can be saved (the journal's folder cannot be written); None when writes may work.
        self.read_only = read_only
        #: Whether a write of this store has committed. The CLI reads it to say truthfully, after a Ctrl-C,
        #: whether what was asked for is in the journal.
        self.saved = False

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Store:
        """Open the journal at `path`, creating it (owner-only) when `create` is set, and migrate it.

        A journal whose folder cannot be written opens for reading only: every view works, and saving
        says why it cannot."""
        from peerlog.files import can_write
        from peerlog.store import migrations, sqlite

        _check_name_length(path)
        if not _is_journal_file(path):
            if not create:
                raise NotInitialisedError(f"There is no journal at {path} yet.", hint=INIT_HINT)
            _create(path)
        read_only = (
            None if can_write(Path(os.path.abspath(path)).parent) else sqlite.read_only_folder_error(path)
        )
        engine = sqlite.make_engine(path) if read_only is None else sqlite.make_engine(path, read_only=True)
        store = cls(engine, path, read_only=read_only)
        try:
            with store.translate_errors():
                start = migrations.ensure_current(
                    engine, path, backup=sqlite.backup, cannot_write=lambda: _why_not_writable(path)
                )
                if 0 < start < migrations.KEYS_FROM:
                    _give_key(engine, path)
        except BaseException:
            engine.dispose()
            raise
        return store

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Turn driver errors into kind `StoreError`s; the domain's own errors pass through."""
        from sqlalchemy import exc

        from peerlog.store import sqlite

        try:
            yield
        except (PeerlogError, BrokenPipeError):
            # A closed pipe is the reader of the output going away (`export | head`), not the journal failing.
            raise
        except (exc.OperationalError, exc.DatabaseError, sqlite3.Error) as error:
            raise sqlite.describe_error(error, self.path) from None
        except OSError as error:
            raise sqlite.describe_error(error, self.path) from None

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work: committed when the block ends cleanly, rolled back on any error.

        Write sessions take the write lock at BEGIN, so concurrent writers wait their turn instead of failing.
        """
        from sqlmodel import Session

        from peerlog import interrupts
        from peerlog.store.sqlite import WRITE_OPTION

        if write and self.read_only is not None:
            raise self.read_only
        bind = self.engine.execution_options(**{WRITE_OPTION: True}) if write else self.engine
        with self.translate_errors(), Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                if write:
                    # A Ctrl-C waits until the commit and its record are both done (see `interrupts`).
                    with interrupts.held():
                        session.commit()
                        self.saved = True
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def _give_key(engine: Engine, path: Path) -> None:
    """A journal from before keys existed gets its key with the upgrade that made room for it, and your
    own row holds its code. Only here and in `init`, so everyday commands never load the crypto library."""
    from sqlalchemy import text

    from peerlog import identity

    try:
        code = identity.ensure_identity(path).public.code
    except PeerlogError:
        # The upgrade itself is done; a key that cannot be made now is made when a command needs it, and
        # that command says why it cannot (so does `peerlog doctor`).
        return
    from peerlog.store.sqlite import WRITE_OPTION

    with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn, conn.begin():
        conn.execute(
            text("UPDATE person SET public_key = :code WHERE is_self AND public_key IS NULL"), {"code": code}
        )


def _is_journal_file(path: Path) -> bool:
    """True when `path` is a regular file to open; False when there is nothing there yet. Anything else
    (a folder, a pipe, a device, a link to nowhere) is refused in one line, before SQLite touches it."""
    try:
        found = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        if path.is_symlink():
            raise StoreError(
                f"{path} is a link to {os.readlink(path)}, which does not exist.",
                hint="Point --db at the journal file itself.",
            ) from None
        return False
    except OSError as error:
        raise StoreError(
            f"peerlog cannot use {path}: {error.strerror or error}.",
            hint="Check --db or PEERLOG_DB, or leave them out to use your usual journal.",
        ) from None
    if stat.S_ISDIR(found.st_mode):
        raise StoreError(f"{path} is a folder, not a journal file.", hint="Point --db at a file.")
    if not stat.S_ISREG(found.st_mode):
        from peerlog.files import kind_of

        raise StoreError(
            f"{path} is not a journal file: it is {kind_of(found.st_mode)}; nothing was changed.",
            hint="Point --db at the journal file itself, or leave it out to use your usual journal.",
        )
    from peerlog.store.health import looks_like_sqlite

    try:
        is_sqlite, empty = looks_like_sqlite(path)
    except OSError as error:
        raise StoreError(
            f"peerlog cannot read {path}: {error.strerror or error}.",
            hint="Check that this file belongs to you and that you may read it.",
        ) from None
    if not is_sqlite and not empty:
        raise StoreError(
            f"{path} is not a peerlog journal (it is not an SQLite database); nothing was changed.",
            hint="Check --db or PEERLOG_DB, or leave them out to use your usual journal.",
        )
    return True


#: SQLite's working files beside the journal are named after it and up to eight bytes longer (`-journal`
#: while a new journal is switched to WAL, then `-wal` and `-shm`).
SIDE_SUFFIX_BYTES = len("-journal")


def _check_name_length(path: Path) -> None:
    """A name the file system takes but SQLite's working files beside it would not: refused up front, before
    an empty journal is left behind by a first `init` that cannot finish."""
    folder = Path(os.path.abspath(path)).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    if len(os.fsencode(path.name)) + SIDE_SUFFIX_BYTES > limit:
        raise StoreError(
            f"The journal's file name is too long ({len(os.fsencode(path.name))} bytes): SQLite keeps working "
            f"files beside it named after it and {SIDE_SUFFIX_BYTES} bytes longer, and this folder allows "
            f"{limit}.",
            hint="Choose a shorter name with --db or PEERLOG_DB.",
        )


def _create(path: Path) -> None:
    from peerlog.files import make_private_folder
    from peerlog.store import sqlite

    try:
        make_private_folder(path.parent)
        # Another peerlog may have created it a moment ago: then open it as it is.
        with suppress(FileExistsError):
            sqlite.create_private_file(path)
    except OSError as error:
        raise StoreError(
            f"peerlog could not create a journal at {path}: {error.strerror or error}.",
            hint="Choose a folder you may write to (PEERLOG_HOME or --db).",
        ) from None
    _is_journal_file(path)  # what now stands there, if another program won the race


def _why_not_writable(path: Path) -> str | None:
    """Why the journal cannot be changed, in words that fit "…, but <reason>"; None when it can."""
    from peerlog.files import can_write

    folder = Path(os.path.abspath(path)).parent
    if not can_write(folder):
        return f"its folder {folder} cannot be written (`chmod u+wx {folder}` makes it writable again)"
    if not can_write(path):
        return f"the file is read-only (`chmod u+w {path}` makes it writable again)"
    return None


def required_columns() -> dict[str, set[str]]:
    """For each table, the columns peerlog needs filled in, as the models declare them (the journal file's own
    description may have been changed by another tool). Loads the models: for finding damage, not every day."""
    from sqlmodel import SQLModel

    import peerlog.models  # noqa: F401  (declares the tables)

    return {t.name: {c.name for c in t.columns if not c.nullable} for t in SQLModel.metadata.tables.values()}
