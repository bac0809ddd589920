"""Exchanging sealed bundles through a folder both peers keep in step with a tool they already use
(Syncthing, Dropbox, Nextcloud, OneDrive, a git repository, a USB stick).

The folder is shared ground that other programs write to while peerlog reads it, so every step here assumes
the worst of it:

- A bundle appears under its final name only once it is complete and on disk, and a name once used is never
  written again: the other side's sync tool may be copying it at that very moment.
- Reading the folder opens only each file's first line, the sealed bundle's envelope (`{"peerlog": "sealed",
  "v": 1, "id": ..., "to": ...}`), to tell which files are for this journal and not yet applied. The rest of
  a file is opaque here: opening it is `peerlog.sealing`'s job.
- Half-copied files, the tools' own temporary files and the conflict copies they make are expected, not
  errors. A folder that is missing, is not a folder, may not be read or written, or goes away mid-run is one
  line naming it (`SyncFolderError`).
- Nothing here deletes anything in the folder: it belongs to both peers.

No database and no change sets: the caller applies each bundle in its own transaction, so a fault part way
leaves what was applied applied and nothing half-applied.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol, TypeVar

from peerlog import files
from peerlog.errors import InputError, PeerlogError

SUFFIX = ".sealed"
#: Bundles are sealed to the peer's key, so a file others may read shows them nothing but its envelope; the
#: peer's sync tool, a backup program or a USB stick's file system may run as another user and must be able
#: to copy it. Never writable by anyone but the owner.
BUNDLE_MODE = 0o644
#: Enough for any envelope line (about 110 bytes): a first line longer than this is not a peerlog bundle.
HEAD_LIMIT = 1024
#: What the sync tools call files they are still writing, when the name ends in something other than
#: `.sealed` (dot-prefixed names, such as Syncthing's `.syncthing.NAME.tmp`, LibreOffice's `.~lock.NAME#`,
#: Nextcloud's `.NAME.~1a2b` and peerlog's own `.peerlog-*.tmp`, are skipped before this list is read).
TEMPORARY_ENDINGS = (
    ".tmp",
    ".temp",
    ".part",
    ".partial",
    ".crdownload",
    ".download",
    ".filepart",
    "~",
    "!sync",
)
#: Beside the journal: the file `SyncLock` locks.
LOCK_SUFFIX = ".sync.lock"

_KEY_ID = re.compile(r"^[0-9a-f]{8,}$")
_FOLDER_HINT = (
    "Check that it is there (a drive plugged in, the sync app running), or choose another with --sync-dir."
)

X = TypeVar("X")


class SyncFolderError(PeerlogError):
    """A sync folder that cannot be used: missing, not a folder, not readable or writable, or gone mid-run."""

    def __init__(self, message: str, *, folder: Path, hint: str | None = _FOLDER_HINT) -> None:
        super().__init__(message, hint=hint)
        self.folder = folder


class SyncBusyError(PeerlogError):
    """Another sync holds this journal's sync lock."""


# --- Names -----------------------------------------------------------------------------------------------


def bundle_name(from_key_id: str, to_key_id: str, now: datetime) -> str:
    """A new file name for a bundle from one key to another, unique and, for one sender, in time order:
    `peerlog-<from[:8]>-to-<to[:8]>-<UTC yyyymmddThhmmssZ>-<8 random hex>.sealed`.

    The random part keeps two bundles made in the same second (or by two machines of one person) apart, so
    no sync tool ever sees two different files under one name."""
    for key_id in (from_key_id, to_key_id):
        if not _KEY_ID.match(key_id):
            raise ValueError(f"not a key id: {key_id!r}")
    if now.tzinfo is None:
        raise ValueError("bundle_name needs an aware datetime")
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"peerlog-{from_key_id[:8]}-to-{to_key_id[:8]}-{stamp}-{secrets.token_hex(4)}{SUFFIX}"


def could_be_bundle(name: str) -> bool:
    """Whether a file name in a sync folder may hold a bundle: ours, or a conflict copy a sync tool made of
    one (Syncthing `x.sync-conflict-20261203-101010-ABCDEFG.sealed`, Dropbox `x (Ana's conflicted copy
    2026-12-03).sealed`, Nextcloud `x (conflicted copy 2026-12-03 101010).sealed`, OneDrive `x-LAPTOP.sealed`),
    all of which keep the `.sealed` ending. Never a hidden, temporary or partial file."""
    lowered = name.lower()
    return (
        lowered.endswith(SUFFIX)
        and not name.startswith((".", "~"))
        and not lowered[: -len(SUFFIX)].endswith(TEMPORARY_ENDINGS)
    )


# --- Writing ---------------------------------------------------------------------------------------------


