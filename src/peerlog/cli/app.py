"""The root command: global options, the command groups, and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from peerlog import __version__
from peerlog.cli.state import AppState
from peerlog.errors import PeerlogError


def _say_error(message: str) -> None:
    # Plain text on stderr: one line, readable in any terminal and easy to grep in scripts.
    sys.stderr.write(f"peerlog: {message}\n")
    sys.stderr.flush()


class PeerlogGroup(TyperGroup):
    """Turns every failure into one kind line and an exit code: 2 for input to correct, 1 otherwise."""

    def invoke(self, ctx: Any) -> Any:
        from typer import Abort, Exit
        from typer.exceptions import TyperException

        try:
            return super().invoke(ctx)
        except (Exit, Abort, TyperException):
            raise
        except PeerlogError as error:
            _say_error(str(error))
            raise Exit(error.exit_code) from None
        except KeyboardInterrupt:
            _say_error("Stopped. Nothing was saved.")
            raise Exit(130) from None
        except Exception as error:
            if os.environ.get("PEERLOG_DEBUG"):
                raise
            _say_error(
                f"Something unexpected went wrong ({type(error).__name__}: {error}). Nothing was "
                "saved. Run again with PEERLOG_DEBUG=1 to see the details, and please report it."
            )
            raise Exit(1) from None


app = typer.Typer(
    cls=PeerlogGroup,
    name="peerlog",
    help="A private journal for peer support: check-ins, reflections, two-way feedback and wins.",
    no_args_is_help=True,
    # Plain help and error text: one-line errors, and --help stays fast because rich is not loaded.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"peerlog {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Path | None = typer.Option(
        None,
        "--db",
        envvar="PEERLOG_DB",
        help="Use this journal file instead of the usual one.",
        dir_okay=False,
        show_envvar=True,
    ),
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """A private journal for peer support: check-ins, reflections, two-way feedback and wins.

    Everything stays on this machine unless you export or share it. Entries are private unless you
    mark them shared.
    """
    state = AppState(db_option=db)
    ctx.obj = state
    ctx.call_on_close(state.close)


def _register() -> None:
    from peerlog.cli import checkins, init, pairs

    app.add_typer(init.app)
    app.add_typer(pairs.app, name="pair", help="Start, list, show and end pairs with your peers.")
    app.add_typer(checkins.app)


_register()


def run() -> None:
    app()
