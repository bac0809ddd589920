"""One set of input rules for every way in, so whatever peerlog accepts it can export and import again.

A note has one limit whether typed, edited or imported; a jrnl entry too long for one check-in is refused
with the entry named (never cut short); a prompt pack whose text a peer's import would refuse (an escape
character, a title longer than a bundle carries) is refused when the pack is read, before anyone answers it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerlog import rules
from support import Invoke


def _log(invoke: Invoke, **kw: Any) -> list[dict[str, Any]]:
    return json.loads(invoke("log", "--json", "--limit", "100", **kw).stdout)


def _jrnl(path: Path, title: str, body: str) -> Path:
    entry = {
        "title": title,
        "body": body,
        "date": "2024-03-05",
        "time": "09:30",
        "tags": [],
        "starred": False,
    }
    path.write_text(json.dumps({"tags": {}, "entries": [entry]}), encoding="utf-8")
    return path


def test_a_jrnl_entry_too_long_for_one_check_in_is_refused_naming_the_entry(
    journal: Invoke, tmp_path: Path
) -> None:
    # Each half is within the limit; together they would make a 120,001-character note.
    result = journal("import", "--from", "jrnl", str(_jrnl(tmp_path / "j.json", "t" * 60_000, "b" * 60_000)))
    assert result.exit_code == 2
    assert "entries[0] (2024-03-05 09:30)" in result.stderr
    assert "120,001 characters long; peerlog keeps up to 100,000" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _log(journal) == []


def test_what_a_jrnl_import_kept_its_own_export_imports_again(journal: Invoke, tmp_path: Path) -> None:
    title, body = "t" * 40_000, "b" * (rules.TEXT - 40_001)
    assert journal("import", "--from", "jrnl", str(_jrnl(tmp_path / "j.json", title, body))).exit_code == 0
    out = tmp_path / "mine.json"
    assert journal("export", "--format", "json", "--include-private", "--output", str(out)).exit_code == 0
    fresh = {"PEERLOG_HOME": str(tmp_path / "new-machine")}
    imported = journal("restore", str(out), env=fresh)
    assert imported.exit_code == 0, imported.output
    assert _log(journal, env=fresh)[0]["note"] == f"{title}\n{body}"


def test_a_long_imported_note_can_be_edited_with_the_same_text(journal: Invoke, tmp_path: Path) -> None:
    body = "A long, careful entry. " * 1_500  # about 34,500 characters: more than the old 20,000 for edits
    assert journal("import", "--from", "jrnl", str(_jrnl(tmp_path / "j.json", "", body))).exit_code == 0
    checkin_id = _log(journal)[0]["id"][:8]
    edited = journal("edit", checkin_id, "--note", body.strip() + " More.")
    assert edited.exit_code == 0, edited.output


def test_a_note_has_one_limit_whichever_way_it_comes_in(journal: Invoke, tmp_path: Path) -> None:
    assert journal("checkin", "--note", "n" * rules.TEXT).exit_code == 0
    refused = journal("checkin", "--note", "n" * (rules.TEXT + 1))
    assert refused.exit_code == 2
    assert "The note is longer than 100,000 characters." in refused.stderr
    out = tmp_path / "mine.json"
    assert journal("export", "--format", "json", "--include-private", "--output", str(out)).exit_code == 0
    assert journal("restore", str(out), env={"PEERLOG_HOME": str(tmp_path / "fresh")}).exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["checkins"][0]["note"] = "n" * (rules.TEXT + 1)
    out.write_text(json.dumps(doc), encoding="utf-8")
    too_long = journal("restore", str(out), env={"PEERLOG_HOME": str(tmp_path / "other")})
    assert too_long.exit_code == 2
    assert "checkins[0].note: is longer than 100,000 characters" in too_long.stderr


def test_a_name_with_a_tab_is_refused_by_import_as_it_is_by_pair_add(journal: Invoke, tmp_path: Path) -> None:
    assert journal("pair", "add", "Jo\tSmith").exit_code == 0  # typed: inner spaces collapse to one
    out = tmp_path / "mine.json"
    assert journal("export", "--format", "json", "--include-private", "--output", str(out)).exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "Jo Smith" in [p["name"] for p in doc["people"]]
    doc["people"][0]["name"] = "Ana\tBell"
    out.write_text(json.dumps(doc), encoding="utf-8")
    result = journal("restore", str(out), env={"PEERLOG_HOME": str(tmp_path / "fresh")})
    assert result.exit_code == 2
    assert "people[0].name: contains control characters" in result.stderr


# ---------------------------------------------------------------- packs and what reflections carry


def _pack(
    home: Path, *, title: str = "Mine", text: str = "What stayed with you?", choices: list[str]
) -> Path:
    folder = home / "prompts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mine.toml"
    path.write_text(
        "format = 1\n"
        'name = "mine"\n'
        f"title = {json.dumps(title)}\n"
        'description = "Questions of my own."\n\n'
        "[[prompts]]\n"
        'id = "stayed"\n'
        'kind = "long"\n'
        f"text = {json.dumps(text)}\n\n"
        "[[prompts]]\n"
        'id = "helped"\n'
        'kind = "multi"\n'
        'text = "What helped?"\n'
        f"choices = {json.dumps(choices)}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"text": "Hello \u001b[31mthere"}, "prompt 'stayed': 'text' contains control characters"),
        ({"title": "Mine\u0007"}, "'title' contains control characters"),
        ({"choices": ["fine", "a\u009bb"]}, "a choice contains control characters"),
        ({"title": "T" * (rules.TITLE + 1)}, "'title' is longer than 500 characters"),
        ({"choices": ["fine", "c" * (rules.CHOICE + 1)]}, "a choice is longer than 1,000 characters"),
    ],
)
def test_a_pack_a_peers_import_would_refuse_is_refused_before_anyone_answers_it(
    journal: Invoke, sam: Invoke, home: Path, tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    path = _pack(home, **{"choices": ["fine", "other"], **change})
    checked = journal("prompts", "validate", str(path))
    assert checked.exit_code == 1
    assert problem in checked.stderr
    assert "\x1b" not in checked.stderr and "\x07" not in checked.stderr
    listed = journal("prompts", "list")
    assert listed.exit_code == 0
    assert "skipped a pack that has a problem" in listed.stderr and "mine" not in listed.stdout
    assert not any(ch in listed.output for ch in "\x1b\x07\x9b")
    reflected = journal(
        "reflect", "--pack", "mine", "--answer", "stayed=Kindness", "--pair", "sam", "--shared"
    )
    assert reflected.exit_code != 0
    # Nothing from it can reach a bundle, so the peer's import of the next bundle is whole.
    bundle = tmp_path / "to-sam.json"
    assert journal("share", "--pair", "sam", "--output", str(bundle)).exit_code == 0
    assert sam("import", str(bundle)).exit_code == 0


def test_a_reflection_from_the_fullest_pack_peerlog_accepts_reaches_the_peer(
    journal: Invoke, sam: Invoke, home: Path, tmp_path: Path
) -> None:
    # Twenty choices at the longest a choice may be, full of quotes that JSON doubles, all picked at once.
    choices = [f'{i:02d} "' + '"' * (rules.CHOICE - 4) for i in range(20)]
    assert all(len(c) == rules.CHOICE for c in choices)
    _pack(home, title="T" * rules.TITLE, text="Q\tq " * 1000, choices=choices)
    assert journal("prompts", "validate", str(home / "prompts" / "mine.toml")).exit_code == 0
    picks = [f"--answer=helped={c}" for c in choices]
    reflected = journal(
        "reflect", "--pack", "mine", "--answer", "stayed=Kindness", *picks, "--pair", "sam", "--shared"
    )
    assert reflected.exit_code == 0, reflected.output
    bundle = tmp_path / "to-sam.json"
    assert journal("share", "--pair", "sam", "--output", str(bundle)).exit_code == 0
    imported = sam("import", str(bundle))
    assert imported.exit_code == 0, imported.output
    shared = json.loads(sam("reflections", "--json").stdout)
    assert len(shared) == 1 and shared[0]["pack_title"] == "T" * rules.TITLE


# ---------------------------------------------------------------- what peerlog accepts, it reads back

_CHARS = st.one_of(
    st.characters(),
    st.sampled_from(["\t", "\n", "\r\n", "\x1b", "\x07", "\x9b", "\x7f", "\u2028", "\ufeff", "[/]", " "]),
)
WORDS = st.one_of(
    st.lists(_CHARS, max_size=40).map("".join),
    # Around the limits of peerlog.rules, on both sides.
    st.builds(
        lambda n, ch: ch * n,
        st.sampled_from([rules.NAME, rules.NAME + 1, rules.TEXT, rules.TEXT + 1]),
        st.sampled_from(["a", "é", '"']),
    ),
)


def _entries(doc: dict[str, Any]) -> dict[str, Any]:
    """What an export says about the journal's people and entries (not when or by which machine)."""
    people = sorted((p["name"], p["is_self"]) for p in doc["people"])
    pairs = sorted(str(p.get("agreement")) for p in doc["pairs"])
    return {"people": people, "pairs": pairs, **{k: doc[k] for k in ("checkins", "reflections", "feedback")}}


