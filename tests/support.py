"""What the tests share: journals built row by row or generated whole, odd text, real processes, read-only files.

One module, so a builder is written once and its overlaps show. Rows written straight through a session
(peers' entries as if imported, reflections, feedback) make a test depend on the schema only, not on the
commands that would write them; everything a user would do goes through the CLI fixtures in conftest.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import string
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import strategies as st
from sqlmodel import Session, select
from typer.testing import Result

from peerlog.models import (
    PRIVATE,
    SHARED,
    Answer,
    Challenge,
    CheckIn,
    CheckInTag,
    Delivered,
    Feedback,
    Link,
    Pair,
    Person,
    Reflection,
    Removal,
    Win,
)
from peerlog.pairs import ordered
from peerlog.people import name_key
from peerlog.store import Store

#: `invoke("log", "--json")`: peerlog run in-process by the conftest fixtures.
Invoke = Callable[..., Result]


# ---------------------------------------------------------------- a lived-in journal, row by row


def days_ago(days: float, hour: int = 12) -> datetime:
    """A moment `days` before now, at a fixed local hour (so it never slips past today)."""
    now = datetime.now().astimezone()
    moment = (now - timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return min(moment, now - timedelta(minutes=1))


@dataclass
class Journal:
    path: Path

    @contextmanager
    def session(self) -> Iterator[Session]:
        store = Store.open(self.path)
        try:
            with store.session(write=True) as session:
                yield session
        finally:
            store.close()

    def person(self, name: str) -> Person:
        with self.session() as s:
            found = s.exec(select(Person).where(Person.name == name)).first()
            assert found is not None, name
            return found

    def pair_with(self, peer: str) -> Pair:
        me, other = self.person_self(), self.person(peer)
        with self.session() as s:
            a, b = sorted((me.id, other.id))
            pair = s.exec(select(Pair).where(Pair.person_a_id == a, Pair.person_b_id == b)).first()
            assert pair is not None
            return pair

    def person_self(self) -> Person:
        with self.session() as s:
            found = s.exec(select(Person).where(Person.is_self == True)).first()  # noqa: E712
            assert found is not None
            return found

    def checkin(
        self,
        author: str,
        *,
        pair: str | None = None,
        at: datetime | None = None,
        mood: int | None = None,
        note: str = "",
        wins: tuple[str, ...] = (),
        challenges: tuple[str, ...] = (),
        overcome: datetime | None = None,
        visibility: str = SHARED,
    ) -> CheckIn:
        """A check-in by `author` ("me" for you); `pair` is the peer's name of the pair it belongs to."""
        who = self.person_self() if author == "me" else self.person(author)
        pair_id = self.pair_with(pair).id if pair else None
        moment = at or days_ago(1)
        with self.session() as s:
            row = CheckIn(
                author_id=who.id,
                pair_id=pair_id,
                at=moment.astimezone(UTC),
                utc_offset=int(moment.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
                mood=mood,
                note=note,
                visibility=visibility,
            )
            s.add(row)
            s.flush()
            for i, text in enumerate(wins):
                s.add(Win(checkin_id=row.id, position=i, text=text))
            for i, text in enumerate(challenges):
                s.add(
                    Challenge(
                        checkin_id=row.id,
                        position=i,
                        text=text,
                        overcome_at=overcome.astimezone(UTC) if overcome else None,
                    )
                )
            s.flush()
            s.expunge(row)
            return row

    def feedback(
        self,
        author: str,
        recipient: str,
        message: str,
        *,
        kind: str = "appreciation",
        at: datetime | None = None,
        visibility: str = SHARED,
    ) -> Feedback:
        a = self.person_self() if author == "me" else self.person(author)
        b = self.person_self() if recipient == "me" else self.person(recipient)
        peer = b.name if author == "me" else a.name
        pair = self.pair_with(peer)
        moment = at or days_ago(1)
        with self.session() as s:
            row = Feedback(
                pair_id=pair.id,
                author_id=a.id,
                recipient_id=b.id,
                kind=kind,
                message=message,
                at=moment.astimezone(UTC),
                visibility=visibility,
            )
            s.add(row)
            s.flush()
            s.expunge(row)
            return row

    def reflection(
        self,
        author: str,
        pair: str,
        answers: list[tuple[str, str, str]],
        *,
        pack: str = "after-conversation",
        title: str = "After a conversation",
        at: datetime | None = None,
        visibility: str = SHARED,
    ) -> Reflection:
        """A reflection with answers given as (prompt_id, kind, value)."""
        who = self.person_self() if author == "me" else self.person(author)
        pair_row = self.pair_with(pair)
        moment = at or days_ago(1)
        with self.session() as s:
            row = Reflection(
                author_id=who.id,
                pair_id=pair_row.id,
                pack_name=pack,
                pack_title=title,
                at=moment.astimezone(UTC),
                visibility=visibility,
            )
            s.add(row)
            s.flush()
            for i, (prompt_id, kind, value) in enumerate(answers):
                s.add(
                    Answer(
                        reflection_id=row.id,
                        position=i,
                        prompt_id=prompt_id,
                        prompt_text=f"Question {prompt_id}?",
                        kind=kind,
                        value=value,
                    )
                )
            s.flush()
            s.expunge(row)
            return row

    def session_check(self, author: str, pair: str, ratings: dict[str, int], **kw: object) -> Reflection:
        answers = [(prompt, "scale", str(value)) for prompt, value in ratings.items()]
        return self.reflection(author, pair, answers, pack="session-check", title="Session check", **kw)  # type: ignore[arg-type]


def own_code(invoke: Invoke, **kw: Any) -> str:
    """The identity code `peerlog id` prints for the journal `invoke` runs in."""
    result = invoke("id", "--json", **kw)
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)["code"])


