"""`peerlog reflect`, `reflections` and `feedback`: answering a pack after a conversation, and two-way feedback."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from peerlog.cli.moments import WHEN_HELP, parse_moment
from peerlog.cli.prompts import load_catalog
from peerlog.cli.say import SKIPPED_ALL, say, say_json, where_it_goes
from peerlog.cli.state import is_interactive, state

if TYPE_CHECKING:
    from datetime import datetime

    from sqlmodel import Session

    from peerlog.asking import PairChoice
    from peerlog.carryover import CarriedAnswer
    from peerlog.feedback import FeedbackView, Recipient
    from peerlog.hints import Hint
    from peerlog.packs import Given, Pack
    from peerlog.store import Store

app = typer.Typer()

DEFAULT_PACK = "after-conversation"
HINTS_OFF = "--no-hints turns these notes off"


def _say_hints(hints: Sequence[Hint], about: str) -> None:
    """Hints when nobody can answer a question: shown on stderr, and the words are kept as written."""
    for hint in hints:
        say(f"peerlog: a gentle note on {about}: {hint.message()}", err=True)
    if hints:
        say(f"peerlog: kept your words as you wrote them ({HINTS_OFF}).", err=True)


def _where(visibility: str, peer: str | None) -> str:
    return where_it_goes(visibility, peer)


@app.command()
def reflect(
    ctx: typer.Context,
    pair: Annotated[
        str | None, typer.Option("--pair", "-p", help="The peer the conversation was with.")
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", "-g", help="The group the session was in (instead of --pair).")
    ] = None,
    pack: Annotated[
        str, typer.Option("--pack", help="Which prompt pack to answer (`peerlog prompts list`).")
    ] = DEFAULT_PACK,
    answer: Annotated[
        list[str] | None,
        typer.Option(
            "--answer",
            "-a",
            metavar="ID=TEXT",
            help="Answer one prompt by its id without being asked (repeatable); unanswered prompts are skipped.",
        ),
    ] = None,
    shared: Annotated[
        bool,
        typer.Option(
            "--shared/--private",
            help="Shared reflections can go into what you share with your peer; private ones never do.",
        ),
    ] = False,
    at: Annotated[str | None, typer.Option("--at", help=f"When the conversation was. {WHEN_HELP}")] = None,
    no_hints: Annotated[
        bool, typer.Option("--no-hints", help="Don't offer gentle notes on wording.")
    ] = False,
) -> None:
    """Reflect after a conversation: answer a few questions, each one skippable.

    On a terminal it asks you; with --answer it never asks. Nothing is saved until the last question is
    answered, and Ctrl-C saves nothing.
    """
    from peerlog.asking import save
    from peerlog.models import PRIVATE, SHARED
    from peerlog.reflections import record_reflection

    if pair and group:
        from peerlog.cli.groups import refuse_pair_and_group

        refuse_pair_and_group()
    chosen = load_catalog(ctx).get(pack)
    moment = parse_moment(at, "at")
    store = state(ctx).store()
    pair, given = _answers(store, chosen, pair, answer, no_hints, group)
    if not given:
        say(SKIPPED_ALL)
        return
    visibility = SHARED if shared else PRIVATE
    if group:
        _save_in_group(store, chosen, given, group, moment, visibility)
        return
    view = save(
        store,
        lambda session: record_reflection(
            session, pack=chosen, answers=given, pair=pair, at=moment, visibility=visibility
        ),
    )
    count = len({a.prompt_id for a in view.answers})
    say(
        f"Saved your reflection {view.short_id} ({count} of {len(chosen.prompts)} questions answered; "
        f"{_where(view.visibility, view.pair)}). Thank you for taking the time."
    )


def _save_in_group(
    store: Store, chosen: Pack, given: list[Given], group: str, moment: datetime | None, visibility: str
) -> None:
    from peerlog.asking import save
    from peerlog.cli.groups import where_it_goes
    from peerlog.group_sessions import record_group_reflection

    view, name = save(
        store,
        lambda session: record_group_reflection(
            session, group=group, pack=chosen, answers=given, at=moment, visibility=visibility
        ),
    )
    count = len({a.prompt_id for a in view.answers})
    say(
        f"Saved your reflection {view.short_id} in {name} ({count} of {len(chosen.prompts)} questions "
        f"answered; {where_it_goes(view.visibility, name)}). Thank you for taking the time."
    )


def _answers(
    store: Store,
    chosen: Pack,
    pair: str | None,
    answer: list[str] | None,
    no_hints: bool,
    group: str | None = None,
) -> tuple[str | None, list[Given]]:
    """The pack's answers: from --answer, or asked on a terminal once the pair (or the group) is checked."""
    from peerlog.asking import check_then_ask, choose_pair
    from peerlog.errors import InputError
    from peerlog.hints import find_hints
    from peerlog.reflections import parse_answers

    if answer:
        given = parse_answers(chosen, answer)
        for item in [] if no_hints else given:
            if item.prompt.kind in ("text", "long"):
                texts = item.value if isinstance(item.value, list) else [str(item.value)]
                _say_hints([h for t in texts for h in find_hints(t)], f"your answer to '{item.prompt.id}'")
        return pair, given
    if is_interactive() and group:
        from peerlog.asking import PairChoice
        from peerlog.group_sessions import check_group

        return check_then_ask(
            store,
            lambda session: check_group(session, group),
            lambda _: _ask_pack(chosen, None, PairChoice(None, []), {}, no_hints),
        )
    if is_interactive():

        def check(session: Session) -> tuple[PairChoice, dict[str, list[CarriedAnswer]]]:
            choice = choose_pair(session, pair)
            return choice, _carried(session, [choice.peer] if choice.peer else choice.peers)

        return check_then_ask(store, check, lambda c: _ask_pack(chosen, pair, *c, no_hints))
    raise InputError(
        "There is nothing to save: no --answer was given, and there is no terminal to ask you in.",
        hint=f"Give answers like --answer {chosen.prompts[0].id}='...' (`peerlog prompts show {chosen.name}` lists the ids).",
    )


