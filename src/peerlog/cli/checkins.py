"""`peerlog checkin`, `log`, `show`, `edit`, `delete`: the everyday journal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from peerlog.cli.moments import FUTURE_HELP, WHEN_HELP, check_not_future, parse_moment
from peerlog.cli.say import SKIPPED_ALL, say, say_json, where_it_goes
from peerlog.cli.state import is_interactive, state

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from peerlog.checkins import CheckInFields
    from peerlog.packs import Prompt
    from peerlog.store import Store

app = typer.Typer()

ONLY_LABELS = (
    "Tags and sharing describe a check-in, and this one has no mood, note, win or challenge, so nothing was "
    "saved. That's fine; come back any time."
)


@app.command()
def checkin(
    ctx: typer.Context,
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="The peer this is about, by name.")] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", "-g", help="The group this is about, by name (instead of --pair)."),
    ] = None,
    mood: Annotated[
        int | None, typer.Option("--mood", "-m", help="How you feel: 1 (hard) to 5 (great).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-n", help="What happened, in a few words.")] = None,
    win: Annotated[
        list[str] | None, typer.Option("--win", "-w", help="A win, however small (repeatable).")
    ] = None,
    challenge: Annotated[
        list[str] | None, typer.Option("--challenge", "-c", help="Something that felt hard (repeatable).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag (repeatable).")] = None,
    shared: Annotated[
        bool,
        typer.Option(
            "--shared/--private",
            help="Shared entries can go into exports for your peer; private ones never do.",
        ),
    ] = False,
    at: Annotated[str | None, typer.Option("--at", help=f"When it was. {WHEN_HELP}")] = None,
    future: Annotated[bool, typer.Option("--future", help=FUTURE_HELP)] = False,
) -> None:
    """Log a check-in: mood, what happened, wins and challenges. Every part is optional.

    With no content flags it asks you in the terminal, or reads a note piped on standard input.
    """
    from peerlog.asking import save
    from peerlog.checkins import CheckInFields, save_checkin
    from peerlog.tables import SHARED

    if pair and group:
        from peerlog.cli.groups import refuse_pair_and_group

        refuse_pair_and_group()
    moment = parse_moment(at, "at")
    check_not_future(moment, future=future)
    store = state(ctx).store()
    fields = CheckInFields(mood, note or "", list(win or []), list(challenge or []), list(tag or []))
    # "Given" means typed, not truthy: `--mood 0` must meet the 1-5 check and `--note ""` the empty-note one,
    # never be taken for no flags at all.
    if all(v is None for v in (mood, note, win, challenge, tag)):
        if is_interactive():
            pair, fields = _ask_daily(ctx, store, pair, group)
            if fields.is_empty():
                # Tags or "shared" alone describe a check-in that is not there: say so, not "you skipped".
                answered = bool(fields.tags) or fields.shared is not None
                say(ONLY_LABELS if answered else SKIPPED_ALL)
                return
        else:
            fields.note = _piped_note()
    if group:
        _save_in_group(store, fields, group, moment, shared)
        return
    view = save(store, lambda session: save_checkin(session, fields, pair=pair, at=moment, shared=shared))
    wins = len(view.wins)
    cheer = f" {wins} win{'s' if wins != 1 else ''} noted. Well done." if wins else ""
    say(f"Saved check-in {view.short_id} ({where_it_goes(view.visibility, view.pair)}).{cheer}")
    if view.visibility == SHARED and view.pair is None:
        say(f"To share it with a peer, give it a pair: peerlog edit {view.short_id} --pair NAME")


def _save_in_group(
    store: Store, fields: CheckInFields, group: str, moment: datetime | None, shared: bool
) -> None:
    from peerlog.asking import save
    from peerlog.cli.groups import where_it_goes
    from peerlog.group_sessions import record_group_checkin

    view, name = save(
        store, lambda session: record_group_checkin(session, fields, group=group, at=moment, shared=shared)
    )
    wins = len(view.wins)
    cheer = f" {wins} win{'s' if wins != 1 else ''} noted. Well done." if wins else ""
    say(f"Saved check-in {view.short_id} in {name} ({where_it_goes(view.visibility, name)}).{cheer}")


def _ask_daily(
    ctx: typer.Context, store: Store, pair: str | None, group: str | None = None
) -> tuple[str | None, CheckInFields]:
    """The daily-checkin prompt pack (or your own version of it) asks the questions, after the pair (or
    the group) is checked."""
    from peerlog.asking import PairChoice, check_then_ask, choose_pair
    from peerlog.checkins import check_daily_answer, checkin_fields
    from peerlog.cli import interactive
    from peerlog.cli.prompts import load_catalog

    daily = load_catalog(ctx).get("daily-checkin")

    def ask(
        choice: PairChoice, prompts: Sequence[Prompt] = daily.prompts
    ) -> tuple[str | None, CheckInFields]:
        chosen, given = interactive.ask_checkin(
            [] if pair or group else choice.peers, prompts, check=check_daily_answer
        )
        return pair or chosen, checkin_fields(given)

    if group:
        from peerlog.cli.groups import asked_in_group
        from peerlog.group_sessions import check_group

        return check_then_ask(
            store,
            lambda session: check_group(session, group),
            lambda name: ask(PairChoice(None, []), asked_in_group(daily.prompts, name)),
        )
    return check_then_ask(store, lambda session: choose_pair(session, pair), ask)


def _piped_note() -> str:
    """A note piped in on standard input; refused when it is not UTF-8 or holds nothing."""
    from peerlog.errors import InputError

    try:
        note = sys.stdin.read() if not sys.stdin.closed else ""
    except UnicodeDecodeError:
        raise InputError(
            "The note piped in is not UTF-8 text, so nothing was saved.",
            hint="Convert it to UTF-8 first (e.g. with iconv) and pipe it in again.",
        ) from None
    if not note.strip():
        raise InputError(
            "There is nothing to save: no details were given and nothing came on standard input.",
            hint="Add --note, --mood or --win, pipe a note in, or run it in a terminal to be asked.",
        )
    return note


@app.command("log")
def log(
    ctx: typer.Context,
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="Only check-ins with this peer.")] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", "-g", help="Only check-ins in this group: yours and what members shared."),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help=f"From this moment. {WHEN_HELP}")] = None,
    until: Annotated[str | None, typer.Option("--until", help=f"Up to this moment. {WHEN_HELP}")] = None,
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Only check-ins with this tag.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-l", help="How many to show, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show your check-ins (and shared ones from your peers), newest first."""
    from peerlog.checkins import list_checkins

    since_at, until_at = parse_moment(since, "since"), parse_moment(until, "until")
    with state(ctx).store().session() as session:
        views = list_checkins(
            session, pair=pair, group=group, since=since_at, until=until_at, tag=tag, limit=limit
        )
    if as_json:
        say_json([v.to_dict() for v in views])
        return
    if not views:
        say("No check-ins here yet. `peerlog checkin` takes a few seconds whenever you're ready.")
        return
    from peerlog import render
    from peerlog.render import journal

    console = render.console()
    console.print(journal.checkin_table(views, console.width))


