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

Why the copied facts: search filters every match by visibility before ranking, and "how far you've come"
counts wins and check-ins over years. SQLite has no hash join, so both would otherwise probe a UUID index
per row (hundreds of milliseconds at 100k check-ins); from this table they are covering-index scans.

Indexed text: check-in notes, wins, challenges (with the note on how they were overcome), answers (scale
and confirm answers index as empty: a bare number is no use to search) and feedback messages.

Everything named `search_index*` belongs to the index: a schema comparison with `models.py` leaves those
tables out (FTS5 adds shadow tables `search_index_data`, `_idx`, `_content`, `_docsize`, `_config`).

A trap for later migrations: Alembic's batch mode on SQLite rebuilds a table by copying it, which drops its
triggers. A migration that batch-alters one of the tables above must call `install_triggers(execute)`
afterwards (and `rebuild(execute)` to be safe).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    for kind, (table, body, _columns) in TEXTS.items():
        columns, join = FACTS[kind]
        execute(
            f"INSERT INTO {DOC} (kind, ref_id, {_COLUMNS})"
            f" SELECT '{kind}', s.id, {columns.format(r='s')} FROM {table} s {join.format(r='s')}"
        )
        execute(
            f"INSERT INTO {INDEX} (rowid, body) SELECT d.doc, {body.format(r='s')} FROM {DOC} d"
            f" JOIN {table} s ON s.id = d.ref_id WHERE d.kind = '{kind}'"
        )


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


# Visibility and pair are applied inside the ranked query, before LIMIT: a private entry of someone else
# never takes a place in the results, and a page is full whenever enough visible entries match.
_QUERY = f"""
SELECT d.kind, d.ref_id, d.doc, {INDEX}.rank AS score
FROM {INDEX} JOIN {DOC} d ON d.doc = {INDEX}.rowid
WHERE {INDEX} MATCH :query
  AND (d.author_id = :me OR d.visibility = 'shared')
  AND (:pair IS NULL OR d.pair_id = :pair)
ORDER BY {INDEX}.rank, d.doc DESC
LIMIT :limit
"""

_SNIPPET = f"""
SELECT snippet({INDEX}, 0, char(2), char(3), '…', {SNIPPET_TOKENS})
FROM {INDEX} WHERE {INDEX} MATCH :query AND rowid = :doc
"""


def find(conn: Any, terms: list[Any], *, me_id: str, pair_id: str | None, limit: int) -> list[Any]:
    """The best `limit` visible documents for `terms`, best first, with the matching words marked."""
    from sqlalchemy import text

    from peerlog.search import Found

    query = match_expression(terms)
    rows = conn.execute(text(_QUERY), {"query": query, "me": me_id, "pair": pair_id, "limit": limit}).all()
    # Snippets only for the page shown: each one reads and tokenises its document again.
    snippet = text(_SNIPPET)
    found = []
    for r in rows:
        marked = conn.execute(snippet, {"query": query, "doc": r.doc}).scalar()
        found.append(Found(r.kind, r.ref_id, marked or "", float(r.score)))
    return found


_TALLY = {
    True: f"""SELECT author_id, count(*), sum(done) FROM {DOC}
        WHERE kind = :kind AND pair_id = :pair AND (author_id = :me OR visibility = 'shared')
        GROUP BY author_id""",
    False: f"""SELECT author_id, count(*), sum(done) FROM {DOC} INDEXED BY {DOC}_author
        WHERE kind = :kind AND (author_id = :me OR visibility = 'shared')
        GROUP BY author_id""",
}


def tally(conn: Any, kind: str, *, me_id: str, pair_id: str | None) -> dict[str, tuple[int, int]]:
    """Per author: how many `kind` documents you may see (all time), and how many are done (overcome)."""
    from sqlalchemy import text

    rows = conn.execute(text(_TALLY[pair_id is not None]), {"kind": kind, "me": me_id, "pair": pair_id})
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows if r[0] is not None}
