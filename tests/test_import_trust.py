"""No file can speak for you: attacks by a hostile peer who edits bundles, and the explicit `restore`.

Ana's journal is the usual test home; Sam's lives in a second PEERLOG_HOME. After one honest exchange Sam
holds Ana's bundle and his own, and edits them as a hostile peer would before sending them back. Whatever he
does, Ana's own entries, her name, her pairs and her links never change; at most Sam's own shared entries in
their pair arrive.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from typer.testing import CliRunner

from peerlog.cli import app
from support import Invoke, counts, journal_before_keys, load_json, opened_bundle, own_code, plain_share

Json = dict[str, Any]
FORGED = "0f0f0f0f-0000-4000-8000-0000000000{:02x}"


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One honest exchange, made once for this file through the CLI: both homes and the two bundles.

    Ana holds Sam's bundle imported and Sam holds Ana's; each test gets its own copy of all four.
    """
    root = tmp_path_factory.mktemp("exchange")
    runner = CliRunner()

    def as_(home: str) -> Callable[..., Any]:
        env = {"PEERLOG_HOME": str(root / home), "PEERLOG_DB": None, "PEERLOG_DEBUG": None, "COLUMNS": "120"}

        def run(*args: str) -> None:
            result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
            assert result.exit_code == 0, (args, result.output)

        return run

    ana, sam = as_("peerlog-home"), as_("sam-home")
    # Two journals from before keys: each peer linked by name only, as plain bundles need.
    ana("init", "--name", "Ana")
    ana("pair", "add", "Sam")
    sam("init", "--name", "Sam")
    sam("pair", "add", "Ana")
    ana(
        "checkin", "--pair", "sam", "--note", "Ana's week", "--win", "Spoke up", "--challenge", "Deadlines",
        "--tag", "work", "--shared",
    )  # fmt: skip
    ana("feedback", "sam", "You listened so well", "--kind", "appreciation", "--shared")
    ana("checkin", "--note", "Ana's private day")
    sam("checkin", "--pair", "ana", "--note", "Sam's week", "--win", "Finished the course", "--shared")
    plain_share(root / "peerlog-home", "sam", root / "from-ana.json")
    plain_share(root / "sam-home", "ana", root / "from-sam.json")
    sam("import", str(root / "from-ana.json"))
    ana("import", str(root / "from-sam.json"))
    return root


@pytest.fixture
def bundles(
    journal: Invoke, sam: Invoke, home: Path, sam_home: Path, tmp_path: Path, exchange: Path
) -> tuple[Path, Path]:
    """One honest exchange: Ana's bundle (which Sam now holds) and Sam's (which Ana imported)."""
    for target in (home, sam_home):
        shutil.rmtree(target)
        shutil.copytree(exchange / target.name, target)
    for name in ("from-ana.json", "from-sam.json"):
        shutil.copy2(exchange / name, tmp_path / name)
    return tmp_path / "from-ana.json", tmp_path / "from-sam.json"


def _everything(invoke: Callable[..., Any]) -> str:
    """The whole journal as its owner sees it: every person, pair, link and entry."""
    result = invoke("export", "--format", "json", "--include-private")
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def _yours(invoke: Callable[..., Any]) -> Json:
    """Everything in the journal except the entries a peer wrote: what no peer's file may change."""
    data = json.loads(_everything(invoke))
    me = data["self_id"]
    for key in ("checkins", "reflections", "feedback"):
        data[key] = [e for e in data[key] if e["author_id"] == me]
    return data


def _tampered(path: Path, edit: Callable[[Json], None], name: str = "tampered.json") -> Path:
    data = load_json(path)
    edit(data)
    out = path.with_name(name)
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def _person(data: Json, *, is_self: bool) -> Json:
    return next(p for p in data["people"] if p["is_self"] == is_self)


# ---------------------------------------------------------------- your own bundle, edited and sent back


def _rename_you(data: Json) -> None:
    _person(data, is_self=True).update(name="[/]", version=99)


