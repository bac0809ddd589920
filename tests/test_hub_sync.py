"""Members of a programme hub: journals in separate homes join one hub, pair through it and sync for weeks.

A real PostgreSQL server (PEERLOG_TEST_PG); each test gets a fresh hub from the `hub_db` fixture and drops it
afterwards. The hub's own rules (who may read and write what) are tested from the server's side in
tests/test_hub_schema.py; here everything goes through what a member runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from hub_support import HubDb
from peerlog.cli import app
from support import counts

pytestmark = pytest.mark.hub

SECRET = "private-sentinel-9d41-never-leaves"
SCRIPT = Path(sys.executable).with_name("peerlog")


@dataclass
class Person:
    """One member's own machine: a journal in its own home."""

    name: str
    home: Path

    def __call__(self, *args: str) -> Result:
        env = {"PEERLOG_HOME": str(self.home), "PEERLOG_DB": None, "PEERLOG_DEBUG": None, "COLUMNS": "200"}
        return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def notes(self) -> list[str]:
        return [e["note"] for e in json.loads(self.ok("log", "--json", "--limit", "1000"))]

    def sync(self) -> str:
        return self.ok("sync")

    def one_line(self, *args: str) -> str:
        """A refusal: exit 1, one line on stderr, no traceback."""
        result = self(*args)
        assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]


class Programme:
    """The admin's side, as the tests need it: `hub invite` and `hub remove` through the CLI, and a look at the
    server itself as its superuser."""

    def __init__(self, hub: HubDb, admin_home: Path) -> None:
        self.hub, self.admin_home = hub, admin_home
        self.roles: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def _admin(self, *args: str) -> str:
        env = {"PEERLOG_HOME": str(self.admin_home), "PEERLOG_DB": None, "PEERLOG_HUB_URL": None}
        result = CliRunner().invoke(app, [*args, "--url", self.hub.url], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    def invite(self, name: str, *, coordinator: bool = False) -> str:
        """The code in the line `hub invite` prints for the person to run."""
        extra = ["--coordinator"] if coordinator else []
        invited = json.loads(self._admin("hub", "invite", name, *extra, "--json"))
        self.roles[name] = invited["role"]
        self.codes[name] = invited["join"].removeprefix("peerlog hub join ")
        return self.codes[name]

    def remove(self, name: str) -> None:
        self._admin("hub", "remove", name)

    def admin(self) -> Any:
        return self.hub.connect(autocommit=True)

    def role_of(self, name: str) -> str:
        return self.roles[name]

    def terminate(self, name: str) -> None:
        """End every connection of `name`'s, as a network fault would."""
        with self.admin() as conn:
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s",
                (self.roles[name],),
            )

    @contextmanager
    def holding_sync_lock(self, name: str) -> Iterator[None]:
        """What a sync on another device of `name`'s holds on the hub while it runs."""
        from peerlog.hubclient import Hub, decode

        with Hub(decode(self.codes[name])) as hub, hub.only_device():
            yield


@pytest.fixture
def programme(hub_db: HubDb, tmp_path: Path) -> Programme:
    return Programme(hub_db, tmp_path / "hub-admin-home")


@pytest.fixture
def people(tmp_path: Path, programme: Any) -> Callable[[str], Person]:
    """`people("Ana")`: a journal of Ana's own, started, invited by the admin and joined to the hub."""

    def make(name: str) -> Person:
        person = Person(name, tmp_path / f"{name.lower()}-home")
        person.ok("init", "--name", name)
        joined = person.ok("hub", "join", programme.invite(name))
        assert f"as {name}" in joined
        return person

    return make


def _pair(a: Person, b: Person) -> None:
    """Each adds the other through the hub, as two members do."""
    for me, them in ((a, b), (b, a)):
        out = me.ok("pair", "add", them.name, "--hub")
        fingerprint = json.loads(them.ok("id", "--json"))["fingerprint"]
        assert f"{them.name}'s fingerprint: {fingerprint}" in out


# ---------------------------------------------------------------- a programme over several weeks


