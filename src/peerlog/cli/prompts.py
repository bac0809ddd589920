"""`peerlog prompts list|show|validate|new`: the question packs behind `reflect` and `checkin`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peerlog.cli.say import say, say_json
from peerlog.cli.state import state

if TYPE_CHECKING:
    from peerlog.packs import Catalog

app = typer.Typer(no_args_is_help=True, help="List, show, check and start prompt packs.")


def load_catalog(ctx: typer.Context) -> Catalog:
    """Every usable pack. A broken pack of yours is skipped with one note per problem on stderr."""
    # Problems quote the file's text: say_error escapes what would break the line.
    from peerlog.cli.app import say_error
    from peerlog.packs import load_catalog as load

    catalog = load(state(ctx).paths().prompts)
    for problem in catalog.problems:
        say_error(f"skipped a pack that has a problem: {problem}")
    return catalog


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List the prompt packs you can use: the shipped ones and your own."""
    catalog = load_catalog(ctx)
    packs = catalog.sorted()
    if as_json:
        say_json([p.to_dict() for p in packs])
        return
    from peerlog import render
    from peerlog.render import reflections

    render.console().print(reflections.pack_table(packs))
    folder = state(ctx).paths().prompts
    say(f"Your own packs live in {folder}. `peerlog prompts new NAME` starts one.")


@app.command()
def show(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The pack's name, as `peerlog prompts list` shows it.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show a pack's questions, in the order they are asked."""
    pack = load_catalog(ctx).get(name)
    if as_json:
        say_json(pack.to_dict())
        return
    from peerlog import render
    from peerlog.render import reflections

    render.console().print(reflections.pack_detail(pack))


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The pack file to check (.toml).")],
) -> None:
    """Check a pack file and list every problem in it, with its line where it can be known."""
    from peerlog.cli.app import say_error
    from peerlog.errors import InputError
    from peerlog.packs import read_pack_file

    if not file.exists():
        raise InputError(f"There is no file at {file}.", hint="Give the path of a .toml pack file.")
    pack, problems = read_pack_file(file)
    if problems:
        for problem in problems:
            say_error(str(problem))
        count = len(problems)
        say(f"peerlog: {count} problem{'s' if count != 1 else ''} to fix in {file}.", err=True)
        raise typer.Exit(1)
    assert pack is not None
    say(f"{file} is a good pack: '{pack.name}' with {len(pack.prompts)} questions.")


@app.command()
def new(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="A name for the pack: lowercase words joined by '-'.")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a pack file of that name that is already there.")
    ] = False,
) -> None:
    """Write a commented starter pack into your prompts folder, ready to edit."""
    from peerlog.errors import InputError, StoreError
    from peerlog.files import make_private_folder, write_file
    from peerlog.packs import check_pack_name, load_shipped, starter_pack

    name = check_pack_name(name)
    folder = state(ctx).paths().prompts
    path = folder / f"{name}.toml"
    if (path.exists() or path.is_symlink()) and not force:
        raise InputError(f"{path} is already there.", hint="Edit it, or add --force to start it over.")
    try:
        make_private_folder(folder)
    except OSError as error:
        raise StoreError(
            f"peerlog could not make the folder {folder}: {error.strerror or error}.",
            hint="Check that the folder is yours to write to (PEERLOG_HOME moves it).",
        ) from None
    # Owner-only, written whole and never through a link: a pack is your own settings.
    write_file(path, starter_pack(name, path), private=True, force=force)
    say(f"Wrote a starter pack to {path}.")
    if name in {p.name for p in load_shipped()[0]}:
        say(f"It takes the place of the shipped pack '{name}' while it is there.")
    say(f"Edit it, check it with `peerlog prompts validate {path}`, then `peerlog reflect --pack {name}`.")
