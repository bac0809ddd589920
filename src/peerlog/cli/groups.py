"""`peerlog group ...`: small circles of peers who meet as equals, their sessions and rounds.

Members come and go with `group join` and `group leave` (not "add" and "remove"): the words say what the
person does, their own choice as an equal, and match the history `group show` keeps (joined, left).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from peerlog.cli.moments import WHEN_HELP, parse_moment
from peerlog.cli.prompts import load_catalog
from peerlog.cli.say import say, say_json
from peerlog.cli.state import is_interactive, state

if TYPE_CHECKING:
    from datetime import datetime

    from peerlog.group_sessions import SessionPlan
    from peerlog.groups import GroupView
    from peerlog.packs import Given, Pack, Prompt

app = typer.Typer(
    no_args_is_help=True,
    help="Groups of peers who meet as equals: start one, record sessions, and see its history.",
)

ROUND_PACK = "group-round"
GroupName = Annotated[str, typer.Argument(metavar="NAME", help="The group's name (any case, or its start).")]
Members = Annotated[
    list[str] | None,
    typer.Option("--member", "-m", metavar="NAME", help="A member's name (repeatable).", show_default=False),
]


def where_it_goes(visibility: str, group: str) -> str:
    """Who a group entry reaches, truthfully: the members of the group, by sealed bundles."""
    if visibility != "shared":
        return "private: only you see it"
    return (
        f"shared with {group}: it goes into your exports, and to each member with your next `peerlog sync` "
        "or `peerlog share --group`"
    )


def refuse_pair_and_group() -> None:
    """`--pair` and `--group` together: an entry belongs to one or the other, so which is never guessed."""
    from peerlog.errors import InputError

    raise InputError(
        "An entry belongs to a pair or to a group, not both; nothing was saved.",
        hint="Give --pair NAME or --group NAME.",
    )


def asked_in_group(prompts: Sequence[Prompt], group: str) -> list[Prompt]:
    """The daily pack's questions for a check-in in a group: "shared" is asked about the group, truthfully."""
    from dataclasses import replace

    question = f"Mark it shared with {group}? For now a shared group entry goes into your exports only."
    return [replace(p, text=question) if p.id == "shared" and p.kind == "confirm" else p for p in prompts]


def _show(view: GroupView) -> None:
    from peerlog import render
    from peerlog.render import groups as shown

    render.console().print(shown.group_detail(view))


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help='What the group is called, e.g. "Tuesday circle".')
    ],
    member: Members = None,
    agreement: Annotated[
        str | None,
        typer.Option(
            "--agreement",
            "-a",
            help="What you agree on together, e.g. how you listen and what stays in the room.",
        ),
    ] = None,
) -> None:
    """Start a group of 3 to 12 people, you included: peers you already pair with, or new ones."""
    from peerlog.groups import add_group

    with state(ctx).store().session(write=True) as session:
        group, new = add_group(session, name=name, members=list(member or []), agreement=agreement)
    others = [m.name for m in group.current if not m.is_you]
    say(f"{group.name} has started: you, {', '.join(others)}.")
    if new:
        # A name typed slightly differently from a peer's makes a new person: said, so it can be seen.
        say(f"New to your journal: {', '.join(new)}.")
    say(f'Record a meeting with `peerlog group session "{group.name}"`.')


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List your groups."""
    from peerlog.groups import list_groups

    with state(ctx).store().session() as session:
        groups = list_groups(session)
    if as_json:
        say_json([g.to_dict() for g in groups])
        return
    if not groups:
        say('No groups yet. Start one with `peerlog group add "Group name" --member NAME --member NAME`.')
        return
    from peerlog import render
    from peerlog.render import groups as shown

    render.console().print(shown.group_table(groups))


@app.command("show")
def show(
    ctx: typer.Context,
    name: GroupName,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show a group: who is part of it and since when, your agreement, sessions, and who facilitates next."""
    from peerlog.groups import show_group

    with state(ctx).store().session() as session:
        group = show_group(session, name, sessions=None if as_json else 10)
    if as_json:
        say_json(group.to_dict())
        return
    _show(group)


