"""Messages around the questions wrap at word boundaries, as a person sees them in a real terminal."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from peerlog.cli import interactive
from peerlog.cli.say import fit_to_terminal
from peerlog.packs import Prompt
from support import Invoke, days_ago, journal_at, on_a_screen
from test_reflect_interactive import ENTER, typed

LONG_IDEA = (
    "Begin with two quiet minutes, then take turns saying one thing that went well this week before "
    "anything that was hard, and keep the last five minutes for what we would like to try next"
)


@pytest.mark.parametrize("columns", [80, 120])
def test_init_says_welcome_in_whole_words(columns: int) -> None:
    # A journal path a little shorter than the terminal: unwrapped, the line would be cut inside it.
    base = Path(tempfile.mkdtemp(prefix="pl-"))
    try:
        folder = "f" * (columns - 30 - len(str(base / "x" / "peerlog.db")) + 1)
        home = base / folder
        path = str(home / "peerlog.db")
        screen = on_a_screen("init", "--name", "Ana", home=home, columns=columns)
    finally:
        shutil.rmtree(base)
    message = f"Welcome, Ana! Your journal is at {path} and is private to you."
    assert any(path in line for line in screen) and all(len(line) < columns for line in screen), screen
    # Lines break only between words: joined again, they are the message word for word.
    assert " ".join(" ".join(screen).split()).startswith(message), screen


@pytest.mark.parametrize("columns", [80, 120])
def test_the_reflect_header_and_carry_over_wrap_at_word_boundaries(
    journal: Invoke, home: Path, columns: int
) -> None:
    journal_at(home).reflection(
        "me", "Sam", [("different", "text", LONG_IDEA)], pack="session-check", at=days_ago(1)
    )
    screen = on_a_screen(
        "reflect", "--pair", "sam", home=home, columns=columns, keys=[("What resonated?", "\x03")]
    )
    text = " ".join(" ".join(screen).split())
    assert "Last time, you two wanted to try:" in text
    assert "Every question can be skipped." in text
    lines = [line for line in screen if line]
    assert all(len(line) < columns for line in lines), lines
    # The idea reads whole when its lines are joined again: nothing cut, nothing lost.
    start = next(i for i, line in enumerate(screen) if line.startswith("  You: "))
    idea = " ".join(line.strip() for line in screen[start:] if line.startswith("  ")).removeprefix("You: ")
    assert idea.startswith(LONG_IDEA), idea
    assert len([line for line in screen[start:] if line.startswith("  ")]) > 1  # it did need to wrap


def test_a_help_line_under_a_question_wraps_with_its_indent(monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[str] = []
    monkeypatch.setattr(interactive.questionary, "print", lambda text, **_: printed.append(text))
    monkeypatch.setenv("COLUMNS", "80")
    prompt = Prompt(id="t", text="One line?", kind="text", help=LONG_IDEA)
    with typed(ENTER):
        interactive.ask_prompt(prompt)
    [shown] = printed
    lines = shown.split("\n")
    assert len(lines) > 1 and all(len(line) < 80 and line.startswith("  ") for line in lines)
    assert " ".join(line.strip() for line in lines) == LONG_IDEA


@pytest.mark.parametrize("columns", [80, 120])
def test_fit_to_terminal_keeps_words_line_breaks_and_long_paths_whole(
    monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    path = "/home/ana/" + "very-long-folder/" * 8 + "peerlog.db"
    message = f"{LONG_IDEA}.\n  Your journal is at {path} and is private to you."
    lines = fit_to_terminal(message).split("\n")
    assert f"  {path}" in lines  # a path is never cut: it could not be copied
    assert all(len(line) < columns for line in lines if path not in line)
    # Lines break only between words: joined again, they are the message word for word.
    assert " ".join(line.strip() for line in lines) == " ".join(message.split())
    assert len(lines) > 3
    assert lines[-1].startswith("  ")  # the second line's indent carries onto the lines it wraps onto


@pytest.mark.parametrize("columns", [80, 120])
def test_a_long_question_of_a_list_wraps_at_word_boundaries(
    monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    asked: list[str] = []
    real = interactive.questionary.confirm

    def confirm(message: str, **kw: object) -> object:
        asked.append(message)
        return real(message, **kw)  # type: ignore[arg-type]  # why: questionary's keywords, passed on

    monkeypatch.setattr(interactive.questionary, "confirm", confirm)
    monkeypatch.setenv("COLUMNS", str(columns))
    question = f"{LONG_IDEA}: save the check-in for then?"
    with typed(ENTER):
        assert interactive.confirm(question) is False
    [shown] = asked
    lines = shown.split("\n")
    assert len(lines) > 1 and all(len(line) + 2 < columns for line in lines)
    assert " ".join(line.strip() for line in lines) == question