def _rewrite_your_checkin(data: Json) -> None:
    data["checkins"][0].update(note="TAMPERED", visibility="private", wins=[], version=99)


def _add_a_checkin_by_you(data: Json) -> None:
    extra = {**data["checkins"][0], "id": FORGED.format(1), "note": "Words Ana never wrote"}
    extra["wins"], extra["challenges"] = [], []
    data["checkins"].append(extra)


def _add_a_suggestion_by_you(data: Json) -> None:
    data["feedback"].append(
        {**data["feedback"][0], "id": FORGED.format(2), "kind": "suggestion", "message": "Be harsher"}
    )


def _change_the_pair(data: Json) -> None:
    data["pairs"][0].update(agreement="Ana owes Sam", ended_at="2026-01-01T00:00:00+00:00", version=99)


def _mark_your_challenge_overcome(data: Json) -> None:
    data["checkins"][0]["challenges"][0]["overcome_at"] = "2026-01-01T00:00:00+00:00"
    data["checkins"][0]["version"] = 99


YOUR_OWN_BUNDLE_EDITED = {
    "renames you": _rename_you,
    "rewrites, empties and hides your check-in": _rewrite_your_checkin,
    "adds a check-in by you": _add_a_checkin_by_you,
    "adds a suggestion by you": _add_a_suggestion_by_you,
    "replaces the agreement and ends the pair": _change_the_pair,
    "marks your challenge overcome": _mark_your_challenge_overcome,
}


@pytest.mark.parametrize("attack", sorted(YOUR_OWN_BUNDLE_EDITED))
def test_your_own_bundle_edited_and_sent_back_is_refused_and_changes_nothing(
    attack: str, bundles: tuple[Path, Path], journal: Invoke
) -> None:
    from_ana, _ = bundles
    before = _everything(journal)
    result = journal("import", str(_tampered(from_ana, YOUR_OWN_BUNDLE_EDITED[attack])))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "peerlog: This file was written from your own journal, and `import` never changes what you wrote. "
        "Nothing was imported. To bring back your own export (on a new machine, or after a loss), run "
        "`peerlog restore FILE`."
    ]
    assert _everything(journal) == before
    for command in (("pair", "list"), ("wins", "--pair", "sam"), ("summary", "--pair", "sam")):
        assert journal(*command).exit_code == 0


# ---------------------------------------------------------------- the peer's own bundle, edited


def _sender_renamed(data: Json) -> None:
    _person(data, is_self=True).update(name="[/]", version=99)


def _recipient_named(data: Json) -> None:
    _person(data, is_self=False).update(name="Ana (the difficult one)", version=99)


def _agreement_and_end(data: Json) -> None:
    data["pairs"][0].update(agreement="Ana owes Sam", ended_at="2026-01-01T00:00:00+00:00", version=99)


def _entry_by_you(data: Json) -> None:
    you = _person(data, is_self=False)["id"]
    forged = {**data["checkins"][0], "id": FORGED.format(3), "author_id": you, "note": "Ana never wrote this"}
    forged["wins"] = [{"id": FORGED.format(4), "position": 0, "text": "A win Ana never had"}]
    data["checkins"].append(forged)


def _feedback_by_you_to_sam(data: Json) -> None:
    you, sam = _person(data, is_self=False)["id"], data["self_id"]
    data["feedback"] = [
        {
            "id": FORGED.format(5),
            "pair_id": data["pairs"][0]["id"],
            "author_id": you,
            "recipient_id": sam,
            "kind": "suggestion",
            "message": "I, Ana, was unkind",
            "at": "2026-11-02T09:00:00+00:00",
            "visibility": "shared",
            "created_at": "2026-11-02T09:00:00+00:00",
            "updated_at": "2026-11-02T09:00:00+00:00",
            "version": 1,
        }
    ]


