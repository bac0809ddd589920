"""What peerlog writes, peerlog reads back: any journal built through the command line survives a restore.

For any journal peerlog accepted (check-ins with whatever notes, tags, moods, wins and challenges it took,
edits, challenges overcome, reflections, feedback, shared and private, and a peer's entries from a bundle),
`export --format json --include-private`, then `restore` into a fresh journal, then export again: the same
bytes. Input the command line refuses is simply not part of the journal.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from peerlog.cli import app
from support import own_code

Run = Callable[..., Result]

# What people type: mostly text peerlog takes (any script, Markdown and markup characters, new lines),
# sometimes what it refuses (control characters, escape sequences), which then is not in the journal.
_taken = st.lists(
    st.characters(blacklist_categories=("Cs", "Cc"))
    | st.sampled_from(["\n", "\t", "\r\n", "#", "*", "`", ">", "|", "[/]", "-", " "]),
    max_size=30,
).map("".join)
_refused = st.lists(st.characters(blacklist_categories=("Cs",)) | st.just("\x1b[31m"), max_size=10).map(
    "".join
)
typed = _taken
tags = st.from_regex(r"[a-zA-Zé0-9][a-zA-Z0-9_\-./]{0,8}", fullmatch=True)
moods = st.none() | st.integers(1, 5)
moments = st.sampled_from(["", "2026-11-02T09:15+05:30", "2026-11-03T18:00-05:00", "yesterday", "3d"])


def _runner(home: Path) -> Run:
    runner = CliRunner()
    env = {"PEERLOG_HOME": str(home), "PEERLOG_NO_PROMPT": "1", "COLUMNS": "120"}

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        assert result.exit_code in (0, 1, 2), result.output
        return result

    return run


def _checkin_args(draw: Any, pair: str | None) -> list[str]:
    args = ["checkin", f"--note={draw(typed)}"]
    if (mood := draw(moods)) is not None:
        args.append(f"--mood={mood}")
    args += [f"--win={w}" for w in draw(st.lists(typed, max_size=2))]
    args += [f"--challenge={c}" for c in draw(st.lists(typed, max_size=2))]
    args += [f"--tag={t}" for t in draw(st.lists(tags, max_size=2))]
    if at := draw(moments):
        args.append(f"--at={at}")
    if pair:
        args.append(f"--pair={pair}")
    args.append(draw(st.sampled_from(["--shared", "--private"])))
    return args


def _build(draw: Any, ana: Run, sam: Run, folder: Path) -> None:
    ana("init", "--name", "Ana")
    ana("pair", "add", "Sam", f"--agreement={draw(typed)}")
    if draw(st.booleans()):
        ana("pair", "add", "Lee", f"--agreement={draw(typed)}")
    if draw(st.booleans()):
        # A peer's shared entries, arrived in a bundle, belong in the restore too.
        # First contact by codes, then a sealed bundle from Sam.
        sam("init", "--name", "Sam")
        sam("pair", "add", "Ana", "--key", json.loads(ana("id", "--json").stdout)["code"])
        ana("pair", "set", "Sam", "--key", json.loads(sam("id", "--json").stdout)["code"])
        for _ in range(draw(st.integers(1, 2))):
            sam(*_checkin_args(draw, "ana"))
        sam("feedback", "ana", f"{draw(typed)}", "--shared")
        bundle = folder / "sam.sealed"
        shared = sam("share", "--pair", "ana", "--output", str(bundle))
        assert shared.exit_code == 0, shared.output
        imported = ana("import", str(bundle))
        assert imported.exit_code == 0, imported.output
    for _ in range(draw(st.integers(1, 4))):
        ana(*_checkin_args(draw, draw(st.sampled_from([None, "sam", "lee"]))))
    ana("checkin", f"--note={draw(_refused)}", "--shared")
    mine = [e for e in json.loads(ana("log", "--json").stdout) if e["by_you"]]
    if mine and draw(st.booleans()):
        entry = draw(st.sampled_from(mine))
        ana("edit", entry["id"], f"--note={draw(typed)}", f"--add-win={draw(typed)}", "--tag=edited")
        for challenge in entry["challenges"][:1]:
            ana("challenge", "done", challenge["id"], f"--note={draw(typed)}")
    for _ in range(draw(st.integers(0, 2))):
        answers = [f"--answer=resonated={draw(typed)}", f"--answer=take-away={draw(typed)}"]
        ana("reflect", "--pair=sam", *answers, draw(st.sampled_from(["--shared", "--private"])), "--no-hints")
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["appreciation", "suggestion"]))
        ana(
            "feedback",
            "sam",
            draw(typed),
            f"--kind={kind}",
            "--no-hints",
            draw(st.sampled_from(["--shared", "--private"])),
        )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_journal_restored_into_a_fresh_one_exports_the_same_bytes(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        ana, sam = _runner(folder / "ana"), _runner(folder / "sam")
        _build(data.draw, ana, sam, folder)
        first = folder / "everything.json"
        assert ana("export", "--format", "json", "--include-private", "--output", str(first)).exit_code == 0
        laptop = _runner(folder / "laptop")
        restored = laptop("restore", str(first))
        assert restored.exit_code == 0, restored.stderr
        again = folder / "again.json"
        assert (
            laptop("export", "--format", "json", "--include-private", "--output", str(again)).exit_code == 0
        )
        # Byte for byte, but for your own key: the laptop keeps its own (your peers get its code).
        mine = first.read_text(encoding="utf-8").replace(own_code(ana), own_code(laptop))
        assert again.read_text(encoding="utf-8") == mine
        assert laptop("restore", str(first)).stdout.startswith("Nothing to restore")
