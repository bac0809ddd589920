"""Asking prompts at a terminal, through questionary's own pipe input: every kind, skipping, Ctrl-C, hints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from peerlog.cli import interactive
from peerlog.hints import find_hints
from peerlog.packs import Prompt
from support import EVERY_KIND, Invoke, reflections

ENTER, DOWN, FINISH, CTRL_C, CLEAR_LINE = "\r", "\x1b[B", "\x1b\r", "\x03", "\x15"


@contextmanager
def typed(keys: str) -> Iterator[None]:
    """Type `keys` into the prompts asked inside the block. The pipe is closed after them, so a test that
    runs out of keys stops (as Ctrl-D would) instead of hanging."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys)
        pipe.close()
        yield


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("peerlog.cli.reflect.is_interactive", lambda: True)
    monkeypatch.setattr("peerlog.cli.checkins.is_interactive", lambda: True)


@pytest.fixture
def every_kind(journal: Invoke, home: Path, terminal: None) -> Invoke:
    (home / "prompts").mkdir(parents=True, exist_ok=True)
    (home / "prompts" / "every-kind.toml").write_text(EVERY_KIND, encoding="utf-8")
    return journal


# ---------------------------------------------------------------- one question of each kind

TEXT = Prompt(id="t", text="One line?", kind="text")
LONG = Prompt(id="l", text="Tell me more?", kind="long")
SCALE = Prompt(id="s", text="How was it?", kind="scale", min=1, max=5, min_label="hard", max_label="good")
WIDE = Prompt(id="w", text="How sure?", kind="scale", min=0, max=10)
CHOICE = Prompt(id="c", text="Which?", kind="choice", choices=("Tea", "Coffee", "Water"))
MULTI = Prompt(id="m", text="Which ones?", kind="multi", choices=("Listening", "Sharing", "Quiet"))
CONFIRM = Prompt(id="y", text="Again?", kind="confirm")
REPEAT = Prompt(id="r", text="A win?", kind="text", repeat=True, again="Another win?")


@pytest.mark.parametrize(
    ("prompt", "keys", "expected"),
    [
        (TEXT, "  A calm evening " + ENTER, "A calm evening"),
        # A long answer: Enter starts a new line, and Enter on an empty line finishes.
        (LONG, "First line" + ENTER + "second line" + ENTER + ENTER, "First line\nsecond line"),
        (LONG, "First line" + ENTER + "second line" + FINISH, "First line\nsecond line"),  # Esc, Enter too
        (SCALE, "4" + ENTER, 4),
        (SCALE, DOWN + ENTER, 1),  # from Skip, down wraps round to the first step
        (WIDE, DOWN * 8 + ENTER, 7),
        (CHOICE, "2" + ENTER, "Coffee"),
        (MULTI, " " + DOWN + DOWN + " " + ENTER, ["Listening", "Quiet"]),
        (CONFIRM, "y" + ENTER, True),
        (CONFIRM, "n" + ENTER, False),
        (REPEAT, "Walked" + ENTER + "Slept" + ENTER + ENTER, ["Walked", "Slept"]),
    ],
    ids=[
        "text",
        "long",
        "long-esc-enter",
        "scale",
        "scale-arrows",
        "scale-0-10",
        "choice",
        "multi",
        "yes",
        "no",
        "repeat",
    ],
)
def test_each_kind_of_prompt_is_answered_at_the_terminal(prompt: Prompt, keys: str, expected: object) -> None:
    with typed(keys):
        assert interactive.ask_prompt(prompt) == expected


@pytest.mark.parametrize(
    ("prompt", "keys"),
    [
        (TEXT, ENTER),
        (TEXT, "   " + ENTER),
        (LONG, ENTER),  # as everywhere else: Enter alone skips
        (LONG, "   " + ENTER + ENTER),
        (SCALE, ENTER),
        (SCALE, "4" + "s" + ENTER),
        (CHOICE, ENTER),
        (MULTI, ENTER),
        (CONFIRM, ENTER),
        (REPEAT, ENTER),
    ],
    ids=[
        "text",
        "text-blank",
        "long",
        "long-blank",
        "scale",
        "scale-changed-mind",
        "choice",
        "multi",
        "confirm",
        "repeat",
    ],
)
def test_every_kind_of_prompt_can_be_skipped_with_enter(prompt: Prompt, keys: str) -> None:
    with typed(keys):
        assert interactive.ask_prompt(prompt) is None


