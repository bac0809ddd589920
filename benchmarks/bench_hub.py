"""A programme on one PostgreSQL hub (issue 14): 500 members in 200 pairs and 20 circles, a week of syncs.

    .venv/bin/python benchmarks/bench_hub.py                     # 500 members, 7 days, 3 syncs a day each
    .venv/bin/python benchmarks/bench_hub.py --days 2 --workers 4 --watchers 20
    PEERLOG_TEST_PG=postgresql://postgres@db:5432/postgres .venv/bin/python benchmarks/bench_hub.py

Set-up (not timed): a fresh database made into a hub with `hubschema.init`, 500 people invited with
`hubschema.invite` (their own login roles), keys registered and pairs and circles opened by each member
through the hub's own functions; then every change set of the week is sealed with `peerlog.sealing` to its
recipient's real key (about 1 KiB of plaintext each, so the bodies are what the hub really stores).

Timed, in the same run and in turn:

- **baseline**: the same week written as plain INSERTs into a copy of the mailbox with the same columns
  and indexes but no row-level security, no trigger, no foreign key and no NOTIFY, by the same workers
  switching to the same members, and pulled and deleted the same way;
- **hub**: each member's sync as the member: a worker takes a (member, sync) task, becomes that member
  (`SET SESSION AUTHORIZATION`, a superuser's device standing in for each member's own connection, so 500
  members fit in the server's 100 connections), inserts that sync's change sets in one transaction through
  the policies and the trigger (one multi-row INSERT, as hubclient sends; one phase sends one INSERT per
  change set as the client did before, another turns the trigger off to price it), then pages through its
  own mail 100 at a time and deletes what it took.
  Meanwhile `--watchers` members of live pairs (`sync --watch`; as many as the server's connections allow
  beside the workers and a margin for other clients) keep their own login connections: they
  LISTEN on the hub's channel, and on each wake-up (or every second, the poll fallback) read their page.
  The time from the sender's COMMIT to the watcher's page holding the change set is the latency.

Then **storage**: 10,000 change sets written (as members, no pulls) into the emptied mailbox, and the
mailbox's `pg_total_relation_size` (table, indexes, TOAST) per 10k.

Bounded throughout: `--workers` threads with one connection each, the watchers, and one admin connection;
the run stops by itself when every sync of the week is done (a few minutes at the defaults). The database
and every role it made are dropped at the end, even after Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import secrets
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from nacl.signing import SigningKey
from psycopg import sql

from peerlog import hubschema
from peerlog.sealing import seal

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from hub_support import drop_hub, server_url, with_dbname  # noqa: E402  # why: one way to make and drop a test hub

# As hubclient pages: the read policy says "addressed to me" (the caller's member number, by an initplan).
PAGE = "select seq, bundle_id from peerlog_hub.mailbox where seq > %s order by seq limit 100"
PLAIN_PAGE = "select seq, bundle_id from peerlog_hub.plain_mailbox where recipient = %s and seq > %s order by seq limit 100"
#: Connections left free for others using the same server while the benchmark runs.
MARGIN = 25
PLAIN_TABLE = """
create table peerlog_hub.plain_mailbox (
  seq bigint generated always as identity primary key,
  space_id uuid, sender integer not null, recipient integer not null, bundle_id uuid not null,
  sent_at timestamptz not null default now(), body bytea not null, unique (bundle_id, recipient));
