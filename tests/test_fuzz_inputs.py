"""Property-based tests over the files and multi-part inputs peerlog reads: odd input never hurts the journal.

tests/test_fuzz_cli.py covers single text flags through its tables; this covers what does not fit a table:
several `--answer ID=VALUE` at once against packs with text and scale prompts, pack files checked with
`prompts validate` or left broken in the prompts folder, and import files (peerlog JSON and jrnl JSON)
mutated, cut off or replaced by random bytes. The properties are the same: no unexpected error
(PEERLOG_DEBUG=1), a refusal is one line with its exit code and changes nothing, what is accepted reads back.
"""

from __future__ import annotations

import json
import re
import sqlite3
import string
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from support import TEXT, Invoke, refused_cleanly, tidy

EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SHIPPED = {
    "after-conversation",
    "celebrating-wins",
    "daily-checkin",
    "facing-a-challenge",
    "group-round",
    "pair-agreement",
    "session-check",
}


def whole(home: Path) -> list[list[str]]:
    """Every row of every table (the search index too), read with plain sqlite3 after an integrity check."""
    with sqlite3.connect(home / "peerlog.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        state = [sorted(map(repr, conn.execute(f'SELECT * FROM "{table}"'))) for table in tables]
    conn.close()
    return state


def run(invoke: Invoke, home: Path, argv: list[str], *, codes: tuple[int, ...] = (2,)) -> Any:
    """Run a command; a refusal must be one clean line with one of `codes` and leave the journal as it was."""
    before = whole(home)
    result = invoke(*argv)
    if result.exit_code != 0:
        assert result.exit_code in codes, (result.exit_code, result.stderr)
        refused_cleanly(result) if result.exit_code == 2 else one_line(result.stderr)
        assert whole(home) == before
    else:
        whole(home)
    return result


def one_line(stderr: str) -> None:
    lines = stderr.rstrip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("peerlog: "), stderr
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in lines[0]), stderr


