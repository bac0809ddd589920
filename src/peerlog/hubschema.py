"""The programme hub's server side: its schema on PostgreSQL, its roles, and what the admin does there.

The hub is one PostgreSQL database holding sealed change sets in flight, a directory of members' public
keys, which pairs and circles exist, and per-day activity counts. The database itself enforces privacy:
every member is a PostgreSQL role of their own, row-level security (ENABLE + FORCE) lets a member read and
delete only what is addressed to them and insert only as themselves, and a coordinator reaches counts
through one function and gets "permission denied" on everything else.

Identity always comes from the connection's role (`current_user` in policies, `session_user` inside the
SECURITY DEFINER functions), never from a setting a client could change. Roles are cluster-wide while a
hub is one database, so every role name starts with `plh_<hub id>_`.

psycopg is imported inside the functions that talk to the server: the CLI loads this module only for
`peerlog hub ...`, and local commands never pay for the driver.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from peerlog.errors import InputError, NotFoundError, PeerlogError
from peerlog.hubcodes import decode_join, encode_join, require_driver

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "MIGRATIONS",
    "SCHEMA",
    "decode_join",
    "encode_join",
]

SCHEMA = "peerlog_hub"
#: How often at most a hub sends its one wake-up notification; watchers also poll, so none is ever needed.
NOTIFY_EVERY_MS = 50
#: The advisory lock that lets one writer at a time, never waiting, decide whether to notify.
_NOTIFY_LOCK = 0x706C6862  # "plhb"


@dataclass(frozen=True)
class HubNames:
    """The cluster-wide names of one hub: its group roles and its notification channel."""

    hub_id: str

    @property
    def prefix(self) -> str:
        return f"plh_{self.hub_id}_"

    @property
    def member_group(self) -> str:
        return f"{self.prefix}member"

    @property
    def coordinator_group(self) -> str:
        return f"{self.prefix}coordinator"

    @property
    def channel(self) -> str:
        """Names the hub only: channels have no access control, so nothing about anyone goes in them."""
        return f"plh_{self.hub_id}"

    def login_role(self, name: str) -> str:
        """A new person's role: readable in `pg_stat_activity`, unique by its random tail."""
        slug = re.sub(r"[^a-z0-9]+", "", name.casefold())[:20] or "person"
        return f"{self.prefix}{slug}_{secrets.token_hex(2)}"


def _ident(name: str) -> str:
    # Every name put into DDL here is one this module made from a hub id and [a-z0-9_]; quoting keeps it so.
    return '"' + name.replace('"', '""') + '"'


