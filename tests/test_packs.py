"""Prompt packs: the shipped ones, the validator's messages, and the user's own packs."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from peerlog.packs import FORMAT_VERSION, KINDS, load_catalog, parse_pack, shipped_folder
from support import Invoke

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
format = 1
name = "mine"
title = "My pack"
description = "Questions for me."

[[prompts]]
id = "first"
kind = "text"
text = "What stayed with you?"

[[prompts]]
id = "rating"
kind = "scale"
text = "How was it?"
min = 1
max = 5
"""

NAMED_PACKS = {
    "daily-checkin",
    "after-conversation",
    "session-check",
    "celebrating-wins",
    "facing-a-challenge",
    "pair-agreement",
    "group-round",
}


def write_pack(folder: Path, filename: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- shipped packs


def test_the_shipped_packs_are_all_there_and_valid() -> None:
    catalog = load_catalog(None)
    assert catalog.problems == []
    assert set(catalog.packs) >= NAMED_PACKS
    for pack in catalog.packs.values():
        assert pack.format == FORMAT_VERSION
        assert pack.title and pack.description and pack.prompts


def test_the_shipped_packs_together_use_every_kind_of_prompt() -> None:
    kinds = {p.kind for pack in load_catalog(None).packs.values() for p in pack.prompts}
    assert kinds == set(KINDS)


def test_the_session_check_rates_the_same_four_scales_for_both_peers() -> None:
    pack = load_catalog(None).get("session-check")
    scales = {p.id: p for p in pack.prompts if p.kind == "scale"}
    assert set(scales) == {"heard", "mattered", "fit", "overall"}
    assert all((p.min, p.max) == (1, 5) and p.min_label and p.max_label for p in scales.values())


def test_the_conversation_packs_ask_the_questions_of_peer_support() -> None:
    catalog = load_catalog(None)
    texts = {pack: [p.text for p in catalog.get(pack).prompts] for pack in NAMED_PACKS}
    assert "What resonated?" in texts["after-conversation"]
    assert "How did that conversation feel for you?" in texts["after-conversation"]
    assert "Was there anything I said that resonated?" in texts["after-conversation"]
    assert "What's a win since we last met, however small?" in texts["celebrating-wins"]
    assert "How far have you come since you started?" in texts["celebrating-wins"]
    assert "What do you think would help you in this situation?" in texts["facing-a-challenge"]
    assert "What has worked for you before?" in texts["facing-a-challenge"]


def test_an_editable_install_finds_the_packs_in_the_repository() -> None:
    folder = shipped_folder()
    assert folder is not None
    assert Path(str(folder)).resolve() == ROOT / "prompts"


def test_the_wheel_carries_the_packs_and_loads_them_from_inside_the_package(tmp_path: Path) -> None:
    hatchling = pytest.importorskip("hatchling.builders.wheel")
    (built,) = hatchling.WheelBuilder(str(ROOT)).build(
        directory=str(tmp_path / "dist"), versions=["standard"]
    )
    wheel = Path(built)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert {f"peerlog/prompts/{name}.toml" for name in NAMED_PACKS} <= set(names)
        archive.extractall(tmp_path / "site")
    probe = (
        "import json; from peerlog.packs import shipped_folder, load_catalog; "
        "print(json.dumps([str(shipped_folder()), sorted(load_catalog(None).packs)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    folder, names_loaded = json.loads(result.stdout)
    assert folder.startswith(str(tmp_path / "site"))
    assert set(names_loaded) >= NAMED_PACKS


# ---------------------------------------------------------------- the validator

BAD_PACKS = [
    pytest.param('format = 1\nname = "x\n', 2, "this is not valid TOML", id="malformed-toml"),
    pytest.param(GOOD.replace('title = "My pack"\n', ""), None, "missing field 'title'", id="missing-title"),
    pytest.param(
        GOOD.replace('description = "Questions for me."\n', ""),
        None,
        "missing field 'description'",
        id="missing-description",
    ),
    pytest.param(GOOD.replace("format = 1\n", ""), None, "missing field 'format'", id="missing-format"),
    pytest.param(GOOD.replace("format = 1", "format = 9"), 1, "uses format 9", id="newer-format"),
    pytest.param(
        GOOD.replace('id = "rating"', 'id = "first"'),
        12,
        "prompt id 'first' is used twice",
        id="duplicate-id",
    ),
    pytest.param(
        GOOD.replace('kind = "scale"', 'kind = "slider"'), 13, "unknown kind 'slider'", id="unknown-kind"
    ),
    pytest.param(
        GOOD.replace("min = 1", "min = 5"), 16, "min below max (it has min = 5, max = 5)", id="scale-min-max"
    ),
    pytest.param(GOOD.replace("max = 5", "max = 0"), 16, "min below max", id="scale-inverted"),
    pytest.param(GOOD.replace('id = "first"\n', ""), 6, "prompt 1 is missing its 'id'", id="missing-id"),
    pytest.param(
        GOOD.replace('text = "How was it?"\n', ""),
        11,
        "prompt 'rating' is missing its 'text'",
        id="missing-text",
    ),
    pytest.param(
        GOOD.replace('kind = "text"', 'kind = "choice"'), 6, "needs 'choices'", id="choice-without-choices"
    ),
    pytest.param(
        GOOD + 'colour = "blue"\n',
        17,
        "prompt 'rating' has an unknown field 'colour'",
        id="unknown-prompt-field",
    ),
    pytest.param(GOOD.replace('name = "mine"', 'name = "My Pack!"'), 2, "lowercase letters", id="bad-name"),
    pytest.param(GOOD.split("[[prompts]]")[0], None, "missing prompts", id="no-prompts"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD_PACKS)
def test_a_bad_pack_is_named_with_its_line_and_problem(text: str, line: int | None, message: str) -> None:
    pack, problems = parse_pack(text, path="packs/mine.toml")
    assert pack is None
    assert len(problems) == 1, problems
    (problem,) = problems
    assert message in problem.message
    assert problem.line == line
    where = f"packs/mine.toml:{line}: " if line else "packs/mine.toml: "
    assert str(problem).startswith(where)


def test_every_problem_in_a_pack_gets_its_own_message() -> None:
    text = (
        GOOD.replace('kind = "text"', 'kind = "essay"')
        .replace("min = 1", "min = 9")
        .replace('title = "My pack"\n', "")
    )
    pack, problems = parse_pack(text, path="mine.toml")
    assert pack is None
    assert len(problems) == 3
    assert [p.line for p in problems] == [None, 7, 15]


def test_a_good_pack_reads_back_as_written() -> None:
    pack, problems = parse_pack(GOOD, path="mine.toml")
    assert problems == [] and pack is not None
    assert [(p.id, p.kind) for p in pack.prompts] == [("first", "text"), ("rating", "scale")]
    assert (pack.prompts[1].min, pack.prompts[1].max) == (1, 5)


def test_validate_says_a_good_pack_is_good(invoke: Invoke, tmp_path: Path) -> None:
    path = write_pack(tmp_path, "mine.toml", GOOD)
    result = invoke("prompts", "validate", str(path))
    assert result.exit_code == 0
    assert "is a good pack: 'mine' with 2 questions" in result.stdout


def test_validate_lists_each_problem_on_its_own_line_and_fails(invoke: Invoke, tmp_path: Path) -> None:
    text = (
        GOOD.replace('kind = "scale"', 'kind = "slider"')
        + '\n[[prompts]]\nid = "first"\nkind = "text"\ntext = "Again?"\n'
    )
    path = write_pack(
        tmp_path, "mine.toml", text.replace('description = "Questions for me."', 'description = ""')
    )
    result = invoke("prompts", "validate", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"peerlog: {path}:4: 'description' must be some text in quotes",
        f"peerlog: {path}:13: prompt 'rating' has an unknown kind 'slider'; use one of text, long, scale, choice, multi, confirm",
        f"peerlog: {path}:19: prompt id 'first' is used twice (prompts 1 and 3); each id must be unique in its pack",
        f"peerlog: 3 problems to fix in {path}.",
    ]
    assert result.stdout == ""


def test_validate_names_a_repeated_id_even_when_that_prompt_has_another_problem(
    invoke: Invoke, tmp_path: Path
) -> None:
    text = GOOD.replace('id = "rating"', 'id = "first"').replace('kind = "scale"', 'kind = "slider"')
    path = write_pack(tmp_path, "mine.toml", text)
    result = invoke("prompts", "validate", str(path))
    assert result.exit_code == 1
    assert "unknown kind 'slider'" in result.stderr
    assert f"peerlog: {path}:12: prompt id 'first' is used twice (prompts 1 and 2)" in result.stderr


def test_validate_of_a_missing_file_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("prompts", "validate", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"peerlog: There is no file at {tmp_path / 'nope.toml'}. Give the path of a .toml pack file."
    )


def test_validate_of_a_file_that_is_not_text_names_the_problem(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00binary")
    result = invoke("prompts", "validate", str(path))
    assert result.exit_code == 1
    assert f"{path}: this is not UTF-8 text" in result.stderr


# ---------------------------------------------------------------- user packs and the commands


def test_list_shows_shipped_packs_and_says_which_of_yours_replace_one(invoke: Invoke, home: Path) -> None:
    write_pack(home / "prompts", "mine.toml", GOOD)
    write_pack(
        home / "prompts",
        "my-daily.toml",
        GOOD.replace('name = "mine"', 'name = "daily-checkin"'),
    )
    result = invoke("prompts", "list", "--json")
    assert result.exit_code == 0
    packs = {p["name"]: p for p in json.loads(result.stdout)}
    assert set(packs) >= NAMED_PACKS | {"mine"}
    assert packs["mine"]["source"] == "user" and not packs["mine"]["overrides_shipped"]
    assert packs["daily-checkin"]["overrides_shipped"] and packs["daily-checkin"]["title"] == "My pack"
    assert packs["session-check"]["source"] == "shipped"
    table = invoke("prompts", "list").stdout
    assert "yours, in place of the shipped one" in table
    assert "shipped" in table


def test_a_broken_user_pack_is_skipped_with_a_note_and_the_shipped_packs_still_work(
    journal: Invoke, home: Path
) -> None:
    broken = write_pack(home / "prompts", "broken.toml", 'name = "broken\n')
    result = journal("prompts", "list", "--json")
    assert result.exit_code == 0
    assert {p["name"] for p in json.loads(result.stdout)} >= NAMED_PACKS
    assert result.stderr.count("peerlog:") == 1
    assert f"{broken}:1: this is not valid TOML" in result.stderr
    reflected = journal("reflect", "--answer", "resonated=Being listened to")
    assert reflected.exit_code == 0
    assert "Saved your reflection" in reflected.stdout


def test_two_user_packs_with_one_name_keep_the_first_and_name_the_second(invoke: Invoke, home: Path) -> None:
    write_pack(home / "prompts", "a.toml", GOOD)
    second = write_pack(home / "prompts", "b.toml", GOOD.replace("My pack", "Other"))
    result = invoke("prompts", "show", "mine", "--json")
    assert json.loads(result.stdout)["title"] == "My pack"
    assert f"{second}: the name 'mine' is already used by a.toml" in result.stderr


def test_show_lists_the_questions_in_order_with_their_ids(invoke: Invoke) -> None:
    result = invoke("prompts", "show", "session-check")
    assert result.exit_code == 0
    out = result.stdout
    assert out.index("I felt heard and respected.") < out.index("We talked about what mattered to me.")
    assert "id heard · scale 1 (not really) to 5 (completely)" in out
    assert "Every question can be skipped." in out


def test_show_of_an_unknown_pack_lists_the_ones_there_are(invoke: Invoke) -> None:
    result = invoke("prompts", "show", "nope")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "peerlog: There is no prompt pack called 'nope'. Packs you can use: after-conversation"
    )


def test_new_writes_a_commented_starter_pack_that_validates(invoke: Invoke, home: Path) -> None:
    result = invoke("prompts", "new", "evening")
    assert result.exit_code == 0
    path = home / "prompts" / "evening.toml"
    assert f"Wrote a starter pack to {path}." in result.stdout
    assert path.read_text().startswith("# A peerlog prompt pack.")
    assert invoke("prompts", "validate", str(path)).exit_code == 0
    listed = json.loads(invoke("prompts", "list", "--json").stdout)
    assert any(p["name"] == "evening" and p["source"] == "user" for p in listed)


def test_new_never_overwrites_without_force(invoke: Invoke, home: Path) -> None:
    invoke("prompts", "new", "evening")
    path = home / "prompts" / "evening.toml"
    path.write_text(GOOD.replace("mine", "evening"))
    again = invoke("prompts", "new", "evening")
    assert again.exit_code == 2
    assert "already there" in again.stderr
    assert 'title = "My pack"' in path.read_text()
    assert invoke("prompts", "new", "evening", "--force").exit_code == 0
    assert 'title = "My pack"' not in path.read_text()


def test_new_with_a_shipped_name_says_it_will_take_its_place(invoke: Invoke) -> None:
    result = invoke("prompts", "new", "daily-checkin")
    assert "takes the place of the shipped pack 'daily-checkin'" in result.stdout


def test_new_refuses_a_name_that_cannot_be_a_pack(invoke: Invoke, home: Path) -> None:
    result = invoke("prompts", "new", "../escape")
    assert result.exit_code == 2
    assert "cannot be a pack name" in result.stderr
    assert not (home / "escape.toml").exists()


def test_a_prompts_folder_that_cannot_be_read_never_stops_the_shipped_packs(
    invoke: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "prompts").mkdir(parents=True)

    def refuse(self: Path, pattern: str) -> list[Path]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "glob", refuse)
    result = invoke("prompts", "list", "--json")
    assert result.exit_code == 0
    assert {p["name"] for p in json.loads(result.stdout)} >= NAMED_PACKS
    assert "could not read your prompts folder (Permission denied)" in result.stderr


def test_a_line_separator_in_a_pack_key_keeps_each_problem_on_one_line(invoke: Invoke, home: Path) -> None:
    # U+2028 ends a line for `str.splitlines` and for many readers of logs; it is shown escaped.
    pack = home / "odd.toml"
    home.mkdir(parents=True, exist_ok=True)
    pack.write_text(
        'format = 1\nname = "odd"\ntitle = "Odd"\ndescription = "d"\n"bad\u2028key" = 1\n', encoding="utf-8"
    )
    result = invoke("prompts", "validate", str(pack))
    assert result.exit_code == 1
    assert "\u2028" not in result.stderr
    assert all(line.startswith("peerlog: ") for line in result.stderr.splitlines())
