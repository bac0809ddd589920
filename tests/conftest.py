"""Every test gets its own journal through PEERLOG_HOME, the same variable people use."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from peerlog.cli import app
from support import Invoke

# On CI the property tests replay the same examples every run, so a red build always means a change broke
# something; locally they keep exploring new inputs (and hypothesis remembers any failure it finds).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "peerlog-home"
    monkeypatch.setenv("PEERLOG_HOME", str(path))
    monkeypatch.delenv("PEERLOG_DB", raising=False)
    monkeypatch.delenv("PEERLOG_DEBUG", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return path


@pytest.fixture
def invoke(home: Path) -> Invoke:
    """Run peerlog in-process: `invoke("log", "--json")`, optionally with `input=` for stdin."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Ana's journal and Sam's, each paired with the other by key, made once per test process through the
    real CLI, as two people do at first contact (`peerlog id`, then `pair add NAME --key CODE`).

    Most tests start from these journals; copying a file is much faster than running the migrations again.
    `init` and `pair add` themselves are tested on fresh homes in their own files.
    """
    root = tmp_path_factory.mktemp("journal-templates")
    runner = CliRunner()

    def run(home: Path, *argv: str) -> str:
        env = {"PEERLOG_HOME": str(home), "PEERLOG_DB": None, "PEERLOG_DEBUG": None, "COLUMNS": "120"}
        result = runner.invoke(app, list(argv), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    ana, sam = root / "peerlog-home", root / "sam-home"
    run(ana, "init", "--name", "Ana")
    run(sam, "init", "--name", "Sam")
    ana_code = json.loads(run(ana, "id", "--json"))["code"]
    sam_code = json.loads(run(sam, "id", "--json"))["code"]
    run(ana, "pair", "add", "Sam", "--key", sam_code)
    run(sam, "pair", "add", "Ana", "--key", ana_code)
    return ana, sam


@pytest.fixture(scope="session")
def journal_template(templates: tuple[Path, Path]) -> Path:
    """Ana paired with Sam (holding Sam's key)."""
    return templates[0]


@pytest.fixture
def journal(invoke: Invoke, home: Path, journal_template: Path) -> Invoke:
    """A journal where you are Ana, paired with Sam (a copy of the template, folder modes and all)."""
    shutil.copytree(journal_template, home)
    return invoke


@pytest.fixture
def sam_home(tmp_path: Path) -> Path:
    return tmp_path / "sam-home"


@pytest.fixture
def sam(journal: Invoke, sam_home: Path, templates: tuple[Path, Path]) -> Invoke:
    """Sam's own journal on Sam's own machine, where Sam is "you" and Ana is the peer (holding Ana's key)."""
    shutil.copytree(templates[1], sam_home)

    def run(*args: str, **kw: Any) -> Result:
        return journal(*args, env={"PEERLOG_HOME": str(sam_home)}, **kw)

    return run


# The programme hub's fixtures (a real PostgreSQL database per test), for every test file that asks.
from hub_support import hub_db, pg_server  # noqa: E402, F401
