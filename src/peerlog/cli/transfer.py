"""`peerlog export`, `import`, `share` and `backup`: moving entries between files, machines and peers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerlog.cli.moments import WHEN_HELP, parse_moment
from peerlog.cli.say import say, say_json
from peerlog.cli.state import is_interactive, state

if TYPE_CHECKING:
    from sqlmodel import Session

    from peerlog.cli.state import AppState
    from peerlog.interchange import JournalDocument
    from peerlog.restoring import RestorePlan
    from peerlog.transfer import ImportResult

app = typer.Typer()


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[
        str, typer.Option("--format", "-f", help="markdown (to read) or json (to import).")
    ] = "markdown",
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="Only entries with this peer.")] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group", "-g", help="One group's story: the group, its sessions and what was shared in it."
        ),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help=f"From this moment. {WHEN_HELP}")] = None,
    until: Annotated[str | None, typer.Option("--until", help=f"Up to this moment. {WHEN_HELP}")] = None,
    include_private: Annotated[
        bool,
        typer.Option(
            "--include-private", help="Include your private entries too (the file is then owner-only)."
        ),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of the screen.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
) -> None:
    """Export your journal as Markdown or JSON. Only shared entries, unless you add --include-private.

    A whole export with --include-private (JSON) holds everything, groups and their sessions included:
    `peerlog restore` brings it back. With --group, the group's story: its members, its sessions and the
    entries shared in it.
    """
    from peerlog.exporters import get_exporter
    from peerlog.files import check_destination, journal_files, write_file
    from peerlog.transfer import collect

    exporter = get_exporter(format)
    since_at, until_at = parse_moment(since, "since"), parse_moment(until, "until")
    if output is not None:
        check_destination(output, force=force, keep=journal_files(state(ctx).paths().db))
    # Written while the journal is open: entries are read a batch at a time as the text goes out.
    with state(ctx).store().session() as session:
        document = collect(
            session, pair=pair, group=group, since=since_at, until=until_at, include_private=include_private
        )
        if output is None:
            for chunk in exporter.chunks(document):
                typer.echo(chunk, nl=False)
            return
        write_file(output, exporter.chunks(document), private=include_private, force=force)
        count = document.entry_count
    what = (
        "shared and private entries; it is readable by you only" if include_private else "shared entries only"
    )
    say(f"Exported {_plural(count, 'entry', 'entries')} to {output} ({what}).")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A peer's share bundle (peerlog JSON), or a jrnl export.")
    ],
    source: Annotated[
        str, typer.Option("--from", help="peerlog (exports and share bundles) or jrnl.")
    ] = "peerlog",
    pair: Annotated[
        str | None,
        typer.Option(
            "--pair",
            "-p",
            help="For a peer's first bundle: the pair it belongs to. For jrnl: put entries in it.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what happened as JSON for scripts.")] = False,
) -> None:
    """Import a peer's share bundle (or a jrnl export with --from jrnl). Your own entries never change.

    A bundle brings only its sender's shared entries in your pair with them. Safe to repeat: entries are
    merged by id, newer versions win, and nothing already here is lost. For your own export, use
    `peerlog restore`.
    """
    from peerlog import importers
    from peerlog.asking import save
    from peerlog.errors import InputError
    from peerlog.group_stories import is_story
    from peerlog.interchange import JournalDocument

    if source == "peerlog" and importers.is_sealed(file):
        if pair is not None:
            raise InputError(
                "A sealed bundle goes to the pair whose key sealed it, so --pair is not needed; nothing "
                "was imported.",
                hint=f"Run `peerlog import {file.name}` without --pair.",
            )
        _import_sealed(state(ctx), file, as_json)
        return
    loaded = importers.load(file, source)
    note: str | None = None
    if isinstance(loaded, JournalDocument) and is_story(loaded):
        _import_story(state(ctx), file, loaded, pair, as_json)
        return
    if isinstance(loaded, JournalDocument):
        merged = _merge_bundle(state(ctx), loaded, pair)
        if merged is None:
            say("Nothing was imported. Run it again with --pair NAME when you know.")
            return
        result, note = merged
    else:
        from peerlog.transfer import import_jrnl

        result = save(state(ctx).store(), lambda session: import_jrnl(session, loaded, pair=pair))
    if as_json:
        say_json(result.to_dict())
        return
    say(_import_summary(file, result))
    if note:
        say(note)


def _import_story(
    app_state: AppState, file: Path, loaded: JournalDocument, pair: str | None, as_json: bool
) -> None:
    """A member's group story: it goes to its group, found or added here, never to a pair."""
    from peerlog.asking import save
    from peerlog.errors import InputError
    from peerlog.group_stories import import_story

    story = loaded.group(loaded.scope.group_id)
    name = story.name if story else "the group"
    if pair is not None:
        raise InputError(
            f"This file is the story of {name}, and it goes to that group, so --pair is not needed; nothing "
            "was imported.",
            hint=f"Run `peerlog import {file.name}` without --pair.",
        )
    result = save(app_state.store(), lambda session: import_story(session, loaded))
    if as_json:
        say_json({**result.to_dict(), "group": name})
        return
    say(_import_summary(file, result, by_key=True))
    if result.added["group"]:
        say(f'{name} is one of your groups now: `peerlog group show "{name}"` shows it.')


