"""Migrations: a journal upgraded step by step, a real one made by the first release included, must match one
created fresh, and a fresh one must match the models."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from peerlog.errors import StoreError
from peerlog.store import Store, migrations, sqlite


def _virtual_tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        ).all()
    return {r[0] for r in rows}


def schema_of(engine: Engine) -> dict[str, Any]:
    """Tables, columns, keys and indexes as SQLAlchemy reflects them, as the models can describe them: the
    search tables and the migrations' own ledger are left to `full_schema`."""
    insp = inspect(engine)
    virtual = _virtual_tables(engine)
    tables = [
        t
        for t in insp.get_table_names()
        if t not in virtual and not any(t.startswith(f"{v}_") for v in virtual) and t != migrations.LEDGER
    ]
    described: dict[str, Any] = {}
    for table in sorted(tables):
        described[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], bool(c.get("primary_key")))
                for c in insp.get_columns(table)
            ),
            "pk": sorted(insp.get_pk_constraint(table)["constrained_columns"]),
            "fks": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    (fk.get("options") or {}).get("ondelete"),
                )
                for fk in insp.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)
            ),
            "uniques": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
        }
    return described


FIRST_RELEASE = Path(__file__).parent / "data" / "first-release-702e064.db"


def full_schema(path: Path) -> dict[str, Any]:
    """Everything SQLite knows of a journal's shape: every table, index, trigger and virtual table with the SQL
    that made it (read from sqlite_master), and each table's columns."""
    with sqlite3.connect(path) as db:
        objects = sorted(
            (kind, name, table, " ".join((sql or "").split()))
            for kind, name, table, sql in db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        )
        columns = {
            name: sorted(db.execute(f'PRAGMA table_info("{name}")').fetchall())
            for kind, name, _table, _sql in objects
            if kind == "table"
        }
    return {"objects": objects, "columns": columns}


def test_a_journal_made_by_the_first_release_upgrades_to_exactly_a_fresh_journal(tmp_path: Path) -> None:
    # tests/data/first-release-702e064.db was written by peerlog at commit 702e064 (schema 3): Ana, a pair with
    # Sam, three check-ins with wins, challenges (one overcome) and tags, a shared reflection, two feedback.
    old = tmp_path / "old.db"
    shutil.copyfile(FIRST_RELEASE, old)
    Store.open(old).close()
    Store.open(tmp_path / "fresh.db", create=True).close()

    upgraded, fresh = full_schema(old), full_schema(tmp_path / "fresh.db")
    assert upgraded == fresh
    kinds = {kind for kind, *_ in fresh["objects"]}
    assert {"table", "index", "trigger"} <= kinds
    names = {name for _kind, name, *_ in fresh["objects"]}
    assert {"search_index", "search_index_doc", "search_index_tally", migrations.LEDGER} <= names
    assert list(tmp_path.glob("old.db.schema3.bak")), "the upgrade keeps a copy of what it upgraded"


