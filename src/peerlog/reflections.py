"""Reflections: one person's answers to a prompt pack, each kept with the question as it was asked.

The question's text is copied into every answer, so rewording or deleting a pack later never changes what
a past answer meant. Values are stored as text: scales as their number ("4"), `multi` answers as a JSON
list of strings, `confirm` answers as "yes" or "no". A repeating text prompt stores one row per answer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlmodel import Session, col, select

from peerlog import dates
from peerlog import tables as t
from peerlog.checkins import check_visibility, clean_text, mark_edited
from peerlog.errors import InputError
from peerlog.ids import find_by_prefix, short_id
from peerlog.listing import in_group, newest_first
from peerlog.models import PRIVATE, Answer, Pair, Person, Reflection
from peerlog.packs import NO, YES, Given, Pack, Prompt, Value
from peerlog.pairs import peer_id_of, resolve_pair
from peerlog.people import get_self
from peerlog.store.visibility import visible_to

_YES_WORDS = {"yes", "y", "true", "1", "agree", "agreed"}
_NO_WORDS = {"no", "n", "false", "0"}
LOOKUP_HINT = "`peerlog reflections` lists your reflections with their ids."


@dataclass(frozen=True)
class AnswerView:
    prompt_id: str
    prompt_text: str
    kind: str
    value: str

    def typed(self) -> object:
        """The answer as its natural type: a number, a list, yes/no as a bool, or text."""
        return typed_value(self.kind, self.value)

    def shown(self) -> str:
        return shown_value(self.kind, self.value)

    def to_dict(self) -> dict[str, object]:
        return {
            "prompt_id": self.prompt_id,
            "prompt": self.prompt_text,
            "kind": self.kind,
            "value": self.typed(),
        }


@dataclass(frozen=True)
class ReflectionView:
    id: str
    author: str
    by_you: bool
    pair: str | None
    pack_name: str
    pack_title: str
    at: datetime
    visibility: str
    answers: list[AnswerView] = field(default_factory=list)
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
            "pack": self.pack_name,
            "pack_title": self.pack_title,
            "at": self.at.isoformat(),
            "visibility": self.visibility,
            "answers": [a.to_dict() for a in self.answers],
        }


# ---------------------------------------------------------------- values


def stored_values(prompt: Prompt, value: Value) -> list[str]:
    """How an answer is kept in the `answer` table (a list: a repeating prompt keeps one row per answer)."""
    # The prompt's kind decides the answer's shape (`_parse_value` and the questions see to it): a scale
    # answers a number, a multi prompt a list of choices.
    if prompt.kind == "scale":
        return [str(int(cast(int, value)))]
    if prompt.kind == "multi":
        return [json.dumps(list(cast(list[str], value)), ensure_ascii=False)]
    if prompt.kind == "confirm":
        return [YES if value else NO]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def typed_value(kind: str, stored: str) -> object:
    if kind == "scale":
        try:
            return int(stored)
        except ValueError:
            return stored
    if kind == "multi":
        try:
            loaded = json.loads(stored)
        except ValueError:
            return [stored]
        return loaded if isinstance(loaded, list) else [str(loaded)]
    if kind == "confirm":
        return stored == YES
    return stored


def shown_value(kind: str, stored: str) -> str:
    typed = typed_value(kind, stored)
    if kind == "multi" and isinstance(typed, list):
        return ", ".join(str(t) for t in typed)
    if kind == "confirm":
        return "yes" if typed else "no"
    return str(typed)


# ---------------------------------------------------------------- --answer ID=TEXT


def parse_answers(pack: Pack, raw: Sequence[str]) -> list[Given]:
    """Turn `--answer ID=TEXT` options into answers, in the pack's order. Empty answers count as skipped."""
    collected: dict[str, list[str]] = defaultdict(list)
    for item in raw:
        prompt_id, sep, text = item.partition("=")
        prompt_id = prompt_id.strip()
        if not sep or not prompt_id:
            raise InputError(
                f"--answer takes ID=TEXT, and '{item}' has no '='.",
                hint=f"For example: --answer {pack.prompts[0].id}='...'. `peerlog prompts show {pack.name}` lists the ids.",
            )
        prompt = pack.prompt(prompt_id)
        if prompt is None:
            raise InputError(
                f"The pack '{pack.name}' has no prompt '{prompt_id}'.",
                hint=f"Its prompts are: {', '.join(p.id for p in pack.prompts)}.",
            )
        if collected[prompt_id] and not (prompt.repeat or prompt.kind == "multi"):
            raise InputError(f"'{prompt_id}' was answered twice; give each answer once.")
        collected[prompt_id].append(text)
    given = []
    for prompt in pack.prompts:
        texts = [t for t in collected.get(prompt.id, []) if t.strip()]
        if texts:
            given.append(Given(prompt, _parse_value(prompt, texts)))
    return given