@pytest.fixture
def fuzz_journal(journal: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.setenv("PEERLOG_DEBUG", "1")
    monkeypatch.setenv("PEERLOG_NO_PROMPT", "1")
    assert (
        journal(
            "checkin", "--mood", "4", "--note", "A first entry", "--win=Asked for help", "--tag=work"
        ).exit_code
        == 0
    )
    assert journal("reflect", "--no-hints", "--answer", "resonated=The walk").exit_code == 0
    assert journal("feedback", "--no-hints", "Sam", "I valued how you listened").exit_code == 0
    return journal


# ---------------------------------------------------------------- reflect --answer ID=VALUE

PACKS = {
    "after-conversation": {
        "resonated": "long",
        "felt": "long",
        "from-me": "long",
        "take-away": "text",
        "next-time": "text",
    },
    "session-check": {
        "heard": "scale",
        "mattered": "scale",
        "fit": "scale",
        "overall": "scale",
        "different": "text",
    },
}
SCALE_TEXT = st.one_of(
    st.builds(lambda n, pad: f"{pad}{n}{pad}", st.integers(-2, 8), st.sampled_from(["", " ", "\t"])),
    st.sampled_from(["3.0", "0x3", "٣", "+3", "1_0", "³"]),
    TEXT,
)


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    pack = draw(st.sampled_from(sorted(PACKS)))
    known = st.sampled_from(sorted(PACKS[pack]))
    pairs = []
    for _ in range(draw(st.integers(1, 4))):
        prompt_id = draw(st.one_of(known, known, known, TEXT.filter(lambda t: "=" not in t)))
        kind = PACKS[pack].get(prompt_id.strip())
        pairs.append((prompt_id, draw(SCALE_TEXT if kind == "scale" else TEXT)))
    return pack, pairs


def expected_answers(pack: str, pairs: list[tuple[str, str]]) -> dict[str, object]:
    kinds = PACKS[pack]
    wanted = {}
    for prompt_id, value in pairs:
        if not value.strip():
            continue  # an empty answer is a skipped question
        kind = kinds[prompt_id.strip()]
        wanted[prompt_id.strip()] = int(value.strip()) if kind == "scale" else tidy(value)
    return wanted


def test_answers_given_as_flags_read_back_as_given_or_are_refused_cleanly(
    fuzz_journal: Invoke, home: Path
) -> None:
    @EXAMPLES
    @given(given_=answers())
    @example(given_=("session-check", [("heard", " 4 "), ("different", "Slower, please")]))
    @example(given_=("session-check", [("overall", "6")]))
    @example(given_=("after-conversation", [("felt", "Lighter"), ("felt", "Again")]))
    @example(given_=("after-conversation", [("nope", "x")]))
    @example(given_=("after-conversation", [(" take-away ", "\x1b[2J")]))
    def check(given_: tuple[str, list[tuple[str, str]]]) -> None:
        pack, pairs = given_
        argv = ["reflect", "--no-hints", f"--pack={pack}", *(f"--answer={i}={v}" for i, v in pairs)]
        result = run(fuzz_journal, home, argv)
        if result.exit_code != 0:
            return
        wanted = expected_answers(pack, pairs)
        if result.stdout.startswith("You skipped every question"):
            assert wanted == {}
            return
        short = result.stdout.split()[3]
        listed = json.loads(fuzz_journal("reflections", "--json", "--limit", "1000").stdout)
        saved = next(r for r in listed if r["id"].startswith(short))
        assert saved["pack"] == pack
        assert {a["prompt_id"]: a["value"] for a in saved["answers"]} == wanted

    check()


def test_an_answer_without_an_id_or_an_equals_sign_is_refused_in_one_line(
    fuzz_journal: Invoke, home: Path
) -> None:
    @EXAMPLES
    @given(raw=st.one_of(TEXT.filter(lambda t: "=" not in t), TEXT.map(lambda t: "=" + t)))
    @example(raw="heard")
    @example(raw="=4")
    @example(raw="\n=4")
    def check(raw: str) -> None:
        result = run(fuzz_journal, home, ["reflect", "--pack", "session-check", "--answer", raw])
        assert result.exit_code == 2

    check()


# ---------------------------------------------------------------- feedback


def test_feedback_is_kept_as_written_with_or_without_hints(fuzz_journal: Invoke, home: Path) -> None:
    @EXAMPLES
    @given(message=TEXT, hints=st.booleans(), kind=st.sampled_from(["appreciation", "suggestion"]))
    @example(message="You should always listen\x00", hints=True, kind="suggestion")  # found by this test
    @example(message="You always interrupt me", hints=True, kind="suggestion")
    def check(message: str, hints: bool, kind: str) -> None:
        argv = ["feedback", f"--kind={kind}", *([] if hints else ["--no-hints"]), "--", "Sam", message]
        result = run(fuzz_journal, home, argv)
        if result.exit_code != 0:
            return
        assert all(line.startswith("peerlog: ") for line in result.stderr.splitlines()), result.stderr
        short = result.stdout.split(" (", 1)[0].split()[-1]
        listed = json.loads(fuzz_journal("feedback", "sam", "--list", "--json").stdout)
        saved = next(f for f in listed if f["id"].startswith(short))
        assert (saved["message"], saved["kind"], saved["pair"]) == (tidy(message), kind, "Sam")

    check()


# ---------------------------------------------------------------- pack files

PROMPT_ID = st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,12}\Z")
WORDS = st.text(string.ascii_letters + string.digits + " .,?'éü\u2013😀", min_size=1, max_size=30).filter(
    str.strip
)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # TOML basic strings share JSON's escapes
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in value.items())
            + "}"
        )
    raise TypeError(value)


def toml_text(pack: dict[str, Any]) -> str:
    prompts = pack.get("prompts", [])
    # A mutation may have made `prompts` something other than a list of tables: then it is a plain key.
    as_tables = isinstance(prompts, list) and all(isinstance(p, dict) for p in prompts)
    lines = [
        f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}"
        for k, v in pack.items()
        if k != "prompts" or not as_tables
    ]
    for prompt in prompts if as_tables else []:
        lines += [
            "",
            "[[prompts]]",
            *(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in prompt.items()),
        ]
    return "\n".join(lines) + "\n"


@st.composite
def good_prompt(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["text", "long", "scale", "choice", "multi", "confirm"]))
    prompt: dict[str, Any] = {"id": draw(PROMPT_ID), "kind": kind, "text": draw(WORDS)}
    if draw(st.booleans()):
        prompt["help"] = draw(WORDS)
    if kind == "scale":
        low = draw(st.integers(-5, 5))
        prompt.update(min=low, max=draw(st.integers(low + 1, low + 10)), min_label=draw(WORDS))
    if kind in ("choice", "multi"):
        prompt["choices"] = draw(
            st.lists(WORDS, min_size=2, max_size=6, unique_by=lambda c: c.strip().casefold())
        )
    if kind == "text" and draw(st.booleans()):
        prompt.update(repeat=True, again=draw(WORDS))
    return prompt


