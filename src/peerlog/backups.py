"""`peerlog backup`: a consistent copy of the journal, safe to take while another peerlog is writing.

Where: the file you name; inside the folder you name; or, by default, beside the journal itself (a folder
only you can open) as `peerlog-backup-YYYYMMDD-HHMMSS.db`. A backup holds private entries, so it is always
owner-only, and it appears under its final name only once it is complete.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from peerlog.files import check_destination, describe_os_error, fill_then_place, journal_files

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
    while path.exists() or path.is_symlink():  # two backups in the same second: keep both.
        path, n = folder / name.replace(".db", f"-{n}.db"), n + 1
    return path


def backup_journal(
    journal: Path,
    destination: Path,
    *,
    force: bool = False,
    copy: Callable[[Path, Path], None] | None = None,
) -> Path:
    """Copy the journal to `destination` with SQLite's online backup API; returns the path written."""
    from peerlog.store import sqlite

    copy = copy or sqlite.backup
    check_destination(destination, force=force, keep=journal_files(journal))
    try:
        return fill_then_place(destination, lambda temporary: copy(journal, temporary), force=force)
    except sqlite3.Error as error:
        raise sqlite.describe_error(error, journal) from None
    except OSError as error:
        raise describe_os_error(error, destination) from None
