"""peerlog's command line. `run` is the console script's entry point."""

import sys

try:
    from peerlog.cli.app import app, run
except KeyboardInterrupt:
    # The command line takes a moment to load; a Ctrl-C then ends it with one line, not a traceback.
    sys.stderr.write("peerlog: Stopped. Nothing was saved.\n")
    sys.exit(130)

__all__ = ["app", "run"]