def test_three_members_pair_through_the_hub_and_share_for_weeks(
    people: Callable[[str], Person], programme: Programme, tmp_path: Path
) -> None:
    ana, sam, kai = people("Ana"), people("Sam"), people("Kai")
    _pair(ana, sam)
    _pair(ana, kai)
    assert "Pairs through the hub: Kai, Sam." in ana.ok("hub", "status")
    for week in (3, 2, 1):
        ana.ok(
            "checkin",
            "--pair",
            "sam",
            "--note",
            f"with Sam, week -{week}",
            "--shared",
            "--at",
            f"{week * 7}d",
        )
        ana.ok("checkin", "--pair", "sam", "--note", f"{SECRET} {week}", "--at", f"{week * 7}d")
        ana.ok(
            "checkin",
            "--pair",
            "kai",
            "--note",
            f"with Kai, week -{week}",
            "--shared",
            "--at",
            f"{week * 7}d",
        )
        sam.ok(
            "checkin",
            "--pair",
            "ana",
            "--note",
            f"Sam back, week -{week}",
            "--shared",
            "--at",
            f"{week * 7 - 1}d",
        )
        assert sam.sync() == "With Ana (hub): sent 1 entry.\n"
        ana_out = ana.sync()
        assert "With Sam (hub): sent 1 entry; received 1 entry." in ana_out
        assert "With Kai (hub): sent 1 entry." in ana_out
        assert sam.sync() == "With Ana (hub): received 1 entry.\n"
        assert kai.sync() == "With Ana (hub): received 1 entry.\n"
    assert sorted(sam.notes()) == sorted(
        [f"with Sam, week -{w}" for w in (1, 2, 3)] + [f"Sam back, week -{w}" for w in (1, 2, 3)]
    )
    assert sorted(kai.notes()) == sorted(f"with Kai, week -{w}" for w in (1, 2, 3))
    assert not any(SECRET in note for person in (sam, kai) for note in person.notes())
    # Nothing is left in flight, and a quiet sync says so.
    assert "With Sam (hub): nothing new either way." in ana.sync()
    assert "Last sync:" in ana.ok("hub", "status") and "not yet" not in ana.ok("hub", "status")
    # The coordinator sees that both pairs met in each of those weeks: counts of days, nothing else.
    lee = Person("Lee", tmp_path / "lee-home")
    lee.ok("init", "--name", "Lee")
    assert "coordinator" in lee.ok("hub", "join", programme.invite("Lee", coordinator=True))
    report = json.loads(lee.ok("hub", "report", "--weeks", "6", "--json"))
    weeks_met: dict[str, set[str]] = {}
    for row in report["spaces"]:
        assert row["kind"] == "pair"
        weeks_met.setdefault(row["space"], set()).add(row["week"])
    assert len(weeks_met) == 2
    assert all(len(weeks) >= 3 for weeks in weeks_met.values()), weeks_met
    assert "as a coordinator" in lee.one_line("sync")
    refused = lee("pair", "add", "Ana", "--hub")
    assert refused.exit_code == 2 and "as a coordinator" in refused.stderr


def test_a_circle_meets_through_the_hub(people: Callable[[str], Person], programme: Programme) -> None:
    ana, sam, kai = people("Ana"), people("Sam"), people("Kai")
    _pair(ana, sam)
    _pair(ana, kai)
    ana.ok("group", "add", "Circle", "-m", "Sam", "-m", "Kai")
    assert "Circle syncs through your programme hub" in ana.ok("group", "set", "Circle", "--hub")
    ana.ok("checkin", "--group", "Circle", "--note", "circle, week one", "--shared", "--at", "14d")
    ana.ok("checkin", "--group", "Circle", "--note", SECRET, "--at", "14d")
    assert "With Circle (hub): sent 1 entry to Kai and Sam." in ana.sync()
    # Sam and Kai meet the circle in its first bundle, and it syncs back through the hub from then on.
    for member in (sam, kai):
        assert "With Circle (hub): received 1 entry." in member.sync()
        assert member.notes() == ["circle, week one"]
    assert "Groups through the hub: Circle." in sam.ok("hub", "status")
    sam.ok("checkin", "--group", "Circle", "--note", "Sam in the circle", "--shared", "--at", "7d")
    assert "With Circle (hub): sent 1 entry to Ana and Kai." in sam.sync()
    for member in (ana, kai):
        assert "With Circle (hub): received 1 entry." in member.sync()
        assert "Sam in the circle" in member.notes()
    assert not any(SECRET in note for member in (sam, kai) for note in member.notes())
    with programme.admin() as conn:
        circles = conn.execute("select count(*) from peerlog_hub.space where kind = 'circle'").fetchone()
    assert circles == (1,)


