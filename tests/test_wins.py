"""`peerlog wins`: every win of the period, both peers with equal weight, and how far each has come."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from support import PRIVATE, Invoke, days_ago, journal_at


def wins_json(invoke: Invoke, *args: str) -> dict:
    result = invoke("wins", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def all_wins(data: dict) -> list[dict]:
    return [w for week in data["weeks"] for w in week["wins"]]


@pytest.fixture
def pair_journal(journal: Invoke, home: Path) -> Invoke:
    """Ana (you) and Sam, with two weeks of wins on both sides."""
    j = journal_at(home)
    j.checkin("me", pair="Sam", at=days_ago(9), mood=2, wins=("Sent the hard email",), challenges=("Sleep",))
    j.checkin("me", pair="Sam", at=days_ago(2), mood=4, wins=("Slept eight hours", "Cooked dinner"))
    j.checkin("Sam", pair="Sam", at=days_ago(8), mood=3, wins=("Went running",))
    j.checkin("Sam", pair="Sam", at=days_ago(1), mood=5, wins=("Finished the chapter",))
    return journal


def test_wins_of_both_peers_show_with_who_they_belong_to(pair_journal: Invoke) -> None:
    data = wins_json(pair_journal, "--pair", "sam")
    owners = {(w["person"], w["text"]) for w in all_wins(data)}
    assert owners == {
        ("Ana", "Sent the hard email"),
        ("Ana", "Slept eight hours"),
        ("Ana", "Cooked dinner"),
        ("Sam", "Went running"),
        ("Sam", "Finished the chapter"),
    }
    assert [p["name"] for p in data["people"]] == ["Ana", "Sam"]


def test_wins_are_grouped_by_week_oldest_first(pair_journal: Invoke) -> None:
    data = wins_json(pair_journal, "--pair", "sam")
    starts = [week["week_start"] for week in data["weeks"]]
    assert starts == sorted(starts) and len(starts) >= 2
    for week in data["weeks"]:
        for win in week["wins"]:
            assert win["at"][:10] >= week["week_start"]


def test_both_peers_get_columns_of_the_same_width(pair_journal: Invoke, home: Path) -> None:
    for width in (80, 120):
        result = pair_journal("wins", "--pair", "sam", env={"COLUMNS": str(width)})
        assert result.exit_code == 0
        lines = result.output.splitlines()
        header = next(line for line in lines if line.startswith("Ana (you)"))
        sam_at = header.index("Sam")
        # Two equal columns: Sam's starts half-way across (give or take the column gap).
        assert abs(sam_at - width // 2) <= 2, (width, header)
        assert all(len(line) <= width for line in lines)


def test_a_full_pair_screen_fits_80_and_120_columns_without_ranking_words(pair_journal: Invoke) -> None:
    for width in (80, 120):
        out = pair_journal("wins", "--pair", "sam", env={"COLUMNS": str(width)}).output
        assert "Finished the chapter" in out and "Sent the hard email" in out
        assert "How far you've come" in out
        assert "Mood" in out
        lowered = out.lower()
        for word in ("streak", "rank", "leader", "winner", "behind", "failed", "broke"):
            assert word not in lowered


def test_rendering_uses_no_red_at_all(pair_journal: Invoke, home: Path) -> None:
    from peerlog.render import review
    from peerlog.store import Store
    from peerlog.wins import wins_view

    store = Store.open(home / "peerlog.db")
    with store.session() as session:
        view = wins_view(session, pair="sam")
    store.close()
    console = Console(width=100, record=True, color_system="truecolor", force_terminal=True)
    console.print(review.wins_screen(view, 100))
    html = console.export_html(inline_styles=True)
    # rich's red is #800000 / #ff0000 (standard and bright); neither may appear.
    assert not re.search(r"#(800000|ff0000|d70000|af0000)", html, re.IGNORECASE)


def test_a_peers_private_win_never_shows_but_your_own_private_one_does(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("Sam", pair="Sam", wins=("Sam's private win",), visibility=PRIVATE)
    j.checkin("Sam", pair="Sam", wins=("Sam's shared win",))
    j.checkin("me", pair="Sam", wins=("My private win",), visibility=PRIVATE)
    for args in ((), ("--pair", "sam")):
        data = wins_json(journal, *args)
        texts = {w["text"] for w in all_wins(data)}
        assert texts == {"Sam's shared win", "My private win"}
        out = journal("wins", *args).output
        assert "Sam's private win" not in out
        assert "My private win" in out


def test_appreciation_counts_as_a_win_for_the_one_appreciated(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.feedback("me", "Sam", "You listened so well today", kind="appreciation")
    j.feedback("Sam", "me", "Could we start on time?", kind="suggestion")
    data = wins_json(journal, "--pair", "sam")
    [win] = all_wins(data)
    assert win["person"] == "Sam"
    assert win["source"] == "appreciation"
    assert win["from"] == "Ana"
    assert "You listened so well today" in journal("wins", "--pair", "sam").output


def test_an_overcome_challenge_shows_among_the_wins(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("me", pair="Sam", at=days_ago(20), challenges=("Fear of the dentist",), overcome=days_ago(2))
    data = wins_json(journal)
    [win] = all_wins(data)
    assert (win["source"], win["text"]) == ("overcome", "Fear of the dentist")
    assert "overcome: Fear of the dentist" in journal("wins").output


def test_an_empty_period_is_met_kindly_with_how_to_log_a_first_win(journal: Invoke) -> None:
    result = journal("wins")
    assert result.exit_code == 0
    out = " ".join(result.output.split())
    assert "that's okay" in out
    assert 'peerlog checkin --win "…"' in out
    assert wins_json(journal)["total"] == 0


def test_since_and_until_choose_the_period(pair_journal: Invoke) -> None:
    recent = {w["text"] for w in all_wins(wins_json(pair_journal, "--since", "5d"))}
    assert recent == {"Slept eight hours", "Cooked dinner", "Finished the chapter"}
    older = {w["text"] for w in all_wins(wins_json(pair_journal, "--since", "30d", "--until", "7d"))}
    assert older == {"Sent the hard email", "Went running"}


def test_a_period_that_ends_before_it_starts_is_a_clear_error(journal: Invoke) -> None:
    result = journal("wins", "--since", "today", "--until", "1w")
    assert result.exit_code == 2
    assert "--since" in result.output or "--since" in (result.stderr or "")


def test_an_unknown_pair_lists_the_pairs_you_have(journal: Invoke) -> None:
    result = journal("wins", "--pair", "nobody")
    assert result.exit_code == 2
    assert "Sam" in result.stderr


def test_how_far_you_have_come_counts_since_the_pair_started(pair_journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("me", pair="Sam", at=days_ago(200), mood=1, wins=("Long ago",), challenges=("Feeling alone",))
    data = wins_json(pair_journal, "--pair", "sam")
    journey = {p["person"]: p for p in data["how_far"]["people"]}
    assert journey["Ana"]["checkins"] == 3
    assert journey["Ana"]["wins"] == 4  # the long-ago win counts, though it is outside the period
    assert journey["Sam"]["checkins"] == 2 and journey["Sam"]["wins"] == 2
    assert journey["Ana"]["first_mood"]["mood"] == 1
    assert journey["Ana"]["latest_mood"]["mood"] == 4
    assert journey["Ana"]["first_challenge"]["text"] == "Feeling alone"
    assert journey["Ana"]["latest_challenge"]["text"] == "Sleep"
    assert journey["Sam"]["first_challenge"] is None


def test_how_far_counts_leave_out_a_peers_private_entries(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("Sam", pair="Sam", mood=1, wins=("hidden",), challenges=("hidden too",), visibility=PRIVATE)
    j.checkin("Sam", pair="Sam", mood=4, wins=("seen",))
    for args in ((), ("--pair", "sam")):
        journey = {p["person"]: p for p in wins_json(journal, *args)["how_far"]["people"]}
        assert journey["Sam"]["checkins"] == 1
        assert journey["Sam"]["wins"] == 1
        assert journey["Sam"]["first_mood"]["mood"] == 4
        assert journey["Sam"]["first_challenge"] is None


def test_the_mood_trend_follows_each_persons_moods(pair_journal: Invoke) -> None:
    data = wins_json(pair_journal, "--pair", "sam")
    trend = {t["person"]: t["points"] for t in data["mood_trend"]["people"]}
    ana = [p for p in trend["Ana"] if p is not None]
    assert ana == [2, 4]
    assert [p for p in trend["Sam"] if p is not None] == [3, 5]
    out = pair_journal("wins", "--pair", "sam").output
    assert "2 · low → 4 · good" in out
    assert re.search("[▁▂▃▄▅▆▇█]", out)


def test_a_very_full_week_lists_a_dozen_each_and_counts_the_rest(journal: Invoke, home: Path) -> None:
    j = journal_at(home)
    j.checkin("me", pair="Sam", at=days_ago(0), wins=tuple(f"small win {i}" for i in range(15)))
    out = journal("wins", "--pair", "sam").output
    assert "and 3 more wins this week" in out
    assert "small win 14" in journal("wins", "--pair", "sam", "--all").output
    assert len(all_wins(wins_json(journal, "--pair", "sam"))) == 15


def test_without_a_pair_everyone_you_may_see_is_shown_in_turn_on_a_narrow_screen(
    journal: Invoke, home: Path
) -> None:
    assert journal("pair", "add", "Kai").exit_code == 0
    assert journal("pair", "add", "Noor").exit_code == 0
    j = journal_at(home)
    for name in ("Sam", "Kai", "Noor"):
        j.checkin(name, pair=name, wins=(f"{name} did it",))
    j.checkin("me", wins=("I did it",))
    out = journal("wins", env={"COLUMNS": "80"}).output
    for name in ("Ana (you)", "Kai", "Noor", "Sam"):
        assert re.search(rf"^{re.escape(name)}\s*$", out, re.MULTILINE), name
    assert out.index("Ana (you)") < out.index("Kai") < out.index("Noor") < out.index("Sam")


def test_how_far_counts_agree_whichever_search_backend_counts_them(
    pair_journal: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerlog import search

    j = journal_at(home)
    j.checkin("Sam", pair="Sam", wins=("hidden",), challenges=("c",), visibility=PRIVATE)
    j.checkin("me", pair="Sam", challenges=("Old fear",), overcome=days_ago(0), visibility=PRIVATE)
    j.feedback("Sam", "me", "Thanks for being there")
    fast = {args: wins_json(pair_journal, *args)["how_far"] for args in ((), ("--pair", "sam"))}
    monkeypatch.setattr(search, "BACKENDS", {})
    portable = {args: wins_json(pair_journal, *args)["how_far"] for args in ((), ("--pair", "sam"))}
    assert fast == portable
    ana = next(p for p in fast[("--pair", "sam")]["people"] if p["person"] == "Ana")
    assert ana["wins"] == 3 + 1 + 1  # logged, overcome, appreciated


def test_until_alone_looks_back_four_weeks_from_that_moment(pair_journal: Invoke, home: Path) -> None:
    journal_at(home).checkin("me", pair="Sam", at=days_ago(120), wins=("Spring win",))
    data = wins_json(pair_journal, "--until", "100d")
    assert [w["text"] for w in all_wins(data)] == ["Spring win"]


def test_how_far_counts_follow_edits_moves_deletes_and_overcome_challenges(
    pair_journal: Invoke, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from peerlog import search
    from peerlog.store import search_sqlite

    assert pair_journal("pair", "add", "Kai").exit_code == 0
    j = journal_at(home)
    moved = j.checkin("me", pair="Sam", wins=("Moved later",), challenges=("To overcome",))
    hidden = j.checkin("me", pair="Sam", wins=("Private for now",), visibility=PRIVATE)
    peer_private = j.checkin("Sam", pair="Sam", wins=("Sam's own",), challenges=("Sam's fear",))
    gone = j.checkin("Sam", pair="Sam", wins=("Soon deleted",))
    thanks = j.feedback("Sam", "me", "Thank you for listening")
    j.feedback("me", "Sam", "Thanks for the walk")
    assert pair_journal("edit", moved.id[:8], "--pair", "kai", "--add-win", "One more").exit_code == 0
    assert pair_journal("edit", hidden.id[:8], "--shared").exit_code == 0
    listed = json.loads(pair_journal("challenge", "list", "--json").output)
    first = next(c for c in listed if c["text"] == "To overcome")
    assert pair_journal("challenge", "done", first["id"][:8]).exit_code == 0
    with sqlite3.connect(home / "peerlog.db") as db:
        # What a peer's newer bundle can do: make an entry private, take one back, change a kind.
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("UPDATE checkin SET visibility = 'private' WHERE id = ?", (peer_private.id,))
        db.execute("DELETE FROM checkin WHERE id = ?", (gone.id,))
        db.execute("UPDATE feedback SET kind = 'suggestion' WHERE id = ?", (thanks.id,))
    scopes = ((), ("--pair", "sam"), ("--pair", "kai"))
    fast = {args: wins_json(pair_journal, *args)["how_far"]["people"] for args in scopes}
    monkeypatch.setattr(search, "BACKENDS", {})
    assert fast == {args: wins_json(pair_journal, *args)["how_far"]["people"] for args in scopes}
    kai = {p["person"]: p for p in fast[("--pair", "kai")]}
    assert kai["Ana"]["checkins"] == 1 and kai["Ana"]["wins"] == 3  # two logged, one overcome
    with sqlite3.connect(home / "peerlog.db") as db:
        kept = sorted(db.execute(f"SELECT * FROM {search_sqlite.TALLY} WHERE n > 0"))
        # Counted from scratch, as migration 0003 counts an existing journal.
        counted = sorted(
            db.execute(
                "SELECT d.kind, coalesce(d.pair_id, ''), coalesce(d.author_id, ''), coalesce(d.author_id, ''),"
                " coalesce(d.visibility, ''), count(*), sum(done) FROM search_index_doc d GROUP BY 1, 2, 3, 4, 5"
                " UNION ALL SELECT 'appreciation', f.pair_id, f.recipient_id, f.author_id, f.visibility,"
                " count(*), 0 FROM feedback f WHERE f.kind = 'appreciation' GROUP BY 1, 2, 3, 4, 5"
            )
        )
        assert kept == counted


def test_a_journal_from_before_the_running_counts_gets_them_counted_on_upgrade(
    pair_journal: Invoke, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from peerlog.store import Store, migrations

    journal_at(home).feedback("Sam", "me", "Thanks for being there")
    before = wins_json(pair_journal, "--pair", "sam")["how_far"]
    # Schema 2 as it shipped (the search index, without the running counts), made by the real steps: what
    # later steps added is taken away again, whatever they are, so a new migration never needs this test.
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
        m.setattr(migrations, "LATEST", 2)
        Store.open(tmp_path / "schema2.db", create=True).close()
    with sqlite3.connect(tmp_path / "schema2.db") as old:
        kept = {name for (name,) in old.execute("SELECT name FROM sqlite_master")}
        steps = [name for (name,) in old.execute("SELECT name FROM _peerlog_migrations")]
        columns = {
            table: {row[1] for row in old.execute(f'PRAGMA table_info("{table}")')}
            for (table,) in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    with sqlite3.connect(home / "peerlog.db") as db:
        for kind in ("trigger", "index", "table"):
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,)).fetchall():
                if (
                    name not in kept
                    and not name.startswith("sqlite_")
                    and db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
                ):
                    db.execute(f'DROP {kind.upper()} "{name}"')
        for table, wanted in columns.items():
            for (column,) in db.execute(f'SELECT name FROM pragma_table_info("{table}")').fetchall():
                if column not in wanted:
                    db.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        db.execute(
            f"DELETE FROM _peerlog_migrations WHERE name NOT IN ({', '.join('?' * len(steps))})", steps
        )
    after = wins_json(pair_journal, "--pair", "sam")["how_far"]
    assert after == before
    ana = next(p for p in after["people"] if p["person"] == "Ana")
    assert ana["wins"] == 3 + 1  # logged, appreciated


def test_how_far_you_have_come_starts_at_the_first_entry_logged_before_the_pair_was_added(
    journal: Invoke,
) -> None:
    journal("checkin", "--pair", "sam", "--mood", "2", "--challenge", "Sleep", "--at", "2026-01-05T20:00")
    result = journal("wins", "--pair", "sam", "--since", "2026-01-01", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["how_far"]["since"].startswith("2026-01-05")


def test_a_long_wins_day_stays_whole_beside_it_at_80_and_120_columns(journal: Invoke, home: Path) -> None:
    long_win = "Walked the whole way to the river and back before breakfast, with the dog and a friend"
    j = journal_at(home)
    moment = days_ago(2)
    j.checkin("me", pair="Sam", at=moment, wins=(long_win,))
    j.checkin("Sam", pair="Sam", at=moment, wins=("Sam's " + long_win,))
    day = f"{moment:%a} {moment.day}"
    for command in (("wins", "--pair", "sam"), ("summary", "--pair", "sam")):
        for width in (80, 120):
            lines = journal(*command, env={"COLUMNS": str(width)}).output.splitlines()
            starts = [line for line in lines if "★ Walked" in line or "★ Sam's" in line]
            assert starts and all(line.count(day) == line.count("★") for line in starts), (width, lines)
            assert not any(line.strip() in {f"{moment:%a}", str(moment.day)} for line in lines), lines
