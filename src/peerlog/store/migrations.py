"""Schema migrations: an ordered list of named steps, applied when a journal is opened.

Why this shape: a journal is one user's file, opened by a short-lived CLI. An ordered list in code (as
simonw/llm keeps) is easy to read and review. Each step spells out its own DDL: tables and indexes through
Alembic's `Operations` (used programmatically without a script folder, so it stays portable; its batch mode
copes with SQLite's limited ALTER TABLE), SQLite's search tables and triggers as the literal SQL they ran.
A step never calls live code, so editing `models.py` or `search_sqlite.py` cannot change what it does.

The names of the steps a journal has had are recorded in it (`_peerlog_migrations`); `meta.schema_version`
keeps their count, which is what older peerlogs read to refuse a newer journal, and what makes opening a
current journal cost one SELECT. Alembic is imported only when a step has to run.

All pending steps run in one transaction (SQLite has transactional DDL once pysqlite stops managing
transactions, see `sqlite.py`), so a failure leaves the old schema intact. The file is backed up first, one
`.schemaN.bak` per starting version, under the write lock.

Never edit a step that has shipped: add a new one. `tests/test_migrations.py` upgrades a journal written by
the first release and compares its whole schema with a fresh journal's, and a fresh journal with `models.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peerlog.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

VERSION_KEY = "schema_version"
#: Which migrations a journal has had, by name (as simonw/llm keeps `_llm_migrations`). It belongs to the
#: migration runner, not to the schema it builds, so it is declared here and not in `models.py`.
LEDGER = "_peerlog_migrations"
_LEDGER_DDL = (
    f"CREATE TABLE IF NOT EXISTS {LEDGER} (name VARCHAR(200) PRIMARY KEY NOT NULL, applied_at VARCHAR(40))"
)


def _0001_initial(op: Any) -> None:
    import sqlalchemy as sa

    def id_column(name: str = "id", **kw: Any) -> sa.Column:
        return sa.Column(name, sa.String(36), primary_key=True, nullable=False, **kw)

    def ref(name: str, target: str, *, nullable: bool = False, cascade: bool = False) -> sa.Column:
        fk = sa.ForeignKey(f"{target}.id", ondelete="CASCADE" if cascade else None)
        return sa.Column(name, sa.String(36), fk, nullable=nullable)

    def stamp(name: str, *, nullable: bool = False) -> sa.Column:
        return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)

    op.create_table(
        "meta",
        sa.Column("key", sa.String(200), primary_key=True, nullable=False),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_table(
        "person",
        id_column(),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("is_self", sa.Boolean(), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
    )
    op.create_index("ix_person_name_key", "person", ["name_key"])
    op.create_table(
        "pair",
        id_column(),
        ref("person_a_id", "person"),
        ref("person_b_id", "person"),
        sa.Column("agreement", sa.String(), nullable=True),
        stamp("started_at"),
        stamp("ended_at", nullable=True),
        stamp("created_at"),
        stamp("updated_at"),
        sa.UniqueConstraint("person_a_id", "person_b_id", name="uq_pair_people"),
    )
    op.create_index("ix_pair_person_a_id", "pair", ["person_a_id"])
    op.create_index("ix_pair_person_b_id", "pair", ["person_b_id"])
    op.create_table(
        "checkin",
        id_column(),
        ref("author_id", "person"),
        ref("pair_id", "pair", nullable=True),
        stamp("at"),
        sa.Column("utc_offset", sa.Integer(), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
    )
    op.create_index("ix_checkin_at", "checkin", ["at"])
    op.create_index("ix_checkin_pair_at", "checkin", ["pair_id", "at"])
    op.create_index("ix_checkin_author_at", "checkin", ["author_id", "at"])
    op.create_table(
        "win",
        id_column(),
        ref("checkin_id", "checkin", cascade=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
    )
    op.create_index("ix_win_checkin_id", "win", ["checkin_id"])
    op.create_table(
        "challenge",
        id_column(),
        ref("checkin_id", "checkin", cascade=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        stamp("overcome_at", nullable=True),
        sa.Column("overcome_note", sa.String(), nullable=True),
    )
    op.create_index("ix_challenge_checkin_id", "challenge", ["checkin_id"])
    op.create_index("ix_challenge_overcome_at", "challenge", ["overcome_at"])
    op.create_table(
        "checkin_tag",
        ref("checkin_id", "checkin", cascade=True),
        sa.Column("tag", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("checkin_id", "tag"),
    )
    op.create_index("ix_checkin_tag_tag", "checkin_tag", ["tag"])
    op.create_table(
        "reflection",
        id_column(),
        ref("author_id", "person"),
        ref("pair_id", "pair", nullable=True),
        sa.Column("pack_name", sa.String(), nullable=False),
        sa.Column("pack_title", sa.String(), nullable=False),
        stamp("at"),
        sa.Column("utc_offset", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
    )
    op.create_index("ix_reflection_author_id", "reflection", ["author_id"])
    op.create_index("ix_reflection_at", "reflection", ["at"])
    op.create_index("ix_reflection_pair_at", "reflection", ["pair_id", "at"])
    op.create_table(
        "answer",
        id_column(),
        ref("reflection_id", "reflection", cascade=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.String(), nullable=False),
        sa.Column("prompt_text", sa.String(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_index("ix_answer_reflection_id", "answer", ["reflection_id"])
    op.create_table(
        "feedback",
        id_column(),
        ref("pair_id", "pair"),
        ref("author_id", "person"),
        ref("recipient_id", "person"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        stamp("at"),
        sa.Column("utc_offset", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
    )
    op.create_index("ix_feedback_author_id", "feedback", ["author_id"])
    op.create_index("ix_feedback_recipient_id", "feedback", ["recipient_id"])
    op.create_index("ix_feedback_at", "feedback", ["at"])
    op.create_index("ix_feedback_pair_at", "feedback", ["pair_id", "at"])
    op.create_table(
        "link",
        sa.Column("foreign_id", sa.String(36), primary_key=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("local_id", sa.String(36), nullable=False),
        stamp("created_at"),
    )
    op.create_index("ix_link_local_id", "link", ["local_id"])


# The SQL of 0002 and 0003 is written out here, exactly as the first releases with them ran it, so that
# changing the live search code (`store/search_sqlite.py`) can never change what a shipped migration does.
_0002_SQL = [
    """CREATE VIRTUAL TABLE search_index USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TABLE search_index_doc (
            doc INTEGER PRIMARY KEY,
            kind VARCHAR(20) NOT NULL,
            ref_id VARCHAR(36) NOT NULL,
            author_id VARCHAR(36),
            pair_id VARCHAR(36),
            visibility VARCHAR(10),
            done INTEGER NOT NULL DEFAULT 0,
            UNIQUE (kind, ref_id)
        )""",
    """CREATE INDEX search_index_doc_pair ON search_index_doc (kind, pair_id, author_id, visibility, done)""",
    """CREATE INDEX search_index_doc_author ON search_index_doc (kind, author_id, visibility, done)""",
    """CREATE TRIGGER IF NOT EXISTS search_index_checkin_insert AFTER INSERT ON checkin BEGIN
            INSERT INTO search_index_doc (kind, ref_id, author_id, pair_id, visibility, done) SELECT 'checkin', new.id, * FROM (SELECT new.author_id, new.pair_id, new.visibility, 0 FROM (SELECT 1) );
            INSERT INTO search_index (rowid, body) VALUES ((SELECT doc FROM search_index_doc WHERE kind = 'checkin' AND ref_id = new.id), new.note);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_checkin_text AFTER UPDATE OF note ON checkin BEGIN
            UPDATE search_index SET body = new.note WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'checkin' AND ref_id = new.id);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_checkin_delete AFTER DELETE ON checkin BEGIN
            DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'checkin' AND ref_id = old.id);
            DELETE FROM search_index_doc WHERE kind = 'checkin' AND ref_id = old.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_checkin_facts AFTER UPDATE OF author_id, pair_id, visibility
            ON checkin BEGIN
                UPDATE search_index_doc SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
                WHERE kind = 'checkin' AND ref_id = new.id;
            END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_checkin_children AFTER UPDATE OF author_id, pair_id, visibility
            ON checkin BEGIN
                UPDATE search_index_doc SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
                WHERE kind = 'win' AND ref_id IN (SELECT id FROM win WHERE checkin_id = new.id);
                UPDATE search_index_doc SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
                WHERE kind = 'challenge' AND ref_id IN (SELECT id FROM challenge WHERE checkin_id = new.id);
            END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_win_insert AFTER INSERT ON win BEGIN
            INSERT INTO search_index_doc (kind, ref_id, author_id, pair_id, visibility, done) SELECT 'win', new.id, * FROM (SELECT c.author_id, c.pair_id, c.visibility, 0 FROM (SELECT 1) LEFT JOIN checkin c ON c.id = new.checkin_id);
            INSERT INTO search_index (rowid, body) VALUES ((SELECT doc FROM search_index_doc WHERE kind = 'win' AND ref_id = new.id), new.text);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_win_text AFTER UPDATE OF text ON win BEGIN
            UPDATE search_index SET body = new.text WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'win' AND ref_id = new.id);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_win_delete AFTER DELETE ON win BEGIN
            DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'win' AND ref_id = old.id);
            DELETE FROM search_index_doc WHERE kind = 'win' AND ref_id = old.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_win_facts AFTER UPDATE OF checkin_id ON win BEGIN
                UPDATE search_index_doc SET (author_id, pair_id, visibility, done) = (SELECT c.author_id, c.pair_id, c.visibility, 0 FROM (SELECT 1) LEFT JOIN checkin c ON c.id = new.checkin_id)
                WHERE kind = 'win' AND ref_id = new.id;
            END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_challenge_insert AFTER INSERT ON challenge BEGIN
            INSERT INTO search_index_doc (kind, ref_id, author_id, pair_id, visibility, done) SELECT 'challenge', new.id, * FROM (SELECT c.author_id, c.pair_id, c.visibility, new.overcome_at IS NOT NULL FROM (SELECT 1) LEFT JOIN checkin c ON c.id = new.checkin_id);
            INSERT INTO search_index (rowid, body) VALUES ((SELECT doc FROM search_index_doc WHERE kind = 'challenge' AND ref_id = new.id), new.text || ' ' || coalesce(new.overcome_note, ''));
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_challenge_text AFTER UPDATE OF text, overcome_note ON challenge BEGIN
            UPDATE search_index SET body = new.text || ' ' || coalesce(new.overcome_note, '') WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'challenge' AND ref_id = new.id);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_challenge_delete AFTER DELETE ON challenge BEGIN
            DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'challenge' AND ref_id = old.id);
            DELETE FROM search_index_doc WHERE kind = 'challenge' AND ref_id = old.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_challenge_facts AFTER UPDATE OF checkin_id, overcome_at ON challenge BEGIN
                UPDATE search_index_doc SET (author_id, pair_id, visibility, done) = (SELECT c.author_id, c.pair_id, c.visibility, new.overcome_at IS NOT NULL FROM (SELECT 1) LEFT JOIN checkin c ON c.id = new.checkin_id)
                WHERE kind = 'challenge' AND ref_id = new.id;
            END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_answer_insert AFTER INSERT ON answer BEGIN
            INSERT INTO search_index_doc (kind, ref_id, author_id, pair_id, visibility, done) SELECT 'answer', new.id, * FROM (SELECT f.author_id, f.pair_id, f.visibility, 0 FROM (SELECT 1) LEFT JOIN reflection f ON f.id = new.reflection_id);
            INSERT INTO search_index (rowid, body) VALUES ((SELECT doc FROM search_index_doc WHERE kind = 'answer' AND ref_id = new.id), CASE WHEN new.kind IN ('scale', 'confirm') THEN '' ELSE new.value END);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_answer_text AFTER UPDATE OF kind, value ON answer BEGIN
            UPDATE search_index SET body = CASE WHEN new.kind IN ('scale', 'confirm') THEN '' ELSE new.value END WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'answer' AND ref_id = new.id);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_answer_delete AFTER DELETE ON answer BEGIN
            DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'answer' AND ref_id = old.id);
            DELETE FROM search_index_doc WHERE kind = 'answer' AND ref_id = old.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_answer_facts AFTER UPDATE OF reflection_id ON answer BEGIN
                UPDATE search_index_doc SET (author_id, pair_id, visibility, done) = (SELECT f.author_id, f.pair_id, f.visibility, 0 FROM (SELECT 1) LEFT JOIN reflection f ON f.id = new.reflection_id)
                WHERE kind = 'answer' AND ref_id = new.id;
            END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_feedback_insert AFTER INSERT ON feedback BEGIN
            INSERT INTO search_index_doc (kind, ref_id, author_id, pair_id, visibility, done) SELECT 'feedback', new.id, * FROM (SELECT new.author_id, new.pair_id, new.visibility, 0 FROM (SELECT 1) );
            INSERT INTO search_index (rowid, body) VALUES ((SELECT doc FROM search_index_doc WHERE kind = 'feedback' AND ref_id = new.id), new.message);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_feedback_text AFTER UPDATE OF message ON feedback BEGIN
            UPDATE search_index SET body = new.message WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'feedback' AND ref_id = new.id);
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_feedback_delete AFTER DELETE ON feedback BEGIN
            DELETE FROM search_index WHERE rowid = (SELECT doc FROM search_index_doc WHERE kind = 'feedback' AND ref_id = old.id);
            DELETE FROM search_index_doc WHERE kind = 'feedback' AND ref_id = old.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_feedback_facts AFTER UPDATE OF author_id, pair_id, visibility
            ON feedback BEGIN
                UPDATE search_index_doc SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
                WHERE kind = 'feedback' AND ref_id = new.id;
            END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_reflection_children