GOOD_PACK = st.fixed_dictionaries(
    {
        "format": st.just(1),
        "name": st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z"),
        "title": WORDS,
        "description": WORDS,
        "prompts": st.lists(good_prompt(), min_size=1, max_size=5, unique_by=lambda p: p["id"]),
    }
)
ODD_VALUE = st.one_of(
    TEXT,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.lists(st.one_of(TEXT, st.integers()), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.just("x" * 100_000),
)


@st.composite
def broken_pack(draw: st.DrawFn) -> str:
    """A good pack with one thing changed, or text that was never a pack."""
    pack = draw(GOOD_PACK)
    how = draw(st.sampled_from(["value", "drop", "duplicate", "scale", "cut", "bytes", "extra"]))
    prompt = draw(st.sampled_from(pack["prompts"]))
    if how == "value":
        target = draw(st.sampled_from([pack, prompt]))
        target[draw(st.sampled_from(sorted(target)))] = draw(ODD_VALUE)
    elif how == "drop":
        target = draw(st.sampled_from([pack, prompt]))
        del target[draw(st.sampled_from(sorted(target)))]
    elif how == "duplicate":
        pack["prompts"].append(dict(prompt))
    elif how == "scale":
        prompt.update(kind="scale", min=draw(st.integers(-3, 3)), max=draw(st.integers(-3, 3)))
    elif how == "extra":
        draw(st.sampled_from([pack, prompt]))[draw(TEXT)] = draw(ODD_VALUE)
    text = toml_text(pack)
    if how == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    if how == "bytes":
        return draw(
            st.one_of(st.binary(max_size=200), TEXT.map(lambda t: t.encode("utf-8", "surrogateescape")))
        )
    return text.encode("utf-8", "surrogatepass")


def test_a_good_pack_validates_and_reads_back_as_written(
    fuzz_journal: Invoke, home: Path, tmp_path: Path
) -> None:
    folder = home / "prompts"
    folder.mkdir(exist_ok=True)

    @EXAMPLES
    @given(pack=GOOD_PACK)
    def check(pack: dict[str, Any]) -> None:
        path = folder / "fuzzed.toml"
        path.write_text(toml_text(pack), encoding="utf-8")
        result = fuzz_journal("prompts", "validate", str(path))
        assert result.exit_code == 0, result.stderr
        assert f"'{pack['name']}' with {len(pack['prompts'])} questions" in result.stdout
        shown = fuzz_journal("prompts", "show", "--json", pack["name"])
        assert shown.exit_code == 0, shown.stderr
        read = json.loads(shown.stdout)
        assert (read["title"], read["description"]) == (pack["title"].strip(), pack["description"].strip())
        for got, wrote in zip(read["prompts"], pack["prompts"], strict=True):
            assert (got["id"], got["kind"], got["text"]) == (
                wrote["id"],
                wrote["kind"],
                wrote["text"].strip(),
            )
            assert got.get("choices", []) == [c.strip() for c in wrote.get("choices", [])]
            assert (got.get("min"), got.get("max")) == (
                (wrote["min"], wrote["max"]) if wrote["kind"] == "scale" else (None, None)
            )

    check()


PROBLEM_LINE = re.compile(r"\Apeerlog: (?P<path>.+?)(?::(?P<line>\d+))?: \S.*\Z")


def test_a_broken_pack_gets_one_line_per_problem_and_never_hides_the_shipped_ones(
    fuzz_journal: Invoke, home: Path
) -> None:
    folder = home / "prompts"
    folder.mkdir(exist_ok=True)

    @EXAMPLES
    @given(data=broken_pack())
    @example(data=b'format = 1\nname = "a\\nb"\ntitle = "t"\ndescription = "d"\n')  # found by this test
    @example(data=b'"x\\u001b[2J" = 1\n')  # found by this test: an escape sequence reached the terminal
    @example(
        data=b'format = 1\nname = "ok"\ntitle = "t"\ndescription = "d"\n[[prompts]]\nid = "a"\nkind = "scale"\ntext = "q"\nmin = 3\nmax = 3\n'
    )
    def check(data: bytes) -> None:
        path = folder / "broken.toml"
        path.write_bytes(data)
        result = fuzz_journal("prompts", "validate", str(path))
        assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
        if result.exit_code == 1:
            lines = result.stderr.rstrip("\n").split("\n")
            count = len(lines) - 1
            assert lines[-1] == f"peerlog: {count} problem{'s' if count != 1 else ''} to fix in {path}."
            for line in lines[:-1]:
                found = PROBLEM_LINE.match(line)
                assert found and found["path"] == str(path), line
                assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in line), line
        listed = fuzz_journal("prompts", "list", "--json")
        assert listed.exit_code == 0
        assert {p["name"] for p in json.loads(listed.stdout)} >= SHIPPED - {_name_of(data)}
        assert all(line.startswith("peerlog: skipped a pack") for line in listed.stderr.splitlines())
        assert (result.exit_code == 1) == bool(listed.stderr)

    check()


