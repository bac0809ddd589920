"""The root command: global options, the command groups, and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from peerlog import __version__
from peerlog.cli.state import AppState
from peerlog.errors import PeerlogError


def say_error(message: str) -> None:
    # Plain text on stderr: one line, readable in any terminal and easy to grep in scripts. Messages quote
    # what people typed; a newline, line separator or escape sequence in it is shown escaped, so it cannot break the line
    # or drive the terminal.
    import unicodedata

    message = "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")
        else ch
        for ch in message
    )
    sys.stderr.write(f"peerlog: {message}\n")
    sys.stderr.flush()


#: Every top-level command: the module that defines it and the line `peerlog --help` shows for it.
#: A module is imported only when one of its commands runs, so `--help`, `--version` and shell completion
#: never pay for the others (tests/test_cli_help.py keeps these lines equal to the commands' docstrings).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("peerlog.cli.init", "Set up your journal (safe to run again; it never erases anything)."),
    "id": (
        "peerlog.cli.identity",
        "Show your identity code to send to your peer, and the fingerprint you read to each other.",
    ),
    "pair": ("peerlog.cli.pairs", "Start, list, show, change and end pairs with your peers."),
    "person": ("peerlog.cli.people", "Rename a peer in your journal; their entries stay theirs."),
    "group": (
        "peerlog.cli.groups",
        "Groups of peers who meet as equals: start one, record sessions, and see its history.",
    ),
    "checkin": (
        "peerlog.cli.checkins",
        "Log a check-in: mood, what happened, wins and challenges. Every part is optional.",
    ),
    "log": ("peerlog.cli.checkins", "Show your check-ins (and shared ones from your peers), newest first."),
    "show": ("peerlog.cli.checkins", "Show one entry in full: a check-in, a reflection or feedback."),
    "edit": (
        "peerlog.cli.checkins",
        "Change one of your entries: with flags, or in $EDITOR on its note when given none.",
    ),
    "delete": (
        "peerlog.cli.checkins",
        "Delete one of your entries (a check-in, reflection or feedback), after asking you to confirm.",
    ),
    "reflect": (
        "peerlog.cli.reflect",
        "Reflect after a conversation: answer a few questions, each one skippable.",
    ),
    "reflections": (
        "peerlog.cli.reflect",
        "Read your reflections (and the ones your peers shared with you), newest first.",
    ),
    "feedback": (
        "peerlog.cli.reflect",
        "Give your peer feedback: an appreciation or a suggestion, as one equal to another.",
    ),
    "prompts": ("peerlog.cli.prompts", "List, show, check and start prompt packs."),
    "wins": (
        "peerlog.cli.review",
        "Celebrate wins, week by week, with mood trends and how far each of you has come.",
    ),
    "summary": (
        "peerlog.cli.review",
        "One screen on a period: check-ins, moods, wins, challenges, reflections and feedback both ways.",
    ),
    "search": (
        "peerlog.cli.review",
        "Find words in notes, wins, challenges, answers and feedback, best matches first.",
    ),
    "challenge": (
        "peerlog.cli.review",
        "Your challenges: list them, and mark one overcome when it is (it becomes a win).",
    ),
    "export": (
        "peerlog.cli.transfer",
        "Export your journal as Markdown or JSON. Only shared entries, unless you add --include-private.",
    ),
    "import": (
        "peerlog.cli.transfer",
        "Import a peer's share bundle (or a jrnl export with --from jrnl). Your own entries never change.",
    ),
    "restore": (
        "peerlog.cli.transfer",
        "Bring back your own JSON export (a new machine, or after a loss); it asks before replacing anything.",
    ),
    "share": (
        "peerlog.cli.transfer",
        "Write a sealed bundle of your shared entries with a peer, or one for each member of a group.",
    ),
    "sync": (
        "peerlog.cli.sync",
        "Exchange sealed bundles with every peer and group that has a sync folder: send your changes, take in theirs.",
    ),
    "backup": (
        "peerlog.cli.transfer",
        "Copy your whole journal to a backup file, safely, even while peerlog is in use.",
    ),
    "doctor": (
        "peerlog.cli.doctor",
        "Check your journal: where it lives, what it holds, and whether all is well. Changes nothing.",
    ),
}


#: What an option's value is called in help, by the option's name: words a person would use.
_VALUE_NAMES = {
    "pair": "NAME",
    "with": "NAME",
    "group": "NAME",
    "pack": "NAME",
    "at": "WHEN",
    "since": "WHEN",
    "until": "WHEN",
    "mood": "1-5",
    "format": "markdown|json",
    "source": "peerlog|jrnl",
    "kind": "appreciation|suggestion",
    "key": "CODE",
}

#: The order a person meets subcommands in: look first, then act on what you saw. Others follow as defined.
SUBCOMMAND_ORDER: dict[str, tuple[str, ...]] = {
    "pair": ("add", "list", "show", "set", "end"),
    "group": ("add", "list", "show", "session", "join", "leave", "set", "rename", "end"),
    "prompts": ("list", "show", "validate", "new"),
    "challenge": ("list", "done", "reopen"),
}


def _value_name(param: Any) -> str:
    """`--pair NAME`, `--at WHEN`, `--limit NUMBER`, `--note TEXT`: never a Python type such as `<list[str]>`."""
    from typing import get_args

    if param.name in _VALUE_NAMES:
        return _VALUE_NAMES[param.name]
    described = param.type_descriptor
    if described.is_choice:
        return "|".join(str(choice) for choice in described.choices or ())
    if described.is_path:
        return "FILE"
    annotation = described.annotation
    if described.is_list:
        annotation = (get_args(annotation) or (str,))[0]
    if annotation in (int, float):
        return "NUMBER"
    return "TEXT"


def _journal_path(ctx: Any) -> Any:
    from peerlog.config import resolve_paths

    return resolve_paths(ctx.find_root().params.get("db"))


def _names_in_journal(ctx: Any, incomplete: str, query: str) -> list[str]:
    """Names from the journal for shell completion. Read with plain sqlite3, read-only: completion runs at
    every Tab, so it never loads the ORM, never creates or changes a journal, and offers nothing on any
    trouble."""
    import sqlite3

    path = _journal_path(ctx).db
    if not path.is_file():
        return []
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            rows = connection.execute(query).fetchall()
        finally:
            connection.close()
    except (sqlite3.Error, OSError, ValueError):
        return []
    start = incomplete.casefold()
    return [name for (name,) in rows if isinstance(name, str) and name.casefold().startswith(start)]


def _peer_names(ctx: Any, _param: Any, incomplete: str) -> list[str]:
    """Your peers' names, current pairs first."""
    return _names_in_journal(
        ctx,
        incomplete,
        "SELECT DISTINCT person.name FROM person JOIN pair"
        " ON person.id IN (pair.person_a_id, pair.person_b_id)"
        " WHERE NOT person.is_self ORDER BY pair.ended_at IS NOT NULL, person.name_key",
    )


