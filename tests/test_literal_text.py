"""People's words are shown as they wrote them, everywhere, and never drive the terminal.

Names, notes, wins, challenges, tags, answers, feedback, pack titles and questions, agreements and search
snippets that look like rich markup (`[/]`, `[link=…]`) or emoji codes read literally. Text with escape
sequences can only reach a journal changed behind peerlog's back (sqlite3 on a file opened with --db), and
is then shown visibly (`\\x1b`) in every view and in the Markdown export, never sent raw.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from support import Invoke, own_code

WIDE = {"COLUMNS": "400"}
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What a hostile journal appends to every piece of text: colour, a title change (OSC), a bell, a C1 CSI.
EVIL = "\x1b[31mRED\x1b]0;pwned\x07\x9b2J"
EVIL_SHOWN = "\\x1b[31mRED\\x1b]0;pwned\\x07\\x9b2J"

PACK = """format = 1
name = "mine"
title = "[bold]Mine[/bold] [/]"
description = "[link=https://example.com]about[/link] :smile:"

[[prompts]]
id = "felt"
kind = "text"
text = "What [he/him] felt? [/]"
help = "[red]help[/red]"

[[prompts]]
id = "pick"
kind = "choice"
text = "Pick [/]"
choices = ["[/] one", "[b]two[/b]"]
"""

#: Every piece of user text in the journal, as typed (all of it shown somewhere literally).
TYPED = {
    "me": "Ana [b]",
    "jo": "Jo [he/him]",
    "bracket": "[/]",
    "link": "[link=https://example.com]Sam[/link]",
    "agreement": "We [bold]listen[/bold] [/]",
    "note": "[red]note[/red] :smile: [/]",
    "win": "[/] a win",
    "challenge": "[link=https://example.com]hard[/link]",
    "open": "[i]still open[/i]",
    "done": "[/] done it",
    "answer": "[b]felt[/b] okay",
    "feedback": "[/] thanks :smile:",
}


def _id(output: str) -> str:
    found = re.search(r"\b([0-9a-f]{8})\b", output)
    assert found, output
    return found.group(1)


@pytest.fixture
def marked(invoke: Invoke, home: Path) -> dict[str, str]:
    """A journal where every user field looks like markup; returns ids of its entries."""
    t = TYPED
    assert invoke("init", "--name", t["me"]).exit_code == 0
    assert invoke("pair", "add", t["jo"], "--agreement", t["agreement"]).exit_code == 0
    assert invoke("pair", "add", t["bracket"]).exit_code == 0
    assert invoke("pair", "add", t["link"]).exit_code == 0
    made = invoke(
        "checkin", "--pair", t["bracket"], "--note", t["note"], "--win", t["win"],
        "--challenge", t["challenge"], "--tag", "work", "--mood", "3", "--shared",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    ids = {"checkin": _id(made.stdout)}
    other = invoke("checkin", "--pair", t["jo"], "--note", "plain words", "--challenge", t["open"])
    assert other.exit_code == 0
    shown = json.loads(invoke("show", ids["checkin"], "--json").stdout)
    ids["challenge"] = shown["challenges"][0]["id"][:8]
    assert invoke("challenge", "done", ids["challenge"], "--note", t["done"]).exit_code == 0
    (home / "prompts").mkdir(parents=True, exist_ok=True)
    (home / "prompts" / "mine.toml").write_text(PACK, encoding="utf-8")
    reflected = invoke(
        "reflect", "--pack", "mine", "--pair", t["bracket"], "--shared",
        "--answer", f"felt={t['answer']}", "--answer", "pick=[/] one",
    )  # fmt: skip
    assert reflected.exit_code == 0, reflected.output
    given = invoke("feedback", t["bracket"], t["feedback"], "--kind", "appreciation", "--shared")
    assert given.exit_code == 0, given.output
    return ids


def _views(ids: dict[str, str]) -> dict[str, list[str]]:
    bracket = TYPED["bracket"]
    wide = ["--since", "1900-01-01", "--until", "9999-12-31"]
    return {
        "log": ["log"],
        "show": ["show", ids["checkin"]],
        "reflections": ["reflections"],
        "feedback --list": ["feedback", "--list"],
        "wins": ["wins", *wide],
        "wins --pair": ["wins", "--pair", bracket, *wide],
        "summary": ["summary", "--since", "1900-01-01"],
        "summary --pair": ["summary", "--pair", bracket, "--since", "1900-01-01"],
        "search": ["search", "note"],
        "search answers": ["search", "felt"],
        "challenge list": ["challenge", "list"],
        "pair list": ["pair", "list"],
        "pair show": ["pair", "show", TYPED["jo"]],
        "prompts list": ["prompts", "list"],
        "prompts show": ["prompts", "show", "mine"],
        "doctor": ["doctor"],
        "export": ["export", "--include-private"],
    }


#: What each view must show, literally (Markdown writes `[` as `\[`, so the export is checked apart).
EXPECTED = {
    "log": ["note", "win", "challenge", "bracket"],
    "show": ["note", "win", "challenge", "bracket"],
    "reflections": ["answer", "bracket"],
    "feedback --list": ["feedback", "bracket"],
    "wins": ["win", "done", "me"],
    "wins --pair": ["win", "bracket", "me"],
    "summary": ["win", "me"],
    "summary --pair": ["win", "feedback", "bracket", "me"],
    "search": ["bracket"],
    "search answers": [],
    "challenge list": ["open"],
    "pair list": ["jo", "bracket", "link", "me"],
    "pair show": ["jo", "agreement", "me"],
    "prompts list": [],
    "prompts show": [],
    "doctor": ["me"],
}


def test_text_that_looks_like_markup_is_shown_literally_in_every_view(
    marked: dict[str, str], invoke: Invoke
) -> None:
    for view, argv in _views(marked).items():
        result = invoke(*argv, env=WIDE)
        assert result.exit_code == 0, (view, result.output)
        for key in EXPECTED.get(view, []):
            assert TYPED[key] in result.stdout, (view, key, result.stdout)
    pack = invoke("prompts", "show", "mine", env=WIDE).stdout
    for piece in ("pack mine", "[bold]Mine[/bold] [/]", "[link=https://example.com]about[/link] :smile:"):
        assert piece in pack
    for piece in ("What [he/him] felt? [/]", "[red]help[/red]", "[/] one", "[b]two[/b]"):
        assert piece in pack
    assert "[bold]Mine[/bold] [/]" in invoke("prompts", "list", env=WIDE).stdout
    assert "[bold]Mine[/bold] [/]" in invoke("reflections", env=WIDE).stdout
    assert "What [he/him] felt? [/]" in invoke("reflections", env=WIDE).stdout
    found = invoke("search", "felt", env=WIDE).stdout
    assert "felt" in found and "[b]" in found


def test_a_name_in_brackets_never_becomes_a_link_or_vanishes(marked: dict[str, str], invoke: Invoke) -> None:
    listed = invoke("pair", "list", env=WIDE).stdout
    assert "Jo [he/him]" in listed
    assert "[link=https://example.com]Sam[/link]" in listed
    assert "\x1b]8;" not in listed  # the terminal's hyperlink sequence


def _doctor(db: Path) -> None:
    """Append escape sequences to every piece of text in the journal, as someone with sqlite3 could."""
    columns = {
        "person": ["name"],
        "pair": ["agreement"],
        "checkin": ["note"],
        "win": ["text"],
        "challenge": ["text", "overcome_note"],
        "checkin_tag": ["tag"],
        "reflection": ["pack_title"],
        "answer": ["prompt_text", "value"],
        "feedback": ["message"],
    }
    with sqlite3.connect(db) as conn:
        for table, names in columns.items():
            for name in names:
                conn.execute(f"UPDATE {table} SET {name} = {name} || ? WHERE {name} IS NOT NULL", (EVIL,))
    conn.close()


def test_escape_sequences_in_a_doctored_journal_are_shown_never_obeyed(
    marked: dict[str, str], invoke: Invoke, home: Path
) -> None:
    _doctor(home / "peerlog.db")
    for view, argv in _views(marked).items():
        result = invoke(*argv, env=WIDE)
        assert result.exit_code == 0, (view, result.output)
        assert not RAW_CONTROLS.search(result.stdout), (view, result.stdout)
        if view not in ("prompts list", "prompts show", "challenge list", "doctor"):
            assert "\\x1b" in result.stdout, view
    assert "\\x1b[31mRED" in invoke("doctor", env=WIDE).stdout  # your name
    assert EVIL_SHOWN in invoke("show", marked["checkin"], env=WIDE).stdout


def test_plain_messages_that_quote_stored_words_show_escape_sequences_visibly(
    marked: dict[str, str], invoke: Invoke, home: Path
) -> None:
    # The peer's key, so that `share` seals a bundle and says so (its words quote the peer's name).
    peer = {"PEERLOG_HOME": str(home.parent / "peer-home")}
    assert invoke("init", "--name", "Peer", env=peer).exit_code == 0
    keyed = invoke("pair", "set", TYPED["bracket"], "--key", own_code(invoke, env=peer))
    assert keyed.exit_code == 0, keyed.output
    _doctor(home / "peerlog.db")
    reopened = invoke("challenge", "reopen", marked["challenge"])
    deleted = invoke("delete", marked["checkin"], input="n\n")
    ended = invoke("pair", "end", TYPED["jo"])
    shared = invoke("share", "--pair", TYPED["bracket"], "--output", str(home.parent / "bundle.sealed"))
    for result in (reopened, deleted, ended, shared):
        assert result.exit_code == 0, result.output
        assert not RAW_CONTROLS.search(result.output), result.output
        assert "\\x1b[31mRED" in result.output


def test_the_markdown_export_writes_escape_sequences_out_visibly(
    marked: dict[str, str], invoke: Invoke, home: Path, tmp_path: Path
) -> None:
    _doctor(home / "peerlog.db")
    out = tmp_path / "journal.md"
    assert invoke("export", "--include-private", "--output", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert not RAW_CONTROLS.search(text.replace("\n", ""))
    # A backslash is escaped in Markdown, so `\x1b` is written `\\x1b` and reads as `\x1b`.
    assert "\\\\x1b\\[31mRED" in text
    assert "Jo \\[he/him\\]" in text


def test_json_output_escapes_every_control_character(
    marked: dict[str, str], invoke: Invoke, home: Path
) -> None:
    _doctor(home / "peerlog.db")
    for argv in (["log", "--json"], ["show", marked["checkin"], "--json"], ["reflections", "--json"]):
        result = invoke(*argv)
        assert result.exit_code == 0
        assert not RAW_CONTROLS.search(result.stdout.replace("\n", ""))
        assert any(EVIL in text for text in _strings(json.loads(result.stdout)))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for item in value for s in _strings(item)] if isinstance(value, list) else []
