"""A group's story (`export --group`, JSON) from another member's journal, taken into yours by `import`.

Each journal has its own ids for its people, so the file's group and members are matched to yours first:
- the group by a link an earlier file made, by its id (a group adopted from a member's bundle keeps it),
  or by its name when the sender is one of its members here; else it is added, members and all;
- each member by a link, by their identity code, or by name (you by your own name), as a share bundle's
  people are; someone new to your journal is added under the name the file gives them.
You must be one of the group's members: a story is for the people it is about. The links are kept, so the
same file again, or a later one, lands in the same group without guessing. A story is plain (neither sealed
nor signed), so once you hold the sender's key it is refused, by the rule a pair's plain bundle follows
(`sharing.refuse_plain_once_keyed`): from then on only what their key seals counts.

Then the file is merged as a peer's bundle is (`transfer.merge_document`): only the sender's own shared
entries and sessions in the group come in; what other members wrote reaches you from them. Membership facts
come too: someone new to the group here gets the file's stretches, and a stretch the file shows closed is
closed here, and a stretch that begins after every one known here has ended (someone came back) is added.
What the sender dated after they left the group stays out (`dated_after_leaving`, for change sets too).
Nothing of yours changes and nothing is deleted.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from peerlog.errors import INIT_HINT, InputError, NotInitialisedError
from peerlog.interchange import GroupMemberRecord, GroupRecord, JournalDocument, PersonRecord
from peerlog.models import Group, GroupMember, Link, Person
from peerlog.people import check_not_a_group, find_peer, find_self, name_key
from peerlog.sharing import refuse_plain_once_keyed
from peerlog.transfer import ImportResult, Origin, accepts, merge_document

R = TypeVar("R", bound=Any)

RESTORE_HINT = "To bring back your own export, run `peerlog restore FILE`."


def is_story(doc: JournalDocument) -> bool:
    """Whether `doc` is a group's story rather than a pair's bundle or a whole export."""
    return doc.group(doc.scope.group_id) is not None


@dataclass
class _Matched:
    """The file's people and group as this journal's, and what had to be made or remembered for it."""

    people: dict[str, str]
    links: list[tuple[str, str, str]]


def _linked(session: Session, ids: list[str]) -> dict[str, str]:
    rows = session.exec(select(Link).where(col(Link.foreign_id).in_(ids)))
    return {row.foreign_id: row.local_id for row in rows}


def _match_person(session: Session, p: PersonRecord, linked: dict[str, str], taken: set[str]) -> str | None:
    """A link first, then their identity code, then their name: how a bundle's people are found here."""
    if p.id in linked:
        return linked[p.id]
    if p.public_key:
        holder = session.exec(select(Person.id).where(Person.public_key == p.public_key)).first()
        if holder is not None:
            return holder
    found = find_peer(session, p.name) if p.name else None
    return found.id if found is not None and found.id not in taken else None


def _match_people(session: Session, doc: JournalDocument, story: GroupRecord, me: Person) -> _Matched:
    members = sorted({m.person_id for m in story.members} | {doc.self_id})
    linked = _linked(session, members)
    people: dict[str, str] = {}
    # You first, by a link or your code, else by your own name, so nobody else is taken for you.
    named = [p for pid in members if pid != doc.self_id and (p := doc.person(pid)) is not None]
    strong = [
        p for p in named if linked.get(p.id) == me.id or (p.public_key and p.public_key == me.public_key)
    ]
    by_name = [p for p in named if p.name and name_key(p.name) == me.name_key]
    for p in (strong or by_name)[:1]:
        people[p.id] = me.id
    if me.id not in people.values():
        sender = doc.name_of(doc.self_id)
        raise InputError(
            f"This is the story of {story.name} from {sender}'s journal, and you are not among its members; "
            "nothing was imported.",
            hint=f"Ask {sender} whether you were added under another name.",
        )
    links: list[tuple[str, str, str]] = []
    for pid in members:
        person = doc.person(pid)
        if person is None or pid in people:
            continue
        local = _match_person(session, person, linked, set(people.values()))
        if local is None:
            local = meet_member(session, person.name, group=story.name, sender=doc.name_of(doc.self_id)).id
        elif pid == doc.self_id:
            _check_sender_key(session, local, person)
        people[pid] = local
    if people[doc.self_id] == me.id:
        raise InputError(
            "This file says it was written by you, from a journal that is not yours. Nothing was imported."
        )
    links += [(pid, "person", local) for pid, local in people.items() if linked.get(pid) != local]
    return _Matched(people, links)