def _carried(session: Session, peers: Sequence[str]) -> dict[str, list[CarriedAnswer]]:
    """Each pair's "next time" answers from its latest session, read before any question is asked."""
    from peerlog.carryover import carried_over
    from peerlog.errors import PeerlogError

    found: dict[str, list[CarriedAnswer]] = {}
    for peer in peers:
        try:
            found[peer] = carried_over(session.connection(), peer)
        except PeerlogError:
            continue  # two peers of one name: no carry-over is better than the wrong pair's
    return found


def carry_over_lines(carried: Sequence[CarriedAnswer], peer: str) -> list[str]:
    """Kind words for what the pair wanted to try or talk about, yours first, then your peer's."""
    lines: list[str] = []
    for about in dict.fromkeys(c.about for c in carried):
        lines.append(f"Last time, you two wanted to {about}:")
        for c in (c for c in carried if c.about == about):
            first, *rest = c.text.splitlines() or [""]
            lines.append(f"  {'You' if c.you else peer}: {first}")
            lines += [f"    {more}" for more in rest]
    return lines


def _ask_pack(
    chosen: Pack,
    pair: str | None,
    choice: PairChoice,
    carried: dict[str, list[CarriedAnswer]],
    no_hints: bool,
) -> tuple[str | None, list[Given]]:
    from peerlog.checkins import check_answer_text
    from peerlog.cli import interactive
    from peerlog.hints import find_hints

    if pair is None and choice.peers:
        pair = interactive.ask_pair(choice.peers, "Was this with one of your peers?")
    say(f"{chosen.title}: {chosen.description} Every question can be skipped.")
    peer = choice.peer or pair
    carried_lines = carry_over_lines(carried.get(peer, []), peer) if peer else []
    for line in carried_lines:
        say(line, hang=2)
    if carried_lines:
        say("")
    given = interactive.ask_pack(
        chosen.prompts, check=check_answer_text, hints_for=None if no_hints else find_hints
    )
    return pair, given


