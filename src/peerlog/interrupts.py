"""Ctrl-C around the moments that must not be split: a commit either happens and is known to have happened,
or does not happen.

Python turns Ctrl-C into a KeyboardInterrupt at whatever line happens to be running. Landing between the
database's COMMIT and the line that notes it, it would make peerlog say "Nothing was saved" about an entry that
was saved, and people would type it again. `held()` keeps the interrupt back for the few microseconds such a
step takes and delivers it right after, once the outcome is recorded.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


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


def ignore_from_now() -> None:
    """Ignore Ctrl-C from here on: for when a command has finished and only closing and exiting are left."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
