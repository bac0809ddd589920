"""Your identity, as `peerlog id` shows it: a few plain lines that fit 80 columns and copy cleanly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from peerlog.render import plain

if TYPE_CHECKING:
    from peerlog.peer_keys import OwnIdentity

WHAT_TO_DO = "Send the code to your peer; read the fingerprint to each other to check it."


def identity_lines(me: OwnIdentity) -> Text:
    # No panel or table: the code is one unbroken word, so a double-click or a terminal copy takes it whole.
    text = Text()
    text.append("You:          ")
    text.append_text(plain(me.name, style="bold"))
    text.append("\nCode:         ")
    text.append(me.key.code, style="cyan")
    text.append(f"\nFingerprint:  {me.key.fingerprint}\n\n")
    text.append(WHAT_TO_DO)
    return text
