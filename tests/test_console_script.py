"""The installed `peerlog` command and `python -m peerlog`, run as real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from peerlog import __version__

# Real processes running the installed script: run by CI and the README's test command, skipped by `-m "not slow"`.
pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("peerlog")


def run(args: list[str], home: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PEERLOG_HOME": str(home)}
    env.pop("PEERLOG_DB", None)
    return subprocess.run(args, input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.fixture
def peerlog() -> str:
    found = str(SCRIPT) if SCRIPT.exists() else shutil.which("peerlog")
    assert found, "the peerlog console script is not installed"
    return found


def test_the_console_script_runs_a_whole_first_session(peerlog: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run([peerlog, "--version"], home).stdout.strip() == f"peerlog {__version__}"
    assert run([peerlog, "init", "--name", "Ana"], home).returncode == 0
    assert run([peerlog, "pair", "add", "Sam"], home).returncode == 0
    saved = run([peerlog, "checkin", "--pair", "Sam", "--mood", "4", "--win", "Showed up"], home)
    assert saved.returncode == 0, saved.stderr
    piped = run([peerlog, "checkin"], home, stdin="A note from a pipe\n")
    assert piped.returncode == 0, piped.stderr
    listed = json.loads(run([peerlog, "log", "--json"], home).stdout)
    assert [e["note"] for e in listed] == ["A note from a pipe", ""]
    assert listed[1]["wins"] == ["Showed up"]


def test_the_console_script_reports_bad_input_in_one_line(peerlog: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run([peerlog, "init", "--name", "Ana"], home)
    result = run([peerlog, "checkin", "--mood", "9", "--note", "x"], home)
    assert result.returncode == 2
    assert result.stderr.startswith("peerlog: Mood is a number from 1 to 5")
    assert len(result.stderr.strip().splitlines()) == 1


def test_python_dash_m_peerlog_works_too(tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "peerlog", "--version"], tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"peerlog {__version__}"


@pytest.mark.parametrize(
    "args",
    [["export"], ["export", "--format", "json"], ["prompts", "list"], ["log"], ["search", "evening"]],
    ids=lambda args: " ".join(args),
)
def test_output_into_a_pipe_closed_early_ends_quietly(peerlog: str, tmp_path: Path, args: list[str]) -> None:
    # `peerlog export | head -1`: the reader goes away before peerlog has written. The read end is closed
    # before peerlog starts, so every write meets the closed pipe, whatever the timing.
    home = tmp_path / "home"
    run([peerlog, "init", "--name", "Ana"], home)
    run([peerlog, "checkin", "--shared", "--mood", "4", "--note", "A calm evening"], home)
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "PEERLOG_HOME": str(home)}
    env.pop("PEERLOG_DB", None)
    try:
        result = subprocess.run(
            [peerlog, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=60
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 1  # the output was cut short; quietly, the same for every command