def _group_names(ctx: Any, _param: Any, incomplete: str) -> list[str]:
    """Your groups' names, current ones first."""
    return _names_in_journal(
        ctx, incomplete, "SELECT name FROM peer_group ORDER BY ended_at IS NOT NULL, name_key"
    )


def _pack_names(ctx: Any, _param: Any, incomplete: str) -> list[str]:
    """The prompt packs' names (shipped and your own) for shell completion."""
    from peerlog.packs import load_catalog

    try:
        names = sorted(load_catalog(_journal_path(ctx).prompts).packs)
    except (OSError, ValueError):
        return []
    return [name for name in names if name.startswith(incomplete.casefold())]


#: Which values shell completion offers, by the option's name or by command path and argument name.
_COMPLETE_OPTIONS = {"pair": _peer_names, "group": _group_names, "pack": _pack_names}
_COMPLETE_ARGUMENTS: dict[tuple[str, ...], Callable[[Any, Any, str], list[str]]] = {
    ("pair", "show"): _peer_names,
    ("pair", "end"): _peer_names,
    ("pair", "set"): _peer_names,
    ("feedback",): _peer_names,
    ("share",): _peer_names,
    ("person", "rename"): _peer_names,
    ("prompts", "show"): _pack_names,
    **{("group", sub): _group_names for sub in ("show", "set", "rename", "end", "join", "leave", "session")},
}