@pytest.mark.parametrize(
    ("prompt", "keys"),
    [
        (TEXT, FINISH),
        (LONG, FINISH),
        (SCALE, FINISH),
        (SCALE, "4" + FINISH),
        (WIDE, FINISH),
        (CHOICE, FINISH),
        (CHOICE, DOWN + FINISH),
        (MULTI, FINISH),
        (MULTI, " " + FINISH),
        (CONFIRM, FINISH),
        (CONFIRM, "y" + FINISH),
        (REPEAT, FINISH),
    ],
    ids=[
        "text",
        "long",
        "scale",
        "scale-pointed",
        "scale-0-10",
        "choice",
        "choice-pointed",
        "multi",
        "multi-picked",
        "confirm",
        "confirm-pointed",
        "repeat",
    ],
)
def test_esc_then_enter_skips_every_kind_of_prompt(prompt: Prompt, keys: str) -> None:
    # Esc, Enter finishes a long answer; on a list question it means skip, never an empty "answer".
    with typed(keys):
        assert interactive.ask_prompt(prompt) is None


def test_esc_then_enter_at_the_other_questions_takes_their_way_out() -> None:
    with typed(FINISH):
        assert interactive.ask_pair(["Sam", "Kim"]) is None  # just me
    with typed(FINISH):
        assert interactive.ask_feedback("Sam", None)[1] is None  # nothing to save
    with typed(FINISH):
        assert interactive.ask_hint_choice(find_hints("You should rest")) == "keep"
    with typed(FINISH):
        assert interactive.confirm("Save it for then?") is False
    with typed(FINISH):
        assert interactive.ask_pair_for_bundle("Sam", ["Sam"]) is None


def test_esc_then_enter_at_each_list_question_of_reflect_saves_the_rest(every_kind: Invoke) -> None:
    keys = (
        FINISH  # the pair: just me
        + "A calm evening" + ENTER
        + FINISH  # the long answer, empty
        + FINISH + FINISH + FINISH + FINISH  # scale, choice, multi, confirm
        + "Walked" + ENTER + ENTER
    )  # fmt: skip
    with typed(keys):
        result = every_kind("reflect", "--pack", "every-kind")
    assert result.exit_code == 0, result.output
    (saved,) = reflections(every_kind)
    assert saved["pair"] is None
    assert [a["value"] for a in saved["answers"]] == ["A calm evening", "Walked"]


def test_ctrl_d_stops_like_ctrl_c() -> None:
    with typed(""), pytest.raises(KeyboardInterrupt):
        interactive.ask_prompt(TEXT)


def test_an_answer_that_fails_its_check_is_asked_again_in_place() -> None:
    def check(prompt: Prompt, text: str) -> str | None:
        return "Only calm words" if "loud" in text else None

    with typed("loud" + ENTER + CLEAR_LINE + "quiet" + ENTER):
        assert interactive.ask_prompt(TEXT, check=check) == "quiet"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (ENTER, "You should rest"),
        ("e" + ENTER + CLEAR_LINE + "Resting helped me" + ENTER, "Resting helped me"),
        ("c" + ENTER, None),
    ],
    ids=["keep", "edit", "cancel"],
)
def test_a_hint_lets_you_keep_edit_or_cancel_your_words(keys: str, expected: str | None) -> None:
    with typed(keys):
        result = interactive.review_text(
            "You should rest", find_hints, lambda text: interactive.edit_line("Your words:", text)
        )
    assert result == expected


def test_an_edit_that_still_has_directive_wording_gets_the_hint_again() -> None:
    keys = "e" + ENTER + CLEAR_LINE + "You must rest" + ENTER + ENTER
    with typed(keys):
        result = interactive.review_text(
            "You should rest", find_hints, lambda text: interactive.edit_line("Your words:", text)
        )
    assert result == "You must rest"


# ---------------------------------------------------------------- `peerlog reflect` at a terminal


def test_reflect_asks_every_kind_and_saves_what_was_answered(every_kind: Invoke) -> None:
    keys = (
        DOWN + ENTER  # with Sam
        + "A calm evening" + ENTER
        + "First line" + ENTER + "second line" + FINISH
        + "4" + ENTER
        + "2" + ENTER
        + " " + DOWN + DOWN + " " + ENTER
        + "y" + ENTER
        + "Walked" + ENTER + ENTER
    )  # fmt: skip
    with typed(keys):
        result = every_kind("reflect", "--pack", "every-kind")
    assert result.exit_code == 0, result.output
    assert "Every kind: One question of each kind. Every question can be skipped." in result.stdout
    assert "7 of 7 questions answered" in result.stdout
    (saved,) = reflections(every_kind)
    assert saved["pair"] == "Sam"
    assert [a["value"] for a in saved["answers"]] == [
        "A calm evening",
        "First line\nsecond line",
        4,
        "Coffee",
        ["Listening", "Quiet"],
        True,
        "Walked",
    ]