def write_bundle(folder: Path, name: str, chunks: Iterable[bytes]) -> Path:
    """Write a bundle's bytes, as they come, to a new file `name` in `folder`, and return its path.

    The bytes go to a dot-prefixed temporary file in the same folder (which sync tools skip), are flushed to
    disk, and only then take the final name, with the folder flushed too: the peer's tool never copies half a
    bundle, and a crash leaves either the whole file or none. A name already there is never written again."""
    if name != Path(name).name or not could_be_bundle(name):
        raise ValueError(f"not a bundle file name: {name!r}")
    check_folder(folder, write=True)
    path = folder / name
    if os.path.lexists(path):
        raise SyncFolderError(
            f"{name} is already in the sync folder {folder}, and peerlog never rewrites a file there.",
            folder=folder,
            hint="Run the sync again: it picks a new name.",
        )

    def fill(temporary: Path) -> None:
        with temporary.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fchmod(handle.fileno(), BUNDLE_MODE)
            os.fsync(handle.fileno())

    try:
        files.fill_then_place(path, fill)
        _flush_folder(folder)
    except OSError as error:
        raise _fault(error, folder, writing=True, path=path) from None
    return path


def _flush_folder(folder: Path) -> None:
    """Make the new name itself durable: without this a crash can keep the file's bytes but lose its name."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as error:
        # Some file systems (network shares, FUSE mounts, FAT on some systems) cannot flush a folder; the
        # file itself is already on disk, which is what matters most.
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF):
            raise
    finally:
        os.close(fd)


# --- Reading ---------------------------------------------------------------------------------------------


class EnvelopeLike(Protocol):
    """What `incoming` needs of an envelope (`peerlog.sealing.Envelope`): which bundle, and for which key."""

    @property
    def bundle_id(self) -> str: ...
    @property
    def to_key_id(self) -> str: ...


@dataclass(frozen=True)
class Candidate:
    """A file in the sync folder addressed to this journal and not yet applied."""

    path: Path
    bundle_id: str
    size: int
    mtime: float

    def open(self) -> IO[bytes] | None:
        """The bundle's bytes to unseal, or None when the file has gone since it was listed (a sync tool
        moved or replaced it: it is listed again next time if it still matters). A folder that has gone is a
        `SyncFolderError`."""
        folder = self.path.parent
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError as error:
            if folder.is_dir():
                return None
            raise _fault(error, folder, writing=False) from None
        except OSError as error:
            if error.errno == errno.ELOOP:  # replaced by a symbolic link since it was listed
                return None
            raise _fault(error, folder, writing=False) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        return os.fdopen(fd, "rb")


class Incoming(list[Candidate]):
    """The bundles waiting for this journal, oldest first (a list of `Candidate`s), and what else was seen.

    The same bundle may be listed twice when a sync tool made a conflict copy of it: applying a bundle
    twice changes nothing, and the caller checks `seen` again before each."""

    def __init__(self) -> None:
        super().__init__()
        #: Files whose envelope line is not complete yet, or that may not be read yet: most likely still
        #: arriving ("1 file is still arriving"); the next sync looks again.
        self.partial: list[Path] = []
        #: Files named like bundles that are not peerlog bundles at all.
        self.unrecognised: list[Path] = []


def incoming(
    folder: Path,
    *,
    my_key_id: str,
    seen: Callable[[str], bool],
    read_envelope: Callable[[bytes], EnvelopeLike] | None = None,
) -> Incoming:
    """Every bundle in `folder` addressed to `my_key_id` whose id `seen` does not know, oldest first.

    Reads only each file's first line. Skips hidden, temporary and partial files, folders, and symbolic links
    (a link could point anywhere on this machine, and the peer's side can create one in a shared folder).
    `read_envelope` parses a complete first line (by default `peerlog.sealing.read_envelope`); a
    `PeerlogError` or `ValueError` from it marks the file unrecognised."""
    from peerlog.sealing import read_envelope as sealed_envelope

    check_folder(folder, write=False)
    parse: Callable[[bytes], EnvelopeLike] = read_envelope or sealed_envelope
    found = Incoming()
    try:
        with os.scandir(folder) as entries:
            names = sorted(
                entry.name
                for entry in entries
                if could_be_bundle(entry.name) and entry.is_file(follow_symlinks=False)
            )
    except OSError as error:
        raise _fault(error, folder, writing=False) from None
    ready = []
    for name in names:
        path = folder / name
        try:
            head = _read_head(path)
        except (FileNotFoundError, NotADirectoryError) as error:
            if folder.is_dir():
                continue  # moved or replaced by the sync tool since the listing
            raise _fault(error, folder, writing=False) from None
        except OSError as error:
            if not folder.is_dir():
                raise _fault(error, folder, writing=False) from None
            if error.errno != errno.ELOOP:  # ELOOP: it became a symbolic link, which is skipped
                found.partial.append(path)  # not readable yet: some tools set the mode last
            continue
        if head is None:
            continue
        data, size, mtime = head
        end = data.find(b"\n")
        if end < 0:
            if size < HEAD_LIMIT or not data.strip(b"\0"):
                found.partial.append(path)  # the first line is still being written (or space set aside)
            else:
                found.unrecognised.append(path)
            continue
        try:
            envelope = parse(data[: end + 1])
        except (PeerlogError, ValueError):
            found.unrecognised.append(path)
            continue
        if envelope.to_key_id.lower() != my_key_id.lower() or seen(envelope.bundle_id):
            continue
        ready.append(Candidate(path, envelope.bundle_id, size, mtime))
    found.extend(sorted(ready, key=lambda candidate: (candidate.mtime, candidate.path.name)))
    return found


def _read_head(path: Path) -> tuple[bytes, int, float] | None:
    """The first bytes of a regular file, its size and its time; None for anything else.

    Opened without following a link and without blocking: a named pipe would otherwise wait for ever."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            return None
        data = b""
        while len(data) < HEAD_LIMIT and (more := os.read(fd, HEAD_LIMIT - len(data))):
            data += more
        return data, found.st_size, found.st_mtime
    finally:
        os.close(fd)


# --- Folder faults ---------------------------------------------------------------------------------------


def check_folder(folder: Path, *, write: bool) -> None:
    """Fail with one line naming `folder` unless it is a folder this user may read (and write)."""
    try:
        found = folder.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise SyncFolderError(f"The sync folder {folder} is not there.", folder=folder) from None
    except PermissionError:
        raise _denied(folder, writing=False) from None  # a folder above it may not be entered
    except OSError as error:
        raise SyncFolderError(
            f"Cannot use the sync folder {folder}: {error.strerror or error}.", folder=folder
        ) from None
    if not stat.S_ISDIR(found.st_mode):
        what = "a file" if stat.S_ISREG(found.st_mode) else files.kind_of(found.st_mode)
        raise SyncFolderError(
            f"The sync folder {folder} is {what}, not a folder.",
            folder=folder,
            hint="Choose a folder with --sync-dir.",
        )
    if not os.access(folder, os.R_OK | os.X_OK):
        raise _denied(folder, writing=False)
    if write and not files.can_write(folder):
        raise _denied(folder, writing=True)


def _denied(folder: Path, *, writing: bool) -> SyncFolderError:
    if writing:
        message = f"peerlog cannot write in the sync folder {folder}: it is read-only or not yours to write."
    else:
        message = f"peerlog may not read the sync folder {folder}."
    return SyncFolderError(
        message, folder=folder, hint="Check its permissions, or choose another with --sync-dir."
    )


def _fault(error: OSError, folder: Path, *, writing: bool, path: Path | None = None) -> PeerlogError:
    """One line for an OS error met while working in `folder`."""
    if not folder.is_dir():
        return SyncFolderError(
            f"The sync folder {folder} went away while peerlog was using it.",
            folder=folder,
            hint="Nothing was half-done: once it is back, sync again.",
        )
    if isinstance(error, PermissionError):
        return _denied(folder, writing=writing)
    if writing:
        return files.describe_os_error(error, path or folder)
    return SyncFolderError(f"Cannot read the sync folder {folder}: {error.strerror or error}.", folder=folder)


# --- One sync at a time ----------------------------------------------------------------------------------


def lock_path(journal: Path) -> Path:
    return Path(f"{journal}{LOCK_SUFFIX}")


class SyncLock:
    """One sync at a time per journal, across processes: an exclusive, non-blocking `flock` on
    `<journal>.sync.lock`. A second sync is refused at once rather than left waiting, since it would only
    find the same files.

    The lock file stays after use: removing it would let two syncs hold locks on two different files. The
    system drops the lock when the process ends, however it ends."""

    def __init__(self, journal: Path) -> None:
        self.path = lock_path(journal)
        self._fd: int | None = None

    def __enter__(self) -> SyncLock:
        import fcntl

        if self._fd is not None:
            raise RuntimeError("this SyncLock is already held")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as error:
            raise PeerlogError(
                f"Cannot use the sync lock {self.path}: {error.strerror or error}.",
                hint="Check the permissions of your journal's folder.",
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise SyncBusyError(
                    "Another sync is running for this journal; this one did nothing.",
                    hint="Let it finish (a `peerlog sync --watch` stops with Ctrl-C), then try again.",
                ) from None
            raise PeerlogError(f"Cannot lock {self.path}: {error.strerror or error}.") from None
        self._fd = fd
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor releases the lock


# --- Watching --------------------------------------------------------------------------------------------


def watch(step: Callable[[], X], *, interval: float, sleep: Callable[[float], None] = time.sleep) -> X | None:
    """Run `step` every `interval` seconds until Ctrl-C, and return what the last finished step returned
    (None if none finished), so the caller can end with a line of what it did.

    A Ctrl-C during a step ends the watch too: each bundle is applied in its own transaction, so the step
    stops between two whole ones. Errors from `step` end the watch, for the caller to report."""
    if not interval > 0:  # also refuses NaN
        raise InputError(f"The interval must be more than 0 seconds, not {interval}.")
    last: X | None = None
    try:
        while True:
            last = step()
            sleep(interval)
    except KeyboardInterrupt:
        return last
