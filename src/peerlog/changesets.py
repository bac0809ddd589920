"""Change sets: what your journal sends a peer (or a member of a group) since last time, and how theirs
takes it in.

A change set is the plaintext inside a sealed bundle: JSON Lines, one record per line, so a journal of any
size streams through both ways.

    {"format": "peerlog-changes", "version": 1, "id": BUNDLE_ID, "made_at": ISO, "everything": false,
     "sender": {PERSON}, "recipient": {"id": SENDER'S ID FOR THE RECIPIENT}, "pair": {PAIR, agreement null}}
    {"checkin": {...}}   {"reflection": {...}}   {"feedback": {...}}     (each exactly as in the JSON export)
    {"removed": {"id": ENTRY ID, "kind": "checkin" | "reflection" | "feedback", "version": N}}
    {"end": {"entries": N, "removed": M}}

A group's change set is the same, one for each member, with `"pair": null`, `"group": {GROUP, its members'
stretches, agreement null}` and `"people": [{PERSON with public_key}, ...]` (every member, the recipient
among them) in its header; its entries carry `group_id`.

Out (`changes_for`, `group_changes_for`): your shared entries in the pair, or in the group written while the
member was part of it (`_in_stretch`), that they were not sent at their current version, and a removal for
each entry they were sent that no longer reaches them by any way (deleted, made private, moved), found with
SQL over the entry tables and `delivered`, read a batch at a time. Someone who has left a group is sent
nothing new, only removals. `Outgoing.mark_delivered` records what went, in the same write session, once
the file is safely placed.

In (`read_changes`, `apply_changes`): every line is checked as it arrives, records by the JSON import's own
readers, and merged a batch at a time inside the caller's one transaction, so a problem anywhere (a bad line
far down, the `end` line missing from a file cut short) rolls all of it back. Versions decide, never clocks:
an entry replaces the copy here only with a higher version; a removal takes away the sender's copy when its
version is at least the copy's, and is remembered in `removal` so an older change set never brings the entry
back; only a higher version (the entry shared again) does. The same change set twice changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from peerlog.errors import InputError, NotFoundError
from peerlog.exporters.json_export import (
    checkin_dict,
    feedback_dict,
    group_dict,
    pair_dict,
    person_dict,
    reflection_dict,
    stamp,
)
from peerlog.importers.fields import (
    FileProblem,
    as_list,
    as_object,
    boolean,
    describe,
    field,
    integer,
    one_of,
    path_of,
    required_moment,
    required_text,
    required_uuid,
)
from peerlog.importers.peerlog_json import (
    MAX_VERSION,
    Ids,
    Versions,
    read_checkin,
    read_feedback,
    read_group,
    read_pair,
    read_person,
    read_reflection,
)
from peerlog.interchange import (
    CheckInRecord,
    FeedbackRecord,
    GroupRecord,
    PairRecord,
    PersonRecord,
    ReflectionRecord,
    RemovalRecord,
)
from peerlog.models import (
    SHARED,
    Answer,
    Challenge,
    CheckIn,
    CheckInTag,
    Delivered,
    Feedback,
    Group,
    GroupMember,
    Pair,
    Person,
    Reflection,
    Removal,
    Win,
    table_of,
    utcnow,
)
from peerlog.pairs import ordered, peer_id_of
from peerlog.people import get_self
from peerlog.transfer import (
    CHUNK,
    ImportResult,
    Origin,
    accepts,
    entry_records,
    group_record,
    merge_batch,
    pair_record,
    person_record,
    remember_links,
)

FORMAT = "peerlog-changes"
VERSION = 1
#: Entries merged together: a few hundred keeps memory flat and each statement well under SQLite's limits.
BATCH = CHUNK
#: Far above any line peerlog writes (an entry's texts are each at most 100,000 characters); a longer one is
#: not a change set, and reading it whole would hold it all in memory.
MAX_LINE = 64 * 1024 * 1024
#: Bundle ids are stored in `received` (64 characters at most).
MAX_ID = 64

#: Each kind of entry: its word in a change set, the noun `ImportResult` counts it under, its model, the
#: tables of its children, and its JSON writer.
_KINDS: tuple[tuple[str, str, Any, tuple[Any, ...]], ...] = (
    ("checkin", "check-in", CheckIn, (Win, Challenge, CheckInTag)),
    ("reflection", "reflection", Reflection, (Answer,)),
    ("feedback", "feedback", Feedback, ()),
)
KINDS = tuple(kind for kind, *_ in _KINDS)
_WRITERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "checkin": checkin_dict,
    "reflection": reflection_dict,
    "feedback": feedback_dict,
}
_NOUNS = {kind: noun for kind, noun, _, _ in _KINDS}
_MODELS = {kind: model for kind, _, model, _ in _KINDS}
_CHILDREN = {kind: children for kind, _, _, children in _KINDS}

_delivered = table_of(Delivered)
#: `delivered` as the queries below read it, an alias apart from the table `mark_delivered` changes.
_sent = _delivered.alias("sent")
_removal = table_of(Removal)
_member = table_of(GroupMember)
_group = table_of(Group)

#: Statements built once with their ids bound at execution: a new `in_(list)` per batch would leave a
#: cached copy of every batch's ids in SQLAlchemy's statement cache, and memory would grow with the file.
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_REMOVED_ALREADY = select(_removal.c.entry_id, _removal.c.version).where(
    _removal.c.entry_id.in_(_IDS), _removal.c.author_id == bindparam("sender")
)

Change = CheckInRecord | ReflectionRecord | FeedbackRecord | RemovalRecord


def _line(value: dict[str, Any]) -> bytes:
    # JSON escapes every newline inside strings, so one record is always one line.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


# ---------------------------------------------------------------- what goes out


@dataclass(frozen=True)
class Audience:
    """Whom a change set is for, and through what: the pair you have with them, or a group they are in."""

    me: str
    recipient: str
    pair: str | None = None
    group: str | None = None
    #: In a group: whether they are a member now. Someone who has left is sent nothing new, only removals.
    current: bool = True
    #: In a group you have ended: when. What changes after that stays home; removals still go.
    ended_at: datetime | None = None
    #: Every way your entries reach them (your pair with them; the groups they were part of), so a removal
    #: goes only for an entry that reaches them by none: being in a pair and a group with someone, an entry
    #: of one is never taken away by the other's change set.
    pair_with: str | None = None
    in_groups: bool = False


def _in_stretch(table: Any, recipient: str) -> Any:
    """Entries of a group written while `recipient` was part of it (joined_at <= at < left_at): someone who
    joins later does not get what the circle said before them, and someone who left gets nothing after.

    Those who started the group (their stretch begins when the group did) also get what is dated before
    it: a first session recorded a day later with `--at` is still the circle's."""
    m = _member.alias("stretch")
    founded = select(_group.c.started_at).where(_group.c.id == m.c.group_id).scalar_subquery()
    return exists().where(
        m.c.group_id == table.c.group_id,
        m.c.person_id == recipient,
        or_(m.c.joined_at <= table.c.at, m.c.joined_at <= founded),
        or_(m.c.left_at.is_(None), table.c.at < m.c.left_at),
    )


