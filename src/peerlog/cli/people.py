"""`peerlog person ...`: the names your peers go by in your journal."""

from __future__ import annotations

from typing import Annotated

import typer

from peerlog.cli.say import say
from peerlog.cli.state import state

app = typer.Typer(no_args_is_help=True, help="Rename a peer in your journal; their entries stay theirs.")


@app.command("rename")
def rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(metavar="OLD", help="The name they have in your journal now.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The name to show from now on.")],
) -> None:
    """Change the name a peer goes by in your journal. Every entry stays with them."""
    from peerlog.people import rename_peer

    with state(ctx).store().session(write=True) as session:
        before, peer = rename_peer(session, old, new)
        name = peer.name
    if before == name:
        say(f"{name} already goes by that name; nothing changed.")
        return
    say(f"{before} is now {name} in your journal; all your entries with them stay as they were.")
