"""Where peerlog keeps things.

Precedence for the database file: ``--db`` > ``PEERLOG_DB`` > ``PEERLOG_HOME``/peerlog.db > the platform's
user data directory. ``PEERLOG_HOME`` moves everything peerlog keeps (database, user prompt packs), which is
also how every test gets a journal of its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "peerlog"
DB_FILENAME = "peerlog.db"
HOME_ENV = "PEERLOG_HOME"
DB_ENV = "PEERLOG_DB"


@dataclass(frozen=True)
class Paths:
    """The files and folders of one journal."""

    db: Path
    prompts: Path


def resolve_paths(db: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Paths:
    """Work out where the journal lives, without touching the disk."""
    env = os.environ if env is None else env
    home = env.get(HOME_ENV)
    if home:
        base = Path(home).expanduser()
        default_db, prompts = base / DB_FILENAME, base / "prompts"
    else:
        # platformdirs costs ~20 ms to import; only pay it when no override says where to look.
        import platformdirs

        default_db = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_FILENAME
        prompts = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "prompts"
    chosen = db if db is not None else env.get(DB_ENV) or None
    db_path = Path(chosen).expanduser() if chosen is not None else default_db
    return Paths(db=db_path, prompts=prompts)