def _here(table: Any, audience: Audience) -> Any:
    """Your shared entries this change set is about: in the pair, or in the group within the member's time."""
    mine = [table.c.author_id == audience.me, table.c.visibility == SHARED]
    if audience.group is None:
        return and_(*mine, table.c.pair_id == audience.pair)
    if not audience.current:
        return false()
    if audience.ended_at is not None:
        # Ending is your journal's own (it does not travel), so from then on it stops sending: what was
        # written before still goes, an edit made afterwards does not.
        mine.append(table.c.updated_at <= audience.ended_at)
    return and_(*mine, table.c.group_id == audience.group, _in_stretch(table, audience.recipient))


def _reaches(table: Any, audience: Audience) -> Any:
    """Your shared entries the recipient may hold from you by any way: a pair's or a group's."""
    ways = []
    if audience.pair_with is not None:
        ways.append(table.c.pair_id == audience.pair_with)
    if audience.in_groups:
        ways.append(and_(table.c.group_id.is_not(None), _in_stretch(table, audience.recipient)))
    if not ways:
        return false()
    return and_(table.c.author_id == audience.me, table.c.visibility == SHARED, or_(*ways))


def _to_send(table: Table, audience: Audience, *, everything: bool, columns: Any = None) -> Select:
    """Your shared entries here, less (unless `everything`) those the recipient has at this version."""
    query = select(*(columns or [table])).where(_here(table, audience))
    if not everything:
        d = _sent
        query = query.outerjoin(
            d, and_(d.c.recipient_id == audience.recipient, d.c.entry_id == table.c.id)
        ).where(or_(d.c.entry_id.is_(None), d.c.version != table.c.version, d.c.removed.is_(True)))
    return query