create index on peerlog_hub.plain_mailbox (recipient, seq);
"""


@dataclass
class Member:
    name: str
    role: str
    key: SigningKey
    num: int = 0  # member.num: what the mailbox holds as sender and recipient
    spaces: list[tuple[Any, list[int]]] = field(default_factory=list)  # (space id, the others' indexes)


@dataclass
class Change:
    space: Any
    sender: int
    recipient: int
    bundle_id: str
    body: bytes


def plaintext(rng: random.Random) -> bytes:
    """About 1 KiB of a change set's JSON, as a day's check-in with a reflection comes out of a journal."""
    words = [
        "listened",
        "noticed",
        "tried",
        "planned",
        "felt",
        "steady",
        "tired",
        "proud",
        "stuck",
        "asked",
        "shared",
        "slower",
        "kinder",
    ]
    note = " ".join(rng.choice(words) for _ in range(140))
    return ('{"v": 1, "entries": [{"kind": "checkin", "note": "' + note + '"}]}').encode()[:1024]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Programme:
    """The people, their spaces and their week of change sets, on one hub database."""

    def __init__(self, server: str, members: int, pairs: int, circles: int, seed: int) -> None:
        self.server = server
        self.dbname = f"peerlog_bench_{secrets.token_hex(5)}"
        self.url = with_dbname(server, self.dbname)
        self.hub_id: str | None = None
        self.rng = random.Random(seed)
        self.counts = (members, pairs, circles)
        self.members: list[Member] = []

    def build(self) -> None:
        members, pairs, circles = self.counts
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(self.dbname)))
        self.hub_id = hubschema.init(self.url).hub_id
        for i in range(members):
            invited = hubschema.invite(self.url, f"Member {i:03d}")
            self.members.append(Member(invited.name, invited.role, SigningKey.generate()))
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(PLAIN_TABLE)
            conn.execute(
                sql.SQL("grant all on peerlog_hub.plain_mailbox to {}").format(
                    sql.Identifier(f"plh_{self.hub_id}_member")
                )
            )
            for m in self.members:
                as_member(conn, m.role)
                conn.execute("select peerlog_hub.hub_register_key(%s)", (m.key.verify_key.encode().hex(),))
            conn.execute("reset session authorization")
            nums = dict(conn.execute("select role, num from peerlog_hub.member").fetchall())
            for m in self.members:
                m.num = nums[m.role]
            order = list(range(members))
            self.rng.shuffle(order)
            in_pairs, rest = order[: 2 * pairs], order[2 * pairs :]
            for a, b in zip(in_pairs[0::2], in_pairs[1::2], strict=True):
                as_member(conn, self.members[a].role)
                space = conn.execute(
                    "select peerlog_hub.hub_open_pair(%s)", (self.members[b].role,)
                ).fetchone()[0]
                self.members[a].spaces.append((space, [b]))
                self.members[b].spaces.append((space, [a]))
            for c in range(circles):
                group = rest[c::circles]
                if len(group) < 2:
                    continue
                as_member(conn, self.members[group[0]].role)
                space = conn.execute(
                    "select peerlog_hub.hub_open_circle(%s)", ([self.members[i].role for i in group[1:]],)
                ).fetchone()[0]
                for i in group:
                    self.members[i].spaces.append((space, [j for j in group if j != i]))
            conn.execute("reset session authorization")

    def week(self, days: int, syncs_per_day: int) -> list[list[tuple[int, list[Change]]]]:
        """Every sync of the week, grouped by round: in each, every member sends one change set per peer."""
        rounds = []
        for _ in range(days * syncs_per_day):
            tasks = []
            for i, m in enumerate(self.members):
                changes = []
                for space, others in m.spaces:
                    for j in others:
                        bundle_id = uuid.uuid4().hex  # as a journal makes them
                        body = b"".join(
                            seal(
                                [plaintext(self.rng)],
                                signing_key=m.key,
                                recipient=self.members[j].key.verify_key.encode(),
                                bundle_id=bundle_id,
                            )
                        )
                        changes.append(Change(space, i, j, bundle_id, body))
                tasks.append((i, changes))
            self.rng.shuffle(tasks)
            rounds.append(tasks)
        return rounds

    def drop(self) -> None:
        drop_hub(self.server, self.dbname, self.hub_id)


def notify_every_send(prog: Programme) -> None:
    """The trigger as it would be without coalescing: every INSERT statement notifies (for comparison)."""
    import re

    with psycopg.connect(prog.url, autocommit=True) as conn:
        body = conn.execute("select pg_get_functiondef('peerlog_hub.hub_after_send'::regproc)").fetchone()[0]
        naive, found = re.subn(
            r"if pg_try_advisory_xact_lock.*?end if;\s*end if;",
            f"perform pg_notify('plh_{prog.hub_id}', '');",
            body,
            flags=re.S,
        )
        assert found == 1, body
        conn.execute(naive.encode())


def switch_trigger(prog: Programme, *, on: bool) -> None:
    """The mailbox's statement trigger (activity days, coalesced NOTIFY) on or off, to measure its cost."""
    with psycopg.connect(prog.url, autocommit=True) as conn:
        conn.execute(f"alter table peerlog_hub.mailbox {'enable' if on else 'disable'} trigger mailbox_sent")


def room_for_watchers(server: str, asked: int, workers: int) -> int:
    """How many watchers (one login connection each) fit beside the workers, the admin connection and a
    margin for other clients of the same server; superuser-reserved slots are not the members' to take."""
    with psycopg.connect(server, autocommit=True) as conn:
        row = conn.execute(
            "select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
            " - (select count(*) from pg_stat_activity where backend_type = 'client backend')"
        ).fetchone()
    free = int(row[0]) if row else 0
    return max(0, min(asked, free - workers - 2 - MARGIN))