def journal_at(home: Path) -> Journal:
    return Journal(home / "peerlog.db")


# ---------------------------------------------------------------- journals for export, import, share and backup


@contextmanager
def journal_session(home: Path, *, write: bool = True) -> Iterator[Session]:
    store = Store.open(home / "peerlog.db", create=True)
    try:
        with store.session(write=write) as session:
            yield session
    finally:
        store.close()


def me_and_pair(session: Session, peer: str = "Sam") -> tuple[Person, Person, Pair]:
    me = session.exec(select(Person).where(Person.is_self == True)).one()  # noqa: E712
    other = session.exec(select(Person).where(Person.name_key == name_key(peer))).one()
    a, b = ordered(me.id, other.id)
    pair = session.exec(select(Pair).where(Pair.person_a_id == a, Pair.person_b_id == b)).one()
    return me, other, pair


def add_reflection(
    session: Session,
    *,
    author: Person,
    pair: Pair | None,
    at: datetime,
    answers: list[tuple[str, str, str]],
    visibility: str = SHARED,
    title: str = "After a conversation",
) -> Reflection:
    reflection = Reflection(
        author_id=author.id,
        pair_id=pair.id if pair else None,
        pack_name="after-a-conversation",
        pack_title=title,
        at=at.astimezone(UTC),
        utc_offset=int(at.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
        visibility=visibility,
    )
    session.add(reflection)
    session.flush()
    for i, (question, kind, value) in enumerate(answers):
        session.add(
            Answer(
                reflection_id=reflection.id,
                position=i,
                prompt_id=f"q{i}",
                prompt_text=question,
                kind=kind,
                value=value,
            )
        )
    session.flush()
    return reflection


def add_feedback(
    session: Session,
    *,
    author: Person,
    recipient: Person,
    pair: Pair,
    message: str,
    at: datetime,
    kind: str = "appreciation",
    visibility: str = SHARED,
) -> Feedback:
    feedback = Feedback(
        pair_id=pair.id,
        author_id=author.id,
        recipient_id=recipient.id,
        kind=kind,
        message=message,
        at=at.astimezone(UTC),
        utc_offset=int(at.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
        visibility=visibility,
    )
    session.add(feedback)
    session.flush()
    return feedback


def counts(home: Path) -> dict[str, int]:
    """How many rows each entry table holds: proof that an import added nothing, or what it added."""
    with journal_session(home, write=False) as session:
        return {
            model.__tablename__: len(session.exec(select(model)).all())  # type: ignore[attr-defined]
            for model in (
                Person,
                Pair,
                CheckIn,
                Win,
                Challenge,
                CheckInTag,
                Reflection,
                Answer,
                Feedback,
                Link,
                Delivered,
                Removal,
            )
        }


# ---------------------------------------------------------------- change sets between two journals


def origin_from_header(session: Session, header: Any) -> Any:
    """The `Origin` for a change set from a linked peer, made as a sealed import makes one once the key has
    named the peer (here, the peer of the same name): their "you" is your peer, their record of you is you,
    their pair is yours."""
    from peerlog.exchange import origin_for

    me = session.exec(select(Person).where(Person.is_self == True)).one()  # noqa: E712
    _, peer, pair = me_and_pair(session, header.sender.name)
    return origin_for(me, peer, pair, header)


def make_changes(
    home: Path, *, peer: str = "Sam", everything: bool = False, deliver: bool = True, bundle_id: str = "b1"
) -> bytes:
    """The change set `changes_for` writes in the journal at `home` for the pair with `peer`, marked
    delivered (as after a file safely placed) unless `deliver` is False."""
    from peerlog.changesets import changes_for

    with journal_session(home) as session:
        _, _, pair = me_and_pair(session, peer)
        outgoing = changes_for(session, pair_id=pair.id, bundle_id=bundle_id, everything=everything)
        data = b"".join(outgoing.lines())
        if deliver:
            outgoing.mark_delivered(session)
    return data


def apply_change_set(home: Path, data: bytes | list[bytes]) -> Any:
    """Apply a change set (bytes, or chunks cut anywhere) in the journal at `home`, in one write session."""
    from peerlog.changesets import apply_changes, read_changes

    with journal_session(home) as session:
        incoming = read_changes([data] if isinstance(data, bytes) else data)
        return apply_changes(session, incoming, origin_from_header(session, incoming.header))


def change_records(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines()]


def opened_bundle(bundle: Path, home: Path) -> list[dict[str, Any]]:
    """The change set inside a sealed bundle, opened with the key of the journal at `home` (the recipient's),
    one record a line: to look inside as only the peer can."""
    from peerlog.identity import load_identity
    from peerlog.sealing import unseal

    identity = load_identity(home / "peerlog.db")
    assert identity is not None, f"no key beside the journal at {home}"
    with bundle.open("rb") as stream:
        return change_records(b"".join(unseal(stream, signing_key=identity.signing_key).plaintext()))


def change_set_of(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def many_checkins(home: Path, count: int, *, peer: str = "Sam", note: str = "A steady day") -> None:
    """`count` of your shared check-ins in the pair with `peer`, each with a win, written in bulk."""
    from sqlalchemy import insert

    from peerlog.models import new_id, table_of

    moment = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with journal_session(home) as session:
        me, _, pair = me_and_pair(session, peer)
        connection = session.connection()
        for start in range(0, count, 5000):
            rows, wins = [], []
            for i in range(start, min(count, start + 5000)):
                entry = new_id()
                stamp = moment + timedelta(seconds=i)
                rows.append(
                    {
                        "id": entry,
                        "author_id": me.id,
                        "pair_id": pair.id,
                        "at": stamp,
                        "utc_offset": 60,
                        "mood": 1 + i % 5,
                        "note": f"{note} {i}",
                        "visibility": SHARED,
                        "created_at": stamp,
                        "updated_at": stamp,
                        "version": 1,
                    }
                )
                wins.append({"id": new_id(), "checkin_id": entry, "position": 0, "text": f"Win {i}"})
            connection.execute(insert(table_of(CheckIn)), rows)
            connection.execute(insert(table_of(Win)), wins)


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- whole generated journals

# Any printable text people might type, including newlines, tabs and every kind of Markdown syntax.
user_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"))
    | st.sampled_from(["\n", "\t", "#", "*", "`", ">", "|"]),
    max_size=30,
)
names = st.text(alphabet=string.ascii_letters + "éø ", min_size=1, max_size=12).map(str.strip).filter(bool)
tags = st.from_regex(r"[a-z0-9][a-z0-9_\-./]{0,8}", fullmatch=True)
stamps = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60)
visibilities = st.sampled_from([PRIVATE, SHARED])


@dataclass
class GeneratedJournal:
    rows: list[Any] = field(default_factory=list)

    def insert(self, session: Session) -> None:
        # Table by table, parents first: the foreign keys are enforced and these models have no relationships.
        for model in (Person, Pair, CheckIn, Win, Challenge, CheckInTag, Reflection, Answer, Feedback, Link):
            session.add_all(row for row in self.rows if type(row) is model)
            session.flush()


def _moment(draw: Any) -> tuple[datetime, int]:
    return draw(stamps), draw(offsets)


@st.composite
def journals(draw: Any) -> GeneratedJournal:
    """A whole journal: you, up to three peers and pairs, check-ins, reflections, feedback and links."""
    journal = GeneratedJournal()
    rows = journal.rows
    # Counted rather than drawn: shrinking would otherwise make two rows share an id.
    base = draw(st.integers(0, 2**60)) << 64
    counter = iter(range(1, 10**6))

    def new_id() -> str:
        return str(UUID(int=base + next(counter)))

    def person(is_self: bool) -> Person:
        created = draw(stamps)
        name = draw(names)
        return Person(
            id=new_id(),
            name=name,
            name_key=name_key(name),
            is_self=is_self,
            created_at=created,
            updated_at=created + timedelta(seconds=draw(st.integers(0, 10**6))),
        )

    me = person(True)
    peers = [person(False) for _ in range(draw(st.integers(0, 3)))]
    rows.extend([me, *peers])
    pairs = []
    for peer in peers:
        a, b = ordered(me.id, peer.id)
        started = draw(stamps)
        pairs.append(
            Pair(
                id=new_id(),
                person_a_id=a,
                person_b_id=b,
                agreement=draw(st.none() | user_text),
                started_at=started,
                ended_at=draw(st.none() | st.just(started + timedelta(days=3))),
                created_at=started,
                updated_at=started,
            )
        )
    rows.extend(pairs)
    everyone = [me, *peers]
    for _ in range(draw(st.integers(0, 5))):
        at, offset = _moment(draw)
        author = draw(st.sampled_from(everyone))
        checkin = CheckIn(
            id=new_id(),
            author_id=author.id,
            pair_id=draw(st.sampled_from(pairs)).id if pairs and draw(st.booleans()) else None,
            at=at,
            utc_offset=offset,
            mood=draw(st.none() | st.integers(1, 5)),
            note=draw(user_text),
            visibility=draw(visibilities),
            created_at=at,
            updated_at=at + timedelta(microseconds=draw(st.integers(0, 10**9))),
        )
        rows.append(checkin)
        for i, text in enumerate(draw(st.lists(user_text.filter(bool), max_size=3))):
            rows.append(Win(id=new_id(), checkin_id=checkin.id, position=i, text=text))
        for i, text in enumerate(draw(st.lists(user_text.filter(bool), max_size=2))):
            overcome = draw(st.none() | stamps)
            rows.append(
                Challenge(
                    id=new_id(),
                    checkin_id=checkin.id,
                    position=i,
                    text=text,
                    overcome_at=overcome,
                    overcome_note=draw(st.none() | user_text) if overcome else None,
                )
            )
        for tag in draw(st.lists(tags, unique=True, max_size=3)):
            rows.append(CheckInTag(checkin_id=checkin.id, tag=tag))
    for _ in range(draw(st.integers(0, 3))):
        at, offset = _moment(draw)
        reflection = Reflection(
            id=new_id(),
            author_id=draw(st.sampled_from(everyone)).id,
            pair_id=draw(st.sampled_from(pairs)).id if pairs and draw(st.booleans()) else None,
            pack_name=draw(st.sampled_from(["after-a-conversation", "weekly"])),
            pack_title=draw(user_text),
            at=at,
            utc_offset=offset,
            visibility=draw(visibilities),
            created_at=at,
            updated_at=at,
        )
        rows.append(reflection)
        for i in range(draw(st.integers(0, 3))):
            rows.append(
                Answer(
                    id=new_id(),
                    reflection_id=reflection.id,
                    position=i,
                    prompt_id=f"q{i}",
                    prompt_text=draw(user_text),
                    kind=draw(st.sampled_from(["text", "long", "scale", "choice", "multi", "confirm"])),
                    value=draw(user_text),
                )
            )
    if pairs:
        for _ in range(draw(st.integers(0, 3))):
            at, offset = _moment(draw)
            pair = draw(st.sampled_from(pairs))
            author_id = draw(st.sampled_from([pair.person_a_id, pair.person_b_id]))
            rows.append(
                Feedback(
                    id=new_id(),
                    pair_id=pair.id,
                    author_id=author_id,
                    recipient_id=pair.person_b_id if author_id == pair.person_a_id else pair.person_a_id,
                    kind=draw(st.sampled_from(["appreciation", "suggestion"])),
                    message=draw(user_text.filter(str.strip)),
                    at=at,
                    utc_offset=offset,
                    visibility=draw(visibilities),
                    created_at=at,
                    updated_at=at,
                )
            )
        for _ in range(draw(st.integers(0, 2))):
            local = draw(st.sampled_from([*peers, *pairs]))
            rows.append(
                Link(
                    foreign_id=new_id(),
                    kind="pair" if isinstance(local, Pair) else "person",
                    local_id=local.id,
                    created_at=draw(stamps),
                )
            )
    return journal


def local_offset(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


# ---------------------------------------------------------------- what people might type


#: What the shell gives Python for bytes that are not UTF-8 (PEP 383 surrogate escapes).
UNDECODABLE = st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\x00",
        "\x1b[31m",
        "\x7f",
        "\u200b",
        "\ufeff",
        "\u2028",
        "\u202e",
        "#",
        "--",
    ]
)
ANY_CHAR = st.one_of(st.characters(), UNDECODABLE, TRICKY)
TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(ANY_CHAR, max_size=30).map("".join),
    st.text(string.printable, max_size=40),
    # Very long: around the 100,000-character limit of peerlog.rules, on both sides of it.
    st.builds(
        lambda part, n: (part * n)[: n * 7], st.text(min_size=1, max_size=7), st.integers(14_200, 14_400)
    ),
    TRICKY,
)


