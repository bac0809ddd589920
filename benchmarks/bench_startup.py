"""Start-up budget: whole `peerlog` processes timed against bare-import baselines measured in the same run.

    .venv/bin/python benchmarks/bench_startup.py            # 21 runs of each, interleaved
    .venv/bin/python benchmarks/bench_startup.py --runs 41 --check   # exit 1 if a ratio misses its budget

Why interleaved: on a shared machine the load drifts over seconds, so every round runs each command once,
in turn, and the ratio compares medians of the same rounds. Why medians: a single slow run (a cache miss, a
noisy neighbour) says nothing about what a person waits for day to day.

Budgets (issue 6): `--help` and `--version` within 1.3x of `python -c "import typer"`; a check-in by flags and
`log --limit 10` within 1.3x of `python -c "import sqlmodel, typer, rich"`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from console import peerlog_command

BUDGET = 1.3
SEED_CHECKINS = 200


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]
    baseline: str | None  # the name of the case this one is compared with; None for a baseline


def cases() -> list[Case]:
    py, peerlog = sys.executable, peerlog_command("bench_startup")
    return [
        Case("python -c 'import typer'", [py, "-c", "import typer"], None),
        Case("python -c 'import sqlmodel, typer, rich'", [py, "-c", "import sqlmodel, typer, rich"], None),
        Case("peerlog --help", [*peerlog, "--help"], "python -c 'import typer'"),
        Case("peerlog --version", [*peerlog, "--version"], "python -c 'import typer'"),
        Case(
            "peerlog checkin (flags)",
            [*peerlog, "checkin", "--pair", "sam", "--mood", "4", "--note", "Good talk", "--win", "Asked"],
            "python -c 'import sqlmodel, typer, rich'",
        ),
        Case(
            "peerlog log --limit 10",
            [*peerlog, "log", "--limit", "10"],
            "python -c 'import sqlmodel, typer, rich'",
        ),
    ]


def prepare_journal(home: Path, env: dict[str, str]) -> None:
    """A small, realistic journal: you, a peer, and a few months of check-ins."""
    peerlog = peerlog_command("bench_startup")
    for argv in (["init", "--name", "Ana"], ["pair", "add", "Sam"]):
        subprocess.run([*peerlog, *argv], env=env, check=True, capture_output=True)
    seed = (
        "from peerlog.store import Store\n"
        "from peerlog.checkins import record_checkin\n"
        "from datetime import datetime, timedelta, timezone\n"
        "import sys\n"
        "store = Store.open(__import__('pathlib').Path(sys.argv[1]))\n"
        "start = datetime(2026, 1, 1, 18, tzinfo=timezone.utc)\n"
        "with store.session(write=True) as s:\n"
        f"    for i in range({SEED_CHECKINS}):\n"
        "        record_checkin(s, pair='sam' if i % 2 else None, at=start + timedelta(hours=13 * i),\n"
        "            mood=1 + i % 5, note=f'Check-in {i}', wins=[f'win {i}'], tags=['work'])\n"
    )
    subprocess.run([sys.executable, "-c", seed, str(home / "peerlog.db")], env=env, check=True)


def time_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench_startup: `{' '.join(argv)}` failed: {done.stderr.decode(errors='replace').strip()}")
    return elapsed


def measure(all_cases: list[Case], env: dict[str, str], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {c.name: [] for c in all_cases}
    for case in all_cases:  # one warm-up each: file caches and .pyc files, not what we measure
        time_once(case.argv, env)
    for _ in range(runs):
        for case in all_cases:
            times[case.name].append(time_once(case.argv, env))
    return times


def report(all_cases: list[Case], times: dict[str, list[float]]) -> list[tuple[str, float]]:
    median = {name: statistics.median(values) for name, values in times.items()}
    width = max(len(c.name) for c in all_cases)
    print(f"{'command':<{width}}  {'median':>8}  {'min':>8}  ratio (budget {BUDGET}x)")
    ratios: list[tuple[str, float]] = []
    for case in all_cases:
        line = (
            f"{case.name:<{width}}  {median[case.name] * 1000:6.0f}ms  {min(times[case.name]) * 1000:6.0f}ms"
        )
        if case.baseline:
            ratio = median[case.name] / median[case.baseline]
            ratios.append((case.name, ratio))
            verdict = "within budget" if ratio <= BUDGET else "over budget"
            line += f"  {ratio:.2f}x  {verdict}"
        else:
            line += "  (baseline)"
        print(line)
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="rounds of measurements (default 21)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a ratio misses its budget")
    args = parser.parse_args()
    all_cases = cases()
    with tempfile.TemporaryDirectory(prefix="peerlog-bench-") as tmp:
        env = {**os.environ, "PEERLOG_HOME": tmp, "PEERLOG_NO_PROMPT": "1", "COLUMNS": "100"}
        env.pop("PEERLOG_DB", None)
        # Measure peerlog as installed, with its bytecode cached (pip compiles it; an editable install writes
        # it on first run), not recompiling every module on every run as this variable would make it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        prepare_journal(Path(tmp), env)
        times = measure(all_cases, env, args.runs)
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs, {args.runs} interleaved rounds\n")
    ratios = report(all_cases, times)
    over = [name for name, ratio in ratios if ratio > BUDGET]
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
