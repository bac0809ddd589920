"""Prompt packs: small TOML files of questions, shipped with peerlog or written by the person using it.

A pack looks like this (`peerlog prompts new NAME` writes a commented one)::

    format = 1
    name = "after-conversation"
    title = "After a conversation"
    description = "A few questions to notice what the conversation meant to you."

    [[prompts]]
    id = "resonated"
    kind = "long"
    text = "What resonated?"
    help = "A word, a moment, an idea: anything that stayed with you."

Shipped packs live in the repository's top-level `prompts/` folder, which the wheel carries as
`peerlog/prompts` (hatch force-include). User packs live in `Paths.prompts`; a user pack with the name of a
shipped one takes its place. Validation collects every problem it finds (file, line where known, what is
wrong) instead of stopping at the first, so one `prompts validate` run shows everything to fix.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, cast

from peerlog import rules
from peerlog.errors import NotFoundError

FORMAT_VERSION = 1
KINDS = ("text", "long", "scale", "choice", "multi", "confirm")
MAX_SCALE_STEPS = 11
MAX_CHOICES = 20
SHIPPED = "shipped"
USER = "user"

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
_PROMPT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)$|\s*\(at end of document\)$")
_PACK_KEYS = {"format", "name", "title", "description", "prompts"}
_PROMPT_KEYS = {
    "id",
    "text",
    "kind",
    "help",
    "min",
    "max",
    "min_label",
    "max_label",
    "choices",
    "repeat",
    "again",
}


#: How a yes-or-no (`confirm`) answer is written and kept.
YES, NO = "yes", "no"


@dataclass(frozen=True)
class Prompt:
    """One question of a pack. Every prompt can be skipped."""

    id: str
    text: str
    kind: str
    help: str | None = None
    min: int = 1
    max: int = 5
    min_label: str | None = None
    max_label: str | None = None
    choices: tuple[str, ...] = ()
    #: A `text` prompt that asks again ("Another one?") until skipped, e.g. several wins.
    repeat: bool = False
    again: str = "Another one?"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.id, "kind": self.kind, "text": self.text, "help": self.help}
        if self.kind == "scale":
            data.update(min=self.min, max=self.max, min_label=self.min_label, max_label=self.max_label)
        if self.kind in ("choice", "multi"):
            data["choices"] = list(self.choices)
        if self.repeat:
            data.update(repeat=True, again=self.again)
        return data


@dataclass(frozen=True)
class Pack:
    name: str
    title: str
    description: str
    prompts: tuple[Prompt, ...]
    format: int = FORMAT_VERSION
    source: str = SHIPPED
    path: str = ""
    #: True for a user pack that takes the place of a shipped pack of the same name.
    overrides: bool = False

    def prompt(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "format": self.format,
            "source": self.source,
            "overrides_shipped": self.overrides,
            "path": self.path,
            "prompts": [p.to_dict() for p in self.prompts],
        }


#: What one answer holds: text, a scale's number, a choice, several choices, yes/no, or several texts
#: for a repeating prompt.
Value = str | int | bool | list[str]


@dataclass(frozen=True)
class Given:
    """One prompt that was answered (skipped prompts have no `Given`)."""

    prompt: Prompt
    value: Value

    def shown(self) -> str:
        """The answer, not yet stored, as a person reads it."""
        if self.prompt.kind == "confirm":
            return YES if self.value else NO
        if isinstance(self.value, list):
            return (", " if self.prompt.kind == "multi" else "; ").join(self.value)
        return str(self.value)


@dataclass(frozen=True)
class PackProblem:
    """One thing wrong with one pack file, phrased so its author knows what to change."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Catalog:
    """Every usable pack by name, plus the problems of the user packs that had to be skipped."""

    packs: dict[str, Pack] = field(default_factory=dict)
    problems: list[PackProblem] = field(default_factory=list)

    def get(self, name: str) -> Pack:
        pack = self.packs.get(name.strip().lower())
        if pack is None:
            names = ", ".join(sorted(self.packs)) or "none"
            raise NotFoundError(
                f"There is no prompt pack called '{name}'.",
                hint=f"Packs you can use: {names}. `peerlog prompts list` describes them.",
            )
        return pack

    def sorted(self) -> list[Pack]:
        return sorted(self.packs.values(), key=lambda p: p.name)