def _to_remove(table: Table, kind: str, audience: Audience, *, everything: bool) -> Select:
    """Entries the recipient was sent that no longer reach them (deleted, made private, moved); with
    `everything` also those they were already told about. `current`: the version, if it exists."""
    d = _sent
    still = table.alias("still_shared")
    now = table.alias("now")
    query = (
        select(d.c.entry_id, d.c.version, d.c.removed, now.c.version.label("current"))
        .select_from(
            d.outerjoin(still, and_(still.c.id == d.c.entry_id, _reaches(still, audience))).outerjoin(
                now, now.c.id == d.c.entry_id
            )
        )
        .where(d.c.recipient_id == audience.recipient, d.c.kind == kind, still.c.id.is_(None))
    )
    if not everything:
        query = query.where(d.c.removed.is_(False))
    return query


def _removal_version(row: Any) -> int:
    """An entry that still exists was bumped when it stopped being shared, so its own version says it; a
    deleted one is one past what the peer holds. Never below what they hold, or the removal would not
    take their copy away."""
    if row.current is not None:
        return max(int(row.current), int(row.version))
    return int(row.version) if row.removed else int(row.version) + 1


@dataclass
class Outgoing:
    """The change set for one recipient (your peer, or one member of a group): read from the journal as it
    is written, so use it while the session is open. `entries`, `removed` and `wins` are counted up front;
    `empty` means there is nothing to send."""

    session: Session
    me: Person
    audience: Audience
    #: What the header says the change set is in: `{"pair": PAIR}`, or a group's `{"pair": None, "group":
    #: GROUP, "people": [...]}`.
    context: dict[str, Any]
    peer_name: str
    bundle_id: str
    made_at: datetime
    everything: bool
    entries: int = 0
    removed: int = 0
    wins: int = 0

    @property
    def peer_id(self) -> str:
        return self.audience.recipient

    @property
    def empty(self) -> bool:
        return not self.entries and not self.removed

    def _sending(self, table: Table, columns: Any = None) -> Select:
        return _to_send(table, self.audience, everything=self.everything, columns=columns)

    def _removing(self, table: Table, kind: str) -> Select:
        return _to_remove(table, kind, self.audience, everything=self.everything)

    def _count(self) -> None:
        connection = self.session.connection()
        for kind, _, model, _ in _KINDS:
            table = table_of(model)
            sent = self._sending(table, [table.c.id]).subquery()
            self.entries += connection.execute(select(func.count()).select_from(sent)).scalar_one()
            gone = self._removing(table, kind).subquery()
            self.removed += connection.execute(select(func.count()).select_from(gone)).scalar_one()
        checkin, win = table_of(CheckIn), table_of(Win)
        sent_ids = self._sending(checkin, [checkin.c.id])
        self.wins = connection.execute(
            select(func.count()).select_from(win).where(win.c.checkin_id.in_(sent_ids))
        ).scalar_one()

    def header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "id": self.bundle_id,
            "made_at": stamp(self.made_at),
            "everything": self.everything,
            "sender": person_dict(person_record(self.me)),
            "recipient": {"id": self.peer_id},
            **self.context,
        }

    def lines(self) -> Iterator[bytes]:
        """The change set, a line at a time (each ends with a newline); entries oldest first, then removals."""
        yield _line(self.header())
        connection = self.session.connection()
        entries = removed = 0
        for kind, _, model, _ in _KINDS:
            table = table_of(model)
            query = self._sending(table).order_by(table.c.at, table.c.id)
            result = connection.execute(query.execution_options(yield_per=CHUNK))
            for n, partition in enumerate(result.partitions(CHUNK), start=1):
                for record in entry_records(self.session, model, list(partition)):
                    entries += 1
                    yield _line({kind: _WRITERS[kind](record)})
                _tidy(n)
        for kind, _, model, _ in _KINDS:
            query = self._removing(table_of(model), kind).order_by(_sent.c.entry_id)
            result = connection.execute(query.execution_options(yield_per=CHUNK))
            for partition in result.partitions(CHUNK):
                for row in partition:
                    removed += 1
                    change = {"id": row.entry_id, "kind": kind, "version": _removal_version(row)}
                    yield _line({"removed": change})
        yield _line({"end": {"entries": entries, "removed": removed}})

    def mark_delivered(self, session: Session) -> None:
        """Record that the recipient now has what this change set carries. Call it in the same write session
        as `changes_for`, after the file is safely placed: if writing failed, all of it goes again next time.

        A few statements over whole sets, inside the database: nothing is read into memory."""
        connection = session.connection()
        d = _delivered
        recipient = self.peer_id
        for kind, _, model, _ in _KINDS:
            table = table_of(model)
            gone = self._removing(table, kind).with_only_columns(_sent.c.entry_id)
            current = select(table.c.version).where(table.c.id == d.c.entry_id).scalar_subquery()
            # As `_removal_version` reckons it, for each row the removal query found.
            told = case(
                (current.is_(None), case((d.c.removed.is_(True), d.c.version), else_=d.c.version + 1)),
                (current > d.c.version, current),
                else_=d.c.version,
            )
            connection.execute(
                update(d)
                .where(d.c.recipient_id == recipient, d.c.entry_id.in_(gone))
                .values(version=told, removed=True, sent_at=self.made_at)
            )
            sent = self._sending(table, [table.c.id])
            connection.execute(delete(d).where(d.c.recipient_id == recipient, d.c.entry_id.in_(sent)))
            # Every entry here without a row now is one this change set carried.
            fresh = select(
                literal(recipient, d.c.recipient_id.type),
                table.c.id,
                literal(kind, d.c.kind.type),
                table.c.version,
                literal(False, d.c.removed.type),
                literal(self.made_at, d.c.sent_at.type),
            ).where(
                _here(table, self.audience),
                ~exists().where(_sent.c.recipient_id == recipient, _sent.c.entry_id == table.c.id),
            )
            columns = ["recipient_id", "entry_id", "kind", "version", "removed", "sent_at"]
            connection.execute(insert(d).from_select(columns, fresh))