def test_an_upgraded_first_release_journal_keeps_every_entry_and_finds_them(
    tmp_path: Path, invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(FIRST_RELEASE, tmp_path / "old.db")
    monkeypatch.setenv("PEERLOG_DB", str(tmp_path / "old.db"))
    run = invoke
    logged = run("log")
    for note in ("We talked about sleep and walks", "A private, quiet day", "Good talk"):
        assert note in logged.stdout
    assert "sleep" in run("search", "sleep").stdout
    wins = run("wins", "--pair", "sam", "--since", "2000-01-01").stdout
    assert "Asked for help" in wins and "Early mornings" in wins


def test_migrations_are_recorded_by_name(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(FIRST_RELEASE, old)
    Store.open(old).close()
    Store.open(tmp_path / "fresh.db", create=True).close()
    everything = [name for name, _migrate in migrations.MIGRATIONS]
    with sqlite3.connect(old) as db:
        upgraded = db.execute(f"SELECT name, applied_at FROM {migrations.LEDGER} ORDER BY name").fetchall()
    with sqlite3.connect(tmp_path / "fresh.db") as db:
        fresh = db.execute(f"SELECT name, applied_at FROM {migrations.LEDGER} ORDER BY name").fetchall()
    assert [name for name, _at in upgraded] == [name for name, _at in fresh] == sorted(everything)
    # The first release kept only a count: its three steps are named, undated; the new step is dated.
    assert [at is None for _name, at in upgraded] == [True, True, True] + [False] * (len(everything) - 3)
    assert all(at for _name, at in fresh)


def test_a_journal_with_a_migration_this_peerlog_does_not_know_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    Store.open(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute(f"INSERT INTO {migrations.LEDGER} (name) VALUES ('9999_from_the_future')")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="9999_from_the_future"):
        Store.open(path)


def _fresh_from_models(path: Path) -> Engine:
    from sqlmodel import SQLModel

    import peerlog.models  # noqa: F401  (registers the tables)

    sqlite.create_private_file(path)  # the engine opens only a file that is there, never makes one
    engine = sqlite.make_engine(path)
    SQLModel.metadata.create_all(engine)
    return engine


def test_migrating_from_nothing_gives_exactly_the_models_schema(tmp_path: Path) -> None:
    migrated = Store.open(tmp_path / "migrated.db", create=True)
    fresh = _fresh_from_models(tmp_path / "fresh.db")
    try:
        assert schema_of(migrated.engine) == schema_of(fresh)
    finally:
        migrated.close()
        fresh.dispose()


def test_a_new_journal_records_the_latest_schema_version(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "j.db", create=True)
    with store.engine.connect() as conn:
        assert migrations.read_version(conn) == migrations.LATEST
    store.close()


def _add_person_column(op: Any) -> None:
    import sqlalchemy as sa

    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("pronouns", sa.String(), nullable=True))


def _broken(op: Any) -> None:
    import sqlalchemy as sa

    op.create_table("halfway", sa.Column("id", sa.Integer(), primary_key=True))
    raise RuntimeError("simulated failure in the middle of a migration")


def _with_person(path: Path) -> None:
    store = Store.open(path, create=True)
    from peerlog.people import init_self

    with store.session(write=True) as session:
        init_self(session, "Ana")
    store.close()


def test_an_older_journal_is_backed_up_then_upgraded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "j.db"
    _with_person(path)
    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("9999_pronouns", _add_person_column)]
    )
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 1)

    store = Store.open(path)
    columns = {c["name"] for c in inspect(store.engine).get_columns("person")}
    with store.engine.connect() as conn:
        version = migrations.read_version(conn)
        names = conn.execute(text("SELECT name FROM person")).scalars().all()
    store.close()

    assert "pronouns" in columns
    assert version == migrations.LATEST
    assert names == ["Ana"]
    backups = list(tmp_path.glob("j.db.schema*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as old:
        old_columns = {r[1] for r in old.execute("PRAGMA table_info(person)")}
        assert "pronouns" not in old_columns
        assert old.execute("SELECT name FROM person").fetchall() == [("Ana",)]
    assert backups[0].stat().st_mode & 0o777 == 0o600


def test_a_failed_migration_leaves_the_old_schema_and_data_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.db"
    _with_person(path)
    before_version = migrations.LATEST
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, ("9998_pronouns", _add_person_column), ("9999_broken", _broken)],
    )
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 2)

    with pytest.raises(RuntimeError):
        Store.open(path)

    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        columns = {r[1] for r in conn.execute("PRAGMA table_info(person)")}
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "halfway" not in tables
    assert "pronouns" not in columns
    assert int(version) == before_version


def test_a_journal_from_a_newer_peerlog_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    _with_person(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer peerlog"):
        Store.open(path)
    assert path.read_bytes() == before


def test_an_sqlite_file_from_another_program_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a peerlog journal"):
        Store.open(path)
    assert path.read_bytes() == before


def test_rows_written_before_versions_existed_are_version_one_after_the_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.db"
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
        m.setattr(migrations, "LATEST", 3)
        Store.open(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO person (id, name, name_key, is_self, created_at, updated_at) "
            "VALUES ('0f0f0f0f-0000-4000-8000-000000000001', 'Ana', 'ana', 1, "
            "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
        )
    store = Store.open(path)
    with store.engine.connect() as conn:
        assert migrations.read_version(conn) == migrations.LATEST
        assert conn.execute(text("SELECT name, version FROM person")).all() == [("Ana", 1)]
    store.close()