def _import_sealed(app_state: AppState, file: Path, as_json: bool) -> None:
    from peerlog import importers
    from peerlog.exchange import receive
    from peerlog.identity import ensure_identity

    store = app_state.store()
    identity = ensure_identity(store.path)
    with importers.open_file(file) as stream, store.session(write=True) as session:
        arrival = receive(session, stream, identity)
    if as_json:
        say_json(
            {
                **arrival.result.to_dict(),
                "from": arrival.sender,
                "already_imported": arrival.already,
                "group": arrival.group,
                "new_group": arrival.new_group,
            }
        )
    elif arrival.already:
        say(f"{file.name} from {arrival.sender} was imported before; nothing changed.")
    else:
        say(_import_summary(file, arrival.result, by_key=True))
        if arrival.new_group:
            say(
                f"{arrival.group} is in your journal now, as {arrival.sender} shared it with you. To keep in "
                f'step with the circle, set the folder you all share: `peerlog group set "{arrival.group}" '
                "--sync-dir PATH`."
            )


def _merge_bundle(
    app_state: AppState, loaded: JournalDocument, pair: str | None
) -> tuple[ImportResult, str | None] | None:
    """Merge a peerlog file, asking which pair a peer's first bundle belongs to; None imports nothing.

    Also returns what to say once about adding the peer's key, if anything."""
    from peerlog import sharing
    from peerlog.asking import check_then_ask, save
    from peerlog.errors import NotInitialisedError
    from peerlog.interchange import KIND_EXPORT
    from peerlog.transfer import merge_document

    try:
        store = app_state.store()
    except NotInitialisedError as missing:
        # Most likely your own export on a new machine: say where it goes instead.
        if loaded.kind == KIND_EXPORT:
            raise NotInitialisedError(missing.message, hint=sharing.RESTORE_HINT) from None
        raise

    def check(session: Session) -> sharing.LinkNeededError | None:
        try:
            sharing.resolve_origin(session, loaded, pair=pair)
        except sharing.LinkNeededError as need:
            if not is_interactive():
                raise
            return need
        return None

    def ask(need: sharing.LinkNeededError | None) -> tuple[bool, str | None]:
        if need is None:
            return True, pair
        from peerlog.cli import interactive

        picked = interactive.ask_pair_for_bundle(need.sender, need.candidates)
        return picked is not None, picked

    go, chosen = check_then_ask(store, check, ask)
    if not go:
        return None

    def merge(session: Session) -> tuple[ImportResult, str | None]:
        from peerlog.exchange import key_note_once

        origin = sharing.resolve_origin(session, loaded, pair=chosen)
        result = merge_document(session, loaded, origin)
        # Bundles linked by name still land until the peer's key is added; say once how to add it.
        note = (
            key_note_once(session, origin.sender_id, origin.sender_name or "your peer")
            if origin.sender_id
            else None
        )
        return result, note

    return save(store, merge)


