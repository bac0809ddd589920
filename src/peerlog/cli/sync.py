"""`peerlog sync`: exchange sealed bundles with your peers through the folders you keep in step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from peerlog.cli.say import say, say_json
from peerlog.cli.state import state

if TYPE_CHECKING:
    from peerlog.exchange import FolderSync

app = typer.Typer()


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def no_key_note(names: list[str]) -> str:
    """Members nothing could be sealed to: said the same way by `sync` and `share --group`."""
    them = "them" if len(names) > 1 else "this member"
    return (
        f"No bundle for {_and(names)}: your journal has no key for {them} yet; it arrives with a bundle from "
        "a member who has it."
    )


def describe(report: FolderSync) -> list[str]:
    """What one pass did with one peer (or one group), in a line or two a person reads at a glance."""
    if report.problem:
        return [f"With {report.peer}: {report.problem}"]
    parts = []
    if report.sent_entries or report.sent_removed:
        sent = []
        if report.sent_entries:
            wins = f" (with {_plural(report.sent_wins, 'win')})" if report.sent_wins else ""
            sent.append(_plural(report.sent_entries, "entry", "entries") + wins)
        if report.sent_removed:
            sent.append(_plural(report.sent_removed, "removal"))
        parts.append("sent " + " and ".join(sent))
    if report.sent_to and report.group:
        parts[-1] += f" to {_and(report.sent_to)}"
    if report.arrivals:
        got = _plural(report.received, "entry", "entries") if report.received else "no new entries"
        if report.removed_here:
            who = _and(sorted({a.sender for a in report.arrivals})) if report.group else report.peer
            got += f", {report.removed_here} removed as {who} asked"
        parts.append(f"received {got}")
    if report.arriving:
        parts.append(
            f"{_plural(report.arriving, 'file')} still arriving (next sync takes {'it' if report.arriving == 1 else 'them'})"
        )
    lines = [f"With {report.peer}: {'; '.join(parts) if parts else 'nothing new either way'}."]
    lines += [f"  Left {name} alone: {why}" for name, why in report.refused]
    if any(a.result.after_leaving for a in report.arrivals):
        from peerlog.group_stories import after_leaving_note

        lines += [f"  {note}" for a in report.arrivals if (note := after_leaving_note(a.result))]
    if report.no_key:
        lines.append(f"  {no_key_note(report.no_key)}")
    return lines


@app.command()
def sync(
    ctx: typer.Context,
    pair: Annotated[str | None, typer.Option("--pair", "-p", help="Only this peer's folder.")] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Only this group's folder.")] = None,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Keep syncing every few seconds until you press Ctrl-C.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print what happened as JSON for scripts.")] = False,
) -> None:
    """Exchange sealed bundles with every peer and group that has a sync folder: send your changes, take in theirs.

    Set a pair's folder once with `peerlog pair set NAME --sync-dir PATH`: any folder you both keep in step
    (Syncthing, Dropbox, Nextcloud, a git repository, a USB stick); a group's with `peerlog group set NAME
    --sync-dir PATH`, one folder for the whole circle. Only your shared entries leave, sealed to each
    person's key; private entries never do. Safe to run at any time and as often as you like.
    """
    from peerlog.errors import InputError, PeerlogError
    from peerlog.exchange import sync_folders

    if pair is not None and group is not None:
        raise InputError(
            "Choose --pair or --group: each syncs one folder, so give one of them, or neither for all."
        )
    from peerlog.identity import ensure_identity
    from peerlog.syncing import SyncLock

    store = state(ctx).store()
    identity = ensure_identity(store.path)

    def once(first: bool) -> list[FolderSync]:
        with SyncLock(store.path):
            reports = sync_folders(store, identity, pair=pair, group=group)
        if as_json:
            say_json([r.to_dict() for r in reports])
        else:
            for report in reports:
                if first or not report.quiet:
                    for line in describe(report):
                        say(line)
        return reports

    if not watch:
        reports = once(True)
        if not reports:
            raise PeerlogError(
                "None of your pairs or groups has a sync folder yet, so there is nothing to sync.",
                hint="Set one with `peerlog pair set NAME --sync-dir PATH` (or `peerlog group set NAME --sync-dir "
                "PATH`), or share by file with `peerlog share`.",
            )
        if any(r.problem or r.refused for r in reports):
            raise typer.Exit(1)
        return
    from peerlog.syncing import watch as keep_watching

    state_first = [True]

    def step() -> list[FolderSync]:
        reports = once(state_first[0])
        state_first[0] = False
        return reports

    if not as_json:
        say("Watching your sync folders; press Ctrl-C to stop.")
    keep_watching(step, interval=2.0)
    if not as_json:
        say("Stopped watching. Everything that arrived is in your journal.")