def _parse_value(prompt: Prompt, texts: list[str]) -> Value:
    where = f"'{prompt.id}'"
    if prompt.kind == "scale":
        text = texts[0].strip()
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or not prompt.min <= number <= prompt.max:
            raise InputError(
                f"The answer to {where} is a number from {prompt.min} to {prompt.max}; '{text}' isn't one.",
                hint="Leave it out to skip it.",
            )
        return number
    if prompt.kind == "confirm":
        word = texts[0].strip().casefold()
        if word in _YES_WORDS | _NO_WORDS:
            return word in _YES_WORDS
        raise InputError(f"The answer to {where} is yes or no, not '{texts[0]}'.")
    if prompt.kind in ("choice", "multi"):
        picked: list[str] = []
        for text in texts:
            whole = _match_choice(prompt, text)
            parts = [whole] if whole else [_match_choice(prompt, p) for p in text.split(",") if p.strip()]
            if not parts or None in parts:
                raise InputError(
                    f"'{text.strip()}' is not one of the choices for {where}.",
                    hint=f"Choose from: {'; '.join(prompt.choices)}.",
                )
            picked.extend(p for p in parts if p and p not in picked)
        if prompt.kind == "choice":
            if len(picked) > 1:
                raise InputError(f"{where} takes one choice, not {len(picked)}.")
            return picked[0]
        return picked
    cleaned = [clean_text(t, what="answer") for t in texts]
    return cleaned if prompt.repeat else cleaned[0]


def _match_choice(prompt: Prompt, text: str) -> str | None:
    key = text.strip().casefold()
    return next((c for c in prompt.choices if c.casefold() == key), None)


# ---------------------------------------------------------------- writing and reading


def record_reflection(
    session: Session,
    *,
    pack: Pack,
    answers: Sequence[Given],
    pair: str | None = None,
    at: datetime | None = None,
    visibility: str = PRIVATE,
) -> ReflectionView:
    """Save a reflection and all its answers at once (the caller's session commits them together)."""
    if not answers:
        raise InputError("There are no answers to save.")
    me = get_self(session)
    moment = at or dates.local_now()
    reflection = Reflection(
        author_id=me.id,
        pair_id=resolve_pair(session, pair, active_only=True).id if pair else None,
        pack_name=pack.name,
        pack_title=pack.title,
        at=dates.to_utc(moment),
        utc_offset=dates.offset_minutes(moment),
        visibility=check_visibility(visibility),
    )
    rows: list[Answer] = []
    for given in answers:
        for stored in stored_values(given.prompt, given.value):
            if given.prompt.kind in ("text", "long"):
                stored = clean_text(stored, what="answer")
            rows.append(
                Answer(
                    reflection_id=reflection.id,
                    position=len(rows),
                    prompt_id=given.prompt.id,
                    prompt_text=given.prompt.text,
                    kind=given.prompt.kind,
                    value=stored,
                )
            )
    session.add(reflection)
    session.flush()
    session.add_all(rows)
    session.flush()
    return _views(session, [reflection], me)[0]


