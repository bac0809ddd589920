"""Search on any database SQLAlchemy speaks: case-insensitive LIKE matching, newest first.

The fallback for backends without their own full-text index (and for an SQLite built without FTS5).
Every word must appear; a quoted phrase must appear as written. No stemming and no relevance ranking:
documents that match more often come first, then newer ones. Each source is read with its own LIMIT,
so a page never needs more than `limit` rows from any one table.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, func, select

from peerlog import tables as t
from peerlog.store.search_types import END, START, Found
from peerlog.store.visibility import visible_to

SNIPPET_CHARS = 160


def is_ready(conn: Any) -> bool:
    return True


def _like(column: Any, term: Any) -> Any:
    pattern = term.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # A prefix term matches anywhere a word starts with it; a plain word anywhere in the text.
    return func.lower(column).like(f"%{pattern}%", escape="\\")


def _mark(text: str, terms: list[Any]) -> tuple[str, int]:
    patterns = [re.escape(term.text) + (r"\w*" if term.prefix else "") for term in terms]
    regex = re.compile("|".join(patterns), re.IGNORECASE)
    spans = [m.span() for m in regex.finditer(text)]
    if not spans:
        return text[:SNIPPET_CHARS], 0
    start = max(0, spans[0][0] - SNIPPET_CHARS // 3)
    end = min(len(text), start + SNIPPET_CHARS)
    out, pos = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out += [text[pos:a], START, text[a:b], END]
        pos = b
    out.append(text[pos:end])
    marked = ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")
    return marked, len(spans)


def find(
    conn: Any, terms: list[Any], *, me_id: str, pair_id: str | None, limit: int, group_id: str | None = None
) -> list[Any]:
    c, w, ch, a, rf, fb = t.checkin, t.win, t.challenge, t.answer, t.reflection, t.feedback

    def visible(table: Any) -> Any:
        mine = visible_to(table, me_id)
        if group_id:
            return and_(mine, table.c.group_id == group_id)
        return and_(mine, table.c.pair_id == pair_id) if pair_id else mine

    def matching(column: Any) -> Any:
        return and_(*[_like(column, term) for term in terms])

    body = ch.c.text + " " + func.coalesce(ch.c.overcome_note, "")
    queries = {
        "checkin": select(c.c.id, c.c.note.label("body"), c.c.at).where(visible(c), matching(c.c.note)),
        "win": select(w.c.id, w.c.text.label("body"), c.c.at)
        .join(c, c.c.id == w.c.checkin_id)
        .where(visible(c), matching(w.c.text)),
        "challenge": select(ch.c.id, body.label("body"), c.c.at)
        .join(c, c.c.id == ch.c.checkin_id)
        .where(visible(c), matching(body)),
        "answer": select(a.c.id, a.c.value.label("body"), rf.c.at)
        .join(rf, rf.c.id == a.c.reflection_id)
        .where(visible(rf), a.c.kind.not_in(("scale", "confirm")), matching(a.c.value)),
        "feedback": select(fb.c.id, fb.c.message.label("body"), fb.c.at).where(
            visible(fb), matching(fb.c.message)
        ),
    }
    candidates = []
    for kind, query in queries.items():
        for row in conn.execute(query.order_by(query.selected_columns.at.desc()).limit(limit)):
            marked, hits = _mark(row.body, terms)
            candidates.append((hits, row.at, kind, row.id, marked))
    candidates.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [
        Found(kind, ref_id, marked, -float(hits)) for hits, _at, kind, ref_id, marked in candidates[:limit]
    ]


def tally(
    conn: Any, kind: str, *, me_id: str, pair_id: str | None, include_private: bool = True
) -> dict[str, tuple[int, int]]:
    """Per author: how many check-ins, wins or challenges you may see (all time), and how many are done;
    for appreciation, per person appreciated. `include_private=False`: shared entries only."""
    c = t.checkin
    mine = visible_to(c, me_id, include_private=include_private)
    where = and_(mine, c.c.pair_id == pair_id) if pair_id else mine
    if kind == "checkin":
        query = select(c.c.author_id, func.count(), func.count(None)).where(where)
    elif kind == "win":
        query = (
            select(c.c.author_id, func.count(), func.count(None))
            .select_from(t.win)
            .join(c, c.c.id == t.win.c.checkin_id)
            .where(where)
        )
    elif kind == "challenge":
        ch = t.challenge
        query = (
            select(c.c.author_id, func.count(), func.count(ch.c.overcome_at))
            .select_from(ch)
            .join(c, c.c.id == ch.c.checkin_id)
            .where(where)
        )
    elif kind == "appreciation":
        # Counted for the one appreciated; visible as any entry is (given by you, or shared).
        fb = t.feedback
        mine = visible_to(fb, me_id, include_private=include_private)
        query = (
            select(fb.c.recipient_id, func.count(), func.count(None))
            .where(fb.c.kind == kind, and_(mine, fb.c.pair_id == pair_id) if pair_id else mine)
            .group_by(fb.c.recipient_id)
        )
        return {r[0]: (int(r[1]), 0) for r in conn.execute(query)}
    else:
        raise ValueError(f"nothing to tally for {kind!r}")
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in conn.execute(query.group_by(c.c.author_id))}
