"""The `--at`, `--since` and `--until` options: one help text and one way of reading them everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

WHEN_HELP = (
    "A date or time as you'd say it (yesterday 18:00, last tuesday, monday 9am), ISO (2026-11-21T18:30), "
    "or a span back from now like 3d, 2w, 1m."
)
FUTURE_HELP = "Allow --at to be a moment still to come (otherwise asked, or refused without a terminal)."


def parse_moment(text: str | None, role: str) -> datetime | None:
    """What was typed for a moment option, read for its role ("at", "since" or "until"); None when absent."""
    if text is None:
        return None
    from peerlog.dates import Role, parse_when

    return parse_when(text, Role(role))


def check_not_future(moment: datetime | None, *, future: bool, what: str = "check-in") -> None:
    """A moment still to come is most likely a slip ("monday" meant next week): asked about in a terminal,
    refused otherwise unless --future says it is meant. Saying no stops with nothing saved."""
    from datetime import timedelta

    from peerlog.dates import local_now

    # A minute's grace: "now" typed a moment ago, or a clock a little ahead, is not the future.
    if moment is None or future or moment <= local_now() + timedelta(minutes=1):
        return
    from peerlog.cli.state import is_interactive
    from peerlog.errors import InputError

    when = moment.strftime("%a %d %b %Y, %H:%M")
    if not is_interactive():
        raise InputError(
            f"{when} is still to come, so the {what} was not saved.",
            hint="Add --future if that is what you mean, or give a past moment with --at.",
        )
    from peerlog.cli import interactive

    if not interactive.confirm(f"{when} is still to come. Save the {what} for then?"):
        raise InputError(
            f"Nothing was saved: the {what} is not set for {when}.", hint="Give --at a past moment."
        )