def get_reflection(session: Session, prefix: str) -> ReflectionView:
    me = get_self(session)
    # Someone else's private entry: behave exactly as if it were not there.
    reflection = find_by_prefix(
        session,
        Reflection,
        prefix,
        noun="reflection",
        hint=LOOKUP_HINT,
        where=visible_to(Reflection, me.id),
    )
    return _views(session, [reflection], me)[0]


def list_reflections(
    session: Session,
    *,
    pair: str | None = None,
    group: str | None = None,
    pack: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 20,
) -> list[ReflectionView]:
    """Your reflections and the shared ones of your peers (or of a group's members), newest first."""
    me = get_self(session)
    query = select(Reflection).where(visible_to(Reflection, me.id))
    query = in_group(session, query, t.reflection, group, pair=pair)
    if pair:
        query = query.where(Reflection.pair_id == resolve_pair(session, pair).id)
    if pack:
        query = query.where(Reflection.pack_name == pack.strip().lower())
    query = newest_first(query, t.reflection, since=since, until=until, limit=limit)
    return _views(session, list(session.exec(query).all()), me)


def _views(session: Session, reflections: list[Reflection], me: Person) -> list[ReflectionView]:
    if not reflections:
        return []
    ids = [r.id for r in reflections]
    answers: dict[str, list[AnswerView]] = defaultdict(list)
    for a in session.exec(
        select(Answer).where(col(Answer.reflection_id).in_(ids)).order_by(col(Answer.position))
    ):
        answers[a.reflection_id].append(AnswerView(a.prompt_id, a.prompt_text, a.kind, a.value))
    authors = {
        p.id: p.name
        for p in session.exec(select(Person).where(col(Person.id).in_({r.author_id for r in reflections})))
    }
    pair_names: dict[str, str] = {}
    pair_ids = {r.pair_id for r in reflections if r.pair_id}
    if pair_ids:
        pairs = list(session.exec(select(Pair).where(col(Pair.id).in_(pair_ids))))
        peers = {p.id: peer_id_of(p, me.id) for p in pairs}
        names = {
            p.id: p.name for p in session.exec(select(Person).where(col(Person.id).in_(set(peers.values()))))
        }
        pair_names = {pair_id: names.get(peer, "?") for pair_id, peer in peers.items()}
    group_ids = {r.group_id for r in reflections if r.group_id}
    group_names: dict[str, str] = {}
    if group_ids:
        g = t.peer_group
        group_names = {
            r.id: r.name for r in session.execute(select(g.c.id, g.c.name).where(g.c.id.in_(group_ids)))
        }
    return [
        ReflectionView(
            id=r.id,
            author=authors.get(r.author_id, "?"),
            by_you=r.author_id == me.id,
            pair=pair_names.get(r.pair_id) if r.pair_id else None,
            pack_name=r.pack_name,
            pack_title=r.pack_title,
            at=dates.from_stored(r.at, r.utc_offset),
            visibility=r.visibility,
            answers=answers[r.id],
            group=group_names.get(r.group_id, "?") if r.group_id else None,
        )
        for r in reflections
    ]


# ---------------------------------------------------------------- changing what you wrote


def _own(session: Session, prefix: str) -> tuple[Reflection, Person]:
    me = get_self(session)
    found = find_by_prefix(
        session, Reflection, prefix, noun="reflection", hint=LOOKUP_HINT, where=visible_to(Reflection, me.id)
    )
    if found.author_id != me.id:
        author = session.get(Person, found.author_id)
        raise InputError(
            f"This reflection is {author.name if author else 'a peer'}'s; only its author can change it."
        )
    return found, me


def reflection_pack_name(session: Session, prefix: str) -> str:
    """The pack one of your reflections answered, to read new answers against its questions."""
    return _own(session, prefix)[0].pack_name


