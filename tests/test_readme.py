"""The README's two set-up commands are the ones CI and new users actually run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shell_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = next(b.strip() for b in _shell_blocks() if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_readme_install_command_installs_and_starts_a_journal() -> None:
    install = _shell_blocks()[0].strip()
    assert "pip install" in install
    assert "peerlog init" in install


def test_readme_set_up_asks_for_a_name_rather_than_naming_everyone_your_name() -> None:
    install = _shell_blocks()[0].strip()
    assert "Your name" not in install
    assert install.endswith("peerlog init")  # in a terminal, init asks the name, offering one
