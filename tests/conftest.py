"""Every test gets its own journal through PEERLOG_HOME, the same variable people use."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from peerlog.cli import app

Invoke = Callable[..., Result]

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


@pytest.fixture
def journal(invoke: Invoke) -> Invoke:
    """A journal where you are Ana, paired with Sam."""
    assert invoke("init", "--name", "Ana").exit_code == 0
    assert invoke("pair", "add", "Sam").exit_code == 0
    return invoke
