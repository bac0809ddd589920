"""Moving entries in and out of a journal: reading it into a document, and merging a document into it.

Merging is by UUID, inside the caller's single transaction:
- an entry the journal does not have is added, with its wins, challenges, tags or answers;
- an entry it has is replaced only when the file's copy has a higher `version` (its author changed it
  since), children included; equal versions change nothing, whatever the two machines' clocks said;
- nothing is ever deleted, and no entry changes author, so importing the same file twice adds nothing.

Whose file it is is decided first and arrives here as an `Origin`: a peer's share bundle
(`sharing.resolve_origin`) can only add and update that peer's own shared entries in one pair; only your own
export, restored on purpose (`restoring`), may bring people, pairs, links and your own entries.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from peerlog import dates
from peerlog.errors import InputError
from peerlog.ids import short_id
from peerlog.importers.jrnl import JrnlImport
from peerlog.interchange import (
    KIND_EXPORT,
    AnswerRecord,
    ChallengeRecord,
    CheckInRecord,
    FeedbackRecord,
    GroupMemberRecord,
    GroupRecord,
    GroupSessionRecord,
    JournalDocument,
    LinkRecord,
    PairRecord,
    PersonRecord,
    ReflectionRecord,
    Scope,
    WinRecord,
)
from peerlog.models import (
    SHARED,
    Answer,
    Challenge,
    CheckIn,
    CheckInTag,
    Feedback,
    Group,
    GroupAttendance,
    GroupMember,
    GroupSession,
    Link,
    Pair,
    Person,
    Reflection,
    Win,
    table_of,
)
from peerlog.pairs import ordered, resolve_pair
from peerlog.people import get_self, name_key
from peerlog.store.visibility import visible_to

# Well under every backend's limit on bound parameters in one statement.
CHUNK = 500
Row = TypeVar("Row", bound=SQLModel)
R = TypeVar("R")
#: The entries a file can add or replace: each has an author and a version.
Entry = TypeVar("Entry", CheckIn, Reflection, Feedback, GroupSession)


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# ---------------------------------------------------------------- reading a journal into a document


def person_record(p: Person, *, named: bool = True, key: bool = False) -> PersonRecord:
    return PersonRecord(
        id=p.id,
        name=p.name if named else None,
        is_self=p.is_self,
        created_at=p.created_at,
        updated_at=p.updated_at,
        version=p.version,
        public_key=p.public_key if key else None,
    )


def pair_record(p: Pair, *, agreement: bool = True) -> PairRecord:
    return PairRecord(
        id=p.id,
        person_a_id=p.person_a_id,
        person_b_id=p.person_b_id,
        agreement=p.agreement if agreement else None,
        started_at=p.started_at,
        ended_at=p.ended_at,
        created_at=p.created_at,
        updated_at=p.updated_at,
        version=p.version,
    )


class _Batched:
    """Entries read from the journal a batch at a time, each time they are iterated.

    A whole journal never has to sit in memory: an export of a million check-ins streams. The entries come
    oldest first by (`at`, id), the order the JSON format promises; `newest_first()` reads them the other way
    (for Markdown, newest week first), `ends()` finds the first and last moments and `len()` counts them,
    each with one query.
    """

    def __init__(
        self,
        produce: Callable[[bool], Iterator[Any]],
        count: Callable[[], int],
        ends: Callable[[], tuple[datetime | None, datetime | None]],
    ) -> None:
        self._produce, self._count, self._ends = produce, count, ends

    def __iter__(self) -> Iterator[Any]:
        return self._produce(False)

    def newest_first(self) -> Iterator[Any]:
        return self._produce(True)

    def ends(self) -> tuple[datetime | None, datetime | None]:
        return self._ends()

    def __len__(self) -> int:
        return self._count()


def _children(session: Session, model: Any, parent: str, ids: list[str]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    column = getattr(model, parent)
    order = [col(model.position), col(model.id)] if hasattr(model, "position") else [col(model.tag)]
    for row in session.connection().execute(select(model).where(col(column).in_(ids)).order_by(*order)):
        groups[getattr(row, parent)].append(row)
    return groups


def _batches(session: Session, model: Any, conditions: list[Any], newest_first: bool) -> Iterator[list[Any]]:
    order = [col(model.at).desc(), col(model.id).desc()] if newest_first else [col(model.at), col(model.id)]
    query = select(model).where(*conditions).order_by(*order)
    # Plain rows through the connection, never ORM objects in the session: nothing is kept once written.
    result = session.connection().execute(query.execution_options(yield_per=CHUNK))
    for partition in result.partitions(CHUNK):
        yield list(partition)


def _batched(
    session: Session, model: Any, conditions: list[Any], build: Callable[[list[Any]], Iterable[Any]]
) -> _Batched:
    def produce(newest_first: bool) -> Iterator[Any]:
        for batch in _batches(session, model, conditions, newest_first):
            yield from build(batch)

    def count() -> int:
        return int(session.exec(select(func.count()).select_from(model).where(*conditions)).one())

    def ends() -> tuple[datetime | None, datetime | None]:
        # As min() and max() over the entries oldest first would give them: the first of equal moments.
        moments = []
        for order in ([col(model.at), col(model.id)], [col(model.at).desc(), col(model.id)]):
            query = select(model.at, model.utc_offset).where(*conditions).order_by(*order).limit(1)
            row = session.connection().execute(query).first()
            moments.append(dates.from_stored(row.at, row.utc_offset) if row else None)
        return moments[0], moments[1]

    return _Batched(produce, count, ends)


#: Record fields that are not a column of the entry's own row: the moment (stored in UTC with its offset)
#: and the children. Every other field of a record is the column of the same name, so a new column travels
#: once it is in the model and its record.
_NOT_COLUMNS = frozenset({"at", "wins", "challenges", "tags", "answers", "members", "attendance"})


_COLUMNS: dict[type[Any], tuple[str, ...]] = {}
_MOMENTS: dict[type[Any], bool] = {}


def _columns(record_type: type[Any]) -> tuple[str, ...]:
    if record_type not in _COLUMNS:
        fields = [f.name for f in dataclasses.fields(record_type)]
        _COLUMNS[record_type] = tuple(name for name in fields if name not in _NOT_COLUMNS)
        _MOMENTS[record_type] = "at" in fields
    return _COLUMNS[record_type]


def _record(record_type: type[R], row: Any, **rest: Any) -> R:
    """A record from a journal row: its columns by name, its moment as its author wrote it, and `rest`."""
    values = {name: getattr(row, name) for name in _columns(record_type) if name not in rest}
    # Decided by the record, not by asking the row: a missing attribute on a SQLAlchemy row costs a raised
    # and caught error, once for every win, challenge and answer of an export.
    if "at" not in rest and _MOMENTS[record_type]:
        rest["at"] = dates.from_stored(row.at, row.utc_offset)
    return record_type(**values, **rest)


def _row_values(record: Any, **rest: Any) -> dict[str, Any]:
    """A record as the columns of its row, `rest` (its local ids) in place of the file's."""
    values = {name: getattr(record, name) for name in _columns(type(record))}
    if hasattr(record, "at") and "at" not in _columns(type(record)):
        values.update(_when(record.at))
    return {**values, **rest}