ENTRY_WORDS = {"check-in": "check-in", "reflection": "reflection", "feedback": "feedback note"}
#: What a file adds besides entries, named in what an import or restore says it added.
GROUP_WORDS = {"group": "group", "group session": "group session"}


def _import_summary(file: Path, result, verb: str = "Imported", *, by_key: bool = False) -> str:
    words = {**ENTRY_WORDS, **GROUP_WORDS}
    added = [_plural(n, words[k]) for k, n in result.added.items() if k in words and n]
    updated = sum(n for k, n in result.updated.items() if k in words)
    origin = f" from {result.sender}" if result.sender and result.sender != "jrnl" else ""
    parts = [f"{verb} {file.name}{origin}:"]
    parts.append(", ".join(added) + " added" if added else "nothing new")
    if updated:
        parts.append(f"; {_plural(updated, 'entry', 'entries')} updated to a newer version")
    if result.unchanged:
        parts.append(f"; {result.unchanged} already here")
    if removed := sum(result.removed.values()):
        who = result.sender or "they"
        parts.append(f"; removed {_plural(removed, 'entry', 'entries')} {who} no longer shares")
    text = " ".join(parts[:2]) + "".join(parts[2:]) + "."
    if result.wins_added:
        text += f" {_plural(result.wins_added, 'win')} among them. Lovely."
    if result.skipped:
        were = "was" if result.skipped == 1 else "were"
        text += f" Left out {_plural(result.skipped, 'entry', 'entries')} that {were} not theirs to share."
    if result.empty:
        text += f" Skipped {_plural(result.empty, 'empty entry', 'empty entries')}."
    if result.after_leaving:
        from peerlog.group_stories import after_leaving_note

        text += f" {after_leaving_note(result)}"
    if result.linked and not by_key:
        # Only news for a bundle linked by name; a sealed one always goes where its key says.
        text += f" Bundles from {result.sender} will land in this pair from now on."
    return text


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _replacement(item) -> str:
    if item.kind == "person":
        return f"your name ({item.label})" if item.yours else f"a name you use ({item.label})"
    if item.kind == "pair":
        return f"your pair with {item.label}"
    if item.kind == "group":
        return f"your group {item.label}"
    word = ENTRY_WORDS.get(item.kind, item.kind)
    return f"your {word} {item.label}" if item.yours else f"{item.whose}'s {word} {item.label}"


def _restore_plan(file: Path, result) -> str:
    words = {**ENTRY_WORDS, **GROUP_WORDS, "pair": "pair", "person": "person"}
    added = [
        _plural(n, words[k], "people" if k == "person" else None)
        for k, n in result.added.items()
        if k in words and n
    ]
    parts = [f"add {_listed(added)}"] if added else []
    if result.replaced:
        shown = [_replacement(item) for item in result.replaced[:10]]
        if len(result.replaced) > 10:
            shown.append(f"{len(result.replaced) - 10} more")
        parts.append(f"replace {_listed(shown)} with the file's newer versions")
    what = " and ".join(parts)
    return f"Restoring {file.name} would {what}. Nothing is deleted."


