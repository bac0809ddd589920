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


def fit_to_terminal(message: str, *, hang: int = 0) -> str:
    """`message` wrapped at word boundaries to the terminal's width (`COLUMNS` first, as everywhere).

    Each line of the message is wrapped on its own, so its own line breaks stay, and a line's leading
    spaces indent the lines it wraps onto (`hang` more, for a label's text under the text). A word longer
    than a line (a path) stays whole: the terminal folds it, but cut in two it could not be copied. A
    `command in backticks` is one word too: broken across lines, `--group` and its name would part.
    """
    import re
    import shutil
    import textwrap

    # One column spare, as the questions keep: a full-width line makes some terminals add an empty one.
    width = max(shutil.get_terminal_size().columns - 1, 20)
    lines: list[str] = []
    for line in message.split("\n"):
        lead = line[: len(line) - len(line.lstrip(" "))]
        # NUL holds a command's spaces while wrapping (messages have been through `visible`: none has one).
        joined = line if "\0" in line else re.sub(r"`[^`]*`", lambda m: m.group().replace(" ", "\0"), line)
        wrapped = textwrap.wrap(
            joined, width, subsequent_indent=lead + " " * hang, break_long_words=False, break_on_hyphens=False
        )
        lines += [part.replace("\0", " ") for part in wrapped] or [""]
    return "\n".join(lines)


def on_terminal(err: bool) -> bool:
    """Whether the message goes to a person's terminal (not a file or a pipe, whose lines stay whole)."""
    import sys

    stream = sys.stderr if err else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def say(message: str, *, err: bool = False, hang: int = 0) -> None:
    """A message for a person: on a terminal, wrapped at word boundaries ("private to yo|u." never)."""
    shown = visible(message)
    typer.echo(fit_to_terminal(shown, hang=hang) if on_terminal(err) else shown, err=err)


def say_json(data: object) -> None:
    """`data` as JSON for scripts. json.dumps escapes C0 controls but leaves DEL and C1 (such as U+009B, a
    CSI on some terminals) raw; written as `\\u009b` they mean the same to any JSON reader."""
    import json

    text = json.dumps(data, indent=2, ensure_ascii=False)
    typer.echo("".join(f"\\u{ord(ch):04x}" if "\x7f" <= ch <= "\x9f" else ch for ch in text))