# ---------------------------------------------------------------- reading one file


class _Lines:
    """Finds the line of a key in the raw text, since tomllib gives no positions for valid TOML.

    Keys are looked up in the top-level table (before the first table header) or in the n-th
    `[[prompts]]` table. Packs written with inline tables get no line number, only the problem.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.prompt_starts = [
            i for i, line in enumerate(self.lines) if line.strip().startswith("[[prompts]]")
        ]
        headers = [i for i, line in enumerate(self.lines) if line.lstrip().startswith("[")]
        self.top_end = headers[0] if headers else len(self.lines)

    def _block(self, index: int | None) -> range:
        if index is None:
            return range(0, self.top_end)
        if index >= len(self.prompt_starts):
            return range(0)
        start = self.prompt_starts[index]
        end = self.prompt_starts[index + 1] if index + 1 < len(self.prompt_starts) else len(self.lines)
        return range(start, end)

    def of(self, key: str | None = None, *, prompt: int | None = None) -> int | None:
        block = self._block(prompt)
        if key is None:
            return block.start + 1 if prompt is not None and len(block) else None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in block:
            if pattern.match(self.lines[i]):
                return i + 1
        # A missing key is best reported at the start of its table.
        return block.start + 1 if prompt is not None and len(block) else None


def parse_pack(text: str, *, path: str, source: str = USER) -> tuple[Pack | None, list[PackProblem]]:
    """Read a pack from TOML text. Returns the pack (None when anything is wrong) and every problem found."""
    problem = _Report(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column \d+\)$", message)
        line = int(found.group(1)) if found else (len(text.splitlines()) or 1)
        problem(f"this is not valid TOML: {_TOML_POSITION.sub('', message)}", line)
        return None, problem.found
    lines = _Lines(text)

    for key in sorted(set(data) - _PACK_KEYS):
        problem(f"unknown field '{key}' (a pack has {', '.join(sorted(_PACK_KEYS))})", lines.of(key))

    version = data.get("format")
    if version is None:
        problem(f"missing field 'format' (add `format = {FORMAT_VERSION}` at the top)")
    elif not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problem(f"'format' is a whole number (this peerlog reads {FORMAT_VERSION})", lines.of("format"))
    elif version > FORMAT_VERSION:
        problem(
            f"this pack uses format {version}, but this peerlog reads format {FORMAT_VERSION}; "
            "a newer peerlog can read it",
            lines.of("format"),
        )

    name = _text_field(data, "name", problem, lines.of("name"))
    if name is not None and not _NAME.match(name):
        problem(
            f"the name '{name}' can only use lowercase letters, digits and '-' (up to 50), e.g. 'my-pack'",
            lines.of("name"),
        )
        name = None
    title = _text_field(data, "title", problem, lines.of("title"))
    description = _text_field(data, "description", problem, lines.of("description"))

    raw_prompts = data.get("prompts")
    prompts: list[Prompt] = []
    if raw_prompts is None:
        problem("missing prompts: add at least one [[prompts]] table")
    elif not isinstance(raw_prompts, list) or not raw_prompts:
        problem("'prompts' is a list of [[prompts]] tables, with at least one", lines.of("prompts"))
    else:
        seen: dict[str, int] = {}
        for index, raw in enumerate(raw_prompts):
            prompt = _parse_prompt(raw, index, lines, problem)
            # Ids are compared as written, whether or not the rest of the prompt is right: one run of
            # `prompts validate` names every problem, a repeated id among them.
            prompt_id = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(prompt_id, str) and prompt_id in seen:
                problem(
                    f"prompt id '{prompt_id}' is used twice (prompts {seen[prompt_id] + 1} and {index + 1}); "
                    "each id must be unique in its pack",
                    lines.of("id", prompt=index),
                )
                continue
            if isinstance(prompt_id, str):
                seen[prompt_id] = index
            if prompt is not None:
                prompts.append(prompt)

    if problem.found or name is None or title is None or description is None:
        return None, problem.found
    assert isinstance(version, int)  # no problem was found, so 'format' passed its check above
    pack = Pack(
        name=name,
        title=title,
        description=description,
        prompts=tuple(prompts),
        format=version,
        source=source,
        path=path,
    )
    return pack, []


class _Report:
    """Collects the problems of one file, each with the line where it can be known."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.found: list[PackProblem] = []

    def __call__(self, message: str, line: int | None = None) -> None:
        self.found.append(PackProblem(path=self.path, message=message, line=line))


