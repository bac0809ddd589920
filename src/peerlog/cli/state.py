"""What every command shares: where the journal is, opened once on first use."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from peerlog.config import Paths
    from peerlog.store import Store


@dataclass
class AppState:
    db_option: Path | None = None
    _store: Store | None = field(default=None, repr=False)
    #: Set once a write of this command has committed, and kept after the journal is closed.
    _saved: bool = field(default=False, repr=False)
    #: Set once the command asked for the journal, so a failure may be looked for in it.
    opened: bool = field(default=False, repr=False)
    #: How many files this process had written when the command began (see `written`).
    _files_before: int = field(default_factory=lambda: len(_placed()), repr=False)

    def paths(self) -> Paths:
        from peerlog.config import resolve_paths

        return resolve_paths(self.db_option)

    @property
    def saved(self) -> bool:
        """Whether this command has saved anything in the journal."""
        return self._saved or (self._store is not None and self._store.saved)

    @property
    def written(self) -> list[Path]:
        """The files this command has written whole (exports, bundles, backups, packs)."""
        return _placed()[self._files_before :]

    def store(self, *, create: bool = False) -> Store:
        if self._store is None:
            self.opened = True
            from peerlog.store import Store

            self._store = Store.open(self.paths().db, create=create)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._saved = self.saved
            self._store.close()
            self._store = None


def _placed() -> list[Path]:
    from peerlog.files import PLACED

    return PLACED


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def is_interactive() -> bool:
    """True when a person is at a terminal who can answer questions."""
    if os.environ.get("PEERLOG_NO_PROMPT"):
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()