@app.command()
def show(
    ctx: typer.Context,
    entry_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="Any id peerlog prints (its first characters): a check-in, reflection or feedback, "
            "or a win, challenge or answer (shown with the entry it is part of).",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show one entry in full: a check-in, a reflection or feedback."""
    from peerlog.checkins import get_checkin
    from peerlog.cli import reflect
    from peerlog.feedback import get_feedback
    from peerlog.reflections import get_reflection

    store = state(ctx).store()
    kind, prefix, part = reflect.shown_entry(store, entry_id)
    with store.session() as session:
        if kind == reflect.REFLECTION:
            view: Any = get_reflection(session, prefix)
        elif kind == reflect.FEEDBACK:
            view = get_feedback(session, prefix)
        else:
            view = get_checkin(session, prefix)
    if as_json:
        say_json(view.to_dict())
        return
    from peerlog import render
    from peerlog.render import journal, reflections

    if part:
        say(f"{part} is part of {kind} {view.short_id}:")
    if kind == reflect.REFLECTION:
        shown = reflections.reflection_panel(view)
    elif kind == reflect.FEEDBACK:
        shown = reflections.feedback_panel(view)
    else:
        shown = journal.checkin_detail(view)
    render.console().print(shown)


@app.command()
def edit(
    ctx: typer.Context,
    checkin_id: Annotated[str, typer.Argument(metavar="ID", help="The entry's id (its first characters).")],
    mood: Annotated[int | None, typer.Option("--mood", "-m", help="A new mood, 1 to 5.")] = None,
    note: Annotated[
        str | None,
        typer.Option("--note", "-n", help="A new note, or feedback's new words (replaces the old)."),
    ] = None,
    add_win: Annotated[list[str] | None, typer.Option("--add-win", help="Add a win (repeatable).")] = None,
    add_challenge: Annotated[
        list[str] | None, typer.Option("--add-challenge", help="Add a challenge (repeatable).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Add a tag (repeatable).")] = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", help="Remove a tag (repeatable).")] = None,
    shared: Annotated[
        bool | None, typer.Option("--shared/--private", help="Change who may see it.", show_default=False)
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help=f"Move it to another moment. {WHEN_HELP}")] = None,
    pair: Annotated[
        str | None, typer.Option("--pair", "-p", help="Move it to the pair with this peer.")
    ] = None,
    future: Annotated[bool, typer.Option("--future", help=FUTURE_HELP)] = False,
    answer: Annotated[
        list[str] | None,
        typer.Option(
            "--answer",
            "-a",
            metavar="ID=TEXT",
            help="A reflection's new answer to one question (repeatable).",
        ),
    ] = None,
) -> None:
    """Change one of your entries: with flags, or in $EDITOR on its note when given none.

    Any id peerlog prints works: a reflection takes --answer, --shared/--private and --at; feedback takes
    --note for its words (or $EDITOR when given no flags), --shared/--private and --at.
    """
    from peerlog.asking import save
    from peerlog.checkins import update_checkin
    from peerlog.tables import PRIVATE, SHARED

    store = state(ctx).store()
    from peerlog.cli import reflect

    kind = reflect.entry_kind(store, checkin_id)
    if kind != reflect.CHECKIN:
        flags: list[tuple[str, object]] = [("--mood", mood), ("--add-win", add_win), ("--tag", tag)]
        flags += [("--add-challenge", add_challenge), ("--untag", untag), ("--pair", pair)]
        other = [name for name, value in flags if value is not None and value != []]
        reflect.edit_entry(ctx, kind, checkin_id, note=note, answer=answer, shared=shared, at=at, other=other)
        return
    moment = parse_moment(at, "at")
    check_not_future(moment, future=future)
    drafts = None
    if answer:
        from peerlog.errors import InputError

        raise InputError(
            "A check-in has no --answer to change; nothing was changed.",
            hint="--answer changes a reflection's answers; a check-in takes --note, --mood and the rest.",
        )
    if all(v is None or v == [] for v in (mood, note, add_win, add_challenge, tag, untag, shared, at, pair)):
        edited = _edit_note(store, checkin_id)
        if edited is None:
            say("No changes made; the check-in is as it was.")
            return
        note, drafts = edited
    with _draft_kept(note, drafts):
        view = save(
            store,
            lambda session: update_checkin(
                session,
                checkin_id,
                mood=mood,
                note=note,
                add_wins=add_win,
                add_challenges=add_challenge,
                add_tags=tag,
                remove_tags=untag,
                visibility=None if shared is None else SHARED if shared else PRIVATE,
                at=moment,
                pair=pair,
            ),
        )
    say(f"Updated check-in {view.short_id}.")


def _edit_note(store: Store, checkin_id: str) -> tuple[str, Path] | None:
    """The check-in's note as changed in $EDITOR, and the drafts folder; None when it was left as it was."""
    from peerlog.checkins import get_checkin
    from peerlog.editor import drafts_folder, edit_text
    from peerlog.errors import InputError

    if not is_interactive():
        raise InputError(
            "There is nothing to change: no flags were given, and there is no terminal to open your editor in.",
            hint="Give the change with flags such as --note or --mood, or run it in a terminal.",
        )
    with store.session() as session:
        current = get_checkin(session, checkin_id)
    drafts = drafts_folder(store.path)
    edited = edit_text(current.note, folder=drafts)
    if edited is None or edited.strip() == current.note.strip():
        return None
    return edited, drafts


@contextmanager
def _draft_kept(note: str | None, drafts: Path | None) -> Iterator[None]:
    """Words written in the editor are never lost: when saving them fails they wait in a private file."""
    from peerlog.errors import PeerlogError

    try:
        yield
    except PeerlogError as error:
        if drafts is None or note is None:
            raise
        from peerlog.editor import keep_draft

        kept = keep_draft(note, drafts)
        error.hint = (
            f'Your edited note is kept in {kept}; once it is fixed, give it with --note "$(cat {kept})".'
        )
        raise


@app.command()
def delete(
    ctx: typer.Context,
    checkin_id: Annotated[
        str, typer.Argument(metavar="ID", help="The check-in's id (its first characters).")
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking first.")] = False,
) -> None:
    """Delete one of your entries (a check-in, reflection or feedback), after asking you to confirm."""
    from peerlog.checkins import delete_checkin, get_checkin

    store = state(ctx).store()
    from peerlog.cli import reflect

    kind = reflect.entry_kind(store, checkin_id)
    if kind == reflect.CHECKIN:
        with store.session() as session:
            view = get_checkin(session, checkin_id)
        full_id = view.id
        first = view.note.splitlines()[0][:60] if view.note else "(no note)"
        reminder = f"Check-in {view.short_id}: {first}"
    else:
        full_id, reminder = reflect.describe_entry(store, kind, checkin_id)
    if not yes:
        say(reminder)
        try:
            confirmed = typer.confirm("Delete it? This cannot be undone.", default=False)
        except typer.Abort as stop:
            # Ctrl-C stops here as at every other question; the end of piped input means "no".
            if isinstance(stop.__context__, KeyboardInterrupt) or isinstance(
                stop.__cause__, KeyboardInterrupt
            ):
                raise
            confirmed = False
        if not confirmed:
            say("Kept it; nothing was deleted.")
            return
    if kind != reflect.CHECKIN:
        reflect.delete_entry(store, kind, full_id)
        return
    with store.session(write=True) as session:
        deleted = delete_checkin(session, full_id)
    say(f"Deleted check-in {deleted.short_id}.")
