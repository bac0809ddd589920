"""The one place that imports questionary. Each function asks, and returns plain values.

Every question can be skipped (Enter, or the "Skip" choice). Ctrl-C raises KeyboardInterrupt, which the
CLI reports as "Stopped. Nothing was saved." so nothing half-answered is ever stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import questionary

NO_PAIR = "Just me (no pair)"
SKIP = "Skip"


@dataclass
class CheckInAnswers:
    pair: str | None = None
    mood: int | None = None
    note: str = ""
    wins: list[str] = field(default_factory=list)
    challenges: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    shared: bool = False


def _repeat(question: str, follow_up: str) -> list[str]:
    answers: list[str] = []
    prompt = question
    while True:
        answer = questionary.text(prompt, instruction="(Enter to skip)").unsafe_ask().strip()
        if not answer:
            return answers
        answers.append(answer)
        prompt = follow_up


def ask_checkin(pairs: list[str], *, shared: bool = False) -> CheckInAnswers:
    answers = CheckInAnswers(shared=shared)
    if pairs:
        choice = questionary.select(
            "Is this about time with a peer?", choices=[NO_PAIR, *pairs], default=NO_PAIR
        ).unsafe_ask()
        answers.pair = None if choice == NO_PAIR else choice
    moods = [
        questionary.Choice("5 · great", value=5),
        questionary.Choice("4 · good", value=4),
        questionary.Choice("3 · okay", value=3),
        questionary.Choice("2 · low", value=2),
        questionary.Choice("1 · hard", value=1),
        questionary.Choice(SKIP, value=None),
    ]
    answers.mood = questionary.select("How are you feeling?", choices=moods).unsafe_ask()
    answers.note = (
        questionary.text("What happened? A few words is plenty.", instruction="(Enter to skip)")
        .unsafe_ask()
        .strip()
    )
    answers.wins = _repeat("A win since last time, however small?", "Another win?")
    answers.challenges = _repeat("Anything that felt hard?", "Anything else?")
    tags = questionary.text("Tags, separated by spaces?", instruction="(Enter to skip)").unsafe_ask()
    answers.tags = [t for t in tags.replace(",", " ").split() if t]
    answers.shared = questionary.confirm(
        "Mark it shared, so it can go into exports for your peer?", default=shared
    ).unsafe_ask()
    return answers