def _reflection_by_you(data: Json) -> None:
    you = _person(data, is_self=False)["id"]
    data["reflections"] = [
        {
            "id": FORGED.format(9),
            "author_id": you,
            "pair_id": data["pairs"][0]["id"],
            "pack_name": "after-conversation",
            "pack_title": "After a conversation",
            "at": "2026-11-02T09:00:00+00:00",
            "visibility": "shared",
            "created_at": "2026-11-02T09:00:00+00:00",
            "updated_at": "2026-11-02T09:00:00+00:00",
            "version": 1,
            "answers": [
                {
                    "id": FORGED.format(10),
                    "position": 0,
                    "prompt_id": "felt",
                    "prompt_text": "How did that conversation feel for you?",
                    "kind": "long",
                    "value": "Ana never said this",
                }
            ],
        }
    ]


def _links_to_your_person(data: Json) -> None:
    data["links"] = [
        {
            "foreign_id": FORGED.format(6),
            "kind": "person",
            "local_id": data["self_id"],
            "created_at": data["people"][0]["created_at"],
        }
    ]


def _private_flag_on_sams_entry(data: Json) -> None:
    data["checkins"][0].update(visibility="private", version=99)


def _a_name_in_brackets_for_a_new_person(data: Json) -> None:
    data["people"].append({**_person(data, is_self=False), "id": FORGED.format(7), "name": "[/]"})


PEERS_BUNDLE_EDITED = {
    "renames the sender to [/]": _sender_renamed,
    "names you with a label": _recipient_named,
    "replaces the agreement and ends the pair": _agreement_and_end,
    "adds a check-in by you": _entry_by_you,
    "adds feedback by you": _feedback_by_you_to_sam,
    "adds a reflection by you": _reflection_by_you,
    "carries links to your person": _links_to_your_person,
    "flips its own entry to private": _private_flag_on_sams_entry,
    "adds a person named [/]": _a_name_in_brackets_for_a_new_person,
}


def test_a_peer_cannot_retag_or_mark_your_challenge_through_their_copy_of_your_checkin(
    bundles: tuple[Path, Path], journal: Invoke
) -> None:
    from_ana, from_sam = bundles
    yours = load_json(from_ana)["checkins"][0]

    def retag(data: Json) -> None:
        you = _person(data, is_self=False)["id"]
        challenges = [{**ch, "overcome_at": "2026-01-01T00:00:00+00:00"} for ch in yours["challenges"]]
        data["checkins"] = [
            {**yours, "author_id": you, "pair_id": data["pairs"][0]["id"], "tags": ["tampered"],
             "challenges": challenges, "version": 99}
        ]  # fmt: skip
        data["feedback"] = []

    before = _yours(journal)
    result = journal("import", str(_tampered(from_sam, retag)))
    assert result.stdout.endswith("Left out 1 entry that was not theirs to share.\n")
    assert _yours(journal) == before


@pytest.mark.parametrize("attack", sorted(PEERS_BUNDLE_EDITED))
def test_a_peers_edited_bundle_never_changes_you_your_pairs_links_or_entries(
    attack: str, bundles: tuple[Path, Path], journal: Invoke, home: Path
) -> None:
    _, from_sam = bundles
    before, before_counts = _yours(journal), counts(home)
    result = journal("import", str(_tampered(from_sam, PEERS_BUNDLE_EDITED[attack])))
    assert result.exit_code in (0, 2), result.stderr
    assert _yours(journal) == before
    after = counts(home)
    for table in ("person", "pair", "link"):
        assert after[table] == before_counts[table]
    assert {e["note"] for e in json.loads(journal("log", "--json").stdout)} == {
        "Ana's week",
        "Ana's private day",
        "Sam's week",
    }
    for command in (("pair", "list"), ("wins", "--pair", "sam"), ("summary", "--pair", "sam")):
        shown = journal(*command)
        assert shown.exit_code == 0
        assert "[/]" not in shown.stdout


def test_a_peer_cannot_rewrite_your_entry_by_giving_its_id_to_one_of_theirs(
    bundles: tuple[Path, Path], journal: Invoke
) -> None:
    from_ana, from_sam = bundles
    yours = load_json(from_ana)["checkins"][0]["id"]

    def steal(data: Json) -> None:
        data["checkins"][0].update(id=yours, note="TAMPERED", version=99)

    before = _yours(journal)
    result = journal("import", str(_tampered(from_sam, steal)))
    assert result.stdout.endswith("Left out 1 entry that was not theirs to share.\n")
    assert _yours(journal) == before


