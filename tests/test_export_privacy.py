"""Private stays private: no private entry ever reaches a default export, in any format, or a share bundle."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from peerlog.exporters import EXPORTERS
from support import Invoke, add_feedback, add_reflection, journal_session, me_and_pair, opened_bundle

SECRETS = {
    "note": "SECRET-NOTE-4471",
    "win": "SECRET-WIN-9120",
    "challenge": "SECRET-CHALLENGE-3308",
    "tag": "secret-tag-5521",
    "question": "SECRET-QUESTION-7781",
    "answer": "SECRET-ANSWER-6610",
    "feedback": "SECRET-FEEDBACK-2294",
    "peer": "SECRET-PEER-NOTE-8842",
}


@pytest.fixture
def mixed(journal: Invoke, home: Path) -> dict[str, str]:
    """Shared entries beside private ones holding a distinctive text in every field; returns private ids."""
    journal("checkin", "--pair", "sam", "--note", "Shared note", "--win", "Shared win", "--shared")
    journal(
        "checkin", "--pair", "sam", "--note", SECRETS["note"], "--win", SECRETS["win"],
        "--challenge", SECRETS["challenge"], "--tag", SECRETS["tag"],
    )  # fmt: skip
    moment = datetime(2026, 11, 20, 19, 0, tzinfo=timezone(timedelta(hours=1)))
    with journal_session(home) as session:
        me, sam, pair = me_and_pair(session)
        private_reflection = add_reflection(
            session,
            author=me,
            pair=pair,
            at=moment,
            answers=[(SECRETS["question"], "text", SECRETS["answer"])],
            visibility="private",
        )
        add_reflection(
            session, author=me, pair=pair, at=moment, answers=[("Shared question", "text", "Shared answer")]
        )
        private_feedback = add_feedback(
            session,
            author=me,
            recipient=sam,
            pair=pair,
            message=SECRETS["feedback"],
            at=moment,
            visibility="private",
        )
        add_feedback(session, author=me, recipient=sam, pair=pair, message="Shared thanks", at=moment)
        # A peer's private entry should never be here at all; if it were, no export of yours may carry it.
        from peerlog.models import CheckIn

        peer_private = CheckIn(
            author_id=sam.id, pair_id=pair.id, at=moment, note=SECRETS["peer"], visibility="private"
        )
        session.add(peer_private)
        session.flush()
        ids = {"reflection": private_reflection.id, "feedback": private_feedback.id, "peer": peer_private.id}
    return ids


@pytest.mark.parametrize("format", sorted(EXPORTERS))
@pytest.mark.parametrize("scope", [[], ["--pair", "sam"]])
def test_private_entries_never_reach_a_default_export(
    mixed: dict[str, str], journal: Invoke, format: str, scope: list[str]
) -> None:
    result = journal("export", "--format", format, *scope)
    assert result.exit_code == 0, result.stderr
    for secret in SECRETS.values():
        assert secret not in result.stdout
    for private_id in mixed.values():
        assert private_id not in result.stdout
    assert "Shared note" in result.stdout
    assert "Shared answer" in result.stdout
    assert "Shared thanks" in result.stdout


@pytest.mark.parametrize("format", sorted(EXPORTERS))
def test_include_private_adds_your_private_entries_but_never_a_peers(
    mixed: dict[str, str], journal: Invoke, format: str
) -> None:
    text = journal("export", "--format", format, "--include-private").stdout
    for key, secret in SECRETS.items():
        assert (secret in text) is (key != "peer"), key
    assert mixed["peer"] not in text


def test_private_entries_never_reach_a_share_bundle(
    mixed: dict[str, str], journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "for-sam.sealed"
    assert journal("share", "--pair", "sam", "--output", str(bundle)).exit_code == 0
    # Inside, as Sam opens it with his key: only the shared entries, nothing of the private ones.
    records = opened_bundle(bundle, sam_home)
    for text in (bundle.read_bytes().decode("latin-1"), json.dumps(records, ensure_ascii=False)):
        for secret in SECRETS.values():
            assert secret not in text
        for private_id in mixed.values():
            assert private_id not in text
    assert [r["checkin"]["note"] for r in records if "checkin" in r] == ["Shared note"]
    assert len([r for r in records if "reflection" in r]) == 1
    assert [r["feedback"]["message"] for r in records if "feedback" in r] == ["Shared thanks"]
    # And what arrives in Sam's journal.
    assert sam("import", str(bundle)).exit_code == 0
    everything = sam("export", "--format", "json", "--include-private").stdout
    assert "Shared note" in everything and "Shared thanks" in everything
    for secret in SECRETS.values():
        assert secret not in everything