def _stretches_of(session: Session, group_id: str) -> list[GroupMember]:
    return list(session.scalars(select(GroupMember).where(_member.c.group_id == group_id)))


def group_header(session: Session, group: Group, stretches: list[GroupMember]) -> dict[str, Any]:
    """A group as a change set's header gives it: the group with every stretch of its members, and each
    member as a person with their key, so a member's journal can match them (or meet them) by key."""
    # The agreement is the circle's own words: each journal keeps its own, as a pair's does.
    record = group_record(group, stretches, agreement=False)
    people = session.scalars(
        select(Person).where(table_of(Person).c.id.in_({m.person_id for m in stretches}))
    )
    return {
        "group": group_dict(record),
        "people": [person_dict(person_record(p, key=True)) for p in sorted(people, key=lambda p: p.id)],
    }


def distinct_sent(outgoings: list[Outgoing]) -> tuple[int, int, int]:
    """The entries, removals and wins some change sets carry, each counted once: a group's round goes to
    every member, and is still one round."""
    if len(outgoings) == 1:
        return outgoings[0].entries, outgoings[0].removed, outgoings[0].wins
    if not outgoings:
        return 0, 0, 0
    connection = outgoings[0].session.connection()

    def count(selects: list[Select]) -> int:
        return int(
            connection.execute(select(func.count()).select_from(union(*selects).subquery())).scalar_one()
        )

    entries = removed = 0
    for kind, _, model, _ in _KINDS:
        table = table_of(model)
        entries += count([o._sending(table, [table.c.id]) for o in outgoings])
        removed += count([o._removing(table, kind).with_only_columns(_sent.c.entry_id) for o in outgoings])
    checkin, win = table_of(CheckIn), table_of(Win)
    sent = union(*(o._sending(checkin, [checkin.c.id]) for o in outgoings)).subquery()
    wins = connection.execute(
        select(func.count()).select_from(win).where(win.c.checkin_id.in_(select(sent.c.id)))
    ).scalar_one()
    return entries, removed, int(wins)


def _outgoing(
    session: Session,
    me: Person,
    audience: Audience,
    context: dict[str, Any],
    *,
    bundle_id: str,
    everything: bool,
) -> Outgoing:
    peer = session.get(Person, audience.recipient)
    # Only what travels by a group needs the slower test of group membership in its removals.
    in_groups = (
        session.connection()
        .execute(select(_member.c.id).where(_member.c.person_id == audience.recipient).limit(1))
        .first()
    )
    outgoing = Outgoing(
        session=session,
        me=me,
        audience=dataclasses.replace(
            audience, pair_with=_pair_between(session, me.id, audience.recipient), in_groups=bool(in_groups)
        ),
        context=context,
        peer_name=peer.name if peer else "your peer",
        bundle_id=bundle_id,
        made_at=utcnow(),
        everything=everything,
    )
    outgoing._count()
    return outgoing


def _pair_between(session: Session, me: str, other: str) -> str | None:
    a, b = ordered(me, other)
    p = table_of(Pair)
    found = session.connection().execute(select(p.c.id).where(p.c.person_a_id == a, p.c.person_b_id == b))
    return found.scalar()