def _checkin_records(session: Session, rows: list[Any]) -> Iterator[CheckInRecord]:
    ids = [r.id for r in rows]
    wins = _children(session, Win, "checkin_id", ids)
    challenges = _children(session, Challenge, "checkin_id", ids)
    tags = _children(session, CheckInTag, "checkin_id", ids)
    for c in rows:
        yield _record(
            CheckInRecord,
            c,
            wins=tuple(_record(WinRecord, w) for w in wins[c.id]),
            challenges=tuple(_record(ChallengeRecord, ch) for ch in challenges[c.id]),
            tags=tuple(t.tag for t in tags[c.id]),
        )


def _reflection_records(session: Session, rows: list[Any]) -> Iterator[ReflectionRecord]:
    answers = _children(session, Answer, "reflection_id", [r.id for r in rows])
    for r in rows:
        yield _record(ReflectionRecord, r, answers=tuple(_record(AnswerRecord, a) for a in answers[r.id]))


def _feedback_records(rows: list[Any]) -> Iterator[FeedbackRecord]:
    for f in rows:
        yield _record(FeedbackRecord, f)


def entry_records(session: Session, model: type[Entry], rows: list[Any]) -> Iterator[Any]:
    """The records of one batch of plain rows from an entry table, their children read in one query each."""
    if model is CheckIn:
        return _checkin_records(session, rows)
    if model is Reflection:
        return _reflection_records(session, rows)
    return _feedback_records(rows)


