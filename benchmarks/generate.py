"""Build a realistic journal of N check-ins for benchmarks (and for trying peerlog on a lived-in journal).

    .venv/bin/python benchmarks/generate.py 100000 /tmp/journal.db [--seed 7] [--force]

The journal is created by the real `Store` (so every migration, index, trigger and the search index are
exactly what users get), then filled with bulk `executemany` inserts (in batches, one transaction): years of daily
entries, ending today, by you (Ana) and five peers across five pairs, with wins, challenges (some later
overcome), tags, reflections with answers (session checks with `scale` answers among them), and feedback
both ways; beside the pairs, five circles of six meet weekly (sessions, attendance, a round each with how
it felt), and a tenth of the check-ins (and some appreciation) are written in a circle. Peers' entries are mostly shared (as if imported from their journals) and some private, which
no view may ever show. The same seed always gives the same journal.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

YOU = "Ana"
PEERS = ["Sam", "Kai", "Noor", "Lee", "Rumi"]
MAX_YEARS = 5
#: Rows are written every this many check-ins, so even a million-entry journal needs little memory.
BATCH = 20_000

OPENINGS = [
    "Talked with {peer} about",
    "Quiet day, thinking about",
    "Spent the evening on",
    "Good call with {peer} about",
    "Felt stuck on",
    "Made some progress with",
    "Wrote a little about",
    "Went for a walk and thought about",
]
TOPICS = [
    "work and the new team",
    "sleep and evening routines",
    "asking for help when things pile up",
    "the move and all the boxes",
    "boundaries with family",
    "learning to cook for one",
    "the job interview next week",
    "feeling anxious before meetings",
    "running again after the injury",
    "money worries and a budget",
    "reconnecting with an old friend",
    "saying no without guilt",
    "the garden and patience",
    "studying for the exam",
    "grief, and the good memories too",
]
CLOSINGS = [
    "It helped to say it out loud.",
    "Still unsure, but calmer.",
    "Small steps.",
    "We both laughed at the end.",
    "Tomorrow is another go.",
    "",
]
WINS = [
    "Sent the hard email",
    "Slept eight hours",
    "Went to the gym before work",
    "Asked for help with the report",
    "Cooked a proper dinner",
    "Called my sister",
    "Finished the chapter",
    "Said no to an extra shift",
    "Walked 10k steps",
    "Spoke up in the meeting",
    "Paid the overdue bill",
    "Tidied the desk",
    "Meditated for ten minutes",
    "Celebrated a friend's birthday",
]
CHALLENGES = [
    "Sleep has been rough",
    "Hard to focus in the afternoons",
    "Too many meetings",
    "Feeling lonely at weekends",
    "Procrastinating on the tax forms",
    "Nervous about the presentation",
    "Arguments at home",
    "Keeping up with messages",
]
TAGS = ["work", "sleep", "family", "health", "study", "money", "friends", "move"]
ANSWERS = [
    "What resonated was hearing that it is okay to go slowly.",
    "It felt safe to talk about the hard parts.",
    "I liked how we took turns and nobody rushed.",
    "Hearing what worked for you gave me an idea to try.",
    "I would like a bit more time for my side next time.",
]
APPRECIATIONS = [
    "Thank you for listening without jumping to advice.",
    "I really liked how you tackled that problem.",
    "You have come so far since we started.",
    "Your honesty about the hard week helped me open up.",
]
SUGGESTIONS = [
    "Next time, could we start with how each of us is doing?",
    "Here's something that worked for me: writing the worry down first.",
    "Could we keep our calls to an hour so neither of us is tired?",
]
SESSION_CHECK = [
    ("heard", "I felt heard and respected."),
    ("mattered", "We talked about what mattered to me."),
    ("fit", "The way we talked fit me."),
    ("overall", "Overall, how was today's conversation for you?"),
]


#: Five circles of six (you and five others each), meeting weekly, beside the pairs.
GROUPS = ["Monday circle", "Tuesday circle", "Wednesday circle", "Thursday circle", "Friday circle"]
GROUP_PEOPLE = ["Abe", "Bo", "Cleo", "Dev", "Eli", "Fay", "Gus", "Ivy", "Jo", "Max"]
GROUP_SIZE = 6
#: The share of check-ins written in a group rather than a pair or alone.
IN_A_GROUP = 0.1
ROUND = [
    ("experience", "long", "What experience would you like to share with the group?"),
    ("take-away", "text", "What do you take away from today?"),
]
FELT = ("felt", "scale", "How did the session feel for you?")

# In the order rows may be written (foreign keys are checked as each row goes in).
STATEMENTS = {
    "person": "INSERT INTO person (id, name, name_key, is_self, created_at, updated_at) VALUES (?,?,?,?,?,?)",
    "pair": "INSERT INTO pair (id, person_a_id, person_b_id, agreement, started_at, ended_at, created_at,"
    " updated_at) VALUES (?,?,?,?,?,?,?,?)",
    "peer_group": "INSERT INTO peer_group (id, name, name_key, agreement, started_at, ended_at, created_at,"
    " updated_at) VALUES (?,?,?,?,?,?,?,?)",
    "group_member": "INSERT INTO group_member (id, group_id, person_id, joined_at, left_at) VALUES (?,?,?,?,?)",
    "checkin": "INSERT INTO checkin (id, author_id, pair_id, at, utc_offset, mood, note, visibility,"
    " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "group_checkin": "INSERT INTO checkin (id, author_id, group_id, at, utc_offset, mood, note, visibility,"
    " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "win": "INSERT INTO win (id, checkin_id, position, text) VALUES (?,?,?,?)",
    "challenge": "INSERT INTO challenge (id, checkin_id, position, text, overcome_at, overcome_note)"
    " VALUES (?,?,?,?,?,?)",
    "tag": "INSERT INTO checkin_tag (checkin_id, tag) VALUES (?,?)",
    "reflection": "INSERT INTO reflection (id, author_id, pair_id, pack_name, pack_title, at, utc_offset,"
    " visibility, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "group_reflection": "INSERT INTO reflection (id, author_id, group_id, pack_name, pack_title, at, utc_offset,"
    " visibility, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "answer": "INSERT INTO answer (id, reflection_id, position, prompt_id, prompt_text, kind, value)"
    " VALUES (?,?,?,?,?,?,?)",
    "feedback": "INSERT INTO feedback (id, pair_id, author_id, recipient_id, kind, message, at, utc_offset,"
    " visibility, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "group_feedback": "INSERT INTO feedback (id, group_id, author_id, recipient_id, kind, message, at,"
    " utc_offset, visibility, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "group_session": "INSERT INTO group_session (id, group_id, author_id, facilitator_id, round_id, at,"
    " utc_offset, visibility, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "group_attendance": "INSERT INTO group_attendance (session_id, person_id) VALUES (?,?)",
}
#: Rows of these statements are counted as the entries they are (a check-in in a group is a check-in).
COUNTED_AS = {"group_checkin": "checkin", "group_reflection": "reflection", "group_feedback": "feedback"}


def stamp(moment: datetime) -> str:
    """A moment as SQLAlchemy stores it in SQLite: UTC text with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def create_journal(path: Path) -> None:
    """An empty journal exactly as `peerlog init` makes it (schema, migrations, search index)."""
    from peerlog.store import Store

    Store.open(path, create=True).close()


