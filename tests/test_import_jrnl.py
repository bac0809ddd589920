"""Moving from jrnl: `peerlog import --from jrnl` on a real jrnl export.

tests/data/jrnl-4.6-export.json was written by jrnl 4.6 itself (`jrnl --format json --file ...`): tags with
`@` and `#`, a `+` inside a tag, two identical entries, an emoji as a surrogate-pair escape, starred entries.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from support import Invoke, counts

REAL_EXPORT = Path(__file__).parent / "data" / "jrnl-4.6-export.json"


def _log(invoke: Invoke, *args: str) -> list[dict[str, Any]]:
    return json.loads(invoke("log", "--json", "--limit", "100", *args).stdout)


def test_a_jrnl_export_becomes_private_checkins_with_tags_and_wins(journal: Invoke) -> None:
    result = journal("import", "--from", "jrnl", str(REAL_EXPORT))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Imported jrnl-4.6-export.json: 7 check-ins added. 2 wins among them. Lovely.\n"
    entries = _log(journal)
    assert len(entries) == 7
    assert {e["visibility"] for e in entries} == {"private"}
    assert all(e["by_you"] and e["pair"] is None for e in entries)
    by_note = {e["note"]: e for e in entries}
    sick = by_note["Called in sick.\nUsed the time to clean the house and spent 4h on writing my book."]
    assert (sick["tags"], sick["wins"]) == ([], [])
    assert datetime.fromisoformat(sick["at"]).replace(tzinfo=None) == datetime(2024, 3, 29, 9, 0)
    hard = by_note["Hard evening.\nCouldn't sleep; worried about the #work deadline and #side+project."]
    assert hard["tags"] == ["side-project", "work"]
    offer = by_note["After all those interviews. #work"]
    assert (offer["wins"], offer["tags"]) == (["Got the job offer!"], ["work"])
    assert by_note["Morning run.\n@Sam joined me 🎉"]["tags"] == ["sam"]
    drafts = [e for e in entries if e["note"].startswith("Finished the first draft!")]
    assert len(drafts) == 2, "two identical jrnl entries stay two check-ins"


def test_importing_the_same_jrnl_file_again_adds_nothing(journal: Invoke, home: Path) -> None:
    journal("import", "--from", "jrnl", str(REAL_EXPORT))
    before = counts(home)
    again = journal("import", "--from", "jrnl", str(REAL_EXPORT))
    assert again.stdout == "Imported jrnl-4.6-export.json: nothing new; 7 already here.\n"
    assert counts(home) == before


def test_jrnl_entries_can_go_into_a_pair(journal: Invoke) -> None:
    journal("import", "--from", "jrnl", str(REAL_EXPORT), "--pair", "sam")
    assert {e["pair"] for e in _log(journal, "--pair", "sam")} == {"Sam"}


def test_a_bad_jrnl_entry_is_reported_by_position_and_nothing_is_imported(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    data = json.loads(REAL_EXPORT.read_text(encoding="utf-8"))
    data["entries"][3]["date"] = "2024-13-01"
    bad = tmp_path / "jrnl.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    before = counts(home)
    result = journal("import", "--from", "jrnl", str(bad))
    assert result.exit_code == 2
    assert result.stderr == (
        "peerlog: jrnl.json cannot be imported: entries[3].date: must be a date like 2026-11-21, "
        "not '2024-13-01'. Nothing was imported.\n"
    )
    assert counts(home) == before


def test_a_peerlog_file_given_as_jrnl_says_what_to_do(journal: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    journal("export", "--format", "json", "--output", str(path))
    result = journal("import", "--from", "jrnl", str(path))
    assert result.exit_code == 2
    assert "this is a peerlog file, not a jrnl export: import it without --from jrnl" in result.stderr


def test_a_jrnl_file_given_as_peerlog_says_what_to_do(journal: Invoke) -> None:
    result = journal("import", str(REAL_EXPORT))
    assert result.exit_code == 2
    assert "(for a jrnl export, add --from jrnl)" in result.stderr
