"""The programme hub's server side, on a real PostgreSQL: the database itself keeps each member to their own
mail and the coordinator to counts, whoever connects and with whatever client (psycopg or `psql`).

Every test gets a fresh database made by `peerlog hub init` (tests/hub_support.py); people are invited
through the CLI, as an admin does, and then connect as their own roles and try what they must not.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from hub_support import HubDb, drop_hub, made_hub, with_dbname
from peerlog.errors import InputError
from peerlog.hubcodes import decode_join, encode_join
from support import Invoke

pytestmark = pytest.mark.hub

# As hubclient pages: "addressed to me" is the read policy's (the caller's member number, found once by an
# initplan), so the query itself says only where to carry on.
PAGE_QUERY = "select seq, bundle_id, body from peerlog_hub.mailbox where seq > %s order by seq limit 100"


def bundle(label: str) -> uuid.UUID:
    """A bundle id a test can name (a journal's are uuid4, and the mailbox keeps them as uuid)."""
    return uuid.uuid5(uuid.NAMESPACE_OID, label)


@dataclass
class Programme:
    hub: HubDb
    roles: dict[str, str]
    pair: Any  # the space uuid of Ana and Sam
    connections: list[Any]
    nums: dict[str, int] = field(default_factory=dict)  # member.num, what the mailbox holds

    def connect(self, name: str) -> Any:
        import psycopg

        conn = psycopg.connect(self.hub.url_as(self.roles[name]), autocommit=True)
        self.connections.append(conn)
        return conn

    def send(
        self, sender: Any, space: Any, to: str, bundle_id: str | None = None, body: bytes = b"x"
    ) -> None:
        sender.execute(
            "insert into peerlog_hub.mailbox (space_id, recipient, bundle_id, body) values (%s, %s, %s, %s)",
            (space, self.nums[to], bundle(bundle_id) if bundle_id else uuid.uuid4(), body),
        )


def invite(invoke: Invoke, hub: HubDb, name: str, *extra: str) -> str:
    """Invite through the CLI and return the new role, read back from the join line it printed."""
    result = invoke("hub", "invite", name, *extra, env={"PEERLOG_HUB_URL": hub.url})
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("peerlog hub join "))
    return decode_join(line.split()[-1]).role


@pytest.fixture
def programme(hub_db: HubDb, invoke: Invoke) -> Iterator[Programme]:
    """Ana and Sam in a pair, Kim a member in no pair with them, Cora a coordinator; keys registered."""
    roles = {name: invite(invoke, hub_db, name) for name in ("Ana", "Sam", "Kim")}
    roles["Cora"] = invite(invoke, hub_db, "Cora", "--coordinator")
    p = Programme(hub=hub_db, roles=roles, pair=None, connections=[])
    for name in ("Ana", "Sam", "Kim"):
        p.connect(name).execute("select peerlog_hub.hub_register_key(%s)", (f"key-of-{name}",))
    p.pair = p.connect("Ana").execute("select peerlog_hub.hub_open_pair(%s)", (roles["Sam"],)).fetchone()[0]
    with hub_db.connect() as conn:
        by_role = dict(conn.execute("select role, num from peerlog_hub.member").fetchall())
    p.nums = {name: by_role[role] for name, role in roles.items()}
    try:
        yield p
    finally:
        for conn in p.connections:
            conn.close()


