"""Your identity: one key per journal, kept owner-only beside it; `peerlog id`; peers linked by key."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerlog.errors import InputError
from peerlog.identity import PeerKey, ensure_identity, key_path, load_identity, write_key_file
from support import Invoke, opened_bundle, own_code, read_only, refused_cleanly

FIRST_RELEASE = Path(__file__).parent / "data" / "first-release-702e064.db"


def _key_bytes(home: Path) -> bytes:
    return (home / "peerlog.db.key").read_bytes()


def _public_keys(home: Path) -> dict[str, str | None]:
    with sqlite3.connect(home / "peerlog.db") as db:
        return dict(db.execute("SELECT name, public_key FROM person").fetchall())


def _new_journal(invoke: Invoke, home: Path, name: str) -> str:
    """A peer's own journal in `home` (not yet known to Ana's): their code, as `peerlog id` prints it."""
    assert invoke("init", "--name", name, env={"PEERLOG_HOME": str(home)}).exit_code == 0
    return own_code(invoke, env={"PEERLOG_HOME": str(home)})


def _pair(invoke: Invoke, name: str, **kw: object) -> dict[str, object]:
    result = invoke("pair", "show", name, "--json", **kw)
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


# ---------------------------------------------------------------- the key file


def test_init_makes_an_owner_only_key_whatever_the_umask_and_your_row_holds_its_code(
    invoke: Invoke, home: Path, umask_000: None
) -> None:
    result = invoke("init", "--name", "Ana")
    assert result.exit_code == 0, result.stderr
    assert "key" not in result.stdout  # init says nothing more than it did
    key = home / "peerlog.db.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not [p for p in home.iterdir() if p.name.endswith(".tmp")]
    assert _public_keys(home) == {"Ana": own_code(invoke)}


def test_the_key_is_never_replaced_by_init_id_or_a_second_ensure(invoke: Invoke, home: Path) -> None:
    invoke("init", "--name", "Ana")
    before = _key_bytes(home)
    code = own_code(invoke)
    assert invoke("init").exit_code == 0
    assert invoke("init", "--name", "Ana B").exit_code == 0
    assert _key_bytes(home) == before
    assert ensure_identity(home / "peerlog.db").public.code == code == own_code(invoke)
    with pytest.raises(InputError, match="already exists"):
        write_key_file(key_path(home / "peerlog.db"), ensure_identity(home / "peerlog.db"))
    assert _key_bytes(home) == before


def test_the_key_file_sits_beside_the_journal_named_after_it(tmp_path: Path) -> None:
    assert key_path(tmp_path / "work.db") == tmp_path / "work.db.key"
    assert load_identity(tmp_path / "work.db") is None
    made = ensure_identity(tmp_path / "work.db")
    loaded = load_identity(tmp_path / "work.db")
    assert loaded is not None and loaded.public == made.public
    assert bytes(loaded.signing_key) == bytes(made.signing_key)


def test_a_key_file_others_can_read_is_refused_with_the_fix(journal: Invoke, home: Path) -> None:
    key = home / "peerlog.db.key"
    key.chmod(0o644)
    result = journal("id")
    assert result.exit_code == 1
    assert result.stderr == (
        f"peerlog: The key file {key} can be read or changed by others, so peerlog will not use it. "
        f"Make it yours only with `chmod 600 {key}`, then try again.\n"
    )
    key.chmod(0o600)
    assert journal("id").exit_code == 0


def test_a_damaged_key_file_is_one_line_and_is_never_replaced(journal: Invoke, home: Path) -> None:
    key = home / "peerlog.db.key"
    text = key.read_text()
    for damaged in (
        "garbage",
        text.replace("seed: ", "seed: AA"),
        text.replace("public: pl1", "public: pl1a"),
    ):
        key.write_text(damaged)
        result = journal("id")
        assert result.exit_code == 1
        assert result.stderr.startswith(f"peerlog: The key file {key} is damaged, so peerlog cannot use it;")
        assert "your peers will then need your new code" in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert key.read_text() == damaged


def test_a_key_path_that_is_not_a_regular_file_is_refused(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    key = home / "peerlog.db.key"
    real = tmp_path / "elsewhere.key"
    shutil.move(key, real)
    key.symlink_to(real)
    result = journal("id")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"peerlog: The key file {key} is a symbolic link, not a regular file")
    key.unlink()
    key.mkdir()
    assert "is a folder, not a regular file" in journal("backup").stderr


def test_nothing_peerlog_writes_may_take_the_key_files_name(journal: Invoke, home: Path) -> None:
    key = home / "peerlog.db.key"
    before = key.read_bytes()
    for args in (
        ["export", "--output", str(key), "--force"],
        ["share", "--pair", "sam", "--output", str(key), "--force"],
        ["backup", str(key), "--force"],
    ):
        result = journal(*args)
        refused_cleanly(result)
        assert "is your journal's key, so peerlog will not write over it, even with --force" in result.stderr
    assert key.read_bytes() == before


# ---------------------------------------------------------------- codes and fingerprints


def test_a_code_reads_back_whatever_its_case_spaces_and_dashes() -> None:
    key = PeerKey(bytes(range(32)))
    code = key.code
    assert code.startswith("pl1") and len(code) == 59 and code == code.lower()
    spaced = " ".join(code[i : i + 5] for i in range(0, len(code), 5))
    for typed in (code, code.upper(), spaced, "-".join(spaced.split()), f"  {code}\n"):
        assert PeerKey.from_code(typed) == key
    assert len(key.key_id) == 16 and int(key.key_id, 16) >= 0
    groups = key.fingerprint.split(" ")
    assert len(groups) == 6 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert PeerKey(bytes(32)).fingerprint != key.fingerprint


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "The identity code is empty."),
        ("hello there", "That is not a peerlog identity code (a code starts with pl1)."),
        ("pl1abc", "it is 6 characters long, and a code has 59"),
        ("pl1" + "0" * 56, "it holds characters a code never has (0)"),
    ],
)
def test_what_is_not_a_code_is_refused_in_words(typed: str, says: str) -> None:
    with pytest.raises(InputError) as raised:
        PeerKey.from_code(typed)
    assert says in str(raised.value)
    assert "`peerlog id`" in str(raised.value)


def test_a_typo_in_a_code_is_caught_by_its_check() -> None:
    code = PeerKey(bytes(range(32))).code
    for at in (3, 20, 58):
        typo = code[:at] + ("a" if code[at] != "a" else "b") + code[at + 1 :]
        with pytest.raises(InputError, match="has a typo somewhere"):
            PeerKey.from_code(typo)


# ---------------------------------------------------------------- peerlog id


def test_id_shows_your_name_code_and_fingerprint_in_80_columns(journal: Invoke) -> None:
    result = journal("id", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    me = json.loads(journal("id", "--json").stdout)
    assert set(me) == {"name", "code", "fingerprint"} and me["name"] == "Ana"
    assert result.stdout == (
        "You:          Ana\n"
        f"Code:         {me['code']}\n"
        f"Fingerprint:  {me['fingerprint']}\n"
        "\n"
        "Send the code to your peer; read the fingerprint to each other to check it.\n"
    )
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_id_without_a_journal_says_how_to_start_one(invoke: Invoke, home: Path) -> None:
    result = invoke("id")
    assert result.exit_code == 1
    assert "peerlog init" in result.stderr
    assert not (home / "peerlog.db.key").exists()


def test_a_journal_that_lost_its_key_gets_a_new_one_when_it_is_needed(journal: Invoke, home: Path) -> None:
    old = own_code(journal)
    (home / "peerlog.db.key").unlink()
    assert journal("log").exit_code == 0
    assert not (home / "peerlog.db.key").exists()  # everyday commands never make (or load) it
    new = own_code(journal)
    assert new != old and _public_keys(home)["Ana"] == new


# ---------------------------------------------------------------- pairing by key


def test_pair_add_with_a_key_links_the_peer_and_shows_the_fingerprint_to_check(
    journal: Invoke, tmp_path: Path
) -> None:
    lee_home = tmp_path / "lee-home"
    code = _new_journal(journal, lee_home, "Lee")
    lees = PeerKey.from_code(code)
    result = journal("pair", "add", "Lee", "--key", code.upper())
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        f"Lee's fingerprint: {lees.fingerprint}",
        "Check it with Lee: read it to each other; it should match what `peerlog id` shows them.",
    ]
    shown = _pair(journal, "lee")
    assert (shown["key"], shown["fingerprint"]) == (code, lees.fingerprint)
    listed = json.loads(journal("pair", "list", "--json").stdout)
    assert [(p["key"], p["fingerprint"]) for p in listed if p["peer"] == "Lee"] == [(code, lees.fingerprint)]
    assert f"Lee's fingerprint: {lees.fingerprint}" in journal("pair", "show", "lee").stdout
    # What Lee reads out on their side is the same.
    lee = {"PEERLOG_HOME": str(lee_home)}
    assert json.loads(journal("id", "--json", env=lee).stdout)["fingerprint"] == lees.fingerprint


def test_pair_show_says_how_to_add_a_key_when_there_is_none(journal: Invoke) -> None:
    assert journal("pair", "add", "Lee").exit_code == 0
    shown = journal("pair", "show", "lee", env={"COLUMNS": "200"}).stdout
    assert 'No key yet: ask Lee for `peerlog id`, then `peerlog pair set "Lee" --key CODE`.' in shown
    assert (_pair(journal, "lee")["key"], _pair(journal, "lee")["fingerprint"]) == (None, None)
    assert "No key yet" not in journal("pair", "show", "sam", env={"COLUMNS": "200"}).stdout


def test_pair_set_adds_a_key_then_replacing_it_shows_both_fingerprints(
    journal: Invoke, tmp_path: Path
) -> None:
    assert journal("pair", "add", "Lee").exit_code == 0  # a peer without a key yet
    first = PeerKey.from_code(_new_journal(journal, tmp_path / "lee-home", "Lee"))
    added = journal("pair", "set", "lee", "--key", first.code)
    assert added.exit_code == 0, added.stderr
    assert f"Lee's fingerprint: {first.fingerprint}" in added.stdout
    again = journal("pair", "set", "lee", "--key", first.code)
    assert again.stdout == f"Lee's key is unchanged (fingerprint {first.fingerprint}).\n"
    # Lee moved to a new machine without their backup: a new journal, a new key.
    second = PeerKey.from_code(_new_journal(journal, tmp_path / "lee-new", "Lee"))
    replaced = journal("pair", "set", "lee", "--key", second.code)
    assert replaced.exit_code == 0, replaced.stderr
    assert replaced.stdout == (
        "Lee's key is replaced.\n"
        f"  old fingerprint: {first.fingerprint}\n"
        f"  new fingerprint: {second.fingerprint}\n"
        "Bundles made with the old key are no longer accepted. Check the new fingerprint with Lee.\n"
    )
    assert _pair(journal, "lee")["key"] == second.code


def test_pair_add_never_replaces_a_key_a_peer_already_has(
    journal: Invoke, sam: Invoke, tmp_path: Path
) -> None:
    first = own_code(sam)
    journal("pair", "set", "sam", "--key", first)
    journal("pair", "end", "sam")
    other = {"PEERLOG_HOME": str(tmp_path / "other")}
    journal("init", "--name", "Sam", env=other)
    result = journal("pair", "add", "Sam", "--key", own_code(journal, env=other))
    refused_cleanly(result)
    assert "Sam already has a different key in your journal; nothing was changed." in result.stderr
    assert '`peerlog pair set "Sam" --key CODE`' in result.stderr
    assert _pair(journal, "sam")["key"] == first
    assert _pair(journal, "sam")["ended_at"] is not None  # the pair was not picked up again either


def test_a_key_held_by_another_person_is_refused(journal: Invoke, home: Path, tmp_path: Path) -> None:
    sams = _public_keys(home)["Sam"]
    code = _new_journal(journal, tmp_path / "kai-home", "Kai")
    assert journal("pair", "add", "Kai", "--key", code).exit_code == 0
    result = journal("pair", "set", "sam", "--key", code)
    refused_cleanly(result)
    assert result.stderr.startswith("peerlog: That key is Kai's in your journal")
    assert _public_keys(home)["Sam"] == sams
    # Adding a new peer with it is refused too, and no pair (nor person) is left half-made.
    refused_cleanly(journal("pair", "add", "Lee", "--key", code))
    assert "Lee" not in _public_keys(home)


def test_your_own_code_is_refused_as_a_peers(journal: Invoke, home: Path) -> None:
    result = journal("pair", "add", "Lee", "--key", own_code(journal))
    refused_cleanly(result)
    assert result.stderr == (
        "peerlog: That is your own code, not Lee's. Ask Lee to run `peerlog id` and send you theirs.\n"
    )
    assert "Lee" not in _public_keys(home)
    sams = _public_keys(home)["Sam"]
    refused_cleanly(journal("pair", "set", "sam", "--key", own_code(journal)))
    assert _public_keys(home)["Sam"] == sams


@pytest.mark.parametrize("typed", ["", "not a code", "pl1abc"])
def test_a_malformed_code_is_refused_before_anything_changes(journal: Invoke, home: Path, typed: str) -> None:
    before = _public_keys(home)
    assert set(before) == {"Ana", "Sam"}
    refused_cleanly(journal("pair", "add", "Lee", "--key", typed))
    refused_cleanly(journal("pair", "set", "sam", "--key", typed))
    assert _public_keys(home) == before


def test_a_typo_in_a_peers_code_is_refused(journal: Invoke, home: Path, tmp_path: Path) -> None:
    assert journal("pair", "add", "Lee").exit_code == 0
    code = _new_journal(journal, tmp_path / "lee-home", "Lee")
    typo = code[:30] + ("a" if code[30] != "a" else "b") + code[31:]
    result = journal("pair", "set", "lee", "--key", typo)
    refused_cleanly(result)
    assert "has a typo somewhere" in result.stderr
    assert _public_keys(home)["Lee"] is None


# ---------------------------------------------------------------- the sync folder


def test_a_sync_folder_is_kept_as_an_absolute_path_shown_and_cleared(
    journal: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "Sync" / "ana-and-sam"
    folder.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    result = journal("pair", "set", "sam", "--sync-dir", "Sync/ana-and-sam")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Your pair with Sam syncs through {folder}.\n"
    assert _pair(journal, "sam")["sync_dir"] == str(folder)
    assert f"Sync folder: {folder}" in journal("pair", "show", "sam", env={"COLUMNS": "200"}).stdout
    cleared = journal("pair", "set", "sam", "--sync-dir", "")
    assert cleared.stdout == "Your pair with Sam has no sync folder now.\n"
    assert _pair(journal, "sam")["sync_dir"] is None


def test_a_sync_folder_must_be_an_existing_folder_you_can_write(
    journal: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere"
    result = journal("pair", "set", "sam", "--sync-dir", str(missing))
    refused_cleanly(result)
    assert result.stderr.startswith(f"peerlog: The sync folder {missing} does not exist.")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello")
    result = journal("pair", "set", "sam", "--sync-dir", str(a_file))
    refused_cleanly(result)
    assert f"{a_file} is a file, not a folder." in result.stderr
    locked = tmp_path / "locked"
    locked.mkdir()
    with read_only(locked, "read-only mount", monkeypatch):
        result = journal("pair", "set", "sam", "--sync-dir", str(locked))
    refused_cleanly(result)
    assert f"You cannot write in the sync folder {locked}." in result.stderr
    assert _pair(journal, "sam")["sync_dir"] is None


def test_pair_set_with_nothing_to_change_names_every_setting(journal: Invoke) -> None:
    result = journal("pair", "set", "sam")
    refused_cleanly(result)
    assert "give --since, --agreement, --key, --sync-dir or --hub" in result.stderr


# ---------------------------------------------------------------- backups


def test_a_backup_of_a_journal_without_a_key_makes_the_key_first(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    (home / "peerlog.db.key").unlink()
    target = tmp_path / "copy.db"
    result = journal("backup", str(target))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "copy.db.key").read_bytes() == _key_bytes(home)
    assert _public_keys(home)["Ana"] == own_code(journal)


def test_a_backup_whose_key_name_is_taken_writes_nothing(journal: Invoke, tmp_path: Path) -> None:
    (tmp_path / "copy.db.key").write_text("someone else's")
    result = journal("backup", str(tmp_path / "copy.db"))
    refused_cleanly(result)
    assert f"{tmp_path / 'copy.db.key'} already exists" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db.key", "peerlog-home"]


def test_a_journal_restored_from_its_backup_with_its_key_keeps_its_code(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    code = own_code(journal)
    journal("backup", str(tmp_path / "copy.db"))
    laptop = tmp_path / "laptop"
    laptop.mkdir(mode=0o700)
    # What `peerlog backup --help` says: the backup to the journal's place, its key beside it.
    shutil.copy2(tmp_path / "copy.db", laptop / "peerlog.db")
    shutil.copy2(tmp_path / "copy.db.key", laptop / "peerlog.db.key")
    assert own_code(journal, env={"PEERLOG_HOME": str(laptop)}) == code


def test_backup_help_explains_restoring_the_journal_and_its_key(journal: Invoke) -> None:
    shown = " ".join(journal("backup", "--help").stdout.split())
    assert "BACKUP.key" in shown and "peerlog.db.key" in shown


# ---------------------------------------------------------------- exports and restore


def test_an_export_for_yourself_carries_every_key_and_others_carry_none(
    journal: Invoke, sam: Invoke, sam_home: Path, tmp_path: Path
) -> None:
    journal("pair", "set", "sam", "--key", own_code(sam))
    journal("checkin", "--pair", "sam", "--shared", "--note", "Hello")
    mine, plain, bundle = tmp_path / "mine.json", tmp_path / "plain.json", tmp_path / "bundle.sealed"
    journal("export", "-f", "json", "--include-private", "-o", str(mine))
    journal("export", "-f", "json", "-o", str(plain))
    assert journal("share", "--pair", "sam", "-o", str(bundle)).exit_code == 0
    keys = {p["name"]: p["public_key"] for p in json.loads(mine.read_text())["people"]}
    assert keys == {"Ana": own_code(journal), "Sam": own_code(sam)}
    # The bundle's inside, as Sam opens it: the entry, and no key (the signature already proves the sender).
    inside = json.dumps(opened_bundle(bundle, sam_home))
    assert "Hello" in inside
    for text in (plain.read_text(), inside):
        assert "public_key" not in text
        assert own_code(journal) not in text
        assert own_code(sam) not in text


def test_restoring_your_export_on_a_new_machine_brings_back_peers_keys_and_keeps_the_new_key(
    journal: Invoke, sam: Invoke, tmp_path: Path
) -> None:
    journal("pair", "set", "sam", "--key", own_code(sam))
    mine = tmp_path / "mine.json"
    journal("export", "-f", "json", "--include-private", "-o", str(mine))
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    result = journal("restore", str(mine), env=laptop)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("your peers will need your new code") == 1
    assert "run `peerlog id` and send it to them" in result.stdout
    assert _pair(journal, "sam", env=laptop)["key"] == own_code(sam)
    new_code = own_code(journal, env=laptop)
    assert new_code != own_code(journal)
    assert _public_keys(tmp_path / "laptop")["Ana"] == new_code
    assert stat.S_IMODE((tmp_path / "laptop" / "peerlog.db.key").stat().st_mode) == 0o600


def test_restoring_where_your_key_came_along_says_nothing_about_keys(
    journal: Invoke, home: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.json"
    journal("export", "-f", "json", "--include-private", "-o", str(mine))
    laptop = tmp_path / "laptop"
    laptop.mkdir(mode=0o700)
    shutil.copy2(home / "peerlog.db.key", laptop / "peerlog.db.key")
    result = journal("restore", str(mine), env={"PEERLOG_HOME": str(laptop)})
    assert result.exit_code == 0, result.stderr
    assert "key" not in result.stdout


def test_an_export_without_keys_still_restores(journal: Invoke, tmp_path: Path) -> None:
    mine = tmp_path / "mine.json"
    journal("export", "-f", "json", "--include-private", "-o", str(mine))
    data = json.loads(mine.read_text())
    for person in data["people"]:
        person.pop("public_key", None)
    mine.write_text(json.dumps(data))
    laptop = {"PEERLOG_HOME": str(tmp_path / "laptop")}
    result = journal("restore", str(mine), env=laptop)
    assert result.exit_code == 0, result.stderr
    assert "key" not in result.stdout
    assert _pair(journal, "sam", env=laptop)["key"] is None


def test_an_export_with_a_damaged_key_is_refused_naming_the_field(journal: Invoke, tmp_path: Path) -> None:
    mine = tmp_path / "mine.json"
    journal("export", "-f", "json", "--include-private", "-o", str(mine))
    data = json.loads(mine.read_text())
    code = data["people"][0]["public_key"]
    data["people"][0]["public_key"] = code[:-1] + ("a" if code[-1] != "a" else "b")
    mine.write_text(json.dumps(data))
    laptop = tmp_path / "laptop"
    result = journal("restore", str(mine), env={"PEERLOG_HOME": str(laptop)})
    refused_cleanly(result)
    assert "people[0].public_key" in result.stderr and "typo" in result.stderr
    assert not laptop.exists()


# ---------------------------------------------------------------- journals from before keys


def test_a_first_release_journal_gets_its_key_on_upgrade(invoke: Invoke, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(FIRST_RELEASE, old)
    assert invoke("--db", str(old), "log").exit_code == 0
    key = tmp_path / "old.db.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    identity = load_identity(old)
    assert identity is not None
    with sqlite3.connect(old) as db:
        assert db.execute("SELECT public_key FROM person WHERE is_self").fetchone() == (identity.public.code,)
        assert db.execute("SELECT count(*) FROM person WHERE public_key IS NOT NULL").fetchone() == (1,)
    before = key.read_bytes()
    assert invoke("--db", str(old), "id").exit_code == 0
    assert key.read_bytes() == before


def test_an_upgrade_that_cannot_make_the_key_still_opens_the_journal(invoke: Invoke, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(FIRST_RELEASE, old)
    (tmp_path / "old.db.key").mkdir()  # something that is not a key stands at its name
    result = invoke("--db", str(old), "log")
    assert result.exit_code == 0, result.stderr
    refused = invoke("--db", str(old), "id")
    assert refused.exit_code == 1 and "is a folder, not a regular file" in refused.stderr


# ---------------------------------------------------------------- doctor


def test_doctor_notes_a_missing_key_kindly_and_an_unsafe_one_as_a_problem(
    journal: Invoke, home: Path
) -> None:
    key = home / "peerlog.db.key"
    report = json.loads(journal("doctor", "--json").stdout)
    assert not any("key" in f["what"] for f in report["findings"])
    key.chmod(0o640)
    report = json.loads(journal("doctor", "--json").stdout)
    (found,) = [f for f in report["findings"] if "key file" in f["what"]]
    assert found["level"] == "problem" and f"chmod 600 {key}" in found["todo"]
    key.unlink()
    report = json.loads(journal("doctor", "--json").stdout)
    (found,) = [f for f in report["findings"] if "no key yet" in f["what"]]
    assert found["level"] == "note" and "peerlog id" in found["todo"]
    assert not key.exists()  # the doctor only looks
