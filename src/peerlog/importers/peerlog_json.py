"""Reading peerlog JSON (exports and share bundles) into a `JournalDocument`, checking every field first.

The whole file is checked before anything touches the journal, so a problem anywhere means nothing is
imported. References are checked too: an entry's author must be one of the file's people, its pair one of
its pairs, and no id may appear twice.

Format version 1 had no `version` on people, pairs and entries: they are read as version 1, the version
every row had before versions were counted. Versions 1 and 2 had no groups, group sessions or `group_id`:
they are read as having none.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from peerlog import rules
from peerlog.importers.fields import (
    FileProblem,
    as_list,
    as_object,
    boolean,
    describe,
    field,
    integer,
    moment,
    one_of,
    path_of,
    required_moment,
    required_text,
    required_uuid,
    text,
    uuid,
)
from peerlog.interchange import (
    FORMAT,
    KIND_SHARE,
    KINDS,
    VERSION,
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
from peerlog.models import VISIBILITIES

FEEDBACK_KINDS = ("appreciation", "suggestion")
INCLUDES = {"shared only": False, "shared and private": True}
MAX_NAME = rules.NAME
MAX_POSITION = 1_000_000
MAX_VERSION = 2**62


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _optional_utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


class Ids:
    """Every id seen so far, so a repeated one is reported where it repeats."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def add(self, value: str, where: str) -> str:
        if value in self.seen:
            raise FileProblem(where, f"repeats the id already used at {self.seen[value]}")
        self.seen[value] = where
        return value


def _items(doc: dict[str, Any], key: str, *, default: Any = ...) -> list[tuple[str, dict[str, Any]]]:
    values = as_list(field(doc, key, "", default=default), key)
    return [(path_of(key, i), as_object(value, path_of(key, i))) for i, value in enumerate(values)]


def _reference(value: str | None, known: Collection[str], where: str, what: str) -> None:
    if value is not None and value not in known:
        raise FileProblem(where, f"names {what} that is not in this file")


def _group_of(obj: dict[str, Any], where: str, groups: Collection[str], pair: str | None) -> str | None:
    """An entry's group, if any: one of the file's groups, and never beside a pair (older files have none)."""
    group = uuid(obj, "group_id", where, nullable=True) if "group_id" in obj else None
    _reference(group, groups, path_of(where, "group_id"), "a group")
    if group is not None and pair is not None:
        raise FileProblem(path_of(where, "group_id"), "must be null when pair_id is given: a pair or a group")
    return group


def _author_and_place(
    obj: dict[str, Any], where: str, people: set[str], pairs: set[str], groups: Collection[str]
) -> tuple[str, str | None, str | None]:
    """An entry's author (one of the file's people), and its pair or group, if any (one of the file's)."""
    author, pair = required_uuid(obj, "author_id", where), uuid(obj, "pair_id", where, nullable=True)
    _reference(author, people, path_of(where, "author_id"), "a person")
    _reference(pair, pairs, path_of(where, "pair_id"), "a pair")
    return author, pair, _group_of(obj, where, groups, pair)


class Versions:
    """Reads each record's `version` the way the file's format version says."""

    def __init__(self, format_version: int) -> None:
        self.counted = format_version >= 2

    def __call__(self, obj: dict[str, Any], where: str) -> int:
        if not self.counted:
            return 1
        return integer(obj, "version", where, low=1, high=MAX_VERSION) or 1


def _header(doc: dict[str, Any]) -> tuple[str, bool, int]:
    if doc.get("format") != FORMAT:
        hint = " (for a jrnl export, add --from jrnl)" if "entries" in doc else ""
        raise FileProblem(
            "format", f'this is not a peerlog export: it has no "format": "{FORMAT}" at the top{hint}'
        )
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FileProblem("version", f"must be a format version number, not {describe(version)}")
    if version > VERSION:
        raise FileProblem(
            "version",
            f"the file is in format version {version}, from a newer peerlog; this one reads version "
            f"{VERSION}. Please upgrade peerlog to import it",
        )
    kind = one_of(doc, "kind", "", KINDS)
    includes = field(doc, "includes", "")
    if not isinstance(includes, str) or includes not in INCLUDES:  # a list or object is not hashable
        raise FileProblem(
            "includes", f"must be 'shared only' or 'shared and private', not {describe(includes)}"
        )
    return kind, INCLUDES[includes], version