def changes_for(session: Session, *, pair_id: str, bundle_id: str, everything: bool = False) -> Outgoing:
    """What your peer in `pair_id` has not been sent yet (or, with `everything`, all you share with them
    and every removal again), ready to stream with `Outgoing.lines()`."""
    me = get_self(session)
    pair = session.get(Pair, pair_id)
    if pair is None or me.id not in (pair.person_a_id, pair.person_b_id):
        raise NotFoundError(
            "That pair is not in your journal.", hint="See your pairs with `peerlog pair list`."
        )
    audience = Audience(me=me.id, recipient=peer_id_of(pair, me.id), pair=pair.id)
    context = {"pair": pair_dict(pair_record(pair, agreement=False))}
    return _outgoing(session, me, audience, context, bundle_id=bundle_id, everything=everything)


def group_changes_for(
    session: Session, *, group_id: str, member_id: str, bundle_id: str, everything: bool = False
) -> Outgoing:
    """What one member of a group has not been sent yet of what you shared with the group while they were
    part of it (or, with `everything`, all of it and every removal again). Someone who has left is sent
    only removals. The header describes the group, its members and their keys, so a member who has not
    heard of the group yet can take it in."""
    me = get_self(session)
    group = session.get(Group, group_id)
    stretches = _stretches_of(session, group_id)
    if group is None or member_id == me.id or member_id not in {m.person_id for m in stretches}:
        raise NotFoundError(
            "That member is not part of that group in your journal.",
            hint="See your groups with `peerlog group list`.",
        )
    audience = Audience(
        me=me.id,
        recipient=member_id,
        group=group.id,
        current=any(m.person_id == member_id and m.left_at is None for m in stretches),
        ended_at=group.ended_at,
    )
    context = {"pair": None, **group_header(session, group, _known_to(stretches, member_id))}
    return _outgoing(session, me, audience, context, bundle_id=bundle_id, everything=everything)


def _known_to(stretches: list[GroupMember], member_id: str) -> list[GroupMember]:
    """The membership a header tells `member_id`: all of it while they are part of the group; once they have
    left, the group as it stood when they left, so who joined or left after them is not theirs to learn."""
    theirs = [m for m in stretches if m.person_id == member_id]
    if any(m.left_at is None for m in theirs):
        return stretches
    left = max(m.left_at for m in theirs if m.left_at is not None)
    return [
        GroupMember(
            group_id=m.group_id,
            person_id=m.person_id,
            joined_at=m.joined_at,
            left_at=m.left_at if m.left_at is not None and m.left_at <= left else None,
        )
        for m in stretches
        if m.joined_at < left
    ]


# ---------------------------------------------------------------- reading what comes in


class ChangesProblem(FileProblem):
    """Something in a change set that peerlog cannot use, with the line (and field) where it is."""

    def __init__(self, line: int, where: str, what: str, *, after: bool = False) -> None:
        place = f"after line {line}" if after else f"line {line}"
        place = f"{place}, {where}" if where else place
        super().__init__(place, what)
        self.line = line
        self.message = f"This change set cannot be applied, so nothing was imported: {place}: {what}."
        self.args = (self.message,)


@dataclass(frozen=True)
class ChangesHeader:
    """The first line: which change set this is, who sent it, to whom, and in which pair or group (all in
    the sender's own ids). A group's header also names its members as people, with their keys."""

    bundle_id: str
    made_at: datetime
    everything: bool
    sender: PersonRecord
    recipient_id: str
    pair: PairRecord | None
    version: int = VERSION
    group: GroupRecord | None = None
    people: tuple[PersonRecord, ...] = ()

    def person(self, person_id: str) -> PersonRecord | None:
        return next((p for p in self.people if p.id == person_id), None)