def psql(hub: HubDb, role: str, command: str) -> subprocess.CompletedProcess[str]:
    """The real `psql`, connected as `role`: what a curious member would reach for."""
    binary = shutil.which("psql")
    if binary is None:
        pytest.skip("the psql client is not installed")
    return subprocess.run(
        [binary, "-d", hub.url_as(role), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# ---------------------------------------------------------------- init, invite, remove


def test_init_twice_changes_nothing_and_says_so(hub_db: HubDb, invoke: Invoke) -> None:
    with hub_db.connect() as conn:
        before = conn.execute("select name, applied_at from peerlog_hub.migrations").fetchall()
    result = invoke("hub", "init", hub_db.url)
    assert result.exit_code == 0, result.output
    assert f"Hub {hub_db.hub_id} is already set up and up to date; nothing was changed." in result.stdout
    with hub_db.connect() as conn:
        assert conn.execute("select name, applied_at from peerlog_hub.migrations").fetchall() == before
        assert conn.execute("select value from peerlog_hub.hub_meta where key = 'hub_id'").fetchone() == (
            hub_db.hub_id,
        )


def test_init_keeps_the_address_so_later_commands_need_no_url(hub_db: HubDb, invoke: Invoke) -> None:
    assert invoke("hub", "init", hub_db.url).exit_code == 0
    result = invoke("hub", "invite", "Ana")
    assert result.exit_code == 0, result.output
    assert "peerlog hub join plhub1" in result.stdout
    assert "Ana" in invoke("hub", "members").stdout


def test_the_join_line_lets_exactly_that_person_in(programme: Programme) -> None:
    with programme.connect("Ana") as conn:
        assert conn.execute("select current_user").fetchone() == (programme.roles["Ana"],)
        names = [row[0] for row in conn.execute("select name from peerlog_hub.hub_directory()")]
    assert names == ["Ana", "Kim", "Sam"]  # the coordinator is not in the members' directory


def test_an_unreachable_server_is_one_line_and_exit_1(invoke: Invoke) -> None:
    result = invoke("hub", "init", "postgresql://nobody@127.0.0.1:1/nothing")
    assert result.exit_code == 1
    assert result.stderr.startswith("peerlog: Cannot reach the hub at 127.0.0.1:1/nothing")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "command",
    [
        ["hub", "init", "postgresql://admin@127.0.0.1/programme"],
        ["hub", "invite", "Ana", "--url", "postgresql://admin@127.0.0.1/programme"],
        ["hub", "remove", "Ana", "--url", "postgresql://admin@127.0.0.1/programme"],
        ["hub", "report", "--url", "postgresql://admin@127.0.0.1/programme"],
        ["hub", "join", "JOIN"],
    ],
    ids=["init", "invite", "remove", "report", "join"],
)
def test_without_the_driver_every_hub_command_says_how_to_install_it(
    invoke: Invoke, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    # `pip install peerlog` leaves psycopg out; the hub's commands, the admin's and the members' alike, say
    # so in one line instead of failing with an unexpected error.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    code = encode_join(
        host="127.0.0.1",
        port=5432,
        dbname="programme",
        role="plh_x_ana",
        password="p",
        hub_id="abcd1234",
        name="Ana",
    )
    # A member joins from their own journal; the admin's commands need none.
    run: Invoke = request.getfixturevalue("journal") if "JOIN" in command else invoke
    result = run(*[code if part == "JOIN" else part for part in command])
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "peerlog: The hub needs the PostgreSQL driver, which is not installed with this peerlog. "
        "Install it with `pip install 'peerlog[hub]'`.\n"
    )


def test_an_address_that_is_not_one_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("hub", "init", "not a url = = =")
    assert result.exit_code == 2
    assert "not a PostgreSQL address" in result.stderr


def test_a_role_that_cannot_create_roles_cannot_start_a_hub_and_nothing_is_made(
    pg_server: str, invoke: Invoke
) -> None:
    import psycopg
    from psycopg import sql

    dbname, role = f"peerlog_test_{uuid.uuid4().hex[:12]}", f"plh_noadmin_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("create role {} login").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("grant all on database {} to {}").format(sql.Identifier(dbname), sql.Identifier(role))
        )
    try:
        result = invoke("hub", "init", with_dbname(pg_server, dbname, user=role))
        assert result.exit_code == 1
        assert "cannot create roles" in result.stderr
        with psycopg.connect(with_dbname(pg_server, dbname)) as conn:
            assert conn.execute("select to_regnamespace('peerlog_hub')").fetchone() == (None,)
    finally:
        drop_hub(pg_server, dbname, None)
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))