def test_reflect_keeps_only_the_answers_given_when_some_are_skipped(every_kind: Invoke) -> None:
    keys = ENTER + ENTER + FINISH + "3" + ENTER + ENTER + ENTER + "n" + ENTER + ENTER
    with typed(keys):
        result = every_kind("reflect", "--pack", "every-kind")
    assert result.exit_code == 0, result.output
    (saved,) = reflections(every_kind)
    assert saved["pair"] is None
    assert [(a["prompt_id"], a["value"]) for a in saved["answers"]] == [("rating", 3), ("again", False)]


def test_reflect_with_every_question_skipped_saves_nothing_and_says_so_kindly(every_kind: Invoke) -> None:
    with typed(ENTER * 8):  # Enter alone skips each question, the long one too
        result = every_kind("reflect", "--pack", "every-kind")
    assert result.exit_code == 0, result.output
    assert "You skipped every question, so there is nothing to save. That's fine" in result.stdout
    assert reflections(every_kind) == []


@pytest.mark.parametrize("after", [1, 4, 6], ids=["first", "middle", "last"])
def test_ctrl_c_at_any_question_saves_nothing_and_says_so(every_kind: Invoke, after: int) -> None:
    answers = [
        ENTER,
        "A calm evening" + ENTER,
        "Story" + FINISH,
        "4" + ENTER,
        "2" + ENTER,
        " " + ENTER,
        "y" + ENTER,
    ]
    with typed("".join(answers[:after]) + CTRL_C):
        result = every_kind("reflect", "--pack", "every-kind")
    assert result.exit_code == 130
    assert result.stderr.strip() == "peerlog: Stopped. Nothing was saved."
    assert reflections(every_kind) == []


def test_reflect_offers_a_hint_on_an_answer_and_can_leave_it_out(journal: Invoke, terminal: None) -> None:
    keys = (
        ENTER  # no pair
        + "You should talk to her" + FINISH
        + "c" + ENTER  # leave this answer out
        + "Calm" + FINISH
        + FINISH
        + ENTER + ENTER
    )  # fmt: skip
    with typed(keys):
        result = journal("reflect")
    assert result.exit_code == 0, result.output
    (saved,) = reflections(journal)
    assert [a["prompt_id"] for a in saved["answers"]] == ["felt"]


def test_reflect_can_edit_words_after_a_hint(journal: Invoke, terminal: None) -> None:
    keys = (
        ENTER
        + "You should talk to her" + FINISH
        + "e" + ENTER
        + CLEAR_LINE + "Talking to her helped me" + FINISH
        + FINISH + FINISH + ENTER + ENTER
    )  # fmt: skip
    with typed(keys):
        result = journal("reflect")
    assert result.exit_code == 0, result.output
    assert reflections(journal)[0]["answers"][0]["value"] == "Talking to her helped me"


def test_reflect_with_no_hints_asks_no_hint_question(journal: Invoke, terminal: None) -> None:
    keys = ENTER + "You should talk to her" + FINISH + FINISH + FINISH + ENTER + ENTER
    with typed(keys):
        result = journal("reflect", "--no-hints")
    assert result.exit_code == 0, result.output
    assert reflections(journal)[0]["answers"][0]["value"] == "You should talk to her"


def test_an_unknown_pair_is_reported_before_the_first_question(journal: Invoke, terminal: None) -> None:
    with typed(""):
        result = journal("reflect", "--pair", "kim")
    assert result.exit_code == 2
    assert "You have no pair with 'kim'" in result.stderr


# ---------------------------------------------------------------- `peerlog checkin` runs the daily pack


def checkins(invoke: Invoke) -> list[dict]:
    return json.loads(invoke("log", "--json").stdout)


def test_checkin_at_a_terminal_runs_the_daily_pack_and_saves_a_checkin(
    journal: Invoke, terminal: None
) -> None:
    keys = (
        DOWN + ENTER  # with Sam
        + "4" + ENTER  # mood
        + "Good talk about work" + ENTER
        + "Sent the hard email" + ENTER + "Slept well" + ENTER + ENTER
        + "Sleep has been rough" + ENTER + ENTER
        + "work #rest" + ENTER
        + "y" + ENTER
    )  # fmt: skip
    with typed(keys):
        result = journal("checkin")
    assert result.exit_code == 0, result.output
    assert "2 wins noted. Well done." in result.stdout
    (saved,) = checkins(journal)
    assert saved["pair"] == "Sam"
    assert saved["mood"] == 4
    assert saved["note"] == "Good talk about work"
    assert saved["wins"] == ["Sent the hard email", "Slept well"]
    assert [c["text"] for c in saved["challenges"]] == ["Sleep has been rough"]
    assert saved["tags"] == ["rest", "work"]
    assert saved["visibility"] == "shared"