def _referenced(session: Session, conditions: dict[Any, list[Any]]) -> tuple[set[str], set[str], set[str]]:
    """The people, pairs and groups the chosen entries name, found without reading the entries themselves."""
    people: set[str] = set()
    pairs: set[str] = set()
    groups: set[str] = set()
    for model, where in conditions.items():
        columns = [model.author_id, model.pair_id, model.group_id]
        columns += [model.recipient_id] if model is Feedback else []
        for column in columns:
            found = session.exec(select(column).where(*where).distinct())
            into = pairs if column is model.pair_id else groups if column is model.group_id else people
            into.update(v for v in found if v)
    return people, pairs, groups


def group_record(g: Group, members: Iterable[GroupMember], *, agreement: bool = True) -> GroupRecord:
    """A group with its members' stretches, oldest first."""
    stretches = sorted(members, key=lambda m: (dates.from_stored(m.joined_at, 0), m.person_id))
    return _record(
        GroupRecord,
        g,
        agreement=g.agreement if agreement else None,
        members=tuple(GroupMemberRecord(m.person_id, m.joined_at, m.left_at) for m in stretches),
    )


def group_records(session: Session, group_ids: Sequence[str] | None, *, agreement: bool) -> list[GroupRecord]:
    """The groups with these ids (every group for None), members included."""
    rows = list(session.exec(select(Group))) if group_ids is None else _rows_by_id(session, Group, group_ids)
    members: dict[str, list[GroupMember]] = defaultdict(list)
    for m in _rows_by_id(session, GroupMember, [g.id for g in rows], key="group_id"):
        members[m.group_id].append(m)
    return [group_record(g, members[g.id], agreement=agreement) for g in rows]


def group_session_records(session: Session, conditions: list[Any]) -> list[GroupSessionRecord]:
    """The group sessions `conditions` choose, with who came to each."""
    rows = list(session.exec(select(GroupSession).where(*conditions)))
    came: dict[str, list[str]] = defaultdict(list)
    for a in _rows_by_id(session, GroupAttendance, [r.id for r in rows], key="session_id"):
        came[a.session_id].append(a.person_id)
    return [_record(GroupSessionRecord, r, attendance=tuple(sorted(came[r.id]))) for r in rows]