def _plain_params(command: Any, path: tuple[str, ...] = ()) -> None:
    """Help names values as people do: `peerlog show ID`, `--pair NAME`, `[FILE]` when it may be left out."""
    from typer.core import TyperArgument, TyperOption

    class PlainArgument(TyperArgument):
        def _usage_display_name(self) -> str:
            name = self.display_name_raw.strip("[]")
            name = name if self.required else f"[{name}]"
            return name if self.nargs == 1 or name.endswith("...") else f"{name}..."

        def display_type_rich(self, ctx: Any) -> str | None:
            return None

    class PlainOption(TyperOption):
        def display_type_rich(self, ctx: Any) -> str | None:
            return self.metavar if self.metavar is not None else _value_name(self)

    for param in getattr(command, "params", []):
        if type(param) is TyperArgument:
            param.__class__ = PlainArgument
            complete = _COMPLETE_ARGUMENTS.get(path) if param.name in ("name", "peer", "old") else None
        elif type(param) is TyperOption:
            param.__class__ = PlainOption
            complete = _COMPLETE_OPTIONS.get(param.name or "")
        else:
            continue
        if complete is not None and param._custom_shell_complete is None:
            param._custom_shell_complete = complete


class PlainGroup(TyperGroup):
    """A group of subcommands (`pair`, `prompts`, ...) listed in their natural order, descriptions whole."""

    def list_commands(self, ctx: Any) -> list[str]:
        order = SUBCOMMAND_ORDER.get(self.name or "", ())
        defined = list(self.commands)
        return [
            *(name for name in order if name in defined),
            *(name for name in defined if name not in order),
        ]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # Click cuts each line to fit one row ("your..."); a line that wraps is read whole instead.
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _plain_help(command: Any, path: tuple[str, ...]) -> None:
    # All of peerlog's help is plain text, like the root's: quick, and the same in every terminal.
    command.rich_markup_mode = None
    _plain_params(command, path)
    if type(command) is TyperGroup:
        command.__class__ = PlainGroup
    for name, sub in getattr(command, "commands", {}).items():
        _plain_help(sub, (*path, name))


def load_command(name: str) -> Any:
    """Build one top-level command from its module."""
    import importlib

    from typer.main import get_group

    module_name, _help = COMMANDS[name]
    group = get_group(importlib.import_module(module_name).app)
    command = group.commands.get(name, group)
    command.name = name
    _plain_help(command, (name,))
    return command


#: What a Ctrl-C says. Which one is decided by whether the journal really changed, never by where it landed.
STOPPED = "Stopped. Nothing was saved."
STOPPED_AFTER_WRITING = (
    "Stopped, but only after writing {path}: it is complete, so there is no need to run it again."
)
STOPPED_AFTER_SAVING = "Stopped, but only after saving: what you asked for is in your journal, so there is no need to run it again."

#: Set by `run()`: Ctrl-C stays ignored until the process ends, once a command has finished.
_ignore_interrupts_until_exit = False


def stopped_message(ctx: Any) -> str:
    """What to say after a Ctrl-C (or end of input at a question): the truth about what was saved."""
    root = ctx.find_root() if ctx is not None else None
    app_state = getattr(root, "obj", None)
    if not isinstance(app_state, AppState):
        return STOPPED
    if app_state.written:
        return STOPPED_AFTER_WRITING.format(path=app_state.written[-1])
    return STOPPED_AFTER_SAVING if app_state.saved else STOPPED


