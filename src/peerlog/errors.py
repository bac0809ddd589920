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


#: Every refusal of a sealed bundle ends with this, so nobody wonders whether part of it landed.
NOTHING_IMPORTED = "nothing was imported."
_SHARE_AGAIN = "Ask your peer to share it again."


class BundleError(InputError):
    """A sealed bundle that cannot be used: the file the user (or their sync folder) gave, refused whole.

    Callers that walk a folder catch this one type; each subclass names the check that failed."""


class NotABundleError(BundleError):
    """The file is not a sealed peerlog bundle at all (or one in a format this peerlog does not read)."""

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        super().__init__(
            message
            or f"This file is not a sealed peerlog bundle (its first line is not a peerlog envelope); {NOTHING_IMPORTED}",
            hint=hint,
        )


class BundleNotForYouError(BundleError):
    """The envelope is addressed to another key: someone else's bundle, in your folder or your hands."""

    def __init__(self, *, to_key_id: str, your_key_id: str) -> None:
        super().__init__(
            f"This bundle is addressed to someone else (key {to_key_id[:8]}…), not to you "
            f"(key {your_key_id[:8]}…); {NOTHING_IMPORTED}",
            hint="If it was meant for you, ask your peer to share it to the code `peerlog id` shows you.",
        )
        self.to_key_id = to_key_id


class BundleDamagedError(BundleError):
    """The bundle was altered on the way: a check that proves it intact and from its sender failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"This bundle was altered or damaged on the way: {reason}; {NOTHING_IMPORTED}", hint=_SHARE_AGAIN
        )


class BundleIncompleteError(BundleError):
    """The bundle ends before its last part: cut short, or (in a sync folder) still arriving."""

    def __init__(self) -> None:
        super().__init__(
            f"This bundle is cut short: it ends before its last part; {NOTHING_IMPORTED}",
            hint="If it is still being copied, try again in a moment; otherwise ask your peer to share it again.",
        )
