"""peerlog JSON: every entity and field, UUIDs, ISO-8601 moments with offsets, and a format version on top.

The output depends only on the document: records are sorted by stable keys and nothing (not even the
moment of export) varies between runs, so exporting, importing elsewhere and exporting again gives the
same bytes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from json.encoder import encode_basestring as _string
from typing import Any

from peerlog.interchange import (
    FORMAT,
    VERSION,
    CheckInRecord,
    FeedbackRecord,
    GroupRecord,
    GroupSessionRecord,
    JournalDocument,
    LinkRecord,
    PairRecord,
    PersonRecord,
    ReflectionRecord,
)


def moment(value: datetime | None) -> str | None:
    """An `at` moment in its own offset."""
    return value.isoformat() if value is not None else None


def stamp(value: datetime | None) -> str | None:
    """A bookkeeping stamp, always in UTC."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def person_dict(p: PersonRecord) -> dict[str, Any]:
    person = {
        "id": p.id,
        "name": p.name,
        "is_self": p.is_self,
        "created_at": stamp(p.created_at),
        "updated_at": stamp(p.updated_at),
        "version": p.version,
    }
    if p.public_key is not None:
        # Only where there is one (an export for yourself): every other file stays exactly as before.
        person["public_key"] = p.public_key
    return person


def pair_dict(p: PairRecord) -> dict[str, Any]:
    return {
        "id": p.id,
        "person_a_id": p.person_a_id,
        "person_b_id": p.person_b_id,
        "agreement": p.agreement,
        "started_at": stamp(p.started_at),
        "ended_at": stamp(p.ended_at),
        "created_at": stamp(p.created_at),
        "updated_at": stamp(p.updated_at),
        "version": p.version,
    }


def group_dict(g: GroupRecord) -> dict[str, Any]:
    """A group with its members' stretches, oldest first; no roles, since it has none."""
    return _fields(
        g,
        members=[
            _fields(m) for m in sorted(g.members, key=lambda m: (m.joined_at.astimezone(UTC), m.person_id))
        ],
    )


def group_session_dict(s: GroupSessionRecord) -> dict[str, Any]:
    return _fields(s, attendance=sorted(s.attendance))


def _fields(record: Any, **rest: Any) -> dict[str, Any]:
    """A record's fields in their declared order: `at` in its author's offset, other moments in UTC, and
    `rest` in place of the fields it names. A field added to a record is written without more code."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.name in rest:
            out[f.name] = rest[f.name]
        elif f.name == "at":
            out[f.name] = moment(value)
        else:
            out[f.name] = stamp(value) if isinstance(value, datetime) else value
    return out


def checkin_dict(c: CheckInRecord) -> dict[str, Any]:
    # Wins, challenges and tags are sorted here: a document built by hand need not be.
    return _fields(
        c,
        wins=[_fields(w) for w in sorted(c.wins, key=lambda w: (w.position, w.id))],
        challenges=[_fields(ch) for ch in sorted(c.challenges, key=lambda ch: (ch.position, ch.id))],
        tags=sorted(c.tags),
    )


def reflection_dict(r: ReflectionRecord) -> dict[str, Any]:
    return _fields(r, answers=[_fields(a) for a in sorted(r.answers, key=lambda a: (a.position, a.id))])


def feedback_dict(f: FeedbackRecord) -> dict[str, Any]:
    return _fields(f)


def _by_moment(record: Any) -> tuple[datetime, str]:
    return (record.at.astimezone(UTC), record.id)


def _header(doc: JournalDocument) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": doc.kind,
        "includes": "shared and private" if doc.include_private else "shared only",
        "note": f"This file includes {doc.includes}.",
        "self_id": doc.self_id,
        "scope": {
            "pair_id": doc.scope.pair_id,
            "group_id": doc.scope.group_id,
            "since": moment(doc.scope.since),
            "until": moment(doc.scope.until),
        },
    }


def _lists(doc: JournalDocument) -> list[tuple[str, Iterable[dict[str, Any]]]]:
    return [
        ("people", map(person_dict, sorted(doc.people, key=lambda p: (not p.is_self, p.id)))),
        ("pairs", map(pair_dict, sorted(doc.pairs, key=lambda p: p.id))),
        ("groups", map(group_dict, sorted(doc.groups, key=lambda g: g.id))),
        ("group_sessions", map(group_session_dict, sorted(doc.group_sessions, key=lambda s: s.id))),
        # Entries arrive oldest first (the document's promise), so a journal of any size streams through.
        ("checkins", map(checkin_dict, doc.checkins)),
        ("reflections", map(reflection_dict, doc.reflections)),
        ("feedback", map(feedback_dict, doc.feedback)),
        ("links", map(_link, sorted(doc.links, key=lambda ln: ln.foreign_id))),
    ]


def _link(ln: LinkRecord) -> dict[str, Any]:
    return {
        "foreign_id": ln.foreign_id,
        "kind": ln.kind,
        "local_id": ln.local_id,
        "created_at": stamp(ln.created_at),
    }


def to_dict(doc: JournalDocument) -> dict[str, Any]:
    """The whole document as one dict (for small documents; `JsonExporter` streams)."""
    return {**_header(doc), **{key: list(items) for key, items in _lists(doc)}}


def pretty(value: Any, level: int = 0) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, indented `level` steps, several times faster.

    With `indent` the standard library encodes in pure Python; here only the strings go through its C
    encoder and the layout is written directly. A test holds the two to exactly the same output.
    """
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    inner, outer = "\n" + "  " * (level + 1), "\n" + "  " * level
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (f"{_string(str(k))}: {pretty(v, level + 1)}" for k, v in value.items())
        return "{" + inner + ("," + inner).join(items) + outer + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join(pretty(v, level + 1) for v in value) + outer + "]"
    return json.dumps(value, ensure_ascii=False)


def chunks(doc: JournalDocument) -> Iterator[str]:
    """The same text as `json.dumps(to_dict(doc), indent=2)`, produced an entry at a time."""
    yield "{"
    first = True
    for key, value in _header(doc).items():
        yield ("\n" if first else ",\n") + f"  {json.dumps(key)}: {pretty(value, 1)}"
        first = False
    for key, items in _lists(doc):
        yield f",\n  {json.dumps(key)}: ["
        empty = True
        for item in items:
            yield ("\n    " if empty else ",\n    ") + pretty(item, 2)
            empty = False
        yield "]" if empty else "\n  ]"
    yield "\n}\n"


class JsonExporter:
    """peerlog JSON, readable by `peerlog import` on any machine."""

    name = "json"
    extension = ".json"

    def chunks(self, doc: JournalDocument) -> Iterator[str]:
        return chunks(doc)
