"""A real PostgreSQL hub for a test: a fresh database made into a hub by `peerlog hub init`, dropped after.

The server's address comes from $PEERLOG_TEST_PG (default: the local superuser over TCP). Where no server
answers, hub tests are skipped with the reason, never failed. Each test gets its own database, so tests
run side by side (pytest-xdist); roles are cluster-wide, so every role the hub made (`plh_<hub id>_...`)
is dropped with it.

psycopg is imported inside the fixtures: tests that never touch a hub never load it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest

PG_ENV = "PEERLOG_TEST_PG"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get(PG_ENV) or DEFAULT_PG


def with_dbname(url: str, dbname: str, **params: Any) -> str:
    """`url` pointing at another database (and other connection parameters, e.g. user=)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts = {**conninfo_to_dict(url), "dbname": dbname, **params}
    return make_conninfo(**parts)


class HubDb(NamedTuple):
    """A hub made for one test: its admin's URL (a superuser's, by default) and its id."""

    url: str
    hub_id: str

    @property
    def dbname(self) -> str:
        from psycopg.conninfo import conninfo_to_dict

        return str(conninfo_to_dict(self.url)["dbname"])

    def url_as(self, role: str) -> str:
        """The same database as another role (trust auth: the password in a join code is not needed)."""
        return with_dbname(self.url, self.dbname, user=role, password="")

    def connect(self, role: str | None = None, **kwargs: Any) -> Any:
        import psycopg

        return psycopg.connect(self.url if role is None else self.url_as(role), **kwargs)


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server's URL, or a skip with the reason when it does not answer."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[test]')")
    url = server_url()
    try:
        psycopg.connect(url, connect_timeout=3, autocommit=True).close()
    except psycopg.Error as error:
        pytest.skip(f"no PostgreSQL server answers at ${PG_ENV} ({url}): {str(error).strip()[:200]}")
    return url


def drop_hub(server: str, dbname: str, hub_id: str | None) -> None:
    """Drop the database and every role its hub made; harmless where some are already gone."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname)))
        if hub_id:
            roles = [
                r
                for (r,) in conn.execute(
                    "select rolname from pg_roles where rolname like %s order by rolcanlogin desc",
                    (f"plh\\_{hub_id}\\_%",),
                )
            ]
            for role in roles:
                conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


@contextmanager
def made_hub(server: str, home: Path) -> Iterator[HubDb]:
    """A fresh database made into a hub through the CLI (`peerlog hub init URL`, with `home` as the admin's
    PEERLOG_HOME), dropped on leaving with every `plh_<hub id>_%` role."""
    import psycopg
    from psycopg import sql
    from typer.testing import CliRunner

    from peerlog.cli import app

    dbname = f"peerlog_test_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
    url = with_dbname(server, dbname)
    hub_id = None
    try:
        env = {"PEERLOG_HOME": str(home), "PEERLOG_HUB_URL": None, "PEERLOG_DB": None}
        result = CliRunner().invoke(app, ["hub", "init", url], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        with psycopg.connect(url) as conn:
            row = conn.execute("select value from peerlog_hub.hub_meta where key = 'hub_id'").fetchone()
        assert row is not None
        hub_id = row[0]
        yield HubDb(url=url, hub_id=hub_id)
    finally:
        drop_hub(server, dbname, hub_id)


@pytest.fixture
def hub_db(pg_server: str, tmp_path: Path) -> Iterator[HubDb]:
    """A hub of its own for one test: see `made_hub`."""
    with made_hub(pg_server, tmp_path / "hub-admin-home") as hub:
        yield hub