SYNC_DIR_HELP = 'One folder every member keeps in step (Syncthing, Dropbox, a USB stick...) for `peerlog sync` ("" clears it).'


@contextmanager
def _first_bundle_hint(sync_dir: str | None) -> Iterator[None]:
    """A member setting the folder of a circle someone else started, before it is in their journal: the
    way in is the first bundle for them, not `group add` (which would start a second circle)."""
    from peerlog.errors import NotFoundError

    try:
        yield
    except NotFoundError as error:
        if sync_dir:
            error.hint = (
                "A circle another member started comes into your journal with the first bundle for you, and "
                "the folder holds none yet: once a member who has your key has synced, run this again (or "
                "`peerlog import FILE` the bundle they made with `share --group`)."
            )
        raise


def _bring_in_from(ctx: typer.Context, name: str, folder: str) -> None:
    """A circle another member started is not in your journal until its first bundle for you arrives: when
    you name its folder before that, take in what the folder holds for you, so the circle comes in with it."""
    from pathlib import Path

    from peerlog.errors import NotFoundError
    from peerlog.exchange import take_in_folder
    from peerlog.groups import resolve_group
    from peerlog.identity import ensure_identity
    from peerlog.syncing import SyncLock

    store = state(ctx).store()
    with store.session() as session:
        try:
            resolve_group(session, name)
            return
        except NotFoundError:
            pass
    with SyncLock(store.path):
        report = take_in_folder(store, ensure_identity(store.path), Path(folder), label=name)
    if report.arrivals:
        senders = sorted({arrival.sender for arrival in report.arrivals}, key=str.casefold)
        count = len(report.arrivals)
        say(f"Took in {count} bundle{'s' if count != 1 else ''} for you from {folder} ({_and(senders)}).")


@app.command("set")
def set_(
    ctx: typer.Context,
    name: GroupName,
    agreement: Annotated[
        str | None, typer.Option("--agreement", "-a", help='What you agree on now ("" clears it).')
    ] = None,
    sync_dir: Annotated[str | None, typer.Option("--sync-dir", metavar="FOLDER", help=SYNC_DIR_HELP)] = None,
    hub: Annotated[
        bool,
        typer.Option(
            "--hub",
            help="Sync this group through your programme hub, with every member whose key is in its directory.",
        ),
    ] = False,
) -> None:
    """Change a group's agreement, or how its members sync (a folder, or your programme hub)."""
    from peerlog.errors import InputError
    from peerlog.groups import set_agreement

    if agreement is None and sync_dir is None and not hub:
        raise InputError(
            "There is nothing to change: give --agreement, --sync-dir or --hub.",
            hint=f'For example: peerlog group set "{name}" --sync-dir ~/Sync/circle',
        )
    if hub:
        from peerlog.hubclient import link_group

        linked = link_group(state(ctx).store(), name)
        say(f"{linked.group} syncs through your programme hub (`peerlog sync`).")
        if linked.missing:
            say(
                f"  Not there yet: {', '.join(linked.missing)} (no key in your journal, or not in the hub's "
                "directory with it); run this again once they have joined and you hold their key."
            )
    from peerlog.exchange import set_group_sync_folder
    from peerlog.pairs import clean_sync_dir

    folder = clean_sync_dir(sync_dir) if sync_dir is not None else None
    if folder is not None and agreement is None:
        _bring_in_from(ctx, name, folder)
    with state(ctx).store().session(write=True) as session, _first_bundle_hint(sync_dir):
        if agreement is not None:
            group = set_agreement(session, name, agreement)
        if sync_dir is not None:
            group_name, folder = set_group_sync_folder(session, name, folder)
    if agreement is not None:
        say(f"{group.name}: your agreement is {'updated' if group.agreement else 'cleared'}.")
    if sync_dir is not None:
        say(f"{group_name} syncs through {folder}." if folder else f"{group_name} has no sync folder now.")


