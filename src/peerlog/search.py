"""Full-text search over notes, wins, challenges, answers and feedback, best matches first.

A small interface in front of the backend: the words people type become `Term`s; a backend finds the
best visible documents and marks the matching words; this module adds who, when and context for the
page it shows. SQLite journals use FTS5 (`peerlog.store.search_sqlite`, ranked by bm25 among the newest
2,000 matches, with stemming); any other database, or an SQLite without FTS5, uses
`peerlog.store.search_portable` (plain LIKE matching, newest first). A new backend is a module with
`find(conn, terms, *, me_id, pair_id, limit, group_id)` and `tally(conn, kind, *, me_id, pair_id)` (the counts of
"how far you've come"), registered in `BACKENDS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from peerlog import review
from peerlog import tables as t
from peerlog.errors import InputError
from peerlog.store.search_types import END, START, Term

#: Dialect name -> the backend made for it. Anything else gets the portable backend.
BACKENDS: dict[str, Callable[[], ModuleType]] = {"sqlite": lambda: _sqlite_backend()}
MAX_LIMIT = 500
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile("[\\w'\u2019-]+")


@dataclass(frozen=True)
class SearchHit:
    kind: str
    id: str
    marked: str
    who: str
    by_you: bool
    at: datetime
    context: str = ""
    score: float = 0.0
    #: The entry the hit belongs to, as the commands that take an id know it: a win or a challenge is part of
    #: a check-in (`show`), an answer of a reflection, a message is a feedback entry.
    entry_kind: str = ""
    entry_id: str = ""

    @property
    def text(self) -> str:
        return self.marked.replace(START, "").replace(END, "")

    @property
    def matches(self) -> list[str]:
        return re.findall(f"{START}(.*?){END}", self.marked)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "id": self.id,
            "text": self.text,
            "matches": self.matches,
            "who": self.who,
            "by_you": self.by_you,
            "at": self.at.isoformat(),
            "context": self.context,
            "entry": {"kind": self.entry_kind, "id": self.entry_id},
        }


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    more: bool = False
    backend: str = ""
    #: The group searched in, by name, when the search was in one.
    group: str | None = None

    def to_dict(self) -> dict[str, object]:
        found = {"query": self.query, "hits": [h.to_dict() for h in self.hits], "more": self.more}
        return {**found, "group": self.group} if self.group else found


def parse_query(query: str) -> list[Term]:
    """Words and "quoted phrases"; a word ending in * matches its beginning. Punctuation is ignored."""
    # Surrogates are how Python carries bytes that were not UTF-8; the query is shown back, so refuse them.
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in query):
        raise InputError(
            "The search words contain bytes that are not UTF-8 text.",
            hint="Convert them to UTF-8 and try again.",
        )
    terms: list[Term] = []
    for phrase, word in _TOKEN.findall(query):
        if phrase:
            words = _WORD.findall(phrase)
            if words:
                terms.append(Term(" ".join(words), phrase=len(words) > 1))
            continue
        prefix = word.endswith("*")
        for piece in _WORD.findall(word):
            terms.append(Term(piece, prefix=prefix))
        if prefix and terms and not terms[-1].prefix:
            terms[-1] = Term(terms[-1].text, prefix=True)
    if not terms:
        raise InputError(
            "There are no words to search for.",
            hint='Try `peerlog search sleep` or `peerlog search "hard email"`.',
        )
    return terms


def _sqlite_backend() -> ModuleType:
    from peerlog.store import search_sqlite

    return search_sqlite


def backend_for(conn: Any) -> Any:
    load = BACKENDS.get(conn.dialect.name)
    if load:
        module = load()
        if module.is_ready(conn):
            return module
    from peerlog.store import search_portable

    return search_portable


def search(
    session: Session, query: str, *, pair: str | None = None, group: str | None = None, limit: int = 20
) -> SearchResults:
    """The best `limit` matches you may see (yours, and what others shared), best first; in one pair or
    one group when named."""
    if limit < 1 or limit > MAX_LIMIT:
        raise InputError(f"--limit is a number from 1 to {MAX_LIMIT}.")
    review.check_one_place(pair, group)
    terms = parse_query(query)
    conn = session.connection()
    scope = review.scope_for(conn, pair)
    found_group = None
    if group is not None:
        from peerlog.groups import resolve_group

        found_group = resolve_group(session, group)
    backend = backend_for(conn)
    # One extra row says whether there is more than the page, without counting every match.
    found = backend.find(
        conn,
        terms,
        me_id=scope.me.id,
        pair_id=scope.pair_id,
        group_id=found_group.id if found_group else None,
        limit=limit + 1,
    )
    hits = _describe(conn, scope, found[:limit])
    return SearchResults(
        query=query,
        hits=hits,
        more=len(found) > limit,
        backend=backend.__name__,
        group=found_group.name if found_group else None,
    )


def _describe(conn: Any, scope: review.Scope, found: list[Any]) -> list[SearchHit]:
    """Who, when and a line of context for each hit: one small query per kind that is on the page.

    The rule is applied again to the entries themselves: the index holds copies of who wrote what and
    whether it is shared, and a hit whose entry you may not see is left out even if a copy were stale.
    """
    by_kind: dict[str, list[str]] = {}
    for f in found:
        by_kind.setdefault(f.kind, []).append(f.ref_id)
    c, w, ch, a, rf, fb = t.checkin, t.win, t.challenge, t.answer, t.reflection, t.feedback
    details: dict[tuple[str, str], tuple[str, datetime, str]] = {}
    entries: dict[tuple[str, str], tuple[str, str]] = {}
    people: set[str] = set()
    raw: list[tuple[str, str, str, Any, int, str]] = []
    if ids := by_kind.get("checkin"):
        for r in conn.execute(
            select(c.c.id, c.c.author_id, c.c.at, c.c.utc_offset).where(c.c.id.in_(ids), scope.visible(c))
        ):
            raw.append(("checkin", r.id, r.author_id, r.at, r.utc_offset, ""))
            entries[("checkin", r.id)] = ("check-in", r.id)
    if ids := by_kind.get("win"):
        rows = conn.execute(
            select(w.c.id, c.c.id.label("entry"), c.c.author_id, c.c.at, c.c.utc_offset)
            .join(c, c.c.id == w.c.checkin_id)
            .where(w.c.id.in_(ids), scope.visible(c))
        )
        for r in rows:
            raw.append(("win", r.id, r.author_id, r.at, r.utc_offset, ""))
            entries[("win", r.id)] = ("check-in", r.entry)
    if ids := by_kind.get("challenge"):
        rows = conn.execute(
            select(ch.c.id, c.c.id.label("entry"), ch.c.overcome_at, c.c.author_id, c.c.at, c.c.utc_offset)
            .join(c, c.c.id == ch.c.checkin_id)
            .where(ch.c.id.in_(ids), scope.visible(c))
        )
        for r in rows:
            if r.overcome_at:
                note = "✓ since overcome"
            elif r.author_id == scope.me.id:
                note = f"open; `peerlog challenge done {r.id[:8]}` once it's overcome"
            else:
                note = "open"
            raw.append(("challenge", r.id, r.author_id, r.at, r.utc_offset, note))
            entries[("challenge", r.id)] = ("check-in", r.entry)
    if ids := by_kind.get("answer"):
        rows = conn.execute(
            select(
                a.c.id,
                rf.c.id.label("entry"),
                a.c.prompt_text,
                rf.c.pack_title,
                rf.c.author_id,
                rf.c.at,
                rf.c.utc_offset,
            )
            .join(rf, rf.c.id == a.c.reflection_id)
            .where(a.c.id.in_(ids), scope.visible(rf))
        )
        for r in rows:
            raw.append(("answer", r.id, r.author_id, r.at, r.utc_offset, f"{r.pack_title}: {r.prompt_text}"))
            entries[("answer", r.id)] = ("reflection", r.entry)
    recipients: dict[str, str] = {}
    in_group: dict[str, str] = {}
    if ids := by_kind.get("feedback"):
        from peerlog.models import Group, table_of

        g = table_of(Group)
        rows = conn.execute(
            select(fb.c.id, fb.c.kind, fb.c.author_id, fb.c.recipient_id, fb.c.at, fb.c.utc_offset, g.c.name)
            .outerjoin(g, g.c.id == fb.c.group_id)
            .where(fb.c.id.in_(ids), scope.visible(fb))
        )
        for r in rows:
            recipients[r.id] = r.recipient_id
            people.add(r.recipient_id)
            # Feedback given in a group says so, as the feedback list does.
            in_group[r.id] = f" in {r.name}" if r.name else ""
            raw.append(("feedback", r.id, r.author_id, r.at, r.utc_offset, r.kind))
            entries[("feedback", r.id)] = ("feedback", r.id)
    people |= {r[2] for r in raw}
    names = review.names_of(conn, scope.me, people)
    for kind, ref_id, author_id, at, offset, context in raw:
        author = names.get(author_id)
        name = review_name(author)
        if kind == "feedback":
            recipient = names.get(recipients[ref_id])
            context = f"{context} from {name} to {review_name(recipient)}{in_group[ref_id]}"
        details[(kind, ref_id)] = (author_id, local_at(at, offset), context)
    hits = []
    for f in found:
        if (f.kind, f.ref_id) not in details:
            continue  # removed between the two reads: leave it out rather than show half of it
        author_id, at, context = details[(f.kind, f.ref_id)]
        hits.append(
            SearchHit(
                kind=f.kind,
                id=f.ref_id,
                marked=f.marked,
                who=review_name(names.get(author_id)),
                by_you=author_id == scope.me.id,
                at=at,
                context=context,
                score=f.score,
                entry_kind=entries[(f.kind, f.ref_id)][0],
                entry_id=entries[(f.kind, f.ref_id)][1],
            )
        )
    return hits


def review_name(person: review.PersonRef | None) -> str:
    if person is None:
        return "?"
    return "you" if person.you else person.name


def local_at(at: datetime, offset: int) -> datetime:
    return review.local(at, offset)