def as_member(conn: psycopg.Connection[Any], role: str) -> None:
    conn.execute(sql.SQL("set session authorization {}").format(sql.Identifier(role)))


@dataclass
class Run:
    name: str
    sent: int = 0
    seconds: float = 0.0
    commit_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    notifications: int = 0
    polls: int = 0

    @property
    def throughput(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


class Watchers:
    """Members in a live session: their own login connections, LISTEN, and a page read on every wake-up
    or every second. Records, per change set addressed to them, the time from its sender's commit."""

    def __init__(self, prog: Programme, chosen: list[int], committed: dict[str, float], run: Run) -> None:
        self.prog, self.chosen, self.committed, self.run = prog, chosen, committed, run
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.watch, args=(i,), daemon=True) for i in chosen]

    def __enter__(self) -> Watchers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)

    def watch(self, index: int) -> None:
        role = self.prog.members[index].role
        url = with_dbname(self.prog.url, self.prog.dbname, user=role, password="")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("listen {}").format(sql.Identifier(f"plh_{self.prog.hub_id}")))
            cursor = 0
            while not self.stop.is_set():
                woke = list(conn.notifies(timeout=1.0, stop_after=1))
                with self.lock:
                    self.run.notifications += len(woke)
                    self.run.polls += not woke
                while True:
                    rows = conn.execute(PAGE, (cursor,)).fetchall()
                    seen = time.perf_counter()
                    for _seq, bundle_id in rows:
                        sent = self.committed.get(bundle_id.hex)
                        if sent is not None:
                            with self.lock:
                                self.run.latency_ms.append((seen - sent) * 1000)
                    if not rows:
                        break
                    cursor = rows[-1][0]
                    conn.execute(
                        "delete from peerlog_hub.mailbox where seq <= %s",  # the policy: only mine
                        (cursor,),
                    )
                    if len(rows) < 100:
                        break


def drive(
    prog: Programme,
    rounds: list[list[tuple[int, list[Change]]]],
    workers: int,
    *,
    hub: bool,
    watching: set[int],
    committed: dict[str, float],
    run: Run,
    batch: bool = True,
) -> None:
    """Every sync of the week by `workers` threads: send, then pull and delete, as each member."""
    tasks: queue.Queue[tuple[int, list[Change]] | None] = queue.Queue()
    for tasks_of_round in rounds:
        for task in tasks_of_round:
            tasks.put(task)
    for _ in range(workers):
        tasks.put(None)
    lock = threading.Lock()

    def work() -> None:
        with psycopg.connect(prog.url, autocommit=True) as conn:
            cursors: dict[int, int] = {}
            while (task := tasks.get()) is not None:
                index, changes = task
                member = prog.members[index]
                # Both sides switch to the member, so the ratio holds the database's work only.
                as_member(conn, member.role)
                table = "mailbox" if hub else "plain_mailbox"
                rows = [(c.space, prog.members[c.recipient].num, c.bundle_id, c.body) for c in changes]
                start = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    if not rows:
                        pass
                    elif batch:
                        # What hubclient sends: one statement per sync (one trigger call, one round trip).
                        cur.execute(
                            f"insert into peerlog_hub.{table} (space_id, sender, recipient, bundle_id, body)"
                            " select s, %s, r, b, x from unnest(%s::uuid[], %s::int[], %s::uuid[],"
                            " %s::bytea[]) as u(s, r, b, x)",
                            [member.num, *(list(column) for column in zip(*rows, strict=True))],
                        )
                    else:
                        # The client before: one INSERT statement per change set.
                        cur.executemany(
                            f"insert into peerlog_hub.{table} (space_id, sender, recipient, bundle_id, body)"
                            " values (%s, %s, %s, %s, %s)",
                            [(c.space, member.num, *row[1:]) for c, row in zip(changes, rows, strict=True)],
                        )
                done = time.perf_counter()
                with lock:
                    run.commit_ms.append((done - start) * 1000)
                    run.sent += len(rows)
                    for c in changes:
                        committed[c.bundle_id] = done
                if index in watching:
                    continue  # their watcher pulls
                cursor = cursors.get(index, 0)
                while True:
                    start = time.perf_counter()
                    if hub:
                        page = conn.execute(PAGE, (cursor,)).fetchall()
                    else:
                        page = conn.execute(PLAIN_PAGE, (member.num, cursor)).fetchall()
                    with lock:
                        run.page_ms.append((time.perf_counter() - start) * 1000)
                    if not page:
                        break
                    cursor = page[-1][0]
                    if hub:
                        conn.execute(
                            "delete from peerlog_hub.mailbox where seq <= %s",  # the policy: only mine
                            (cursor,),
                        )
                    else:
                        conn.execute(
                            "delete from peerlog_hub.plain_mailbox where recipient = %s and seq <= %s",
                            (member.num, cursor),
                        )
                    if len(page) < 100:
                        break
                cursors[index] = cursor
            conn.execute("reset session authorization")

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - start


