"""Reading a jrnl JSON export (`jrnl --format json`) as check-ins, so people can move from jrnl.

Each jrnl entry becomes a private check-in by you: its title and body form the note, its tags are kept
(without jrnl's leading `@` or `#`), and a starred entry's title becomes a win. jrnl entries have no ids, so
each check-in's id is derived from the entry's date, time and text: importing the same file again finds the
same ids and adds nothing. jrnl writes local times without an offset; they are read as this machine's time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from peerlog import dates, rules
from peerlog.importers.fields import (
    UNPAIRED,
    FileProblem,
    as_list,
    as_object,
    boolean,
    describe,
    field,
    path_of,
    text,
)
from peerlog.interchange import CheckInRecord, WinRecord
from peerlog.models import PRIVATE

NAMESPACE = uuid5(NAMESPACE_URL, "https://peerlog.invalid/import/jrnl")
NOON = "12:00"


@dataclass(frozen=True)
class JrnlImport:
    checkins: tuple[CheckInRecord, ...]
    empty: int  # entries with no text at all: nothing to keep


def clean_tag(raw: str) -> str | None:
    """A jrnl tag (`@work`, `#Beach`, `@side+project`) as a peerlog tag, or None if nothing is left."""
    return rules.tag_from(raw)


def _without_controls(value: str) -> str:
    # jrnl files are plain text people typed over years; a stray control character should not stop a move.
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in rules.LAYOUT or not rules.is_control(ch))


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = field(entry, key, where, default="", nullable=True)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FileProblem(path_of(where, key), f"must be text, not {describe(value)}")
    if rules.has_surrogates(value):
        raise FileProblem(path_of(where, key), UNPAIRED)
    return _without_controls(value).strip()


def _moment(entry: dict[str, Any], where: str) -> tuple[datetime, str, str]:
    day_text = field(entry, "date", where)
    try:
        if not isinstance(day_text, str):
            raise ValueError
        day = date.fromisoformat(day_text)
    except ValueError:
        raise FileProblem(
            path_of(where, "date"), f"must be a date like 2026-11-21, not {describe(day_text)}"
        ) from None
    time_text = text(entry, "time", where, default=NOON, nullable=True) or NOON
    try:
        clock = time.fromisoformat(time_text)
    except ValueError:
        raise FileProblem(
            path_of(where, "time"), f"must be a time like 18:30, not {describe(time_text)}"
        ) from None
    # Naive local time, read with this machine's offset for that day (so DST is right).
    try:
        at = datetime.combine(day, clock).astimezone()
    except (ValueError, OverflowError):  # the first or last hours of the calendar, moved by the offset
        at = None
    if at is None or not dates.in_range(at):
        raise FileProblem(
            path_of(where, "date"), f"is outside the dates peerlog keeps ({dates.RANGE}): {day_text}"
        )
    return at, day_text, time_text


def parse(data: Any) -> JrnlImport:
    """Check a decoded jrnl JSON export and turn its entries into check-in records (author left blank)."""
    doc = as_object(data, "the file")
    if doc.get("format") == "peerlog":
        raise FileProblem(
            "format", "this is a peerlog file, not a jrnl export: import it without --from jrnl"
        )
    if "tags" in doc:
        as_object(doc["tags"], "tags")
    entries = as_list(field(doc, "entries", ""), "entries")
    records: list[CheckInRecord] = []
    seen: dict[str, int] = {}
    empty = 0
    for i, raw in enumerate(entries):
        where = path_of("entries", i)
        entry = as_object(raw, where)
        title, body = _text(entry, "title", where), _text(entry, "body", where)
        at, day_text, time_text = _moment(entry, where)
        starred = boolean(entry, "starred", where, default=False)
        tags_where = path_of(where, "tags")
        raw_tags = as_list(field(entry, "tags", where, default=[], nullable=True) or [], tags_where)
        tags = set()
        for j, tag in enumerate(raw_tags):
            if not isinstance(tag, str):
                raise FileProblem(path_of(tags_where, j), f"must be text, not {describe(tag)}")
            cleaned = clean_tag(tag)
            if cleaned:
                tags.add(cleaned)
        if not title and not body:
            empty += 1
            continue
        # Identical entries (same moment and text) are rare but legal: number them so each keeps its own id.
        key = json.dumps([day_text, time_text, title, body], ensure_ascii=False)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        checkin_id = str(uuid5(NAMESPACE, f"{key}#{occurrence}"))
        wins: tuple[WinRecord, ...] = ()
        note = f"{title}\n{body}" if title and body else title or body
        if len(note) > rules.TEXT:
            # Refused rather than cut or split: a shortened entry would be a quiet loss, and two halves
            # are a choice about someone's writing that is theirs to make (in jrnl, before moving).
            raise FileProblem(
                f"{where} ({day_text} {time_text})",
                f"this entry is {len(note):,} characters long; peerlog keeps up to {rules.TEXT:,} in one "
                "check-in. Split or shorten it in jrnl, then import again",
            )
        if starred:
            # The starred entry's headline is the win; the rest of its text stays as the note.
            if title:
                headline, rest = title, body
            else:
                headline, _, rest = body.partition("\n")
            wins = (WinRecord(id=str(uuid5(NAMESPACE, f"{checkin_id}/win/0")), position=0, text=headline),)
            note = rest.strip()
        stamp = at.astimezone(UTC)
        records.append(
            CheckInRecord(
                id=checkin_id,
                author_id="",
                pair_id=None,
                at=at,
                mood=None,
                note=note,
                visibility=PRIVATE,
                created_at=stamp,
                updated_at=stamp,
                wins=wins,
                tags=tuple(sorted(tags)),
            )
        )
    return JrnlImport(checkins=tuple(records), empty=empty)