def read_person(obj: dict[str, Any], where: str, *, unnamed: bool, version: Versions) -> PersonRecord:
    """`unnamed`: a share bundle leaves out the sender's own label for the person it is for."""
    if unnamed:
        name = text(
            obj, "name", where, nullable=True, non_empty=True, max_length=MAX_NAME, default=None, keep=""
        )
    else:
        name = required_text(obj, "name", where, non_empty=True, max_length=MAX_NAME, keep="")
    return PersonRecord(
        id=required_uuid(obj, "id", where),
        name=name,
        is_self=boolean(obj, "is_self", where),
        created_at=_utc(required_moment(obj, "created_at", where)),
        updated_at=_utc(required_moment(obj, "updated_at", where)),
        version=version(obj, where),
        public_key=_public_key(obj, where),
    )


def _public_key(obj: dict[str, Any], where: str) -> str | None:
    """A person's identity code: optional (older files, share bundles), and checked like a typed one."""
    from peerlog.errors import InputError
    from peerlog.identity import PeerKey

    code = text(obj, "public_key", where, nullable=True, max_length=80, keep="", default=None)
    if code is None:
        return None
    try:
        return PeerKey.from_code(code).code
    except InputError as error:
        raise FileProblem(
            path_of(where, "public_key"), f"is not a peerlog identity code ({error.message})"
        ) from None


def read_pair(obj: dict[str, Any], where: str, people: set[str], version: Versions) -> PairRecord:
    a, b = required_uuid(obj, "person_a_id", where), required_uuid(obj, "person_b_id", where)
    _reference(a, people, path_of(where, "person_a_id"), "a person")
    _reference(b, people, path_of(where, "person_b_id"), "a person")
    if a == b:
        raise FileProblem(path_of(where, "person_b_id"), "must be a different person from person_a_id")
    return PairRecord(
        id=required_uuid(obj, "id", where),
        person_a_id=a,
        person_b_id=b,
        agreement=text(obj, "agreement", where, nullable=True, default=None),
        started_at=_utc(required_moment(obj, "started_at", where)),
        ended_at=_optional_utc(moment(obj, "ended_at", where, nullable=True, default=None)),
        created_at=_utc(required_moment(obj, "created_at", where)),
        updated_at=_utc(required_moment(obj, "updated_at", where)),
        version=version(obj, where),
    )


def _members(obj: dict[str, Any], where: str, people: set[str]) -> tuple[GroupMemberRecord, ...]:
    """A group's stretches: each names one of the file's people, ends after it starts, and a person's
    stretches follow one another (only the last may still be open)."""
    here = path_of(where, "members")
    stretches = []
    for i, item in enumerate(as_list(field(obj, "members", where, default=[]), here)):
        at = path_of(here, i)
        item = as_object(item, at)
        person = required_uuid(item, "person_id", at)
        _reference(person, people, path_of(at, "person_id"), "a person")
        joined = _utc(required_moment(item, "joined_at", at))
        left = _optional_utc(moment(item, "left_at", at, nullable=True, default=None))
        if left is not None and left < joined:
            raise FileProblem(path_of(at, "left_at"), "must not be before joined_at")
        stretches.append((at, GroupMemberRecord(person_id=person, joined_at=joined, left_at=left)))
    last: dict[str, GroupMemberRecord] = {}
    for at, m in sorted(stretches, key=lambda s: (s[1].joined_at, s[1].left_at is None)):
        before = last.get(m.person_id)
        if before is not None and (before.left_at is None or before.left_at > m.joined_at):
            raise FileProblem(path_of(at, "joined_at"), "overlaps another stretch of the same person")
        last[m.person_id] = m
    return tuple(m for _, m in stretches)