def tidy(text: str) -> str:
    """How peerlog keeps free text: Windows line ends made plain, surrounding whitespace trimmed."""
    return text.replace("\r\n", "\n").strip()


def plain_share(home: Path, peer: str, output: Path, *, since_last: bool = False) -> Path:
    """A share bundle as peerlog wrote them before bundles were sealed: plain JSON of your shared entries in
    one pair (or those changed since the last such bundle). Older peerlogs still send these, and `import`
    still takes them from a peer linked by name."""
    from peerlog.exporters.json_export import JsonExporter
    from peerlog.interchange import KIND_SHARE
    from peerlog.models import Meta
    from peerlog.pairs import resolve_pair
    from peerlog.transfer import collect

    with journal_session(home) as session:
        pair = resolve_pair(session, peer)
        key = f"test.plain-share.{pair.id}"
        last = session.get(Meta, key)
        since = datetime.fromisoformat(last.value) if since_last and last else None
        made = datetime.now(UTC)
        document = collect(session, pair_id=pair.id, kind=KIND_SHARE, only_mine=True, changed_since=since)
        output.write_text("".join(JsonExporter().chunks(document)), encoding="utf-8")
        session.merge(Meta(key=key, value=made.isoformat()))
    return output


def journal_before_keys(invoke: Invoke, home: Path, *, name: str = "Ana", peer: str = "Sam") -> None:
    """Replace the journal at `home` with one whose peer has no key yet, made through the CLI: plain bundles
    from a peer land by name only until their key is added."""
    shutil.rmtree(home, ignore_errors=True)
    env = {"PEERLOG_HOME": str(home)}
    assert invoke("init", "--name", name, env=env).exit_code == 0
    assert invoke("pair", "add", peer, env=env).exit_code == 0