def _answer_rows(reflection_id: str, given: Given) -> list[Answer]:
    rows = []
    for stored in stored_values(given.prompt, given.value):
        if given.prompt.kind in ("text", "long"):
            stored = clean_text(stored, what="answer")
        rows.append(
            Answer(
                reflection_id=reflection_id,
                prompt_id=given.prompt.id,
                prompt_text=given.prompt.text,
                kind=given.prompt.kind,
                value=stored,
            )
        )
    return rows


def _replace_answers(session: Session, reflection: Reflection, answers: Sequence[Given]) -> None:
    """New answers take the place of the old ones to the same question; questions first answered now go last."""
    old = list(
        session.exec(
            select(Answer).where(Answer.reflection_id == reflection.id).order_by(col(Answer.position))
        )
    )
    new = {g.prompt.id: _answer_rows(reflection.id, g) for g in answers}
    groups: dict[str, list[Answer]] = {}
    for row in old:
        groups.setdefault(row.prompt_id, []).append(row)
    kept: list[Answer] = []
    for prompt_id, rows in groups.items():
        kept += new.pop(prompt_id) if prompt_id in new else [_copy(r) for r in rows]
    for rows in new.values():
        kept += rows
    for row in old:
        session.delete(row)
    session.flush()
    for position, row in enumerate(kept):
        row.position = position
    session.add_all(kept)
    session.flush()


def _copy(row: Answer) -> Answer:
    return Answer(
        id=row.id,
        reflection_id=row.reflection_id,
        prompt_id=row.prompt_id,
        prompt_text=row.prompt_text,
        kind=row.kind,
        value=row.value,
    )


def update_reflection(
    session: Session,
    prefix: str,
    *,
    answers: Sequence[Given] = (),
    visibility: str | None = None,
    at: datetime | None = None,
) -> ReflectionView:
    """Change your reflection's answers, who may see it, or when it was. Bumps its version, as merges
    compare versions."""
    found, me = _own(session, prefix)
    if answers:
        _replace_answers(session, found, answers)
    mark_edited(found, visibility=visibility, at=at)
    session.add(found)
    session.flush()
    return _views(session, [found], me)[0]


def delete_reflection(session: Session, prefix: str) -> ReflectionView:
    found, me = _own(session, prefix)
    shown = _views(session, [found], me)[0]
    # Explicit deletes rather than relying on ON DELETE CASCADE, so every backend behaves the same.
    for answer in session.exec(select(Answer).where(Answer.reflection_id == found.id)).all():
        session.delete(answer)
    session.flush()
    session.delete(found)
    session.flush()
    return shown


#: The parts of entries whose ids peerlog prints (in JSON, in `show`), with the entry each belongs to.
_PARTS = (
    ("win", "check-in", "checkin"),
    ("challenge", "check-in", "checkin"),
    ("answer", "reflection", "reflection"),
)


def entry_of_part(session: Session, prefix: str) -> tuple[str, str, str] | None:
    """The entry a win's, a challenge's or an answer's id belongs to: (what the id is, the entry's kind,
    the entry's id), or None when no part you may see has such an id (an ambiguous prefix raises)."""
    from sqlalchemy import select as rows_of

    from peerlog.errors import NotFoundError

    me = get_self(session)
    found: list[tuple[str, str, str]] = []
    for part, entry_kind, entry_table in _PARTS:
        table = getattr(t, part)
        entry = getattr(t, entry_table)
        link = table.c.checkin_id if entry_table == "checkin" else table.c.reflection_id
        # Only parts of entries you may see: another person's private entry has no parts to find.
        yours = link.in_(rows_of(entry.c.id).where(visible_to(entry, me.id)))
        try:
            row = find_by_prefix(session, table, prefix, noun=part, hint="", where=yours)
        except NotFoundError:
            continue
        found.append((part, entry_kind, getattr(row, link.name)))
    if len(found) > 1:
        from peerlog.errors import AmbiguousError

        raise AmbiguousError(
            f"'{prefix}' starts more than one id: {', '.join(kind for kind, _, _ in found)}.",
            candidates=[entry_id for _, _, entry_id in found],
            hint="Type more of the id.",
        )
    return found[0] if found else None