def test_inviting_a_name_twice_is_refused_and_makes_no_role(hub_db: HubDb, invoke: Invoke) -> None:
    invite(invoke, hub_db, "Ana")
    with hub_db.connect() as conn:
        before = conn.execute(
            "select count(*) from pg_roles where rolname like %s", (f"plh_{hub_db.hub_id}_%",)
        )
        count = before.fetchone()
    result = invoke("hub", "invite", "ana", env={"PEERLOG_HUB_URL": hub_db.url})
    assert result.exit_code == 2
    assert "ana is already invited to this hub; nothing was changed." in result.stderr
    with hub_db.connect() as conn:
        after = conn.execute(
            "select count(*) from pg_roles where rolname like %s", (f"plh_{hub_db.hub_id}_%",)
        )
        assert after.fetchone() == count


def test_removing_an_unknown_name_says_so(hub_db: HubDb, invoke: Invoke) -> None:
    result = invoke("hub", "remove", "Nobody", env={"PEERLOG_HUB_URL": hub_db.url})
    assert result.exit_code == 2
    assert "No current member of this hub is called Nobody; nothing was changed." in result.stderr


def test_admin_commands_on_a_database_without_a_hub_say_there_is_none(pg_server: str, invoke: Invoke) -> None:
    result = invoke("hub", "members", env={"PEERLOG_HUB_URL": pg_server})
    assert result.exit_code == 1
    assert "There is no programme hub in this database yet" in result.stderr


def test_a_removed_member_is_locked_out_and_history_stays(programme: Programme, invoke: Invoke) -> None:
    import psycopg

    sam = programme.connect("Sam")
    programme.send(sam, programme.pair, "Ana")
    programme.send(programme.connect("Ana"), programme.pair, "Sam")
    watching = programme.connect("Sam")  # an open session, e.g. `sync --watch`

    result = invoke("hub", "remove", "sam", env={"PEERLOG_HUB_URL": programme.hub.url})
    assert result.exit_code == 0, result.output
    assert "Sam can no longer use this hub" in result.stdout
    assert "1 unread change set(s) deleted" in result.stdout

    with pytest.raises(psycopg.OperationalError):  # the open session was ended
        watching.execute("select 1")
    with pytest.raises(psycopg.OperationalError):  # and no new one starts
        psycopg.connect(programme.hub.url_as(programme.roles["Sam"]), connect_timeout=5).close()
    with programme.hub.connect() as conn:
        assert conn.execute(
            "select count(*) from peerlog_hub.mailbox where recipient = %s", (programme.nums["Sam"],)
        ).fetchone() == (0,)
        assert conn.execute("select count(*) from peerlog_hub.activity").fetchone() == (2,)
    ana = programme.connect("Ana")
    assert [r[0] for r in ana.execute("select name from peerlog_hub.hub_directory()")] == ["Ana", "Kim"]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nobody can send to them any more
        programme.send(ana, programme.pair, "Sam")
    members = invoke("hub", "members", "--all", env={"PEERLOG_HUB_URL": programme.hub.url}).stdout
    assert "removed" in members


# ---------------------------------------------------------------- members, through psycopg


def test_a_member_reads_only_mail_addressed_to_them(programme: Programme) -> None:
    ana, sam, kim = (programme.connect(n) for n in ("Ana", "Sam", "Kim"))
    programme.send(ana, programme.pair, "Sam", "for-sam")
    programme.send(sam, programme.pair, "Ana", "for-ana")
    assert [r[0] for r in sam.execute("select bundle_id from peerlog_hub.mailbox")] == [bundle("for-sam")]
    assert [r[0] for r in ana.execute("select bundle_id from peerlog_hub.mailbox")] == [bundle("for-ana")]
    assert kim.execute("select count(*) from peerlog_hub.mailbox").fetchone() == (0,)
    # Asking for someone else's by number finds nothing: the policy is on every query, not only the plain one.
    assert ana.execute(
        "select count(*) from peerlog_hub.mailbox where recipient = %s", (programme.nums["Sam"],)
    ).fetchone() == (0,)