@app.command()
def restore(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="Your own export: `peerlog export --format json --include-private`."
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Go ahead without asking (for scripts).")] = False,
) -> None:
    """Bring back your own JSON export (a new machine, or after a loss); it asks before replacing anything.

    Into a new or just-started journal it makes the file's "you" yours again, with the same ids, so your
    peers' bundles keep landing where they did. Into a journal with entries it first says what it would add
    and replace (where the file's copy is a newer version), and asks. It never deletes anything.
    """
    from peerlog import importers, restoring
    from peerlog.asking import check_then_ask, save
    from peerlog.interchange import JournalDocument

    loaded = importers.load(file)
    assert isinstance(loaded, JournalDocument)
    restoring.check_restorable(loaded)
    store = state(ctx).store(create=True)
    go = check_then_ask(
        store,
        lambda session: restoring.plan_restore(session, loaded),
        lambda plan: _restore_agreed(file, plan, yes),
        write_lock=True,
    )
    if go:
        from peerlog.identity import ensure_identity

        # This machine's key: kept, never replaced by the one the file's "you" had on another machine.
        own_key = ensure_identity(store.path).public
        result = save(store, lambda session: restoring.restore(session, loaded, own_key))
        say(_import_summary(file, result, verb="Restored"))
        if restoring.key_changed(loaded, own_key):
            say(
                "This machine has a key of its own, so your peers will need your new code: run "
                "`peerlog id` and send it to them, and read the fingerprint together."
            )


def _restore_agreed(file: Path, plan: RestorePlan, yes: bool) -> bool:
    """Whether to go ahead: at once into a fresh journal, else after saying what would change and asking."""
    from peerlog.errors import PeerlogError

    if not plan.changes:
        say(f"Nothing to restore: everything in {file.name} is already here.")
        return False
    if plan.fresh:
        return True
    say(_restore_plan(file, plan.result))
    if yes:
        return True
    if not is_interactive():
        raise PeerlogError(
            "Nothing was restored: peerlog asks before changing a journal that has entries.",
            hint="Run it again with --yes to go ahead.",
        )
    from peerlog.cli import interactive

    if not interactive.confirm("Restore it?"):
        say("Nothing was restored.")
        return False
    return True