def test_a_peer_cannot_speak_as_you_with_the_id_their_journal_gave_you(
    bundles: tuple[Path, Path], journal: Invoke
) -> None:
    _, from_sam = bundles

    def swap(data: Json) -> None:
        you, sam = _person(data, is_self=False), _person(data, is_self=True)
        you.update(is_self=True, name="Ana")
        sam.update(is_self=False)
        data["self_id"] = you["id"]
        data["checkins"][0].update(author_id=you["id"], id=FORGED.format(8), note="Ana never wrote this")

    before = _everything(journal)
    result = journal("import", str(_tampered(from_sam, swap)))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "not yours" in result.stderr
    assert _everything(journal) == before


def test_a_bundle_forged_from_yours_with_your_own_ids_is_refused_even_as_a_first_contact(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    journal("checkin", "--pair", "sam", "--note", "Ana's week", "--shared")
    from_ana = plain_share(home, "sam", tmp_path / "from-ana.json")

    def as_sam(data: Json) -> None:
        ana, sam = _person(data, is_self=True), _person(data, is_self=False)
        ana.update(is_self=False)
        sam.update(is_self=True, name="Sam")
        data["self_id"] = sam["id"]
        data["checkins"][0].update(author_id=sam["id"], id=FORGED.format(11), note="Sam, so to speak")

    before, before_counts = _everything(journal), counts(home)
    result = journal("import", str(_tampered(from_ana, as_sam)))
    assert result.exit_code == 2
    assert result.stderr.startswith("peerlog: This file uses your own journal's ids")
    assert _everything(journal) == before
    assert counts(home) == before_counts


# ---------------------------------------------------------------- bundles are not linked by a name alone


def _impostor(journal: Invoke, tmp_path: Path, name: str = "Sam") -> Path:
    """A bundle for Ana from a journal that is not Sam's, whose owner calls themself Sam."""
    other = {"PEERLOG_HOME": str(tmp_path / "impostor")}
    journal("init", "--name", name, env=other)
    journal("pair", "add", "Ana", env=other)
    journal("checkin", "--pair", "ana", "--note", "Not really Sam", "--shared", env=other)
    return plain_share(tmp_path / "impostor", "ana", tmp_path / "impostor.json")


@pytest.mark.parametrize("extra", [[], ["--pair", "sam"]], ids=["by name", "with --pair"])
def test_a_bundle_under_your_peers_name_from_another_journal_is_refused(
    extra: list[str], bundles: tuple[Path, Path], journal: Invoke, home: Path, tmp_path: Path
) -> None:
    bundle = _impostor(journal, tmp_path)
    before, before_counts = _everything(journal), counts(home)
    result = journal("import", str(bundle), *extra)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "peerlog: This file does not come from the journal Sam's earlier bundles came from; nothing was "
        "imported."
    )
    assert _everything(journal) == before
    assert counts(home) == before_counts