def generate(path: Path, checkins: int, *, seed: int = 7, now: datetime | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    create_journal(path)
    days = max(60, min(MAX_YEARS * 365, checkins // 20))
    start = now - timedelta(days=days)
    offset = 60  # the authors' local offset in minutes (UTC+1)

    people = {YOU: new_id(rng), **{p: new_id(rng) for p in PEERS + GROUP_PEOPLE}}
    rows: dict[str, list[tuple]] = {k: [] for k in STATEMENTS}
    created = stamp(start)
    for name, pid in people.items():
        rows["person"].append((pid, name, name.casefold(), name == YOU, created, created))
    pairs = {}
    for peer in PEERS:
        a, b = sorted((people[YOU], people[peer]))
        pairs[peer] = new_id(rng)
        agreement = "We listen first, and what we share stays between us."
        rows["pair"].append((pairs[peer], a, b, agreement, created, None, created, created))

    circles = _groups(rng, rows, people, start, created)

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN IMMEDIATE")
    totals = dict.fromkeys(rows, 0)

    def flush() -> None:
        for table, sql in STATEMENTS.items():
            conn.executemany(sql, rows[table])
            totals[table] += len(rows[table])
            rows[table].clear()

    moods = {pid: 3.0 for pid in people.values()}
    # Each circle meets on its own weekday: the Monday circle on Mondays, and so on.
    next_meeting = (start - timedelta(days=start.weekday())).replace(hour=0, minute=0, second=0) + timedelta(
        weeks=1
    )
    for i in range(checkins):
        if i and i % BATCH == 0:
            flush()
        at = start + timedelta(seconds=int(days * 86400 * (i + rng.random()) / checkins))
        while next_meeting <= at:
            _meetings(rng, rows, people[YOU], circles, next_meeting, offset)
            next_meeting += timedelta(weeks=1)
        if rng.random() < IN_A_GROUP:
            _group_checkin(rng, rows, people[YOU], rng.choice(circles), at, offset, moods)
            continue
        peer = rng.choice(PEERS)
        # About half the entries are yours; the rest are peers' entries imported from their journals.
        author = people[YOU] if rng.random() < 0.5 else people[peer]
        pair_id = pairs[peer] if (author != people[YOU] or rng.random() < 0.8) else None
        visibility = "private" if author == people[YOU] and rng.random() < 0.6 else "shared"
        if author != people[YOU] and rng.random() < 0.05:
            visibility = "private"  # never shown to you: the privacy rule is exercised at scale too
        moods[author] = min(5.0, max(1.0, moods[author] + rng.choice((-1, 0, 0, 1)) * 0.5))
        mood = round(moods[author]) if rng.random() < 0.75 else None
        note = " ".join(
            (rng.choice(OPENINGS).format(peer=peer), rng.choice(TOPICS) + ".", rng.choice(CLOSINGS))
        ).strip()
        cid = new_id(rng)
        st = stamp(at)
        rows["checkin"].append((cid, author, pair_id, st, offset, mood, note, visibility, st, st))
        for position in range(rng.choice((0, 0, 1, 1, 1, 2))):
            rows["win"].append((new_id(rng), cid, position, rng.choice(WINS)))
        if rng.random() < 0.3:
            overcome = at + timedelta(days=rng.randint(1, 40)) if rng.random() < 0.4 else None
            if overcome and overcome > now:
                overcome = None
            rows["challenge"].append(
                (
                    new_id(rng),
                    cid,
                    0,
                    rng.choice(CHALLENGES),
                    stamp(overcome) if overcome else None,
                    "Talking it through helped." if overcome and rng.random() < 0.5 else None,
                )
            )
        for tag in rng.sample(TAGS, rng.choice((0, 1, 1, 2))):
            rows["tag"].append((cid, tag))
        if pair_id and rng.random() < 0.1:
            other = people[peer] if author == people[YOU] else people[YOU]
            if rng.random() < 0.4:
                # After a session both peers rate it: mostly alike, sometimes felt quite differently.
                base = rng.randint(3, 5)
                for who in (author, other):
                    rid = new_id(rng)
                    rst = stamp(at + timedelta(minutes=10 + (who == other) * 7))
                    vis = visibility if who == author else "shared"
                    rows["reflection"].append(
                        (rid, who, pair_id, "session-check", "Session check", rst, offset, vis, rst, rst)
                    )
                    for position, (prompt, text) in enumerate(SESSION_CHECK):
                        value = str(max(1, min(5, base + rng.choice((-2, -1, 0, 0, 0, 0, 1)))))
                        rows["answer"].append((new_id(rng), rid, position, prompt, text, "scale", value))
            else:
                rid = new_id(rng)
                title = "After a conversation"
                rows["reflection"].append(
                    (rid, author, pair_id, "after-conversation", title, st, offset, visibility, st, st)
                )
                rows["answer"].append(
                    (new_id(rng), rid, 0, "resonated", "What resonated?", "long", rng.choice(ANSWERS))
                )
        if pair_id and rng.random() < 0.07:
            other = people[peer] if author == people[YOU] else people[YOU]
            appreciation = rng.random() < 0.7
            message = rng.choice(APPRECIATIONS if appreciation else SUGGESTIONS)
            kind = "appreciation" if appreciation else "suggestion"
            fst = stamp(at + timedelta(minutes=5))
            rows["feedback"].append(
                (new_id(rng), pair_id, author, other, kind, message, fst, offset, visibility, fst, fst)
            )

    try:
        flush()
        conn.execute("COMMIT")
    finally:
        conn.close()
    for table, counted in COUNTED_AS.items():
        totals[counted] += totals.pop(table)
    return totals


def _groups(
    rng: random.Random, rows: dict[str, list[tuple]], people: dict[str, str], start: datetime, created: str
) -> list[tuple[str, list[str]]]:
    """Five circles of you and five others (peers you pair with among them), each member since the start,
    one member of the first circle gone half-way: (group id, current member ids)."""
    circles = []
    others = PEERS + GROUP_PEOPLE
    for n, name in enumerate(GROUPS):
        gid = new_id(rng)
        rows["peer_group"].append(
            (gid, name, name.casefold(), "What is said here stays here.", created, None, created, created)
        )
        chosen = [others[(n * 3 + k) % len(others)] for k in range(GROUP_SIZE - 1)]
        members = [people[YOU], *(people[p] for p in chosen)]
        for pid in members:
            left = stamp(start + (datetime.now(UTC) - start) / 2) if n == 0 and pid == members[-1] else None
            rows["group_member"].append((new_id(rng), gid, pid, created, left))
        circles.append((gid, members[:-1] if n == 0 else members))
    return circles


def _group_checkin(
    rng: random.Random,
    rows: dict[str, list[tuple]],
    me: str,
    circle: tuple[str, list[str]],
    at: datetime,
    offset: int,
    moods: dict[str, float],
) -> None:
    """A check-in in a group, by you or a member (theirs shared with the group, 5% kept private)."""
    gid, members = circle
    author = rng.choice(members)
    visibility = "private" if author == me and rng.random() < 0.4 else "shared"
    if author != me and rng.random() < 0.05:
        visibility = "private"
    moods[author] = min(5.0, max(1.0, moods[author] + rng.choice((-1, 0, 0, 1)) * 0.5))
    cid, st = new_id(rng), stamp(at)
    note = " ".join((rng.choice(TOPICS) + ".", rng.choice(CLOSINGS))).strip()
    rows["group_checkin"].append(
        (cid, author, gid, st, offset, round(moods[author]), note, visibility, st, st)
    )
    for position in range(rng.choice((0, 1, 1, 2))):
        rows["win"].append((new_id(rng), cid, position, rng.choice(WINS)))
    if rng.random() < 0.1:
        other = rng.choice([m for m in members if m != author])
        fst = stamp(at + timedelta(minutes=5))
        message = rng.choice(APPRECIATIONS)
        rows["group_feedback"].append(
            (new_id(rng), gid, author, other, "appreciation", message, fst, offset, visibility, fst, fst)
        )


def _meetings(
    rng: random.Random,
    rows: dict[str, list[tuple]],
    me: str,
    circles: list[tuple[str, list[str]]],
    week: datetime,
    offset: int,
) -> None:
    """Each circle's weekly meeting: who came (four to six), a facilitator among them, a round each
    (written answers and how it felt), and the session as you recorded it when you were there."""
    for n, (gid, members) in enumerate(circles):
        at = week + timedelta(days=n % 5, hours=18)
        came = rng.sample(members, rng.randint(min(4, len(members)), len(members)))
        yours = None
        for who in came:
            rid, rst = new_id(rng), stamp(at + timedelta(hours=2))
            vis = "private" if who == me and rng.random() < 0.3 else "shared"
            rows["group_reflection"].append(
                (rid, who, gid, "group-round", "Group session round", rst, offset, vis, rst, rst)
            )
            for position, (prompt, kind, text) in enumerate(ROUND):
                rows["answer"].append((new_id(rng), rid, position, prompt, text, kind, rng.choice(ANSWERS)))
            felt = str(rng.choice((2, 3, 4, 4, 5, 5)))
            rows["answer"].append((new_id(rng), rid, len(ROUND), FELT[0], FELT[2], FELT[1], felt))
            yours = rid if who == me else yours
        if me in came:
            sid, sst = new_id(rng), stamp(at)
            rows["group_session"].append(
                (sid, gid, me, rng.choice(came), yours, sst, offset, "shared", sst, sst)
            )
            rows["group_attendance"].extend((sid, pid) for pid in came)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkins", type=int, help="how many check-ins")
    parser.add_argument("path", type=Path, help="where to write the journal (a new file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    args = parser.parse_args(argv)
    if args.path.exists():
        if not args.force:
            print(f"generate: {args.path} exists; pass --force to replace it.", file=sys.stderr)
            return 2
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    counts = generate(args.path, args.checkins, seed=args.seed)
    took = time.perf_counter() - started
    summary = ", ".join(f"{n} {table}" for table, n in counts.items())
    print(f"Wrote {args.path} in {took:.1f}s: {summary}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