def _text_field(data: dict[str, Any], key: str, problem: _Report, line: int | None) -> str | None:
    value = data.get(key)
    if value is None:
        problem(f"missing field '{key}'", line)
        return None
    if not isinstance(value, str) or not value.strip():
        problem(f"'{key}' must be some text in quotes", line)
        return None
    if _bad_text(f"'{key}'", value, problem, line, limit=rules.TITLE if key == "title" else rules.TEXT):
        return None
    return value.strip()


def _bad_text(label: str, value: str, problem: _Report, line: int | None, *, limit: int = rules.TEXT) -> bool:
    # A reflection keeps its pack's title, questions and chosen answers, and a peer's import checks them
    # with the same rules: text refused there must be refused here, before anyone answers it.
    found = rules.text_problem(value.strip(), limit=limit)
    if found == rules.CONTROLS:
        found += " (such as an escape character); remove them"
    if found:
        problem(f"{label} {found}", line)
    return found is not None


def _parse_prompt(raw: object, index: int, lines: _Lines, problem: _Report) -> Prompt | None:
    n = index + 1
    start = lines.of(prompt=index)
    if not isinstance(raw, dict):
        problem(f"prompt {n} is not a table: write each prompt as a [[prompts]] table", start)
        return None
    before = len(problem.found)

    def at(key: str) -> int | None:
        return lines.of(key, prompt=index)

    prompt_id = raw.get("id")
    label = f"prompt {n}"
    if prompt_id is None:
        problem(f"{label} is missing its 'id' (a short stable name such as 'resonated')", start)
    elif not isinstance(prompt_id, str) or not _PROMPT_ID.match(prompt_id):
        problem(
            f"{label}: the id {prompt_id!r} can only use lowercase letters, digits, '-' and '_' (up to 50)",
            at("id"),
        )
    else:
        label = f"prompt '{prompt_id}'"

    for key in sorted(set(raw) - _PROMPT_KEYS):
        problem(f"{label} has an unknown field '{key}'", at(key))

    text = raw.get("text")
    if text is None:
        problem(f"{label} is missing its 'text' (the question itself)", start)
    elif not isinstance(text, str) or not text.strip():
        problem(f"{label}: 'text' must be the question, in quotes", at("text"))

    help_line = raw.get("help")
    if help_line is not None and not isinstance(help_line, str):
        problem(f"{label}: 'help' must be text in quotes", at("help"))

    kind = raw.get("kind")
    if kind is None:
        problem(f"{label} is missing its 'kind' (one of {', '.join(KINDS)})", start)
    elif kind not in KINDS:
        problem(f"{label} has an unknown kind {kind!r}; use one of {', '.join(KINDS)}", at("kind"))

    low, high = raw.get("min", 1), raw.get("max", 5)
    if kind not in KINDS:
        pass  # which other fields belong depends on the kind, so there is nothing more to say yet
    elif kind != "scale":
        for key in ("min", "max", "min_label", "max_label"):
            if key in raw:
                problem(f"{label}: '{key}' only applies to scale prompts", at(key))
    else:
        for key, value in (("min", low), ("max", high)):
            if not isinstance(value, int) or isinstance(value, bool):
                problem(f"{label}: '{key}' must be a whole number", at(key))
        for key in ("min_label", "max_label"):
            if key in raw and not isinstance(raw[key], str):
                problem(f"{label}: '{key}' must be text in quotes", at(key))
        if isinstance(low, int) and isinstance(high, int):
            if low >= high:
                problem(f"{label}: a scale needs min below max (it has min = {low}, max = {high})", at("max"))
            elif high - low + 1 > MAX_SCALE_STEPS:
                problem(f"{label}: a scale can have at most {MAX_SCALE_STEPS} steps", at("max"))

    choices = raw.get("choices")
    if kind not in KINDS:
        pass
    elif kind in ("choice", "multi"):
        if choices is None:
            problem(f'{label} is a {kind} prompt and needs \'choices\', e.g. choices = ["a", "b"]', start)
        elif (
            not isinstance(choices, list)
            or not all(isinstance(c, str) and c.strip() for c in choices)
            or len(choices) < 2
        ):
            problem(f"{label}: 'choices' must be a list of at least two texts in quotes", at("choices"))
        elif len(choices) > MAX_CHOICES:
            problem(f"{label}: at most {MAX_CHOICES} choices fit on one screen", at("choices"))
        elif len({c.strip().casefold() for c in choices}) != len(choices):
            problem(f"{label}: each choice must be different", at("choices"))
    elif choices is not None:
        problem(f"{label}: 'choices' only applies to choice and multi prompts", at("choices"))

    repeat, again = raw.get("repeat", False), raw.get("again")
    if not isinstance(repeat, bool):
        problem(f"{label}: 'repeat' is true or false", at("repeat"))
    elif repeat and kind != "text" and kind in KINDS:
        problem(f"{label}: 'repeat' only applies to text prompts", at("repeat"))
    if again is not None and (not isinstance(again, str) or not again.strip()):
        problem(f"{label}: 'again' must be text in quotes", at("again"))

    for key in ("text", "help", "min_label", "max_label", "again"):
        if isinstance(raw.get(key), str):
            _bad_text(f"{label}: '{key}'", raw[key], problem, at(key))
    if isinstance(choices, list):
        for choice in choices:
            if isinstance(choice, str) and _bad_text(
                f"{label}: a choice", choice, problem, at("choices"), limit=rules.CHOICE
            ):
                break

    if len(problem.found) != before:
        return None
    # No new problem, so every field passed its check above and has the type that check asked for
    # (choice and multi prompts have a list of texts).
    assert isinstance(prompt_id, str) and isinstance(text, str) and isinstance(kind, str)
    return Prompt(
        id=prompt_id,
        text=text.strip(),
        kind=kind,
        help=help_line.strip() if isinstance(help_line, str) and help_line.strip() else None,
        min=low if kind == "scale" else 1,
        max=high if kind == "scale" else 5,
        min_label=raw.get("min_label"),
        max_label=raw.get("max_label"),
        choices=tuple(c.strip() for c in cast(list[str], choices)) if kind in ("choice", "multi") else (),
        repeat=bool(repeat),
        again=again.strip() if isinstance(again, str) else "Another one?",
    )