def test_edits_and_removals_travel_through_the_hub(people: Callable[[str], Person]) -> None:
    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    for note in ("kept", "edited", "deleted"):
        ana.ok("checkin", "--pair", "sam", "--note", note, "--shared")
    ana.sync()
    sam.sync()
    ids = {e["note"]: e["id"] for e in json.loads(ana.ok("log", "--json"))}
    ana.ok("edit", ids["edited"], "--note", "edited again")
    ana.ok("delete", ids["deleted"], "--yes")
    assert "With Sam (hub): sent 1 entry and 1 removal." in ana.ok("sync", "--pair", "sam")
    assert "removed as Ana asked" in sam.sync()
    assert sorted(sam.notes()) == ["edited again", "kept"]


def test_private_entries_never_reach_the_mailbox_and_others_cannot_open_it(
    people: Callable[[str], Person], programme: Any
) -> None:
    from peerlog.errors import BundleNotForYouError
    from peerlog.identity import load_identity
    from peerlog.sealing import unseal

    ana, sam, kai = people("Ana"), people("Sam"), people("Kai")
    _pair(ana, sam)
    ana.ok("checkin", "--pair", "sam", "--note", "shared words", "--shared")
    ana.ok("checkin", "--pair", "sam", "--note", SECRET)
    ana.sync()
    with programme.admin() as conn:
        rows = conn.execute(
            "select m.role, x.body from peerlog_hub.mailbox x join peerlog_hub.member m on m.num = x.recipient"
        ).fetchall()
    assert [r[0] for r in rows] == [programme.role_of("Sam")]
    body = bytes(rows[0][1])
    for plain in (SECRET, "shared words", "Ana", "Sam"):
        assert plain.encode() not in body
    kai_key = load_identity(kai.home / "peerlog.db")
    assert kai_key is not None
    with pytest.raises(BundleNotForYouError):
        unseal(iter_bytes(body), signing_key=kai_key.signing_key).plaintext()
    sam_key = load_identity(sam.home / "peerlog.db")
    assert sam_key is not None
    opened = b"".join(unseal(iter_bytes(body), signing_key=sam_key.signing_key).plaintext())
    assert b"shared words" in opened and SECRET.encode() not in opened


def iter_bytes(body: bytes) -> Any:
    from io import BytesIO

    return BytesIO(body)


def test_a_bundle_from_someone_not_paired_yet_waits_on_the_hub(people: Callable[[str], Person]) -> None:
    ana, sam = people("Ana"), people("Sam")
    ana.ok("pair", "add", "Sam", "--hub")
    ana.ok("checkin", "--pair", "sam", "--note", "before Sam paired", "--shared")
    ana.sync()
    waiting = sam("sync")
    assert waiting.exit_code == 1
    assert "waits on the hub" in waiting.stdout
    sam.ok("pair", "add", "Ana", "--hub")
    assert "With Ana (hub): received 1 entry." in sam.sync()
    assert sam.notes() == ["before Sam paired"]


def test_pair_set_hub_moves_an_existing_pair_onto_the_hub(people: Callable[[str], Person]) -> None:
    ana, sam = people("Ana"), people("Sam")
    ana.ok("pair", "add", "Sam")
    ana.ok("checkin", "--pair", "sam", "--note", "from before the hub", "--shared")
    refused = ana("pair", "add", "Sam", "--hub")
    assert refused.exit_code == 2 and 'pair set "Sam" --hub' in refused.stderr
    out = ana.ok("pair", "set", "Sam", "--hub")
    assert "Sam's fingerprint:" in out and "syncs through your programme hub" in out
    sam.ok("pair", "add", "Ana", "--hub")
    ana.sync()
    assert "received 1 entry" in sam.sync()
    assert sam.notes() == ["from before the hub"]


