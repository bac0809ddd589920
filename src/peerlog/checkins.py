"""Check-ins: recording, reading, changing and removing them.

Reads fetch only the rows they show: one query for the page of check-ins, then one each for their wins,
challenges and tags, so `log --limit 10` costs the same at day one and year five.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from peerlog import dates
from peerlog.errors import InputError, NotFoundError
from peerlog.ids import find_by_prefix, short_id
from peerlog.models import (
    PRIVATE,
    SHARED,
    VISIBILITIES,
    Challenge,
    CheckIn,
    CheckInTag,
    Pair,
    Person,
    Win,
    utcnow,
)
from peerlog.pairs import peer_id_of, resolve_pair
from peerlog.people import get_self

MOODS = {1: "hard", 2: "low", 3: "okay", 4: "good", 5: "great"}
MAX_TEXT = 20_000
MAX_LIMIT = 2**62
_TAG = re.compile(r"^[\w][\w\-./]{0,49}$")
LOOKUP_HINT = "`peerlog log` lists your check-ins with their ids."


@dataclass(frozen=True)
class ChallengeView:
    id: str
    text: str
    overcome_at: datetime | None = None


@dataclass(frozen=True)
class CheckInView:
    id: str
    author: str
    by_you: bool
    pair: str | None
    at: datetime
    mood: int | None
    note: str
    visibility: str
    wins: list[str] = field(default_factory=list)
    challenges: list[ChallengeView] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "author": self.author,
            "by_you": self.by_you,
            "pair": self.pair,
            "at": self.at.isoformat(),
            "mood": self.mood,
            "note": self.note,
            "wins": list(self.wins),
            "challenges": [
                {
                    "id": c.id,
                    "text": c.text,
                    "overcome_at": dates.from_stored(c.overcome_at, 0).isoformat() if c.overcome_at else None,
                }
                for c in self.challenges
            ],
            "tags": list(self.tags),
            "visibility": self.visibility,
        }


# ---------------------------------------------------------------- validation


def check_mood(mood: int | None) -> int | None:
    if mood is not None and mood not in MOODS:
        raise InputError(
            f"Mood is a number from 1 to 5 (1 = a hard day, 5 = a great day); {mood} is outside that.",
            hint="Leave it out if you'd rather not say.",
        )
    return mood


def clean_text(text: str, *, what: str) -> str:
    cleaned = text.replace("\r\n", "\n").strip()
    if len(cleaned) > MAX_TEXT:
        raise InputError(f"The {what} is longer than {MAX_TEXT} characters.", hint="Try a shorter one.")
    # Control characters (other than newlines and tabs) would garble the terminal on display.
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in cleaned):
        raise InputError(f"The {what} contains control characters.", hint="Remove them and try again.")
    # Surrogates are how Python carries bytes that were not UTF-8 (e.g. text from another encoding).
    if any(unicodedata.category(ch) == "Cs" for ch in cleaned):
        raise InputError(
            f"The {what} contains bytes that are not UTF-8 text.", hint="Convert it to UTF-8 and try again."
        )
    return cleaned


def clean_items(items: list[str] | None, *, what: str) -> list[str]:
    cleaned = [clean_text(item, what=what) for item in items or []]
    return [item for item in cleaned if item]


def clean_tag(tag: str) -> str:
    cleaned = unicodedata.normalize("NFKC", tag).strip().lstrip("#").casefold()
    if not _TAG.match(cleaned):
        raise InputError(
            f"'{tag}' is not a tag peerlog can use.",
            hint="Tags are one word of letters, digits, '-', '_', '.' or '/', up to 50 characters.",
        )
    return cleaned


def clean_tags(tags: list[str] | None) -> list[str]:
    return sorted({clean_tag(t) for t in tags or []})


def check_visibility(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise InputError(f"Visibility is 'private' or 'shared', not '{visibility}'.")
    return visibility


# ---------------------------------------------------------------- writing


def record_checkin(
    session: Session,
    *,
    pair: str | None = None,
    at: datetime | None = None,
    mood: int | None = None,
    note: str = "",
    wins: list[str] | None = None,
    challenges: list[str] | None = None,
    tags: list[str] | None = None,
    visibility: str = PRIVATE,
) -> CheckInView:
    """Save one check-in by you. Everything is validated before anything is written."""
    me = get_self(session)
    moment = at or dates.local_now()
    checkin = CheckIn(
        author_id=me.id,
        pair_id=resolve_pair(session, pair, active_only=True).id if pair else None,
        at=dates.to_utc(moment),
        utc_offset=dates.offset_minutes(moment),
        mood=check_mood(mood),
        note=clean_text(note, what="note"),
        visibility=check_visibility(visibility),
    )
    win_texts = clean_items(wins, what="win")
    challenge_texts = clean_items(challenges, what="challenge")
    tag_names = clean_tags(tags)
    if not (checkin.note or checkin.mood or win_texts or challenge_texts):
        raise InputError(
            "There is nothing to save yet.",
            hint="Add a --note, --mood, --win or --challenge (or run `peerlog checkin` to be asked).",
        )
    session.add(checkin)
    session.flush()
    _add_items(session, checkin.id, win_texts, challenge_texts, tag_names)
    return _views(session, [checkin], me)[0]


def _add_items(
    session: Session, checkin_id: str, wins: list[str], challenges: list[str], tags: list[str]
) -> None:
    start_w = _next_position(session, Win, checkin_id)
    start_c = _next_position(session, Challenge, checkin_id)
    session.add_all(Win(checkin_id=checkin_id, position=start_w + i, text=t) for i, t in enumerate(wins))
    session.add_all(
        Challenge(checkin_id=checkin_id, position=start_c + i, text=t) for i, t in enumerate(challenges)
    )
    existing = set(session.exec(select(CheckInTag.tag).where(CheckInTag.checkin_id == checkin_id)).all())
    session.add_all(CheckInTag(checkin_id=checkin_id, tag=t) for t in tags if t not in existing)
    session.flush()


def _next_position(session: Session, model: type[Win] | type[Challenge], checkin_id: str) -> int:
    positions = session.exec(select(model.position).where(model.checkin_id == checkin_id)).all()
    return max(positions, default=-1) + 1


def _not_found(prefix: str) -> NotFoundError:
    # Someone else's private entry: behave exactly as if it were not there.
    return NotFoundError(f"No check-in has an id starting with '{prefix}'.", hint=LOOKUP_HINT)


def _own(session: Session, prefix: str) -> tuple[CheckIn, Person]:
    me = get_self(session)
    checkin = find_by_prefix(session, CheckIn, prefix, noun="check-in", hint=LOOKUP_HINT)
    if checkin.author_id != me.id:
        if checkin.visibility != SHARED:
            raise _not_found(prefix)
        author = session.get(Person, checkin.author_id)
        raise InputError(
            f"This check-in is {author.name if author else 'a peer'}'s; only its author can change it.",
        )
    return checkin, me


def update_checkin(
    session: Session,
    prefix: str,
    *,
    mood: int | None = None,
    note: str | None = None,
    add_wins: list[str] | None = None,
    add_challenges: list[str] | None = None,
    add_tags: list[str] | None = None,
    remove_tags: list[str] | None = None,
    visibility: str | None = None,
    at: datetime | None = None,
    pair: str | None = None,
) -> CheckInView:
    checkin, me = _own(session, prefix)
    if mood is not None:
        checkin.mood = check_mood(mood)
    if note is not None:
        checkin.note = clean_text(note, what="note")
    if visibility is not None:
        checkin.visibility = check_visibility(visibility)
    if at is not None:
        checkin.at, checkin.utc_offset = dates.to_utc(at), dates.offset_minutes(at)
    if pair is not None:
        checkin.pair_id = resolve_pair(session, pair).id if pair else None
    wins, challenges = (
        clean_items(add_wins, what="win"),
        clean_items(add_challenges, what="challenge"),
    )
    added_tags, removed_tags = clean_tags(add_tags), clean_tags(remove_tags)
    checkin.updated_at = utcnow()
    session.add(checkin)
    if removed_tags:
        session.exec(  # type: ignore[call-overload]
            delete(CheckInTag).where(
                col(CheckInTag.checkin_id) == checkin.id, col(CheckInTag.tag).in_(removed_tags)
            )
        )
    _add_items(session, checkin.id, wins, challenges, added_tags)
    return _views(session, [checkin], me)[0]


def delete_checkin(session: Session, prefix: str) -> CheckInView:
    checkin, me = _own(session, prefix)
    shown = _views(session, [checkin], me)[0]
    # Explicit deletes rather than relying on ON DELETE CASCADE, so every backend behaves the same.
    for model in (Win, Challenge, CheckInTag):
        session.exec(delete(model).where(model.checkin_id == checkin.id))  # type: ignore[call-overload]
    session.delete(checkin)
    session.flush()
    return shown


# ---------------------------------------------------------------- reading


def visible_to(me: Person):  # type: ignore[no-untyped-def]
    """Your own entries and anything shared with you; never another person's private entries."""
    return or_(col(CheckIn.author_id) == me.id, col(CheckIn.visibility) == SHARED)