@app.command()
def share(
    ctx: typer.Context,
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="The peer to share with, by name.")] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", "-g", help="The group to share with: one bundle for each member."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="The bundle file to write (send it to your peer); for a group, the folder to write into "
            "(the current one if left out).",
        ),
    ] = None,
    since_last: Annotated[
        bool,
        typer.Option(
            "--since-last",
            help="Only what changed since your last share with this peer (new, edited and removed entries).",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")] = False,
) -> None:
    """Write a sealed bundle of your shared entries with a peer, or one for each member of a group.

    It holds your shared entries in that pair (or group), and tells them which ones you have since deleted
    or made private, so their copies go too. Private entries never go in. Each bundle is sealed to its
    reader's key and signed with yours: anyone else who sees the file learns nothing of what is inside; its
    reader takes it in with `peerlog import`. A member of a group gets what you shared with the group while
    they were part of it, never what came before they joined or after they left.
    """
    from peerlog.errors import InputError

    if (pair is None) == (group is None):
        raise InputError(
            "Say whom to share with: --pair NAME for a peer, or --group NAME for each member of a group.",
            hint='For example: peerlog share --pair "Sam" --output to-sam.sealed',
        )
    if group is not None:
        _share_with_group(state(ctx), group, output or Path.cwd(), since_last)
        return
    assert pair is not None
    if output is None:
        raise InputError(
            "Where should the bundle go? Give --output FILE.",
            hint=f'For example: peerlog share --pair "{pair}" --output to-peer.sealed',
        )
    from peerlog.exchange import seal_changes
    from peerlog.files import check_destination, journal_files, write_binary_file
    from peerlog.identity import ensure_identity
    from peerlog.pairs import resolve_pair

    store = state(ctx).store()
    check_destination(output, force=force, keep=journal_files(store.path))
    identity = ensure_identity(store.path)
    # One write session: the bundle, the file and what your peer was sent succeed or fail together.
    with store.session(write=True) as session:
        sealed = seal_changes(session, resolve_pair(session, pair), identity, everything=not since_last)
        write_binary_file(output, sealed.chunks(), force=force, keep=journal_files(store.path))
        sealed.mark_delivered(session)
        outgoing = sealed.outgoing
    say(_sent_line(f"Wrote to {output}", outgoing.entries, outgoing.wins, outgoing.removed, since_last))
    say(f"Only {sealed.peer} can open it: send it any way you like; they run `peerlog import {output.name}`.")


def _share_with_group(app_state: AppState, name: str, folder: Path, since_last: bool) -> None:
    """One sealed bundle for each member of the group with something to receive, written into `folder`."""
    from peerlog.changesets import distinct_sent
    from peerlog.errors import InputError
    from peerlog.exchange import members_without_key, seal_group_changes
    from peerlog.files import check_destination, write_binary_file
    from peerlog.groups import resolve_group
    from peerlog.identity import ensure_identity
    from peerlog.syncing import bundle_name

    if not folder.is_dir():
        raise InputError(
            f"{folder} is not a folder, and a group's bundles go into one (a file for each member).",
            hint="Give --output FOLDER (one that exists), or leave it out to use the current folder.",
        )
    store = app_state.store()
    identity = ensure_identity(store.path)
    written: list[str] = []
    with store.session(write=True) as session:
        found = resolve_group(session, name)
        group_name = found.name
        missing = members_without_key(session, found)
        sealed = seal_group_changes(session, found, identity, everything=not since_last)
        entries, removed, wins = distinct_sent([s.outgoing for s in sealed])
        for one in sealed:
            path = folder / bundle_name(identity.public.key_id, one.peer_key.key_id, one.made_at)
            check_destination(path, force=False)
            write_binary_file(path, one.chunks())
            one.mark_delivered(session)
            written.append(one.peer)
    if not written:
        since = " since your last share" if since_last else ""
        say(f"Nothing new for anyone in {group_name}{since}, so no bundle was written.")
    else:
        where = f"Wrote {_plural(len(written), 'bundle')} to {folder} (for {_listed(written)})"
        say(_sent_line(where, entries, wins, removed, since_last))
        say(
            "Each can be opened only by the member it is for: put them where your circle shares files; each "
            "member runs `peerlog import FILE` on theirs (a group sync folder does this by itself)."
        )
    if missing:
        from peerlog.cli.sync import no_key_note

        say(no_key_note(missing))


def _sent_line(prefix: str, entries: int, wins: int, removed: int, since_last: bool = True) -> str:
    if not entries and not removed:
        return f"{prefix}: nothing new{' since your last share' if since_last else ''} (an empty bundle)."
    parts = []
    if entries:
        with_wins = f" (with {_plural(wins, 'win')})" if wins else ""
        parts.append(_plural(entries, "shared entry", "shared entries") + with_wins)
    if removed:
        parts.append(f"{_plural(removed, 'removal')} of entries you no longer share")
    return f"{prefix}: {' and '.join(parts)}."


@app.command()
def backup(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[FILE]", help="Where to write it (a file or a folder). Default: beside your journal."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy your whole journal to a backup file, safely, even while peerlog is in use.

    Your key goes beside it as BACKUP.key: keep the two together. To restore: close peerlog, move the
    journal (and any peerlog.db-wal, peerlog.db-shm and peerlog.db.key beside it) away, copy the backup to
    the journal's place and BACKUP.key to peerlog.db.key beside it (`cp -p` keeps it yours only). With your
    key back, your peers need nothing new from you. `peerlog --db BACKUP log` lets you look inside first.
    """
    from peerlog.backups import backup_journal, destination_for
    from peerlog.peer_keys import own_identity

    store = state(ctx).store()  # opening it first: a clear message if there is no journal
    destination = destination_for(store.path, file)
    identity, _name = own_identity(store)  # a journal without a key yet gets it now, so the backup has it
    written, key = backup_journal(store.path, destination, identity, force=force)
    say(f"Backed up your journal to {written} and your key to {key} (both readable by you only).")