def _schema_v1(names: HubNames) -> str:
    member, coordinator = _ident(names.member_group), _ident(names.coordinator_group)
    fn = "language plpgsql security definer set search_path = peerlog_hub, pg_temp"
    return f"""
create role {member} nologin;
create role {coordinator} nologin;
revoke all on schema peerlog_hub from public;
grant usage on schema peerlog_hub to {member}, {coordinator};

-- Only the hub's own roles may connect, so a removed member (out of the group) cannot even log in here.
do $$ begin
  execute format('revoke connect on database %I from public', current_database());
  execute format('grant connect on database %I to {member}, {coordinator}', current_database());
exception when insufficient_privilege then
  raise notice 'peerlog: not the database owner, so CONNECT stays as it was';
end $$;

create table peerlog_hub.member (
  id uuid primary key default gen_random_uuid(),
  -- The mailbox's short name for a member (4 bytes where a role name takes 64, in the row and its indexes).
  -- Sequential, so guessable: harmless, since the policies below let nobody reach another's mail by it.
  num integer generated always as identity unique,
  name text not null,
  role name unique not null,
  kind text not null check (kind in ('member', 'coordinator')),
  public_key text unique,
  invited_at timestamptz not null default now(),
  joined_at timestamptz,
  removed_at timestamptz
);
-- One current person per name (any case), so `hub remove NAME` always means one person.
create unique index member_current_name on peerlog_hub.member (lower(name)) where removed_at is null;

create table peerlog_hub.space (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('pair', 'circle')),
  created_at timestamptz not null default now()
);
create table peerlog_hub.space_member (
  space_id uuid not null references peerlog_hub.space,
  member_id uuid not null references peerlog_hub.member,
  joined_at timestamptz not null default now(),
  left_at timestamptz,
  primary key (space_id, member_id, joined_at)
);
create index space_member_current on peerlog_hub.space_member (member_id, space_id) where left_at is null;

-- The caller's member number, read through member's own policy (a member sees only their own row), so it
-- is the connection's role that decides: no setting a client could change. SQL and SECURITY INVOKER, so the
-- policies below can call it once per statement as an initplan, `(select peerlog_hub.hub_my_num())`.
create function peerlog_hub.hub_my_num() returns integer language sql stable as $$
  select m.num from peerlog_hub.member m where m.role = current_user and m.removed_at is null
$$;

create table peerlog_hub.mailbox (
  seq bigint generated always as identity primary key,
  space_id uuid references peerlog_hub.space,
  sender integer not null default peerlog_hub.hub_my_num(),  -- member.num
  recipient integer not null,  -- member.num
  bundle_id uuid not null,  -- a journal's bundle ids are uuid4 hex: 16 bytes here, not 33
  sent_at timestamptz not null default now(),
  body bytea not null,
  -- The same pair of columns as the contract's unique (recipient, bundle_id), bundle first: then the only
  -- index that starts with recipient is the one below, and a member's page never becomes a bitmap + sort.
  unique (bundle_id, recipient)
);
-- The page query (recipient = me and seq > cursor order by seq limit 100) walks this index in order.
create index mailbox_recipient_seq on peerlog_hub.mailbox (recipient, seq);

create table peerlog_hub.activity (
  space_id uuid not null references peerlog_hub.space,
  member_id uuid not null references peerlog_hub.member,
  day date not null,
  primary key (space_id, member_id, day)
);

-- When the last wake-up went out. Unlogged: after a crash it is simply empty, and the next send notifies.
create unlogged table peerlog_hub.notify_clock (
  id int primary key check (id = 1),
  sent_at timestamptz not null
);
insert into peerlog_hub.notify_clock values (1, '-infinity');

-- Row-level security on every table, forced, so even the owner goes through a policy. The owner's own
-- policies say what the admin's connection and the SECURITY DEFINER functions may touch.
do $$
declare t text;
begin
  foreach t in array array['member', 'space', 'space_member', 'mailbox', 'activity', 'notify_clock',
                           'hub_meta', 'migrations'] loop
    execute format('alter table peerlog_hub.%I enable row level security', t);
    execute format('alter table peerlog_hub.%I force row level security', t);
    if t <> 'mailbox' then
      execute format('create policy hub_owner on peerlog_hub.%I to current_user using (true) with check (true)', t);
    end if;
  end loop;
end $$;

create function peerlog_hub.hub_me() returns uuid stable {fn} as $$
declare found_id uuid;
begin
  select m.id into found_id from member m where m.role = session_user and m.removed_at is null;
  if found_id is null then
    raise exception 'you are not a current member of this hub' using errcode = '42501';
  end if;
  return found_id;
end $$;

-- Called by the INSERT policy for every change set. PL/pgSQL, not SQL: a SQL function that cannot be
-- inlined (SECURITY DEFINER, SET search_path) is planned again on every call, which cost a quarter of the
-- hub's write throughput; PL/pgSQL keeps its plan for the session.
create function peerlog_hub.hub_may_send(p_space uuid, p_sender integer, p_recipient integer) returns boolean
  stable {fn} as $$
begin
  return p_sender <> p_recipient and (
    select count(distinct m.num) = 2
    from space_member sm join member m on m.id = sm.member_id
    where sm.space_id = p_space and sm.left_at is null and m.removed_at is null
      and m.num in (p_sender, p_recipient));
end $$;

create function peerlog_hub.hub_register_key(p_key text) returns void {fn} as $$
declare me member%rowtype;
begin
  select * into me from member m where m.role = session_user and m.removed_at is null for update;
  if not found then
    raise exception 'you are not a current member of this hub' using errcode = '42501';
  end if;
  if me.public_key is not null and me.public_key <> p_key then
    raise exception 'this hub already knows you by another key; ask the hub''s admin to invite you again'
      using errcode = '42501';
  end if;
  if exists (select 1 from member m where m.public_key = p_key and m.id <> me.id) then
    raise exception 'another member of this hub joined with this key' using errcode = '23505';
  end if;
  update member m set public_key = p_key, joined_at = coalesce(m.joined_at, now()) where m.id = me.id;
end $$;

create function peerlog_hub.hub_directory() returns table (name text, role name, public_key text, num integer)
  stable {fn} as $$
begin
  perform hub_me();
  return query select m.name, m.role, m.public_key, m.num from member m
    where m.removed_at is null and m.kind = 'member' and m.public_key is not null
    order by lower(m.name), m.role;
end $$;

create function peerlog_hub.hub_open_pair(p_peer_role name) returns uuid {fn} as $$
declare me uuid := hub_me(); peer uuid; found_space uuid;
begin
  select m.id into peer from member m
    where m.role = p_peer_role and m.removed_at is null and m.kind = 'member';
  if peer is null or peer = me then
    raise exception 'no other current member of this hub has the role %', p_peer_role using errcode = '22023';
  end if;
  -- Both peers may open their pair at once: one waits here, then finds the space the other made.
  perform pg_advisory_xact_lock(hashtextextended(least(me, peer)::text || greatest(me, peer)::text, 0));
  select s.id into found_space from space s
    join space_member a on a.space_id = s.id and a.member_id = me and a.left_at is null
    join space_member b on b.space_id = s.id and b.member_id = peer and b.left_at is null
    where s.kind = 'pair' order by s.created_at limit 1;
  if found_space is null then
    insert into space (kind) values ('pair') returning id into found_space;
    insert into space_member (space_id, member_id) values (found_space, me), (found_space, peer);
  end if;
  return found_space;
end $$;

create function peerlog_hub.hub_open_circle(p_member_roles name[], p_circle uuid default null)
  returns uuid {fn} as $$
declare me uuid := hub_me(); circle uuid := p_circle; unknown name;
begin
  select r into unknown from unnest(p_member_roles) r
    where not exists (select 1 from member m where m.role = r and m.removed_at is null and m.kind = 'member')
    limit 1;
  if unknown is not null then
    raise exception 'no current member of this hub has the role %', unknown using errcode = '22023';
  end if;
  if circle is null then
    insert into space (kind) values ('circle') returning id into circle;
  else
    perform pg_advisory_xact_lock(hashtextextended(circle::text, 0));
    if not exists (select 1 from space_member sm join space s on s.id = sm.space_id
                   where sm.space_id = circle and s.kind = 'circle' and sm.member_id = me
                     and sm.left_at is null) then
      raise exception 'you are not in this circle on the hub' using errcode = '42501';
    end if;
  end if;
  insert into space_member (space_id, member_id)
    select circle, m.id from member m
    where (m.role = any (p_member_roles) or m.id = me) and m.removed_at is null
      and not exists (select 1 from space_member sm
                      where sm.space_id = circle and sm.member_id = m.id and sm.left_at is null);
  return circle;
end $$;

create function peerlog_hub.hub_leave_space(p_space uuid) returns void {fn} as $$
begin
  update space_member sm set left_at = now()
    where sm.space_id = p_space and sm.member_id = hub_me() and sm.left_at is null;
end $$;

create function peerlog_hub.hub_mark_session(space uuid, day date) returns void {fn} as $$
declare me uuid := hub_me();
begin
  if not exists (select 1 from space_member sm where sm.space_id = hub_mark_session.space
                 and sm.member_id = me and sm.left_at is null) then
    raise exception 'you are not in this pair or circle on the hub' using errcode = '42501';
  end if;
  insert into activity (space_id, member_id, day) values (hub_mark_session.space, me, hub_mark_session.day)
    on conflict do nothing;
end $$;

-- Counts for the coordinator: per pair or circle and week, the days it met or wrote ("sessions") and
-- how many of its members took part. Never content, never who.
create function peerlog_hub.hub_participation(since date)
  returns table (space uuid, kind text, week date, sessions int, active_members int)
  language sql stable security definer set search_path = peerlog_hub, pg_temp as $$
  select a.space_id, s.kind, date_trunc('week', a.day)::date,
         count(distinct a.day)::int, count(distinct a.member_id)::int
  from activity a join space s on s.id = a.space_id
  where a.day >= since
  group by 1, 2, 3
  order by 3, 2, 1
$$;

-- Members active in the whole programme per week (a member in two pairs counts once).
create function peerlog_hub.hub_active_members(since date) returns table (week date, active_members int)
  language sql stable security definer set search_path = peerlog_hub, pg_temp as $$
  select date_trunc('week', a.day)::date, count(distinct a.member_id)::int
  from activity a where a.day >= since group by 1 order by 1
$$;

-- After each INSERT statement on the mailbox: note who was active where, and wake watchers at most once
-- per {NOTIFY_EVERY_MS} ms. Every commit that notifies takes a cluster-wide lock and wakes every listener,
-- so most writers skip it: the one holding the advisory lock decides, and nobody ever waits for it.
create function peerlog_hub.hub_after_send() returns trigger {fn} as $$
begin
  insert into activity (space_id, member_id, day)
    select distinct a.space_id, m.id, (a.sent_at at time zone 'UTC')::date
    from arrived a join member m on m.num = a.sender
    where a.space_id is not null
  on conflict do nothing;
  if pg_try_advisory_xact_lock({_NOTIFY_LOCK}) then
    update notify_clock c set sent_at = clock_timestamp()
      where c.id = 1 and c.sent_at < clock_timestamp() - interval '{NOTIFY_EVERY_MS} milliseconds';
    if found then
      perform pg_notify('{names.channel}', '');
    end if;
  end if;
  return null;
end $$;
create trigger mailbox_sent after insert on peerlog_hub.mailbox
  referencing new table as arrived for each statement execute function peerlog_hub.hub_after_send();

-- A member reads and deletes only what is addressed to them (recipient = my number, found once per
-- statement by the initplan, keeps the plan an index scan on (recipient, seq): no OR, no function per row),
-- and sends only as themselves, to someone who shares the space with them. There is no UPDATE policy, and
-- no UPDATE grant: a change set is never rewritten.
create policy read_own on peerlog_hub.mailbox for select to {member}
  using (recipient = (select peerlog_hub.hub_my_num()));
create policy clear_own on peerlog_hub.mailbox for delete to {member}
  using (recipient = (select peerlog_hub.hub_my_num()));
create policy send_as_self on peerlog_hub.mailbox for insert to {member}
  with check (sender = (select peerlog_hub.hub_my_num())
              and peerlog_hub.hub_may_send(space_id, sender, recipient));
-- The admin's connection touches only mail nobody can read any more: that of removed members.
create policy owner_clears_removed on peerlog_hub.mailbox to current_user
  using (recipient in (select m.num from peerlog_hub.member m where m.removed_at is not null));

-- A member sees their own row in the directory table; everyone else only through hub_directory().
create policy own_row on peerlog_hub.member for select to {member} using (role = current_user);

-- Functions are executable by PUBLIC when made; here each is given to exactly the roles that need it.
revoke all on all functions in schema peerlog_hub from public;
grant execute on function peerlog_hub.hub_my_num(), peerlog_hub.hub_may_send(uuid, integer, integer),
  peerlog_hub.hub_register_key(text), peerlog_hub.hub_directory(), peerlog_hub.hub_open_pair(name),
  peerlog_hub.hub_open_circle(name[], uuid), peerlog_hub.hub_leave_space(uuid),
  peerlog_hub.hub_mark_session(uuid, date) to {member};
grant execute on function peerlog_hub.hub_register_key(text), peerlog_hub.hub_participation(date),
  peerlog_hub.hub_active_members(date) to {coordinator};
grant select, insert, delete on peerlog_hub.mailbox to {member};
grant select on peerlog_hub.member to {member};
"""


