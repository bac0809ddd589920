"""`peerlog search`: notes, wins, challenges, answers and feedback, best matches first, words highlighted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peerlog import search as search_module
from support import PRIVATE, Invoke, days_ago, journal_at


def hits(invoke: Invoke, *args: str) -> list[dict]:
    result = invoke("search", "--json", *args)
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return json.loads(result.output)["hits"]


@pytest.fixture(params=["fts5", "portable"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every behaviour here holds for SQLite's FTS5 index and for the portable fallback alike."""
    if request.param == "portable":
        monkeypatch.setattr(search_module, "BACKENDS", {})
    return request.param


@pytest.fixture
def lived_in(journal: Invoke, home: Path) -> Invoke:
    j = journal_at(home)
    j.checkin("me", pair="Sam", at=days_ago(3), note="Talked about sleep and evening routines")
    j.checkin("me", pair="Sam", at=days_ago(2), wins=("Sent the hard email",), challenges=("Money worries",))
    j.reflection(
        "Sam", "Sam", [("resonated", "long", "Hearing about your garden gave me hope")], at=days_ago(2)
    )
    j.reflection("me", "Sam", [("heard", "scale", "4")], pack="session-check", title="Session check")
    j.feedback("Sam", "me", "Thank you for the patience with my garden questions", at=days_ago(1))
    return journal


def test_every_kind_of_entry_can_be_found(lived_in: Invoke, backend: str) -> None:
    found = {
        "sleep": "checkin",
        "email": "win",
        "money": "challenge",
        "hope": "answer",
        "patience": "feedback",
    }
    for word, kind in found.items():
        result = hits(lived_in, word)
        assert [h["kind"] for h in result] == [kind], (word, result)
        assert word in " ".join(m for h in result for m in h["matches"]).lower()


def test_matching_words_are_marked_and_highlighted(lived_in: Invoke, backend: str) -> None:
    [hit] = hits(lived_in, "routines")
    assert hit["matches"] == ["routines"]
    assert hit["text"] == "Talked about sleep and evening routines"

    from peerlog.render.review import HIGHLIGHT_STYLE, highlighted

    text = highlighted("evening \x02routines\x03 and \x02sleep\x03")
    assert text.plain == "evening routines and sleep"
    marked = [text.plain[s.start : s.end] for s in text.spans if s.style == HIGHLIGHT_STYLE]
    assert marked == ["routines", "sleep"]


def test_results_read_well_at_80_and_120_columns(lived_in: Invoke, backend: str) -> None:
    for width in (80, 120):
        result = lived_in("search", "garden", env={"COLUMNS": str(width)})
        assert result.exit_code == 0
        lines = result.output.splitlines()
        assert all(len(line) <= width for line in lines)
        assert "garden" in result.output
        assert "2 matches, best first" in result.output
        assert "Sam" in result.output  # who wrote it


def test_a_peers_private_entries_are_never_found_but_your_own_are(
    journal: Invoke, home: Path, backend: str
) -> None:
    j = journal_at(home)
    j.checkin("Sam", pair="Sam", note="secret lighthouse plans", wins=("lighthouse win",), visibility=PRIVATE)
    j.feedback("Sam", "me", "lighthouse feedback", visibility=PRIVATE)
    j.reflection("Sam", "Sam", [("q", "text", "lighthouse answer")], visibility=PRIVATE)
    j.checkin("me", note="my own lighthouse diary", visibility=PRIVATE)
    result = hits(journal, "lighthouse")
    assert [h["text"] for h in result] == ["my own lighthouse diary"]
    assert "secret" not in journal("search", "lighthouse").output


def test_a_peers_entry_made_private_later_disappears_from_search(
    journal: Invoke, home: Path, backend: str
) -> None:
    j = journal_at(home)
    row = j.checkin("Sam", pair="Sam", note="kayak trip", wins=("kayak win",))
    assert len(hits(journal, "kayak")) == 2
    with j.session() as s:
        from peerlog.models import CheckIn

        checkin = s.get(CheckIn, row.id)
        assert checkin is not None
        checkin.visibility = PRIVATE
        s.add(checkin)
    assert hits(journal, "kayak") == []


def test_the_index_follows_edits_and_deletes(journal: Invoke, backend: str) -> None:
    out = journal("checkin", "--note", "Visited the aquarium", "--win", "Saw an octopus").output
    short = out.split("check-in ")[1].split(" ")[0]
    assert len(hits(journal, "aquarium")) == 1
    journal("edit", short, "--note", "Visited the planetarium")
    assert hits(journal, "aquarium") == []
    assert len(hits(journal, "planetarium")) == 1
    journal("delete", short, "--yes")
    assert hits(journal, "planetarium") == []
    assert hits(journal, "octopus") == []


def test_a_note_on_how_a_challenge_was_overcome_is_searchable(journal: Invoke, backend: str) -> None:
    journal("checkin", "--challenge", "Stage fright")
    cid = json.loads(journal("challenge", "list", "--json").output)[0]["id"]
    journal("challenge", "done", cid, "--note", "breathing exercises helped")
    [hit] = hits(journal, "breathing")
    assert hit["kind"] == "challenge" and hit["id"] == cid


def test_pair_and_limit_narrow_the_results(journal: Invoke, home: Path, backend: str) -> None:
    assert journal("pair", "add", "Kai").exit_code == 0
    j = journal_at(home)
    for i in range(3):
        j.checkin("me", pair="Sam", at=days_ago(i + 1), note=f"walk number {i} with Sam")
    j.checkin("me", pair="Kai", note="walk with Kai")
    assert len(hits(journal, "walk")) == 4
    assert {h["text"] for h in hits(journal, "walk", "--pair", "kai")} == {"walk with Kai"}
    result = journal("search", "--json", "walk", "--limit", "2")
    data = json.loads(result.output)
    assert len(data["hits"]) == 2 and data["more"] is True
    assert "raise --limit" in journal("search", "walk", "--limit", "2").output