def test_whatever_peerlog_accepts_its_export_imports_and_exports_again_the_same(
    tmp_path: Path, invoke: Invoke
) -> None:
    counter = iter(range(10**6))

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(name=WORDS, text=WORDS)
    def check(name: str, text: str) -> None:
        n = next(counter)
        here, there = {"PEERLOG_HOME": str(tmp_path / f"a{n}")}, {"PEERLOG_HOME": str(tmp_path / f"b{n}")}
        assert invoke("init", "--name", "Ana", env=here).exit_code == 0
        peer = name if invoke("pair", "add", name, "--agreement", text, env=here).exit_code == 0 else None
        if peer is None:
            peer = "Sam"
            assert invoke("pair", "add", peer, env=here).exit_code == 0
        tries = [
            ["checkin", "--pair", peer, "--note", text, "--win", text, "--challenge", text, "--shared"],
            ["checkin", "--note", "tagged", "--tag", text],
            ["feedback", peer, text, "--kind", "suggestion", "--shared"],
            ["reflect", "--pack", "after-conversation", "--answer", f"resonated={text}", "--pair", peer],
        ]
        for argv in tries:
            assert invoke(*argv, env=here).exit_code in (0, 2), argv
        first, second = tmp_path / f"first-{n}.json", tmp_path / f"second-{n}.json"
        assert invoke("export", "-f", "json", "--include-private", "-o", str(first), env=here).exit_code == 0
        imported = invoke("restore", str(first), env=there)
        assert imported.exit_code == 0, imported.output
        assert (
            invoke("export", "-f", "json", "--include-private", "-o", str(second), env=there).exit_code == 0
        )
        load = lambda path: _entries(json.loads(path.read_text(encoding="utf-8")))  # noqa: E731
        assert load(second) == load(first)

    check()
