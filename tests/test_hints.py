"""The language-hint rules: directive and judgmental phrasing gets a gentle note; kind words get none."""

from __future__ import annotations

import pytest

from peerlog.hints import RULES, find_hints

FLAGGED = [
    ("You should sleep more.", "directive", "You should"),
    ("you need to stop worrying", "directive", "you need to"),
    ("Honestly you really have to call her", "directive", "you really have to"),
    ("You must try harder", "directive", "You must"),
    ("You shouldn't have said that", "directive", "You shouldn't"),
    ("You should feel ashamed", "directive", "You should"),
    ("you'd better fix it", "directive", "you'd better"),
    ("You ought to know by now", "directive", "You ought to"),
    ("You always interrupt me", "always-never", "You always"),
    ("you never listen", "always-never", "you never"),
    ("You're always late", "always-never", "You're always"),
    ("You never ask how I am", "always-never", "You never"),
    ("you always forget our calls", "always-never", "you always"),
    ("That was wrong of you", "verdict", "That was wrong"),
    ("Why didn't you tell me?", "why-didnt-you", "Why didn't you"),
    ("why don\u2019t you just ask", "why-didnt-you", "why don\u2019t you"),  # a typographic apostrophe
    ("Why did you not call?", "why-didnt-you", "Why did you not"),
    ("That's wrong.", "verdict", "That's wrong"),
    ("that was just stupid", "verdict", "that was just stupid"),
    ("You're wrong about this", "verdict", "You're wrong"),
    ("What were you thinking?", "verdict", "What were you thinking"),
]

KIND = [
    "Thank you for listening so closely today.",
    "I really valued how you shared your own story.",
    "You should be proud of yourself!",
    "You should feel so proud of how far you've come.",
    "You shouldn't feel guilty for resting.",
    "You never give up, and it shows.",
    "You always make me laugh.",
    "You're always there when it matters.",
    "You are always welcome to call me.",
    "Thank you always for your patience.",
    "Do you need to talk tonight?",
    "If you need to rest, that's okay.",
    "Whatever you need to feel steady, I'm here.",
    "I never thought I'd enjoy these talks this much.",
    "I always feel lighter after we talk.",
    "Here's something that worked for me: a short walk.",
    "What do you think would help?",
    "It was right to take a break.",
    "Are you feeling better now?",
    "Why did it feel hard, do you think?",
    # Praise that says something hurtful never happens, or care always comes; owning one's own part.
    "You never judge me.",
    "You never once judged me, even then.",
    "You never rush me.",
    "You never let me down.",
    "You're never a burden.",
    "You are never alone in this.",
    "You never lose patience with me.",
    "You always ask how I'm doing.",
    "You always have my back.",
    "You always remember the little things.",
    "That's wrong of me to assume, sorry.",
    "It was stupid of me to worry so much.",
    "",
]


@pytest.mark.parametrize(("text", "rule", "phrase"), FLAGGED)
def test_directive_and_judgmental_phrasing_gets_a_hint(text: str, rule: str, phrase: str) -> None:
    hints = find_hints(text)
    assert [h.rule for h in hints] == [rule]
    assert hints[0].phrase == phrase


@pytest.mark.parametrize("text", KIND)
def test_ordinary_kind_sentences_get_no_hint(text: str) -> None:
    assert find_hints(text) == []


def test_every_rule_offers_a_reframing_in_the_spirit_of_peer_support() -> None:
    reframes = {rule.name: rule.reframe for rule in RULES}
    assert "something that worked for me" in reframes["directive"]
    assert "What do you think would help" in reframes["directive"]
    assert all(rule.why and rule.reframe for rule in RULES)
    # Every rule is exercised by the table above.
    assert {rule for _, rule, _ in FLAGGED} == set(reframes)


def test_one_hint_per_rule_in_the_order_the_rules_are_listed() -> None:
    hints = find_hints("Why didn't you call? You should have. You always do this. You should stop.")
    assert [h.rule for h in hints] == ["directive", "always-never", "why-didnt-you"]


def test_the_hint_message_quotes_the_words_and_suggests_another_way() -> None:
    (hint,) = find_hints("you need to stop")
    assert hint.message().startswith('"you need to" can sound like an instruction')
    assert "You might try:" in hint.message()
    assert hint.to_dict()["rule"] == "directive"