def test_a_member_cannot_send_as_someone_else_nor_outside_their_pairs(programme: Programme) -> None:
    import psycopg

    ana, kim = programme.connect("Ana"), programme.connect("Kim")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        ana.execute(
            "insert into peerlog_hub.mailbox (space_id, sender, recipient, bundle_id, body)"
            " values (%s, %s, %s, gen_random_uuid(), 'x')",
            (programme.pair, programme.nums["Sam"], programme.nums["Ana"]),
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # Kim shares no space with Sam
        programme.send(kim, programme.pair, "Sam")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nor with herself
        programme.send(kim, programme.pair, "Kim")


def test_a_member_cannot_change_or_delete_anyone_elses_mail(programme: Programme) -> None:
    import psycopg

    ana, sam = programme.connect("Ana"), programme.connect("Sam")
    programme.send(ana, programme.pair, "Sam", "kept")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        ana.execute("update peerlog_hub.mailbox set body = 'changed'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        sam.execute("update peerlog_hub.mailbox set body = 'changed'")
    assert ana.execute("delete from peerlog_hub.mailbox").rowcount == 0  # the sender cannot take it back
    assert programme.connect("Kim").execute("delete from peerlog_hub.mailbox").rowcount == 0
    assert [r[0] for r in sam.execute("select body from peerlog_hub.mailbox")] == [b"x"]
    assert sam.execute("delete from peerlog_hub.mailbox where seq <= %s", (10**9,)).rowcount == 1


def test_a_member_sees_their_own_row_only_and_no_other_table(programme: Programme) -> None:
    import psycopg

    ana = programme.connect("Ana")
    assert ana.execute("select name, public_key from peerlog_hub.member").fetchall() == [
        ("Ana", "key-of-Ana")
    ]
    for table in ("space", "space_member", "activity", "hub_meta", "migrations", "notify_clock"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            ana.execute(f"select * from peerlog_hub.{table}")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        ana.execute("select * from peerlog_hub.hub_participation('2020-01-01')")


def test_a_key_once_registered_cannot_be_swapped_nor_shared(programme: Programme, invoke: Invoke) -> None:
    import psycopg

    ana = programme.connect("Ana")
    ana.execute("select peerlog_hub.hub_register_key('key-of-Ana')")  # the same again is fine
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="another key"):
        ana.execute("select peerlog_hub.hub_register_key('a-new-key')")
    programme.roles["Lee"] = invite(invoke, programme.hub, "Lee")
    with pytest.raises(psycopg.errors.UniqueViolation):
        programme.connect("Lee").execute("select peerlog_hub.hub_register_key('key-of-Ana')")


def test_a_pair_is_one_space_whoever_opens_it_and_circles_hold_their_members(programme: Programme) -> None:
    import psycopg

    ana, sam, kim = (programme.connect(n) for n in ("Ana", "Sam", "Kim"))
    roles = programme.roles
    assert sam.execute("select peerlog_hub.hub_open_pair(%s)", (roles["Ana"],)).fetchone() == (
        programme.pair,
    )
    circle = ana.execute("select peerlog_hub.hub_open_circle(%s)", ([roles["Sam"]],)).fetchone()[0]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        programme.send(kim, circle, "Ana")
    assert sam.execute("select peerlog_hub.hub_open_circle(%s, %s)", ([roles["Kim"]], circle)).fetchone() == (
        circle,
    )
    programme.send(kim, circle, "Ana")  # Kim is in the circle now
    kim.execute("select peerlog_hub.hub_leave_space(%s)", (circle,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        programme.send(kim, circle, "Ana")
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        ana.execute("select peerlog_hub.hub_open_pair(%s)", (roles["Cora"],))


# ---------------------------------------------------------------- the coordinator


def test_the_coordinator_is_denied_content_and_gets_counts(programme: Programme, invoke: Invoke) -> None:
    import psycopg

    ana, sam = programme.connect("Ana"), programme.connect("Sam")
    programme.send(ana, programme.pair, "Sam")
    programme.send(sam, programme.pair, "Ana")
    sam.execute(
        "select peerlog_hub.hub_mark_session(%s, %s)", (programme.pair, date.today() - timedelta(days=7))
    )
    cora = programme.connect("Cora")
    for table in ("mailbox", "member", "space_member", "space", "activity"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            cora.execute(f"select * from peerlog_hub.{table}")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        cora.execute("select * from peerlog_hub.hub_directory()")
    rows = cora.execute(
        "select * from peerlog_hub.hub_participation(%s)", (date.today() - timedelta(days=30),)
    )
    counts = {(r[1], r[3], r[4]) for r in rows}
    assert ("pair", 1, 2) in counts  # this week: one day, both wrote
    assert ("pair", 1, 1) in counts  # a week ago: a session one of them marked

    code = encode_join(
        host="",
        port=1,
        dbname="",
        role=programme.roles["Cora"],
        password="-",
        hub_id=programme.hub.hub_id,
        name="Cora",
    )
    assert code.startswith("plhub1")
    report = invoke(
        "hub", "report", "--url", programme.hub.url_as(programme.roles["Cora"]), env={"COLUMNS": "80"}
    )
    assert report.exit_code == 0, report.output
    assert "Participation since" in report.stdout
    assert "pair " + str(programme.pair)[:8] in report.stdout
    assert all(len(line) <= 80 for line in report.stdout.splitlines())
    assert "x" not in report.stdout.split("Each pair")[1].replace("(active members)", "")  # no content


def test_a_member_cannot_see_the_report(programme: Programme, invoke: Invoke) -> None:
    result = invoke("hub", "report", "--url", programme.hub.url_as(programme.roles["Ana"]))
    assert result.exit_code == 1
    assert "Only the hub's coordinators and its admin can see participation counts." in result.stderr


# ---------------------------------------------------------------- members and coordinator, through psql


def test_psql_as_each_role_reaches_only_what_it_may(programme: Programme) -> None:
    hub, roles = programme.hub, programme.roles
    programme.send(programme.connect("Ana"), programme.pair, "Sam", "to-sam")

    def ok(role: str, command: str) -> str:
        done = psql(hub, roles[role], command)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def denied(role: str, command: str) -> str:
        done = psql(hub, roles[role], command)
        assert done.returncode != 0, done.stdout
        return done.stderr

    assert ok("Sam", "select bundle_id from peerlog_hub.mailbox") == str(bundle("to-sam"))
    assert ok("Ana", "select count(*) from peerlog_hub.mailbox") == "0"
    assert ok("Kim", "select count(*) from peerlog_hub.mailbox") == "0"
    assert ok("Kim", "delete from peerlog_hub.mailbox") == "DELETE 0"
    assert "permission denied" in denied("Ana", "update peerlog_hub.mailbox set body = 'x'")
    forged = (
        "insert into peerlog_hub.mailbox (space_id, sender, recipient, bundle_id, body)"
        f" values ('{programme.pair}', {programme.nums['Sam']}, {programme.nums['Ana']}, gen_random_uuid(), 'x')"
    )
    assert "row-level security" in denied("Ana", forged)
    assert "permission denied" in denied("Ana", "set role postgres")
    assert ok("Ana", "select count(*) from peerlog_hub.member") == "1"
    for table in ("mailbox", "member", "space_member"):
        assert "permission denied" in denied("Cora", f"select * from peerlog_hub.{table}")
    assert ok(
        "Cora", "select kind, sessions, active_members from peerlog_hub.hub_participation('2020-01-01')"
    ) == ("pair|1|1")
    assert ok("Sam", "select bundle_id from peerlog_hub.mailbox") == str(
        bundle("to-sam")
    )  # nothing changed it


# ---------------------------------------------------------------- plans and notifications


def test_the_page_query_as_a_member_is_an_index_scan(programme: Programme) -> None:
    with programme.hub.connect() as conn:
        # 40,000 change sets in flight for 40 recipients: Sam has a backlog of 1,000, ten pages.
        conn.execute(
            """insert into peerlog_hub.mailbox (space_id, sender, recipient, bundle_id, body)
               select %s, %s, case when i %% 40 = 0 then %s else 100000 + (i %% 39) end, gen_random_uuid(),
                      '\\x00'::bytea
               from generate_series(1, 40000) i""",
            (programme.pair, programme.nums["Ana"], programme.nums["Sam"]),
        )
        conn.execute("analyze peerlog_hub.mailbox")
    sam = programme.connect("Sam")
    plan = "\n".join(r[0] for r in sam.execute("explain " + PAGE_QUERY, (0,)))
    # The policy adds nothing the index cannot take: the plan walks (recipient, seq) in order and stops.
    assert "Index Scan using mailbox_recipient_seq" in plan, plan
    assert "Sort" not in plan and "Bitmap" not in plan and "Filter" not in plan, plan
    page = sam.execute(PAGE_QUERY, (0,)).fetchall()
    assert len(page) == 100
    assert sam.execute(PAGE_QUERY, (page[-1][0],)).fetchone()[0] > page[-1][0]


def test_notifications_are_coalesced_and_carry_nothing(programme: Programme) -> None:
    import psycopg

    with psycopg.connect(programme.hub.url_as(programme.roles["Ana"]), autocommit=True) as listener:
        listener.execute(f"listen plh_{programme.hub.hub_id}")
        sam = programme.connect("Sam")
        for _ in range(100):
            programme.send(sam, programme.pair, "Ana")
        heard = list(listener.notifies(timeout=1.0, stop_after=100))
    assert 1 <= len(heard) < 100
    assert {n.payload for n in heard} == {""}


# ---------------------------------------------------------------- codes and clean-up


def test_a_damaged_join_code_is_refused_clearly() -> None:
    code = encode_join(host="h", port=5432, dbname="d", role="r", password="p", hub_id="abcd1234", name="Ana")
    assert decode_join(code).name == "Ana"
    for damaged in (code[:-5], "plhub1", code.replace("plhub1", "plhub9"), code + "!!", "plhub1e30"):
        with pytest.raises(InputError, match="damaged or incomplete"):
            decode_join(damaged)


def test_a_hub_leaves_no_database_and_no_role_behind(pg_server: str, tmp_path: Any) -> None:
    import psycopg

    from peerlog.hubschema import invite as invite_person

    with made_hub(pg_server, tmp_path) as hub:
        invite_person(hub.url, "Ana")  # a login role too, so there is one of each kind to drop
        invite_person(hub.url, "Cora", coordinator=True)
    with psycopg.connect(pg_server) as conn:
        assert conn.execute(
            "select count(*) from pg_database where datname = %s", (hub.dbname,)
        ).fetchone() == (0,)
        assert conn.execute(
            "select count(*) from pg_roles where rolname like %s", (f"plh_{hub.hub_id}_%",)
        ).fetchone() == (0,)


def test_an_admin_who_is_not_a_superuser_runs_the_whole_hub(pg_server: str, invoke: Invoke) -> None:
    """The usual deployment: the admin owns the database and may create roles, nothing more."""
    import psycopg
    from psycopg import sql

    admin, dbname = f"plh_admin_{uuid.uuid4().hex[:8]}", f"peerlog_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("create role {} login createrole").format(sql.Identifier(admin)))
        conn.execute(
            sql.SQL("create database {} owner {}").format(sql.Identifier(dbname), sql.Identifier(admin))
        )
    url = with_dbname(pg_server, dbname, user=admin)
    hub = None
    try:
        assert invoke("hub", "init", url).exit_code == 0
        with psycopg.connect(url) as conn:
            hub = HubDb(
                url, conn.execute("select value from peerlog_hub.hub_meta where key = 'hub_id'").fetchone()[0]
            )
        roles = {name: invite(invoke, hub, name) for name in ("Ana", "Sam")}
        with (
            psycopg.connect(hub.url_as(roles["Ana"]), autocommit=True) as ana,
            psycopg.connect(hub.url_as(roles["Sam"]), autocommit=True) as sam,
        ):
            for conn, name in ((ana, "Ana"), (sam, "Sam")):
                conn.execute("select peerlog_hub.hub_register_key(%s)", (name,))
            space = ana.execute("select peerlog_hub.hub_open_pair(%s)", (roles["Sam"],)).fetchone()[0]
            ana.execute(
                "insert into peerlog_hub.mailbox (space_id, recipient, bundle_id, body) values (%s,"
                " (select num from peerlog_hub.hub_directory() where role = %s), %s, 'x')",
                (space, roles["Sam"], bundle("b")),
            )
            assert sam.execute("select bundle_id from peerlog_hub.mailbox").fetchall() == [(bundle("b"),)]
            # The owner goes through the policies too (FORCE): no one's mail is in its view.
            with psycopg.connect(url) as owner:
                assert owner.execute("select count(*) from peerlog_hub.mailbox").fetchone() == (0,)
            removed = invoke("hub", "remove", "Sam", env={"PEERLOG_HUB_URL": url})
            assert removed.exit_code == 0, removed.output
            assert "1 unread change set(s) deleted" in removed.stdout
        with psycopg.connect(url) as conn:
            assert conn.execute("select count(*) from peerlog_hub.activity").fetchone() == (1,)
    finally:
        drop_hub(pg_server, dbname, hub.hub_id if hub else None)
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(sql.SQL("drop role {}").format(sql.Identifier(admin)))


def test_a_coordinator_who_joined_reports_without_an_address(
    programme: Programme, invoke: Invoke, home: Any
) -> None:
    """`hub join` keeps the decoded code in `<journal>.hub`; `hub report` finds the hub there."""
    import json

    from psycopg.conninfo import conninfo_to_dict

    where = conninfo_to_dict(programme.hub.url)
    code = encode_join(
        host=str(where.get("host") or "127.0.0.1"),
        port=int(where.get("port") or 5432),
        dbname=programme.hub.dbname,
        role=programme.roles["Cora"],
        password="unused-with-trust-auth",
        hub_id=programme.hub.hub_id,
        name="Cora",
    )
    home.mkdir(parents=True, exist_ok=True)
    (home / "peerlog.db.hub").write_text(json.dumps(decode_join(code).__dict__), encoding="utf-8")
    programme.send(programme.connect("Ana"), programme.pair, "Sam")
    result = invoke("hub", "report", "--json", env={"PEERLOG_HUB_URL": None})
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert [(s["kind"], s["sessions"], s["active_members"]) for s in counts["spaces"]] == [("pair", 1, 1)]
    assert [w["active_members"] for w in counts["weeks"]] == [1]


def test_the_member_list_fits_80_columns_with_roles_whole(programme: Programme, invoke: Invoke) -> None:
    result = invoke("hub", "members", env={"PEERLOG_HUB_URL": programme.hub.url, "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    for role in programme.roles.values():
        assert role in result.stdout
    assert "coordinator" in result.stdout


def test_a_name_with_control_characters_or_none_is_refused(hub_db: HubDb, invoke: Invoke) -> None:
    for bad in ("Ana\x1b[31m", "   "):
        result = invoke("hub", "invite", bad, env={"PEERLOG_HUB_URL": hub_db.url})
        assert result.exit_code == 2, result.output
        assert "nothing was changed" in result.stderr
    with hub_db.connect() as conn:
        assert conn.execute("select count(*) from peerlog_hub.member").fetchone() == (0,)


def test_a_report_from_a_database_without_a_hub_says_so(pg_server: str, invoke: Invoke) -> None:
    result = invoke("hub", "report", "--url", pg_server)
    assert result.exit_code == 1
    assert "There is no programme hub in this database" in result.stderr
