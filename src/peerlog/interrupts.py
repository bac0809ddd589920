"""Ctrl-C around the moments that must not be split: a commit either happens and is known to have happened,
or does not happen.

Python turns Ctrl-C into a KeyboardInterrupt at whatever line happens to be running. Landing between the
database's COMMIT and the line that notes it, it would make peerlog say "Nothing was saved" about an entry that
was saved, and people would type it again. `held()` keeps the interrupt back for the few microseconds such a
step takes and delivers it right after, once the outcome is recorded.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def held() -> Iterator[None]:
    """Hold Ctrl-C back while the block runs, then deliver it as if it had come just after."""
    # Signal handlers can only be changed from the main thread; elsewhere Python never delivers SIGINT anyway.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        # `None` means a handler Python did not install; the default is the closest we can put back.
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
        if caught:
            # Delivered through whatever handler was there before, exactly as the original would have been.
            signal.raise_signal(signal.SIGINT)


@contextmanager
def allowed() -> Iterator[None]:
    """Let Ctrl-C raise KeyboardInterrupt inside the block, whatever was set before, and put that back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


def ignore_from_now() -> None:
    """Ignore Ctrl-C from here on: for when a command has finished and only closing and exiting are left."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class Late:
    """Whether a Ctrl-C landed where Python could not raise it (see `never_swallowed`)."""

    caught = False


@contextmanager
def never_swallowed() -> Iterator[Late]:
    """A Ctrl-C that lands while Python tidies up an object (a weak reference's callback, a `__del__`) cannot
    stop the program from there: Python prints it as "Exception ignored" with a traceback and carries on.
    Inside this block it is noted instead, quietly, so the caller can answer it once it is back in charge."""
    previous, late = sys.unraisablehook, Late()

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            late.caught = True
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield late
    finally:
        sys.unraisablehook = previous