#: The hub's schema, step by step: `hub init` applies the steps its ledger lacks, in this order, and a step
#: is never changed once released (a change is a new step). Each makes its SQL from the hub's names.
MIGRATIONS: list[tuple[str, Callable[[HubNames], str]]] = [
    ("0001_hub", _schema_v1),
]

_BOOTSTRAP = """
create schema if not exists peerlog_hub;
create table if not exists peerlog_hub.migrations (name text primary key, applied_at timestamptz not null default now());
create table if not exists peerlog_hub.hub_meta (key text primary key, value text not null);
"""


# ---------------------------------------------------------------- connecting


def _where(url: str) -> str:
    """The server of a URL, for messages: host and database, never a password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:
        return "the hub"
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"{host}{port}/{parts.get('dbname') or parts.get('user') or ''}".rstrip("/")


def connect(url: str) -> psycopg.Connection[Any]:
    """A connection to the hub's database, or one clear error (no driver, unreachable, refused, a URL that is
    not one)."""
    psycopg = require_driver()
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise InputError(
            "This is not a PostgreSQL address; nothing was changed.",
            hint="Give one like postgresql://admin@db.example.org:5432/programme.",
        ) from None
    try:
        return psycopg.connect(url, connect_timeout=5, application_name="peerlog hub")
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else "no answer"
        raise PeerlogError(
            f"Cannot reach the hub at {_where(url)} ({reason}); nothing was changed.",
            hint="Check the address, and that the server is running and lets you in.",
        ) from None


@contextmanager
def transaction(url: str) -> Iterator[psycopg.Connection[Any]]:
    """One connection, one transaction: all of an admin's command lands, or none of it."""
    psycopg = require_driver()

    conn = connect(url)
    try:
        with conn.transaction():
            yield conn
    except psycopg.errors.InsufficientPrivilege as error:
        raise PeerlogError(
            f"The hub refused this: {error.diag.message_primary or error}; nothing was changed.",
            hint="Hub admin commands need the role that ran `peerlog hub init`.",
        ) from None
    except psycopg.OperationalError as error:
        raise PeerlogError(
            f"The connection to the hub was lost ({str(error).strip() or 'no reason given'}); nothing was changed."
        ) from None
    finally:
        conn.close()