def collect(
    session: Session,
    *,
    pair: str | None = None,
    pair_id: str | None = None,
    group: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    include_private: bool = False,
    kind: str = KIND_EXPORT,
    only_mine: bool = False,
    changed_since: datetime | None = None,
) -> JournalDocument:
    """The entries an export may hold, as a document read lazily: use it while `session` is open.

    `pair` is a peer's name as people type it; `pair_id` an already resolved pair; `group` a group's name
    (the group's story: its entries and sessions, never together with a pair).
    Shared entries only unless `include_private`; even then, another person's private entries never leave.
    `only_mine` and `changed_since` are for share bundles: your own entries, edited since a moment.

    Beyond entries a file carries only what its reader needs. A whole export with private entries (the
    source of `peerlog restore`) holds every person, pair, group, group session and link. Any other export
    names only you and the people, pairs and groups its entries (or its `pair` or `group`) refer to, without
    pair agreements or links; a group comes with its members, and a group's story with its agreement, its
    sessions and its members' identity codes (public, and what lets a member's journal match them). A share
    bundle also leaves out your own name for your peer: they know what they are called.
    """
    from peerlog.groups import resolve_group

    me = get_self(session)
    if group is not None and (pair is not None or pair_id is not None):
        raise InputError(
            "Choose --pair or --group: an export tells one pair's story or one group's, not both at once."
        )
    pair_row = session.get(Pair, pair_id) if pair_id else resolve_pair(session, pair) if pair else None
    group_row = resolve_group(session, group) if group is not None else None

    def where(model: Any) -> list[Any]:
        # Exports: yours and shared, or shared only; bundles (`only_mine`): your own shared entries.
        conditions = [visible_to(model, me.id, include_private=include_private, only_mine=only_mine)]
        if pair_row is not None:
            conditions.append(col(model.pair_id) == pair_row.id)
        if group_row is not None:
            conditions.append(col(model.group_id) == group_row.id)
        if since is not None:
            conditions.append(col(model.at) >= dates.to_utc(since))
        if until is not None:
            conditions.append(col(model.at) <= dates.to_utc(until))
        if changed_since is not None:
            conditions.append(col(model.updated_at) >= changed_since)
        return conditions

    conditions = {model: where(model) for model in (CheckIn, Reflection, Feedback)}
    for_yourself = kind == KIND_EXPORT and include_private
    whole = pair_row is None and group_row is None
    # A group's sessions belong to its story and to a whole export, never to a pair's or a bundle's.
    sessions: list[GroupSessionRecord] = []
    if kind == KIND_EXPORT and pair_row is None:
        sessions = _sessions_in(session, where(GroupSession), conditions[Reflection])
    if for_yourself and whole:
        # People, pairs and groups are few; a whole export carries all of them, so a new machine has them.
        pair_rows = list(session.exec(select(Pair)))
        people_rows = list(session.exec(select(Person)))
        groups = group_records(session, None, agreement=True)
    else:
        people_ids, pair_ids, group_ids = _referenced(session, conditions)
        pair_ids |= {pair_row.id} if pair_row is not None else set()
        group_ids |= {group_row.id} if group_row is not None else set()
        group_ids |= {s.group_id for s in sessions}
        pair_rows = _rows_by_id(session, Pair, sorted(pair_ids))
        groups = group_records(session, sorted(group_ids), agreement=for_yourself or group_row is not None)
        people_ids |= {me.id, *(p.person_a_id for p in pair_rows), *(p.person_b_id for p in pair_rows)}
        people_ids |= {m.person_id for g in groups for m in g.members}
        people_ids |= {p for s in sessions for p in (s.author_id, s.facilitator_id, *s.attendance) if p}
        people_rows = _rows_by_id(session, Person, sorted(people_ids))
    included = {p.id for p in people_rows} | {p.id for p in pair_rows} | {g.id for g in groups}
    keys = for_yourself or (group_row is not None and kind == KIND_EXPORT)
    links: list[LinkRecord] = []
    if for_yourself:
        links = [
            LinkRecord(ln.foreign_id, ln.kind, ln.local_id, ln.created_at)
            for ln in session.exec(select(Link))
            if ln.local_id in included
        ]
    return JournalDocument(
        kind=kind,
        include_private=include_private,
        self_id=me.id,
        scope=Scope(
            pair_id=pair_row.id if pair_row else None,
            since=since or changed_since,
            until=until,
            group_id=group_row.id if group_row else None,
        ),
        people=tuple(
            person_record(p, named=kind == KIND_EXPORT or p.id == me.id, key=keys) for p in people_rows
        ),
        pairs=tuple(pair_record(p, agreement=for_yourself) for p in pair_rows),
        checkins=_batched(
            session, CheckIn, conditions[CheckIn], lambda rows: _checkin_records(session, rows)
        ),
        reflections=_batched(
            session, Reflection, conditions[Reflection], lambda rows: _reflection_records(session, rows)
        ),
        feedback=_batched(session, Feedback, conditions[Feedback], _feedback_records),
        links=tuple(links),
        groups=tuple(groups),
        group_sessions=tuple(sessions),
    )


def _sessions_in(session: Session, visible: list[Any], rounds: list[Any]) -> list[GroupSessionRecord]:
    """The sessions an export holds (`visible`: the entries' own rule of who may see what, the period, and
    the group of a group's story); a session keeps its round's id only if that round is in the file too, so a
    shared session never points at a private round."""
    found = group_session_records(session, visible)
    round_ids = sorted({s.round_id for s in found if s.round_id})
    kept = set(session.exec(select(Reflection.id).where(col(Reflection.id).in_(round_ids), *rounds)))
    return [
        s if s.round_id in kept or s.round_id is None else dataclasses.replace(s, round_id=None)
        for s in found
    ]


def _rows_by_id(session: Session, model: type[Row], ids: Sequence[str], key: str = "id") -> list[Row]:
    rows: list[Row] = []
    column = getattr(model, key)
    # One statement whatever the ids: a new `in_(list)` per chunk would leave a cached copy of each list
    # behind in SQLAlchemy's statement cache, and memory would grow with a change set's size.
    query = select(model).where(col(column).in_(bindparam("ids", expanding=True)))
    for chunk in _chunks(ids):
        rows.extend(session.exec(query, params={"ids": list(chunk)}))
    return rows


