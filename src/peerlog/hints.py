"""Language hints: a short, transparent list of rules for directive or judgmental phrasing.

No network and no model: each rule is a regular expression with a reason and a reframing, in the spirit of
peer support (share what worked for you, ask what would help, describe a moment rather than judge a
person). A hint is only ever a suggestion: the person keeps their words, edits them, or cancels. peerlog
never blocks and never rewrites anything silently.

Rules look at "you ..." phrasing on purpose: "I always forget my keys" is about oneself and no concern of
a hint. A few kind idioms are excluded where a rule would otherwise misfire ("you should be proud",
"you never give up"); the tests hold a table of kind sentences that must stay hint-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FLAGS = re.IGNORECASE
# Typographic apostrophes are common in pasted text; treat them like the plain one.
_APOS = "['\u2019]"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    why: str
    reframe: str


@dataclass(frozen=True)
class Hint:
    rule: str
    phrase: str
    why: str
    reframe: str

    def message(self) -> str:
        return f'"{self.phrase}" {self.why} You might try: {self.reframe}'

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "phrase": self.phrase, "why": self.why, "reframe": self.reframe}


# "you ..." read as a question or an offer is no instruction: "do you need to talk?", "if you have to leave".
_OFFER = "".join(
    rf"(?<!\b{word}\s)" for word in ("do", "did", "if", "when", "whatever", "what", "anything", "thank")
)
# Reassurance is no order: "you shouldn't feel guilty" lifts a weight (while "you should feel bad" does not).
_SHOULD_NOT = (
    rf"should(?:n{_APOS}t|\s+not)\b"
    r"(?!\s+(?:feel|be)\s+(?:so\s+)?(?:bad|sorry|guilty|ashamed|embarrassed|hard\s+on)\b)"
)
_DIRECTIVE = (
    rf"{_OFFER}\byou(?:\s+(?:really|just|definitely|seriously|still|also))?\s+"
    rf"(?:{_SHOULD_NOT}|should\b(?!n{_APOS}t|\s+not)|ought\s+to\b|need\s+to\b|have\s+to\b|must(?:n{_APOS}t)?\b)"
    rf"|\byou(?:{_APOS}d|\s+had)\s+better\b"
)
# Kind idioms built from the same words.
_KIND_DIRECTIVES = (
    r"(?!\s+(?:be|feel)\s+(?:so\s+|really\s+|very\s+)?(?:proud|pleased|glad|happy)\b)"
    r"(?!\s+know\s+(?:that\s+)?(?:you|how|i)\b)"
    r"(?!\s+(?:celebrate|give\s+yourself)\b)"
)
_ABSOLUTE_LEAD = rf"{_OFFER}\byou(?:{_APOS}re|\s+are|{_APOS}ve|\s+have|\s+were)?\s+(?:just\s+)?"
# Kind idioms built from the same words, whichever word comes first.
_KIND_EITHER = (
    r"give\s+up|fail\s+to|make\s+me|know\s+how|find\s+a\s+way|show\s+up|there|welcome"
    r"|have\s+to|need\s+to|seem\s+to\s+lose|listen\s+(?:so|with|well)|so\s+kind|so\s+patient|bring|cheer|lift"
)
# "You never judge me" is praise: "never" before something that hurts says it does not happen.
_KIND_AFTER_NEVER = (
    r"(?:once\s+)?(?:judge|critici[sz]e|interrupt|rush|pressure|push|blame|shame|mock|dismiss|belittle|lecture"
    r"|complain|doubt|hesitate|waver|let\s+(?:me|us|anyone)\s+down|lose\s+(?:patience|heart|hope)"
    r"|hurt|forget\s+(?:to\s+ask|my|our)|(?:a|too)\s+(?:burden|bother|much|busy)|alone|in\s+the\s+way)"
)
# "You always ask how I am" is praise: "always" before care says it never fails to come.
_KIND_AFTER_ALWAYS = (
    r"(?:ask|listen|notice|remember|have\s+(?:my|our)\s+back|find\s+(?:the|a)|help|encourage|support"
    r"|make\s+time|believe|check\s+in|see\s+the\s+best|manage\s+to)"
)
_ALWAYS_NEVER = (
    rf"{_ABSOLUTE_LEAD}(?:never(?!\s+(?:{_KIND_EITHER}|{_KIND_AFTER_NEVER})\w*\b)"
    rf"|always(?!\s+(?:{_KIND_EITHER}|{_KIND_AFTER_ALWAYS})\w*\b))\b"
)
_VERDICT = (
    rf"\b(?:that{_APOS}s|that\s+is|that\s+was|it{_APOS}s|it\s+is|it\s+was|you{_APOS}re|you\s+are|you\s+were)"
    r"\s+(?:just\s+|so\s+|plain\s+|totally\s+|completely\s+|simply\s+)?"
    # "That was wrong of me": owning one's own part is no verdict on anyone.
    r"(?:wrong|stupid|ridiculous|dumb|pathetic|lazy)\b(?!\s+of\s+(?:me|us)\b)"
    r"|\bwhat\s+were\s+you\s+thinking\b|\bi\s+told\s+you\s+so\b"
)
_WHY_NOT = (
    rf"\bwhy\s+(?:didn{_APOS}t|don{_APOS}t|can{_APOS}t|won{_APOS}t|haven{_APOS}t|wouldn{_APOS}t|couldn{_APOS}t)\s+you\b"
    r"|\bwhy\s+(?:did|do|would|could)\s+you\s+not\b"
)

RULES: tuple[Rule, ...] = (
    Rule(
        name="directive",
        pattern=re.compile(rf"(?:{_DIRECTIVE}){_KIND_DIRECTIVES}", _FLAGS),
        why="can sound like an instruction, and peers meet as equals.",
        reframe='"Here\'s something that worked for me: ..." or "What do you think would help?"',
    ),
    Rule(
        name="always-never",
        pattern=re.compile(_ALWAYS_NEVER, _FLAGS),
        why="sums a person up by one pattern, which can feel like a verdict.",
        reframe='describe one moment: "When ... happened, I felt ..."',
    ),
    Rule(
        name="why-didnt-you",
        pattern=re.compile(_WHY_NOT, _FLAGS),
        why="can sound like blame, even when it is meant as curiosity.",
        reframe='"What got in the way?" or "What do you think would help next time?"',
    ),
    Rule(
        name="verdict",
        pattern=re.compile(_VERDICT, _FLAGS),
        why="judges rather than shares, and peer support stays non-judgmental.",
        reframe='"I see it a bit differently: ..." or "Here\'s how it looked from where I sit: ..."',
    ),
)


def find_hints(text: str) -> list[Hint]:
    """The hints for `text`, one per rule that matches, in the order the rules are listed."""
    hints = []
    for rule in RULES:
        found = rule.pattern.search(text)
        if found:
            phrase = " ".join(found.group(0).split())
            hints.append(Hint(rule=rule.name, phrase=phrase, why=rule.why, reframe=rule.reframe))
    return hints