def _require_admin(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute(
        "select rolsuper or rolcreaterole from pg_roles where rolname = current_user"
    ).fetchone()
    if not row or not row[0]:
        raise PeerlogError(
            "This role cannot create roles, so it cannot run a hub; nothing was changed.",
            hint="Connect as a role with CREATEROLE (for example the database's owner), "
            "or ask whoever runs the server.",
        )


def hub_names(conn: psycopg.Connection[Any]) -> HubNames:
    """The names of the hub in this database, or a clear error where there is none yet."""
    found = conn.execute("select to_regclass('peerlog_hub.hub_meta') is not null").fetchone()
    row = (
        conn.execute("select value from peerlog_hub.hub_meta where key = 'hub_id'").fetchone()
        if found and found[0]
        else None
    )
    if row is None:
        raise PeerlogError(
            "There is no programme hub in this database yet; nothing was changed.",
            hint="Start one with `peerlog hub init URL`.",
        )
    return HubNames(row[0])


# ---------------------------------------------------------------- the admin's commands


@dataclass
class InitReport:
    hub_id: str
    created: bool
    applied: list[str] = field(default_factory=list)


def init(url: str) -> InitReport:
    """Make the hub in the database at `url`, or bring it up to date: only the missing steps run."""
    with transaction(url) as conn:
        _require_admin(conn)
        # Two admins running init at once: the second waits, then finds everything done.
        conn.execute("select pg_advisory_xact_lock(%s)", (_NOTIFY_LOCK + 1,))
        conn.execute(_BOOTSTRAP)
        row = conn.execute("select value from peerlog_hub.hub_meta where key = 'hub_id'").fetchone()
        created = row is None
        hub_id = secrets.token_hex(4) if row is None else row[0]
        if created:
            conn.execute(
                "insert into peerlog_hub.hub_meta (key, value) values ('hub_id', %s), ('admin', current_user)",
                (hub_id,),
            )
        done = {name for (name,) in conn.execute("select name from peerlog_hub.migrations")}
        names = HubNames(hub_id)
        report = InitReport(hub_id=hub_id, created=created)
        for name, step in MIGRATIONS:
            if name in done:
                continue
            conn.execute(step(names).encode())
            conn.execute("insert into peerlog_hub.migrations (name) values (%s)", (name,))
            report.applied.append(name)
        return report


@dataclass(frozen=True)
class Invited:
    name: str
    role: str
    coordinator: bool
    code: str


def invite(url: str, name: str, *, coordinator: bool = False, host: str | None = None) -> Invited:
    """A new person on the hub: their own login role in the members' (or coordinators') group, and the
    code they join with. `host` is the address people reach the server at, when not the admin's."""
    require_driver()
    from psycopg import sql

    from peerlog.rules import name_problem

    name = " ".join(name.split())
    problem = "is empty" if not name else name_problem(name)
    if problem:
        raise InputError(
            f"This name {problem}; nothing was changed.", hint="Give the person's name as others know it."
        )
    with transaction(url) as conn:
        _require_admin(conn)
        names = hub_names(conn)
        taken = conn.execute(
            "select 1 from peerlog_hub.member where lower(name) = lower(%s) and removed_at is null", (name,)
        ).fetchone()
        if taken:
            raise InputError(
                f"{name} is already invited to this hub; nothing was changed.",
                hint="Use another name (a surname, say), or `peerlog hub remove` first.",
            )
        role = names.login_role(name)
        password = secrets.token_urlsafe(18)
        group = names.coordinator_group if coordinator else names.member_group
        conn.execute(
            sql.SQL("create role {} login password {} in role {}").format(
                sql.Identifier(role), sql.Literal(password), sql.Identifier(group)
            )
        )
        # A member's page (recipient = me and seq > cursor order by seq limit 100) must walk the
        # (recipient, seq) index. With the default random_page_cost of 4 the planner may walk the primary key
        # instead and filter out everyone else's mail, fine on a tidy table, slow when one's own is rare; 1.1
        # is the usual figure for SSDs and keeps the plan on the member's own index.
        conn.execute(
            sql.SQL("alter role {} in database {} set random_page_cost = 1.1").format(
                sql.Identifier(role), sql.Identifier(conn.info.dbname)
            )
        )
        conn.execute(
            "insert into peerlog_hub.member (name, role, kind) values (%s, %s, %s)",
            (name, role, "coordinator" if coordinator else "member"),
        )
        info = conn.info
        code = encode_join(
            host=host or info.host or "localhost",
            port=int(info.port or 5432),
            dbname=info.dbname,
            role=role,
            password=password,
            hub_id=names.hub_id,
            name=name,
        )
    return Invited(name=name, role=role, coordinator=coordinator, code=code)


@dataclass(frozen=True)
class Removed:
    name: str
    role: str
    spaces_left: int
    mail_deleted: int
    #: None when this admin may not end other roles' sessions (they reach nothing any more either way).
    sessions_ended: int | None


def _find_current(conn: psycopg.Connection[Any], name: str) -> tuple[str, str, str]:
    rows = conn.execute(
        "select id::text, name, role from peerlog_hub.member where removed_at is null"
        " and (lower(name) = lower(%s) or role = %s) for update",
        (" ".join(name.split()), name),
    ).fetchall()
    if not rows:
        raise NotFoundError(
            f"No current member of this hub is called {name}; nothing was changed.",
            hint="See who is there with `peerlog hub members`.",
        )
    return rows[0]


def remove(url: str, name: str) -> Removed:
    """End a person's access: no login, out of the group, out of every pair and circle, their unread mail
    gone (nobody can open it now), their open sessions ended. Activity counts stay: the programme's
    history is intact."""
    require_driver()
    import psycopg
    from psycopg import sql

    with transaction(url) as conn:
        _require_admin(conn)
        names = hub_names(conn)
        member_id, shown, role = _find_current(conn, name)
        conn.execute("update peerlog_hub.member set removed_at = now() where id = %s", (member_id,))
        spaces = conn.execute(
            "update peerlog_hub.space_member set left_at = now() where member_id = %s and left_at is null",
            (member_id,),
        ).rowcount
        mail = conn.execute(
            "delete from peerlog_hub.mailbox where recipient = (select num from peerlog_hub.member where id = %s)",
            (member_id,),
        ).rowcount
        conn.execute(sql.SQL("alter role {} nologin").format(sql.Identifier(role)))
        for group in (names.member_group, names.coordinator_group):
            conn.execute(sql.SQL("revoke {} from {}").format(sql.Identifier(group), sql.Identifier(role)))
    # After the commit, so a session that reconnects at once already meets the closed door. Ending them is
    # a courtesy: out of the group, an open session can reach nothing of the hub's from its next statement.
    ended: int | None = None
    try:
        with connect(url) as conn:
            ended = sum(
                1
                for (done,) in conn.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s", (role,)
                )
                if done
            )
    except (
        PeerlogError,
        psycopg.Error,
    ):  # e.g. this admin may not signal others' sessions (pg_signal_backend)
        ended = None
    return Removed(name=shown, role=role, spaces_left=spaces, mail_deleted=mail, sessions_ended=ended)