AFTER UPDATE OF author_id, pair_id, visibility ON reflection BEGIN
    UPDATE search_index_doc SET author_id = new.author_id, pair_id = new.pair_id, visibility = new.visibility
    WHERE kind = 'answer' AND ref_id IN (SELECT id FROM answer WHERE reflection_id = new.id);
END""",
    """DELETE FROM search_index""",
    """DELETE FROM search_index_doc""",
    """INSERT INTO search_index_doc (kind, ref_id, author_id, pair_id, visibility, done) SELECT kind, ref_id, author_id, pair_id, visibility, done FROM (SELECT 'checkin' AS kind, s.id AS ref_id, s.author_id AS author_id, s.pair_id AS pair_id, s.visibility AS visibility, 0 AS done, s.at AS moment FROM checkin s  UNION ALL SELECT 'win' AS kind, s.id AS ref_id, c.author_id AS author_id, c.pair_id AS pair_id, c.visibility AS visibility, 0 AS done, c.at AS moment FROM win s LEFT JOIN checkin c ON c.id = s.checkin_id UNION ALL SELECT 'challenge' AS kind, s.id AS ref_id, c.author_id AS author_id, c.pair_id AS pair_id, c.visibility AS visibility, s.overcome_at IS NOT NULL AS done, c.at AS moment FROM challenge s LEFT JOIN checkin c ON c.id = s.checkin_id UNION ALL SELECT 'answer' AS kind, s.id AS ref_id, f.author_id AS author_id, f.pair_id AS pair_id, f.visibility AS visibility, 0 AS done, f.at AS moment FROM answer s LEFT JOIN reflection f ON f.id = s.reflection_id UNION ALL SELECT 'feedback' AS kind, s.id AS ref_id, s.author_id AS author_id, s.pair_id AS pair_id, s.visibility AS visibility, 0 AS done, s.at AS moment FROM feedback s ) ORDER BY moment, kind, ref_id""",
    """INSERT INTO search_index (rowid, body) SELECT d.doc, s.note FROM search_index_doc d JOIN checkin s ON s.id = d.ref_id WHERE d.kind = 'checkin'""",
    """INSERT INTO search_index (rowid, body) SELECT d.doc, s.text FROM search_index_doc d JOIN win s ON s.id = d.ref_id WHERE d.kind = 'win'""",
    """INSERT INTO search_index (rowid, body) SELECT d.doc, s.text || ' ' || coalesce(s.overcome_note, '') FROM search_index_doc d JOIN challenge s ON s.id = d.ref_id WHERE d.kind = 'challenge'""",
    """INSERT INTO search_index (rowid, body) SELECT d.doc, CASE WHEN s.kind IN ('scale', 'confirm') THEN '' ELSE s.value END FROM search_index_doc d JOIN answer s ON s.id = d.ref_id WHERE d.kind = 'answer'""",
    """INSERT INTO search_index (rowid, body) SELECT d.doc, s.message FROM search_index_doc d JOIN feedback s ON s.id = d.ref_id WHERE d.kind = 'feedback'""",
]

_0003_SQL = [
    """CREATE TABLE search_index_tally (
            kind VARCHAR(20) NOT NULL,
            pair_id VARCHAR(36) NOT NULL,
            owner_id VARCHAR(36) NOT NULL,
            author_id VARCHAR(36) NOT NULL,
            visibility VARCHAR(10) NOT NULL,
            n INTEGER NOT NULL,
            done INTEGER NOT NULL,
            PRIMARY KEY (kind, pair_id, owner_id, author_id, visibility)
        ) WITHOUT ROWID""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_insert AFTER INSERT ON search_index_doc BEGIN
        INSERT INTO search_index_tally (kind, pair_id, owner_id, author_id, visibility, n, done) VALUES (new.kind, coalesce(new.pair_id, ''), coalesce(new.author_id, ''), coalesce(new.author_id, ''), coalesce(new.visibility, ''), 1, new.done) ON CONFLICT (kind, pair_id, owner_id, author_id, visibility) DO UPDATE SET n = n + 1, done = done + excluded.done;
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_delete AFTER DELETE ON search_index_doc BEGIN
        UPDATE search_index_tally SET n = n - 1, done = done - old.done WHERE kind = old.kind AND pair_id = coalesce(old.pair_id, '') AND owner_id = coalesce(old.author_id, '') AND author_id = coalesce(old.author_id, '') AND visibility = coalesce(old.visibility, '');
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_update AFTER UPDATE OF author_id, pair_id, visibility, done, kind ON search_index_doc BEGIN
        UPDATE search_index_tally SET n = n - 1, done = done - old.done WHERE kind = old.kind AND pair_id = coalesce(old.pair_id, '') AND owner_id = coalesce(old.author_id, '') AND author_id = coalesce(old.author_id, '') AND visibility = coalesce(old.visibility, '');
        INSERT INTO search_index_tally (kind, pair_id, owner_id, author_id, visibility, n, done) VALUES (new.kind, coalesce(new.pair_id, ''), coalesce(new.author_id, ''), coalesce(new.author_id, ''), coalesce(new.visibility, ''), 1, new.done) ON CONFLICT (kind, pair_id, owner_id, author_id, visibility) DO UPDATE SET n = n + 1, done = done + excluded.done;
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_thanks_insert AFTER INSERT ON feedback
    WHEN new.kind = 'appreciation' BEGIN
        INSERT INTO search_index_tally (kind, pair_id, owner_id, author_id, visibility, n, done) VALUES ('appreciation', new.pair_id, new.recipient_id, new.author_id, new.visibility, 1, 0) ON CONFLICT (kind, pair_id, owner_id, author_id, visibility) DO UPDATE SET n = n + 1, done = done + excluded.done;
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_thanks_delete AFTER DELETE ON feedback
    WHEN old.kind = 'appreciation' BEGIN
        UPDATE search_index_tally SET n = n - 1, done = done - 0 WHERE kind = 'appreciation' AND pair_id = old.pair_id AND owner_id = old.recipient_id AND author_id = old.author_id AND visibility = old.visibility;
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_thanks_was AFTER UPDATE OF kind, pair_id, author_id, recipient_id,
    visibility ON feedback WHEN old.kind = 'appreciation' BEGIN
        UPDATE search_index_tally SET n = n - 1, done = done - 0 WHERE kind = 'appreciation' AND pair_id = old.pair_id AND owner_id = old.recipient_id AND author_id = old.author_id AND visibility = old.visibility;
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_thanks_now AFTER UPDATE OF kind, pair_id, author_id, recipient_id,
    visibility ON feedback WHEN new.kind = 'appreciation' BEGIN
        INSERT INTO search_index_tally (kind, pair_id, owner_id, author_id, visibility, n, done) VALUES ('appreciation', new.pair_id, new.recipient_id, new.author_id, new.visibility, 1, 0) ON CONFLICT (kind, pair_id, owner_id, author_id, visibility) DO UPDATE SET n = n + 1, done = done + excluded.done;
    END""",
    """DELETE FROM search_index_tally""",
    """INSERT INTO search_index_tally (kind, pair_id, owner_id, author_id, visibility, n, done) SELECT d.kind, coalesce(d.pair_id, ''), coalesce(d.author_id, ''), coalesce(d.author_id, ''), coalesce(d.visibility, ''), count(*), sum(done) FROM search_index_doc d GROUP BY 1, 2, 3, 4, 5""",
    """INSERT INTO search_index_tally (kind, pair_id, owner_id, author_id, visibility, n, done) SELECT 'appreciation', f.pair_id, f.recipient_id, f.author_id, f.visibility, count(*), 0 FROM feedback f WHERE f.kind = 'appreciation' GROUP BY 1, 2, 3, 4, 5""",
]


def _0002_search_index(op: Any) -> None:
    """Full-text search over notes, wins, challenges, answers and feedback (SQLite's FTS5).

    SQLite only: another backend searches its own way (see `peerlog.search`), so there this step does
    nothing but is still recorded, and every journal has the same list of migrations. An SQLite built
    without FTS5 gets no index either, and search falls back to the portable (slower) matching.

    Every table it makes is named `search_index*` (the FTS5 table, its shadow tables, and the document
    table with its indexes); no model describes them, so `tests/test_migrations.py` compares them between
    an upgraded journal and a fresh one rather than with `models.py`.
    """
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    options = conn.exec_driver_sql("PRAGMA compile_options").all()
    if not any(str(row[0]).upper() == "ENABLE_FTS5" for row in options):
        return
    for statement in _0002_SQL:
        conn.exec_driver_sql(statement)


def _0003_search_tally(op: Any) -> None:
    """Running counts of check-ins, wins, overcome challenges and appreciation, kept by triggers, so "how
    far you've come" costs the same at year five as at day one (read by `search_sqlite.tally`).

    SQLite only, and only where 0002 made the search index: its document table is what is counted.
    """
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    made = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_index_doc'"
    ).first()
    if made is None:
        return
    for statement in _0003_SQL:
        conn.exec_driver_sql(statement)


def _0004_versions(op: Any) -> None:
    """A `version` on people, pairs, check-ins, reflections and feedback: 1 for every row there is, one more
    at each change by its author. Merging compares versions, never two machines' clocks."""
    for table in ("person", "pair", "checkin", "reflection", "feedback"):
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN version INTEGER NOT NULL DEFAULT 1')


def _0005_identity_and_changes(op: Any) -> None:
    """Keys and change sets (the two-way loop): each person's public key, what each peer has been sent,
    what peers removed, which sealed bundles have been applied, and the folders pairs sync through."""
    import sqlalchemy as sa

    def stamp(name: str) -> sa.Column:
        return sa.Column(name, sa.DateTime(timezone=True), nullable=False)

    def person_ref(name: str, **kw: Any) -> sa.Column:
        return sa.Column(name, sa.String(36), sa.ForeignKey("person.id"), nullable=False, **kw)

    # A plain ADD COLUMN: rebuilding `person` (batch mode) would trip the foreign keys that point at it.
    op.execute('ALTER TABLE "person" ADD COLUMN public_key VARCHAR(80)')
    op.create_index("ix_person_public_key", "person", ["public_key"], unique=True)
    op.create_table(
        "delivered",
        person_ref("recipient_id", primary_key=True),
        sa.Column("entry_id", sa.String(36), primary_key=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        stamp("sent_at"),
    )
    op.create_table(
        "removal",
        sa.Column("entry_id", sa.String(36), primary_key=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        person_ref("author_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        stamp("removed_at"),
    )
    op.create_index("ix_removal_author_id", "removal", ["author_id"])
    op.create_table(
        "received",
        sa.Column("bundle_id", sa.String(64), primary_key=True, nullable=False),
        person_ref("sender_id"),
        stamp("made_at"),
        stamp("received_at"),
    )
    op.create_index("ix_received_sender_id", "received", ["sender_id"])
    op.create_table(
        "sync_folder",
        sa.Column("pair_id", sa.String(36), sa.ForeignKey("pair.id"), primary_key=True, nullable=False),
        sa.Column("path", sa.String(), nullable=False),
    )


def _0006_groups(op: Any) -> None:
    """Groups of peers who meet as equals: the group, its members over time (joined and left, no roles),
    its sessions with who came and who facilitated, and a `group_id` on check-ins and reflections."""
    import sqlalchemy as sa

    def id_column(name: str = "id") -> sa.Column:
        return sa.Column(name, sa.String(36), primary_key=True, nullable=False)

    def ref(name: str, target: str, *, nullable: bool = False, **kw: Any) -> sa.Column:
        return sa.Column(name, sa.String(36), sa.ForeignKey(f"{target}.id", **kw), nullable=nullable)

    def stamp(name: str, *, nullable: bool = False) -> sa.Column:
        return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)

    op.create_table(
        "peer_group",
        id_column(),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("agreement", sa.String(), nullable=True),
        stamp("started_at"),
        stamp("ended_at", nullable=True),
        stamp("created_at"),
        stamp("updated_at"),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    )
    op.create_index("ix_peer_group_name_key", "peer_group", ["name_key"])
    op.create_table(
        "group_member",
        id_column(),
        ref("group_id", "peer_group"),
        ref("person_id", "person"),
        stamp("joined_at"),
        stamp("left_at", nullable=True),
    )
    op.create_index("ix_group_member_group_id", "group_member", ["group_id"])
    op.create_index("ix_group_member_person_id", "group_member", ["person_id"])
    op.create_table(
        "group_session",
        id_column(),
        ref("group_id", "peer_group"),
        ref("author_id", "person"),
        ref("facilitator_id", "person", nullable=True),
        sa.Column("round_id", sa.String(36), nullable=True),
        stamp("at"),
        sa.Column("utc_offset", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        stamp("created_at"),
        stamp("updated_at"),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    )
    op.create_index("ix_group_session_author_id", "group_session", ["author_id"])
    op.create_index("ix_group_session_group_at", "group_session", ["group_id", "at"])
    op.create_table(
        "group_attendance",
        ref("session_id", "group_session", ondelete="CASCADE"),
        ref("person_id", "person"),
        sa.PrimaryKeyConstraint("session_id", "person_id"),
    )
    op.create_index("ix_group_attendance_person_id", "group_attendance", ["person_id"])
    # Plain ADD COLUMNs, as in 0005: rebuilding these tables (batch mode) would trip the foreign keys that
    # point at them (wins, challenges, answers) and lose the search triggers on them.
    for table in ("checkin", "reflection"):
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN group_id VARCHAR(36) REFERENCES peer_group (id)')
        op.create_index(f"ix_{table}_group_at", table, ["group_id", "at"])


# The tally's appreciation triggers of 0003, written again with `coalesce(pair_id, '')` as its other triggers
# have: feedback given in a group has no pair, and the tally's key columns cannot hold a null.
_0007_TALLY_SQL = [
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_thanks_insert AFTER INSERT ON feedback
    WHEN new.kind = 'appreciation' BEGIN
        INSERT INTO search_index_tally (kind, pair_id, owner_id, author_id, visibility, n, done) VALUES ('appreciation', coalesce(new.pair_id, ''), new.recipient_id, new.author_id, new.visibility, 1, 0) ON CONFLICT (kind, pair_id, owner_id, author_id, visibility) DO UPDATE SET n = n + 1, done = done + excluded.done;
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_thanks_delete AFTER DELETE ON feedback
    WHEN old.kind = 'appreciation' BEGIN
        UPDATE search_index_tally SET n = n - 1, done = done - 0 WHERE kind = 'appreciation' AND pair_id = coalesce(old.pair_id, '') AND owner_id = old.recipient_id AND author_id = old.author_id AND visibility = old.visibility;
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_thanks_was AFTER UPDATE OF kind, pair_id, author_id, recipient_id,
    visibility ON feedback WHEN old.kind = 'appreciation' BEGIN
        UPDATE search_index_tally SET n = n - 1, done = done - 0 WHERE kind = 'appreciation' AND pair_id = coalesce(old.pair_id, '') AND owner_id = old.recipient_id AND author_id = old.author_id AND visibility = old.visibility;
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_index_tally_thanks_now AFTER UPDATE OF kind, pair_id, author_id, recipient_id,
    visibility ON feedback WHEN new.kind = 'appreciation' BEGIN
        INSERT INTO search_index_tally (kind, pair_id, owner_id, author_id, visibility, n, done) VALUES ('appreciation', coalesce(new.pair_id, ''), new.recipient_id, new.author_id, new.visibility, 1, 0) ON CONFLICT (kind, pair_id, owner_id, author_id, visibility) DO UPDATE SET n = n + 1, done = done + excluded.done;
    END""",
]


def _0007_group_feedback_and_folders(op: Any) -> None:
    """Feedback to a member of a group as to a peer (`feedback.group_id`, and `pair_id` may be empty), and
    the folder a group syncs through (`group_sync_folder`), a setting of this machine like a pair's."""
    import sqlalchemy as sa

    op.create_table(
        "group_sync_folder",
        sa.Column(
            "group_id", sa.String(36), sa.ForeignKey("peer_group.id"), primary_key=True, nullable=False
        ),
        sa.Column("path", sa.String(), nullable=False),
    )
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        op.alter_column("feedback", "pair_id", existing_type=sa.String(36), nullable=True)
        op.add_column("feedback", sa.Column("group_id", sa.String(36), sa.ForeignKey("peer_group.id")))
        op.create_index("ix_feedback_group_at", "feedback", ["group_id", "at"])
        return
    # SQLite cannot drop a NOT NULL in place: the table is rebuilt. Nothing points at `feedback`, so
    # dropping it trips no foreign key; its triggers go with it and are made again below.
    had_search = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_index_doc'"
    ).first()
    had_tally = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_index_tally'"
    ).first()
    conn.exec_driver_sql(
        """CREATE TABLE feedback_new (
            id VARCHAR(36) NOT NULL PRIMARY KEY,
            pair_id VARCHAR(36) REFERENCES pair (id),
            author_id VARCHAR(36) NOT NULL REFERENCES person (id),
            recipient_id VARCHAR(36) NOT NULL REFERENCES person (id),
            kind VARCHAR(20) NOT NULL,
            message VARCHAR NOT NULL,
            at DATETIME NOT NULL,
            utc_offset INTEGER NOT NULL,
            visibility VARCHAR(10) NOT NULL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            group_id VARCHAR(36) REFERENCES peer_group (id)
        )"""
    )
    conn.exec_driver_sql(
        "INSERT INTO feedback_new (id, pair_id, author_id, recipient_id, kind, message, at, utc_offset, "
        "visibility, created_at, updated_at, version) SELECT id, pair_id, author_id, recipient_id, kind, "
        "message, at, utc_offset, visibility, created_at, updated_at, version FROM feedback"
    )
    conn.exec_driver_sql("DROP TABLE feedback")
    conn.exec_driver_sql("ALTER TABLE feedback_new RENAME TO feedback")
    op.create_index("ix_feedback_author_id", "feedback", ["author_id"])
    op.create_index("ix_feedback_recipient_id", "feedback", ["recipient_id"])
    op.create_index("ix_feedback_at", "feedback", ["at"])
    op.create_index("ix_feedback_pair_at", "feedback", ["pair_id", "at"])
    op.create_index("ix_feedback_group_at", "feedback", ["group_id", "at"])
    if had_search:
        for statement in _0002_SQL:
            if statement.startswith("CREATE TRIGGER IF NOT EXISTS search_index_feedback_"):
                conn.exec_driver_sql(statement)
    if had_tally:
        for statement in _0007_TALLY_SQL:
            conn.exec_driver_sql(statement)


def _0008_hub(op: Any) -> None:
    """Which pairs (and groups) this machine syncs through a programme hub, and the hub's id for each
    (`hub_space`): a setting of this machine, like a sync folder. No foreign key: one table serves pairs and
    groups, and the hub's own settings live beside the journal in `<journal>.hub`, never in it."""
    import sqlalchemy as sa

    op.create_table(
        "hub_space",
        sa.Column("local_id", sa.String(36), primary_key=True, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("space_id", sa.String(36), nullable=False),
    )


#: The migrations, oldest first. Each name is recorded in the journal's `_peerlog_migrations` when it runs.
MIGRATIONS: list[tuple[str, Callable[[Any], None]]] = [
    ("0001_initial", _0001_initial),
    ("0002_search_index", _0002_search_index),
    ("0003_search_tally", _0003_search_tally),
    ("0004_versions", _0004_versions),
    ("0005_identity_and_changes", _0005_identity_and_changes),
    ("0006_groups", _0006_groups),
    ("0007_group_feedback_and_folders", _0007_group_feedback_and_folders),
    ("0008_hub", _0008_hub),
]
LATEST = len(MIGRATIONS)
#: A journal upgraded from below this version has just had room made for keys: it gets its own then.
KEYS_FROM = [name for name, _step in MIGRATIONS].index("0005_identity_and_changes") + 1


def read_version(conn: Connection) -> int | None:
    """The journal's schema version, or None when the file holds no peerlog tables at all."""
    from sqlalchemy import exc, text

    try:
        with conn.begin_nested() if conn.in_transaction() else conn.begin():
            row = conn.execute(text("SELECT value FROM meta WHERE key = :key"), {"key": VERSION_KEY}).first()
    except exc.OperationalError as error:
        if "no such table" not in str(error).lower():
            raise
        return None
    if row is None:
        return None
    value = row[0]
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        # Only a damaged or hand-edited file holds anything else here; guessing a version could migrate it wrongly.
        raise StoreError(
            f"The journal looks damaged in meta.schema_version ({value!r} is not a schema number); nothing "
            "was changed.",
            hint="Run `peerlog doctor` to see more, and keep a copy of the file before changing anything.",
        )
    return int(value)


def _table_names(conn: Connection) -> list[str]:
    from sqlalchemy import inspect

    return list(inspect(conn).get_table_names())


def _has_tables(conn: Connection) -> bool:
    return bool(_table_names(conn))


def ensure_current(
    engine: Engine,
    path: Path,
    *,
    backup: Callable[[Path, Path], None] | None = None,
    cannot_write: Callable[[], str | None] | None = None,
) -> int:
    """Bring the journal to the latest schema, backing it up first. Returns the version it had.

    `cannot_write` says why the journal cannot be changed (or None): an upgrade that cannot be saved is
    refused before anything, the backup included, is written."""
    from peerlog.store.sqlite import WRITE_OPTION

    with engine.connect() as conn:
        version = read_version(conn)
    if version == LATEST:
        return version
    if version is None:
        with engine.connect() as conn:
            # Another peerlog may have created this journal since we looked: the tables it committed come
            # with their version (one transaction), so read the version again before calling it foreign.
            if _has_tables(conn) and (version := read_version(conn)) is None:
                if {"person", "checkin"} <= set(_table_names(conn)):
                    raise StoreError(
                        f"The journal at {path} looks damaged in meta.schema_version (it is missing); nothing "
                        "was changed.",
                        hint="Run `peerlog doctor` to see more, and keep a copy of the file before changing anything.",
                    )
                raise StoreError(
                    f"{path} is an SQLite database but not a peerlog journal; nothing was changed.",
                    hint="Check --db or PEERLOG_DB, or leave them out to use your usual journal.",
                )
        if version == LATEST:
            return version
        version = version or 0
    if version > LATEST:
        raise StoreError(
            f"This journal was written by a newer peerlog (schema {version}; this one knows {LATEST}).",
            hint="Please upgrade peerlog to open it; nothing was changed.",
        )
    if cannot_write is not None and (reason := cannot_write()) is not None:
        if version == 0:
            raise StoreError(f"The journal at {path} was never set up, and it cannot be: {reason}.")
        raise StoreError(
            f"The journal at {path} needs a one-time upgrade for this peerlog, but {reason}; nothing was "
            "changed."
        )
    return _migrate(engine.execution_options(**{WRITE_OPTION: True}), path, backup)


def _applied_names(conn: Connection, version: int) -> set[str]:
    """The names of the migrations this journal has had. A journal made before names were recorded gets
    the first `version` names written in, with no date (they ran in order, and only the count was kept).

    `meta.schema_version` is still written after every upgrade: it is what an older peerlog reads to refuse
    a journal newer than itself, and it lets opening a current journal cost one SELECT."""
    from sqlalchemy import text

    conn.exec_driver_sql(_LEDGER_DDL)
    applied = {row[0] for row in conn.execute(text(f"SELECT name FROM {LEDGER}"))}
    if not applied and version > 0:
        for name, _migrate in MIGRATIONS[:version]:
            conn.execute(
                text(f"INSERT INTO {LEDGER} (name, applied_at) VALUES (:name, NULL)"), {"name": name}
            )
            applied.add(name)
    return applied


def _backup_path(path: Path, version: int) -> Path | None:
    """Where the copy taken before upgrading from `version` goes: one name per schema step, so attempts
    that fail, or several peerlogs upgrading at once, leave one copy. None when that copy already exists."""
    candidate = path.with_name(f"{path.name}.schema{version}.bak")
    if candidate.is_file() and not candidate.is_symlink():
        return None
    if candidate.is_symlink() or candidate.exists():
        # Something that is not our copy holds the name: never write through it, pick a new name.
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        candidate, n = path.with_name(f"{path.name}.schema{version}-{stamp}.bak"), 1
        while candidate.is_symlink() or candidate.exists():
            n += 1
            candidate = path.with_name(f"{path.name}.schema{version}-{stamp}-{n}.bak")
    return candidate


def _migrate(engine: Engine, path: Path, backup: Callable[[Path, Path], None] | None) -> int:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    if engine.dialect.name == "sqlite":
        from peerlog.store.sqlite import enable_wal

        enable_wal(engine)
    with engine.connect() as conn, conn.begin():
        # Re-read under the write lock: another process may have migrated while we waited.
        version = read_version(conn) or 0
        start = version
        if version >= LATEST:
            return start
        # Under the write lock, so only the one peerlog that upgrades takes the copy, of exactly what
        # it upgrades (readers are not blocked, and the copy is read by a connection of its own).
        if version > 0 and backup is not None and (destination := _backup_path(path, version)):
            from peerlog.files import fill_then_place

            fill_then_place(destination, lambda temporary: backup(path, temporary))
        applied = _applied_names(conn, version)
        unknown = sorted(applied - {name for name, _ in MIGRATIONS})
        if unknown:
            raise StoreError(
                f"This journal has had migrations this peerlog does not know ({', '.join(unknown)}).",
                hint="Please upgrade peerlog to open it; nothing was changed.",
            )
        op = Operations(MigrationContext.configure(conn))
        for name, migrate in MIGRATIONS:
            if name in applied:
                continue
            migrate(op)
            conn.execute(
                text(f"INSERT INTO {LEDGER} (name, applied_at) VALUES (:name, :at)"),
                {"name": name, "at": datetime.now(UTC).isoformat(timespec="seconds")},
            )
        conn.execute(text("DELETE FROM meta WHERE key = :key"), {"key": VERSION_KEY})
        conn.execute(
            text("INSERT INTO meta (key, value) VALUES (:key, :value)"),
            {"key": VERSION_KEY, "value": str(LATEST)},
        )
    return start