def _existing(session: Session, model: type[Row], ids: Sequence[str], key: str = "id") -> dict[str, Row]:
    return {getattr(row, key): row for row in _rows_by_id(session, model, ids, key)}


# ---------------------------------------------------------------- merging a document into a journal


@dataclass(frozen=True)
class Origin:
    """Whose file is being imported, and how its ids map onto this journal's."""

    #: Your own export, being restored: its people, pairs, links and entries may all come in.
    mine: bool
    #: An empty journal takes the file's "you" as its own (moving to a new machine).
    adopt: bool = False
    #: The id of an empty journal's own "you", replaced by the file's when adopting after `peerlog init`.
    replaces: str | None = None
    person_map: dict[str, str] = field(default_factory=dict)
    pair_map: dict[str, str] = field(default_factory=dict)
    #: The file's groups as this journal's (a group's story, or a group's change set).
    group_map: dict[str, str] = field(default_factory=dict)
    sender_id: str | None = None
    sender_name: str | None = None
    #: (foreign id, kind, local id) links to remember, made when a peer's first bundle arrives.
    new_links: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Replacement:
    """Something already in the journal that the file's newer copy replaces."""

    #: "check-in", "reflection", "feedback", "person", "pair", "group" or "group session".
    kind: str
    #: An entry's or session's short id, a person's name as it is and as it would be, a pair's peer, a
    #: group's name.
    label: str
    #: An entry you wrote, or you yourself; otherwise `whose` names the person the entry is by.
    yours: bool
    whose: str | None = None


@dataclass
class ImportResult:
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: int = 0
    #: Entries a file may not change here: private ones from a peer, or ones another person wrote.
    skipped: int = 0
    #: jrnl entries with no text at all.
    empty: int = 0
    wins_added: int = 0
    sender: str | None = None
    linked: bool = False
    replaced: list[Replacement] = field(default_factory=list)
    #: The peer's entries taken away here because a change set said they removed them (deleted, made
    #: private, or moved to another pair), by noun as in `added`.
    removed: Counter[str] = field(default_factory=Counter)
    #: A group's story or change set: the group, as your journal names it, and how many of the sender's
    #: entries were dated after they had left it (not taken into the group).
    group: str | None = None
    after_leaving: int = 0

    @property
    def changed(self) -> bool:
        return bool(sum(self.added.values()) or sum(self.updated.values()) or sum(self.removed.values()))

    def to_dict(self) -> dict[str, object]:
        # Only a group's story or change set can bring entries dated after their sender left.
        group = {"after_leaving": self.after_leaving} if self.group is not None else {}
        return {
            "added": dict(self.added),
            "updated": dict(self.updated),
            "removed": dict(self.removed),
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "empty": self.empty,
            "wins_added": self.wins_added,
            "from": self.sender,
            "linked_now": self.linked,
            **group,
        }


@dataclass(frozen=True)
class _Incoming:
    record: Any
    columns: dict[str, Any]
    children: dict[type[SQLModel], list[dict[str, Any]]]


def _merge_entries(
    session: Session,
    model: type[Entry],
    incoming: list[_Incoming],
    noun: str,
    result: ImportResult,
    *,
    names: Callable[[str], tuple[bool, str]] | None = None,
) -> list[_Incoming]:
    """Add new entries and replace older versions; returns the ones added.

    `names` tells, for a local person id, whether it is you and what they are called; only with it are
    replaced entries listed in `replaced` (a restore shows them; a change set of any size keeps no list).
    """
    session.flush()
    existing = _existing(session, model, [item.record.id for item in incoming])
    added: list[_Incoming] = []
    replaced: list[_Incoming] = []
    for item in incoming:
        row = existing.get(item.record.id)
        if row is None:
            added.append(item)
            result.added[noun] += 1
        elif row.author_id != item.columns["author_id"]:
            result.skipped += 1  # never let a file change who wrote an entry
        elif item.record.version > row.version:
            for name, value in item.columns.items():
                if name not in ("id", "created_at"):
                    setattr(row, name, value)
            session.add(row)
            replaced.append(item)
            result.updated[noun] += 1
            if names is not None:
                yours, whose = names(row.author_id)
                result.replaced.append(Replacement(noun, short_id(row.id), yours, None if yours else whose))
        else:
            result.unchanged += 1
    session.flush()
    connection = session.connection()
    child_models = {m for item in incoming for m in item.children}
    replaced_ids = [item.record.id for item in replaced]
    for child in child_models:
        parent = next(c for c in table_of(child).c if c.foreign_keys)
        for chunk in _chunks(replaced_ids):
            connection.execute(delete(child).where(parent.in_(chunk)))
    new_rows = [item.columns for item in added]
    for chunk in _chunks(new_rows):
        connection.execute(insert(model), list(chunk))
    for child in child_models:
        rows = [row for item in (*added, *replaced) for row in item.children.get(child, [])]
        for chunk in _chunks(rows):
            connection.execute(insert(child), list(chunk))
    return added


