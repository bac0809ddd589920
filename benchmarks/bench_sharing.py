"""Sharing with a peer (issue 11): sealed bundles against plain JSON of the same entries, as whole processes.

    .venv/bin/python benchmarks/bench_sharing.py                          # 10k and 100k shared entries, 3 rounds
    .venv/bin/python benchmarks/bench_sharing.py --sizes 10000 --rounds 7
    .venv/bin/python benchmarks/bench_sharing.py --sizes 100000 --rounds 1 --profile   # where the time goes

Two journals, as two people keep them: Ana's, with N shared entries in her pair with Sam (check-ins with
wins, challenges and tags, reflections with answers, feedback), beside private ones and entries with other
peers that must stay home; and Sam's, with entries of his own (none shared with Ana, so his sync sends
nothing). They are paired by key through the CLI, as people do: `peerlog id --json` on each side, `pair set
sam --key CODE` in Ana's and `pair add Ana --key CODE` in Sam's, then `pair set ... --sync-dir` on both.
The journals are built once per size and kept in benchmarks/.data/ (ignored by git); every timed process
runs on a fresh copy of them, so each round starts from the same state (the copy is not timed).

Each round times, in turn, each as a whole `peerlog` process:

- (a) `share --pair sam` (everything, sealed to Sam's key) against `export --format json --pair sam`;
- (b) `import` of that sealed bundle into Sam's journal against `import` of that plain export into the same
  journal as it was before Sam added Ana's key (the same entries, in a plain document: it lands in the pair
  by the sender's name, as plain bundles from an older peerlog do, and goes through the same merge; a
  journal that holds the peer's key takes only sealed bundles);
- (c) `sync` in Ana's journal (seals her N new entries into the folder) then `sync` in Sam's (applies them),
  against the plain pair, export then import, of the same round.

It prints medians of wall-clock and CPU time (user + system of the process, from wait4, steadier on a
shared machine), the ratios sealed / plain per size (issue 11 aims at 1.2x or less), and the peak memory
(maximum resident set) of every import: the sealed one streams and must stay flat from 10k to 100k.
`--profile` runs the sealed share and import once more under cProfile (in-process) and prints the top of
each profile, grouped into JSON, SQL, cryptography and the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console import peerlog_command

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
sys.path.insert(0, str(HERE))

import generate as gen  # noqa: E402  # why: the realistic generator's texts and statements, beside this file

TARGET = 1.2
#: Bump when `_fill` or the pairing changes, so journals kept in .data are built again.
JOURNALS_VERSION = "2"
ENV_DROP = ("PEERLOG_DB", "PEERLOG_HOME", "PYTHONDONTWRITEBYTECODE")


# ---------------------------------------------------------------- the two journals


def _fill(
    path: Path, *, me: str, peers: list[str], shared_with: str | None, shared: int, own: int, seed: int
) -> None:
    """A journal whose "you" is `me`: `shared` of your shared entries in the pair with `shared_with`, and
    `own` more entries of yours that must never leave for that peer (private ones, or with other peers)."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    total = shared + own
    days = max(60, min(gen.MAX_YEARS * 365, total // 20))
    start = now - timedelta(days=days)
    offset = 60
    gen.create_journal(path)
    people = {me: gen.new_id(rng), **{p: gen.new_id(rng) for p in peers}}
    rows: dict[str, list[tuple]] = {k: [] for k in gen.STATEMENTS}
    created = gen.stamp(start)
    for name, pid in people.items():
        rows["person"].append((pid, name, name.casefold(), name == me, created, created))
    pairs = {}
    for peer in peers:
        a, b = sorted((people[me], people[peer]))
        pairs[peer] = gen.new_id(rng)
        agreement = "We listen first, and what we share stays between us."
        rows["pair"].append((pairs[peer], a, b, agreement, created, None, created, created))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN IMMEDIATE")

    def flush() -> None:
        for table, sql in gen.STATEMENTS.items():
            conn.executemany(sql, rows[table])
            rows[table].clear()

    others = [p for p in peers if p != shared_with]
    made_shared = made_own = i = 0
    author = people[me]
    while made_shared < shared or made_own < own:
        i += 1
        if i % gen.BATCH == 0:
            flush()
        at = start + timedelta(
            seconds=int(days * 86400 * min(1.0, (made_shared + made_own + rng.random()) / total))
        )
        # Spread the entries that stay home evenly among those that go, as a lived-in journal has them.
        goes = made_own >= own or (made_shared < shared and rng.random() < shared / total)
        if goes:
            peer, visibility = shared_with, "shared"
        elif rng.random() < 0.5 or not others:
            peer, visibility = shared_with or others[0], "private"
        else:
            peer, visibility = rng.choice(others), "shared"
        assert peer is not None
        pair_id = pairs[peer]
        st = gen.stamp(at)
        roll = rng.random()
        if roll < 0.06:
            # A reflection: a session check (scale answers) or a free-text one.
            rid = gen.new_id(rng)
            if roll < 0.025:
                rows["reflection"].append(
                    (rid, author, pair_id, "session-check", "Session check", st, offset, visibility, st, st)
                )
                for position, (prompt, text) in enumerate(gen.SESSION_CHECK):
                    rows["answer"].append(
                        (gen.new_id(rng), rid, position, prompt, text, "scale", str(rng.randint(2, 5)))
                    )
            else:
                rows["reflection"].append(
                    (
                        rid,
                        author,
                        pair_id,
                        "after-conversation",
                        "After a conversation",
                        st,
                        offset,
                        visibility,
                        st,
                        st,
                    )
                )
                rows["answer"].append(
                    (gen.new_id(rng), rid, 0, "resonated", "What resonated?", "long", rng.choice(gen.ANSWERS))
                )
        elif roll < 0.10:
            appreciation = rng.random() < 0.7
            message = rng.choice(gen.APPRECIATIONS if appreciation else gen.SUGGESTIONS)
            kind = "appreciation" if appreciation else "suggestion"
            rows["feedback"].append(
                (
                    gen.new_id(rng),
                    pair_id,
                    author,
                    people[peer],
                    kind,
                    message,
                    st,
                    offset,
                    visibility,
                    st,
                    st,
                )
            )
        else:
            note = " ".join(
                (
                    rng.choice(gen.OPENINGS).format(peer=peer),
                    rng.choice(gen.TOPICS) + ".",
                    rng.choice(gen.CLOSINGS),
                )
            ).strip()
            cid = gen.new_id(rng)
            mood = rng.randint(1, 5) if rng.random() < 0.75 else None
            rows["checkin"].append((cid, author, pair_id, st, offset, mood, note, visibility, st, st))
            for position in range(rng.choice((0, 0, 1, 1, 1, 2))):
                rows["win"].append((gen.new_id(rng), cid, position, rng.choice(gen.WINS)))
            if rng.random() < 0.3:
                overcome = at + timedelta(days=rng.randint(1, 40)) if rng.random() < 0.4 else None
                if overcome and overcome > now:
                    overcome = None
                note_over = "Talking it through helped." if overcome and rng.random() < 0.5 else None
                rows["challenge"].append(
                    (
                        gen.new_id(rng),
                        cid,
                        0,
                        rng.choice(gen.CHALLENGES),
                        gen.stamp(overcome) if overcome else None,
                        note_over,
                    )
                )
            for tag in rng.sample(gen.TAGS, rng.choice((0, 1, 1, 2))):
                rows["tag"].append((cid, tag))
        if goes:
            made_shared += 1
        else:
            made_own += 1
    try:
        flush()
        conn.execute("COMMIT")
    finally:
        conn.close()


@dataclass
class Journals:
    ana: Path
    sam: Path
    #: Sam's journal as it is before he adds Ana's key (her pair linked by name only): where a plain
    #: bundle still lands, since a journal that holds the peer's key takes only sealed ones.
    sam_plain: Path
    folder: Path
    size: int


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench_sharing: `{' '.join(argv)}` failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def journals(size: int, seed: int, env: dict[str, str]) -> Journals:
    """Ana's and Sam's journals for `size` shared entries, paired by key; built once, reused while this
    script and generate.py are unchanged."""
    import peerlog

    # The schema peerlog makes them with: a journal from another schema would be upgraded (and backed up)
    # inside the timed processes.
    package = Path(peerlog.__file__).parent
    schema = b"".join((package / name).read_bytes() for name in ("models.py", "store/migrations.py"))
    made_by = (HERE / "generate.py").read_bytes() + JOURNALS_VERSION.encode() + schema
    version = hashlib.sha256(made_by).hexdigest()[:10]
    base = DATA / f"sharing-{size}-{seed}-{version}"
    made = Journals(base / "ana.db", base / "sam.db", base / "sam-plain.db", base / "folder", size)
    if (base / "ready").exists():
        return made
    for old in DATA.glob(f"sharing-{size}-{seed}-*"):
        shutil.rmtree(old)
    base.mkdir(parents=True)
    print(f"Building Ana's and Sam's journals for {size:,} shared entries (once)...", flush=True)
    started = time.perf_counter()
    _fill(
        made.ana,
        me="Ana",
        peers=["Sam", "Kai", "Noor"],
        shared_with="Sam",
        shared=size,
        own=size // 2,
        seed=seed,
    )
    _fill(made.sam, me="Sam", peers=["Kai", "Lee"], shared_with=None, shared=0, own=size // 2, seed=seed + 1)
    shutil.copyfile(made.sam, made.sam_plain)
    peerlog = peerlog_command("bench_sharing")
    ana = [*peerlog, "--db", str(made.ana)]
    sam = [*peerlog, "--db", str(made.sam)]
    ana_code = json.loads(_run([*ana, "id", "--json"], env))["code"]
    sam_code = json.loads(_run([*sam, "id", "--json"], env))["code"]
    _run([*ana, "pair", "set", "sam", "--key", sam_code], env)
    _run([*sam, "pair", "add", "Ana", "--key", ana_code], env)
    _run([*peerlog, "--db", str(made.sam_plain), "id", "--json"], env)  # a key of his own, as init gives
    _run([*peerlog, "--db", str(made.sam_plain), "pair", "add", "Ana"], env)
    made.folder.mkdir()
    _run([*ana, "pair", "set", "sam", "--sync-dir", str(made.folder)], env)
    _run([*sam, "pair", "set", "ana", "--sync-dir", str(made.folder)], env)
    (base / "ready").write_text("")
    print(
        f"  built in {time.perf_counter() - started:.0f}s ({made.ana.stat().st_size / 1e6:.0f} MB and "
        f"{made.sam.stat().st_size / 1e6:.0f} MB)\n",
        flush=True,
    )
    return made


# ---------------------------------------------------------------- timing whole processes


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    out: str


def run_timed(argv: list[str], env: dict[str, str]) -> Run:
    """One whole process: wall-clock, its own CPU (user + system) and peak resident set, from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            sys.exit(
                f"bench_sharing: `{' '.join(argv)}` failed: {err.read().decode(errors='replace').strip()}"
            )
        return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read().decode())


def fresh(source: Path, into: Path) -> Path:
    """A copy of a journal and its key, so a round starts from the same state as every other."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{into}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, into)
    key = Path(f"{source}.key")
    shutil.copy2(key, f"{into}.key")
    return into


def empty(folder: Path) -> None:
    for item in folder.iterdir():
        if item.is_dir():
            shutil.rmtree(item)
        else:
            item.unlink()


CASES = (
    "share (sealed)",
    "export --format json --pair",
    "import sealed bundle",
    "import plain export",
    "sync: Ana sends",
    "sync: Sam receives",
)


@dataclass
class Results:
    size: int
    runs: dict[str, list[Run]] = field(default_factory=lambda: {c: [] for c in CASES})

    def median(self, case: str, what: str = "wall") -> float:
        return statistics.median(getattr(r, what) for r in self.runs[case])

    def paired(self, cases: tuple[str, ...], what: str = "wall") -> float:
        """Median over rounds of the sum of `cases` within each round."""
        rounds = len(self.runs[cases[0]])
        return statistics.median(sum(getattr(self.runs[c][i], what) for c in cases) for i in range(rounds))


def one_round(j: Journals, work: Path, env: dict[str, str], results: Results, check: bool) -> None:
    peerlog = peerlog_command("bench_sharing")
    sealed, plain = work / "ana-to-sam.peerlog", work / "ana-to-sam.json"
    ana = fresh(j.ana, work / "ana.db")
    r = results.runs
    # Ana's journal is written by share (what Sam was sent), so each sealed process gets a fresh copy.
    r["share (sealed)"].append(
        run_timed(
            [*peerlog, "--db", str(ana), "share", "--pair", "sam", "--output", str(sealed), "--force"], env
        )
    )
    r["export --format json --pair"].append(
        run_timed(
            [
                *peerlog,
                "--db",
                str(j.ana),
                "export",
                "--format",
                "json",
                "--pair",
                "sam",
                "--output",
                str(plain),
                "--force",
            ],
            env,
        )
    )
    sam = fresh(j.sam, work / "sam.db")
    r["import sealed bundle"].append(
        run_timed([*peerlog, "--db", str(sam), "import", str(sealed), "--json"], env)
    )
    if check:
        got = json.loads(r["import sealed bundle"][-1].out)
        assert sum(got["added"].values()) == j.size, got
    sam = fresh(j.sam_plain, work / "sam.db")
    r["import plain export"].append(
        run_timed([*peerlog, "--db", str(sam), "import", str(plain), "--json"], env)
    )
    if check:
        got = json.loads(r["import plain export"][-1].out)
        assert sum(got["added"].values()) == j.size and not got["skipped"], got
    ana, sam = fresh(j.ana, work / "ana.db"), fresh(j.sam, work / "sam.db")
    empty(j.folder)
    r["sync: Ana sends"].append(run_timed([*peerlog, "--db", str(ana), "sync", "--json"], env))
    r["sync: Sam receives"].append(run_timed([*peerlog, "--db", str(sam), "sync", "--json"], env))
    if check:
        sent = json.loads(r["sync: Ana sends"][-1].out)[0]["sent"]["entries"]
        got = json.loads(r["sync: Sam receives"][-1].out)[0]["received"]["entries"]
        assert sent == got == j.size, (sent, got)
    empty(j.folder)


def report(results: Results, rounds: int) -> None:
    size = results.size
    print(f"\n{size:,} shared entries, {rounds} rounds (medians; ratio = sealed / plain, aim <= {TARGET}x)")
    comparisons = (
        ("(a) share vs export", ("share (sealed)",), ("export --format json --pair",)),
        ("(b) import: sealed vs plain", ("import sealed bundle",), ("import plain export",)),
        (
            "(c) sync both ways vs export+import",
            ("sync: Ana sends", "sync: Sam receives"),
            ("export --format json --pair", "import plain export"),
        ),
        (
            "    share+import vs export+import",
            ("share (sealed)", "import sealed bundle"),
            ("export --format json --pair", "import plain export"),
        ),
    )
    print(
        f"  {'':38} {'sealed':>8} {'plain':>8} {'ratio':>6}   {'CPU sealed':>10} {'CPU plain':>9} {'ratio':>6}"
    )
    for name, sealed, plain in comparisons:
        ws, wp = results.paired(sealed), results.paired(plain)
        cs, cp = results.paired(sealed, "cpu"), results.paired(plain, "cpu")
        print(f"  {name:38} {ws:7.2f}s {wp:7.2f}s {ws / wp:5.2f}x   {cs:9.2f}s {cp:8.2f}s {cs / cp:5.2f}x")
    print("  each process (wall median / CPU median / peak RSS):")
    for case in CASES:
        peak = max(r.peak_mb for r in results.runs[case])
        print(
            f"    {case:30} {results.median(case):7.2f}s {results.median(case, 'cpu'):7.2f}s {peak:6.0f} MB"
        )


# ---------------------------------------------------------------- where the time goes


#: Own time is grouped by the first group whose needle is in "file:function" (order matters: peerlog's own
#: readers and writers of JSON records first, then the json module itself).
GROUPS = (
    ("crypto (nacl, sealing.py)", ("nacl", "peerlog/sealing.py")),
    ("checking records (importers)", ("peerlog/importers/", "peerlog/rules.py")),
    (
        "making records (exporters, transfer)",
        ("peerlog/exporters/", "peerlog/transfer.py:_", "interchange.py"),
    ),
    ("JSON encode/decode (json, _json)", ("/json/", "_json")),
    ("SQL (sqlalchemy, sqlmodel, sqlite3)", ("sqlalchemy", "sqlite3", "sqlmodel")),
    ("pydantic", ("pydantic",)),
)


def profile(j: Journals, work: Path, top: int) -> None:
    """The sealed share and import once more, in this process under cProfile, the plain export and
    import beside them, then sync both ways: own time grouped by where the code lives, then the top
    functions by own and by cumulative time."""
    import cProfile
    import pstats

    from typer.testing import CliRunner

    from peerlog.cli.app import app

    runner = CliRunner()
    # Imports are paid once per process, and they are not where sharing spends its time: load them first.
    import nacl.public
    import nacl.signing  # noqa: F401

    import peerlog.changesets
    import peerlog.exchange
    import peerlog.importers  # noqa: F401

    runner.invoke(app, ["--db", str(fresh(j.sam, work / "profile-warm.db")), "pair", "list"])
    sealed, plain = work / "profile.peerlog", work / "profile.json"
    export = ["export", "--format", "json", "--pair", "sam", "--output", str(plain), "--force"]
    for name, journal, args in (
        ("sealed share", j.ana, ["share", "--pair", "sam", "--output", str(sealed), "--force"]),
        ("sealed import", j.sam, ["import", str(sealed)]),
        ("plain export", j.ana, export),
        ("plain import", j.sam_plain, ["import", str(plain)]),
        ("sync: Ana sends", j.ana, ["sync"]),
        ("sync: Sam receives", j.sam, ["sync"]),
    ):
        if name == "sync: Ana sends":
            empty(j.folder)
        copy = fresh(journal, work / f"profile-{name.replace(' ', '-')}.db")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        result = runner.invoke(app, ["--db", str(copy), *args], catch_exceptions=False)
        profiler.disable()
        took = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        stats = pstats.Stats(profiler)
        # Kept for a closer look: python -m pstats benchmarks/.data/profile-....prof (or snakeviz).
        stats.dump_stats(DATA / f"profile-{j.size}-{name.replace(' ', '-').replace(':', '')}.prof")
        total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]  # why: pstats keeps it untyped
        groups = dict.fromkeys([g for g, _ in GROUPS] + ["other (peerlog, Python)"], 0.0)
        for (filename, _, func), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            place = f"{filename}:{func}"
            for group, needles in GROUPS:
                if any(n in place for n in needles):
                    groups[group] += own
                    break
            else:
                groups["other (peerlog, Python)"] += own
        print(f"\n--- profile: {name} of {j.size:,} entries, {took:.1f}s under cProfile; own time by group:")
        for group, own in sorted(groups.items(), key=lambda g: -g[1]):
            print(f"    {group:40} {own:6.1f}s  {own / total:5.0%}")
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
    empty(j.folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="shared entries (default 10k and 100k)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size (default 3; 0 with --profile)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--profile", action="store_true", help="also profile the sealed share and import once"
    )
    parser.add_argument("--top", type=int, default=25, help="functions shown per profile")
    args = parser.parse_args()
    env = {**os.environ, "PEERLOG_NO_PROMPT": "1", "COLUMNS": "100"}
    for name in ENV_DROP:
        env.pop(name, None)
    try:
        load = "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "load unknown"
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {load}")
    everything = [journals(size, args.seed, env) for size in args.sizes]
    for j in everything:
        results = Results(j.size)
        with tempfile.TemporaryDirectory(prefix="peerlog-sharing-", dir=DATA) as tmp:
            work = Path(tmp)
            for number in range(args.rounds):
                one_round(j, work, env, results, check=number == 0)
                print(f"  {j.size:,}: round {number + 1} of {args.rounds} done", flush=True)
            if args.rounds:
                report(results, args.rounds)
            if args.profile:
                profile(j, work, args.top)
    print(
        f"\nfinished, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {load.replace('load average', 'load average at start')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