@app.command("rename")
def rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(metavar="OLD", help="The group's name now.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The name to use from now on.")],
) -> None:
    """Give a group a new name. Its members, sessions and rounds stay with it."""
    from peerlog.groups import rename_group

    with state(ctx).store().session(write=True) as session:
        before, group = rename_group(session, old, new)
    if before == group.name:
        say(f"{group.name} already has that name; nothing changed.")
        return
    say(f"{before} is now called {group.name}; everything in it stays as it was.")


@app.command("end")
def end(ctx: typer.Context, name: GroupName) -> None:
    """End a group. Its members, sessions and rounds stay in your journal."""
    from peerlog.groups import end_group

    with state(ctx).store().session(write=True) as session:
        group = end_group(session, name)
    say(f"{group.name} has ended. Its history stays here whenever you need it.")


@app.command("join")
def join(ctx: typer.Context, name: GroupName, member: Members = None) -> None:
    """Welcome someone into a group (or back into it): --member NAME for each person."""
    from peerlog.groups import join_group

    with state(ctx).store().session(write=True) as session:
        group, names = join_group(session, name, list(member or []))
    say(f"Welcome, {_and(names)}: {'they are' if len(names) > 1 else 'now'} part of {group.name}.")


@app.command("leave")
def leave(ctx: typer.Context, name: GroupName, member: Members = None) -> None:
    """Note that someone has left a group: --member NAME. Their time in it stays in its history."""
    from peerlog.groups import leave_group

    with state(ctx).store().session(write=True) as session:
        group, names = leave_group(session, name, list(member or []))
    say(f"{_and(names)} left {group.name}; their time in it stays in its history.")


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@app.command("session")
def session_(
    ctx: typer.Context,
    name: GroupName,
    came: Annotated[
        list[str] | None,
        typer.Option(
            "--came",
            metavar="NAME",
            help="A member who came (repeatable); you are counted as there.",
            show_default=False,
        ),
    ] = None,
    facilitator: Annotated[
        str | None,
        typer.Option(
            "--facilitator", "-f", metavar="NAME", help="Who facilitated this time (asked on a terminal)."
        ),
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help=f"When the session was. {WHEN_HELP}")] = None,
    pack: Annotated[
        str, typer.Option("--pack", help="The pack for your round (`peerlog prompts list`).")
    ] = ROUND_PACK,
    answer: Annotated[
        list[str] | None,
        typer.Option(
            "--answer",
            "-a",
            metavar="ID=TEXT",
            help="Answer one question of your round without being asked (repeatable).",
        ),
    ] = None,
    no_round: Annotated[
        bool, typer.Option("--no-round", help="Record the session without your round.")
    ] = False,
    shared: Annotated[
        bool,
        typer.Option(
            "--shared/--private",
            help="Mark your round and this record shared with the group; private ones never leave this journal.",
        ),
    ] = False,
) -> None:
    """Record a group session: who came, who facilitated, and your own round (every question skippable).

    On a terminal it asks what the flags leave out. peerlog suggests a facilitator, whoever present has
    gone longest without facilitating, so the role rotates; whoever the group chooses is welcome.
    """
    from peerlog.asking import check_then_ask, save
    from peerlog.errors import InputError
    from peerlog.group_sessions import plan_session, record_session
    from peerlog.models import PRIVATE, SHARED

    if no_round and answer:
        raise InputError("--no-round leaves your round out, so it cannot take --answer; nothing was saved.")
    moment = parse_moment(at, "at")
    _check_happened(moment)
    chosen = None if no_round else load_catalog(ctx).get(pack)
    given: list[Given] = []
    if answer and chosen is not None:
        from peerlog.reflections import parse_answers

        given = parse_answers(chosen, answer)
    store = state(ctx).store()
    who = list(came or [])
    if is_interactive() and (not who or facilitator is None or (chosen is not None and not answer)):
        who, facilitator, asked = check_then_ask(
            store,
            lambda session: plan_session(session, name, at=moment),
            lambda plan: _ask_session(plan, who, facilitator, None if answer else chosen),
        )
        given = given or asked
    visibility = SHARED if shared else PRIVATE
    recorded = save(
        store,
        lambda session: record_session(
            session,
            group=name,
            came=who,
            facilitator=facilitator,
            at=moment,
            pack=chosen,
            answers=given,
            visibility=visibility,
        ),
    )
    from peerlog.dates import short_day

    held = recorded.session
    facilitated = (
        f"{'you' if held.facilitated_by_you else held.facilitator} facilitated this time"
        if held.facilitator
        else "no facilitator noted"
    )
    say(
        f"Saved the session of {recorded.group} on {short_day(held.at)}: {len(held.came)} of you came, {facilitated}."
    )
    if recorded.round is not None:
        count = len({a.prompt_id for a in recorded.round.answers})
        say(
            f"Your round {recorded.round.short_id} ({count} of {len(chosen.prompts) if chosen else count} "
            f"questions answered; {where_it_goes(recorded.round.visibility, recorded.group)})."
        )
    if recorded.next_suggested:
        say(
            f"Next time peerlog suggests {recorded.next_suggested} to facilitate, so the role keeps moving; "
            "whoever the group chooses is welcome."
        )
    if held.facilitated_by_you:
        say(
            f'A short check for you as facilitator, whenever you like: `peerlog reflect --group "{recorded.group}" '
            "--pack facilitator-check`."
        )