def _when(moment: datetime) -> dict[str, Any]:
    return {"at": dates.to_utc(moment), "utc_offset": dates.offset_minutes(moment)}


def _checkin_incoming(
    c: CheckInRecord, author_id: str, pair_id: str | None, group_id: str | None = None
) -> _Incoming:
    return _Incoming(
        record=c,
        columns=_row_values(c, author_id=author_id, pair_id=pair_id, group_id=group_id),
        children={
            Win: [_row_values(w, checkin_id=c.id) for w in c.wins],
            Challenge: [_row_values(ch, checkin_id=c.id) for ch in c.challenges],
            CheckInTag: [{"checkin_id": c.id, "tag": t} for t in c.tags],
        },
    )


def _reflection_incoming(
    r: ReflectionRecord, author_id: str, pair_id: str | None, group_id: str | None
) -> _Incoming:
    return _Incoming(
        record=r,
        columns=_row_values(r, author_id=author_id, pair_id=pair_id, group_id=group_id),
        children={Answer: [_row_values(a, reflection_id=r.id) for a in r.answers]},
    )


def _feedback_incoming(
    f: FeedbackRecord, author_id: str, recipient_id: str, pair_id: str | None, group_id: str | None
) -> _Incoming:
    return _Incoming(
        record=f,
        columns=_row_values(
            f, author_id=author_id, recipient_id=recipient_id, pair_id=pair_id, group_id=group_id
        ),
        children={},
    )


def _session_incoming(s: GroupSessionRecord, people: Mapping[str, str], group_id: str) -> _Incoming:
    facilitator = people.get(s.facilitator_id) if s.facilitator_id else None
    came = sorted({people[p] for p in s.attendance if p in people})
    return _Incoming(
        record=s,
        columns=_row_values(s, group_id=group_id, author_id=people[s.author_id], facilitator_id=facilitator),
        children={GroupAttendance: [{"session_id": s.id, "person_id": p} for p in came]},
    )


def _free_key(session: Session, code: str | None, person_id: str) -> str | None:
    """`code`, unless someone else here already holds it (a key is one person's)."""
    if code is None:
        return None
    holder = session.exec(select(Person.id).where(Person.public_key == code)).first()
    return code if holder in (None, person_id) else None


def _merge_people(
    session: Session, doc: JournalDocument, *, adopt: bool, result: ImportResult
) -> dict[str, str]:
    existing = _existing(session, Person, [p.id for p in doc.people])
    for p in doc.people:
        row = existing.get(p.id)
        name = p.name or "someone"  # only a share bundle leaves a name out, and it never comes this way
        key = _free_key(session, p.public_key, p.id)
        if row is None:
            session.add(
                Person(
                    **_row_values(
                        p,
                        name=name,
                        name_key=name_key(name),
                        is_self=adopt and p.id == doc.self_id,
                        public_key=key,
                    )
                )
            )
            result.added["person"] += 1
            continue
        newer = p.version > row.version
        if key is not None and not row.is_self and (row.public_key is None or newer):
            row.public_key = key  # a peer's key comes back with your export; your own stays this machine's
            session.add(row)
        if newer:
            result.replaced.append(Replacement("person", f"{row.name} → {name}", row.is_self))
            row.name, row.name_key, row.updated_at, row.version = (
                name,
                name_key(name),
                p.updated_at,
                p.version,
            )
            session.add(row)
            result.updated["person"] += 1
    session.flush()
    return {p.id: p.id for p in doc.people}


