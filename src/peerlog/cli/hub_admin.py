"""`peerlog hub init/invite/remove/members/report`: the admin's and the coordinator's side of a hub.

The admin is whoever runs `hub init` with a PostgreSQL role that may create roles; every later admin
command uses the same address: `--url`, else $PEERLOG_HUB_URL, else the one `hub init` kept on this machine
(owner-only, beside the journal, never exported). Each command is one transaction: it lands whole or not
at all.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerlog.cli.hub import app
from peerlog.cli.say import say, say_json
from peerlog.cli.state import state
from peerlog.files import HUB_ADMIN_SUFFIX

if TYPE_CHECKING:
    from peerlog.hubschema import Participation

URL_ENV = "PEERLOG_HUB_URL"
#: Beside the journal: the admin's hub address, kept by `hub init` (a member's connection is `<journal>.hub`).
ADMIN_SUFFIX = HUB_ADMIN_SUFFIX
MEMBER_SUFFIX = ".hub"

Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        metavar="URL",
        help=f"The hub's PostgreSQL address (default: ${URL_ENV}, else the one `hub init` kept here).",
        show_default=False,
    ),
]


def _beside_journal(ctx: typer.Context, suffix: str) -> Path:
    db = state(ctx).paths().db
    return db.with_name(db.name + suffix)


def _keep_admin_url(ctx: typer.Context, url: str, hub_id: str) -> Path:
    import json

    from peerlog.files import make_private_folder, write_file

    path = _beside_journal(ctx, ADMIN_SUFFIX)
    make_private_folder(path.parent)
    return write_file(path, json.dumps({"url": url, "hub_id": hub_id}) + "\n", private=True, force=True)


def _saved_url(ctx: typer.Context, *, as_member: bool) -> str | None:
    import json

    from peerlog.hubcodes import JoinCode

    suffixes = (ADMIN_SUFFIX, MEMBER_SUFFIX) if as_member else (ADMIN_SUFFIX,)
    for suffix in suffixes:
        path = _beside_journal(ctx, suffix)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if suffix == ADMIN_SUFFIX:
                return str(data["url"])
            return JoinCode(**{k: data[k] for k in JoinCode.__dataclass_fields__}).conninfo()
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def hub_url(ctx: typer.Context, url: str | None, *, as_member: bool = False) -> str:
    """Which hub an admin (or, with `as_member`, a coordinator) command talks to."""
    from peerlog.errors import InputError

    found = url or os.environ.get(URL_ENV) or _saved_url(ctx, as_member=as_member)
    if not found:
        raise InputError(
            "Which hub? No address was given and none is kept on this machine; nothing was changed.",
            hint=f"Add --url URL (or set ${URL_ENV}).",
        )
    return found


@app.command("init")
def init(
    ctx: typer.Context,
    url: Annotated[
        str,
        typer.Argument(
            metavar="URL",
            help="The PostgreSQL database for the hub, e.g. postgresql://admin@db.example.org/programme.",
        ),
    ],
) -> None:
    """Make a programme hub in a PostgreSQL database (safe to run again: it only adds missing steps).

    Run it once, as a PostgreSQL role that may create roles: you become the hub's admin. The address is
    kept on this machine (owner-only) so `hub invite`, `hub remove`, `hub members` and `hub report` find it.
    """
    from peerlog import hubschema

    report = hubschema.init(url)
    if report.created:
        say(f"Made a programme hub (id {report.hub_id}) with {len(report.applied)} schema step(s).")
    elif report.applied:
        say(f"Brought hub {report.hub_id} up to date: applied {', '.join(report.applied)}.")
    else:
        say(f"Hub {report.hub_id} is already set up and up to date; nothing was changed.")
    try:
        kept = _keep_admin_url(ctx, url, report.hub_id)
        say(f"Its address is kept in {kept} for your next hub commands.")
    except Exception as error:  # the hub is made either way; only the convenience is missing
        say(f"The address was not kept on this machine ({error}); give --url to the next commands.")
    say("Next: invite people with `peerlog hub invite NAME` (add --coordinator for a coordinator).")


@app.command("invite")
def invite(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The person's name, as others will see it.")],
    coordinator: Annotated[
        bool,
        typer.Option(
            "--coordinator", help="A coordinator: sees participation counts only, never what anyone wrote."
        ),
    ] = False,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            metavar="HOST",
            help="The server's address as people reach it (default: the one you connect with).",
            show_default=False,
        ),
    ] = None,
    url: Url = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON for scripts.")] = False,
) -> None:
    """Invite a person to the hub: they get their own PostgreSQL role, and a code to join with.

    Hand the printed line to them yourself, as you would a key: it lets whoever holds it in as them.
    """
    from peerlog import hubschema

    invited = hubschema.invite(hub_url(ctx, url), name, coordinator=coordinator, host=host)
    command = f"peerlog hub join {invited.code}"
    if as_json:
        say_json({"name": invited.name, "role": invited.role, "coordinator": coordinator, "join": command})
        return
    what = "a coordinator (participation counts only)" if coordinator else "a member"
    say(f"Invited {invited.name} as {what}, with the role {invited.role}.")
    say("Give them this line, in person or through a channel you both trust; it lets them in as themselves:")
    typer.echo(command)


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Who leaves the hub (their name or role).")],
    url: Url = None,
) -> None:
    """End a person's access to the hub; the programme's participation history stays.

    Their role can no longer log in, their open connections end, they leave every pair and circle on
    the hub, and change sets still waiting for them are deleted (nobody else could open them).
    """
    from peerlog import hubschema

    removed = hubschema.remove(hub_url(ctx, url), name)
    details = [f"left {removed.spaces_left} pair(s) or circle(s)"]
    if removed.mail_deleted:
        details.append(f"{removed.mail_deleted} unread change set(s) deleted")
    if removed.sessions_ended:
        details.append(f"{removed.sessions_ended} open connection(s) ended")
    elif removed.sessions_ended is None:
        details.append("any open connection of theirs now reaches nothing")
    say(
        f"{removed.name} can no longer use this hub: {', '.join(details)}. Their history stays in the counts."
    )


@app.command("members")
def members(
    ctx: typer.Context,
    everyone: Annotated[bool, typer.Option("--all", help="Also list people who were removed.")] = False,
    url: Url = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON for scripts.")] = False,
) -> None:
    """List the hub's people: names, roles, when they joined. Never anything they wrote."""
    from peerlog import hubschema

    rows = hubschema.members(hub_url(ctx, url), include_removed=everyone)
    if as_json:
        say_json(
            [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "role": r.role,
                    "invited_at": r.invited_at.isoformat(),
                    "joined_at": r.joined_at.isoformat() if r.joined_at else None,
                    "removed_at": r.removed_at.isoformat() if r.removed_at else None,
                    "pairs_and_circles": r.spaces,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        say("Nobody is on this hub yet. Invite someone with `peerlog hub invite NAME`.")
        return
    from peerlog import render
    from peerlog.render import hub as shown

    render.console().print(shown.member_table(rows))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@app.command("report")
def report(
    ctx: typer.Context,
    weeks: Annotated[
        int,
        typer.Option(
            "--weeks", min=1, max=52, metavar="NUMBER", help="How many weeks back, this one included."
        ),
    ] = 4,
    url: Url = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON for scripts.")] = False,
) -> None:
    """Participation per pair and circle, week by week: sessions and active members. Counts only.

    For the programme's coordinators and its admin. A session is a day a pair or circle met or wrote;
    nobody's words, and nothing about who wrote what, ever reach the hub's counts.
    """
    from peerlog import hubschema

    since = _monday(date.today()) - timedelta(weeks=weeks - 1)
    counts = hubschema.participation(hub_url(ctx, url, as_member=True), since)
    if as_json:
        say_json(_report_json(counts))
        return
    if not counts.spaces:
        say(
            f"No pair or circle has met or written through the hub since {since:%a} {since.day} {since:%b %Y}."
        )
        return
    from peerlog import render
    from peerlog.render import hub as shown

    render.console().print(shown.participation(counts))


def _report_json(counts: Participation) -> dict[str, object]:
    return {
        "since": counts.since.isoformat(),
        "weeks": [
            {"week": week.isoformat(), "active_members": n} for week, n in sorted(counts.active.items())
        ],
        "spaces": [
            {
                "space": s.space,
                "kind": s.kind,
                "week": s.week.isoformat(),
                "sessions": s.sessions,
                "active_members": s.active_members,
            }
            for s in counts.spaces
        ],
    }