def _numbered(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Lines out of chunks cut anywhere (a sealed bundle's frames need not end with a line)."""
    pending: list[bytes] = []
    size = number = 0
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            piece = bytes(chunk[start:end])
            number += 1
            yield number, b"".join([*pending, piece]) if pending else piece
            pending, size, start = [], 0, end + 1
        if start < len(chunk):
            pending.append(bytes(chunk[start:]))
            size += len(chunk) - start
            if size > MAX_LINE:
                raise ChangesProblem(number + 1, "", "is far longer than any line peerlog writes")
    if pending:
        number += 1
        yield number, b"".join(pending)


def _decode(number: int, raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ChangesProblem(number, "", "is not UTF-8 text") from None
    if not text.strip():
        raise ChangesProblem(number, "", "is empty, and every line of a change set holds one record")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise ChangesProblem(number, "", "ends in the middle of a record: it looks cut off") from None
        raise ChangesProblem(number, "", f"is not valid JSON (column {error.colno}: {error.msg})") from None
    except (ValueError, RecursionError):
        raise ChangesProblem(
            number, "", "is not a record peerlog writes (far too long or too deep)"
        ) from None
    if not isinstance(value, dict):
        raise ChangesProblem(number, "", f"must be an object with named fields, not {describe(value)}")
    return value


def _read_header(doc: dict[str, Any]) -> ChangesHeader:
    if doc.get("format") != FORMAT:
        raise FileProblem("format", f'this is not a peerlog change set: it has no "format": "{FORMAT}"')
    version = integer(doc, "version", "", low=1, high=MAX_VERSION)
    if version is not None and version > VERSION:
        raise FileProblem(
            "version",
            f"the change set is in format version {version}, from a newer peerlog; this one reads version "
            f"{VERSION}. Please upgrade peerlog to apply it",
        )
    versions = Versions(2)  # people, pairs and entries always carry their version here
    sender_obj = as_object(field(doc, "sender", ""), "sender")
    sender = read_person(sender_obj, "sender", unnamed=False, version=versions)
    recipient = required_uuid(as_object(field(doc, "recipient", ""), "recipient"), "id", "recipient")
    if recipient == sender.id:
        raise FileProblem("recipient.id", "must be a different person from the sender")
    pair_value = field(doc, "pair", "", nullable=True)
    pair = group = None
    people: tuple[PersonRecord, ...] = ()
    if pair_value is not None or doc.get("group") is None:
        pair = read_pair(as_object(pair_value, "pair"), "pair", {sender.id, recipient}, versions)
    else:
        group, people = _read_group_part(doc, sender.id, recipient, versions)
    return ChangesHeader(
        bundle_id=required_text(doc, "id", "", non_empty=True, max_length=MAX_ID, keep=""),
        made_at=required_moment(doc, "made_at", ""),
        everything=boolean(doc, "everything", ""),
        sender=sender,
        recipient_id=recipient,
        pair=pair,
        version=version or VERSION,
        group=group,
        people=people,
    )


def _read_group_part(
    doc: dict[str, Any], sender: str, recipient: str, versions: Versions
) -> tuple[GroupRecord, tuple[PersonRecord, ...]]:
    """A group's header: its people (each once, the recipient among them), then the group, whose members
    are among them, the sender included."""
    people: list[PersonRecord] = []
    for i, value in enumerate(as_list(field(doc, "people", ""), "people")):
        where = path_of("people", i)
        person = read_person(as_object(value, where), where, unnamed=False, version=versions)
        if any(p.id == person.id for p in people):
            raise FileProblem(path_of(where, "id"), "names a person already listed")
        people.append(person)
    known = {p.id for p in people}
    group = read_group(as_object(field(doc, "group", ""), "group"), "group", known, versions)
    if sender not in {m.person_id for m in group.members}:
        raise FileProblem("sender.id", "must be one of the group's members")
    # Whether the recipient is a member is the receiving journal's question (it refuses a group it is not
    # in); that they are named lets it check the key the header gives them is its own.
    if recipient not in known:
        raise FileProblem("recipient.id", "must be one of the people listed")
    return group, tuple(people)


def _read_removal(obj: dict[str, Any], where: str) -> RemovalRecord:
    return RemovalRecord(
        id=required_uuid(obj, "id", where),
        kind=one_of(obj, "kind", where, KINDS),
        version=integer(obj, "version", where, low=1, high=MAX_VERSION) or 1,
    )


@dataclass
class IncomingChanges:
    """A change set being read: its `header` at once, then its entries and removals as it is iterated
    (once: they stream). Iterating raises a `ChangesProblem` at the first line that is wrong, or at the end
    when the `end` line is missing or its counts disagree with what came."""

    header: ChangesHeader
    _lines: Iterator[tuple[int, bytes]]
    _read: bool = dataclass_field(default=False, repr=False)

    def __iter__(self) -> Iterator[Change]:
        if self._read:
            raise RuntimeError("a change set streams, so it can be read only once")
        self._read = True
        header = self.header
        people = {header.sender.id, header.recipient_id, *(p.id for p in header.people)}
        pairs = {header.pair.id} if header.pair else set()
        groups = {header.group.id} if header.group else set()
        versions = Versions(2)
        entries = removed = 0
        last, ended = 1, False
        for number, raw in self._lines:
            last = number
            doc = _decode(number, raw)
            if ended:
                raise ChangesProblem(number, "", "comes after the end line, where nothing should")
            if len(doc) != 1:
                raise ChangesProblem(
                    number, "", 'must hold exactly one record, such as {"checkin": {...}} or {"end": {...}}'
                )
            ((key, value),) = doc.items()
            try:
                body = as_object(value, key)
                if key == "checkin":
                    yield read_checkin(body, key, people, pairs, Ids(), versions, groups=groups)
                    entries += 1
                elif key == "reflection":
                    yield read_reflection(body, key, people, pairs, Ids(), versions, groups=groups)
                    entries += 1
                elif key == "feedback":
                    yield read_feedback(body, key, people, pairs, versions, groups=groups)
                    entries += 1
                elif key == "removed":
                    yield _read_removal(body, key)
                    removed += 1
                elif key == "end":
                    self._check_end(body, entries, removed)
                    ended = True
                else:
                    raise FileProblem(
                        "",
                        f"holds a {describe(key)} record; a change set holds {', '.join(KINDS)}, removed and end",
                    )
            except ChangesProblem:
                raise
            except FileProblem as problem:
                raise ChangesProblem(number, problem.where, problem.what) from None
        if not ended:
            raise ChangesProblem(
                last,
                "",
                "the end line is missing, so the change set was cut short (in a sync folder it may still be "
                "arriving)",
                after=True,
            )

    @staticmethod
    def _check_end(body: dict[str, Any], entries: int, removed: int) -> None:
        said_entries = integer(body, "entries", "end", low=0, high=MAX_VERSION) or 0
        said_removed = integer(body, "removed", "end", low=0, high=MAX_VERSION) or 0
        if said_entries != entries:
            raise FileProblem(
                "end.entries", f"says {said_entries}, but the change set holds {entries} entries"
            )
        if said_removed != removed:
            raise FileProblem(
                "end.removed", f"says {said_removed}, but the change set holds {removed} removals"
            )


def read_changes(lines: Iterable[bytes]) -> IncomingChanges:
    """Start reading a change set: its header is checked now, its records as they are iterated.

    `lines` may be cut anywhere (the frames of a sealed bundle): it is split into lines here."""
    numbered = _numbered(lines)
    first = next(numbered, None)
    if first is None:
        raise ChangesProblem(1, "", "there is nothing in this change set")
    number, raw = first
    try:
        header = _read_header(_decode(number, raw))
    except ChangesProblem:
        raise
    except FileProblem as problem:
        raise ChangesProblem(number, problem.where, problem.what) from None
    return IncomingChanges(header, numbered)


#: Batches between full garbage collections (see `_tidy`).
TIDY_EVERY = 20


# ---------------------------------------------------------------- merging it in


def _tidy(batches: int) -> None:
    """Every few batches, free what the batches before left behind.

    SQLAlchemy's rows and results leave small reference cycles that only a full collection frees, and Python
    runs one less and less often as the heap grows: without this, memory grew with the size of a change set
    (about 20 MB at 100,000 entries, 1.3 MB of it live). A full collection every 10,000 entries costs a few
    milliseconds and keeps it flat."""
    if batches % TIDY_EVERY == 0:
        import gc

        gc.collect()


def apply_changes(session: Session, incoming: IncomingChanges, origin: Origin) -> ImportResult:
    """Merge a peer's change set into the journal, a batch at a time, in the caller's one transaction.

    `origin` maps the sender's ids onto this journal's (as `sharing.resolve_origin` or a key link decides).
    Only the sender's own shared entries in the linked pair come in; anything else is counted as skipped.
    """
    header = incoming.header
    if (
        origin.mine
        or origin.sender_id is None
        or origin.person_map.get(header.sender.id) != origin.sender_id
        or (header.pair is not None and header.pair.id not in origin.pair_map)
        or (header.group is not None and header.group.id not in origin.group_map)
    ):
        raise InputError(
            "This change set is not from the journal linked to this pair, so nothing was imported."
        )
    result = ImportResult(sender=origin.sender_name)
    late: Callable[[datetime], bool] | None = None
    if header.group is not None:
        from peerlog.group_stories import dated_after_leaving

        group = session.get_one(Group, origin.group_map[header.group.id])
        result.group = group.name
        late = dated_after_leaving(session, group, origin.sender_id)
    try:
        remember_links(session, origin, result)
        batch: list[Change] = []
        batches = 0
        for change in incoming:
            batch.append(change)
            if len(batch) >= BATCH:
                _apply_batch(session, batch, origin, result, late)
                batch = []
                batches += 1
                _tidy(batches)
        _apply_batch(session, batch, origin, result, late)
        session.flush()
    except IntegrityError:
        raise InputError(
            "An id in this change set already belongs to a different entry in your journal, so it cannot be "
            "merged safely. Nothing was imported."
        ) from None
    return result


def _apply_batch(
    session: Session,
    batch: list[Change],
    origin: Origin,
    result: ImportResult,
    late: Callable[[datetime], bool] | None = None,
) -> None:
    """`late`, for a group's change set: whether an entry is dated after its sender left the group."""
    assert origin.sender_id is not None
    entries: dict[type[Any], list[Any]] = {CheckInRecord: [], ReflectionRecord: [], FeedbackRecord: []}
    removals: list[RemovalRecord] = []
    for change in batch:
        if isinstance(change, RemovalRecord):
            removals.append(change)
        elif accepts(origin, change):
            if late is not None and late(change.at):
                result.after_leaving += 1
                continue
            entries[type(change)].append(change)
        else:
            result.skipped += 1
    _drop_removed(session, origin.sender_id, entries, result)
    merge_batch(
        session,
        result,
        people=origin.person_map,
        pairs=origin.pair_map,
        groups=origin.group_map,
        checkins=entries[CheckInRecord],
        reflections=entries[ReflectionRecord],
        feedback=entries[FeedbackRecord],
    )
    session.flush()
    if removals:
        _remove(session, origin.sender_id, removals, result)


def _drop_removed(
    session: Session, sender: str, entries: dict[type[Any], list[Any]], result: ImportResult
) -> None:
    """Leave out entries the sender removed at the same or a later version; a higher version comes back."""
    ids = [record.id for records in entries.values() for record in records]
    if not ids:
        return
    connection = session.connection()
    rm = _removal
    blocked = {
        row.entry_id: row.version
        for row in connection.execute(_REMOVED_ALREADY, {"ids": ids, "sender": sender})
    }
    if not blocked:
        return
    back = []
    for kind, records in entries.items():
        kept = []
        for record in records:
            removed_at = blocked.get(record.id)
            if removed_at is not None and record.version <= removed_at:
                result.unchanged += 1
                continue
            if removed_at is not None:
                back.append(record.id)
            kept.append(record)
        entries[kind] = kept
    if back:
        connection.execute(delete(rm).where(rm.c.entry_id.in_(_IDS)), {"ids": back})


def _remove(session: Session, sender: str, removals: list[RemovalRecord], result: ImportResult) -> None:
    """Take away the sender's copies the removals reach, children too, and remember each removal."""
    connection = session.connection()
    remembered: dict[str, RemovalRecord] = {}
    for kind in KINDS:
        wanted = [r for r in removals if r.kind == kind]
        if not wanted:
            continue
        model = _MODELS[kind]
        table = table_of(model)
        copies = {
            row.id: row
            for row in connection.execute(
                select(table.c.id, table.c.author_id, table.c.version).where(table.c.id.in_(_IDS)),
                {"ids": [r.id for r in wanted]},
            )
        }
        gone: set[str] = set()
        for removal in wanted:
            copy = copies.get(removal.id)
            if copy is not None and copy.author_id != sender:
                result.skipped += 1  # a change set only ever takes away its sender's own entries
                continue
            if copy is not None and removal.id not in gone and removal.version >= copy.version:
                gone.add(removal.id)
                result.removed[_NOUNS[kind]] += 1
            else:
                result.unchanged += 1
            if copy is None or removal.version >= copy.version:
                earlier = remembered.get(removal.id)
                if earlier is None or removal.version > earlier.version:
                    remembered[removal.id] = removal
        if gone:
            ids = sorted(gone)
            # Children first and explicitly, as `delete` does, so every backend behaves the same.
            for child in _CHILDREN[kind]:
                parent = next(c for c in table_of(child).c if c.foreign_keys)
                connection.execute(delete(table_of(child)).where(parent.in_(_IDS)), {"ids": ids})
            connection.execute(delete(table).where(table.c.id.in_(_IDS)), {"ids": ids})
            for entry_id in ids:
                # An ORM copy loaded by an earlier merge must not outlive its row.
                stale = session.identity_map.get(identity_key(model, entry_id))
                if stale is not None:
                    session.expunge(stale)
    _remember(connection, sender, list(remembered.values()))


def _remember(connection: Any, sender: str, removals: list[RemovalRecord]) -> None:
    if not removals:
        return
    rm = _removal
    known = {
        row.entry_id: row
        for row in connection.execute(
            select(rm.c.entry_id, rm.c.author_id, rm.c.version).where(rm.c.entry_id.in_(_IDS)),
            {"ids": [r.id for r in removals]},
        )
    }
    now = utcnow()
    new = []
    for removal in removals:
        row = known.get(removal.id)
        if row is None:
            new.append(
                {
                    "entry_id": removal.id,
                    "kind": removal.kind,
                    "author_id": sender,
                    "version": removal.version,
                    "removed_at": now,
                }
            )
        elif row.author_id == sender and removal.version > row.version:
            connection.execute(
                update(rm).where(rm.c.entry_id == removal.id).values(version=removal.version, removed_at=now)
            )
    if new:
        connection.execute(insert(rm), new)