def read_pack_file(path: Path, *, source: str = USER) -> tuple[Pack | None, list[PackProblem]]:
    """Read and validate one pack file on disk."""
    from peerlog.files import NotARegularFileError, read_regular_file

    shown = str(path)
    try:
        raw = read_regular_file(path)
    except NotARegularFileError as error:
        return None, [PackProblem(shown, f"this is {error.kind}, not a pack file")]
    except FileNotFoundError:
        return None, [PackProblem(shown, "there is no such file")]
    except IsADirectoryError:
        return None, [PackProblem(shown, "this is a folder, not a pack file")]
    except OSError as error:
        return None, [PackProblem(shown, f"peerlog could not read it ({error.strerror or error})")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, [PackProblem(shown, "this is not UTF-8 text, so it cannot be a pack")]
    return parse_pack(text, path=shown, source=source)


# ---------------------------------------------------------------- finding packs


def shipped_folder() -> Traversable | None:
    """The packs shipped with peerlog: inside the installed package, or the repository's prompts/ folder.

    An editable install has no `peerlog/prompts` (hatch only force-includes it into wheels), so the
    repository's own folder next to `src/` stands in.
    """
    packaged = resources.files("peerlog") / "prompts"
    if packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parent.parent.parent / "prompts"
    return repo if repo.is_dir() else None


def _toml_files(folder: Traversable | None) -> Iterator[Traversable]:
    if folder is None:
        return
    yield from sorted(
        (f for f in folder.iterdir() if f.name.endswith(".toml") and f.is_file()), key=lambda f: f.name
    )


def load_shipped() -> tuple[list[Pack], list[PackProblem]]:
    packs, problems = [], []
    for file in _toml_files(shipped_folder()):
        pack, found = parse_pack(
            file.read_text(encoding="utf-8"), path=f"shipped/{file.name}", source=SHIPPED
        )
        problems.extend(found)
        if pack is not None:
            packs.append(pack)
    return packs, problems


def load_catalog(user_folder: Path | None) -> Catalog:
    """Shipped packs, then the user's own on top. A broken user pack is skipped, never fatal."""
    catalog = Catalog()
    shipped, problems = load_shipped()
    catalog.problems.extend(problems)
    for shipped_pack in shipped:
        catalog.packs[shipped_pack.name] = shipped_pack
    shipped_names = {p.name for p in shipped}
    user_files: list[Path] = []
    if user_folder is not None and user_folder.is_dir():
        try:
            user_files = sorted(user_folder.glob("*.toml"))
        except OSError as error:
            message = f"peerlog could not read your prompts folder ({error.strerror or error})"
            catalog.problems.append(PackProblem(str(user_folder), message))
    claimed: dict[str, str] = {}
    for path in user_files:
        pack, found = read_pack_file(path, source=USER)
        catalog.problems.extend(found)
        if pack is None:
            continue
        if pack.name in claimed:
            catalog.problems.append(
                PackProblem(str(path), f"the name '{pack.name}' is already used by {claimed[pack.name]}")
            )
            continue
        claimed[pack.name] = path.name
        catalog.packs[pack.name] = Pack(**{**pack.__dict__, "overrides": pack.name in shipped_names})
    return catalog


def names(packs: Iterable[Pack]) -> list[str]:
    return sorted(p.name for p in packs)


# ---------------------------------------------------------------- a starter pack


STARTER = """# A peerlog prompt pack. Check it with: peerlog prompts validate {path}
# Every question can be skipped by the person answering; keep them kind and open.

format = 1                 # the pack format this file is written in
name = "{name}"            # how you pick it: peerlog reflect --pack {name}
title = "{title}"
description = "What these questions are for, in a sentence."

# Each [[prompts]] table is one question, asked in this order. `id` is a short, stable name:
# answers are stored under it, so keep it when you reword the question.
# kinds: text (one line), long (several lines), scale, choice, multi (pick several), confirm (yes/no).

[[prompts]]
id = "on-my-mind"
kind = "long"
text = "What's on your mind after today?"
help = "A few words is plenty."

[[prompts]]
id = "felt"
kind = "scale"
text = "How did today feel?"
min = 1
max = 5
min_label = "hard"
max_label = "good"

[[prompts]]
id = "helped"
kind = "multi"
text = "What helped?"
choices = ["Being listened to", "Sharing an experience", "Some quiet", "Something else"]

[[prompts]]
id = "worked-for-me"
kind = "text"
text = "Something that worked for you that you might share?"

[[prompts]]
id = "again"
kind = "confirm"
text = "Would you like to come back to this next time?"
"""


def starter_pack(name: str, path: Path) -> str:
    title = name.replace("-", " ").strip().capitalize() or "My pack"
    return STARTER.format(name=name, title=title, path=path)


def check_pack_name(name: str) -> str:
    from peerlog.errors import InputError

    cleaned = name.strip().lower()
    if not _NAME.match(cleaned):
        raise InputError(
            f"'{name}' cannot be a pack name.",
            hint="Use lowercase letters, digits and '-', e.g. `peerlog prompts new after-group`.",
        )
    return cleaned