def test_all_words_must_match_and_phrases_and_prefixes_work(lived_in: Invoke, backend: str) -> None:
    assert len(hits(lived_in, "sleep", "evening")) == 1
    assert hits(lived_in, "sleep", "garden") == []
    assert len(hits(lived_in, '"evening routines"')) == 1
    assert hits(lived_in, '"routines evening"') == []
    assert {h["kind"] for h in hits(lived_in, "gard*")} == {"answer", "feedback"}


def test_scale_answers_are_not_found_by_their_number(lived_in: Invoke, backend: str) -> None:
    assert [h for h in hits(lived_in, "4") if h["kind"] == "answer"] == []


@pytest.mark.parametrize(
    "query", ["AND", "sleep OR", "-sleep", "NEAR(sleep", 'sleep"', "sleep*", "a:b", "(", "'"]
)
def test_operators_and_punctuation_never_break_a_search(lived_in: Invoke, query: str, backend: str) -> None:
    result = lived_in("search", query)
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output and "Something unexpected" not in (result.stderr or "")


def test_a_search_with_no_words_is_a_usage_error(journal: Invoke) -> None:
    result = journal("search", "!!!")
    assert result.exit_code == 2
    assert "no words to search for" in result.stderr


def test_nothing_found_is_said_kindly(journal: Invoke, backend: str) -> None:
    result = journal("search", "zebra")
    assert result.exit_code == 0
    assert "Nothing matches" in result.output


def test_best_matches_come_first(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("me", at=days_ago(1), note="A long day: errands, calls, the bank, groceries, and a little rest")
    j.checkin("me", at=days_ago(5), note="Rest. Real rest, finally rest.")
    result = hits(journal, "rest")
    assert result[0]["text"].startswith("Rest. Real rest")


def test_stemming_finds_other_forms_of_a_word(journal: Invoke, home: Path) -> None:
    journal_at(home).checkin("me", wins=("Celebrated the small things",))
    assert len(hits(journal, "celebrate")) == 1
    assert len(hits(journal, "celebrating")) == 1


def test_an_older_journal_gets_its_search_index_filled_on_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text

    from peerlog.store import Store, migrations

    path = tmp_path / "old.db"
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
        m.setattr(migrations, "LATEST", 1)
        store = Store.open(path, create=True)
        from datetime import UTC, datetime

        from sqlalchemy import Boolean, String, column, table
        from sqlmodel.sql.sqltypes import UTCDateTime

        # Only the columns schema 1 had: today's models know later ones.
        person = table(
            "person",
            *(column(name, String) for name in ("id", "name", "name_key")),
            column("is_self", Boolean),
            *(column(name, UTCDateTime) for name in ("created_at", "updated_at")),
        )
        now = datetime.now(UTC)
        with store.session(write=True) as session:
            session.execute(
                person.insert().values(
                    id="0f0f0f0f-0000-4000-8000-000000000001",
                    name="Ana",
                    name_key="ana",
                    is_self=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        # Written as schema 1 stored it: today's code would write columns schema 1 did not have yet.
        with store.session(write=True) as session:
            session.execute(
                text(
                    "INSERT INTO checkin (id, author_id, pair_id, at, utc_offset, mood, note, visibility,"
                    " created_at, updated_at) VALUES ('1f1f1f1f-0000-4000-8000-000000000001',"
                    " '0f0f0f0f-0000-4000-8000-000000000001', NULL, :now, 0, NULL, 'Before search existed',"
                    " 'private', :now, :now)"
                ),
                {"now": now.strftime("%Y-%m-%d %H:%M:%S.%f")},
            )
            session.execute(
                text(
                    "INSERT INTO win (id, checkin_id, position, text) VALUES"
                    " ('2f2f2f2f-0000-4000-8000-000000000001', '1f1f1f1f-0000-4000-8000-000000000001', 0,"
                    " 'An old win')"
                )
            )
        store.close()
    store = Store.open(path)
    with store.engine.connect() as conn:
        assert migrations.read_version(conn) == migrations.LATEST
        count = conn.execute(text("SELECT count(*) FROM search_index")).scalar()
    with store.session() as session:
        found = search_module.search(session, "old win")
    store.close()
    assert count == 2
    assert [h.kind for h in found.hits] == ["win"]


def test_a_word_found_everywhere_is_ranked_among_its_newest_matches(
    journal: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerlog.store import search_sqlite

    # Ranking every match of a common word would grow with the journal; only the newest few are ranked.
    monkeypatch.setattr(search_sqlite, "RANKED", 3)
    j = journal_at(home)
    j.checkin("me", at=days_ago(9), note="Rest. Real rest, finally rest.")
    for day in (4, 3, 2):
        j.checkin(
            "me", at=days_ago(day), note=f"A long day {day}: errands, calls, the bank, and a little rest"
        )
    j.checkin("me", at=days_ago(1), note="Rest, rest and more rest")
    found = hits(journal, "rest", "--limit", "2")
    assert [h["text"] for h in found] == [
        "Rest, rest and more rest",
        "A long day 2: errands, calls, the bank, and a little rest",
    ]
    # A page larger than the ranked pool still gets every match it asks for.
    assert len(hits(journal, "rest", "--limit", "10")) == 5
