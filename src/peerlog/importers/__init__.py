"""Importers: reading a file someone gives peerlog, checking all of it before anything is written.

`load` reads and decodes the file and hands the JSON to the parser for its source (`peerlog` or `jrnl`).
Every problem becomes one kind `InputError` that names the file and, inside it, the place that is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from peerlog.errors import InputError, NotFoundError
from peerlog.importers import jrnl, peerlog_json
from peerlog.importers.fields import FileProblem
from peerlog.importers.jrnl import JrnlImport
from peerlog.interchange import JournalDocument

SOURCES = ("peerlog", "jrnl")
NOTHING = "Nothing was imported."


def open_file(path: Path) -> BinaryIO:
    """`path` open for reading as a stream, with the same kind errors as a whole read."""
    from peerlog.files import open_regular_file

    with _reading(path):
        return open_regular_file(path)


def is_sealed(path: Path) -> bool:
    """Whether `path` claims to be a sealed bundle (by its first bytes), rather than JSON to check whole."""
    from peerlog.sealing import HEAD_BYTES, looks_sealed

    with open_file(path) as handle, _reading(path):
        return looks_sealed(handle.read(HEAD_BYTES))


def _read(path: Path) -> str:
    from peerlog.files import read_regular_file

    with _reading(path):
        raw = read_regular_file(path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not a JSON file (it is not UTF-8 text). {NOTHING}") from None


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    from peerlog.files import NotARegularFileError

    try:
        yield
    except NotARegularFileError as error:
        raise InputError(f"{path} is {error.kind}, not a file to import. {NOTHING}") from None
    except FileNotFoundError:
        raise NotFoundError(f"There is no file at {path}.", hint="Check the name and folder.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file to import.") from None
    except PermissionError:
        raise InputError(f"peerlog may not read {path} (permission denied).") from None
    except OSError as error:
        raise InputError(f"peerlog could not read {path}: {error.strerror or error}.") from None


def decode(text: str, name: str) -> Any:
    if not text.strip():
        raise InputError(f"{name} is empty. {NOTHING}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # "Unterminated string" also means the text ran out: JSON strings cannot hold a raw newline.
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise InputError(
                f"{name} ends in the middle: it looks cut off (was it copied completely?). {NOTHING}"
            ) from None
        raise InputError(
            f"{name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}). {NOTHING}"
        ) from None
    except (ValueError, RecursionError):
        # Valid JSON that Python will not decode: a number of thousands of digits, or lists nested
        # thousands deep. No export peerlog or jrnl writes looks like that.
        raise InputError(
            f"{name} is not a file peerlog can import (a number far too long, or nesting far too deep). {NOTHING}"
        ) from None


def check_source(source: str) -> str:
    key = source.strip().lower()
    if key not in SOURCES:
        raise InputError(
            f"peerlog cannot import from '{source}'.", hint=f"Choose one of: {', '.join(SOURCES)}."
        )
    return key


def load(path: Path, source: str = "peerlog") -> JournalDocument | JrnlImport:
    """Read, decode and check a whole file; raise one kind `InputError` naming the first problem."""
    key = check_source(source)
    data = decode(_read(path), path.name)
    try:
        return jrnl.parse(data) if key == "jrnl" else peerlog_json.parse(data)
    except FileProblem as problem:
        raise InputError(f"{path.name} cannot be imported: {problem}. {NOTHING}") from None
