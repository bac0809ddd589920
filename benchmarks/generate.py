"""Build a realistic journal of N check-ins for benchmarks (and for trying peerlog on a lived-in journal).

    .venv/bin/python benchmarks/generate.py 100000 /tmp/journal.db [--seed 7] [--force]

The journal is created by the real `Store` (so every migration, index, trigger and the search index are
exactly what users get), then filled with bulk `executemany` inserts (in batches, one transaction): years of daily
entries, ending today, by you (Ana) and five peers across five pairs, with wins, challenges (some later
overcome), tags, reflections with answers (session checks with `scale` answers among them), and feedback
both ways. Peers' entries are mostly shared (as if imported from their journals) and some private, which
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


STATEMENTS = {
    "person": "INSERT INTO person (id, name, name_key, is_self, created_at, updated_at) VALUES (?,?,?,?,?,?)",
    "pair": "INSERT INTO pair (id, person_a_id, person_b_id, agreement, started_at, ended_at, created_at,"
    " updated_at) VALUES (?,?,?,?,?,?,?,?)",
    "checkin": "INSERT INTO checkin (id, author_id, pair_id, at, utc_offset, mood, note, visibility,"
    " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "win": "INSERT INTO win (id, checkin_id, position, text) VALUES (?,?,?,?)",
    "challenge": "INSERT INTO challenge (id, checkin_id, position, text, overcome_at, overcome_note)"
    " VALUES (?,?,?,?,?,?)",
    "tag": "INSERT INTO checkin_tag (checkin_id, tag) VALUES (?,?)",
    "reflection": "INSERT INTO reflection (id, author_id, pair_id, pack_name, pack_title, at, utc_offset,"
    " visibility, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
    "answer": "INSERT INTO answer (id, reflection_id, position, prompt_id, prompt_text, kind, value)"
    " VALUES (?,?,?,?,?,?,?)",
    "feedback": "INSERT INTO feedback (id, pair_id, author_id, recipient_id, kind, message, at, utc_offset,"
    " visibility, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
}


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

    people = {YOU: new_id(rng), **{p: new_id(rng) for p in PEERS}}
    rows: dict[str, list[tuple]] = {k: [] for k in ("person", "pair", "checkin", "win", "challenge", "tag")}
    rows.update({"reflection": [], "answer": [], "feedback": []})
    created = stamp(start)
    for name, pid in people.items():
        rows["person"].append((pid, name, name.casefold(), name == YOU, created, created))
    pairs = {}
    for peer in PEERS:
        a, b = sorted((people[YOU], people[peer]))
        pairs[peer] = new_id(rng)
        agreement = "We listen first, and what we share stays between us."
        rows["pair"].append((pairs[peer], a, b, agreement, created, None, created, created))

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
    for i in range(checkins):
        if i and i % BATCH == 0:
            flush()
        at = start + timedelta(seconds=int(days * 86400 * (i + rng.random()) / checkins))
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
    return totals


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
