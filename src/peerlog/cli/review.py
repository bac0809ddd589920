"""`peerlog wins`, `summary`, `search` and `challenge done`: looking back together at how far you've come."""

from __future__ import annotations

from typing import Annotated

import typer

from peerlog.cli.moments import WHEN_HELP, parse_moment
from peerlog.cli.say import say, say_json
from peerlog.cli.state import state

app = typer.Typer()
challenge_app = typer.Typer(no_args_is_help=True)
app.add_typer(
    challenge_app,
    name="challenge",
    help="Your challenges: list them, and mark one overcome when it is (it becomes a win).",
)


def _print_json(data: object) -> None:
    say_json(data)


TOGETHER_HELP = (
    "For two people looking at one screen: only what you both can see (shared entries of the pair, "
    "never your private notes). Uses your one active pair unless you add --pair."
)
GROUP_HELP = "Your group with this name: every member the same space, nobody ranked (instead of --pair)."


def _show(build) -> None:
    """Print a rich renderable built for this terminal's width."""
    from peerlog import render

    console = render.console()
    console.print(build(console.width))


@app.command()
def wins(
    ctx: typer.Context,
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="You and this peer, side by side.")] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help=GROUP_HELP)] = None,
    together: Annotated[bool, typer.Option("--together", help=TOGETHER_HELP)] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help=f"From this moment (default: the start of the week, 3 weeks ago). {WHEN_HELP}"
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help=f"Up to this moment (default: now). {WHEN_HELP}")
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="List every win of a very full week (the first 12 per person otherwise)."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON for scripts (always every win).")
    ] = False,
) -> None:
    """Celebrate wins, week by week, with mood trends and how far each of you has come."""
    from peerlog.wins import wins_view

    since_at, until_at = parse_moment(since, "since"), parse_moment(until, "until")
    with state(ctx).store().session() as session:
        view = wins_view(session, pair=pair, since=since_at, until=until_at, together=together, group=group)
    if as_json:
        _print_json(view.to_dict())
        return
    from peerlog.render import review

    _show(lambda width: review.wins_screen(view, width, show_all=show_all))


@app.command()
def summary(
    ctx: typer.Context,
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="You and this peer, side by side.")] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help=GROUP_HELP)] = None,
    together: Annotated[bool, typer.Option("--together", help=TOGETHER_HELP)] = False,
    week: Annotated[bool, typer.Option("--week", help="The last 7 days (the default).")] = False,
    month: Annotated[bool, typer.Option("--month", help="The last month.")] = False,
    since: Annotated[
        str | None, typer.Option("--since", help=f"From this moment to now. {WHEN_HELP}")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """One screen on a period: check-ins, moods, wins, challenges, reflections and feedback both ways.

    With --group: the group's sessions, the rounds shared with it, and its session check as a spread."""
    from peerlog.errors import InputError
    from peerlog.review import check_one_place
    from peerlog.summary import group_summary_view, summary_view

    if sum((week, month, since is not None)) > 1:
        raise InputError("Choose one of --week, --month or --since.")
    check_one_place(pair, group)
    since_at = parse_moment(since, "since")
    with state(ctx).store().session() as session:
        if group is not None:
            circle = group_summary_view(session, group, since=since_at, month=month, together=together)
        else:
            view = summary_view(session, pair=pair, since=since_at, month=month, together=together)
    if as_json:
        _print_json(circle.to_dict() if group is not None else view.to_dict())
        return
    from peerlog.render import review

    if group is not None:
        _show(lambda width: review.group_summary_screen(circle, width))
    else:
        _show(lambda width: review.summary_screen(view, width))


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[
        list[str],
        typer.Argument(
            metavar="WORDS...", help='Words to find; "quote a phrase"; end a word with * for its beginning.'
        ),
    ],
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="Only entries with this peer.")] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", "-g", help="Only entries in this group: yours and what members shared."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-l", help="How many matches to show, best first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Find words in notes, wins, challenges, answers and feedback, best matches first."""
    from peerlog.search import search as run_search

    with state(ctx).store().session() as session:
        results = run_search(session, " ".join(query), pair=pair, group=group, limit=limit)
    if as_json:
        _print_json(results.to_dict())
        return
    from peerlog.render import review

    _show(lambda width: review.search_results(results, width))


@challenge_app.command("done")
def challenge_done(
    ctx: typer.Context,
    challenge_id: Annotated[
        str, typer.Argument(metavar="ID", help="The challenge's id (its first characters).")
    ],
    note: Annotated[str | None, typer.Option("--note", "-n", help="What helped, in a few words.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help=f"When it was overcome (default: now). {WHEN_HELP}")
    ] = None,
) -> None:
    """Mark one of your challenges overcome: it becomes a win."""
    from peerlog.challenges import mark_overcome

    moment = parse_moment(at, "at")
    with state(ctx).store().session(write=True) as session:
        result = mark_overcome(session, challenge_id, note=note, at=moment)
    if result.already:
        say(f"“{result.text}” was already marked overcome. It stays among your wins.")
        return
    say(f"Overcome: “{result.text}”. That's a win, well done. It now shows in `peerlog wins`.")


@challenge_app.command("reopen")
def challenge_reopen(
    ctx: typer.Context,
    challenge_id: Annotated[
        str, typer.Argument(metavar="ID", help="The challenge's id (its first characters).")
    ],
) -> None:
    """Mark a challenge as not overcome after all (it is fine for things to come back)."""
    from peerlog.challenges import reopen

    with state(ctx).store().session(write=True) as session:
        result = reopen(session, challenge_id)
    say(f"“{result.text}” is open again. Take the time it needs.")


@challenge_app.command("list")
def challenge_list(
    ctx: typer.Context,
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="Only challenges with this peer.")] = None,
    include_overcome: Annotated[
        bool, typer.Option("--all", help="Include the ones already overcome.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-l", help="How many to show, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List your open challenges with their ids, newest first."""
    from peerlog.challenges import list_challenges

    with state(ctx).store().session() as session:
        items = list_challenges(session, pair=pair, include_overcome=include_overcome, limit=limit)
    if as_json:
        _print_json([c.to_dict() for c in items])
        return
    if not items:
        say(
            "No open challenges here. If something feels hard, "
            '`peerlog checkin --challenge "…"` keeps it in view.'
        )
        return
    from peerlog.render import review

    _show(lambda width: review.challenge_table(items, width))