def _merge_pairs(
    session: Session, doc: JournalDocument, people: dict[str, str], result: ImportResult
) -> dict[str, str]:
    existing = _existing(session, Pair, [p.id for p in doc.pairs])
    mapping: dict[str, str] = {}
    for p in doc.pairs:
        a, b = ordered(people[p.person_a_id], people[p.person_b_id])
        row = existing.get(p.id)
        if row is None:
            # The same two people may already be a pair under another id: one pair per two people.
            same = session.exec(select(Pair).where(Pair.person_a_id == a, Pair.person_b_id == b)).first()
            if same is not None:
                mapping[p.id] = same.id
                continue
            row = Pair(**_row_values(p, person_a_id=a, person_b_id=b))
            session.add(row)
            result.added["pair"] += 1
        elif p.version > row.version:
            result.replaced.append(Replacement("pair", doc.name_of(p.other(doc.self_id)), True))
            for column, value in _row_values(p).items():
                if column not in ("id", "person_a_id", "person_b_id", "created_at"):
                    setattr(row, column, value)
            session.add(row)
            result.updated["pair"] += 1
        mapping[p.id] = row.id
    session.flush()
    return mapping


def _stretches(g: GroupRecord, group_id: str, people: Mapping[str, str]) -> list[GroupMember]:
    return [
        GroupMember(
            group_id=group_id, person_id=people[m.person_id], joined_at=m.joined_at, left_at=m.left_at
        )
        for m in g.members
    ]


def _merge_groups(
    session: Session, doc: JournalDocument, people: Mapping[str, str], result: ImportResult
) -> dict[str, str]:
    """Your own groups from your export: added when missing (a group of the same name here is the same
    group), replaced with their members when the file's version is higher; joining, leaving, renaming and
    ending each count a version, so the newer copy holds the newer membership."""
    existing = _existing(session, Group, [g.id for g in doc.groups])
    mapping: dict[str, str] = {}
    for g in doc.groups:
        row = existing.get(g.id)
        if row is None:
            same = session.exec(select(Group).where(Group.name_key == name_key(g.name))).first()
            if same is not None:
                mapping[g.id] = same.id
                continue
            session.add(Group(**_row_values(g, name_key=name_key(g.name))))
            session.flush()
            session.add_all(_stretches(g, g.id, people))
            result.added["group"] += 1
        elif g.version > row.version:
            result.replaced.append(Replacement("group", row.name, True))
            for column, value in _row_values(g, name_key=name_key(g.name)).items():
                if column not in ("id", "created_at"):
                    setattr(row, column, value)
            session.add(row)
            session.exec(delete(GroupMember).where(col(GroupMember.group_id) == row.id))
            session.add_all(_stretches(g, row.id, people))
            result.updated["group"] += 1
        mapping[g.id] = g.id
    session.flush()
    return mapping


def merge_group_sessions(
    session: Session,
    records: Iterable[GroupSessionRecord],
    result: ImportResult,
    *,
    people: Mapping[str, str],
    groups: Mapping[str, str],
    names: Callable[[str], tuple[bool, str]] | None = None,
) -> None:
    """Merge group sessions already accepted, as entries are merged: by id and version, who came included."""
    incoming = [_session_incoming(s, people, groups[s.group_id]) for s in records]
    _merge_entries(session, GroupSession, incoming, "group session", result, names=names)


def _merge_links(session: Session, doc: JournalDocument, local: dict[str, str]) -> None:
    existing = _existing(session, Link, [ln.foreign_id for ln in doc.links], "foreign_id")
    for ln in doc.links:
        if ln.foreign_id not in existing:
            session.add(
                Link(
                    foreign_id=ln.foreign_id,
                    kind=ln.kind,
                    local_id=local.get(ln.local_id, ln.local_id),
                    created_at=ln.created_at,
                )
            )


def accepts(origin: Origin, record: Any) -> bool:
    """Whether a file from `origin` may bring `record` (an entry) into this journal.

    Your own export brings anything. A peer's file brings only that peer's own shared entries (and group
    sessions) in your pair or a group you share with them (feedback only to someone the file's people map
    to); nothing else, whatever it says.
    """
    if origin.mine:
        return True
    people = origin.person_map
    place = origin.pair_map.get(record.pair_id) if getattr(record, "pair_id", None) else None
    if place is None and record.group_id:
        place = origin.group_map.get(record.group_id)
    ok = (
        record.visibility == SHARED and people.get(record.author_id) == origin.sender_id and place is not None
    )
    if ok and isinstance(record, FeedbackRecord):
        ok = record.recipient_id in people
    return ok


