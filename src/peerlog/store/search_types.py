"""What the search backends take and give: the words to find, and the documents found.

They live here, below the search domain, so a backend depends only on the store and the schema, and
`peerlog.search` picks a backend by importing it: the arrows point down.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Match markers the backends put around matching words (control characters never stored in entries).
START, END = "\x02", "\x03"


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False
    phrase: bool = False


@dataclass(frozen=True)
class Found:
    """What a backend returns: which document, its text with the matches marked, and its score."""

    kind: str
    ref_id: str
    marked: str
    score: float