def read_group(obj: dict[str, Any], where: str, people: set[str], version: Versions) -> GroupRecord:
    return GroupRecord(
        id=required_uuid(obj, "id", where),
        name=required_text(obj, "name", where, non_empty=True, max_length=MAX_NAME, keep=""),
        agreement=text(obj, "agreement", where, nullable=True, default=None),
        started_at=_utc(required_moment(obj, "started_at", where)),
        ended_at=_optional_utc(moment(obj, "ended_at", where, nullable=True, default=None)),
        created_at=_utc(required_moment(obj, "created_at", where)),
        updated_at=_utc(required_moment(obj, "updated_at", where)),
        version=version(obj, where),
        members=_members(obj, where, people),
    )


def read_group_session(
    obj: dict[str, Any], where: str, people: set[str], groups: Collection[str], version: Versions
) -> GroupSessionRecord:
    group, author = required_uuid(obj, "group_id", where), required_uuid(obj, "author_id", where)
    _reference(group, groups, path_of(where, "group_id"), "a group")
    _reference(author, people, path_of(where, "author_id"), "a person")
    facilitator = uuid(obj, "facilitator_id", where, nullable=True) if "facilitator_id" in obj else None
    _reference(facilitator, people, path_of(where, "facilitator_id"), "a person")
    here = path_of(where, "attendance")
    came = []
    for i, value in enumerate(as_list(field(obj, "attendance", where, default=[]), here)):
        if not isinstance(value, str) or value not in people:
            raise FileProblem(
                path_of(here, i), f"must be the id of one of the file's people, not {describe(value)}"
            )
        came.append(value)
    if len(set(came)) != len(came):
        raise FileProblem(here, "lists the same person twice")
    return GroupSessionRecord(
        id=required_uuid(obj, "id", where),
        group_id=group,
        author_id=author,
        facilitator_id=facilitator,
        # No reference check: a round deleted since leaves its session without one, as in the journal.
        round_id=uuid(obj, "round_id", where, nullable=True) if "round_id" in obj else None,
        at=required_moment(obj, "at", where),
        visibility=one_of(obj, "visibility", where, VISIBILITIES),
        created_at=_utc(required_moment(obj, "created_at", where)),
        updated_at=_utc(required_moment(obj, "updated_at", where)),
        version=version(obj, where),
        attendance=tuple(sorted(came)),
    )


