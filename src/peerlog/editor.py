"""Editing text in the person's own editor ($VISUAL, then $EDITOR, then nano or vi).

The text being edited may be a private note, so its file lives in a private folder beside the journal
(owner-only, like the journal), never in the shared temporary folder: if peerlog is killed while the editor is
open, the note stays somewhere only its owner can read.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
from pathlib import Path

from peerlog.errors import InputError, PeerlogError, StoreError


def drafts_folder(journal: Path) -> Path:
    """The private folder beside the journal where notes being edited, or refused, are kept."""
    return journal.with_name(f"{journal.name}.drafts")


def _private_folder(folder: Path) -> Path:
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as error:
        raise StoreError(
            f"peerlog could not make a private folder for the note at {folder}: {error.strerror or error}.",
            hint="Give the new text with --note instead.",
        ) from None
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        # Someone else's folder (or a link to one) could let them read the note.
        raise StoreError(
            f"{folder} is not a private folder of yours, so peerlog will not put a note there.",
            hint="Move it away, or give the new text with --note.",
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        folder.chmod(0o700)
    return folder


def _editor_command() -> list[str]:
    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if not value:
            continue
        try:
            command = shlex.split(value)
        except ValueError as error:
            raise PeerlogError(
                f"${variable} cannot be read as a command ({error}): {value}",
                hint="Fix its quotes, or give the new text with --note.",
            ) from None
        if command:
            return command
    for fallback in ("nano", "vi"):
        if shutil.which(fallback):
            return [fallback]
    raise InputError("No text editor was found.", hint="Set $EDITOR, or give the new text with --note.")


def _run_editor(command: list[str], path: Path) -> int:
    try:
        process = subprocess.Popen([*command, str(path)])
    except OSError as error:
        raise InputError(
            f"The editor '{command[0]}' could not be started ({error.strerror or error}).",
            hint="Check $EDITOR, or give the new text with --note.",
        ) from None
    # While the editor is open, Ctrl-C is the editor's to handle (vi and nano use it); started before this
    # line, the editor itself still gets its usual Ctrl-C. The same as git does around its editor.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main_thread else None
    try:
        return process.wait()
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


def edit_text(text: str, *, folder: Path, suffix: str = ".md") -> str | None:
    """Open `text` in an editor; return the edited text, or None when it was left unchanged.

    `folder` is where the file being edited lives while the editor is open (see `drafts_folder`)."""
    command = _editor_command()
    fd, name = tempfile.mkstemp(prefix="note-", suffix=suffix, dir=_private_folder(folder))
    path = Path(name)
    keep = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        status = _run_editor(command, path)
        if status != 0:
            raise PeerlogError(f"The editor exited with status {status}; nothing was changed.")
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise PeerlogError(
                "The editor removed the note's file before peerlog could read it; nothing was changed."
            ) from None
        try:
            edited = raw.decode("utf-8")
        except UnicodeDecodeError:
            keep = True
            raise PeerlogError(
                f"The editor saved text that is not UTF-8, so nothing was changed. It is kept in {path}.",
                hint="Save it as UTF-8 and give it with --note.",
            ) from None
    finally:
        if not keep:
            path.unlink(missing_ok=True)
            _tidy(folder)
    return None if edited == text else edited


def keep_draft(text: str, folder: Path, *, suffix: str = ".md") -> Path:
    """Keep text that could not be saved in a private file, so the person's words are never lost."""
    fd, name = tempfile.mkstemp(prefix="note-", suffix=suffix, dir=_private_folder(folder))
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(text)
    return Path(name)


def _tidy(folder: Path) -> None:
    # An empty folder is removed; one holding a kept note stays until its owner has used it.
    with contextlib.suppress(OSError):
        folder.rmdir()