def test_someone_not_in_the_directory_is_one_line(people: Callable[[str], Person]) -> None:
    ana = people("Ana")
    result = ana("pair", "add", "Nobody", "--hub")
    assert result.exit_code == 2 and "No one called 'Nobody'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_joining_again_is_fine_and_a_second_journal_with_another_key_is_refused(
    people: Callable[[str], Person], programme: Programme, tmp_path: Path
) -> None:
    ana = people("Ana")
    assert "again" in ana.ok("hub", "join", programme.codes["Ana"])
    other = Person("Ana", tmp_path / "anas-new-journal")
    other.ok("init", "--name", "Ana")
    line = other.one_line("hub", "join", programme.codes["Ana"])
    assert "another key" in line and "invite you again" in line
    assert not (other.home / "peerlog.db.hub").exists()


def test_commands_that_need_a_hub_say_how_to_join(tmp_path: Path) -> None:
    loner = Person("Lee", tmp_path / "lee-home")
    loner.ok("init", "--name", "Lee")
    assert "has not joined a programme hub" in loner.ok("hub", "status")
    line = loner.one_line("pair", "add", "Sam", "--hub")
    assert "hub join" in line
    refused = loner("hub", "join", "plhub1not-a-code")
    assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1


def test_the_hub_settings_are_owner_only_and_never_an_export_target(people: Callable[[str], Person]) -> None:
    ana = people("Ana")
    settings = ana.home / "peerlog.db.hub"
    assert settings.stat().st_mode & 0o777 == 0o600
    refused = ana("export", "--format", "json", "--output", str(settings), "--force")
    assert refused.exit_code == 2 and "your hub settings" in refused.stderr
    settings.chmod(0o644)
    assert "read or changed by others" in ana.one_line("sync")


# ---------------------------------------------------------------- watching


def _watch(person: Person) -> subprocess.Popen[str]:
    """`peerlog sync --watch` in a process of its own, once it says it is watching."""
    env = {**os.environ, "PEERLOG_HOME": str(person.home), "COLUMNS": "200"}
    env.pop("PEERLOG_DB", None)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "peerlog", "sync", "--watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert watcher.stdout is not None
    assert "Watching your sync folders and your hub" in watcher.stdout.readline()
    assert "(hub): nothing new either way." in watcher.stdout.readline()  # its first pass
    return watcher


@pytest.mark.slow
def test_sync_watch_sees_a_peers_entry_within_moments(people: Callable[[str], Person]) -> None:
    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    watcher = _watch(sam)
    try:
        ana.ok("checkin", "--pair", "sam", "--note", "while Sam watches", "--shared")
        ana.sync()
        # Generous: the notification or the one-second poll brings it; this only proves it comes unasked.
        deadline = time.monotonic() + 20
        while "while Sam watches" not in sam.notes() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "while Sam watches" in sam.notes()
    finally:
        watcher.send_signal(signal.SIGINT)
        rest, errors = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, errors
    assert "With Ana (hub): received 1 entry." in rest
    assert errors == ""


