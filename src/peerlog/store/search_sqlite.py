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

Everything named `search_index*` belongs to the index: a schema comparison with `models.py` leaves those
tables out (FTS5 adds shadow tables `search_index_data`, `_idx`, `_content`, `_docsize`, `_config`).

A trap for later migrations: Alembic's batch mode on SQLite rebuilds a table by copying it, which drops its
triggers. A migration that batch-alters one of the tables above must call `install_triggers(execute)`
afterwards (and `rebuild(execute)` to be safe), and `install_tally_triggers(execute)` for feedback (then
`recount(execute)`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from peerlog.store.search_types import Found

INDEX = "search_index"
DOC = "search_index_doc"
SNIPPET_TOKENS = 24

# kind -> (table, the document's text for a row alias `{r}`, the columns whose change re-indexes the text)
TEXTS: dict[str, tuple[str, str, str]] = {
    "checkin": ("checkin", "{r}.note", "note"),
    "win": ("win", "{r}.text", "text"),
    "challenge": ("challenge", "{r}.text || ' ' || coalesce({r}.overcome_note, '')", "text, overcome_note"),
    "answer": (
        "answer",
        "CASE WHEN {r}.kind IN ('scale', 'confirm') THEN '' ELSE {r}.value END",
        "kind, value",
    ),
    "feedback": ("feedback", "{r}.message", "message"),
}
# kind -> (author_id, pair_id, visibility, done) for a row alias `{r}`, and the join that supplies them: the
# row itself, or the check-in or reflection it belongs to (a LEFT JOIN, so even an orphan is indexed).
FACTS: dict[str, tuple[str, str]] = {
    "checkin": ("{r}.author_id, {r}.pair_id, {r}.visibility, 0", ""),
    "feedback": ("{r}.author_id, {r}.pair_id, {r}.visibility, 0", ""),
    "win": ("c.author_id, c.pair_id, c.visibility, 0", "LEFT JOIN checkin c ON c.id = {r}.checkin_id"),
    "challenge": (
        "c.author_id, c.pair_id, c.visibility, {r}.overcome_at IS NOT NULL",
        "LEFT JOIN checkin c ON c.id = {r}.checkin_id",
    ),
    "answer": (
        "f.author_id, f.pair_id, f.visibility, 0",
        "LEFT JOIN reflection f ON f.id = {r}.reflection_id",
    ),
}
_COLUMNS = "author_id, pair_id, visibility, done"
# kind -> when the document was written, in the row alias `s` and the joins of FACTS (for `rebuild`'s order).
MOMENTS = {"checkin": "s.at", "feedback": "s.at", "win": "c.at", "challenge": "c.at", "answer": "f.at"}


def _facts(kind: str, row: str) -> str:
    """A SELECT of the document's facts for the trigger row `row` (new or old)."""
    columns, join = FACTS[kind]
    return f"SELECT {columns.format(r=row)} FROM (SELECT 1) {join.format(r=row)}"


def _doc(kind: str, row: str) -> str:
    return f"(SELECT doc FROM {DOC} WHERE kind = '{kind}' AND ref_id = {row}.id)"


def _triggers(kind: str) -> list[str]:
    table, body, columns = TEXTS[kind]
    statements = [
        f"""CREATE TRIGGER IF NOT EXISTS {INDEX}_{kind}_insert AFTER INSERT ON {table} BEGIN
            INSERT INTO {DOC} (kind, ref_id, {_COLUMNS}) SELECT '{kind}', new.id, * FROM ({_facts(kind, "new")});
            INSERT INTO {INDEX} (rowid, body) VALUES ({_doc(kind, "new")}, {body.format(r="new")});
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {INDEX}_{kind}_text AFTER UPDATE OF {columns} ON {table} BEGIN
            UPDATE {INDEX} SET body = {body.format(r="new")} WHERE rowid = {_doc(kind, "new")};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {INDEX}_{kind}_delete AFTER DELETE ON {table} BEGIN
            DELETE FROM {INDEX} WHERE rowid = {_doc(kind, "old")};
            DELETE FROM {DOC} WHERE kind = '{kind}' AND ref_id = old.id;
        END""",
    ]
    if kind in ("checkin", "feedback"):
        statements.append(
            f"""CREATE TRIGGER IF NOT EXISTS {INDEX}_{kind}_facts AFTER UPDATE OF author_id, pair_id, visibility
            ON {table} BEGIN
                UPDATE {DOC} SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
                WHERE kind = '{kind}' AND ref_id = new.id;
            END"""
        )
    if kind == "checkin":
        # A check-in's wins and challenges are seen by whoever may see the check-in.
        statements.append(
            f"""CREATE TRIGGER IF NOT EXISTS {INDEX}_checkin_children AFTER UPDATE OF author_id, pair_id, visibility
            ON checkin BEGIN
                UPDATE {DOC} SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
                WHERE kind = 'win' AND ref_id IN (SELECT id FROM win WHERE checkin_id = new.id);
                UPDATE {DOC} SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
                WHERE kind = 'challenge' AND ref_id IN (SELECT id FROM challenge WHERE checkin_id = new.id);
            END"""
        )
    if kind in ("win", "challenge", "answer"):
        parent = "reflection_id" if kind == "answer" else "checkin_id"
        extra = ", overcome_at" if kind == "challenge" else ""
        statements.append(
            f"""CREATE TRIGGER IF NOT EXISTS {INDEX}_{kind}_facts AFTER UPDATE OF {parent}{extra} ON {table} BEGIN
                UPDATE {DOC} SET ({_COLUMNS}) = ({_facts(kind, "new")})
                WHERE kind = '{kind}' AND ref_id = new.id;
            END"""
        )
    return statements


# A reflection has no text of its own, but its answers inherit who may see it.
_REFLECTION_TRIGGER = f"""CREATE TRIGGER IF NOT EXISTS {INDEX}_reflection_children
AFTER UPDATE OF author_id, pair_id, visibility ON reflection BEGIN
    UPDATE {DOC} SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
    WHERE kind = 'answer' AND ref_id IN (SELECT id FROM answer WHERE reflection_id = new.id);
END"""


def fts5_available(execute: Callable[[str], Any]) -> bool:
    rows = execute("PRAGMA compile_options")
    return any(str(r[0]).upper() == "ENABLE_FTS5" for r in rows)


def create(execute: Callable[[str], Any]) -> None:
    """Create the index, its document table and triggers, then fill it from what the journal holds."""
    execute(
        f"CREATE VIRTUAL TABLE {INDEX} USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    execute(
        f"""CREATE TABLE {DOC} (
            doc INTEGER PRIMARY KEY,
            kind VARCHAR(20) NOT NULL,
            ref_id VARCHAR(36) NOT NULL,
            author_id VARCHAR(36),
            pair_id VARCHAR(36),
            visibility VARCHAR(10),
            done INTEGER NOT NULL DEFAULT 0,
            UNIQUE (kind, ref_id)
        )"""
    )
    # Counting a pair's (or a person's) check-ins, wins and overcome challenges reads only these.
    execute(f"CREATE INDEX {DOC}_pair ON {DOC} (kind, pair_id, author_id, visibility, done)")
    execute(f"CREATE INDEX {DOC}_author ON {DOC} (kind, author_id, visibility, done)")
    install_triggers(execute)
    rebuild(execute)


def install_triggers(execute: Callable[[str], Any]) -> None:
    for kind in TEXTS:
        for statement in _triggers(kind):
            execute(statement)
    execute(_REFLECTION_TRIGGER)


def rebuild(execute: Callable[[str], Any]) -> None:
    """Refill the index from the source tables (after a migration, or whenever it is in doubt)."""
    execute(f"DELETE FROM {INDEX}")
    execute(f"DELETE FROM {DOC}")
    # Documents are numbered oldest first across every kind, as the triggers number them when entries are
    # written day by day: search ranks the newest `RANKED` matches, and the number is what says "newest".
    parts = []
    for kind, (table, _body, _columns) in TEXTS.items():
        columns, join = FACTS[kind]
        named = ", ".join(
            f"{expression} AS {name}"
            for expression, name in zip(columns.split(", "), _COLUMNS.split(", "), strict=True)
        )
        parts.append(
            f"SELECT '{kind}' AS kind, s.id AS ref_id, {named.format(r='s')}, {MOMENTS[kind]} AS moment"
            f" FROM {table} s {join.format(r='s')}"
        )
    execute(
        f"INSERT INTO {DOC} (kind, ref_id, {_COLUMNS}) SELECT kind, ref_id, {_COLUMNS}"
        f" FROM ({' UNION ALL '.join(parts)}) ORDER BY moment, kind, ref_id"
    )
    for kind, (table, body, _columns) in TEXTS.items():
        execute(
            f"INSERT INTO {INDEX} (rowid, body) SELECT d.doc, {body.format(r='s')} FROM {DOC} d"
            f" JOIN {table} s ON s.id = d.ref_id WHERE d.kind = '{kind}'"
        )
    if table_exists(execute, TALLY):
        recount(execute)


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


@functools.lru_cache(maxsize=8)
def _ranked(me_id: str, paired: bool) -> Any:
    """The best `:limit` of the newest `:ranked` visible matches of `:query`, best first (in `:pair`).

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


def find(conn: Any, terms: list[Any], *, me_id: str, pair_id: str | None, limit: int) -> list[Any]:
    """The best `limit` visible documents for `terms`, best first, with the matching words marked."""
    from sqlalchemy import text

    query = match_expression(terms)
    params = {"query": query, "pair": pair_id, "ranked": max(RANKED, limit), "limit": limit}
    rows = conn.execute(_ranked(me_id, pair_id is not None), params).all()
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
_KEY = "kind, pair_id, owner_id, author_id, visibility"
# The key of the count a row adds to, for a row alias `{r}`: a document, or appreciation feedback.
_DOC_KEY = (
    "{r}.kind",
    "coalesce({r}.pair_id, '')",
    "coalesce({r}.author_id, '')",
    "coalesce({r}.author_id, '')",
    "coalesce({r}.visibility, '')",
)
_THANKS_KEY = ("'appreciation'", "{r}.pair_id", "{r}.recipient_id", "{r}.author_id", "{r}.visibility")


def _values(key: tuple[str, ...], row: str) -> str:
    return ", ".join(expression.format(r=row) for expression in key)


def _count(key: tuple[str, ...], row: str, done: str) -> str:
    return (
        f"INSERT INTO {TALLY} ({_KEY}, n, done) VALUES ({_values(key, row)}, 1, {done})"
        f" ON CONFLICT ({_KEY}) DO UPDATE SET n = n + 1, done = done + excluded.done;"
    )


def _uncount(key: tuple[str, ...], row: str, done: str) -> str:
    pairs = zip(_KEY.split(", "), key, strict=True)
    where = " AND ".join(f"{name} = {expression.format(r=row)}" for name, expression in pairs)
    return f"UPDATE {TALLY} SET n = n - 1, done = done - {done} WHERE {where};"


_TALLY_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_insert AFTER INSERT ON {DOC} BEGIN
        {_count(_DOC_KEY, "new", "new.done")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_delete AFTER DELETE ON {DOC} BEGIN
        {_uncount(_DOC_KEY, "old", "old.done")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_update AFTER UPDATE OF {_COLUMNS}, kind ON {DOC} BEGIN
        {_uncount(_DOC_KEY, "old", "old.done")}
        {_count(_DOC_KEY, "new", "new.done")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_thanks_insert AFTER INSERT ON feedback
    WHEN new.kind = 'appreciation' BEGIN
        {_count(_THANKS_KEY, "new", "0")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_thanks_delete AFTER DELETE ON feedback
    WHEN old.kind = 'appreciation' BEGIN
        {_uncount(_THANKS_KEY, "old", "0")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_thanks_was AFTER UPDATE OF kind, pair_id, author_id, recipient_id,
    visibility ON feedback WHEN old.kind = 'appreciation' BEGIN
        {_uncount(_THANKS_KEY, "old", "0")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TALLY}_thanks_now AFTER UPDATE OF kind, pair_id, author_id, recipient_id,
    visibility ON feedback WHEN new.kind = 'appreciation' BEGIN
        {_count(_THANKS_KEY, "new", "0")}
    END""",
]