def code_of(invoke: Invoke, **kw: Any) -> str:
    """The identity code `peerlog id` prints in a journal: what a peer types to pair by key."""
    result = invoke("id", "--json", **kw)
    assert result.exit_code == 0, result.stderr
    return str(json.loads(result.stdout)["code"])


def refused_cleanly(result: Any) -> None:
    """A refusal is one kind line on stderr (ours) or Click's usage message, with exit 2."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    if result.stderr.startswith("peerlog: "):
        assert len(result.stderr.rstrip("\n").split("\n")) == 1, result.stderr
        assert not any(unicodedata.category(c) == "Cc" for c in result.stderr.rstrip("\n")), result.stderr
    else:
        assert "Usage:" in result.stderr, result.stderr


# ---------------------------------------------------------------- packs and reflections


EVERY_KIND = """\
format = 1
name = "every-kind"
title = "Every kind"
description = "One question of each kind."

[[prompts]]
id = "line"
kind = "text"
text = "One line?"

[[prompts]]
id = "story"
kind = "long"
text = "Tell me more?"

[[prompts]]
id = "rating"
kind = "scale"
text = "How was it?"
min = 1
max = 5
min_label = "hard"
max_label = "good"

[[prompts]]
id = "pick"
kind = "choice"
text = "Which drink?"
choices = ["Tea", "Coffee", "Water"]

