"""The one place that imports questionary. Each function asks, and returns plain values.

Every question can be skipped: Enter on an empty line, Enter on the "Skip" choice (where the pointer starts),
or picking nothing. Ctrl-C raises KeyboardInterrupt, which the CLI reports as "Stopped. Nothing was saved.";
callers only write once the last question is answered, so nothing half-answered is ever stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import questionary

from peerlog.cli.say import fit_to_terminal
from peerlog.packs import Given, Prompt, Value
from peerlog.rules import visible

if TYPE_CHECKING:
    from peerlog.hints import Hint

NO_PAIR = "Just me (no pair)"
SKIP = "Skip"
# A value no answer can have: questionary uses a Choice's title as its value when the value is None.
_SKIPPED = "\x00skip"
_HINT_STYLE = "fg:ansicyan"
_HELP_STYLE = "italic fg:ansibrightblack"

#: Checks a typed answer: returns what is wrong with it, or None when it can be used.
Check = Callable[[Prompt, str], str | None]
#: Finds language hints in a typed answer.
HintsFor = Callable[[str], "Sequence[Hint]"]
HintChoice = Literal["keep", "edit", "cancel"]


_NOTHING = object()


def _ask(question: questionary.Question, *, on_escape: object = _NOTHING) -> Any:
    """Ask `question`. `on_escape`: what Esc, Enter answers in a list question (its way to skip).

    Every list question (select, checkbox, confirm) sits on a hidden line of text whose Esc, Enter
    (the "finish" of a long answer) would hand back that empty line: an answer no choice has. So each
    one says what Esc, Enter means for it, the same as skipping.
    """
    if on_escape is not _NOTHING:
        _answer_escape_enter_with(question, on_escape)
    # Ctrl-D (end of input) means the same as Ctrl-C here: stop, and save nothing.
    try:
        return question.unsafe_ask()
    except EOFError:
        raise KeyboardInterrupt from None


def _answer_escape_enter_with(question: questionary.Question, value: object) -> None:
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    keys = KeyBindings()

    # Eager, so it comes before the hidden line's own Esc, Enter.
    @keys.add("escape", "enter", eager=True)
    def _skip(event: Any) -> None:
        event.app.exit(result=value)

    app = question.application
    app.key_bindings = merge_key_bindings([b for b in (app.key_bindings, keys) if b is not None])


def _validator(prompt: Prompt, check: Check | None) -> Callable[[str], bool | str]:
    def validate(text: str) -> bool | str:
        if check is None or not text.strip():
            return True
        problem = check(prompt, text)
        return True if problem is None else problem

    return validate


def _fit(question: str, instruction: str) -> tuple[str, str]:
    """The question and its instruction, wrapped to the terminal: a line wider than the terminal is cut
    off, instruction and all, so the question wraps and the instruction moves to a line of its own when
    it does not fit after the question."""
    import shutil
    import textwrap

    width = max(shutil.get_terminal_size().columns - 1, 20)
    # "? " comes before the question, and two spaces before the instruction.
    lines = textwrap.wrap(question, width - 2) or [""]
    message = "\n  ".join(lines)
    if len(lines[-1]) + 2 + 2 + len(instruction) <= width:
        return message, instruction
    return message, "\n  " + "\n  ".join(textwrap.wrap(instruction, width - 2))


def _wrapped(question: str) -> str:
    """A question with questionary's own instruction after it, wrapped to the terminal (see `_fit`)."""
    return _fit(question, "")[0]


def _show_help(prompt: Prompt) -> None:
    if prompt.help:
        questionary.print(fit_to_terminal(f"  {prompt.help}"), style=_HELP_STYLE)


# ---------------------------------------------------------------- one question of each kind


def ask_text(
    prompt: Prompt, *, default: str = "", check: Check | None = None, text: str | None = None
) -> str | None:
    """One line of text; Enter on an empty line skips."""
    message, instruction = _fit(text or prompt.text, "(Enter to skip)")
    answer = _ask(
        questionary.text(
            message, default=default, instruction=instruction, validate=_validator(prompt, check)
        )
    )
    return answer.strip() or None


#: Said under every long question: Enter works as everywhere else (alone, it skips), and a blank line ends.
LONG_INSTRUCTION = "(Enter for a new line, twice to finish; Enter alone skips)"


def _long_answer_keys() -> Any:
    """Enter in a long answer: skips when nothing is typed, finishes on an empty line, else starts a line."""
    from prompt_toolkit.key_binding import KeyBindings

    keys = KeyBindings()

    @keys.add("enter")
    def _enter(event: Any) -> None:
        buffer = event.current_buffer
        document = buffer.document
        if not buffer.text.strip():
            buffer.text = ""
            buffer.validate_and_handle()
        elif document.is_cursor_at_the_end and not document.current_line.strip():
            buffer.text = buffer.text.rstrip()
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    return keys