def _check_happened(moment: datetime | None) -> None:
    """A session is recorded once it has happened: a moment still to come is most likely a slip."""
    from datetime import timedelta

    from peerlog.dates import local_now, short_day
    from peerlog.errors import InputError

    if moment is not None and moment > local_now() + timedelta(minutes=1):
        raise InputError(
            f"{short_day(moment)} is still to come, and a session is recorded once it has happened; nothing was saved.",
            hint="Give --at a past moment, or leave it out for now.",
        )


def _ask_session(
    plan: SessionPlan, came: list[str], facilitator: str | None, pack: Pack | None
) -> tuple[list[str], str | None, list[Given]]:
    """Who came (unless --came said), who facilitated (unless --facilitator said), then your round."""
    from peerlog.checkins import check_answer_text
    from peerlog.cli import interactive
    from peerlog.errors import InputError
    from peerlog.hints import find_hints
    from peerlog.packs import Prompt

    if not came and plan.others:
        picked = interactive.ask_prompt(
            Prompt(
                id="came",
                text="Who came this time?",
                kind="multi",
                help="You are counted as there.",
                choices=tuple(plan.others),
            )
        )
        came = list(picked) if isinstance(picked, list) else []
        if not came:
            raise InputError(
                "A session needs at least one other member there, so nothing was saved.",
                hint="Pick who came with Space, then Enter.",
            )
    if facilitator is None:
        present = plan.present(came)
        suggested = plan.suggest(came)
        labels = {("you" if n == plan.you else n): n for n in present}
        hint = _wrapped(
            f"Suggested: {'you' if suggested == plan.you else suggested} (first below), who has gone longest "
            "without facilitating. Whoever the group chose is welcome."
        )
        picked_one = interactive.ask_prompt(
            Prompt(
                id="facilitator",
                text="Who facilitated this time?",
                kind="choice",
                help=hint,
                choices=tuple(labels),
            )
        )
        facilitator = labels.get(str(picked_one)) if picked_one else None
    given: list[Given] = []
    if pack is not None:
        say(_wrapped(f"{pack.title}: {pack.description} Every question can be skipped.", indent=""))
        given = interactive.ask_pack(pack.prompts, check=check_answer_text, hints_for=find_hints)
        if not given:
            say("No round this time; the session is still saved.")
    return came, facilitator, given


def _wrapped(text: str, *, indent: str = "  ") -> str:
    """Text wrapped to the terminal between words; help lines are printed after two spaces."""
    import shutil
    import textwrap

    width = max(shutil.get_terminal_size().columns - 1 - len(indent), 20)
    return f"\n{indent}".join(textwrap.wrap(text, width))