def create_tally(execute: Callable[[str], Any]) -> None:
    """Create the running counts and their triggers, and count what the journal holds."""
    execute(
        f"""CREATE TABLE {TALLY} (
            kind VARCHAR(20) NOT NULL,
            pair_id VARCHAR(36) NOT NULL,
            owner_id VARCHAR(36) NOT NULL,
            author_id VARCHAR(36) NOT NULL,
            visibility VARCHAR(10) NOT NULL,
            n INTEGER NOT NULL,
            done INTEGER NOT NULL,
            PRIMARY KEY ({_KEY})
        ) WITHOUT ROWID"""
    )
    install_tally_triggers(execute)
    recount(execute)


def install_tally_triggers(execute: Callable[[str], Any]) -> None:
    for statement in _TALLY_TRIGGERS:
        execute(statement)


def recount(execute: Callable[[str], Any]) -> None:
    """Count again from the documents and the feedback (after a rebuild, or whenever in doubt)."""
    execute(f"DELETE FROM {TALLY}")
    execute(
        f"INSERT INTO {TALLY} ({_KEY}, n, done) SELECT {_values(_DOC_KEY, 'd')}, count(*), sum(done)"
        f" FROM {DOC} d GROUP BY 1, 2, 3, 4, 5"
    )
    execute(
        f"INSERT INTO {TALLY} ({_KEY}, n, done) SELECT {_values(_THANKS_KEY, 'f')}, count(*), 0"
        " FROM feedback f WHERE f.kind = 'appreciation' GROUP BY 1, 2, 3, 4, 5"
    )