[[prompts]]
id = "several"
kind = "multi"
text = "What helped?"
choices = ["Listening", "Sharing", "Quiet"]

[[prompts]]
id = "again"
kind = "confirm"
text = "Again next week?"

[[prompts]]
id = "wins"
kind = "text"
text = "A win?"
repeat = true
"""


def reflections(invoke: Invoke, *args: str) -> list[dict]:
    result = invoke("reflections", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------- real processes writing one journal

# Used by tests/test_concurrency.py and tests/test_crash.py: a writer imports peerlog once, then runs `checkin`
# in a loop, printing what it saved, so a test can race several or kill one at a chosen moment.

#: 8 x 200 is the issue's example; the suite's default keeps it and the crash tests well under a minute.
PER_WORKER = int(os.environ.get("PEERLOG_TEST_CHECKINS_PER_WRITER", "50"))
SAVED = re.compile(r"^Saved check-in ([0-9a-f]{8}) ")

#: A writer process. Config (JSON in argv[1]): name, count, go (a file to wait for), and for the crash tests
#: hang_at (stop inside the N-th write's transaction) and wal_autocheckpoint (checkpoint often).
WRITER = r"""
import json, sys, time
from pathlib import Path

config = json.loads(sys.argv[1])
# Hooks go through SQLAlchemy's public events on every engine, so they need nothing private of peerlog.
if config.get("wal_autocheckpoint") or config.get("hang_at") is not None:
    import re
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
if config.get("wal_autocheckpoint"):

    @event.listens_for(Engine, "connect")
    def checkpoint_often(connection, _record):
        connection.execute(f"PRAGMA wal_autocheckpoint = {config['wal_autocheckpoint']}")

