"""A circle with a long name and long member names, read in a real terminal at 80 and 120 columns: what
wraps goes on under its own indent, a command to copy is never broken, and no name loses letters."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import Invoke, on_a_screen
from test_group_views import group_checkin

#: 30 characters, as long as a circle's name reasonably gets.
LONG = "Tuesday evening listening circ"
MAX = "Maximilian Oyelaran-Bergström"
NOOR = "Noor Al-Rashid Montgomery"


@pytest.fixture
def long_names(journal: Invoke, home: Path) -> Path:
    added = journal("group", "add", LONG, "--member", MAX, "--member", "Kai", "--member", NOOR)
    assert added.exit_code == 0, added.output
    group_checkin(home, MAX, wins=("Finished the long draft",), mood=3, group=LONG)
    group_checkin(home, NOOR, mood=4, group=LONG)
    came = ["--came", MAX, "--came", "Kai", "--came", NOOR, "--facilitator", NOOR]
    session = journal("group", "session", LONG, *came, "--at", "yesterday", "--shared", "-a", "felt=4")
    assert session.exit_code == 0, session.output
    return home


def under_indent(screen: list[str], start: str, indent: int) -> list[str]:
    """The line starting with `start` (after its indent) and the lines it wrapped onto."""
    first = next(i for i, line in enumerate(screen) if line.lstrip().startswith(start))
    lines = [screen[first]]
    for line in screen[first + 1 :]:
        if not line.startswith(" " * indent) or not line.strip():
            break
        lines.append(line)
    return lines


@pytest.mark.parametrize("columns", [80, 120])
def test_group_summary_wraps_under_its_indents_and_keeps_commands_whole(
    long_names: Path, columns: int
) -> None:
    screen = on_a_screen("summary", "--group", LONG, home=long_names, columns=columns)
    shown = "\n".join(screen)
    # The command to look together is on one line, the group's name with its flag.
    assert f"`peerlog summary --together --group '{LONG}'`" in shown, shown
    assert f"`peerlog wins --group '{LONG}'`" in shown, shown
    spread = under_indent(screen, "How the session felt", 4)
    assert spread[0].startswith("  How the session felt")
    assert " ".join(" ".join(spread).split()).endswith("(it keeps it safe to be honest)."), spread
    # Who came to the latest session: the line goes on four columns in, never back at the edge.
    day = next(i for i, line in enumerate(screen) if " · " in line and "(you)" in line)
    meeting = under_indent(screen, screen[day].strip(), 4)
    assert screen[day].startswith("  ") and f"facilitated by {NOOR}" in " ".join(" ".join(meeting).split())
    assert all(len(line) <= columns for line in screen)


def test_group_show_at_80_hangs_a_long_name_and_the_rotation_under_their_indent(long_names: Path) -> None:
    # Inside the panel: names and "Up next" start two columns in, and what wraps goes on four in.
    rows = on_a_screen("group", "show", LONG, home=long_names, columns=80)
    inner = [line[2:].removesuffix("│").rstrip() for line in rows if line.startswith("│ ")]
    up_next = under_indent(inner, "Up next:", 4)
    assert up_next[0].startswith("  Up next:") and all(line.startswith("    ") for line in up_next[1:])
    assert len(up_next) > 1 and NOOR in " ".join(" ".join(up_next).split()), rows
    assert any(MAX in line for line in inner), inner


@pytest.mark.parametrize("columns", [80, 120])
def test_mood_trends_keep_every_letter_of_a_long_name(long_names: Path, columns: int) -> None:
    screen = on_a_screen("wins", "--group", LONG, home=long_names, columns=columns)
    mood = screen[next(i for i, line in enumerate(screen) if line == "Mood") :]
    words = " ".join(mood).split()
    for part in (*MAX.split(), *NOOR.split()):
        assert part in words, mood
    assert not any("…" in line for line in mood), mood
    assert f"`peerlog wins --together --group '{LONG}'`" in "\n".join(screen)


@pytest.mark.parametrize(("command", "columns"), [("log", 80), ("log", 120), ("feedback", 80)])
def test_lists_of_a_group_never_cut_a_long_name(long_names: Path, command: str, columns: int) -> None:
    if command == "feedback":
        given = ["feedback", MAX, "Thank you for holding the space", "--group", LONG, "--shared"]
        assert on_a_screen(*given, home=long_names, columns=columns)
    args = ["feedback", "--list"] if command == "feedback" else ["log"]
    screen = on_a_screen(*args, "--group", LONG, home=long_names, columns=columns)
    # The column of names, read down: it may fold a long name, but every letter is there, in order.
    header = next(line for line in screen if " id " in f" {line} ")
    label = "from → to" if command == "feedback" else "who"
    start, end = header.index(label), header.index("kind" if command == "feedback" else "mood")
    column = "".join(line[start:end].strip() for line in screen[screen.index(header) + 2 :])
    assert not any("…" in line for line in screen), screen
    assert MAX.replace(" ", "") in column.replace(" ", ""), screen


@pytest.mark.parametrize("columns", range(50, 121, 7))
def test_a_message_never_breaks_a_command_across_lines(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    from peerlog.cli.say import fit_to_terminal

    monkeypatch.setenv("COLUMNS", str(columns))
    message = (
        f"Saved check-in 47c785af in {LONG} (shared with {LONG}: it goes into your exports, and to each "
        f"member with your next `peerlog sync` or `peerlog share --group '{LONG}'`)."
    )
    lines = fit_to_terminal(message).split("\n")
    # Every command opens and closes on the same line, and nothing else moved.
    assert all(line.count("`") % 2 == 0 for line in lines), lines
    assert " ".join(lines) == message