def test_a_first_bundle_by_name_still_lands_when_no_journal_is_linked_yet(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    journal_before_keys(journal, home)  # nor any key held for Sam
    bundle = _impostor(journal, tmp_path)
    result = journal("import", str(bundle))
    assert result.exit_code == 0, result.stderr
    first, note = result.stdout.splitlines()
    assert first.endswith("Bundles from Sam will land in this pair from now on.")
    # Said once, while Sam is linked by name only: how to add the key.
    assert note.startswith(
        "Sam's bundles are linked to your pair by name. To seal what you two exchange, add "
    )


@pytest.mark.parametrize("linked", ["by name before", "never"])
def test_once_your_peers_key_is_held_a_plain_bundle_under_their_name_is_refused(
    linked: str,
    bundles: tuple[Path, Path],
    journal: Invoke,
    sam: Invoke,
    home: Path,
    sam_home: Path,
    tmp_path: Path,
) -> None:
    if linked == "never":
        journal_before_keys(journal, home)
    assert journal("pair", "set", "sam", "--key", own_code(sam)).exit_code == 0
    sam("checkin", "--pair", "ana", "--note", "Plain words", "--shared")
    for bundle in (plain_share(sam_home, "ana", tmp_path / "plain.json"), _impostor(journal, tmp_path)):
        before, before_counts = _everything(journal), counts(home)
        for extra in ([], ["--pair", "sam"]):
            result = journal("import", str(bundle), *extra)
            assert result.exit_code == 2
            assert result.stderr.splitlines() == [
                "peerlog: This is a plain bundle, and your journal holds Sam's key, so only bundles sealed by "
                "Sam are taken; nothing was imported. Ask Sam to share again with `peerlog share`, which "
                "seals it to you."
            ]
            assert _everything(journal) == before
            assert counts(home) == before_counts


def test_a_peers_real_bundles_keep_landing_after_a_refused_impostor(
    bundles: tuple[Path, Path], journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    journal("import", str(_impostor(journal, tmp_path)))
    sam("checkin", "--pair", "ana", "--note", "Sam, really", "--shared")
    later = plain_share(sam_home, "ana", tmp_path / "sam-later.json", since_last=True)
    assert journal("import", str(later)).stdout.startswith(
        "Imported sam-later.json from Sam: 1 check-in added."
    )


# ---------------------------------------------------------------- what a file carries beyond entries


def test_a_bundle_carries_neither_your_label_for_your_peer_nor_your_agreement(
    journal: Invoke, tmp_path: Path
) -> None:
    lee_home = tmp_path / "lee-home"
    lee = {"PEERLOG_HOME": str(lee_home)}
    journal("init", "--name", "Lee", env=lee)
    code = own_code(journal, env=lee)
    label = "Lee (gets defensive, be careful)"
    journal("pair", "add", label, "--agreement", "Never mention the divorce", "--key", code)
    journal("checkin", "--pair", "lee", "--note", "Coffee with Lee", "--shared")
    bundle = tmp_path / "for-lee.sealed"
    assert journal("share", "--pair", "lee", "--output", str(bundle)).exit_code == 0
    # Opened as only Lee can: the whole change set, header and entries.
    records = opened_bundle(bundle, lee_home)
    text = json.dumps(records, ensure_ascii=False)
    assert "Coffee with Lee" in text
    assert "defensive" not in text
    assert "divorce" not in text
    header = records[0]
    assert header["sender"]["name"] == "Ana"
    assert list(header["recipient"]) == ["id"]  # your label for Lee stays with you
    assert header["pair"].get("agreement") is None
    assert not any("links" in record or "link" in record for record in records)


def test_a_shared_only_export_names_only_what_its_entries_refer_to(
    bundles: tuple[Path, Path], journal: Invoke, tmp_path: Path
) -> None:
    journal("pair", "add", "Lee (gets defensive)", "--agreement", "Never mention the divorce")
    journal("pair", "add", "Kim", "--agreement", "Walks on Sundays")
    journal("checkin", "--pair", "kim", "--note", "A walk", "--shared")
    for fmt in ("json", "markdown"):
        text = journal("export", "--format", fmt).stdout
        for private in ("defensive", "divorce", "Walks on Sundays"):
            assert private not in text, (fmt, private)
    data = json.loads(journal("export", "--format", "json").stdout)
    assert sorted(p["name"] for p in data["people"]) == ["Ana", "Kim", "Sam"]
    assert data["links"] == []
    assert {p["agreement"] for p in data["pairs"]} == {None}


def test_a_full_export_with_private_entries_keeps_everything_for_a_restore(
    bundles: tuple[Path, Path], journal: Invoke
) -> None:
    journal("pair", "add", "Lee", "--agreement", "Walks on Sundays")
    data = json.loads(_everything(journal))
    assert sorted(p["name"] for p in data["people"]) == ["Ana", "Lee", "Sam"]
    assert "Walks on Sundays" in {p["agreement"] for p in data["pairs"]}
    assert len(data["links"]) == 3


# ---------------------------------------------------------------- versions, not clocks


def test_a_copy_stamped_in_the_future_does_not_block_the_authors_later_edit(
    bundles: tuple[Path, Path], journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    sam("checkin", "--pair", "ana", "--note", "Written on a skewed clock", "--shared")
    skewed = plain_share(sam_home, "ana", tmp_path / "skewed.json", since_last=True)

    def far_future(data: Json) -> None:
        for c in data["checkins"]:
            c["created_at"] = c["updated_at"] = "2099-01-01T00:00:00+00:00"
            assert c["version"] == 1

    assert journal("import", str(_tampered(skewed, far_future))).exit_code == 0
    entry = next(e for e in json.loads(sam("log", "--json").stdout) if e["note"].startswith("Written"))
    sam("edit", entry["id"], "--note", "Edited once the clock was right")
    later = plain_share(sam_home, "ana", tmp_path / "later.json", since_last=True)
    assert load_json(later)["checkins"][0]["version"] == 2
    result = journal("import", str(later))
    assert result.stdout == "Imported later.json from Sam: nothing new; 1 entry updated to a newer version.\n"
    assert "Edited once the clock was right" in {
        e["note"] for e in json.loads(journal("log", "--json").stdout)
    }


def test_the_same_version_changes_nothing_whatever_the_clocks_say(
    bundles: tuple[Path, Path], journal: Invoke
) -> None:
    _, from_sam = bundles

    def rewritten(data: Json) -> None:
        data["checkins"][0].update(note="Rewritten, same version", updated_at="2099-01-01T00:00:00+00:00")

    result = journal("import", str(_tampered(from_sam, rewritten)))
    assert result.stdout == "Imported tampered.json from Sam: nothing new; 1 already here.\n"
    assert "Sam's week" in {e["note"] for e in json.loads(journal("log", "--json").stdout)}


def test_every_change_by_the_author_counts_a_new_version(journal: Invoke) -> None:
    journal("checkin", "--pair", "sam", "--note", "Hard week", "--challenge", "Deadlines", "--shared")
    (entry,) = json.loads(journal("log", "--json").stdout)

    def versions() -> tuple[int, int, int]:
        data = json.loads(_everything(journal))
        return (
            data["checkins"][0]["version"],
            _person(data, is_self=True)["version"],
            data["pairs"][0]["version"],
        )

    assert versions() == (1, 1, 1)
    journal("edit", entry["id"], "--note", "Hard week, better now")
    journal("challenge", "done", entry["challenges"][0]["id"][:8])
    journal("challenge", "reopen", entry["challenges"][0]["id"][:8])
    journal("init", "--name", "Ana B")
    journal("pair", "end", "sam")
    assert versions() == (4, 2, 2)


def test_a_file_from_before_versions_still_imports(
    bundles: tuple[Path, Path], journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    sam("checkin", "--pair", "ana", "--note", "From an older peerlog", "--shared")
    bundle = plain_share(sam_home, "ana", tmp_path / "old-format.json", since_last=True)

    def version_one(data: Json) -> None:
        data["version"] = 1
        for key in ("people", "pairs", "checkins", "reflections", "feedback"):
            for record in data[key]:
                del record["version"]
        _person(data, is_self=False)["name"] = "Ana"

    result = journal("import", str(_tampered(bundle, version_one)))
    assert result.stdout == "Imported tampered.json from Sam: 1 check-in added.\n"


# ---------------------------------------------------------------- restore: the explicit way for your own export


@pytest.fixture
def everything(journal: Invoke, tmp_path: Path) -> Path:
    journal("checkin", "--pair", "sam", "--note", "Kept safe", "--win", "Moved house", "--shared")
    journal("checkin", "--note", "Private", "--mood", "2")
    path = tmp_path / "everything.json"
    assert journal("export", "--format", "json", "--include-private", "--output", str(path)).exit_code == 0
    return path


def test_import_of_your_own_export_on_a_new_machine_points_to_restore(
    everything: Path, journal: Invoke, tmp_path: Path
) -> None:
    laptop = tmp_path / "laptop"
    result = journal("import", str(everything), env={"PEERLOG_HOME": str(laptop)})
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.rstrip().endswith("run `peerlog restore FILE`.")
    assert not laptop.exists()


def test_restore_refuses_a_peers_bundle(bundles: tuple[Path, Path], journal: Invoke, tmp_path: Path) -> None:
    _, from_sam = bundles
    laptop = tmp_path / "laptop"
    result = journal("restore", str(from_sam), env={"PEERLOG_HOME": str(laptop)})
    assert result.exit_code == 2
    assert result.stderr == (
        "peerlog: This is a share bundle from Sam, not your own export. Nothing was restored. To add a "
        "peer's shared entries, use `peerlog import FILE`.\n"
    )
    assert not laptop.exists()


def _changed_since(everything: Path, journal: Invoke, tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A laptop restored from `everything`, and a newer export with an edit, a new name and an ended pair."""
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    # Your key came along (from a backup), so the laptop's journal and this one are the same, key and all.
    (tmp_path / "laptop").mkdir(mode=0o700)
    shutil.copy2(Path(os.environ["PEERLOG_HOME"]) / "peerlog.db.key", tmp_path / "laptop" / "peerlog.db.key")
    assert journal("restore", str(everything), env=laptop).exit_code == 0
    kept = next(e for e in json.loads(journal("log", "--json").stdout) if e["note"] == "Kept safe")
    journal("edit", kept["id"], "--note", "Kept safe, and edited")
    journal("checkin", "--note", "Newer")
    journal("init", "--name", "Ana B")
    journal("pair", "end", "sam")
    newer = tmp_path / "newer.json"
    journal("export", "--format", "json", "--include-private", "--output", str(newer))
    return laptop, newer


def test_restore_into_a_journal_with_entries_says_what_it_replaces_and_needs_a_yes(
    everything: Path, journal: Invoke, tmp_path: Path
) -> None:
    laptop, newer = _changed_since(everything, journal, tmp_path)
    before = _everything(lambda *a: journal(*a, env=laptop))
    refused = journal("restore", str(newer), env=laptop)
    assert refused.exit_code == 1
    kept_id = load_json(everything)["checkins"][0]["id"][:8]
    plan = refused.stdout.splitlines()
    assert plan == [
        f"Restoring newer.json would add 1 check-in and replace your name (Ana → Ana B), your pair with "
        f"Sam and your check-in {kept_id} with the file's newer versions. Nothing is deleted."
    ]
    assert refused.stderr == (
        "peerlog: Nothing was restored: peerlog asks before changing a journal that has entries. Run it "
        "again with --yes to go ahead.\n"
    )
    assert _everything(lambda *a: journal(*a, env=laptop)) == before
    done = journal("restore", str(newer), "--yes", env=laptop)
    assert done.exit_code == 0
    assert _everything(lambda *a: journal(*a, env=laptop)) == _everything(journal)


@pytest.mark.parametrize("answer", ["y", "n"])
def test_on_a_terminal_restore_asks_first(
    answer: str, everything: Path, journal: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, newer = _changed_since(everything, journal, tmp_path)
    before = _everything(lambda *a: journal(*a, env=laptop))
    monkeypatch.setattr("peerlog.cli.transfer.is_interactive", lambda: True)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(answer)
        result = journal("restore", str(newer), env=laptop)
    assert result.exit_code == 0, result.stderr
    after = _everything(lambda *a: journal(*a, env=laptop))
    if answer == "y":
        assert after == _everything(journal)
    else:
        assert result.stdout.endswith("Nothing was restored.\n")
        assert after == before


def test_restore_never_deletes_anything(everything: Path, journal: Invoke, home: Path) -> None:
    journal("checkin", "--note", "Only here")
    before = counts(home)
    result = journal("restore", str(everything), "--yes")
    assert result.stdout == "Nothing to restore: everything in everything.json is already here.\n"
    assert counts(home) == before