if config.get("hang_at") is not None:
    committed = []

    @event.listens_for(Engine, "before_cursor_execute")
    def note_a_win(connection, _cursor, statement, *_):
        if re.match(r'\s*INSERT INTO "?win"?\b', statement, re.IGNORECASE):
            connection.info["wrote_a_win"] = True

    @event.listens_for(Engine, "commit")
    def hang_before_committing(connection):
        if connection.info.pop("wrote_a_win", False):
            committed.append(True)
            if len(committed) > config["hang_at"]:
                # The check-in and its win are written but not committed: the moment a crash hurts most.
                print("MIDWAY", flush=True)
                time.sleep(600)

import typer.main
from peerlog.cli import app
import peerlog.checkins, peerlog.store.migrations, sqlalchemy.dialects.sqlite  # noqa: the race is in writing

# The command line Typer builds from `app`, built once: rebuilding it per check-in would time Typer.
command = typer.main.get_command(app)

print("READY", flush=True)
go = config.get("go")
while go and not Path(go).exists():
    time.sleep(0.001)
for i in range(config["count"]):
    note = f"{config['name']}-{i}"
    argv = ["checkin", "--note", note, "--win", f"win {note}", "--tag", config["name"]]
    try:
        command.main(argv, prog_name="peerlog")
    except SystemExit as done:
        if done.code:
            print(f"FAILED {note} exit {done.code}", flush=True)
