"""`peerlog pair ...`: the people you support each other with, as equals."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Annotated

import typer

from peerlog.cli.moments import WHEN_HELP, parse_moment
from peerlog.cli.say import say, say_json
from peerlog.cli.state import state

if TYPE_CHECKING:
    from peerlog.identity import PeerKey
    from peerlog.peer_keys import KeyChange
    from peerlog.store import Store

KEY_HELP = "Your peer's identity code: what `peerlog id` prints on their machine."
HUB_HELP = "Find your peer's key in your programme hub's directory, and sync this pair through the hub."

app = typer.Typer(no_args_is_help=True, help="Start, list, show, change and end pairs with your peers.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Your peer's name.")],
    agreement: Annotated[
        str | None,
        typer.Option("--agreement", "-a", help="What you two agree on, e.g. how you'll meet and listen."),
    ] = None,
    key: Annotated[str | None, typer.Option("--key", help=KEY_HELP)] = None,
    hub: Annotated[bool, typer.Option("--hub", help=HUB_HELP)] = False,
) -> None:
    """Start a pair with a peer (or pick up an ended one again)."""
    from peerlog.pairs import add_pair, peer_of

    store = state(ctx).store()
    if hub:
        _no_key_with_hub(key, name)
        from peerlog.hubclient import link_pair

        linked = link_pair(store, name, adding=True, agreement=agreement)
        verb = "are now a pair" if linked.created else "are a pair again"
        say(f"You and {linked.pair.peer} {verb}, syncing through your programme hub (`peerlog sync`).")
        _say_key(linked.change)
        return
    peer_key, mine = _keys(store, key)
    change = None
    with store.session(write=True) as session:
        pair, created = add_pair(session, peer_name=name, agreement=agreement)
        if peer_key is not None and mine is not None:
            from peerlog.peer_keys import set_peer_key

            change = set_peer_key(session, peer_of(session, pair.peer), peer_key, mine=mine, replace=False)
    verb = "are now a pair" if created else "are a pair again"
    say(f'You and {pair.peer} {verb}. Log time together with `peerlog checkin --pair "{pair.peer}"`.')
    if change is not None:
        _say_key(change)


def _no_key_with_hub(key: str | None, name: str) -> None:
    if key is not None:
        from peerlog.errors import InputError

        raise InputError(
            "Give --key or --hub, not both: with --hub the key comes from your programme hub's directory.",
            hint=f'For example: peerlog pair add "{name}" --hub',
        )


def _keys(store: Store, code: str | None) -> tuple[PeerKey | None, PeerKey | None]:
    """The peer's key from `--key` (checked before anything is opened for writing) and your own."""
    if code is None:
        return None, None
    from peerlog.identity import PeerKey
    from peerlog.peer_keys import own_identity

    peer_key = PeerKey.from_code(code)
    identity, _name = own_identity(store)
    return peer_key, identity.public


