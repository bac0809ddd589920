"""The one set of rules for text peerlog accepts, whichever way it comes in.

Flags, interactive answers, `edit` and `$EDITOR`, peerlog JSON and jrnl imports, share bundles and prompt
packs all check text here, so anything peerlog keeps it can also export and import again: a limit that
differed between two ways in (a 30,000-character note imported, then refused by `edit`) made a journal's
own export unreadable. `visible` is the other half: text already stored (a journal doctored with sqlite3,
an older file) is shown with its control characters made harmless, never sent raw to a terminal.

Stdlib only: every layer uses it, the importers and the renderers alike.
"""

from __future__ import annotations

import re
import unicodedata

#: Longest name of a person, in characters (after inner spaces collapse).
NAME = 80
#: Longest free text: a note, win, challenge, answer, feedback, pair agreement, a note on an overcome
#: challenge, and the questions, help and choices of a prompt pack (a choice is stored as an answer).
TEXT = 100_000
#: Longest choice in a prompt pack: a `multi` answer keeps every picked choice in one JSON list, and even
#: twenty of them, quotes escaped, stay well inside TEXT.
CHOICE = 1_000
#: Longest pack title (a reflection keeps the title of the pack it was written with).
TITLE = 500
#: Longest tag, and the shape of one: a word of letters, digits, '-', '_', '.' or '/'.
TAG = 50
_TAG = re.compile(rf"^\w[\w\-./]{{0,{TAG - 1}}}$")
_NOT_TAG = re.compile(r"[^\w\-./]+")

#: A mood is a whole number from 1 (a hard day) to 5 (a great day); these are its words.
MOODS = {1: "hard", 2: "low", 3: "okay", 4: "good", 5: "great"}

#: Layout characters kept inside longer text; every other control character is refused on the way in.
LAYOUT = "\n\t"

#: Why text is refused, as the end of a sentence that names the field ("The note ...", "title: ...").
TOO_LONG = "is longer than {limit:,} characters"
CONTROLS = "contains control characters"
NOT_UTF8 = "contains bytes that are not UTF-8 text"


# Unicode's category Cc, exactly: C0 (ESC, BEL, ...), DEL and C1 (CSI, OSC, ...). Each can drive a terminal.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# Surrogates are how Python carries bytes that were not UTF-8; they cannot be stored or written out.
_SURROGATES = re.compile("[\ud800-\udfff]")


def is_control(ch: str) -> bool:
    return _CONTROLS.fullmatch(ch) is not None


def has_controls(value: str, *, keep: str = LAYOUT) -> bool:
    return any(found.group() not in keep for found in _CONTROLS.finditer(value))


def has_surrogates(value: str) -> bool:
    return _SURROGATES.search(value) is not None


def text_problem(value: str, *, limit: int = TEXT, keep: str = LAYOUT) -> str | None:
    """What is wrong with `value` as stored text (see the messages above), or None when it may be kept."""
    if len(value) > limit:
        return TOO_LONG.format(limit=limit)
    if has_controls(value, keep=keep):
        return CONTROLS
    if has_surrogates(value):
        return NOT_UTF8
    return None


def name_problem(value: str) -> str | None:
    """What is wrong with a person's name as typed (inner spaces already collapsed), or None."""
    return text_problem(value, limit=NAME, keep="")


def tidy_tag(raw: str) -> str:
    """A tag the way peerlog keeps it: no leading '#', compatibility forms folded, case folded."""
    return unicodedata.normalize("NFKC", raw).strip().lstrip("#").casefold()


def is_tag(value: str) -> bool:
    return bool(_TAG.match(value)) and tidy_tag(value) == value


def tag_from(raw: str) -> str | None:
    """A tag made from free text (jrnl's `@side+project`): other characters become '-'; None if none left."""
    tag = _NOT_TAG.sub("-", tidy_tag(raw.lstrip("@#"))).strip("-./")[:TAG].rstrip("-./")
    return tag if tag and is_tag(tag) else None


# ---------------------------------------------------------------- showing stored text


def visible(value: str, *, keep: str = LAYOUT) -> str:
    """`value` safe to show in a terminal or a document: control characters (escape sequences, bells, a
    carriage return that would overwrite the line) are written out as `\\x1b`-style text, and half of a
    character as U+FFFD. Newlines and tabs stay where the layout can hold them (`keep`)."""
    shown = _CONTROLS.sub(lambda m: m.group() if m.group() in keep else f"\\x{ord(m.group()):02x}", value)
    return _SURROGATES.sub("\ufffd", shown)
