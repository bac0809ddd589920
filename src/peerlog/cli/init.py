"""`peerlog init`: set up the journal and who "you" are."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from peerlog.cli.say import say
from peerlog.cli.state import is_interactive, state

app = typer.Typer()


@app.command()
def init(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", help="The name your peers know you by. You can change it later."),
    ] = None,
) -> None:
    """Set up your journal (safe to run again; it never erases anything)."""
    from peerlog.errors import NotInitialisedError
    from peerlog.identity import ensure_identity
    from peerlog.peer_keys import own_identity, record_own_key
    from peerlog.people import find_self, init_self

    app_state = state(ctx)
    if name is None:
        # Ask before anything is created: a Ctrl-C at the question leaves no journal behind.
        try:
            with app_state.store().session() as session:
                me = find_self(session)
        except NotInitialisedError:
            me = None
        if me is not None:
            own_identity(app_state.store())
            say(f"Your journal is ready, {me.name}. It lives at {app_state.store().path}.")
            return
        default = getpass.getuser().capitalize() if _has_login() else "Me"
        if is_interactive():
            name = typer.prompt("What name do your peers know you by?", default=default)
        else:
            name = default
    store = app_state.store(create=True)
    with store.session(write=True) as session:
        me, what = init_self(session, name)
        # Your key is made with your journal (once; never replaced), and your row holds its code.
        record_own_key(session, ensure_identity(store.path).public)
    if what == "created":
        say(f"Welcome, {me.name}! Your journal is at {store.path} and is private to you.")
        say('Next: `peerlog pair add "Peer name"`, then `peerlog checkin`.')
    elif what == "renamed":
        say(f"Your name in this journal is now {me.name}.")
    else:
        say(f"Your journal is ready, {me.name}. It lives at {store.path}.")


def _has_login() -> bool:
    try:
        return bool(getpass.getuser())
    except (KeyError, OSError):
        return False