"""


def environment(home: Path) -> dict[str, str]:
    env = {**os.environ, "PEERLOG_HOME": str(home), "PEERLOG_NO_PROMPT": "1"}
    for name in ("PEERLOG_DB", "PEERLOG_DEBUG"):
        env.pop(name, None)
    return env


def start_writer(home: Path, **config: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, json.dumps(config)],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(process: subprocess.Popen[str], marker: str, timeout: float = 60) -> list[str]:
    """Read the writer's lines up to and including the first one starting with `marker`."""
    assert process.stdout is not None
    deadline, lines = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(
                f"writer ended before {marker}: {process.stderr.read() if process.stderr else ''}"
            )
        lines.append(line.rstrip("\n"))
        if line.startswith(marker):
            return lines
    raise AssertionError(f"no {marker} within {timeout}s")


def journal_rows(db: Path) -> list[tuple[str, str, str]]:
    """(id, note, its win) for every check-in, read with plain sqlite3 after every writer has gone."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "SELECT c.id, c.note, group_concat(w.text) FROM checkin c LEFT JOIN win w ON w.checkin_id = c.id "
            "GROUP BY c.id"
        ).fetchall()
    conn.close()
    return rows


# ---------------------------------------------------------------- read-only files and folders

# CI runs as root, whom permission bits do not stop. So each case is made read-only three ways: chmod (for
# everyone else), the immutable attribute (stops root too, where the file system and capabilities allow),
# and a read-only mount as statvfs reports it (simulated, so it runs everywhere). `run_as_a_plain_user` runs
# peerlog in a child process that permission bits do stop, even when the tests run as root.

WAYS = ["chmod", "immutable", "read-only mount"]


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(
            "chattr +i is not available here (needs CAP_LINUX_IMMUTABLE and a supporting file system)"
        )
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def read_only(path: Path, how: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if how == "chmod":
        if os.geteuid() == 0:
            pytest.skip("root ignores permission bits; the immutable and mount variants cover root")
        old = path.stat().st_mode
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(old)
    elif how == "immutable":
        if shutil.which("chattr") is None:
            pytest.skip("chattr is not installed")
        with immutable(path):
            yield
    else:
        real = os.statvfs

        def statvfs(target: Any) -> Any:
            result = real(target)
            if Path(target) != path:
                return result
            values = list(result)
            values[8] |= os.ST_RDONLY  # f_flag
            return os.statvfs_result(values)

        monkeypatch.setattr(os, "statvfs", statvfs)
        yield


def run_as_a_plain_user(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run `peerlog ARGS` in a child process that file permissions bind: as root, without the capabilities
    that let root ignore them (setpriv drops them from the bounding set before the exec)."""
    command = [sys.executable, "-m", "peerlog", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is not installed, and root ignores permission bits")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    env = {**os.environ, "PEERLOG_HOME": str(home), "COLUMNS": "120"}
    env.pop("PEERLOG_DB", None)
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=60)


def sealed_file(
    folder: Path, name: str, *, bundle_id: str, to: str, body: bytes = b"\x00opaque sealed bytes\x00"
) -> Path:
    """A file shaped like a sealed bundle in a sync folder: the clear envelope line, then bytes that only
    `peerlog.sealing` would open (the folder code never looks past the first line)."""
    envelope = {"peerlog": "sealed", "v": 1, "id": bundle_id, "to": to}
    path = folder / name
    path.write_bytes(json.dumps(envelope).encode() + b"\n" + body)
    return path


# ---------------------------------------------------------------- sealed bundles (peerlog.sealing)


def sealed_bytes(
    plaintext: bytes | list[bytes],
    *,
    sender: Any,
    to: Any,
    bundle_id: str = "bundle-1",
    frame_bytes: int | None = None,
) -> bytes:
    """A whole sealed bundle from `sender` to `to` (both `nacl.signing.SigningKey`s), in memory."""
    from peerlog.sealing import FRAME_BYTES, seal

    chunks = [plaintext] if isinstance(plaintext, bytes) else plaintext
    return b"".join(
        seal(
            chunks,
            signing_key=sender,
            recipient=to.verify_key.encode(),
            bundle_id=bundle_id,
            frame_bytes=frame_bytes or FRAME_BYTES,
        )
    )


