"""The domain's error types.

Every failure the user can cause or meet is a `PeerlogError`. The CLI turns it into one line on stderr
and an exit code in a single place (`peerlog.cli.app`), so the domain never prints or exits.
"""

from __future__ import annotations

#: How a journal is started, in the words of every message that needs one (doctor's advice included).
INIT_COMMAND = "peerlog init"  # it asks the name, so no one copies a placeholder into their journal
#: The hint for every command that needs a journal, or a "you" in it, and finds none.
INIT_HINT = f"Run `{INIT_COMMAND}` to start your journal."


class PeerlogError(Exception):
    """Something peerlog cannot do, with a kind explanation and, where possible, what to try next."""

    #: Exit status for the CLI: 1 for a failure, 2 for input the user can correct.
    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class InputError(PeerlogError):
    """The user's input cannot be used as given (a bad value, an unknown or ambiguous name or id)."""

    exit_code = 2


class NotFoundError(InputError):
    """A name or id that matches nothing in the journal."""


class AmbiguousError(InputError):
    """A name or id prefix that matches more than one thing."""

    def __init__(self, message: str, *, candidates: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.candidates = candidates


class NotInitialisedError(PeerlogError):
    """The journal has no "you" yet."""


class StoreError(PeerlogError):
    """The journal file cannot be opened, read or written."""