def _say_key(change: KeyChange) -> None:
    if change.old is None:
        say(f"{change.peer}'s fingerprint: {change.key.fingerprint}")
        say(
            f"Check it with {change.peer}: read it to each other; it should match what `peerlog id` shows them."
        )
    elif not change.changed:
        say(f"{change.peer}'s key is unchanged (fingerprint {change.key.fingerprint}).")
    else:
        say(f"{change.peer}'s key is replaced.")
        say(f"  old fingerprint: {change.old.fingerprint}")
        say(f"  new fingerprint: {change.key.fingerprint}")
        say(
            f"Bundles made with the old key are no longer accepted. Check the new fingerprint with {change.peer}."
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List your pairs."""
    from peerlog.pairs import list_pairs

    with state(ctx).store().session() as session:
        pairs = list_pairs(session)
    if as_json:
        say_json([p.to_dict() for p in pairs])
        return
    if not pairs:
        say('No pairs yet. Start one with `peerlog pair add "Peer name"`.')
        return
    from peerlog import render
    from peerlog.render import journal

    render.console().print(journal.pair_table(pairs))


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Your peer's name (any case, or its start).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show a pair: since when, your agreement, how many check-ins."""
    from peerlog.pairs import show_pair

    with state(ctx).store().session() as session:
        pair = show_pair(session, name)
    if as_json:
        say_json(pair.to_dict())
        return
    from peerlog import render
    from peerlog.render import journal

    render.console().print(journal.pair_detail(pair))


@app.command("set")
def set_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Your peer's name.")],
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help=f"When you two really began, if not the day the pair was added. {WHEN_HELP}"
        ),
    ] = None,
    agreement: Annotated[
        str | None,
        typer.Option("--agreement", "-a", help='What you two agree on now ("" clears it).'),
    ] = None,
    key: Annotated[
        str | None, typer.Option("--key", help=f"{KEY_HELP} Adds it, or replaces the one they had.")
    ] = None,
    sync_dir: Annotated[
        str | None,
        typer.Option(
            "--sync-dir",
            metavar="FOLDER",
            help='A folder you both keep in step (Syncthing, Dropbox, a USB stick...) for `peerlog sync` ("" clears it).',
        ),
    ] = None,
    hub: Annotated[bool, typer.Option("--hub", help=HUB_HELP)] = False,
) -> None:
    """Change a pair's settings: when it began, your agreement, your peer's key and how you sync."""
    from peerlog.errors import InputError
    from peerlog.pairs import clean_sync_dir, peer_of, set_pair, set_sync_folder

    if since is None and agreement is None and key is None and sync_dir is None and not hub:
        raise InputError(
            "There is nothing to change: give --since, --agreement, --key, --sync-dir or --hub.",
            hint=f'For example: peerlog pair set "{name}" --since 2026-09-01',
        )
    if hub:
        _no_key_with_hub(key, name)
    moment = parse_moment(since, "since")
    folder = clean_sync_dir(sync_dir) if sync_dir is not None else None
    store = state(ctx).store()
    if hub:
        from peerlog.hubclient import link_pair

        linked = link_pair(store, name, adding=False)
        _say_key(linked.change)
        say(f"Your pair with {linked.pair.peer} syncs through your programme hub.")
        name = linked.pair.peer
    peer_key, mine = _keys(store, key)
    change = None
    with store.session(write=True) as session:
        pair = set_pair(session, name, since=moment, agreement=agreement)
        if peer_key is not None and mine is not None:
            from peerlog.peer_keys import set_peer_key

            change = set_peer_key(session, peer_of(session, name), peer_key, mine=mine)
        if sync_dir is not None:
            pair = set_sync_folder(session, name, folder)
    if change is not None:
        _say_key(change)
    if sync_dir is not None:
        say(
            f"Your pair with {pair.peer} syncs through {pair.sync_dir}."
            if pair.sync_dir
            else f"Your pair with {pair.peer} has no sync folder now."
        )
    if since is None and agreement is None:
        return
    from peerlog.dates import short_day
    from peerlog.render import local

    parts = []
    if since is not None:
        parts.append(f"together since {short_day(local(pair.started_at))}")
    if agreement is not None:
        parts.append("your agreement is updated" if pair.agreement else "your agreement is cleared")
    say(f"Your pair with {pair.peer}: {'; '.join(parts)}.")
    if moment is not None and pair.started_at.date() < moment.astimezone(UTC).date():
        # The start shown is the one `wins` counts from too, so it never contradicts what you logged.
        say(
            f"Your check-ins together go back to {short_day(local(pair.started_at))}, so that is where it starts."
        )


@app.command("end")
def end(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Your peer's name.")],
) -> None:
    """End a pair. Its history stays in your journal; `pair add` picks it up again."""
    from peerlog.pairs import end_pair

    with state(ctx).store().session(write=True) as session:
        pair = end_pair(session, name)
    say(f"Your pair with {pair.peer} has ended. Its history stays here whenever you need it.")