@dataclass(frozen=True)
class BundleLayout:
    """Where each part of a sealed bundle lies, as byte ranges: to flip, cut or move exactly one of them."""

    envelope: range
    key_block: range
    #: (length prefix, sealed frame) for each frame, in order.
    frames: list[tuple[range, range]]


def bundle_layout(blob: bytes) -> BundleLayout:
    from peerlog.sealing import KEY_BLOCK_BYTES

    line_end = blob.index(b"\n") + 1
    key_block = range(line_end, line_end + KEY_BLOCK_BYTES)
    frames = []
    at = key_block.stop
    while at < len(blob):
        length = int.from_bytes(blob[at : at + 4], "big")
        frames.append((range(at, at + 4), range(at + 4, at + 4 + length)))
        at += 4 + length
    return BundleLayout(envelope=range(line_end), key_block=key_block, frames=frames)


# ---------------------------------------------------------------- a real terminal


def on_a_screen(
    *args: str,
    home: Path,
    columns: int,
    keys: Sequence[tuple[str, str]] = (),
    rows: int = 50,
    timeout: float = 30,
) -> list[str]:
    """Run `peerlog ARGS` in a pseudo-terminal `columns` wide and return its screen as a person sees it.

    `keys` are (text on the screen, keys to type then) in order. The screen is pyte's terminal in memory,
    wrapping as a terminal does, so a message cut mid-word by the terminal shows cut here too. Cursor
    position requests (prompt_toolkit's) are answered as a terminal would.
    """
    import fcntl
    import pty
    import select as io
    import struct
    import termios

    import pyte

    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {
        k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PEERLOG_DB", "PEERLOG_DEBUG")
    }
    env |= {"PEERLOG_HOME": str(home), "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "peerlog", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    waiting = list(keys)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = io.select([leader], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break  # the child has gone and closed its side
                if not chunk:
                    break
                stream.feed(chunk)
                if b"\x1b[6n" in chunk:
                    os.write(leader, f"\x1b[{screen.cursor.y + 1};{screen.cursor.x + 1}R".encode())
            if waiting and waiting[0][0] in "\n".join(screen.display):
                os.write(leader, waiting.pop(0)[1].encode())
            elif not ready and process.poll() is not None:
                break
        else:
            raise AssertionError("peerlog did not finish in time:\n" + "\n".join(screen.display))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(leader)
    return [line.rstrip() for line in screen.display]


# ---------------------------------------------------------------- groups


#: The tables a group command may change (people too: a new member is a new person).
GROUP_TABLES = (
    "person",
    "peer_group",
    "group_member",
    "group_session",
    "group_attendance",
    "checkin",
    "reflection",
)


def group_rows(home: Path) -> dict[str, list[str]]:
    """Every row of the tables group commands write, read with plain sqlite3: equal before and after a
    refusal proves nothing changed."""
    with sqlite3.connect(home / "peerlog.db") as conn:
        rows = {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in GROUP_TABLES}
    conn.close()
    return rows


def group_ids_of(home: Path, table: str) -> list[str | None]:
    """The `group_id` of every row of `checkin` or `reflection`, as stored."""
    with sqlite3.connect(home / "peerlog.db") as conn:
        found = [row[0] for row in conn.execute(f'SELECT group_id FROM "{table}"')]
    conn.close()
    return found


def add_group_session(
    session: Session,
    *,
    group: str,
    author: Person,
    came: list[Person],
    at: datetime,
    facilitator: Person | None = None,
    visibility: str = SHARED,
) -> str:
    """A session as if a member recorded it in their journal and it arrived here (its round left out)."""
    from peerlog.models import Group, GroupAttendance, GroupSession

    found = session.exec(select(Group).where(Group.name_key == name_key(group))).one()
    row = GroupSession(
        group_id=found.id,
        author_id=author.id,
        facilitator_id=facilitator.id if facilitator else None,
        at=at.astimezone(UTC),
        utc_offset=int(at.utcoffset().total_seconds() // 60),  # type: ignore[union-attr]
        visibility=visibility,
    )
    session.add(row)
    session.flush()
    session.add_all(GroupAttendance(session_id=row.id, person_id=p.id) for p in came)
    session.flush()
    return row.id
