"""How fast the review commands answer as a journal grows: whole `peerlog` processes, timed against
`python -c "import sqlmodel, typer, rich"` measured in the same run.

    .venv/bin/python benchmarks/bench_review.py                     # 1k, 10k and 100k check-ins, 7 rounds
    .venv/bin/python benchmarks/bench_review.py --sizes 100000 --rounds 15 --check

Journals come from `generate.py` and are kept in benchmarks/.data/ (ignored by git), rebuilt when the
generator changes. Each round runs the baseline and every command once, in turn, so load drifting on a
shared machine hits them alike; the figure is the median over rounds. The goal (issue 4) is every command
within 1.3x of the baseline at 100k check-ins, the group views (issue 12: 5 circles of 6 beside the pairs)
under the same budget as the pair views; `--check` exits 1 when one misses it. Beside the wall-clock
ratio it prints the CPU-time ratio, which stays steady when other work shares the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from console import peerlog_command

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
BUDGET = 1.3
BASELINE = "import sqlmodel, typer, rich"
COMMANDS: list[tuple[str, list[str]]] = [
    ("wins", ["wins"]),
    ("wins --pair sam", ["wins", "--pair", "sam"]),
    ("summary", ["summary"]),
    ("summary --pair sam --month", ["summary", "--pair", "sam", "--month"]),
    ("wins --group tuesday", ["wins", "--group", "tuesday"]),
    ("summary --group tuesday --month", ["summary", "--group", "tuesday", "--month"]),
    ("log", ["log"]),
    ("search sleep", ["search", "sleep"]),
    ("search --pair sam help*", ["search", "--pair", "sam", "help*"]),
]
#: Not under the budget: a trivial command that also opens the journal, to show what every command pays
#: before doing its own work (Typer building the command tree, the engine, the migration check).
REFERENCE = ("(reference) pair list", ["pair", "list"])


def journal(size: int, seed: int) -> Path:
    """A generated journal of `size` check-ins, reused while the generator is unchanged."""
    version = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:10]
    path = DATA / f"journal-{size}-{seed}-{version}.db"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        for old in DATA.glob(f"journal-{size}-{seed}-*.db*"):
            old.unlink()
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(size), str(path), "--seed", str(seed)], check=True
        )
    return path


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time (what a person waits) and CPU time (steadier when the machine is busy) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"bench_review: `{' '.join(argv)}` failed: {done.stderr.decode().strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def measure(size: int, rounds: int, seed: int, columns: int) -> dict[str, list[tuple[float, float]]]:
    path = journal(size, seed)
    env = {**os.environ, "PEERLOG_DB": str(path), "COLUMNS": str(columns), "PEERLOG_NO_PROMPT": "1"}
    env.pop("PEERLOG_HOME", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached, not recompiled on every run
    peerlog = peerlog_command("bench_review")
    cases = [("baseline", [sys.executable, "-c", BASELINE])]
    cases += [(name, [*peerlog, *args]) for name, args in [*COMMANDS, REFERENCE]]
    for _name, argv in cases:  # warm the page cache and the bytecode before timing anything
        run_once(argv, env)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in cases}
    for _ in range(rounds):
        for name, argv in cases:
            times[name].append(run_once(argv, env))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--columns", type=int, default=120, help="terminal width the commands render for")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 if a command misses {BUDGET}x at the largest size"
    )
    args = parser.parse_args(argv)

    worst = 0.0
    print(
        f'Baseline: python -c "{BASELINE}"; median of {args.rounds} interleaved rounds; ratio = command / baseline.'
    )
    for size in args.sizes:
        times = measure(size, args.rounds, args.seed, args.columns)
        base = statistics.median(w for w, _ in times["baseline"])
        base_cpu = statistics.median(c for _, c in times["baseline"])
        print(f"\n{size:,} check-ins (baseline {base * 1000:.0f} ms wall, {base_cpu * 1000:.0f} ms cpu)")
        print(f"  {'command':30} {'median':>9} {'min':>9} {'ratio':>7} {'cpu ratio':>10}")
        for name, values in times.items():
            if name == "baseline":
                continue
            wall = statistics.median(w for w, _ in values)
            ratio, cpu_ratio = wall / base, statistics.median(c for _, c in values) / base_cpu
            if size == max(args.sizes) and name != REFERENCE[0]:
                worst = max(worst, ratio)
            flag = "" if ratio <= BUDGET or name == REFERENCE[0] else f"  (over {BUDGET}x)"
            fastest = min(w for w, _ in values)
            print(
                f"  {name:30} {wall * 1000:7.0f}ms {fastest * 1000:7.0f}ms {ratio:6.2f}x {cpu_ratio:9.2f}x{flag}"
            )
    if args.check and worst > BUDGET:
        print(
            f"\nA command took {worst:.2f}x the baseline at {max(args.sizes):,} check-ins (goal {BUDGET}x)."
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