def ask_long(prompt: Prompt, *, default: str = "", check: Check | None = None) -> str | None:
    """Several lines of text, asked as every other question is: Enter alone skips, and an empty line
    (Enter twice) finishes, so no one has to know an editor's keys to get out."""
    message, instruction = _fit(prompt.text, LONG_INSTRUCTION)
    answer = _ask(
        questionary.text(
            message,
            default=default,
            multiline=True,
            # On a line of its own, so the answer gets the terminal's full width rather than what is
            # left after a long question.
            instruction=instruction + "\n",
            validate=_validator(prompt, check),
            key_bindings=_long_answer_keys(),
        )
    )
    return answer.strip() or None


class _KeyInTitle(questionary.Choice):
    """A choice whose title already is its key (a scale's "1 · hard"): questionary's "1) " would say it twice."""

    def get_shortcut_title(self) -> str:
        return ""


def _select(
    message: str,
    choices: list[questionary.Choice],
    *,
    shortcuts: bool,
    instruction: str,
    keys_in_titles: bool = False,
) -> object:
    skip = _KeyInTitle if keys_in_titles else questionary.Choice
    choices = [*choices, skip(SKIP, value=_SKIPPED, shortcut_key="s" if shortcuts else True)]
    message, instruction = _fit(message, instruction)
    picked = _ask(
        questionary.select(
            message,
            choices=choices,
            default=_SKIPPED,
            use_shortcuts=shortcuts,
            instruction=instruction,
        ),
        on_escape=_SKIPPED,
    )
    return None if picked == _SKIPPED else picked


def ask_scale(prompt: Prompt) -> int | None:
    """A number on the prompt's scale, labelled at its ends; the pointer starts on Skip."""
    values = range(prompt.min, prompt.max + 1)
    # Number keys pick a step directly when every step is a single digit.
    shortcuts = prompt.min >= 0 and prompt.max <= 9

    def title(value: int) -> str:
        # The number stays in the title: it is what shows once the question is answered.
        label = prompt.min_label if value == prompt.min else prompt.max_label if value == prompt.max else None
        return f"{value} · {label}" if label else str(value)

    choices: list[questionary.Choice] = [
        _KeyInTitle(title(v), value=v, shortcut_key=str(v) if shortcuts else True) for v in values
    ]
    how = f"press {prompt.min}-{prompt.max} then Enter" if shortcuts else "arrows then Enter"
    picked = _select(
        prompt.text,
        choices,
        shortcuts=shortcuts,
        instruction=f"({how}; Enter alone skips)",
        keys_in_titles=True,
    )
    # The choices' values are the scale's numbers; questionary hands them back untyped.
    return None if picked is None else cast(int, picked)


def ask_choice(prompt: Prompt) -> str | None:
    """One of the prompt's choices; the pointer starts on Skip."""
    shortcuts = len(prompt.choices) <= 9
    choices = [
        questionary.Choice(c, value=c, shortcut_key=str(i) if shortcuts else True)
        for i, c in enumerate(prompt.choices, start=1)
    ]
    how = "press a number or use the arrows, then Enter" if shortcuts else "arrows then Enter"
    picked = _select(prompt.text, choices, shortcuts=shortcuts, instruction=f"({how}; Enter alone skips)")
    return None if picked is None else str(picked)


def ask_multi(prompt: Prompt) -> list[str] | None:
    """Any number of the prompt's choices; picking none skips."""
    picked = _ask(
        questionary.checkbox(
            prompt.text,
            choices=list(prompt.choices),
            instruction="(Space to pick, Enter when done; pick none to skip)",
        ),
        on_escape=[],
    )
    return list(picked) or None


def ask_confirm(prompt: Prompt) -> bool | None:
    """Yes or no, or skip; the pointer starts on Skip so Enter never answers for you."""
    choices = [
        questionary.Choice("Yes", value="yes", shortcut_key="y"),
        questionary.Choice("No", value="no", shortcut_key="n"),
    ]
    picked = _select(prompt.text, choices, shortcuts=True, instruction="(y, n or s, then Enter)")
    return None if picked is None else picked == "yes"


def ask_prompt(prompt: Prompt, *, check: Check | None = None) -> Value | None:
    """Ask one prompt of any kind. Returns None when it was skipped."""
    _show_help(prompt)
    if prompt.kind == "text" and prompt.repeat:
        answers: list[str] = []
        while (answer := ask_text(prompt, check=check, text=prompt.again if answers else None)) is not None:
            answers.append(answer)
        return answers or None
    if prompt.kind == "text":
        return ask_text(prompt, check=check)
    if prompt.kind == "long":
        return ask_long(prompt, check=check)
    if prompt.kind == "scale":
        return ask_scale(prompt)
    if prompt.kind == "choice":
        return ask_choice(prompt)
    if prompt.kind == "multi":
        return ask_multi(prompt)
    if prompt.kind == "confirm":
        return ask_confirm(prompt)
    raise ValueError(f"unknown prompt kind {prompt.kind!r}")  # packs are validated before they get here


# ---------------------------------------------------------------- language hints


def show_hints(hints: Sequence[Hint]) -> None:
    for hint in hints:
        questionary.print(fit_to_terminal(f"  A gentle note: {hint.message()}"), style=_HINT_STYLE)