def _tag(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise FileProblem(where, f"must be text, not {describe(value)}")
    if not rules.is_tag(value):
        raise FileProblem(
            where, f"must be a tag such as 'work' (lower case, one word), not {describe(value)}"
        )
    return value


def read_checkin(
    obj: dict[str, Any],
    where: str,
    people: set[str],
    pairs: set[str],
    ids: Ids,
    version: Versions,
    *,
    groups: Collection[str] = (),
) -> CheckInRecord:
    author, pair, group = _author_and_place(obj, where, people, pairs, groups)
    wins = []
    for i, win in enumerate(as_list(field(obj, "wins", where, default=[]), path_of(where, "wins"))):
        here = path_of(path_of(where, "wins"), i)
        win = as_object(win, here)
        wins.append(
            WinRecord(
                id=ids.add(required_uuid(win, "id", here), path_of(here, "id")),
                position=integer(win, "position", here, low=0, high=MAX_POSITION) or 0,
                text=required_text(win, "text", here),
            )
        )
    challenges = []
    for i, ch in enumerate(
        as_list(field(obj, "challenges", where, default=[]), path_of(where, "challenges"))
    ):
        here = path_of(path_of(where, "challenges"), i)
        ch = as_object(ch, here)
        challenges.append(
            ChallengeRecord(
                id=ids.add(required_uuid(ch, "id", here), path_of(here, "id")),
                position=integer(ch, "position", here, low=0, high=MAX_POSITION) or 0,
                text=required_text(ch, "text", here),
                overcome_at=_optional_utc(moment(ch, "overcome_at", here, nullable=True, default=None)),
                overcome_note=text(ch, "overcome_note", here, nullable=True, default=None),
            )
        )
    tags_where = path_of(where, "tags")
    tags = [
        _tag(t, path_of(tags_where, i))
        for i, t in enumerate(as_list(field(obj, "tags", where, default=[]), tags_where))
    ]
    if len(set(tags)) != len(tags):
        raise FileProblem(tags_where, "lists the same tag twice")
    return CheckInRecord(
        id=required_uuid(obj, "id", where),
        author_id=author,
        pair_id=pair,
        at=required_moment(obj, "at", where),
        mood=integer(
            obj, "mood", where, low=min(rules.MOODS), high=max(rules.MOODS), nullable=True, default=None
        ),
        note=required_text(obj, "note", where, default=""),
        visibility=one_of(obj, "visibility", where, VISIBILITIES),
        created_at=_utc(required_moment(obj, "created_at", where)),
        updated_at=_utc(required_moment(obj, "updated_at", where)),
        version=version(obj, where),
        wins=tuple(wins),
        challenges=tuple(challenges),
        tags=tuple(sorted(tags)),
        group_id=group,
    )


def read_reflection(
    obj: dict[str, Any],
    where: str,
    people: set[str],
    pairs: set[str],
    ids: Ids,
    version: Versions,
    *,
    groups: Collection[str] = (),
) -> ReflectionRecord:
    author, pair, group = _author_and_place(obj, where, people, pairs, groups)
    answers = []
    for i, answer in enumerate(as_list(field(obj, "answers", where, default=[]), path_of(where, "answers"))):
        here = path_of(path_of(where, "answers"), i)
        answer = as_object(answer, here)
        answers.append(
            AnswerRecord(
                id=ids.add(required_uuid(answer, "id", here), path_of(here, "id")),
                position=integer(answer, "position", here, low=0, high=MAX_POSITION) or 0,
                prompt_id=required_text(answer, "prompt_id", here, max_length=200),
                prompt_text=required_text(answer, "prompt_text", here),
                kind=required_text(answer, "kind", here, non_empty=True, max_length=20),
                value=required_text(answer, "value", here),
            )
        )
    return ReflectionRecord(
        id=required_uuid(obj, "id", where),
        author_id=author,
        pair_id=pair,
        pack_name=required_text(obj, "pack_name", where, max_length=200),
        pack_title=required_text(obj, "pack_title", where, max_length=rules.TITLE),
        at=required_moment(obj, "at", where),
        visibility=one_of(obj, "visibility", where, VISIBILITIES),
        created_at=_utc(required_moment(obj, "created_at", where)),
        updated_at=_utc(required_moment(obj, "updated_at", where)),
        version=version(obj, where),
        answers=tuple(answers),
        group_id=group,
    )


def read_feedback(
    obj: dict[str, Any],
    where: str,
    people: set[str],
    pairs: set[str],
    version: Versions,
    *,
    groups: Collection[str] = (),
) -> FeedbackRecord:
    """Feedback in a pair or (`group_id`, with `pair_id` null) in a group: exactly one of the two."""
    grouped = obj.get("group_id") is not None
    pair = uuid(obj, "pair_id", where, nullable=grouped)
    group = _group_of(obj, where, groups, pair)
    author, recipient = required_uuid(obj, "author_id", where), required_uuid(obj, "recipient_id", where)
    _reference(pair, pairs, path_of(where, "pair_id"), "a pair")
    _reference(author, people, path_of(where, "author_id"), "a person")
    _reference(recipient, people, path_of(where, "recipient_id"), "a person")
    if author == recipient:
        where_given = "group" if group else "pair"
        raise FileProblem(
            path_of(where, "recipient_id"), f"must be another person in the {where_given}, not the author"
        )
    return FeedbackRecord(
        id=required_uuid(obj, "id", where),
        pair_id=pair,
        author_id=author,
        recipient_id=recipient,
        kind=one_of(obj, "kind", where, FEEDBACK_KINDS),
        message=required_text(obj, "message", where, non_empty=True),
        at=required_moment(obj, "at", where),
        visibility=one_of(obj, "visibility", where, VISIBILITIES),
        created_at=_utc(required_moment(obj, "created_at", where)),
        updated_at=_utc(required_moment(obj, "updated_at", where)),
        version=version(obj, where),
        group_id=group,
    )


def parse(data: Any) -> JournalDocument:
    """Check a decoded peerlog JSON file and turn it into a document, or raise a `FileProblem`."""
    doc = as_object(data, "the file")
    kind, include_private, format_version = _header(doc)
    version = Versions(format_version)
    ids = Ids()
    self_id = required_uuid(doc, "self_id", "")
    people = []
    for where, obj in _items(doc, "people"):
        unnamed = kind == KIND_SHARE and obj.get("id") != self_id
        people.append(read_person(obj, where, unnamed=unnamed, version=version))
        ids.add(people[-1].id, path_of(where, "id"))
    person_ids = {p.id for p in people}
    _reference(self_id, person_ids, "self_id", "a person")
    selves = [p.id for p in people if p.is_self]
    if selves != [self_id]:
        raise FileProblem("people", "exactly one person must have is_self true, and it must be self_id")
    pairs = []
    for where, obj in _items(doc, "pairs"):
        pairs.append(read_pair(obj, where, person_ids, version))
        ids.add(pairs[-1].id, path_of(where, "id"))
    pair_ids = {p.id for p in pairs}
    groups = []
    for where, obj in _items(doc, "groups", default=[]):
        groups.append(read_group(obj, where, person_ids, version))
        ids.add(groups[-1].id, path_of(where, "id"))
    group_ids = {g.id for g in groups}
    group_sessions = []
    for where, obj in _items(doc, "group_sessions", default=[]):
        group_sessions.append(read_group_session(obj, where, person_ids, group_ids, version))
        ids.add(group_sessions[-1].id, path_of(where, "id"))
    checkins = []
    for where, obj in _items(doc, "checkins"):
        checkins.append(read_checkin(obj, where, person_ids, pair_ids, ids, version, groups=group_ids))
        ids.add(checkins[-1].id, path_of(where, "id"))
    reflections = []
    for where, obj in _items(doc, "reflections", default=[]):
        reflections.append(read_reflection(obj, where, person_ids, pair_ids, ids, version, groups=group_ids))
        ids.add(reflections[-1].id, path_of(where, "id"))
    feedback = []
    for where, obj in _items(doc, "feedback", default=[]):
        feedback.append(read_feedback(obj, where, person_ids, pair_ids, version, groups=group_ids))
        ids.add(feedback[-1].id, path_of(where, "id"))
    links = []
    for where, obj in _items(doc, "links", default=[]):
        local = required_uuid(obj, "local_id", where)
        _reference(
            local, person_ids | pair_ids | group_ids, path_of(where, "local_id"), "a person, pair or group"
        )
        links.append(
            LinkRecord(
                foreign_id=required_uuid(obj, "foreign_id", where),
                kind=required_text(obj, "kind", where, non_empty=True, max_length=20),
                local_id=local,
                created_at=_utc(required_moment(obj, "created_at", where)),
            )
        )
    scope_obj = as_object(field(doc, "scope", "", default={}), "scope")
    scope_pair = uuid(scope_obj, "pair_id", "scope", nullable=True) if "pair_id" in scope_obj else None
    scope_group = uuid(scope_obj, "group_id", "scope", nullable=True) if "group_id" in scope_obj else None
    _reference(scope_group, group_ids, "scope.group_id", "a group")
    scope = Scope(
        pair_id=scope_pair,
        group_id=scope_group,
        since=moment(scope_obj, "since", "scope", nullable=True, default=None, bound=True),
        until=moment(scope_obj, "until", "scope", nullable=True, default=None, bound=True),
    )
    return JournalDocument(
        kind=kind,
        include_private=include_private,
        self_id=self_id,
        scope=scope,
        people=tuple(people),
        pairs=tuple(pairs),
        checkins=tuple(checkins),
        reflections=tuple(reflections),
        feedback=tuple(feedback),
        links=tuple(links),
        groups=tuple(groups),
        group_sessions=tuple(group_sessions),
    )