@app.command()
def reflections(
    ctx: typer.Context,
    pair: Annotated[
        str | None, typer.Option("--pair", "-p", help="Only reflections about this peer.")
    ] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", "-g", help="Only reflections in this group: yours and what members shared."),
    ] = None,
    pack: Annotated[str | None, typer.Option("--pack", help="Only answers to this pack.")] = None,
    since: Annotated[str | None, typer.Option("--since", help=f"From this moment. {WHEN_HELP}")] = None,
    until: Annotated[str | None, typer.Option("--until", help=f"Up to this moment. {WHEN_HELP}")] = None,
    limit: Annotated[int, typer.Option("--limit", "-l", help="How many to show, newest first.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Read your reflections (and the ones your peers shared with you), newest first."""
    from peerlog.reflections import list_reflections

    since_at, until_at = parse_moment(since, "since"), parse_moment(until, "until")
    with state(ctx).store().session() as session:
        views = list_reflections(
            session, pair=pair, group=group, pack=pack, since=since_at, until=until_at, limit=limit
        )
    if as_json:
        say_json([v.to_dict() for v in views])
        return
    if not views:
        say("No reflections here yet. `peerlog reflect` asks a few questions whenever you're ready.")
        return
    from peerlog import render
    from peerlog.render import reflections as shown

    render.console().print(shown.reflection_list(views))


@app.command()
def feedback(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="Your peer's name (with --group: the member's)."),
    ] = None,
    message: Annotated[
        str | None,
        typer.Argument(
            metavar="MESSAGE",
            help="What you'd like to tell them. Left out: asked on a terminal, or read from stdin.",
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            "-g",
            metavar="GROUP",
            help="Give it in a group, to one member as to a peer (NAME is the member; asked on a terminal).",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            help="appreciation (something you valued; the default) or suggestion (an idea, offered as an equal).",
        ),
    ] = None,
    shared: Annotated[
        bool | None,
        typer.Option(
            "--shared/--private",
            help="Private (the default) stays with you; shared goes into what you share with your peer "
            "(in a group: with the group). Left out on a terminal: asked.",
            show_default=False,
        ),
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help=f"When it was. {WHEN_HELP}")] = None,
    no_hints: Annotated[
        bool, typer.Option("--no-hints", help="Don't offer gentle notes on wording.")
    ] = False,
    list_: Annotated[
        bool,
        typer.Option(
            "--list",
            help="Show feedback both ways instead (with NAME: with that peer, or in that group; "
            "with --group: in the group, and NAME a member).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --list: print JSON for scripts.")] = False,
) -> None:
    """Give your peer feedback: an appreciation or a suggestion, as one equal to another.

    Feedback is private until you mark it --shared, like every entry: shared feedback goes into what you
    export or share with your peer, private feedback never leaves this journal. In a group (--group),
    it is for one member, and shared it is shared with the group.
    """
    from peerlog.asking import check_then_ask, save
    from peerlog.errors import InputError
    from peerlog.feedback import APPRECIATION, check_kind, choose_recipient, give_feedback
    from peerlog.models import PRIVATE, SHARED

    # Flags that belong to the other way of using this command are refused, never silently dropped.
    if list_:
        dropped = [f for f, v in (("MESSAGE", message), ("--kind", kind), ("--at", at)) if v is not None]
        if dropped:
            raise InputError(
                f"--list shows feedback, so it cannot take {' or '.join(dropped)}; nothing was saved.",
                hint=f'To give feedback, leave out --list: peerlog feedback {name or "NAME"} "your words"',
            )
        _show_feedback(state(ctx).store(), name, group, as_json)
        return
    if as_json:
        raise InputError(
            "--json goes with --list; giving feedback prints a plain confirmation.",
            hint="Add --list to see feedback as JSON, or leave out --json to give it.",
        )
    store = state(ctx).store()
    if not name and not (group is not None and is_interactive()):
        if group is not None:
            raise InputError(
                f"Whom in {group} is it for? Give the member's name.",
                hint=f'For example: peerlog feedback Kai --group "{group}" "I valued what you shared".',
            )
        raise InputError(
            "Whose feedback is it? Give your peer's name.",
            hint='For example: peerlog feedback sam "I valued how you listened today".',
        )
    kind = None if kind is None else check_kind(kind)
    moment = parse_moment(at, "at")
    # Whom it is for is checked before anything is asked, so no words are typed in vain.
    words = check_then_ask(
        store,
        lambda session: choose_recipient(session, name or None, group=group),
        lambda chosen: _words(chosen, name, kind, message, no_hints),
    )
    if words is None:
        return
    kind, message, recipient = words
    if shared is None and is_interactive():
        shared = _ask_share(recipient)
    visibility = SHARED if shared else PRIVATE
    saved = save(
        store,
        lambda session: give_feedback(
            session,
            peer=str(recipient.name),
            group=group,
            message=message,
            kind=kind or APPRECIATION,
            visibility=visibility,
            at=moment,
        ),
    )
    thanks = " Thank you for taking the time to tell them." if saved.kind == APPRECIATION else ""
    say(
        f"Saved your {saved.kind} for {_for_whom(saved)} {saved.short_id} ({_feedback_where(saved)}).{thanks}"
    )
    if saved.visibility != "shared":
        say(
            f"Whenever it feels right to pass it on, `peerlog edit {saved.short_id} --shared` "
            f"puts it into what you share with {saved.shared_with}."
        )