def storage(prog: Programme, changes: Iterator[Change], count: int) -> tuple[float, float]:
    """MB of the mailbox (table, indexes, TOAST) and of activity per 10k change sets held."""
    with psycopg.connect(prog.url, autocommit=True) as conn:
        conn.execute("truncate peerlog_hub.mailbox")
        written = 0
        for c in changes:
            if written >= count:
                break
            as_member(conn, prog.members[c.sender].role)
            conn.execute(
                "insert into peerlog_hub.mailbox (space_id, recipient, bundle_id, body) values (%s, %s, %s, %s)",
                (c.space, prog.members[c.recipient].num, uuid.uuid4(), c.body),
            )
            written += 1
        conn.execute("reset session authorization")
        size = conn.execute("select pg_total_relation_size('peerlog_hub.mailbox')").fetchone()[0]
        body = conn.execute("select avg(octet_length(body)) from peerlog_hub.mailbox").fetchone()[0]
    return size / 1e6 * 10_000 / max(written, 1), float(body)


def page_at_scale(prog: Programme, rows: int) -> tuple[list[float], str]:
    """A member's page of 100 (bodies included) with `rows` change sets in flight for all 500 members:
    the time of each page, read by 20 members through their own login roles, and the plan one of them gets."""
    nums = [m.num for m in prog.members]
    with psycopg.connect(prog.url, autocommit=True) as conn:
        conn.execute("truncate peerlog_hub.mailbox")
        conn.execute(
            """insert into peerlog_hub.mailbox (space_id, sender, recipient, bundle_id, body)
               select null, 0, (%s::int[])[1 + (i %% %s)], gen_random_uuid(), decode(repeat('ab', 64), 'hex')
               from generate_series(1, %s) i""",
            (nums, len(nums), rows),
        )
        conn.execute("vacuum analyze peerlog_hub.mailbox")
    timings: list[float] = []
    plan = ""
    for m in prog.members[:20]:
        with psycopg.connect(
            with_dbname(prog.url, prog.dbname, user=m.role, password=""), autocommit=True
        ) as c:
            query = PAGE.replace("bundle_id from", "bundle_id, body from")
            plan = plan or "; ".join(r[0].strip() for r in c.execute("explain " + query, (0,)))
            cursor = 0
            for _ in range(10):
                start = time.perf_counter()
                page = c.execute(query, (cursor,)).fetchall()
                timings.append((time.perf_counter() - start) * 1000)
                if not page:
                    break
                cursor = page[-1][0]
    return timings, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--circles", type=int, default=20)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--syncs-per-day", type=int, default=3)
    parser.add_argument("--workers", type=int, default=8, help="threads writing, one connection each")
    parser.add_argument(
        "--watchers",
        type=int,
        default=300,
        help="members watching live (one connection each); capped at what the server's connections allow",
    )
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--page-rows", type=int, default=1_000_000, help="change sets in flight for the page timing (0: skip)"
    )
    parser.add_argument(
        "--no-naive", dest="naive", action="store_false", help="skip the phase with one NOTIFY per send"
    )
    args = parser.parse_args()
    server = os.environ.get("PEERLOG_TEST_PG") or server_url()

    prog = Programme(server, args.members, args.pairs, args.circles, args.seed)
    try:
        t0 = time.perf_counter()
        prog.build()
        print(
            f"set-up: {args.members} members, {args.pairs} pairs, {args.circles} circles "
            f"in {time.perf_counter() - t0:.1f} s (hub {prog.hub_id})"
        )

        # Watchers: both members of the first pairs, as peers in a live session.
        room = room_for_watchers(server, args.watchers, args.workers)
        if room < args.watchers:
            print(
                f"watchers: {args.watchers} asked, {room} fit (max_connections less reserved slots, the "
                f"{args.workers} workers, the admin and {MARGIN} left for other clients)"
            )
        watching: list[int] = []
        for m_index, m in enumerate(prog.members):
            if len(watching) >= room:
                break
            if m_index not in watching and len(m.spaces) == 1 and len(m.spaces[0][1]) == 1:
                watching += [m_index, m.spaces[0][1][0]]
        watching = watching[:room]

        # (name, through the hub, watched, one NOTIFY per send, one multi-row INSERT per sync, trigger on)
        phases = [
            ("baseline: plain INSERT, no RLS, no trigger, no NOTIFY", False, False, False, True, True),
            ("hub, one INSERT per change set (client before)", True, False, False, False, True),
            ("hub, one INSERT per sync, nobody watching", True, False, False, True, True),
            ("hub, one INSERT per sync, trigger off", True, False, False, True, False),
            (f"hub, one INSERT per sync, {len(watching)} watching", True, True, False, True, True),
        ]
        if args.naive:
            phases.append(
                (f"hub, per sync, {len(watching)} watching, NOTIFY every send", True, True, True, True, True)
            )
        runs: list[Run] = []
        last_week: list[list[tuple[int, list[Change]]]] = []
        for name, hub, watched, naive, batch, trigger in phases:
            t0 = time.perf_counter()
            last_week = prog.week(args.days, args.syncs_per_day)
            sealing = time.perf_counter() - t0
            run = Run(name)
            committed: dict[str, float] = {}
            if naive:
                notify_every_send(prog)
            if not trigger:
                switch_trigger(prog, on=False)
            with Watchers(prog, watching if watched else [], committed, run):
                drive(
                    prog,
                    last_week,
                    args.workers,
                    hub=hub,
                    watching=set(watching) if watched else set(),
                    committed=committed,
                    run=run,
                    batch=batch,
                )
                if watched:
                    time.sleep(2.5)  # the watchers' last wake-ups and polls
            if not trigger:
                switch_trigger(prog, on=True)
            runs.append(run)
            print(
                f"{name}: {run.sent} change sets (sealed in {sealing:.1f} s, not timed) in {run.seconds:.1f} s"
            )
        per10k, avg_body = storage(prog, (c for r in last_week for _, cs in r for c in cs), 10_000)
        with psycopg.connect(prog.url) as conn:
            whole = conn.execute("select pg_database_size(current_database())").fetchone()[0]
        if args.page_rows:
            t0 = time.perf_counter()
            pages, plan = page_at_scale(prog, args.page_rows)
            print(
                f"page timing: {args.page_rows:,} change sets in flight, made in {time.perf_counter() - t0:.0f} s"
            )

        print()
        print(f"{'':54} {'sets/s':>8} {'ratio':>6} {'commit p50/p95 ms':>18} {'page p50/p95 ms':>16}")
        for run in runs:
            print(
                f"{run.name:54} {run.throughput:8,.0f} {run.throughput / runs[0].throughput:5.2f}x "
                f"{statistics.median(run.commit_ms):8.1f} /{percentile(run.commit_ms, 0.95):6.1f}   "
                f"{statistics.median(run.page_ms) if run.page_ms else float('nan'):6.2f} /"
                f"{percentile(run.page_ms, 0.95):5.2f}"
            )
        print()
        for run in runs:
            if not run.latency_ms:
                continue
            print(
                f"{run.name}: send -> peer sees ({len(run.latency_ms)} change sets): "
                f"p50 {percentile(run.latency_ms, 0.5):.0f} ms, p95 {percentile(run.latency_ms, 0.95):.0f} ms, "
                f"p99 {percentile(run.latency_ms, 0.99):.0f} ms; notifications heard "
                f"{run.notifications / max(len(watching), 1) / max(run.seconds, 1e-9):.1f}/s per watcher, "
                f"quiet 1 s polls {run.polls}"
            )
        print(
            f"storage: {per10k:.1f} MB per 10k change sets in the mailbox, indexes and TOAST included "
            f"(sealed body {avg_body:.0f} B on average); database {whole / 1e6:.0f} MB after the run"
        )
        if args.page_rows:
            print(
                f"a member's page of 100 with {args.page_rows:,} in flight ({len(pages)} pages, 20 members): "
                f"p50 {percentile(pages, 0.5):.2f} ms, p95 {percentile(pages, 0.95):.2f} ms; plan: {plan}"
            )
    finally:
        prog.drop()


if __name__ == "__main__":
    main()
