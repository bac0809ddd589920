"""Editing text in the person's own editor ($VISUAL, then $EDITOR, then nano or vi)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from peerlog.errors import InputError, PeerlogError


def _editor_command() -> list[str]:
    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            return shlex.split(value)
    for fallback in ("nano", "vi"):
        if shutil.which(fallback):
            return [fallback]
    raise InputError("No text editor was found.", hint="Set $EDITOR, or give the new text with --note.")


def edit_text(text: str, *, suffix: str = ".md") -> str | None:
    """Open `text` in an editor; return the edited text, or None when it was left unchanged."""
    command = _editor_command()
    # The note may be private: the temporary file is readable by its owner only and removed afterwards.
    fd, name = tempfile.mkstemp(prefix="peerlog-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            completed = subprocess.run([*command, str(path)], check=False)
        except OSError as error:
            raise InputError(
                f"The editor '{command[0]}' could not be started ({error.strerror or error}).",
                hint="Check $EDITOR, or give the new text with --note.",
            ) from None
        if completed.returncode != 0:
            raise PeerlogError(f"The editor exited with status {completed.returncode}; nothing was changed.")
        edited = path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
    return None if edited == text else edited
