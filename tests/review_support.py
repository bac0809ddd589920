"""Building a lived-in journal for the review tests: rows written through a session, as any writer would.

Peers' entries (as if imported from their journals), reflections and feedback are inserted as model rows,
so these tests depend only on the schema, not on the commands that will write them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from peerlog.models import (
    PRIVATE,
    SHARED,
    Answer,
    Challenge,
    CheckIn,
    Feedback,
    Pair,
    Person,
    Reflection,
    Win,
)
from peerlog.store import Store

__all__ = ["PRIVATE", "SHARED", "Journal", "days_ago", "journal_at"]


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


def journal_at(home: Path) -> Journal:
    return Journal(home / "peerlog.db")