def test_checkin_skipping_the_shared_question_keeps_the_flag_and_pair_option_skips_the_pair_question(
    journal: Invoke, terminal: None
) -> None:
    keys = "2" + ENTER + "A slow day" + ENTER + ENTER + ENTER + ENTER + ENTER
    with typed(keys):
        result = journal("checkin", "--pair", "sam", "--shared")
    assert result.exit_code == 0, result.output
    (saved,) = checkins(journal)
    assert (saved["pair"], saved["mood"], saved["visibility"]) == ("Sam", 2, "shared")
    assert saved["wins"] == [] and saved["tags"] == []


def test_checkin_asks_again_for_a_tag_it_cannot_use(journal: Invoke, terminal: None) -> None:
    keys = (
        ENTER
        + ENTER
        + "Quiet"
        + ENTER
        + ENTER
        + ENTER
        + "bad!tag"
        + ENTER
        + CLEAR_LINE
        + "calm"
        + ENTER
        + ENTER
    )
    with typed(keys):
        result = journal("checkin")
    assert result.exit_code == 0, result.output
    assert checkins(journal)[0]["tags"] == ["calm"]


def test_checkin_with_everything_skipped_saves_nothing_kindly(journal: Invoke, terminal: None) -> None:
    with typed(ENTER * 8):
        result = journal("checkin")
    assert result.exit_code == 0
    assert "nothing to save" in result.stdout
    assert checkins(journal) == []


def test_checkin_with_only_tags_and_shared_says_what_it_lacks_not_that_all_was_skipped(
    journal: Invoke, terminal: None
) -> None:
    with typed(ENTER * 5 + "work" + ENTER + "y" + ENTER):
        result = journal("checkin")
    assert result.exit_code == 0
    assert "skipped every question" not in result.stdout
    assert "no mood, note, win or challenge, so nothing was saved" in result.stdout
    assert checkins(journal) == []


@pytest.mark.parametrize(("answer", "saved"), [("y", 1), ("n", 0)])
def test_a_future_checkin_in_a_terminal_is_asked_about(
    journal: Invoke, terminal: None, monkeypatch: pytest.MonkeyPatch, answer: str, saved: int
) -> None:
    monkeypatch.setattr("peerlog.cli.state.is_interactive", lambda: True)
    with typed(answer + ENTER):
        result = journal("checkin", "--note", "Planned", "--at", "2099-01-01T10:00")
    assert len(checkins(journal)) == saved
    assert result.exit_code == (0 if saved else 2)


def test_ctrl_c_during_the_checkin_saves_nothing(journal: Invoke, terminal: None) -> None:
    with typed(ENTER + "5" + ENTER + "Great day" + ENTER + CTRL_C):
        result = journal("checkin")
    assert result.exit_code == 130
    assert checkins(journal) == []


def test_your_own_daily_pack_adds_questions_whose_answers_join_the_note(
    journal: Invoke, home: Path, terminal: None
) -> None:
    own = """\
format = 1
name = "daily-checkin"
title = "My daily"
description = "Mine."

[[prompts]]
id = "mood"
kind = "scale"
text = "Mood?"

[[prompts]]
id = "grateful"
kind = "text"
text = "Grateful for?"

[[prompts]]
id = "note"
kind = "text"
text = "What happened?"
"""
    (home / "prompts").mkdir(parents=True)
    (home / "prompts" / "daily.toml").write_text(own, encoding="utf-8")
    with typed(ENTER + "3" + ENTER + "My friends" + ENTER + "Long walk" + ENTER):
        result = journal("checkin")
    assert result.exit_code == 0, result.output
    (saved,) = checkins(journal)
    assert saved["mood"] == 3
    assert saved["note"] == "Long walk\n\nGrateful for?\nMy friends"


def test_a_scale_shows_each_step_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.output.vt100 import Vt100_Output

    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=40, columns=80), term="xterm")
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
        pipe.send_text("4" + ENTER)
        pipe.close()
        assert interactive.ask_prompt(SCALE) == 4
    shown = screen.getvalue()
    assert "1 · hard" in shown and "1) 1" not in shown and "5 · good" in shown