def get_checkin(session: Session, prefix: str) -> CheckInView:
    me = get_self(session)
    checkin = find_by_prefix(session, CheckIn, prefix, noun="check-in", hint=LOOKUP_HINT)
    if checkin.author_id != me.id and checkin.visibility != SHARED:
        raise _not_found(prefix)
    return _views(session, [checkin], me)[0]


def list_checkins(
    session: Session,
    *,
    pair: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    tag: str | None = None,
    limit: int | None = 20,
) -> list[CheckInView]:
    """Check-ins you may see, newest first."""
    me = get_self(session)
    query = select(CheckIn).where(visible_to(me))
    if pair:
        query = query.where(CheckIn.pair_id == resolve_pair(session, pair).id)
    if since:
        query = query.where(CheckIn.at >= dates.to_utc(since))
    if until:
        query = query.where(CheckIn.at <= dates.to_utc(until))
    if tag:
        query = query.join(CheckInTag, col(CheckInTag.checkin_id) == CheckIn.id).where(
            CheckInTag.tag == clean_tag(tag)
        )
    if limit is not None:
        if limit < 1:
            raise InputError("--limit must be 1 or more.")
        # SQLite integers stop at 2**63 - 1; any larger limit means "all of them" anyway.
        query = query.limit(min(limit, MAX_LIMIT))
    query = query.order_by(col(CheckIn.at).desc(), col(CheckIn.id).desc())
    return _views(session, list(session.exec(query).all()), me)