def meet_member(
    session: Session, name: str | None, *, group: str, sender: str, public_key: str | None = None
) -> Person:
    """Someone a member's story or bundle names and your journal has not met: added under the name they
    give, which is never one of your groups' (a name names one thing here)."""
    name = name or "someone"
    check_not_a_group(
        session,
        name,
        hint=f"{sender}'s {group} has a member called {name}; nothing was imported. Rename your group with "
        "`peerlog group rename`, then import it again.",
    )
    row = Person(name=name, name_key=name_key(name), public_key=public_key)
    session.add(row)
    session.flush()
    return row


def _check_sender_key(session: Session, local: str, sender: PersonRecord) -> None:
    """A file naming a peer whose code you hold, but carrying another code, is not from their journal."""
    row = session.get_one(Person, local)
    if row.public_key and sender.public_key and row.public_key != sender.public_key:
        raise InputError(
            f"This file says it is from {row.name}, but carries another identity code than the one you hold "
            f"for {row.name}; nothing was imported.",
            hint=f"Ask {row.name} to export it again, or read your codes together with `peerlog id`.",
        )


def local_group_for(session: Session, story: GroupRecord, sender: str) -> tuple[Group | None, bool]:
    """The local group the story is of (None: none yet), and whether a link must be remembered for it."""
    linked = _linked(session, [story.id])
    if story.id in linked:
        return session.get(Group, linked[story.id]), False
    same_id = session.get(Group, story.id)
    if same_id is not None:
        return same_id, False
    for row in session.exec(select(Group).where(Group.name_key == name_key(story.name))):
        members = select(GroupMember.person_id).where(GroupMember.group_id == row.id)
        if sender in session.exec(members).all():
            return row, True
        raise InputError(
            f"You already have a group called '{row.name}', and {session.get_one(Person, sender).name} is "
            "not part of it here; nothing was imported.",
            hint="Rename yours with `peerlog group rename` if they are two different groups, then import again.",
        )
    return None, False


def adopt_group(session: Session, story: GroupRecord, people: dict[str, str]) -> Group:
    from peerlog.groups import check_group_name_is_free

    check_group_name_is_free(session, story.name)
    row = Group(
        id=story.id,
        name=story.name,
        name_key=name_key(story.name),
        agreement=story.agreement,
        started_at=story.started_at,
        ended_at=story.ended_at,
        created_at=story.created_at,
        updated_at=story.updated_at,
        version=story.version,
    )
    session.add(row)
    session.flush()
    session.add_all(
        GroupMember(group_id=row.id, person_id=people[m.person_id], joined_at=m.joined_at, left_at=m.left_at)
        for m in story.members
    )
    return row


def take_membership_facts(
    session: Session, story: GroupRecord, group: Group, people: dict[str, str], me: str
) -> None:
    """Someone new to the group here gets the file's stretches; an open stretch the file shows closed later
    is closed; a stretch that begins after every one known here has ended (they came back) is added. Never
    you, never reopened, never removed."""
    here: dict[str, list[GroupMember]] = {}
    for row in session.exec(select(GroupMember).where(GroupMember.group_id == group.id)):
        here.setdefault(row.person_id, []).append(row)
    theirs: dict[str, list[GroupMemberRecord]] = {}
    for m in story.members:
        theirs.setdefault(people[m.person_id], []).append(m)
    for person, stretches in theirs.items():
        if person == me:
            continue
        if person not in here:
            session.add_all(
                GroupMember(group_id=group.id, person_id=person, joined_at=m.joined_at, left_at=m.left_at)
                for m in stretches
            )
            continue
        rows = here[person]
        for m in sorted(stretches, key=lambda m: m.joined_at):
            open_row = next((row for row in rows if row.left_at is None), None)
            if open_row is not None:
                if m.left_at is not None and _utc(m.left_at) >= _utc(open_row.joined_at):
                    open_row.left_at = m.left_at
                    session.add(open_row)
                continue
            # Everything known here has ended: a stretch that begins after it is someone coming back.
            if _utc(m.joined_at) > max(_utc(row.left_at) for row in rows if row.left_at is not None):
                back = GroupMember(
                    group_id=group.id, person_id=person, joined_at=m.joined_at, left_at=m.left_at
                )
                session.add(back)
                rows.append(back)


