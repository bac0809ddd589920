"""`peerlog backup`: a consistent copy of the journal, safe to take while another peerlog is writing.

Where: the file you name; inside the folder you name; or, by default, beside the journal itself (a folder
only you can open) as `peerlog-backup-YYYYMMDD-HHMMSS.db`. A backup holds private entries, so it is always
owner-only, and it appears under its final name only once it is complete.

Your key goes with it, as `<backup>.key` beside the backup (owner-only too): a journal restored without
its key would need a new one, and every peer would have to accept your new code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from peerlog.files import check_destination, describe_os_error, fill_then_place, journal_files

if TYPE_CHECKING:
    from peerlog.identity import Identity

PREFIX = "peerlog-backup-"


def default_name(now: datetime) -> str:
    return f"{PREFIX}{now:%Y%m%d-%H%M%S}.db"


def destination_for(journal: Path, requested: Path | None, *, now: datetime | None = None) -> Path:
    """Where a backup goes: `requested`, a new file inside it when it is a folder, or beside the journal."""
    if requested is not None and not requested.is_dir():
        return requested
    folder = requested if requested is not None else journal.parent
    name = default_name(now or datetime.now())
    path, n = folder / name, 2
    while _taken(path):  # two backups in the same second: keep both.
        path, n = folder / name.replace(".db", f"-{n}.db"), n + 1
    return path


def _taken(path: Path) -> bool:
    from peerlog.identity import key_path

    return any(p.exists() or p.is_symlink() for p in (path, key_path(path)))


def _check_key_name(key: Path) -> None:
    """Refuse, before anything is written, a backup name too long for its key's name beside it."""
    import os

    from peerlog.errors import InputError

    try:
        limit = os.pathconf(key.absolute().parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    if len(os.fsencode(key.name)) > limit:
        raise InputError(
            f"The backup's name is too long to keep your key beside it as {key.name}; nothing was written.",
            hint="Choose a shorter name.",
        )


def backup_journal(
    journal: Path,
    destination: Path,
    identity: Identity,
    *,
    force: bool = False,
    copy: Callable[[Path, Path], None] | None = None,
) -> tuple[Path, Path]:
    """Copy the journal to `destination` with SQLite's online backup API, and its key beside it; returns
    the two paths written. Both are checked before either is written."""
    from peerlog.identity import key_path, write_key_file
    from peerlog.store import sqlite

    copy = copy or sqlite.backup
    key_destination = key_path(destination)
    check_destination(destination, force=force, keep=journal_files(journal))
    _check_key_name(key_destination)
    check_destination(key_destination, force=force, keep=journal_files(journal))
    try:
        written = fill_then_place(destination, lambda temporary: copy(journal, temporary), force=force)
    except sqlite3.Error as error:
        raise sqlite.describe_error(error, journal) from None
    except OSError as error:
        raise describe_os_error(error, destination) from None
    try:
        return written, write_key_file(key_destination, identity, force=force)
    except OSError as error:
        raise describe_os_error(error, key_destination) from None
