"""Exporters: each a small class with a name, a file extension and one method, from a document to text.

They are pure: `transfer.collect` reads the journal into a `JournalDocument`, an exporter turns it into text
(in chunks, so a large JSON export streams), and `peerlog.files` writes it safely. None of them touches
the database or the terminal themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from peerlog.errors import InputError
from peerlog.exporters.json_export import JsonExporter
from peerlog.exporters.markdown import MarkdownExporter
from peerlog.interchange import JournalDocument


class Exporter(Protocol):
    name: str
    extension: str

    def chunks(self, doc: JournalDocument) -> Iterator[str]:
        """The document as text, in pieces that can be written as they come."""
        ...


def render(exporter: Exporter, doc: JournalDocument) -> str:
    return "".join(exporter.chunks(doc))


EXPORTERS: dict[str, Exporter] = {e.name: e for e in (MarkdownExporter(), JsonExporter())}
ALIASES = {"md": "markdown"}


def get_exporter(name: str) -> Exporter:
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in EXPORTERS:
        raise InputError(
            f"peerlog cannot export '{name}'.", hint=f"Choose one of: {', '.join(sorted(EXPORTERS))}."
        )
    return EXPORTERS[key]