class Proxy:
    """A TCP relay in front of the server, to pull the plug on a member's connection and put it back."""

    def __init__(self, host: str, port: int) -> None:
        import socket

        self.target = (host, port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: Any = None
        self.open_sockets: list[Any] = []

    def start(self) -> None:
        import socket
        import threading

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener

        def pump(source: Any, sink: Any) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

        def accept() -> None:
            while True:
                try:
                    client, _ = listener.accept()
                except OSError:
                    return
                server = socket.create_connection(self.target)
                self.open_sockets += [client, server]
                for a, b in ((client, server), (server, client)):
                    threading.Thread(target=pump, args=(a, b), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and cut the open ones, as a network that goes away would."""
        import socket

        self.listener.close()
        for end in self.open_sockets:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
        self.open_sockets = []


@pytest.mark.slow
def test_a_watch_rides_out_a_hub_that_goes_away_and_comes_back(people: Callable[[str], Person]) -> None:
    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    settings = sam.home / "peerlog.db.hub"
    kept = json.loads(settings.read_text())
    proxy = Proxy(kept["host"], kept["port"])
    proxy.start()
    settings.write_text(json.dumps(kept | {"host": "127.0.0.1", "port": proxy.port}))
    watcher = _watch(sam)
    assert watcher.stdout is not None
    try:
        proxy.stop()
        said = watcher.stdout.readline()
        assert said.startswith("Hub: ") and "Still watching" in said, said
        proxy.start()
        assert watcher.stdout.readline() == "Hub: back in touch.\n"
        ana.ok("checkin", "--pair", "sam", "--note", "after the outage", "--shared")
        ana.sync()
        assert watcher.stdout.readline() == "With Ana (hub): received 1 entry.\n"
    finally:
        watcher.send_signal(signal.SIGINT)
        _rest, errors = watcher.communicate(timeout=30)
        proxy.stop()
    assert watcher.returncode == 0, errors
    assert sam.notes() == ["after the outage"]


@pytest.mark.slow
def test_a_watch_ends_with_one_line_when_the_member_is_removed(
    people: Callable[[str], Person], programme: Programme
) -> None:
    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    watcher = _watch(sam)
    try:
        programme.remove("Sam")
        _out, errors = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 1
    assert "Traceback" not in errors
    assert len(errors.strip().splitlines()) == 1 and "no longer lets Sam in" in errors


def test_a_watcher_is_woken_by_the_hub_when_a_bundle_arrives(people: Callable[[str], Person]) -> None:
    """Not only the one-second poll: the hub's notification wakes a waiting watcher."""
    import threading

    from peerlog.hubclient import Hub, read_settings

    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    settings = read_settings(sam.home / "peerlog.db")
    assert settings is not None
    woken: list[bool] = []
    with Hub(settings) as hub:
        assert hub.wait(0.01) is False  # listening now; nothing has come
        waiter = threading.Thread(target=lambda: woken.append(hub.wait(30)))
        waiter.start()
        ana.ok("checkin", "--pair", "sam", "--note", "wake up", "--shared")
        ana.sync()
        waiter.join(60)
    assert woken == [True]


# ---------------------------------------------------------------- faults


def test_an_unreachable_hub_is_one_line_and_the_next_sync_sends_everything(
    people: Callable[[str], Person],
) -> None:
    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    ana.ok("checkin", "--pair", "sam", "--note", "sent when the hub is back", "--shared")
    settings = ana.home / "peerlog.db.hub"
    good = settings.read_text()
    broken = json.loads(good) | {"port": 1}
    settings.write_text(json.dumps(broken))
    before = counts(ana.home)
    line = ana.one_line("sync")
    assert "cannot be reached" in line and "unchanged" in line
    assert counts(ana.home) == before
    settings.write_text(good)
    assert "sent 1 entry" in ana.sync()
    assert "received 1 entry" in sam.sync()
    assert sam.notes() == ["sent when the hub is back"]


def _fill_mailbox(ana: Person, sam: Person, how_many: int) -> list[str]:
    notes = [f"note {n}" for n in range(how_many)]
    for note in notes:
        ana.ok("checkin", "--pair", "sam", "--note", note, "--shared")
        ana.sync()  # one bundle each
    return notes


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of two rows, so a handful of bundles spans several pages."""
    monkeypatch.setattr("peerlog.hubclient.PAGE", 2)


def _after_first_page(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    from peerlog import hubclient

    real = hubclient.Hub.page
    calls = [0]

    def page(self: hubclient.Hub, after: int) -> list[tuple[int, str, bytes]]:
        calls[0] += 1
        if calls[0] == 2:
            action()
        return real(self, after)

    monkeypatch.setattr(hubclient.Hub, "page", page)


def _sync_cut_after_first_page(
    people: Callable[[str], Person], monkeypatch: pytest.MonkeyPatch, action: Callable[[], None], bundles: int
) -> tuple[Person, Person, list[str], str]:
    """Ana sends Sam `bundles` bundles; Sam's sync meets `action` after the first page of two. Returns
    Ana, Sam, the notes sent and the one line Sam's sync ended with; the first page is in, whole."""
    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    notes = _fill_mailbox(ana, sam, bundles)
    _after_first_page(monkeypatch, action)
    line = sam.one_line("sync")
    assert sorted(sam.notes()) == notes[:2]
    return ana, sam, notes, line


def test_a_connection_dropped_between_pages_is_one_line_and_nothing_arrives_twice(
    people: Callable[[str], Person], programme: Any, small_pages: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ana, sam, notes, line = _sync_cut_after_first_page(
        people, monkeypatch, lambda: programme.terminate("Sam"), 5
    )
    assert "dropped during the sync" in line
    monkeypatch.undo()
    monkeypatch.setattr("peerlog.hubclient.PAGE", 2)
    assert "received 3 entries" in sam.sync()
    assert sorted(sam.notes()) == notes
    assert "nothing new either way" in sam.sync()
    with programme.admin() as conn:
        assert conn.execute("select count(*) from peerlog_hub.mailbox").fetchone() == (0,)


def test_a_push_whose_answer_was_lost_is_sent_again_and_lands_once(
    people: Callable[[str], Person], programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerlog import hubclient

    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    ana.ok("checkin", "--pair", "sam", "--note", "landed once", "--shared")
    real = hubclient.Hub.send

    def send_then_drop(self: hubclient.Hub, *args: Any) -> None:
        real(self, *args)  # the hub has it; the answer never comes back
        programme.terminate("Ana")
        with self.talking() as conn:
            conn.execute("select 1")

    monkeypatch.setattr(hubclient.Hub, "send", send_then_drop)
    assert "dropped during the sync" in ana.one_line("sync")
    monkeypatch.undo()
    assert "sent 1 entry" in ana.sync()  # not marked as sent, so it goes again
    assert "received 1 entry" in sam.sync()
    assert sam.notes() == ["landed once"]
    assert "nothing new either way" in sam.sync()


def test_a_member_removed_while_syncing_is_told_once_and_keeps_what_arrived(
    people: Callable[[str], Person], programme: Any, small_pages: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, sam, _notes, line = _sync_cut_after_first_page(
        people, monkeypatch, lambda: programme.remove("Sam"), 4
    )
    assert "no longer lets Sam in" in line
    before = counts(sam.home)
    assert "no longer lets Sam in" in sam.one_line("sync")
    assert counts(sam.home) == before
    # Ana's next entry for Sam has nowhere to go, and says so.
    ana.ok("checkin", "--pair", "sam", "--note", "after Sam left", "--shared")
    result = ana("sync")
    assert result.exit_code == 1
    assert "With Sam (hub): Sam is not in the hub's directory" in result.stdout
    assert "nothing was sent to them" in result.stdout


def test_two_devices_of_one_member_syncing_at_once(
    people: Callable[[str], Person], programme: Any, tmp_path: Path
) -> None:
    """A copy of Sam's journal on a second device: while one syncs, the other is told and does nothing;
    afterwards every entry is in, once."""
    import shutil

    ana, sam = people("Ana"), people("Sam")
    _pair(ana, sam)
    laptop = Person("Sam", tmp_path / "sams-laptop")
    shutil.copytree(sam.home, laptop.home)
    ana.ok("checkin", "--pair", "sam", "--note", "one", "--shared")
    ana.sync()
    with programme.holding_sync_lock("Sam"):
        before = counts(laptop.home)
        line = laptop.one_line("sync")
        assert "Another device of yours is syncing" in line
        assert counts(laptop.home) == before
    assert "received 1 entry" in laptop.sync()
    assert laptop.notes() == ["one"]
    # The hub handed the bundle to the device that took it: the other one is told nothing new.
    assert "nothing new either way" in sam.sync()


@pytest.mark.slow
def test_the_console_script_joins_and_syncs(
    programme: Any, people: Callable[[str], Person], tmp_path: Path
) -> None:
    script = str(SCRIPT)
    home = tmp_path / "noor-home"
    env = {**os.environ, "PEERLOG_HOME": str(home)}
    env.pop("PEERLOG_DB", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script, *args], capture_output=True, text=True, env=env, timeout=60, check=False
        )

    ana = people("Ana")
    assert run("init", "--name", "Noor").returncode == 0
    joined = run("hub", "join", programme.invite("Noor"))
    assert joined.returncode == 0, joined.stderr
    assert "You joined the hub" in joined.stdout
    assert run("pair", "add", "Ana", "--hub").returncode == 0
    ana.ok("pair", "add", "Noor", "--hub")
    ana.ok("checkin", "--pair", "noor", "--note", "hello Noor", "--shared")
    ana.sync()
    synced = run("sync")
    assert synced.returncode == 0, synced.stderr
    assert "With Ana (hub): received 1 entry." in synced.stdout
