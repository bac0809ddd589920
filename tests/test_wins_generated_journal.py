"""The benchmark's generated journal is a real one: the commands read it, and privacy holds at scale."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path

from support import Invoke

ROOT = Path(__file__).resolve().parent.parent


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_generated_journal_reads_well_and_never_shows_a_peers_private_entry(
    invoke: Invoke, tmp_path: Path
) -> None:
    path = tmp_path / "generated.db"
    counts = _generator().generate(path, 400, seed=3)
    assert counts["checkin"] == 400 and counts["answer"] > 0 and counts["feedback"] > 0
    with sqlite3.connect(path) as conn:
        private_ids = {
            r[0]
            for r in conn.execute(
                "SELECT w.id FROM win w JOIN checkin c ON c.id = w.checkin_id JOIN person p ON p.id = c.author_id"
                " WHERE c.visibility = 'private' AND NOT p.is_self"
            )
        }
    assert private_ids, "the generator should include some private entries of peers"
    db = ("--db", str(path))
    wins = json.loads(invoke(*db, "wins", "--since", "1y", "--json").output)
    shown = {w["id"] for week in wins["weeks"] for w in week["wins"]}
    assert shown and not shown & private_ids
    summary = json.loads(invoke(*db, "summary", "--pair", "sam", "--month", "--json").output)
    assert sum(summary["checkins"].values()) > 0
    found = json.loads(invoke(*db, "search", "--json", "--limit", "500", "email").output)["hits"]
    assert found and not {h["id"] for h in found} & private_ids