def ask_hint_choice(hints: Sequence[Hint], *, cancel: str = "Cancel (save nothing)") -> HintChoice:
    """Show the hints and ask what to do: keep the words as they are, edit them, or cancel."""
    show_hints(hints)
    choices = [
        questionary.Choice("Keep my words as they are", value="keep", shortcut_key="k"),
        questionary.Choice("Edit them", value="edit", shortcut_key="e"),
        questionary.Choice(cancel, value="cancel", shortcut_key="c"),
    ]
    return _ask(
        questionary.select(
            "What would you like to do?", choices=choices, use_shortcuts=True, use_jk_keys=False
        ),
        # Skipping the note keeps the words as they were written.
        on_escape="keep",
    )


def review_text(
    text: str,
    hints_for: HintsFor,
    edit: Callable[[str], str | None],
    *,
    cancel: str = "Cancel (save nothing)",
) -> str | None:
    """Offer hints on `text` until the person keeps it or no hint applies. None means they cancelled."""
    while text and (hints := hints_for(text)):
        choice = ask_hint_choice(hints, cancel=cancel)
        if choice == "keep":
            return text
        if choice == "cancel":
            return None
        edited = edit(text)
        if edited is None:
            return None
        text = edited
    return text


# ---------------------------------------------------------------- whole flows


def ask_pack(
    prompts: Sequence[Prompt], *, check: Check | None = None, hints_for: HintsFor | None = None
) -> list[Given]:
    """Ask every prompt in order and return what was answered. Nothing is stored here."""
    given: list[Given] = []
    for prompt in prompts:
        value = ask_prompt(prompt, check=check)
        if value is None:
            continue
        if hints_for is not None and prompt.kind in ("text", "long"):
            value = _review_answer(prompt, value, hints_for, check)
            if value is None:
                questionary.print(fit_to_terminal("  Left that answer out."), style=_HELP_STYLE)
                continue
        given.append(Given(prompt, value))
    return given


def _review_answer(prompt: Prompt, value: Value, hints_for: HintsFor, check: Check | None) -> Value | None:
    asker = ask_long if prompt.kind == "long" else ask_text

    def edit(text: str) -> str | None:
        return asker(prompt, default=text, check=check)

    if isinstance(value, list):
        kept = [r for v in value if (r := review_text(v, hints_for, edit, cancel="Leave it out")) is not None]
        return kept or None
    return review_text(str(value), hints_for, edit, cancel="Leave this answer out")


def ask_pair(pairs: Sequence[str], question: str = "Is this about time with a peer?") -> str | None:
    """Which pair an entry belongs to; "just me" is where the pointer starts."""
    # Names come from the journal file: shown with any control characters made visible, kept as stored.
    choices = [questionary.Choice(NO_PAIR, value=NO_PAIR)]
    choices += [questionary.Choice(visible(name), value=name) for name in pairs]
    choice = _ask(questionary.select(_wrapped(question), choices=choices, default=NO_PAIR), on_escape=NO_PAIR)
    return None if choice == NO_PAIR else str(choice)


def ask_checkin(
    pairs: Sequence[str], pack_prompts: Sequence[Prompt], *, check: Check | None = None
) -> tuple[str | None, list[Given]]:
    """The daily check-in: which pair (when you have any), then the daily pack's prompts."""
    pair = ask_pair(pairs) if pairs else None
    return pair, ask_pack(pack_prompts, check=check)


def ask_feedback(peer: str, kind: str | None) -> tuple[str, str | None]:
    """Feedback typed at the terminal: which kind (unless given), then the message. None if skipped."""
    if kind is None:
        kind = _ask(
            questionary.select(
                _wrapped(f"What kind of feedback for {visible(peer)}?"),
                choices=[
                    questionary.Choice("Appreciation: something you valued", value="appreciation"),
                    questionary.Choice("Suggestion: an idea, offered as an equal", value="suggestion"),
                ],
            ),
            on_escape=None,
        )
        if kind is None:
            return "appreciation", None  # skipped: nothing to save
    question, instruction = _fit(f"Your {kind} for {visible(peer)}:", "(Enter on an empty line to skip)")
    message = _ask(questionary.text(question, instruction=instruction))
    return str(kind), message.strip() or None


def edit_line(question: str, default: str) -> str | None:
    """Edit one line of text in place (used after a hint)."""
    question, instruction = _fit(question, "(Enter when done)")
    return _ask(questionary.text(question, default=default, instruction=instruction)).strip() or None


def ask_pair_for_bundle(sender: str, pairs: Sequence[str]) -> str | None:
    """Which of your pairs a peer's first share bundle belongs to; None imports nothing."""
    choices = [questionary.Choice(visible(name), value=name) for name in pairs]
    choices.append(questionary.Choice("None of these (import nothing for now)", value=_SKIPPED))
    picked = _ask(
        questionary.select(
            _wrapped(f"This bundle is from {visible(sender)}. Which of your pairs is it?"), choices=choices
        ),
        on_escape=_SKIPPED,
    )
    return None if picked == _SKIPPED else picked


def confirm(question: str) -> bool:
    """A yes-or-no question where just pressing Enter means no."""
    return bool(_ask(questionary.confirm(_wrapped(question), default=False), on_escape=False))