def _views(session: Session, checkins: list[CheckIn], me: Person) -> list[CheckInView]:
    if not checkins:
        return []
    ids = [c.id for c in checkins]
    wins: dict[str, list[str]] = defaultdict(list)
    for w in session.exec(select(Win).where(col(Win.checkin_id).in_(ids)).order_by(Win.position)):
        wins[w.checkin_id].append(w.text)
    challenges: dict[str, list[ChallengeView]] = defaultdict(list)
    for c in session.exec(
        select(Challenge).where(col(Challenge.checkin_id).in_(ids)).order_by(Challenge.position)
    ):
        challenges[c.checkin_id].append(ChallengeView(c.id, c.text, c.overcome_at))
    tags: dict[str, list[str]] = defaultdict(list)
    for t in session.exec(
        select(CheckInTag).where(col(CheckInTag.checkin_id).in_(ids)).order_by(CheckInTag.tag)
    ):
        tags[t.checkin_id].append(t.tag)
    people = {
        p.id: p
        for p in session.exec(select(Person).where(col(Person.id).in_({c.author_id for c in checkins})))
    }
    pair_ids = {c.pair_id for c in checkins if c.pair_id}
    pair_names: dict[str, str] = {}
    if pair_ids:
        pairs = list(session.exec(select(Pair).where(col(Pair.id).in_(pair_ids))))
        peer_ids = {peer_id_of(p, me.id) for p in pairs}
        names = {p.id: p.name for p in session.exec(select(Person).where(col(Person.id).in_(peer_ids)))}
        pair_names = {p.id: names.get(peer_id_of(p, me.id), "?") for p in pairs}
    return [
        CheckInView(
            id=c.id,
            author=people[c.author_id].name if c.author_id in people else "?",
            by_you=c.author_id == me.id,
            pair=pair_names.get(c.pair_id) if c.pair_id else None,
            at=dates.from_stored(c.at, c.utc_offset),
            mood=c.mood,
            note=c.note,
            visibility=c.visibility,
            wins=wins[c.id],
            challenges=challenges[c.id],
            tags=tags[c.id],
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in checkins
    ]
