"""What the benchmark scripts share: the peerlog command people actually run."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def peerlog_command(script_name: str) -> list[str]:
    """The installed console script beside this interpreter, else the one on PATH."""
    script = Path(sys.executable).with_name("peerlog")
    if script.exists():
        return [str(script)]
    found = shutil.which("peerlog")
    if found:
        return [found]
    sys.exit(f"{script_name}: the `peerlog` console script is not installed; run `pip install -e .` first.")
