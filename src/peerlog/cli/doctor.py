"""`peerlog doctor`: a health check of the journal that changes nothing."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from peerlog.cli.state import state

app = typer.Typer()


@app.command()
def doctor(
    ctx: typer.Context,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="A faster integrity check for very large journals (skips index checks)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Check your journal: where it lives, what it holds, and whether all is well. Changes nothing.

    Exits 0 when the journal is healthy and 1 when something needs attention (each with what to do).
    """
    from peerlog.doctor import examine

    app_state = state(ctx)
    report = examine(app_state.paths().db, source=_source(app_state.db_option is not None), quick=quick)
    if as_json:
        from peerlog.cli.say import say_json

        say_json(report.to_dict())
    else:
        from peerlog import render
        from peerlog.render.doctor import doctor_report

        render.console().print(doctor_report(report))
    if not report.healthy:
        raise typer.Exit(1)


def _source(from_option: bool) -> str:
    # Saying why peerlog looks there answers the most common question: "where did my entries go?"
    if from_option:
        return "from --db or PEERLOG_DB"
    if os.environ.get("PEERLOG_HOME"):
        return "from PEERLOG_HOME"
    return "the usual place"
