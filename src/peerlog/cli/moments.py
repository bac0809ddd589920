"""The `--at`, `--since` and `--until` options: one help text and one way of reading them everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

WHEN_HELP = "ISO date or time, today, yesterday, or a span back from now like 3d, 2w, 1m."


def parse_moment(text: str | None, role: str) -> datetime | None:
    """What was typed for a moment option, read for its role ("at", "since" or "until"); None when absent."""
    if text is None:
        return None
    from peerlog.dates import Role, parse_when

    return parse_when(text, Role(role))
