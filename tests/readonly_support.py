"""Making a file or folder read-only in a way that binds whoever runs the tests, root included.

CI runs as root, whom permission bits do not stop. So each case is made read-only three ways: chmod (for
everyone else), the immutable attribute (stops root too, where the file system and capabilities allow),
and a read-only mount as statvfs reports it (simulated, so it runs everywhere). `run_as_a_plain_user` runs
peerlog in a child process that permission bits do stop, even when the tests run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

WAYS = ["chmod", "immutable", "read-only mount"]


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(
            "chattr +i is not available here (needs CAP_LINUX_IMMUTABLE and a supporting file system)"
        )
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def read_only(path: Path, how: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if how == "chmod":
        if os.geteuid() == 0:
            pytest.skip("root ignores permission bits; the immutable and mount variants cover root")
        old = path.stat().st_mode
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(old)
    elif how == "immutable":
        if shutil.which("chattr") is None:
            pytest.skip("chattr is not installed")
        with immutable(path):
            yield
    else:
        real = os.statvfs

        def statvfs(target: Any) -> Any:
            result = real(target)
            if Path(target) != path:
                return result
            values = list(result)
            values[8] |= os.ST_RDONLY  # f_flag
            return os.statvfs_result(values)

        monkeypatch.setattr(os, "statvfs", statvfs)
        yield


def run_as_a_plain_user(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run `peerlog ARGS` in a child process that file permissions bind: as root, without the capabilities
    that let root ignore them (setpriv drops them from the bounding set before the exec)."""
    command = [sys.executable, "-m", "peerlog", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is not installed, and root ignores permission bits")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    env = {**os.environ, "PEERLOG_HOME": str(home), "COLUMNS": "120"}
    env.pop("PEERLOG_DB", None)
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=60)