def _utc(stamp: datetime) -> datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def dated_after_leaving(session: Session, group: Group, person_id: str) -> Callable[[datetime], bool]:
    """Whether an entry `person_id` dated `at` was written after they left `group` (and before any return):
    what someone sends from outside the circle is not the circle's. Their time in it counts as ever."""
    stretches = [
        (_utc(m.joined_at), _utc(m.left_at) if m.left_at else None)
        for m in session.exec(
            select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.person_id == person_id)
        )
    ]
    first_left = min((left for _, left in stretches if left is not None), default=None)

    def late(at: datetime) -> bool:
        at = _utc(at)
        if first_left is None or at < first_left:
            return False
        return not any(joined <= at and (left is None or at < left) for joined, left in stretches)

    return late


def after_leaving_note(result: ImportResult) -> str | None:
    """The one line an import or a sync says about entries left out because their sender had left."""
    if not result.after_leaving:
        return None
    entries = "1 entry" if result.after_leaving == 1 else f"{result.after_leaving} entries"
    were = "was" if result.after_leaving == 1 else "were"
    return (
        f"{entries} from {result.sender or 'them'} dated after they left {result.group or 'the group'} "
        f"{were} not added."
    )


def _within_stretches(
    doc: JournalDocument, origin: Origin, late: Callable[[datetime], bool]
) -> tuple[JournalDocument, int]:
    """`doc` without the sender's entries (and sessions) it would bring that are dated after they left."""
    dropped = 0

    def kept(records: Iterable[R]) -> list[R]:
        nonlocal dropped
        out = []
        for record in records:
            if accepts(origin, record) and late(record.at):
                dropped += 1
            else:
                out.append(record)
        return out

    trimmed = dataclasses.replace(
        doc,
        checkins=kept(doc.checkins),
        reflections=kept(doc.reflections),
        feedback=kept(doc.feedback),
        group_sessions=tuple(kept(doc.group_sessions)),
    )
    return trimmed, dropped


def import_story(session: Session, doc: JournalDocument) -> ImportResult:
    """Take a member's group story into your journal, in the caller's one transaction."""
    me = find_self(session)
    if me is None:
        raise NotInitialisedError(
            "Your journal does not know who you are yet, so a group's story has nowhere to go.",
            hint=INIT_HINT,
        )
    if doc.self_id == me.id:
        raise InputError(
            "This file was written from your own journal, and `import` never changes what you wrote. "
            "Nothing was imported.",
            hint=RESTORE_HINT,
        )
    story = doc.group(doc.scope.group_id)
    assert story is not None, "only a group's story comes this way (is_story)"
    matched = _match_people(session, doc, story, me)
    sender = matched.people[doc.self_id]
    sender_row = session.get_one(Person, sender)
    refuse_plain_once_keyed(
        sender_row, what=f"story of {story.name}", share=f'peerlog share --group "{story.name}"'
    )
    group, link = local_group_for(session, story, sender)
    if group is None:
        group = adopt_group(session, story, matched.people)
        added = True
    else:
        take_membership_facts(session, story, group, matched.people, me.id)
        added = False
    session.flush()
    if link or (group.id != story.id):
        matched.links.append((story.id, "group", group.id))
    origin = Origin(
        mine=False,
        person_map=matched.people,
        group_map={story.id: group.id},
        sender_id=sender,
        sender_name=sender_row.name,
        new_links=tuple(matched.links),
    )
    doc, after_leaving = _within_stretches(doc, origin, dated_after_leaving(session, group, sender))
    result = merge_document(session, doc, origin)
    result.group, result.after_leaving = group.name, after_leaving
    if added:
        # Named first, as a restore names the groups it adds before their entries.
        result.added = Counter({"group": 1, **result.added})
    return result
