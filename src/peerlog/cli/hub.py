"""`peerlog hub ...`: a programme's hub on PostgreSQL, for its admin, its coordinators and its members.

One Typer app; the admin's and coordinator's commands live in `hub_admin`, the members' in `hub_member`,
each registering itself here, so the two sides grow without touching one file.
"""

from __future__ import annotations

import importlib
import importlib.util

import typer

app = typer.Typer(
    no_args_is_help=True,
    help="A programme's hub on PostgreSQL: invite members, join, and see participation (never content).",
)

# Each side's module adds its commands to `app` when imported; a side not installed yet is simply absent.
for _side in ("peerlog.cli.hub_admin", "peerlog.cli.hub_member"):
    if importlib.util.find_spec(_side) is not None:
        importlib.import_module(_side)