class PeerlogGroup(TyperGroup):
    """Loads commands on demand, and turns every failure into one kind line and an exit code: 2 for input
    to correct, 1 otherwise, 130 for Ctrl-C."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Like Typer's, but a usage error is one line too (Click prints usage, a hint and the error)."""
        import signal
        import threading

        from typer import Abort
        from typer.exceptions import TyperException

        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.getsignal(signal.SIGINT) if in_main_thread else None
        try:
            try:
                result = super().main(
                    args,
                    prog_name,
                    complete_var,
                    standalone_mode=False,
                    windows_expand_args=windows_expand_args,
                    **extra,
                )
            except TyperException as error:
                if not standalone_mode:
                    raise
                if type(error).__name__ == "NoArgsIsHelpError":  # plain `peerlog`: the help is the answer
                    error.show()  # type: ignore[attr-defined]  # why: typer keeps this error class private
                    sys.exit(0)
                ctx = getattr(error, "ctx", None)
                hint = f" See `{ctx.command_path} --help`." if ctx is not None else ""
                message = error.format_message().rstrip()
                say_error(f"{message}{'' if message.endswith(('.', '!', '?')) else '.'}{hint}")
                sys.exit(getattr(error, "exit_code", 1))
            except Abort:
                if not standalone_mode:
                    raise
                say_error(STOPPED)
                sys.exit(130)
            if not standalone_mode:
                return result
            sys.exit(result if isinstance(result, int) else 0)
        finally:
            # Run inside another program (tests, `python -c`), Ctrl-C goes back to what it was.
            if previous is not None and not _ignore_interrupts_until_exit:
                signal.signal(signal.SIGINT, previous)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_params(self)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        from typer import Exit

        # Reading the options happens before any command runs (Typer would exit 130 without a word).
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt:
            say_error(STOPPED)
            raise Exit(130) from None

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        if ctx.parent is not None:
            return super().format_commands(ctx, formatter)
        with formatter.section("Commands"):
            formatter.write_dl([(name, help_line) for name, (_module, help_line) in COMMANDS.items()])

    def invoke(self, ctx: Any) -> Any:
        from typer import Abort, Exit
        from typer.exceptions import TyperException

        from peerlog import interrupts

        try:
            try:
                with interrupts.never_swallowed() as late:
                    result = super().invoke(ctx)
                if late.caught:
                    # A Ctrl-C that landed where Python could not raise it: answered now the command is done.
                    raise KeyboardInterrupt
                return result
            finally:
                # The command is over, however it ended: what is left (a message, closing the journal,
                # exiting) takes a moment, and a Ctrl-C now could only turn an honest ending into a traceback.
                interrupts.ignore_from_now()
        except Exit:
            raise
        except TyperException:
            raise
        except (KeyboardInterrupt, Abort):
            # Abort is how Typer's own questions report Ctrl-C or the end of input.
            say_error(stopped_message(ctx))
            raise Exit(130) from None
        except BrokenPipeError:
            # Whoever read the output stopped reading (`export | head -1`): that is how pipes end, not a fault,
            # so no message. Exit 1 as rich does for tables (and as Python's docs advise): the output is cut.
            _quiet_closed_pipe()
            raise Exit(1) from None
        except PeerlogError as error:
            say_error(str(error))
            raise Exit(error.exit_code) from None
        except Exception as error:
            if os.environ.get("PEERLOG_DEBUG"):
                raise
            say_error(_unexpected(ctx, error))
            raise Exit(1) from None


def _quiet_closed_pipe() -> None:
    # Output still buffered for the closed pipe would fail again when Python flushes it at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout replaced by something without a file (a test runner)
        pass


def _unexpected(ctx: Any, error: Exception) -> str:
    """The line for a failure peerlog did not foresee: a damaged journal when it is one, a bug otherwise."""
    app_state = ctx.find_root().obj
    if isinstance(app_state, AppState) and app_state.opened:
        from peerlog import interrupts
        from peerlog.store import health, required_columns

        path = app_state.paths().db
        try:
            # Reading a very large journal takes a while: Ctrl-C may cut it short (then nothing is blamed).
            with interrupts.allowed():
                damage = health.find_damage(path, required=required_columns())
        except (KeyboardInterrupt, Exception):
            damage = []
        if damage:
            saved = " (what you asked for was saved first)" if app_state.saved else "; nothing was changed"
            return str(health.damage_error(path, damage, saved=saved))
    saved = "" if isinstance(app_state, AppState) and app_state.saved else " Nothing was saved."
    return (
        f"Something unexpected went wrong ({type(error).__name__}: {error}).{saved} Run again with "
        "PEERLOG_DEBUG=1 to see the details, and please report it."
    )


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
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            envvar="PEERLOG_DB",
            help="Use this journal file instead of the usual one.",
            dir_okay=False,
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """A private journal for peer support: check-ins, reflections, two-way feedback and wins.

    Everything stays on this machine unless you export or share it. Entries are private unless you
    mark them shared.
    """
    state = AppState(db_option=db)
    ctx.obj = state
    ctx.call_on_close(state.close)


def run() -> None:
    """The console script: `app()`, with Ctrl-C answered in one line wherever it lands."""
    global _ignore_interrupts_until_exit
    _ignore_interrupts_until_exit = True
    try:
        app()
    except KeyboardInterrupt:
        # Before a command starts (Typer builds the command line from the functions): nothing ran yet.
        say_error(STOPPED)
        sys.exit(130)
    finally:
        from peerlog import interrupts

        interrupts.ignore_from_now()
        # Python's last garbage collection at exit walks every object the libraries made (about 80 ms
        # after SQLAlchemy, pydantic and rich). Frozen objects are skipped; the journal is already closed,
        # and output is flushed and atexit handlers run as usual.
        import gc

        gc.freeze()