@dataclass(frozen=True)
class MemberRow:
    name: str
    kind: str
    role: str
    invited_at: Any
    joined_at: Any
    removed_at: Any
    spaces: int


def members(url: str, *, include_removed: bool = False) -> list[MemberRow]:
    """Everyone invited to the hub, with how many pairs and circles each is in: names and dates only."""
    with transaction(url) as conn:
        _require_admin(conn)
        hub_names(conn)
        rows = conn.execute(
            """select m.name, m.kind, m.role, m.invited_at, m.joined_at, m.removed_at,
                      (select count(*) from peerlog_hub.space_member sm
                       where sm.member_id = m.id and sm.left_at is null)::int
               from peerlog_hub.member m
               where %s or m.removed_at is null
               order by m.removed_at is not null, lower(m.name), m.role""",
            (include_removed,),
        ).fetchall()
    return [MemberRow(*row) for row in rows]


@dataclass(frozen=True)
class SpaceWeek:
    space: str
    kind: str
    week: date
    sessions: int
    active_members: int


@dataclass(frozen=True)
class Participation:
    since: date
    spaces: list[SpaceWeek]
    #: Members active anywhere in the programme, per week.
    active: dict[date, int]


def participation(url: str, since: date) -> Participation:
    """Counts per pair or circle and week, as the coordinator (or the admin) may see them."""
    require_driver()
    import psycopg

    with transaction(url) as conn:
        try:
            spaces = [
                SpaceWeek(str(s), k, w, n, a)
                for s, k, w, n, a in conn.execute(
                    "select * from peerlog_hub.hub_participation(%s)", (since,)
                ).fetchall()
            ]
            active = dict(
                conn.execute("select * from peerlog_hub.hub_active_members(%s)", (since,)).fetchall()
            )
        except (psycopg.errors.UndefinedFunction, psycopg.errors.InvalidSchemaName):
            raise PeerlogError(
                "There is no programme hub in this database; nothing to report.",
                hint="Check the address, or start one with `peerlog hub init URL`.",
            ) from None
        except psycopg.errors.InsufficientPrivilege:
            raise PeerlogError(
                "Only the hub's coordinators and its admin can see participation counts.",
                hint="Ask the hub's admin for a coordinator's code (`peerlog hub invite NAME --coordinator`).",
            ) from None
    return Participation(since=since, spaces=spaces, active=active)