def table_exists(execute: Callable[[str], Any], name: str) -> bool:
    rows = execute(f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{name}'")
    return any(True for _ in rows)


@functools.lru_cache(maxsize=8)
def _tally(me_id: str, paired: bool) -> Any:
    """Per person appreciated or author, the visible counts of `:kind` (in `:pair`); built once, as `_ranked`."""
    from sqlalchemy import bindparam, func, select

    from peerlog.store.visibility import visible_to

    _index, _doc, counts = _tables()
    wanted = [counts.c.kind == bindparam("kind"), visible_to(counts, me_id)]
    if paired:
        wanted.append(counts.c.pair_id == bindparam("pair"))
    total = func.sum(counts.c.n)
    return (
        select(counts.c.owner_id, total, func.sum(counts.c.done))
        .where(*wanted)
        .group_by(counts.c.owner_id)
        .having(total > 0)
    )


def tally(conn: Any, kind: str, *, me_id: str, pair_id: str | None) -> dict[str, tuple[int, int]]:
    """Per person: how many `kind` documents you may see (all time), and how many are done (overcome).

    `kind` is a document kind (checkin, win, challenge), or appreciation: counted for the one appreciated.
    """
    rows = conn.execute(_tally(me_id, pair_id is not None), {"kind": kind, "pair": pair_id})
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows if r[0]}