def _name_of(data: bytes) -> str | None:
    # A good pack that happens to take a shipped pack's name takes its place, as it should.
    found = re.search(rb'^"?name"? = "([a-z0-9-]+)"$', data, re.M)
    return found.group(1).decode() if found else None


# ---------------------------------------------------------------- import files

JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, st.just("y" * 200_000)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=5,
)


def _places(doc: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a decoded JSON document."""
    found = [where]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _places(value, (*where, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _places(value, (*where, i))
    return found


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    doc = json.loads(original)
    how = draw(st.sampled_from(["value", "value", "drop", "new-id", "cut", "bytes", "twice"]))
    if how == "cut":
        return original[: draw(st.integers(0, len(original)))]
    if how == "bytes":
        return draw(st.binary(max_size=300))
    for _ in range(1 if how != "twice" else 2):
        place = draw(st.sampled_from(_places(doc)[1:]))
        parent = doc
        for step in place[:-1]:
            parent = parent[step]
        if how == "drop":
            parent.pop(place[-1])
        elif how == "new-id":  # the same entry under a new id: something to import for real
            parent[place[-1]] = str(uuid.uuid4()) if isinstance(parent[place[-1]], str) else draw(JSON_VALUE)
        else:
            parent[place[-1]] = draw(JSON_VALUE)
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


def _import_never_hurts(invoke: Invoke, home: Path, path: Path, data: bytes, source: str) -> None:
    path.write_bytes(data)
    argv = ["import", f"--from={source}", str(path)]
    result = run(invoke, home, argv)
    if result.exit_code == 0:
        # What was taken in is there to stay: the same file again changes nothing.
        after = whole(home)
        again = run(invoke, home, argv)
        assert again.exit_code == 0
        assert whole(home) == after
        assert invoke("log", "--json", "--limit", "1000").exit_code == 0


def test_a_mutated_export_imports_or_is_refused_with_nothing_imported(
    fuzz_journal: Invoke, home: Path, tmp_path: Path
) -> None:
    export = tmp_path / "export.json"
    assert (
        fuzz_journal("export", "--format", "json", "--include-private", "--output", str(export)).exit_code
        == 0
    )
    original = export.read_bytes()

    @EXAMPLES
    @given(data=mutated(original))
    @example(data=b"1" * 5000)  # found by this test: a number too long for Python's int
    @example(data=b"[" * 100_000)  # found by this test: nesting too deep to decode
    @example(data=original.replace(b'"A first entry"', b'"\\ud800"'))  # found by this test: half a character
    @example(data=original[: len(original) // 2])
    @example(data=original.replace(b'"shared and private"', b"[]", 1))  # found by this test: a TypeError
    def check(data: bytes) -> None:
        _import_never_hurts(fuzz_journal, home, tmp_path / "in.json", data, "peerlog")

    check()


def test_a_mutated_jrnl_export_imports_or_is_refused_with_nothing_imported(
    fuzz_journal: Invoke, home: Path, tmp_path: Path
) -> None:
    original = (Path(__file__).parent / "data" / "jrnl-4.6-export.json").read_bytes()
    assert (
        run(
            fuzz_journal,
            home,
            ["import", "--from=jrnl", str(Path(__file__).parent / "data" / "jrnl-4.6-export.json")],
        ).exit_code
        == 0
    )

    @EXAMPLES
    @given(data=mutated(original))
    @example(data=b'{"entries": [{"title": "a\\ud800", "date": "2024-01-01"}]}')  # found by this test
    @example(data=b'{"entries": [{"title": "a", "date": "0001-01-01", "time": "00:00+14:00"}]}')
    @example(data=b'{"entries": [{"title": "a", "date": "9999-12-31", "time": "23:59-14:00"}]}')
    def check(data: bytes) -> None:
        _import_never_hurts(fuzz_journal, home, tmp_path / "in.json", data, "jrnl")

    check()