def _for_whom(view: FeedbackView) -> str:
    """Whom feedback is for, as messages name them: "Sam", or "Kai in Tuesday circle"."""
    recipient = "you" if view.to_you else view.recipient
    return f"{recipient} in {view.group}" if view.group else recipient


def _feedback_where(view: FeedbackView) -> str:
    """Who saved feedback reaches, truthfully: in a group, the group; in a pair, the peer."""
    if view.group is not None:
        from peerlog.cli.groups import where_it_goes as where_in_group

        return where_in_group(view.visibility, view.group)
    return _where(view.visibility, view.pair)


def _ask_share(recipient: Recipient) -> bool:
    """Whether to pass the feedback on now: skipping (or no) keeps it private, to share later if you like."""
    from peerlog.cli import interactive
    from peerlog.packs import Prompt

    whom = f"{recipient.group} (everyone in it sees it)" if recipient.group else str(recipient.name)
    question = f"Share it with {whom} now? Skip keeps it private; you can share it later."
    return bool(interactive.ask_confirm(Prompt(id="share", text=question, kind="confirm")))


def _show_feedback(store: Store, name: str | None, group: str | None, as_json: bool) -> None:
    from peerlog.feedback import list_feedback

    with store.session() as session:
        views = list_feedback(session, pair=name, group=group)
    if as_json:
        say_json([v.to_dict() for v in views])
    elif not views:
        say('No feedback yet. `peerlog feedback NAME "what you valued"` gives some.')
    else:
        from peerlog import render
        from peerlog.render import reflections as shown

        console = render.console()
        console.print(shown.feedback_table(views, console.width))


