from peerlog.cli import run

run()
