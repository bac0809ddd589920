"""Helpers for the export, import, share and backup tests: journals built row by row, and whole generated ones.

Reflections and feedback are written straight through a session here, so these tests do not depend on the
commands that create them.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import strategies as st
from sqlmodel import Session, select

from peerlog.models import (
    PRIVATE,
    SHARED,
    Answer,
    Challenge,
    CheckIn,
    CheckInTag,
    Feedback,
    Link,
    Pair,
    Person,
    Reflection,
    Win,
)
from peerlog.pairs import ordered
from peerlog.people import name_key
from peerlog.store import Store


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
            )
        }


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