def _words(
    chosen: Recipient, name: str | None, kind: str | None, message: str | None, no_hints: bool
) -> tuple[str | None, str, Recipient] | None:
    """The feedback's kind, words and whom it is for (as written in the journal): given, piped in or
    asked, then offered gentle notes. None saves nothing."""
    from dataclasses import replace

    from peerlog.checkins import clean_text
    from peerlog.errors import InputError
    from peerlog.hints import find_hints

    asking = is_interactive()
    if chosen.name is None:
        from peerlog.cli import interactive
        from peerlog.packs import Prompt

        # A group named without a member (only asked on a terminal): whom in it is the feedback for?
        question = f"Whom in {chosen.group} is your feedback for?"
        picked = interactive.ask_prompt(
            Prompt(id="member", text=question, kind="choice", choices=chosen.members)
        )
        if not isinstance(picked, str):
            say("Nothing was saved; come back whenever you have someone in mind.")
            return None
        chosen = replace(chosen, name=picked)
    peer = chosen.label
    if message is None:
        if asking:
            from peerlog.cli import interactive

            kind, message = interactive.ask_feedback(peer, kind)
        elif not sys.stdin.closed and not sys.stdin.isatty():
            message = sys.stdin.read()
    if not message or not message.strip():
        if asking:
            say("Nothing was saved; come back whenever you have words for it.")
            return None
        raise InputError(
            "There is no feedback to save.",
            hint=f'Give it after the name: peerlog feedback {name} "what you valued", or pipe it in.',
        )
    # Words that cannot be kept are refused before any note on their wording, so a refusal stays one line.
    message = clean_text(message, what="feedback")
    if no_hints or not asking:
        _say_hints([] if no_hints else find_hints(message), f"your feedback for {peer}")
        return kind, message, chosen
    from peerlog.cli import interactive

    reviewed = interactive.review_text(
        message, find_hints, lambda text: interactive.edit_line("Your words:", text)
    )
    if reviewed is None:
        say("Cancelled. Nothing was saved.")
        return None
    return kind, reviewed, chosen


# ---------------------------------------------------------------- `edit` and `delete` on reflections and feedback

CHECKIN, REFLECTION, FEEDBACK = "check-in", "reflection", "feedback"


def entry_kind(store: Store, prefix: str) -> str:
    """Which kind of entry an id means, so `edit` and `delete` take any id peerlog prints."""
    from peerlog.checkins import get_checkin
    from peerlog.errors import AmbiguousError, NotFoundError
    from peerlog.feedback import get_feedback
    from peerlog.reflections import get_reflection

    found: list[tuple[str, str]] = []
    with store.session() as session:
        for kind, get in ((CHECKIN, get_checkin), (REFLECTION, get_reflection), (FEEDBACK, get_feedback)):
            try:
                found.append((kind, get(session, prefix).short_id))
            except NotFoundError:
                continue
    if len(found) > 1:
        # A short prefix can start a check-in's id and a reflection's: never guess which one is meant.
        shown = ", ".join(f"{kind} {short}" for kind, short in found)
        raise AmbiguousError(
            f"'{prefix}' starts more than one id: {shown}.",
            candidates=[short for _, short in found],
            hint="Type more of the id.",
        )
    if found:
        return found[0][0]
    raise NotFoundError(
        f"No entry has an id starting with '{prefix}'.",
        hint="`peerlog log`, `peerlog reflections` and `peerlog feedback --list` show the ids.",
    )


def shown_entry(store: Store, prefix: str) -> tuple[str, str, str | None]:
    """What `show` shows for an id: (the entry's kind, an id to find it by, what the id named when it is
    a part of the entry, such as "Challenge 3f2a9c1b", or None)."""
    from peerlog.errors import NotFoundError
    from peerlog.ids import short_id
    from peerlog.reflections import entry_of_part

    try:
        return entry_kind(store, prefix), prefix, None
    except NotFoundError as missing:
        with store.session() as session:
            found = entry_of_part(session, prefix)
        if found is None:
            raise NotFoundError(
                f"No entry has an id starting with '{prefix}'.",
                hint="`peerlog log`, `peerlog reflections`, `peerlog feedback --list` and `peerlog search` "
                "show the ids.",
            ) from missing
        part, kind, entry_id = found
        return kind, entry_id, f"{part.capitalize()} {short_id(prefix.strip().lower())}"


