"""Check-ins: recording, reading, changing and removing them.

Reads fetch only the rows they show: one query for the page of check-ins (with who wrote each and the peer
of its pair), then one each for their wins, challenges and tags, so `log --limit 10` costs the same at day
one and year five. Everything goes through the light Core tables in `peerlog.tables`, never the ORM
models: building those costs a check-in or `log` about 40 ms of start-up (see `peerlog.lookup`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, insert, select, update
from sqlmodel import Session

from peerlog import dates, rules
from peerlog import tables as t
from peerlog.errors import InputError
from peerlog.ids import find_by_prefix, new_id, short_id
from peerlog.listing import in_group, newest_first
from peerlog.lookup import Me, find_pair, load_me
from peerlog.store.visibility import visible_to
from peerlog.tables import PRIVATE, VISIBILITIES

if TYPE_CHECKING:
    from peerlog.packs import Given, Prompt

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
    #: The group it belongs to, by name (instead of a pair).
    group: str | None = None

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "author": self.author,
            "by_you": self.by_you,
            "pair": self.pair,
            "group": self.group,
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
    if mood is not None and mood not in rules.MOODS:
        raise InputError(
            f"Mood is a number from 1 to 5 (1 = a hard day, 5 = a great day); {mood} is outside that.",
            hint="Leave it out if you'd rather not say.",
        )
    return mood


_HINTS = {
    rules.CONTROLS: "Remove them and try again.",
    rules.NOT_UTF8: "Convert it to UTF-8 and try again.",
}


def clean_text(text: str, *, what: str) -> str:
    """Typed text as kept (Windows line ends made plain, ends trimmed), or a kind `InputError`."""
    cleaned = text.replace("\r\n", "\n").strip()
    problem = rules.text_problem(cleaned)
    if problem:
        raise InputError(f"The {what} {problem}.", hint=_HINTS.get(problem, "Try a shorter one."))
    return cleaned


def clean_items(items: list[str] | None, *, what: str) -> list[str]:
    cleaned = [clean_text(item, what=what) for item in items or []]
    return [item for item in cleaned if item]


def clean_tag(tag: str) -> str:
    cleaned = rules.tidy_tag(tag)
    if not rules.is_tag(cleaned):
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


def mark_edited(entry: Any, *, visibility: str | None = None, at: datetime | None = None) -> None:
    """What every edit of a reflection or feedback ends with: who may see it and when it was, if given, then
    a new stamp and one more version (merges keep the copy with the higher version)."""
    if visibility is not None:
        entry.visibility = check_visibility(visibility)
    if at is not None:
        entry.at, entry.utc_offset = dates.to_utc(at), dates.offset_minutes(at)
    entry.updated_at = utcnow()
    entry.version += 1


# ---------------------------------------------------------------- writing


def check_answer_text(prompt: Prompt, text: str) -> str | None:
    """What is wrong with a typed answer, for interactive validation (None when it is fine)."""
    try:
        clean_text(text, what="answer")
    except InputError as error:
        return error.message
    return None


def check_daily_answer(prompt: Prompt, text: str) -> str | None:
    """Interactive validation for the daily pack: tags must be usable tags, other answers usable text."""
    if prompt.id == "tags":
        return check_tags_text(text)
    return check_answer_text(prompt, text)


def check_tags_text(text: str) -> str | None:
    try:
        split_tags(text)
    except InputError as error:
        return str(error)
    return None


def split_tags(text: str) -> list[str]:
    return [clean_tag(t) for t in re.split(r"[\s,]+", text) if t.strip()]


# ---------------------------------------------------------------- the daily check-in pack
# The daily-checkin prompt pack (or a person's own version of it) asks for a check-in's fields; these
# turn its answers into one.


@dataclass
class CheckInFields:
    """What answers to the daily pack become: the fields of a normal check-in."""

    mood: int | None = None
    note: str = ""
    wins: list[str] = field(default_factory=list)
    challenges: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: None when the "shared" prompt was skipped: the --shared/--private flag decides.
    shared: bool | None = None

    def is_empty(self) -> bool:
        """Nothing a check-in can be made of (tags alone are not a check-in)."""
        return not (self.mood or self.note or self.wins or self.challenges)


def checkin_fields(answers: Sequence[Given]) -> CheckInFields:
    """Map the daily pack's prompt ids onto a check-in.

    `mood` (a 1-5 scale), `note`, `win`/`wins`, `challenge`/`challenges`, `tags` and `shared` (confirm)
    fill the matching fields. Answers to any other prompt, as in a person's own version of the pack, are
    added to the note under their question, so nothing they typed is lost.
    """
    fields = CheckInFields()
    notes: list[str] = []
    extras: list[str] = []
    for given in answers:
        pid, kind, value = given.prompt.id, given.prompt.kind, given.value
        texts = value if isinstance(value, list) else [str(value)]
        if pid == "mood" and kind == "scale" and isinstance(value, int) and 1 <= value <= 5:
            fields.mood = value
        elif pid == "note" and kind in ("text", "long"):
            notes.extend(texts)
        elif pid in ("win", "wins") and kind in ("text", "long", "multi"):
            fields.wins.extend(texts)
        elif pid in ("challenge", "challenges") and kind in ("text", "long", "multi"):
            fields.challenges.extend(texts)
        elif pid == "tags" and kind in ("text", "multi"):
            for text in texts:
                fields.tags.extend(split_tags(text))
        elif pid == "shared" and kind == "confirm":
            fields.shared = bool(value)
        else:
            extras.append(f"{given.prompt.text}\n{given.shown()}")
    fields.note = "\n\n".join(notes + extras)
    return fields


def save_checkin(
    session: Session, fields: CheckInFields, *, pair: str | None, at: datetime | None, shared: bool
) -> CheckInView:
    """Save a check-in made of `fields` (from flags or the daily pack); `shared` decides where theirs did not."""
    chosen = shared if fields.shared is None else fields.shared
    return record_checkin(
        session,
        pair=pair,
        at=at,
        mood=fields.mood,
        note=fields.note,
        wins=fields.wins,
        challenges=fields.challenges,
        tags=fields.tags,
        visibility=t.SHARED if chosen else PRIVATE,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


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
    me = load_me(session)
    moment = at or dates.local_now()
    pair_ref = find_pair(session, me, pair, active_only=True) if pair else None
    now = utcnow()
    row: dict[str, Any] = {
        "id": new_id(),
        "author_id": me.id,
        "pair_id": pair_ref.id if pair_ref else None,
        "at": dates.to_utc(moment),
        "utc_offset": dates.offset_minutes(moment),
        "mood": check_mood(mood),
        "note": clean_text(note, what="note"),
        "visibility": check_visibility(visibility),
        "created_at": now,
        "updated_at": now,
    }
    win_texts = clean_items(wins, what="win")
    challenge_texts = clean_items(challenges, what="challenge")
    tag_names = clean_tags(tags)
    if not (row["note"] or row["mood"] or win_texts or challenge_texts):
        raise InputError(
            "There is nothing to save yet.",
            hint="Add a --note, --mood, --win or --challenge (or run `peerlog checkin` to be asked).",
        )
    session.execute(insert(t.checkin).values(row))
    added = [(new_id(), text) for text in challenge_texts]
    # A new check-in has no items yet, so they start at position 0 and no tag is there already.
    _add_items(session, row["id"], win_texts, added, tag_names, fresh=True)
    return _view(
        row,
        author=me.name,
        me=me,
        pair=pair_ref.peer if pair_ref else None,
        wins=win_texts,
        challenges=[ChallengeView(cid, text) for cid, text in added],
        tags=tag_names,
    )


def _add_items(
    session: Session,
    checkin_id: str,
    wins: list[str],
    challenges: list[tuple[str, str]],
    tags: list[str],
    *,
    fresh: bool = False,
) -> None:
    """Add wins, challenges (id and text) and tags after the ones a check-in has."""
    if wins:
        start = 0 if fresh else _next_position(session, t.win, checkin_id)
        session.execute(
            insert(t.win),
            [
                {"id": new_id(), "checkin_id": checkin_id, "position": start + i, "text": text}
                for i, text in enumerate(wins)
            ],
        )
    if challenges:
        start = 0 if fresh else _next_position(session, t.challenge, checkin_id)
        session.execute(
            insert(t.challenge),
            [
                {"id": cid, "checkin_id": checkin_id, "position": start + i, "text": text}
                for i, (cid, text) in enumerate(challenges)
            ],
        )
    if tags and not fresh:
        tg = t.checkin_tag
        existing = set(session.execute(select(tg.c.tag).where(tg.c.checkin_id == checkin_id)).scalars())
        tags = [tag for tag in tags if tag not in existing]
    if tags:
        session.execute(insert(t.checkin_tag), [{"checkin_id": checkin_id, "tag": tag} for tag in tags])


def _next_position(session: Session, table: Any, checkin_id: str) -> int:
    positions = session.execute(select(table.c.position).where(table.c.checkin_id == checkin_id)).scalars()
    return max(positions, default=-1) + 1


def _own(session: Session, prefix: str) -> tuple[Any, Me]:
    checkin, me = _visible(session, prefix)
    if checkin.author_id != me.id:
        p = t.person
        author = session.execute(select(p.c.name).where(p.c.id == checkin.author_id)).scalar()
        raise InputError(
            f"This check-in is {author or 'a peer'}'s; only its author can change it.",
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
    changes: dict[str, Any] = {}
    if mood is not None:
        changes["mood"] = check_mood(mood)
    if note is not None:
        changes["note"] = clean_text(note, what="note")
    if visibility is not None:
        changes["visibility"] = check_visibility(visibility)
    if at is not None:
        changes["at"], changes["utc_offset"] = dates.to_utc(at), dates.offset_minutes(at)
    if pair is not None:
        changes["pair_id"] = find_pair(session, me, pair).id if pair else None
        # An entry belongs to one place: moved to a pair (or to just you), it leaves its group.
        changes["group_id"] = None
    wins, challenges = (
        clean_items(add_wins, what="win"),
        clean_items(add_challenges, what="challenge"),
    )
    added_tags, removed_tags = clean_tags(add_tags), clean_tags(remove_tags)
    changes["updated_at"] = utcnow()
    changes["version"] = t.checkin.c.version + 1
    session.execute(update(t.checkin).where(t.checkin.c.id == checkin.id).values(changes))
    del changes["version"]
    if removed_tags:
        tg = t.checkin_tag
        session.execute(delete(tg).where(tg.c.checkin_id == checkin.id, tg.c.tag.in_(removed_tags)))
    _add_items(session, checkin.id, wins, [(new_id(), text) for text in challenges], added_tags)
    return _views(session, [{**checkin._mapping, **changes}], me)[0]


def delete_checkin(session: Session, prefix: str) -> CheckInView:
    checkin, me = _own(session, prefix)
    shown = _views(session, [checkin._mapping], me)[0]
    # Explicit deletes rather than relying on ON DELETE CASCADE, so every backend behaves the same.
    for table in (t.win, t.challenge, t.checkin_tag):
        session.execute(delete(table).where(table.c.checkin_id == checkin.id))
    session.execute(delete(t.checkin).where(t.checkin.c.id == checkin.id))
    return shown


# ---------------------------------------------------------------- reading


def _visible(session: Session, prefix: str) -> tuple[Any, Me]:
    me = load_me(session)
    # Someone else's private entry: behave exactly as if it were not there.
    checkin: Any = find_by_prefix(
        session,
        t.checkin,  # a light table: a row comes back, not a model
        prefix,
        noun="check-in",
        hint=LOOKUP_HINT,
        where=visible_to(t.checkin, me.id),
    )
    return checkin, me


def get_checkin(session: Session, prefix: str) -> CheckInView:
    checkin, me = _visible(session, prefix)
    return _views(session, [checkin._mapping], me)[0]


def list_checkins(
    session: Session,
    *,
    pair: str | None = None,
    group: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    tag: str | None = None,
    limit: int | None = 20,
) -> list[CheckInView]:
    """Check-ins you may see, newest first, with who wrote each and the peer of its pair (or its group)."""
    me = load_me(session)
    c, p, author, peer = t.checkin, t.pair, t.person.alias("author"), t.person.alias("peer")
    peer_id = case((p.c.person_a_id == me.id, p.c.person_b_id), else_=p.c.person_a_id)
    query = (
        select(
            c,
            author.c.name.label("author_name"),
            p.c.id.label("pair_found"),
            peer.c.name.label("peer_name"),
            t.peer_group.c.name.label("group_name"),
        )
        .outerjoin(author, author.c.id == c.c.author_id)
        .outerjoin(p, p.c.id == c.c.pair_id)
        .outerjoin(peer, peer.c.id == peer_id)
        .outerjoin(t.peer_group, t.peer_group.c.id == c.c.group_id)
        .where(visible_to(c, me.id))
    )
    query = in_group(session, query, c, group, pair=pair)
    if pair:
        query = query.where(c.c.pair_id == find_pair(session, me, pair).id)
    if tag:
        tg = t.checkin_tag
        query = query.join(tg, tg.c.checkin_id == c.c.id).where(tg.c.tag == clean_tag(tag))
    query = newest_first(query, c, since=since, until=until, limit=limit)
    rows = [r._mapping for r in session.execute(query)]
    return _views(session, rows, me, named=True)


def _views(
    session: Session, checkins: Sequence[Mapping[Any, Any]], me: Me, *, named: bool = False
) -> list[CheckInView]:
    """Views of check-in rows: their items in three queries, and names unless the rows carry them."""
    if not checkins:
        return []
    ids = [c["id"] for c in checkins]
    w, ch, tg = t.win, t.challenge, t.checkin_tag
    wins: dict[str, list[str]] = defaultdict(list)
    for r in session.execute(
        select(w.c.checkin_id, w.c.text).where(w.c.checkin_id.in_(ids)).order_by(w.c.position)
    ):
        wins[r.checkin_id].append(r.text)
    challenges: dict[str, list[ChallengeView]] = defaultdict(list)
    for r in session.execute(
        select(ch.c.checkin_id, ch.c.id, ch.c.text, ch.c.overcome_at)
        .where(ch.c.checkin_id.in_(ids))
        .order_by(ch.c.position)
    ):
        challenges[r.checkin_id].append(ChallengeView(r.id, r.text, r.overcome_at))
    tags: dict[str, list[str]] = defaultdict(list)
    for r in session.execute(
        select(tg.c.checkin_id, tg.c.tag).where(tg.c.checkin_id.in_(ids)).order_by(tg.c.tag)
    ):
        tags[r.checkin_id].append(r.tag)
    if not named:
        checkins = [{**c, **_names(session, c, me)} for c in checkins]
    return [
        _view(
            c,
            author=c["author_name"],
            me=me,
            # A pair whose peer is missing still shows that it had one.
            pair=(c["peer_name"] or "?") if c["pair_found"] else None,
            group=c["group_name"],
            wins=wins[c["id"]],
            challenges=challenges[c["id"]],
            tags=tags[c["id"]],
        )
        for c in checkins
    ]


def _names(session: Session, checkin: Mapping[str, Any], me: Me) -> dict[str, Any]:
    """Who wrote one check-in, and the peer of its pair (seen from your side)."""
    p, ps = t.pair, t.person
    author = me.name if checkin["author_id"] == me.id else None
    if author is None:
        author = session.execute(select(ps.c.name).where(ps.c.id == checkin["author_id"])).scalar()
    found = None
    if checkin["pair_id"]:
        peer_id = case((p.c.person_a_id == me.id, p.c.person_b_id), else_=p.c.person_a_id)
        found = session.execute(
            select(p.c.id, ps.c.name).outerjoin(ps, ps.c.id == peer_id).where(p.c.id == checkin["pair_id"])
        ).first()
    group = None
    if checkin.get("group_id"):
        g = t.peer_group
        group = session.execute(select(g.c.name).where(g.c.id == checkin["group_id"])).scalar()
    return {
        "author_name": author,
        "pair_found": found.id if found else None,
        "peer_name": found.name if found else None,
        "group_name": group,
    }


def _view(
    c: Mapping[str, Any],
    *,
    author: str | None,
    me: Me,
    pair: str | None,
    wins: list[str],
    challenges: list[ChallengeView],
    tags: list[str],
    group: str | None = None,
) -> CheckInView:
    return CheckInView(
        id=c["id"],
        author=author or "?",
        by_you=c["author_id"] == me.id,
        pair=pair if c["pair_id"] else None,
        at=dates.from_stored(c["at"], c["utc_offset"]),
        mood=c["mood"],
        note=c["note"],
        visibility=c["visibility"],
        wins=wins,
        challenges=challenges,
        tags=tags,
        created_at=c["created_at"],
        updated_at=c["updated_at"],
        group=group if c.get("group_id") else None,
    )
