"""Full-text search on SQLite: an FTS5 index kept in step with the journal by triggers.

Layout (created by migration 0002, on SQLite only):

- `search_index`: an FTS5 table with one indexed column, `body`, tokenised with Porter stemming and
  diacritics folded, so "celebrated" finds "celebrate" and "cafe" finds "café". It keeps its own copy of
  the text, so snippets need no second read of the source.
- `search_index_doc`: one row per document (`kind`, `ref_id`), whose INTEGER key is the FTS rowid, with
  the facts that decide who may see it copied from its source: `author_id`, `pair_id`, `visibility`, and
  `done` (a challenge marked overcome). The journal's ids are UUID strings and an implicit SQLite rowid
  may change on VACUUM, so the mapping is explicit rather than borrowed from the source tables.
- Triggers on checkin, win, challenge, reflection, answer and feedback insert, update and delete
  documents in the same transaction as the change itself; a change of a check-in's visibility, pair or
  author reaches its wins and challenges, and a reflection's reaches its answers.
- `search_index_tally` (migration 0003): running counts of those documents per kind, pair, author and
  visibility, and of appreciation per person appreciated, kept by triggers on the document table and on
  feedback, so "how far you've come" reads a few hundred rows instead of counting years.

Why the copied facts: search filters every match by visibility before ranking, and "how far you've come"
counts wins and check-ins over years. SQLite has no hash join, so both would otherwise probe a UUID index
per row (hundreds of milliseconds at 100k check-ins); from this table they are covering-index scans.

Indexed text: check-in notes, wins, challenges (with the note on how they were overcome), answers (scale
and confirm answers index as empty: a bare number is no use to search) and feedback messages.

Everything named `search_index*` belongs to the index (FTS5 adds shadow tables `search_index_data`, `_idx`,
`_content`, `_docsize`, `_config`): a schema comparison with `models.py` leaves those tables out, and
`tests/test_migrations.py` compares them between an upgraded journal and a fresh one instead.

This module only reads them. The tables, indexes and triggers are made by migrations 0002 and 0003, whose
SQL is written out in `store/migrations.py`: a change to them is a new migration, never an edit here. A trap
for later migrations: Alembic's batch mode on SQLite rebuilds a table by copying it, which drops its
triggers; a migration that batch-alters one of the tables above must create them again, spelled out in the
migration, then refill the index and the counts (as 0002 and 0003 fill them).
"""

from __future__ import annotations

import functools
from typing import Any

from peerlog.store.search_types import Found

INDEX = "search_index"
DOC = "search_index_doc"
SNIPPET_TOKENS = 24

# ---------------------------------------------------------------- reading


def is_ready(conn: Any) -> bool:
    from sqlalchemy import text

    row = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": DOC}
    ).first()
    return row is not None


