"""`peerlog id`: your identity code to send to your peer, and the fingerprint to check it by."""

from __future__ import annotations

from typing import Annotated

import typer

from peerlog.cli.say import say_json
from peerlog.cli.state import state

app = typer.Typer()


@app.command("id")
def id_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show your identity code to send to your peer, and the fingerprint you read to each other."""
    from peerlog.peer_keys import show_identity

    me = show_identity(state(ctx).store())
    if as_json:
        say_json(me.to_dict())
        return
    from peerlog import render
    from peerlog.render.identity import identity_lines

    render.console().print(identity_lines(me), width=80, soft_wrap=False)
