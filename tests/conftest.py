"""Every test gets its own journal through PEERLOG_HOME, the same variable people use."""

from __future__ import annotations

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
def journal_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ana paired with Sam, made once per test process through the real CLI.

    Most tests start from this journal; copying a file is much faster than running the migrations again.
    `init` and `pair add` themselves are tested on fresh homes in their own files.
    """
    home = tmp_path_factory.mktemp("journal-template") / "peerlog-home"
    env = {"PEERLOG_HOME": str(home), "PEERLOG_DB": None, "PEERLOG_DEBUG": None, "COLUMNS": "120"}
    runner = CliRunner()
    for argv in (["init", "--name", "Ana"], ["pair", "add", "Sam"]):
        result = runner.invoke(app, argv, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def journal(invoke: Invoke, home: Path, journal_template: Path) -> Invoke:
    """A journal where you are Ana, paired with Sam (a copy of the template, folder modes and all)."""
    shutil.copytree(journal_template, home)
    return invoke


@pytest.fixture
def sam_home(tmp_path: Path) -> Path:
    return tmp_path / "sam-home"


@pytest.fixture
def sam(journal: Invoke, sam_home: Path) -> Invoke:
    """Sam's own journal on Sam's own machine, where Sam is "you" and Ana is the peer."""

    def run(*args: str, **kw: Any) -> Result:
        return journal(*args, env={"PEERLOG_HOME": str(sam_home)}, **kw)

    assert run("init", "--name", "Sam").exit_code == 0
    assert run("pair", "add", "Ana").exit_code == 0
    return run