def match_expression(terms: list[Any]) -> str:
    """An FTS5 query from the user's words: each word or phrase quoted, so none is read as an operator."""
    return " ".join('"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "") for term in terms)


#: How many of the most recently written matches are ranked. bm25 scores every row it ranks and FTS5 has
#: no early exit for "the best n", so ranking every match of a common word costs time in proportion to
#: the journal (about 0.3 s for "sleep" at a million check-ins). A journal reaches this many matches for
#: one query only after years; from then on the best of the newest ones come first.
RANKED = 2000


@functools.cache
def _tables() -> tuple[Any, Any, Any]:
    """Core views of the index, its documents and its counts (built once, on first read)."""
    from sqlalchemy import Integer, String, column, table

    index = table(INDEX, column("rowid", Integer), column("rank"))
    doc = table(
        DOC,
        column("doc", Integer),
        column("kind", String),
        column("ref_id", String),
        column("author_id", String),
        column("pair_id", String),
        column("visibility", String),
    )
    tally = table(
        TALLY,
        column("kind", String),
        column("pair_id", String),
        column("owner_id", String),
        column("author_id", String),
        column("visibility", String),
        column("n", Integer),
        column("done", Integer),
    )
    return index, doc, tally


def _in_group(doc: Any) -> Any:
    """Documents whose entry belongs to the group `:group`. The documents carry no group (migration 0002
    predates groups), so this asks the sources, through their (group_id, at) indexes: a group's entries are
    few beside the journal's, and the lists are built once per query, not probed per match."""
    from sqlalchemy import and_, bindparam, or_, select

    from peerlog import tables as t

    c, rf = t.checkin, t.reflection
    group: Any = bindparam("group")
    of_checkins = select(c.c.id).where(c.c.group_id == group)
    entries = {
        "checkin": of_checkins,
        "win": select(t.win.c.id).where(t.win.c.checkin_id.in_(of_checkins)),
        "challenge": select(t.challenge.c.id).where(t.challenge.c.checkin_id.in_(of_checkins)),
        "answer": select(t.answer.c.id).where(
            t.answer.c.reflection_id.in_(select(rf.c.id).where(rf.c.group_id == group))
        ),
        "feedback": select(t.feedback.c.id).where(t.feedback.c.group_id == group),
    }
    return or_(*(and_(doc.c.kind == kind, doc.c.ref_id.in_(ids)) for kind, ids in entries.items()))


@functools.lru_cache(maxsize=8)
def _ranked(me_id: str, paired: bool, grouped: bool = False) -> Any:
    """The best `:limit` of the newest `:ranked` visible matches of `:query`, best first (in `:pair`, or
    in `:group`).

    Visibility and pair are applied inside the ranked query, before LIMIT: a private entry of someone else
    never takes a place in the results, and a page is full whenever enough visible entries match. The
    inner query walks the index newest document first (FTS5 gives rowid order for free) and stops at
    `:ranked`. Built once per person and kind of scope: building it costs more than a small search.
    """
    from sqlalchemy import bindparam, literal_column, select

    from peerlog.store.visibility import visible_to

    index, doc, _tally = _tables()
    d = doc.alias("d")
    wanted = [literal_column(INDEX).op("MATCH")(bindparam("query")), visible_to(d, me_id)]
    if paired:
        wanted.append(d.c.pair_id == bindparam("pair"))
    if grouped:
        wanted.append(_in_group(d))
    newest = (
        select(d.c.kind, d.c.ref_id, d.c.doc, index.c.rank.label("score"))
        .select_from(index.join(d, d.c.doc == index.c.rowid))
        .where(*wanted)
        .order_by(index.c.rowid.desc())
        .limit(bindparam("ranked"))
        .subquery()
    )
    return select(newest).order_by(newest.c.score, newest.c.doc.desc()).limit(bindparam("limit"))


_SNIPPET = f"""
SELECT snippet({INDEX}, 0, char(2), char(3), '…', {SNIPPET_TOKENS})
FROM {INDEX} WHERE {INDEX} MATCH :query AND rowid = :doc
"""


def find(
    conn: Any, terms: list[Any], *, me_id: str, pair_id: str | None, limit: int, group_id: str | None = None
) -> list[Any]:
    """The best `limit` visible documents for `terms`, best first, with the matching words marked."""
    from sqlalchemy import text

    query = match_expression(terms)
    params = {
        "query": query,
        "pair": pair_id,
        "group": group_id,
        "ranked": max(RANKED, limit),
        "limit": limit,
    }
    rows = conn.execute(_ranked(me_id, pair_id is not None, group_id is not None), params).all()
    # Snippets only for the page shown: each one reads and tokenises its document again.
    snippet = text(_SNIPPET)
    found = []
    for r in rows:
        marked = conn.execute(snippet, {"query": query, "doc": r.doc}).scalar()
        found.append(Found(r.kind, r.ref_id, marked or "", float(r.score)))
    return found


# ---------------------------------------------------------------- counts since the start (migration 0003)

#: Running counts of documents, kept by triggers: "how far you've come" counts years of check-ins and
#: wins on every `peerlog wins`, and a count over the document table grows with the journal (about 0.1 s
#: for a pair at a million check-ins). One row per kind, pair, owner, author and visibility: a few hundred
#: rows, whatever the size. `owner_id` is whose count it is: the author, or for appreciation (counted from
#: feedback, which the document table does not describe) the one appreciated. An unknown value is ''.
TALLY = f"{INDEX}_tally"


@functools.lru_cache(maxsize=8)
def _tally(me_id: str, paired: bool, include_private: bool = True) -> Any:
    """Per person appreciated or author, the visible counts of `:kind` (in `:pair`); built once, as `_ranked`.

    `include_private=False` counts shared entries only: what both people of a pair can see."""
    from sqlalchemy import bindparam, func, select

    from peerlog.store.visibility import visible_to

    _index, _doc, counts = _tables()
    wanted = [counts.c.kind == bindparam("kind"), visible_to(counts, me_id, include_private=include_private)]
    if paired:
        wanted.append(counts.c.pair_id == bindparam("pair"))
    total = func.sum(counts.c.n)
    return (
        select(counts.c.owner_id, total, func.sum(counts.c.done))
        .where(*wanted)
        .group_by(counts.c.owner_id)
        .having(total > 0)
    )


def tally(
    conn: Any, kind: str, *, me_id: str, pair_id: str | None, include_private: bool = True
) -> dict[str, tuple[int, int]]:
    """Per person: how many `kind` documents you may see (all time), and how many are done (overcome).

    `kind` is a document kind (checkin, win, challenge), or appreciation: counted for the one appreciated.
    `include_private=False`: shared documents only.
    """
    rows = conn.execute(_tally(me_id, pair_id is not None, include_private), {"kind": kind, "pair": pair_id})
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows if r[0]}