def remember_links(session: Session, origin: Origin, result: ImportResult) -> None:
    """Keep the links a peer's first file makes, so later ones land in the same pair without asking."""
    existing = _existing(session, Link, [f for f, _, _ in origin.new_links], "foreign_id")
    for foreign, kind, local in origin.new_links:
        if foreign not in existing:
            session.add(Link(foreign_id=foreign, kind=kind, local_id=local))
            result.linked = True


def merge_batch(
    session: Session,
    result: ImportResult,
    *,
    people: Mapping[str, str],
    pairs: Mapping[str, str],
    checkins: Iterable[CheckInRecord] = (),
    reflections: Iterable[ReflectionRecord] = (),
    feedback: Iterable[FeedbackRecord] = (),
    names: Callable[[str], tuple[bool, str]] | None = None,
    groups: Mapping[str, str] | None = None,
) -> None:
    """Merge entries already accepted (see `accepts`): a whole document's, or one batch of a change set's.

    `people`, `pairs` and `groups` map the file's ids to this journal's.
    """

    def pair_of(record: Any) -> str | None:
        return pairs[record.pair_id] if record.pair_id else None

    def group_of(record: Any) -> str | None:
        return (groups or {})[record.group_id] if record.group_id else None

    added = _merge_entries(
        session,
        CheckIn,
        [_checkin_incoming(c, people[c.author_id], pair_of(c), group_of(c)) for c in checkins],
        "check-in",
        result,
        names=names,
    )
    result.wins_added += sum(len(item.record.wins) for item in added)
    _merge_entries(
        session,
        Reflection,
        [_reflection_incoming(r, people[r.author_id], pair_of(r), group_of(r)) for r in reflections],
        "reflection",
        result,
        names=names,
    )
    _merge_entries(
        session,
        Feedback,
        [
            _feedback_incoming(f, people[f.author_id], people[f.recipient_id], pair_of(f), group_of(f))
            for f in feedback
        ],
        "feedback",
        result,
        names=names,
    )


def merge_document(session: Session, doc: JournalDocument, origin: Origin) -> ImportResult:
    """Merge a checked document into the journal, in the caller's transaction."""
    result = ImportResult(sender=origin.sender_name)
    try:
        if origin.mine:
            if origin.replaces:
                session.exec(delete(Person).where(col(Person.id) == origin.replaces))
                session.flush()
            people = _merge_people(session, doc, adopt=origin.adopt, result=result)
            pairs = _merge_pairs(session, doc, people, result)
            groups = _merge_groups(session, doc, people, result)
            _merge_links(session, doc, {**people, **pairs, **groups})
        else:
            people, pairs, groups = origin.person_map, origin.pair_map, origin.group_map
            remember_links(session, origin, result)

        def accepted(record: Any) -> bool:
            ok = accepts(origin, record)
            if not ok:
                result.skipped += 1
            return ok

        def names(person_id: str) -> tuple[bool, str]:
            person = session.get(Person, person_id)
            return (bool(person and person.is_self), person.name if person else "someone")

        merge_batch(
            session,
            result,
            people=people,
            pairs=pairs,
            checkins=[c for c in doc.checkins if accepted(c)],
            reflections=[r for r in doc.reflections if accepted(r)],
            feedback=[f for f in doc.feedback if accepted(f)],
            names=names,
            groups=groups,
        )
        merge_group_sessions(
            session,
            [s for s in doc.group_sessions if accepted(s)],
            result,
            people=people,
            groups=groups,
            names=names,
        )
        session.flush()
    except IntegrityError:
        raise InputError(
            "An id in this file already belongs to a different entry in your journal, so it cannot be "
            "merged safely. Nothing was imported."
        ) from None
    return result


def import_jrnl(session: Session, parsed: JrnlImport, *, pair: str | None = None) -> ImportResult:
    """Add a jrnl export's entries as your own private check-ins (optionally in a pair)."""
    me = get_self(session)
    pair_id = resolve_pair(session, pair).id if pair else None
    result = ImportResult(sender="jrnl", empty=parsed.empty)
    try:
        added = _merge_entries(
            session,
            CheckIn,
            [_checkin_incoming(c, me.id, pair_id) for c in parsed.checkins],
            "check-in",
            result,
        )
        session.flush()
    except IntegrityError:
        raise InputError(
            "An id derived from this jrnl file already belongs to a different entry. Nothing was imported."
        ) from None
    result.wins_added = sum(len(item.record.wins) for item in added)
    return result
