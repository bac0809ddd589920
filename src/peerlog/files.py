"""Files and folders peerlog writes: exports, bundles, backups, packs and the journal's own folder.

The rules every writer follows, in one place:

- A file appears under its final name only once it is complete: it is written to a short temporary name in
  the destination's own folder (`.peerlog-<random>.tmp`, so even a name near the 255-byte limit fits) and
  moved into place in one step. A failure leaves nothing behind.
- Nothing is replaced unasked, and `--force` replaces only a regular file: never a symlink (whose target
  would be someone else's file), a device, a pipe or a folder.
- Modes are set by peerlog, not left to the umask: files with private entries and folders peerlog makes are
  owner-only; nothing peerlog writes is ever writable by others.

Only the standard library and peerlog's errors, so the store can use it too.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from peerlog.errors import InputError, PeerlogError

FORCE_HINT = "Choose another name, or add --force to replace it."
TEMPORARY_PREFIX = ".peerlog-"
TEMPORARY_SUFFIX = ".tmp"
#: Files that hold nothing private (a bundle of shared entries) may be read by others, never written.
NEVER_FOR_OTHERS = 0o022


def kind_of(mode: int) -> str:
    """What a non-regular file is, in plain words."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


class NotARegularFileError(OSError):
    """What stands at a path peerlog was asked to read is not a regular file (a pipe, a device, ...)."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file", str(path))
        self.kind = kind


def open_regular_file(path: Path) -> BinaryIO:
    """The regular file at `path`, open for reading bytes as a stream.

    Opened without blocking and checked once open: a named pipe given by mistake would otherwise make
    peerlog wait for ever, and a device such as /dev/zero never ends."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        found = os.fstat(fd)
        if stat.S_ISDIR(found.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(found.st_mode):
            raise NotARegularFileError(path, kind_of(found.st_mode))
        return os.fdopen(os.dup(fd), "rb")
    finally:
        os.close(fd)


def read_regular_file(path: Path) -> bytes:
    """The bytes of the regular file at `path` (see `open_regular_file`)."""
    with open_regular_file(path) as handle:
        return handle.read()


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _first_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        try:
            candidate.stat()
            return candidate
        except (FileNotFoundError, NotADirectoryError):
            continue
    return Path(path.anchor or ".")


def can_write(path: Path) -> bool:
    """Whether this user may write `path` (a file, or a folder to create files in)."""
    flags = os.W_OK | os.X_OK if path.is_dir() else os.W_OK
    if not os.access(path, flags):
        return False
    try:
        # A read-only mount stops even root, whom `access` always answers yes for permissions.
        return not os.statvfs(path).f_flag & os.ST_RDONLY
    except OSError:
        return True


def make_private_folder(folder: Path) -> None:
    """Create `folder` and any missing parents owner-only (0700), whatever the umask.

    `Path.mkdir(parents=True)` gives the parents it creates the umask's mode: under umask 000 that is a
    world-writable folder, where anyone could swap the journal's folder for one of theirs."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            break
        missing.append(candidate)
    for part in reversed(missing):
        try:
            part.mkdir(mode=0o700)
        except FileExistsError:
            if not part.is_dir():
                raise
            continue  # another peerlog made it a moment ago
        os.chmod(part, 0o700)


#: The journal's key file is its own path plus this (`peerlog.identity.key_path`).
KEY_SUFFIX = ".key"
#: The journal's hub settings (password included) are its own path plus this (`peerlog.hubclient`).
HUB_SUFFIX = ".hub"
#: Where `peerlog hub init` keeps the hub's address for the admin's next commands.
HUB_ADMIN_SUFFIX = ".hub-admin"


def journal_files(journal: Path) -> list[Path]:
    """The journal, the working files SQLite keeps beside it, its key and its hub settings (a member's, an admin's): never an output,
    even with --force."""
    return [
        journal,
        Path(f"{journal}-wal"),
        Path(f"{journal}-shm"),
        Path(f"{journal}{KEY_SUFFIX}"),
        Path(f"{journal}{HUB_SUFFIX}"),
        Path(f"{journal}{HUB_ADMIN_SUFFIX}"),
    ]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_destination(path: Path, *, force: bool, keep: Iterable[Path] = ()) -> None:
    """Fail before any work is done when `path` cannot be written, with one line that says why.

    `keep`: files that are never replaced, even with `force` (the journal itself)."""
    found = _lstat(path)
    if found is not None and stat.S_ISDIR(found.st_mode):
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
    for kept in keep:
        if _same_file(path, kept) or os.path.abspath(path) == os.path.abspath(kept):
            what = (
                "your journal's key"
                if kept.name.endswith(KEY_SUFFIX)
                else "your hub settings"
                if kept.name.endswith(HUB_SUFFIX)
                else "your journal itself"
            )
            raise InputError(
                f"{path} is {what}, so peerlog will not write over it, even with --force.",
                hint="Choose another name.",
            )
    if found is not None:
        if not force:
            raise InputError(
                f"{path} already exists, and peerlog never replaces a file unasked.", hint=FORCE_HINT
            )
        _replaceable(path, found)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            f"Cannot write {path}: you do not have permission to write in {parent}.",
            hint="Choose a folder of your own.",
        )


def _replaceable(path: Path, found: os.stat_result) -> None:
    if not stat.S_ISREG(found.st_mode):
        raise InputError(
            f"{path} is {kind_of(found.st_mode)}, not a regular file, so peerlog will not replace it, "
            "even with --force.",
            hint="Choose another name.",
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


def new_temporary(path: Path) -> Path:
    """An empty owner-only file with a short random name beside `path`, to fill and then `place`."""
    fd, name = tempfile.mkstemp(dir=path.absolute().parent, prefix=TEMPORARY_PREFIX, suffix=TEMPORARY_SUFFIX)
    os.close(fd)
    return Path(name)


def place(temporary: Path, path: Path, *, force: bool) -> None:
    """Move a finished temporary file to `path`; without `force`, never over a file that exists, and even
    with it only over a regular file."""
    if force:
        found = _lstat(path)
        if found is not None:
            _replaceable(path, found)
        os.replace(temporary, path)  # a rename replaces the name itself, never writes through a link
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
        if _lstat(path) is not None:
            raise InputError(
                f"{path} already exists, and peerlog never replaces a file unasked.", hint=FORCE_HINT
            ) from None
        os.replace(temporary, path)
        return
    temporary.unlink()


#: Every file this process has given its final name, oldest first: after a Ctrl-C the CLI says it is there,
#: rather than "nothing was saved" (peerlog.cli.app.stopped_message).
PLACED: list[Path] = []


def fill_then_place(path: Path, fill: Callable[[Path], None], *, force: bool = False) -> Path:
    """Make `path` through an owner-only temporary file beside it: `fill` writes into the temporary, and
    only a complete file takes the final name. OS errors pass through for the caller to word."""
    from peerlog import interrupts

    temporary = new_temporary(path)
    try:
        fill(temporary)
        # A Ctrl-C waits for the name and its record, so whoever answers it knows whether the file is there.
        with interrupts.held():
            place(temporary, path, force=force)
            PLACED.append(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_file(
    path: Path, text: str | Iterable[str], *, private: bool, force: bool = False, keep: Iterable[Path] = ()
) -> Path:
    """Write `text` (or its chunks, as they come) to `path` atomically: owner-only when `private`, else
    readable as the user's umask allows but never writable by anyone else."""
    check_destination(path, force=force, keep=keep)

    def fill(temporary: Path) -> None:
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            for chunk in [text] if isinstance(text, str) else text:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if not private:
            os.chmod(temporary, 0o666 & ~(_umask() | NEVER_FOR_OTHERS))

    try:
        return fill_then_place(path, fill, force=force)
    except OSError as error:
        raise describe_os_error(error, path) from None


def write_binary_file(
    path: Path, chunks: Iterable[bytes], *, force: bool = False, keep: Iterable[Path] = ()
) -> Path:
    """Write `chunks` to `path` as they come, atomically, readable as the umask allows (never writable by
    others): for sealed bundles, which only their recipient can open wherever they are copied."""
    check_destination(path, force=force, keep=keep)

    def fill(temporary: Path) -> None:
        with temporary.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~(_umask() | NEVER_FOR_OTHERS))

    try:
        return fill_then_place(path, fill, force=force)
    except OSError as error:
        raise describe_os_error(error, path) from None
