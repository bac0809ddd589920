"""Opening a journal: the engine, sessions, and migrations on open.

Nothing here runs at import time. `Store.open` is called by the first command that needs the database, so
`peerlog --help` never loads SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from peerlog.errors import NotInitialisedError, PeerlogError, StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

INIT_HINT = 'Run `peerlog init --name "Your name"` to start your journal.'


class Store:
    """One open journal file."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self.engine = engine
        self.path = path
        #: Whether a write of this store has committed. The CLI reads it to say truthfully, after a Ctrl-C,
        #: whether what was asked for is in the journal.
        self.saved = False

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> Store:
        """Open the journal at `path`, creating it (owner-only) when `create` is set, and migrate it."""
        from peerlog.store import migrations, sqlite

        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a journal file.", hint="Point --db at a file.")
        if not path.exists():
            if not create:
                raise NotInitialisedError(f"There is no journal at {path} yet.", hint=INIT_HINT)
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                # Another peerlog may have created it a moment ago: then open it as it is.
                with suppress(FileExistsError):
                    sqlite.create_private_file(path)
            except OSError as error:
                raise StoreError(
                    f"peerlog could not create a journal at {path}: {error.strerror or error}.",
                    hint="Choose a folder you may write to (PEERLOG_HOME or --db).",
                ) from None
        engine = sqlite.make_engine(path)
        store = cls(engine, path)
        try:
            with store.translate_errors():
                migrations.ensure_current(engine, path, backup=sqlite.backup)
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
        except PeerlogError:
            raise
        except (exc.OperationalError, exc.DatabaseError) as error:
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


def required_columns() -> dict[str, set[str]]:
    """For each table, the columns peerlog needs filled in, as the models declare them (the journal file's own
    description may have been changed by another tool). Loads the models: for finding damage, not every day."""
    from sqlmodel import SQLModel

    import peerlog.models  # noqa: F401  (declares the tables)

    return {t.name: {c.name for c in t.columns if not c.nullable} for t in SQLModel.metadata.tables.values()}
