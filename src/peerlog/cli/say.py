"""A plain line for the terminal that quotes someone's words (a name, a note, a pack title, a path).

The words may come from a journal file changed behind peerlog's back or an older file, so they pass
through `peerlog.rules.visible` first: an escape sequence is shown, never obeyed. Tables and panels get the
same treatment in `peerlog.render`; this stays free of rich so a quick check-in never loads it.
"""

from __future__ import annotations

import typer

from peerlog.rules import visible

#: When every question of a pack was skipped (a check-in or a reflection): nothing is saved, kindly.
SKIPPED_ALL = "You skipped every question, so there is nothing to save. That's fine; come back any time."


def where_it_goes(visibility: str, peer: str | None) -> str:
    """Who a saved entry reaches, truthfully: a bundle carries only the shared entries of its own pair."""
    if visibility != "shared":
        return "private: only you see it"
    if peer is None:
        return "shared, but with no pair: it goes into your exports, not into any peer's bundle"
    return f"shared: it goes into what you share with {peer}"


def say(message: str, *, err: bool = False) -> None:
    typer.echo(visible(message), err=err)


def say_json(data: object) -> None:
    """`data` as JSON for scripts. json.dumps escapes C0 controls but leaves DEL and C1 (such as U+009B, a
    CSI on some terminals) raw; written as `\\u009b` they mean the same to any JSON reader."""
    import json

    text = json.dumps(data, indent=2, ensure_ascii=False)
    typer.echo("".join(f"\\u{ord(ch):04x}" if "\x7f" <= ch <= "\x9f" else ch for ch in text))
