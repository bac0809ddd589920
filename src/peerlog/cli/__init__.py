"""peerlog's command line. `run` is the console script's entry point."""

from peerlog.cli.app import app, run

__all__ = ["app", "run"]
