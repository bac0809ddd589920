"""Carry-over: what a pair said they would like to try next time, brought back at their next reflection.

A reflection's answer to a "next time" prompt is found by its pack and prompt id (never by the question's
wording, which a pack may change or translate). Only the latest session of the pair counts: the newest day
on which one of you answered such a prompt, with every answer of that day. What you may see is the usual
rule: your own answers, and your peer's shared ones; another pair's never.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from peerlog import lookup, review
from peerlog import tables as t
from peerlog.store.visibility import visible_to

#: (pack name, prompt id) of the prompts whose answers carry over, with what each one asked about.
CARRY_OVER: dict[tuple[str, str], str] = {
    ("session-check", "different"): "try",
    ("after-conversation", "next-time"): "talk about",
}
#: How many reflections are read back to find the latest session (a day rarely has more than a few).
_NEWEST = 20


@dataclass(frozen=True)
class CarriedAnswer:
    person: str
    you: bool
    about: str
    text: str
    at: datetime

    def to_dict(self) -> dict[str, object]:
        return {"person": self.person, "you": self.you, "about": self.about, "text": self.text}


def carried_over(conn: Connection, peer: str) -> list[CarriedAnswer]:
    """Your and your peer's "next time" answers from the pair's latest session, yours first."""
    me = lookup.load_me(conn)
    pair = lookup.find_pair(conn, me, peer)
    rf, a = t.reflection, t.answer
    wanted = or_(*[and_(rf.c.pack_name == pack, a.c.prompt_id == prompt) for pack, prompt in CARRY_OVER])
    rows = conn.execute(
        select(rf.c.author_id, rf.c.pack_name, rf.c.at, rf.c.utc_offset, a.c.prompt_id, a.c.value)
        .join(a, a.c.reflection_id == rf.c.id)
        .where(rf.c.pair_id == pair.id, visible_to(rf, me.id), wanted, a.c.value != "")
        .order_by(rf.c.at.desc(), a.c.position)
        .limit(_NEWEST)
    ).all()
    if not rows:
        return []
    latest_day = review.local(rows[0].at, rows[0].utc_offset).date()
    names = {me.id: me.name, pair.peer_id or "": pair.peer or "?"}
    found = []
    for r in rows:
        moment = review.local(r.at, r.utc_offset)
        if moment.date() != latest_day or not r.value.strip():
            continue
        found.append(
            CarriedAnswer(
                person=names.get(r.author_id, "?"),
                you=r.author_id == me.id,
                about=CARRY_OVER[(r.pack_name, r.prompt_id)],
                text=r.value.strip(),
                at=moment,
            )
        )
    # Yours first, then your peer's; each person's in the order they were written.
    return sorted(found, key=lambda c: (not c.you, c.at))
