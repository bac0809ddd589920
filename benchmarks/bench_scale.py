"""peerlog at scale: a journal of a million check-ins stays instant, and a full export streams.

    .venv/bin/python benchmarks/bench_scale.py                        # 1,000,000 check-ins, 7 rounds
    .venv/bin/python benchmarks/bench_scale.py --size 100000 --rounds 11 --check

Whole `peerlog` processes against `python -c "import sqlmodel, typer, rich"`, measured in the same run and
interleaved round by round (see bench_startup.py for why). Budget (issue 6): adding a check-in,
`log --limit 10`, `wins` for one pair over a month and `search` within 1.5x of that floor.

Then `export --format json --include-private` of everything: its peak memory (the child's own maximum
resident set, from wait4) must stay under 200 MB whatever the journal's size, and its rate is printed.
The Markdown export of everything is measured the same way. Run
it at two sizes (`--size 100000` and the default) to see memory stay flat while the journal grows tenfold.

The journal comes from benchmarks/generate.py (the realistic generator) and is kept in benchmarks/.data/
(ignored by git), rebuilt when the generator changes. Building the million-entry journal takes a few
minutes the first time. A command that does not exist yet is reported as such, not timed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from console import peerlog_command

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
BUDGET = 1.5
MEMORY_LIMIT_MB = 200
BASELINE = ["-c", "import sqlmodel, typer, rich"]
CASES: list[tuple[str, list[str]]] = [
    ("checkin (flags)", ["checkin", "--pair", "sam", "--mood", "4", "--note", "Good talk", "--win", "Asked"]),
    ("log --limit 10", ["log", "--limit", "10"]),
    ("wins --pair sam --since 1m", ["wins", "--pair", "sam", "--since", "1m"]),
    ("search sleep", ["search", "sleep", "--limit", "10"]),
]
EXPORT = ["export", "--include-private", "--force", "--format"]
#: JSON is the budget (issue 6); Markdown streams too and is measured beside it.
FORMATS = ("json", "markdown")


def generator():  # type: ignore[no-untyped-def]
    """benchmarks/generate.py, the journal generator, imported as a module."""
    if not (HERE / "generate.py").exists():
        sys.exit("bench_scale: benchmarks/generate.py (the journal generator) is not there yet.")
    sys.path.insert(0, str(HERE))
    import generate

    return generate


def journal(size: int, seed: int) -> Path:
    """A generated journal of `size` check-ins, reused while generate.py is unchanged."""
    version = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:10]
    path = DATA / f"scale-{size}-{seed}-{version}.db"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        for old in DATA.glob(f"scale-{size}-{seed}-*.db*"):
            old.unlink()
        print(f"Building a journal of {size:,} check-ins with generate.py (once)...", flush=True)
        started = time.perf_counter()
        partial = path.with_name(path.name + ".partial")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        generator().generate(partial, size, seed=seed)
        partial.rename(path)  # a half-built journal is never mistaken for a finished one
        print(f"  built in {time.perf_counter() - started:.0f}s, {path.stat().st_size / 1e6:.0f} MB\n")
    return path


def available(peerlog: list[str], command: str, env: dict[str, str]) -> bool:
    done = subprocess.run([*peerlog, command, "--help"], env=env, capture_output=True, check=False)
    return done.returncode == 0


def time_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench_scale: `{' '.join(argv)}` failed: {done.stderr.decode(errors='replace').strip()}")
    return elapsed


def measure_commands(db: Path, rounds: int, env: dict[str, str]) -> list[tuple[str, float]]:
    peerlog = [*peerlog_command("bench_scale"), "--db", str(db)]
    runnable: list[tuple[str, list[str]]] = [
        ("python -c 'import sqlmodel, typer, rich'", [sys.executable, *BASELINE])
    ]
    for name, args in CASES:
        if available(peerlog, args[0], env):
            runnable.append((name, [*peerlog, *args]))
        else:
            print(f"  `peerlog {args[0]}` is not available in this peerlog yet; not timed.")
    times: dict[str, list[float]] = {name: [] for name, _ in runnable}
    for _, argv in runnable:
        time_once(argv, env)  # warm the page cache: we measure peerlog, not the disk
    for _ in range(rounds):
        for name, argv in runnable:
            times[name].append(time_once(argv, env))
    baseline_name = runnable[0][0]
    floor = statistics.median(times[baseline_name])
    width = max(len(name) for name in times)
    print(f"{'command':<{width}}  {'median':>8}  {'min':>8}  ratio (budget {BUDGET}x)")
    ratios = []
    for name, values in times.items():
        line = f"{name:<{width}}  {statistics.median(values) * 1000:6.0f}ms  {min(values) * 1000:6.0f}ms"
        if name == baseline_name:
            line += "  (baseline)"
        else:
            ratio = statistics.median(values) / floor
            ratios.append((name, ratio))
            line += f"  {ratio:.2f}x  {'within budget' if ratio <= BUDGET else 'over budget'}"
        print(line)
    return ratios


def measure_export(db: Path, env: dict[str, str], checkins: int, fmt: str = "json") -> float | None:
    peerlog = [*peerlog_command("bench_scale"), "--db", str(db)]
    if not available(peerlog, "export", env):
        print("\n`peerlog export` is not available in this peerlog yet; streaming not measured.")
        return None
    with tempfile.TemporaryDirectory(prefix="peerlog-scale-") as tmp:
        out = Path(tmp) / f"everything.{fmt}"
        started = time.perf_counter()
        process = subprocess.Popen(
            [*peerlog, *EXPORT, fmt, "--output", str(out)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            sys.exit(f"bench_scale: export failed: {err.strip()}")
        size_mb = out.stat().st_size / 1e6
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    verdict = "within" if peak_mb < MEMORY_LIMIT_MB else "OVER"
    print(f"\nexport --format {fmt} --include-private of {checkins:,} check-ins:")
    print(
        f"  {size_mb:,.0f} MB written in {elapsed:.1f}s: {checkins / elapsed:,.0f} check-ins/s, {size_mb / elapsed:.1f} MB/s"
    )
    print(f"  peak memory {peak_mb:.0f} MB ({verdict} the {MEMORY_LIMIT_MB} MB limit)")
    return peak_mb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size", type=int, default=1_000_000, help="check-ins in the journal (default 1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds of timings (default 7)")
    parser.add_argument("--no-export", action="store_true", help="skip the export measurement")
    parser.add_argument("--check", action="store_true", help="exit 1 when a budget is missed")
    args = parser.parse_args()
    env = {**os.environ, "PEERLOG_NO_PROMPT": "1", "COLUMNS": "100"}
    for name in ("PEERLOG_DB", "PEERLOG_HOME"):
        env.pop(name, None)
    db = journal(args.size, args.seed)
    print(
        f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs; {args.size:,} check-ins, {args.rounds} rounds\n"
    )
    ratios = measure_commands(db, args.rounds, env)
    missed = [name for name, ratio in ratios if ratio > BUDGET]
    for fmt in () if args.no_export else FORMATS:
        peak = measure_export(db, env, args.size, fmt)
        if peak is not None and peak >= MEMORY_LIMIT_MB:
            missed.append(f"{fmt} export peak memory")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
