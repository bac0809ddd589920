"""Schema migrations: an ordered, named list applied when a journal is opened.

Why this shape: a journal is one user's file, opened by a short-lived CLI. An ordered list in code (as
simonw/llm keeps) is easy to read and review, and the version lives in the journal's own `meta` table.
The DDL itself goes through Alembic's `Operations`, used programmatically without a script folder, so it
stays portable (its batch mode copes with SQLite's limited ALTER TABLE). Alembic is imported only when a
migration has to run; opening a current journal costs one SELECT.

All pending migrations run in one transaction (SQLite has transactional DDL once pysqlite stops managing
transactions, see `sqlite.py`), so a failure leaves the old schema intact. The file is backed up first.

Never edit a migration that has shipped: add a new one. `tests/test_migrations.py` checks that migrating
from nothing gives exactly the schema `models.py` describes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peerlog.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

VERSION_KEY = "schema_version"


def _0001_initial(op: Any) -> None:
    import sqlalchemy as sa

    def id_column(name: str = "id", **kw: Any) -> sa.Column:
        return sa.Column(name, sa.String(36), primary_key=True, nullable=False, **kw)

    def ref(name: str, target: str, *, nullable: bool = False, cascade: bool = False) -> sa.Column:
        fk = sa.ForeignKey(f"{target}.id", ondelete="CASCADE" if cascade else None)
        return sa.Column(name, sa.String(36), fk, nullable=nullable)

    def stamp(name: str, *, nullable: bool = False) -> sa.Column:
        return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)

    op.create_table(
        "meta",
        sa.Column("key", sa.String(200), primary_key=True, nullable=False),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_table(
        "person",
        id_column(),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("is_self", sa.Boolean(), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
    )
    op.create_index("ix_person_name_key", "person", ["name_key"])
    op.create_table(
        "pair",
        id_column(),
        ref("person_a_id", "person"),
        ref("person_b_id", "person"),
        sa.Column("agreement", sa.String(), nullable=True),
        stamp("started_at"),
        stamp("ended_at", nullable=True),
        stamp("created_at"),
        stamp("updated_at"),
        sa.UniqueConstraint("person_a_id", "person_b_id", name="uq_pair_people"),
    )
    op.create_index("ix_pair_person_a_id", "pair", ["person_a_id"])
    op.create_index("ix_pair_person_b_id", "pair", ["person_b_id"])
    op.create_table(
        "checkin",
        id_column(),
        ref("author_id", "person"),
        ref("pair_id", "pair", nullable=True),
        stamp("at"),
        sa.Column("utc_offset", sa.Integer(), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
    )
    op.create_index("ix_checkin_at", "checkin", ["at"])
    op.create_index("ix_checkin_pair_at", "checkin", ["pair_id", "at"])
    op.create_index("ix_checkin_author_at", "checkin", ["author_id", "at"])
    op.create_table(
        "win",
        id_column(),
        ref("checkin_id", "checkin", cascade=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
    )
    op.create_index("ix_win_checkin_id", "win", ["checkin_id"])
    op.create_table(
        "challenge",
        id_column(),
        ref("checkin_id", "checkin", cascade=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        stamp("overcome_at", nullable=True),
        sa.Column("overcome_note", sa.String(), nullable=True),
    )
    op.create_index("ix_challenge_checkin_id", "challenge", ["checkin_id"])
    op.create_index("ix_challenge_overcome_at", "challenge", ["overcome_at"])
    op.create_table(
        "checkin_tag",
        ref("checkin_id", "checkin", cascade=True),
        sa.Column("tag", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("checkin_id", "tag"),
    )
    op.create_index("ix_checkin_tag_tag", "checkin_tag", ["tag"])
    op.create_table(
        "reflection",
        id_column(),
        ref("author_id", "person"),
        ref("pair_id", "pair", nullable=True),
        sa.Column("pack_name", sa.String(), nullable=False),
        sa.Column("pack_title", sa.String(), nullable=False),
        stamp("at"),
        sa.Column("utc_offset", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
    )
    op.create_index("ix_reflection_author_id", "reflection", ["author_id"])
    op.create_index("ix_reflection_at", "reflection", ["at"])
    op.create_index("ix_reflection_pair_at", "reflection", ["pair_id", "at"])
    op.create_table(
        "answer",
        id_column(),
        ref("reflection_id", "reflection", cascade=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.String(), nullable=False),
        sa.Column("prompt_text", sa.String(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_index("ix_answer_reflection_id", "answer", ["reflection_id"])
    op.create_table(
        "feedback",
        id_column(),
        ref("pair_id", "pair"),
        ref("author_id", "person"),
        ref("recipient_id", "person"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        stamp("at"),
        sa.Column("utc_offset", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
    )
    op.create_index("ix_feedback_author_id", "feedback", ["author_id"])
    op.create_index("ix_feedback_recipient_id", "feedback", ["recipient_id"])
    op.create_index("ix_feedback_at", "feedback", ["at"])
    op.create_index("ix_feedback_pair_at", "feedback", ["pair_id", "at"])
    op.create_table(
        "link",
        sa.Column("foreign_id", sa.String(36), primary_key=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("local_id", sa.String(36), nullable=False),
        stamp("created_at"),
    )
    op.create_index("ix_link_local_id", "link", ["local_id"])


def _0002_search_index(op: Any) -> None:
    """Full-text search over notes, wins, challenges, answers and feedback (SQLite's FTS5).

    SQLite only: another backend searches its own way (see `peerlog.search`), so there this step does
    nothing but still counts, and every journal has the same version number. An SQLite built without FTS5
    gets no index either, and search falls back to the portable (slower) matching.

    Every table it makes is named `search_index*` (the FTS5 table, its shadow tables, and the document
    table with its indexes): `tests/test_migrations.py` leaves virtual tables and tables named after them
    out of its comparison with `models.py`, since no model describes them.
    """
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    from peerlog.store import search_sqlite

    if search_sqlite.fts5_available(conn.exec_driver_sql):
        search_sqlite.create(conn.exec_driver_sql)


def _0003_search_tally(op: Any) -> None:
    """Running counts of check-ins, wins, overcome challenges and appreciation, kept by triggers, so "how
    far you've come" costs the same at year five as at day one (see `search_sqlite.TALLY`).

    SQLite only, and only where 0002 made the search index: its document table is what is counted. The
    table is named `search_index_tally`, so the schema comparison with `models.py` leaves it out.
    """
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    from peerlog.store import search_sqlite

    if search_sqlite.table_exists(conn.exec_driver_sql, search_sqlite.DOC):
        search_sqlite.create_tally(conn.exec_driver_sql)


def _0004_versions(op: Any) -> None:
    """A `version` on people, pairs, check-ins, reflections and feedback: 1 for every row there is, one more
    at each change by its author. Merging compares versions, never two machines' clocks."""
    for table in ("person", "pair", "checkin", "reflection", "feedback"):
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN version INTEGER NOT NULL DEFAULT 1')


#: The migrations, oldest first. A journal at version N has had the first N applied.
MIGRATIONS: list[tuple[str, Callable[[Any], None]]] = [
    ("0001_initial", _0001_initial),
    ("0002_search_index", _0002_search_index),
    ("0003_search_tally", _0003_search_tally),
    ("0004_versions", _0004_versions),
]
LATEST = len(MIGRATIONS)


def read_version(conn: Connection) -> int | None:
    """The journal's schema version, or None when the file holds no peerlog tables at all."""
    from sqlalchemy import exc, text

    try:
        with conn.begin_nested() if conn.in_transaction() else conn.begin():
            row = conn.execute(text("SELECT value FROM meta WHERE key = :key"), {"key": VERSION_KEY}).first()
    except exc.OperationalError as error:
        if "no such table" not in str(error).lower():
            raise
        return None
    if row is None:
        return None
    value = row[0]
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        # Only a damaged or hand-edited file holds anything else here; guessing a version could migrate it wrongly.
        raise StoreError(
            f"The journal looks damaged in meta.schema_version ({value!r} is not a schema number); nothing "
            "was changed.",
            hint="Run `peerlog doctor` to see more, and keep a copy of the file before changing anything.",
        )
    return int(value)


def _table_names(conn: Connection) -> list[str]:
    from sqlalchemy import inspect

    return list(inspect(conn).get_table_names())


def _has_tables(conn: Connection) -> bool:
    return bool(_table_names(conn))


def ensure_current(
    engine: Engine,
    path: Path,
    *,
    backup: Callable[[Path, Path], None] | None = None,
    cannot_write: Callable[[], str | None] | None = None,
) -> int:
    """Bring the journal to the latest schema, backing it up first. Returns the version it had.

    `cannot_write` says why the journal cannot be changed (or None): an upgrade that cannot be saved is
    refused before anything, the backup included, is written."""
    from peerlog.store.sqlite import WRITE_OPTION

    with engine.connect() as conn:
        version = read_version(conn)
    if version == LATEST:
        return version
    if version is None:
        with engine.connect() as conn:
            # Another peerlog may have created this journal since we looked: the tables it committed come
            # with their version (one transaction), so read the version again before calling it foreign.
            if _has_tables(conn) and (version := read_version(conn)) is None:
                if {"person", "checkin"} <= set(_table_names(conn)):
                    raise StoreError(
                        f"The journal at {path} looks damaged in meta.schema_version (it is missing); nothing "
                        "was changed.",
                        hint="Run `peerlog doctor` to see more, and keep a copy of the file before changing anything.",
                    )
                raise StoreError(
                    f"{path} is an SQLite database but not a peerlog journal; nothing was changed.",
                    hint="Check --db or PEERLOG_DB, or leave them out to use your usual journal.",
                )
        if version == LATEST:
            return version
        version = version or 0
    if version > LATEST:
        raise StoreError(
            f"This journal was written by a newer peerlog (schema {version}; this one knows {LATEST}).",
            hint="Please upgrade peerlog to open it; nothing was changed.",
        )
    if cannot_write is not None and (reason := cannot_write()) is not None:
        if version == 0:
            raise StoreError(f"The journal at {path} was never set up, and it cannot be: {reason}.")
        raise StoreError(
            f"The journal at {path} needs a one-time upgrade for this peerlog, but {reason}; nothing was "
            "changed."
        )
    return _migrate(engine.execution_options(**{WRITE_OPTION: True}), path, backup)


def _backup_path(path: Path, version: int) -> Path | None:
    """Where the copy taken before upgrading from `version` goes: one name per schema step, so attempts
    that fail, or several peerlogs upgrading at once, leave one copy. None when that copy already exists."""
    candidate = path.with_name(f"{path.name}.schema{version}.bak")
    if candidate.is_file() and not candidate.is_symlink():
        return None
    if candidate.is_symlink() or candidate.exists():
        # Something that is not our copy holds the name: never write through it, pick a new name.
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        candidate, n = path.with_name(f"{path.name}.schema{version}-{stamp}.bak"), 1
        while candidate.is_symlink() or candidate.exists():
            n += 1
            candidate = path.with_name(f"{path.name}.schema{version}-{stamp}-{n}.bak")
    return candidate


def _migrate(engine: Engine, path: Path, backup: Callable[[Path, Path], None] | None) -> int:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    if engine.dialect.name == "sqlite":
        from peerlog.store.sqlite import enable_wal

        enable_wal(engine)
    with engine.connect() as conn, conn.begin():
        # Re-read under the write lock: another process may have migrated while we waited.
        version = read_version(conn) or 0
        start = version
        if version >= LATEST:
            return start
        # Under the write lock, so only the one peerlog that upgrades takes the copy, of exactly what
        # it upgrades (readers are not blocked, and the copy is read by a connection of its own).
        if version > 0 and backup is not None and (destination := _backup_path(path, version)):
            from peerlog.files import fill_then_place

            fill_then_place(destination, lambda temporary: backup(path, temporary))
        op = Operations(MigrationContext.configure(conn))
        for _name, migrate in MIGRATIONS[version:]:
            migrate(op)
        conn.execute(text("DELETE FROM meta WHERE key = :key"), {"key": VERSION_KEY})
        conn.execute(
            text("INSERT INTO meta (key, value) VALUES (:key, :value)"),
            {"key": VERSION_KEY, "value": str(LATEST)},
        )
    return start
