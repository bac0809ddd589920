"""`peerlog sync`: exchange sealed bundles with your peers through the folders you keep in step, and through
your programme hub when this journal has joined one (`peerlog hub join`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from peerlog.cli.say import say, say_json
from peerlog.cli.state import state

if TYPE_CHECKING:
    from peerlog.exchange import FolderSync
    from peerlog.hubclient import HubPass
    from peerlog.store import Store

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
        return [f"With {report.peer}{' (hub)' if report.hub else ''}: {report.problem}"]
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
    who = f"{report.peer} (hub)" if report.hub else report.peer
    lines = [f"With {who}: {'; '.join(parts) if parts else 'nothing new either way'}."]
    lines += [f"  Left {name} alone: {why}" for name, why in report.refused]
    if any(a.result.after_leaving for a in report.arrivals):
        from peerlog.group_stories import after_leaving_note

        lines += [f"  {note}" for a in report.arrivals if (note := after_leaving_note(a.result))]
    if report.no_key:
        lines.append(f"  {no_key_note(report.no_key)}")
    return lines


def _hub_json(done: HubPass) -> list[dict[str, object]]:
    """The hub's own line for scripts, when it has something to say beyond the pairs' reports."""
    if not done.refused and done.problem is None:
        return []
    return [
        {
            "via": "hub",
            "peer": None,
            "refused": [{"bundle": name, "why": why} for name, why in done.refused],
            "problem": str(done.problem) if done.problem else None,
        }
    ]


@app.command()
def sync(
    ctx: typer.Context,
    pair: Annotated[
        str | None, typer.Option("--pair", "-p", help="Only this peer's folder or hub pair.")
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", "-g", help="Only this group's folder or hub circle.")
    ] = None,
    watch: Annotated[
        bool,
        typer.Option("--watch", "-w", help="Keep syncing until you press Ctrl-C, taking in what arrives."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print what happened as JSON for scripts.")] = False,
) -> None:
    """Exchange sealed bundles with every peer and group that has a sync folder: send your changes, take in theirs.

    Set a pair's folder once with `peerlog pair set NAME --sync-dir PATH`: any folder you both keep in step
    (Syncthing, Dropbox, Nextcloud, a git repository, a USB stick); a group's with `peerlog group set NAME
    --sync-dir PATH`, one folder for the whole circle. Pairs and groups in a programme hub (`pair add NAME
    --hub`, `group set NAME --hub`) sync through the hub too. Only your shared entries leave, sealed to each
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
    from peerlog.hubclient import Hub, read_settings

    settings = read_settings(store.path)
    # A coordinator's place on the hub holds counts, never bundles: there is nothing there to sync.
    hub = Hub(settings) if settings is not None and not settings.coordinator else None
    # A pair or group that syncs only through the hub has no folder, and that is no error.
    folder_optional = hub is not None and _through_hub(store, pair=pair, group=group)
    shown_problem: list[str | None] = [None]

    def once(first: bool) -> tuple[list[FolderSync], HubPass | None]:
        done = None
        with SyncLock(store.path):
            reports = sync_folders(store, identity, pair=pair, group=group, missing_ok=folder_optional)
            if hub is not None:
                from peerlog.hubclient import sync_hub

                done = sync_hub(store, identity, hub=hub, pair=pair, group=group)
        everyone = reports + (done.reports if done else [])
        if as_json:
            say_json([r.to_dict() for r in everyone] + (_hub_json(done) if done else []))
        else:
            # When the hub stopped the pass, "nothing new" would not be true of its pairs: only what happened.
            stopped = (
                {id(r) for r in done.reports} if done is not None and done.problem is not None else set()
            )
            for report in everyone:
                if (first and id(report) not in stopped) or not report.quiet:
                    for line in describe(report):
                        say(line)
            if done is not None:
                if first and not done.reports and done.problem is None:
                    say(
                        "You are on your programme hub, with no pairs or groups through it yet: "
                        "`peerlog pair add NAME --hub`."
                    )
                for name, why in done.refused:
                    say(f"  From the hub, left {name} alone: {why}")
        return everyone, done

    if not watch:
        reports, done = once(True)
        if not reports and done is None and settings is not None:
            raise PeerlogError(
                "You are on your programme hub as a coordinator, so nothing of yours syncs through it; "
                "none of your pairs or groups has a sync folder either.",
                hint="See how pairs and circles meet with `peerlog hub report`.",
            )
        if not reports and done is None:
            raise PeerlogError(
                "None of your pairs or groups has a sync folder yet, so there is nothing to sync.",
                hint="Set one with `peerlog pair set NAME --sync-dir PATH` (or `peerlog group set NAME --sync-dir "
                "PATH`), or share by file with `peerlog share`.",
            )
        if done is not None and done.problem is not None:
            raise done.problem
        if any(r.problem or r.refused for r in reports) or (done is not None and done.refused):
            raise typer.Exit(1)
        return
    from peerlog.syncing import watch as keep_watching

    state_first = [True]

    def step() -> list[FolderSync]:
        from peerlog.hubclient import MembershipEndedError

        reports, done = once(state_first[0])
        state_first[0] = False
        problem = done.problem if done is not None else None
        if isinstance(problem, MembershipEndedError):
            raise problem
        # A hub out of reach is said once, not every second; the watch keeps trying.
        if not as_json and problem is not None and str(problem) != shown_problem[0]:
            say(f"Hub: {problem.message} Still watching; peerlog tries again every few seconds.")
        elif not as_json and problem is None and shown_problem[0] is not None:
            say("Hub: back in touch.")
        shown_problem[0] = str(problem) if problem is not None else None
        return reports

    def pause(seconds: float) -> None:
        import time

        if hub is None:
            time.sleep(seconds)
            return
        if shown_problem[0] is not None:
            time.sleep(seconds * 3)  # a hub out of reach is tried again every few seconds, not every one
            return
        try:
            hub.wait(seconds)
        except PeerlogError:
            time.sleep(seconds)  # the next step says what happened, as it reconnects

    if not as_json:
        say(
            "Watching your sync folders and your hub; press Ctrl-C to stop."
            if hub
            else "Watching your sync folders; press Ctrl-C to stop."
        )
    try:
        keep_watching(step, interval=1.0 if hub is not None else 2.0, sleep=pause)
    finally:
        if hub is not None:
            hub.close()
    if not as_json:
        say("Stopped watching. Everything that arrived is in your journal.")


def _through_hub(store: Store, *, pair: str | None, group: str | None) -> bool:
    """Whether the one pair or group asked for syncs through the hub."""
    from peerlog.hubclient import hub_space_of

    return (pair is not None or group is not None) and hub_space_of(store, pair=pair, group=group) is not None
