"""`peerlog hub ...`: a programme hub on PostgreSQL (stand-in: hubsrv's version holds the admin commands)."""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True, help="A programme hub: many pairs meet through one server that cannot read them."
)

# Registered after `app` exists: each file adds its commands to it.
from peerlog.cli import hub_member  # noqa: E402, F401
