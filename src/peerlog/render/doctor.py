"""The doctor's report: facts first, then what needs attention and what to do, in plain words."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from peerlog.render import plain, visible

if TYPE_CHECKING:
    from rich.console import RenderableType

    from peerlog.doctor import DoctorReport, Finding


def _facts(report: DoctorReport) -> Table:
    from peerlog.doctor import describe_counts, human_size

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    where = str(report.path) + (f"  ({report.source})" if report.source else "")
    table.add_row("Journal", plain(where))
    if report.exists:
        size = human_size(report.size_bytes)
        if report.side_bytes:
            size += f" (+ {human_size(report.side_bytes)} of working files beside it)"
        table.add_row("Size", size)
    if report.schema_version is not None:
        state = (
            "current"
            if report.schema_version == report.schema_known
            else f"this peerlog knows up to {report.schema_known}"
        )
        table.add_row("Schema", f"version {report.schema_version} ({state})")
    if report.you:
        table.add_row("You", plain(report.you))
    if report.counts:
        table.add_row("Entries", describe_counts(report.counts))
    if report.mode is not None:
        access = "only you" if not stat.S_IMODE(report.mode) & 0o077 else "you and others"
        folder = f", folder {stat.S_IMODE(report.folder_mode):04o}" if report.folder_mode is not None else ""
        table.add_row("Access", f"{access} (file {stat.S_IMODE(report.mode):04o}{folder})")
    if report.free_bytes is not None:
        table.add_row("Free space", human_size(report.free_bytes))
    if report.integrity:
        table.add_row("Integrity", "ok" if report.integrity == ["ok"] else "problems found (see below)")
    if report.backups:
        table.add_row("Backups", plain(f"{len(report.backups)} beside it, newest {report.backups[0].name}"))
    return table


def _section(title: str, style: str, marker: str, findings: list[Finding], *, todo_label: str) -> Group:
    # A grid keeps the hanging indent when a long line wraps on a narrow terminal.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for finding in findings:
        grid.add_row(Text(marker, style=style), plain(finding.what))
        if finding.todo:
            todo = Text(todo_label, style="bold") if todo_label else Text()
            grid.add_row("", todo.append(visible(finding.todo)))
    return Group(Text(""), Text(title, style=f"bold {style}"), grid)


def _findings(report: DoctorReport) -> Group:
    from peerlog.doctor import NOTE, PROBLEM

    problems = [f for f in report.findings if f.level == PROBLEM]
    notes = [f for f in report.findings if f.level == NOTE]
    parts: list[RenderableType] = []
    if problems:
        parts.append(
            _section("What needs your attention", "yellow", "◆", problems, todo_label="What to do: ")
        )
    if notes:
        parts.append(_section("Good to know", "cyan", "·", notes, todo_label=""))
    if not problems:
        ending = " Nothing needs doing." if not notes else ""
        parts.append(Text.assemble("\n", ("✓ Your journal is healthy.", "green"), ending))
    return Group(*parts)


def doctor_report(report: DoctorReport) -> Group:
    return Group(Text("peerlog doctor", style="bold"), _facts(report), _findings(report))
