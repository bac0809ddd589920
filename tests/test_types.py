"""The code's types hold: mypy passes on src/ with [tool.mypy] in pyproject.toml, and every `# type: ignore`
left says why it is there."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

#: The one style for an ignore that has to stay: its error code, then the reason on the same line.
EXPLAINED = re.compile(r"# type: ignore\[[a-z-]+(?:, [a-z-]+)*\]  # why: \S")


@pytest.mark.slow  # about 7 s with a cold cache, as on CI
def test_mypy_passes_on_src() -> None:
    # In a subprocess with no arguments, so it reads the same configuration (files, strictness) a developer
    # gets from a bare `mypy`.
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout


def test_every_type_ignore_in_src_says_why() -> None:
    unexplained = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "type: ignore" in line and not EXPLAINED.search(line)
    ]
    assert not unexplained, "Write these as `# type: ignore[code]  # why: <reason>`:\n" + "\n".join(
        unexplained
    )