def edit_entry(
    ctx: typer.Context,
    kind: str,
    prefix: str,
    *,
    note: str | None,
    answer: list[str] | None,
    shared: bool | None,
    at: str | None,
    other: list[str],
) -> None:
    """`peerlog edit` on a reflection or feedback: who may see it, when it was, and feedback's words."""
    from peerlog.asking import save
    from peerlog.errors import InputError
    from peerlog.feedback import update_feedback
    from peerlog.models import PRIVATE, SHARED
    from peerlog.reflections import update_reflection

    store = state(ctx).store()
    takes = (
        "--answer, --shared/--private or --at" if kind == REFLECTION else "--note, --shared/--private or --at"
    )
    unused = ("--note", note is not None) if kind == REFLECTION else ("--answer", bool(answer))
    other = [*other, *([unused[0]] if unused[1] else [])]
    if other:
        raise InputError(
            f"A {kind} has no {', '.join(other)} to change; nothing was changed.",
            hint=f"A {kind} takes {takes}.",
        )
    moment = parse_moment(at, "at")
    visibility = None if shared is None else SHARED if shared else PRIVATE
    given = _new_answers(ctx, store, prefix, answer) if answer else []
    if note is None and visibility is None and moment is None and not given:
        if kind == REFLECTION or not is_interactive():
            raise InputError(
                f"There is nothing to change: give {takes}.",
                hint=f"For example: peerlog edit {prefix} --shared",
            )
        note = _edit_words(store, prefix)
        if note is None:
            say("No changes made; the feedback is as it was.")
            return
    if kind == REFLECTION:
        thought = save(
            store, lambda s: update_reflection(s, prefix, answers=given, visibility=visibility, at=moment)
        )
        short, where = thought.short_id, _where(thought.visibility, thought.pair)
    else:
        words = save(
            store, lambda s: update_feedback(s, prefix, message=note, visibility=visibility, at=moment)
        )
        short, where = words.short_id, _feedback_where(words)
    say(f"Updated {kind} {short} ({where}).")


def _new_answers(ctx: typer.Context, store: Store, prefix: str, answer: list[str]) -> list[Given]:
    """`--answer ID=TEXT` read against the questions of the pack the reflection answered."""
    from peerlog.errors import InputError
    from peerlog.reflections import parse_answers, reflection_pack_name

    with store.session() as session:
        name = reflection_pack_name(session, prefix)
    given = parse_answers(load_catalog(ctx).get(name), answer)
    if not given:
        raise InputError(
            "The new answers are empty; nothing was changed.", hint="Give them as --answer ID=TEXT."
        )
    return given


def _edit_words(store: Store, prefix: str) -> str | None:
    """Feedback's words as changed in $EDITOR; None when they were left as they were."""
    from peerlog.editor import drafts_folder, edit_text
    from peerlog.feedback import get_feedback

    with store.session() as session:
        current = get_feedback(session, prefix)
    edited = edit_text(current.message, folder=drafts_folder(store.path))
    if edited is None or edited.strip() == current.message.strip():
        return None
    return edited


def describe_entry(store: Store, kind: str, prefix: str) -> tuple[str, str]:
    """The full id and a one-line reminder of a reflection or feedback, shown before it is deleted."""
    from peerlog.feedback import get_feedback
    from peerlog.reflections import get_reflection

    with store.session() as session:
        if kind == REFLECTION:
            r = get_reflection(session, prefix)
            count = len({a.prompt_id for a in r.answers})
            answered = f"{count} question{'s' if count != 1 else ''} answered"
            return r.id, f"Reflection {r.short_id} ({r.pack_title}, {answered}, {r.at:%a %d %b %Y})"
        f = get_feedback(session, prefix)
        first = f.message.splitlines()[0][:60] if f.message else ""
        return f.id, f"Feedback {f.short_id} for {_for_whom(f)}: {first}"


def delete_entry(store: Store, kind: str, full_id: str) -> None:
    from peerlog.feedback import delete_feedback
    from peerlog.reflections import delete_reflection

    with store.session(write=True) as session:
        gone = (delete_reflection if kind == REFLECTION else delete_feedback)(session, full_id)
    say(f"Deleted {kind} {gone.short_id}.")
