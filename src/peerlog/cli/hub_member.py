"""`peerlog hub join` and `peerlog hub status`: a member's side of the programme hub."""

from __future__ import annotations

from typing import Annotated

import typer

from peerlog.cli.hub import app
from peerlog.cli.say import say, say_json
from peerlog.cli.state import state


@app.command("join")
def join(
    ctx: typer.Context,
    code: Annotated[
        str,
        typer.Argument(metavar="CODE", help="The join code your programme sent you (it starts with plhub1)."),
    ],
) -> None:
    """Join your programme's hub with the code you were sent (once per journal; safe to run again)."""
    from peerlog.hubclient import join as join_hub

    joined = join_hub(state(ctx).store(), code)
    where, name = joined.settings.where, joined.settings.name
    say(
        f"You are on the hub at {where} as {name} again."
        if joined.again
        else f"You joined the hub at {where} as {name}."
    )
    if joined.settings.coordinator:
        say("As a coordinator you see how pairs and circles meet, in counts only: `peerlog hub report`.")
        return
    say(f"Your fingerprint: {joined.key.fingerprint}")
    say('Pair with someone through it with `peerlog pair add "Their name" --hub`, then run `peerlog sync`.')


@app.command("status")
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Which hub this journal syncs through, as whom, when it last synced, and the pairs that use it."""
    from peerlog.hubclient import JOIN_HINT
    from peerlog.hubclient import status as hub_status

    found = hub_status(state(ctx).store())
    if as_json:
        say_json(found.to_dict() if found else None)
        return
    if found is None:
        say(f"This journal has not joined a programme hub. {JOIN_HINT}")
        return
    s = found.settings
    say(f"Hub: {s.where} (hub {s.hub_id}), as {s.name}{', a coordinator' if s.coordinator else ''}.")
    if found.synced_at is None:
        say("Last sync: not yet. Run `peerlog sync`.")
    else:
        from peerlog.dates import short_day
        from peerlog.render import local

        moment = local(found.synced_at)
        say(f"Last sync: {short_day(moment)} at {moment:%H:%M}.")
    if found.pairs:
        say(f"Pairs through the hub: {', '.join(found.pairs)}.")
    if found.groups:
        say(f"Groups through the hub: {', '.join(found.groups)}.")
    if not found.pairs and not found.groups:
        say('No pairs through the hub yet: `peerlog pair add "Their name" --hub`.')
