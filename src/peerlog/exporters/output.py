"""Writing exports, bundles and backups to disk without ever leaving half a file or replacing one by surprise.

Every file is written to a temporary name in the destination's own folder and then moved into place in one
step, so a reader (or a sync tool) never sees a partial file and a failure leaves nothing behind. Files that
can hold private entries are created owner-only (0600) from the first byte.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from peerlog.errors import InputError, PeerlogError

FORCE_HINT = "Choose another name, or add --force to replace it."


def _first_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        try:
            candidate.stat()
            return candidate
        except (FileNotFoundError, NotADirectoryError):
            continue
    return Path(path.anchor or ".")


def check_destination(path: Path, *, force: bool) -> None:
    """Fail before any work is done when `path` cannot be written, with one line that says why."""
    if path.is_dir():
        raise InputError(f"{path} is a folder.", hint="Give a file name to write to.")
    parent = path.absolute().parent
    if not parent.is_dir():
        existing = _first_existing(parent)
        if existing.exists() and not existing.is_dir():
            raise InputError(f"Cannot write {path}: {existing} is a file, not a folder.")
        raise InputError(
            f"Cannot write {path}: the folder {parent} does not exist.",
            hint="Create it first, or choose another place.",
        )
    if path.exists() and not force:
        raise InputError(
            f"{path} already exists, and peerlog never replaces a file unasked.", hint=FORCE_HINT
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            f"Cannot write {path}: you do not have permission to write in {parent}.",
            hint="Choose a folder of your own.",
        )


def describe_os_error(error: OSError, path: Path) -> PeerlogError:
    if isinstance(error, PermissionError):
        return InputError(f"Cannot write {path}: permission denied.", hint="Choose a folder of your own.")
    if error.errno == errno.ENOSPC:
        return PeerlogError(
            f"The disk is full, so {path} was not written.", hint="Free some space and try again."
        )
    return PeerlogError(f"Cannot write {path}: {error.strerror or error}.")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def place(temporary: Path, path: Path, *, force: bool) -> None:
    """Move a finished temporary file to `path`; without `force`, never over a file that exists."""
    if force:
        os.replace(temporary, path)
        return
    try:
        # A hard link fails if `path` appeared meanwhile, where a rename would silently replace it.
        os.link(temporary, path)
    except FileExistsError:
        raise InputError(
            f"{path} already exists, and peerlog never replaces a file unasked.", hint=FORCE_HINT
        ) from None
    except OSError:
        # Some filesystems (FAT, some network shares) have no hard links: check, then rename.
        if path.exists():
            raise InputError(
                f"{path} already exists, and peerlog never replaces a file unasked.", hint=FORCE_HINT
            ) from None
        os.replace(temporary, path)
        return
    temporary.unlink()


def write_file(path: Path, text: str | Iterable[str], *, private: bool, force: bool = False) -> Path:
    """Write `text` (or its chunks, as they come) to `path` atomically; owner-only when `private`, else as
    the user's umask allows."""
    check_destination(path, force=force)
    try:
        fd, name = tempfile.mkstemp(dir=path.absolute().parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise describe_os_error(error, path) from None
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for chunk in [text] if isinstance(text, str) else text:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if not private:
            os.chmod(temporary, 0o666 & ~_umask())
        place(temporary, path, force=force)
    except OSError as error:
        raise describe_os_error(error, path) from None
    finally:
        temporary.unlink(missing_ok=True)
    return path
