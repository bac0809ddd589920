"""peerlog's command line. `run` is the console script's entry point."""

import sys

from peerlog import interrupts

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
