"""peerlog's command line. `run` is the console script's entry point."""

import gc
import sys

from peerlog import interrupts

# A command lives for a fraction of a second, and loading the libraries it needs (Typer, SQLAlchemy, the
# models, rich) allocates hundreds of thousands of objects that live as long as the process. With Python's
# default thresholds the cycle collector walks them again and again as they arrive: 30-50 ms of CPU per
# command, measured in benchmarks/README.md. A larger first threshold keeps collecting (a long import or
# export still frees its cycles) but rarely enough that start-up no longer pays for it.
gc.set_threshold(50_000, 20, 20)

# The command line takes a moment to load; a Ctrl-C then ends it with one line, not a traceback (nor an
# "Exception ignored" one, when it lands while the import machinery tidies up).
with interrupts.never_swallowed() as _late:
    try:
        from peerlog.cli.app import app, run
    except KeyboardInterrupt:
        _late.caught = True
if _late.caught:
    sys.stderr.write("peerlog: Stopped. Nothing was saved.\n")
    sys.exit(130)

__all__ = ["app", "run"]
