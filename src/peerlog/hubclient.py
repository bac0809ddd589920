"""The member's side of a programme hub: a PostgreSQL database that carries sealed bundles between members.

The hub is a mailbox it cannot read. A member joins once (`hub join CODE`: the code holds where the hub is
and the PostgreSQL role made for them), registers the public key `peerlog id` shows, and from then on:

- **push**: for each pair that syncs through the hub, the change set `exchange.seal_changes` makes is sealed
  to the peer's key and INSERTed into `peerlog_hub.mailbox` addressed to the peer's member number (found
  in the directory by the key this journal holds for them, never by name); for a group, one bundle per
  member (`exchange.seal_group_changes`) into the group's circle, all in one multi-row INSERT. Entries
  are marked delivered in the same local write session, and only once the server has committed the rows;
  if the connection drops in between, the next sync seals them again, and the peer's journal takes a copy
  it already has as nothing new (versions decide), so every entry still lands exactly once.
- **pull**: rows addressed to this member, a page of 100 at a time in `seq` order after the cursor kept in
  the journal's `meta`; each opened and applied with `exchange.receive` in its own local write session (a
  bundle already applied is skipped by its id), then deleted from the hub. A bundle that cannot be opened
  at all is dropped; one that could be used later (from a peer not paired yet) stays in the mailbox, and
  the cursor never moves past it, so the next sync tries it again.
- **watch**: LISTEN on the hub's channel (one notification per short interval, carrying nothing) and poll
  every second anyway, so a lost notification costs at most a second.

With each push the hub is also told on which days you shared a check-in with the pair (or a session with the
group): its coordinator counts them as sessions per week. Days only; a private entry's day never leaves.

One journal per member: the hub keeps one mailbox per member and empties it as bundles are applied, so a
copy of the journal on a second device would miss what the first took. Two devices syncing at the same
moment are kept apart by an advisory lock on the hub keyed by the member's role (the second is told so and
does nothing). Advisory locks are open to every login, so a member with `psql` could hold another's key and
stall their syncs (never read or change anything); an admin sees such a lock in `pg_locks`.

The connection settings (password included) live beside the journal in `<journal>.hub`, owner-only and
written atomically like the key file: a setting of this machine, never exported or put in a bundle.
psycopg is imported only inside the functions that talk to the hub, so local commands never load it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from peerlog.errors import BundleError, InputError, NotFoundError, PeerlogError
from peerlog.files import HUB_SUFFIX
from peerlog.hubcodes import JoinCode, require_driver

if TYPE_CHECKING:
    import psycopg
    from sqlmodel import Session

    from peerlog.exchange import FolderSync
    from peerlog.identity import Identity, PeerKey
    from peerlog.pairs import PairView
    from peerlog.peer_keys import KeyChange
    from peerlog.store import Store

#: Seconds to wait for the hub before saying it cannot be reached.
CONNECT_TIMEOUT = 5
#: Rows read from the mailbox at a time.
PAGE = 100
#: How often a watcher looks at its mailbox even when no notification came.
POLL_SECONDS = 1.0
#: The first half of the advisory lock that keeps two devices of one member from syncing at once (the
#: second half is the member's role); "plhb" in ASCII, so it is recognisable in `pg_locks`.
_LOCK_CLASS = 0x706C6862
_SCHEMA = "peerlog_hub"
JOIN_HINT = "Run `peerlog hub join CODE` with the code your programme sent you."
_NOTE = "peerlog hub settings for this journal on this machine. Private: it holds your hub password."


class NotJoinedError(PeerlogError):
    """This journal has not joined a hub."""


class HubUnreachableError(PeerlogError):
    """The hub did not answer: the server is down, the address is wrong, or this machine is offline."""


class HubDroppedError(PeerlogError):
    """The connection to the hub ended part way through."""


class MembershipEndedError(PeerlogError):
    """The hub no longer lets this member in (removed by the programme, or the role is gone)."""


class HubBusyError(PeerlogError):
    """Another device of the same member is syncing with the hub right now."""


# ---------------------------------------------------------------- settings beside the journal


@dataclass(frozen=True)
class HubSettings(JoinCode):
    """Where the hub is and who you are on it: the join code, decoded, as kept beside the journal."""

    #: Joined with a coordinator's code: the hub shows them participation counts and nothing to sync.
    coordinator: bool = False

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.dbname}"

    @property
    def channel(self) -> str:
        return f"plh_{self.hub_id}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def of(cls, code: JoinCode, *, coordinator: bool = False) -> HubSettings:
        fields = {name: getattr(code, name) for name in JoinCode.__dataclass_fields__}
        return cls(**fields, coordinator=coordinator)

    @classmethod
    def from_dict(cls, found: object) -> HubSettings:
        """From the settings file: the join code's fields at the top level (others, such as a note, ignored)."""
        if not isinstance(found, dict):
            raise ValueError("not an object")
        values: dict[str, Any] = {name: found.get(name) for name in JoinCode.__dataclass_fields__}
        port = values["port"]
        if not all(isinstance(v, str) and v for k, v in values.items() if k != "port"):
            raise ValueError("incomplete hub settings")
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise ValueError("bad port")
        return cls(**values, coordinator=found.get("coordinator") is True)


def settings_path(journal: Path) -> Path:
    """`peerlog.db.hub` beside `peerlog.db`."""
    return Path(f"{journal}{HUB_SUFFIX}")


def _settings_problem(path: Path, found: os.stat_result) -> PeerlogError | None:
    if not stat.S_ISREG(found.st_mode):
        return PeerlogError(
            f"The hub settings {path} are not a regular file, so peerlog will not use them.",
            hint=f"Move it aside, then {JOIN_HINT[0].lower()}{JOIN_HINT[1:]}",
        )
    if found.st_mode & 0o077:
        return PeerlogError(
            f"The hub settings {path} can be read or changed by others, and they hold your hub password, "
            "so peerlog will not use them.",
            hint=f"Make the file yours only with `chmod 600 {path}`, then try again.",
        )
    if hasattr(os, "getuid") and found.st_uid != os.getuid():
        return PeerlogError(
            f"The hub settings {path} belong to another user, so peerlog will not use them.",
            hint="Use a journal of your own (PEERLOG_HOME or --db).",
        )
    return None


def read_settings(journal: Path) -> HubSettings | None:
    """This journal's hub, or None when it has not joined one. A damaged or exposed file is one line."""
    path = settings_path(journal)
    try:
        found = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    problem = _settings_problem(path, found)
    if problem is not None:
        raise problem
    from peerlog.files import read_regular_file

    try:
        return HubSettings.from_dict(json.loads(read_regular_file(path).decode("utf-8")))
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PeerlogError(
            f"peerlog cannot read the hub settings {path}: {error.strerror or error}."
        ) from None
    except (UnicodeDecodeError, ValueError):
        raise PeerlogError(
            f"The hub settings {path} are damaged, so peerlog cannot reach your hub; nothing was changed.",
            hint="Join again with the code your programme sent you: `peerlog hub join CODE`.",
        ) from None


def require_settings(journal: Path) -> HubSettings:
    found = read_settings(journal)
    if found is None:
        raise NotJoinedError("This journal has not joined a programme hub yet.", hint=JOIN_HINT)
    return found


def write_settings(journal: Path, settings: HubSettings) -> Path:
    """Owner-only from the first byte and atomic (as the key file is), replacing an older one."""
    from peerlog.files import describe_os_error, fill_then_place

    path = settings_path(journal)

    def fill(temporary: Path) -> None:
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            json.dump({"note": _NOTE, **settings.to_dict()}, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())

    try:
        return fill_then_place(path, fill, force=True)
    except OSError as error:
        raise describe_os_error(error, path) from None


# ---------------------------------------------------------------- the connection


@dataclass(frozen=True)
class Member:
    """One entry of the hub's directory: an active member who has registered a key."""

    name: str
    role: str
    key: str
    #: The hub's number for them: the mailbox holds it as sender and recipient (4 bytes, not a role's 64).
    num: int


class Outgoing(NamedTuple):
    """One sealed bundle on its way into the mailbox."""

    recipient: int  # member.num, from the directory
    bundle_id: str
    body: bytes


@dataclass(frozen=True)
class Row:
    """One sealed bundle waiting in the mailbox for this member."""

    seq: int
    bundle_id: str
    body: bytes
    space_id: str


def _primary(error: Exception) -> str:
    diag = getattr(error, "diag", None)
    message = getattr(diag, "message_primary", None) or str(error).strip().splitlines()[0]
    return message.rstrip(".")


def _shut_out(text: str) -> bool:
    """Whether a failed connection means the hub refused this role (rather than could not be reached)."""
    lowered = text.lower()
    return (
        "not permitted to log in" in lowered
        or ("role" in lowered and "does not exist" in lowered)
        or "authentication failed" in lowered
        or "permission denied for database" in lowered
    )


class Hub:
    """One connection to the hub as this member (autocommit: each statement is its own server commit).

    Used as a context manager; every psycopg error inside becomes one of the errors above."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self._conn: psycopg.Connection[Any] | None = None
        self.listening = False

    # -- connecting

    def _connect(self) -> psycopg.Connection[Any]:
        psycopg = require_driver()
        try:
            return psycopg.connect(
                self.settings.conninfo(connect_timeout=CONNECT_TIMEOUT),
                autocommit=True,
                # A connection that stops answering is noticed in seconds, not the system's hours.
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
            )
        except psycopg.OperationalError as error:
            raise self._connect_error(str(error)) from None

    def _ended(self) -> MembershipEndedError:
        s = self.settings
        return MembershipEndedError(
            f"The hub at {s.where} no longer lets {s.name} in, so nothing was sent or received; your "
            "journal is unchanged.",
            hint="Your membership may have ended. If that is a mistake, ask your programme for a new "
            "invitation, then `peerlog hub join CODE`.",
        )

    def _connect_error(self, text: str) -> PeerlogError:
        s = self.settings
        if _shut_out(text):
            return self._ended()
        if "database" in text.lower() and "does not exist" in text.lower():
            return HubUnreachableError(
                f"The hub {s.where} is not there any more (the server has no database {s.dbname}); your "
                "journal is unchanged.",
                hint="Check with your programme where the hub moved.",
            )
        return HubUnreachableError(
            f"The hub at {s.host}:{s.port} cannot be reached, so nothing was sent or received; your journal is "
            "unchanged.",
            hint="Check that this machine is online; if it is, the hub may be down for a while. Sync again later.",
        )

    def __enter__(self) -> Hub:
        self.conn()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def conn(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
            self.listening = False
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()
        self.listening = False

    @contextmanager
    def talking(self) -> Iterator[psycopg.Connection[Any]]:
        """The connection, with every server error turned into one line for the member."""
        import psycopg

        conn = self.conn()
        try:
            yield conn
        except psycopg.OperationalError:
            self.close()
            raise self._dropped() from None
        except psycopg.Error as error:
            message = _primary(error)
            if error.sqlstate == "42501" and ("current member" in message or "permission denied" in message):
                self.close()
                raise self._ended() from None
            if error.sqlstate in ("42501", "22023", "23505", "P0001"):
                # The hub's own functions say what they refuse in words meant for the member.
                raise PeerlogError(f"The hub refused: {message}; your journal is unchanged.") from None
            raise PeerlogError(
                f"The hub at {self.settings.where} could not do that: {message}; your journal is unchanged.",
                hint="It may be running an older or newer hub than this peerlog expects; tell your programme.",
            ) from None

    def _dropped(self) -> PeerlogError:
        """A connection that ended part way: removed from the programme, or a fault on the way."""
        try:
            self._connect().close()
        except MembershipEndedError as ended:
            return ended
        except PeerlogError:
            pass
        return HubDroppedError(
            f"The connection to the hub at {self.settings.where} dropped during the sync. What arrived before "
            "is in your journal, and nothing was half-applied.",
            hint="Sync again: it carries on where this one stopped, and nothing arrives twice.",
        )

    # -- what a member may do

    def register_key(self, code: str) -> None:
        with self.talking() as conn:
            conn.execute(f"select {_SCHEMA}.hub_register_key(%s)", (code,))

    def directory(self) -> list[Member]:
        with self.talking() as conn:
            rows = conn.execute(
                f"select name, role, public_key, num from {_SCHEMA}.hub_directory()"
            ).fetchall()
        return [Member(str(name), str(role), str(key), int(num)) for name, role, key, num in rows if key]

    def is_coordinator(self) -> bool:
        """Whether this role is a coordinator's: they may not even read their own row of the directory."""
        import psycopg

        with self.talking() as conn:
            try:
                conn.execute(f"select 1 from {_SCHEMA}.member limit 1")
            except psycopg.errors.InsufficientPrivilege:
                return True
        return False

    def open_pair(self, peer_role: str) -> str:
        with self.talking() as conn:
            row = conn.execute(f"select {_SCHEMA}.hub_open_pair(%s)", (peer_role,)).fetchone()
        assert row is not None  # a function call always returns one row
        return str(row[0])

    def open_circle(self, roles: list[str], space: str | None) -> str:
        with self.talking() as conn:
            row = conn.execute(f"select {_SCHEMA}.hub_open_circle(%s, %s)", (roles, space)).fetchone()
        assert row is not None
        return str(row[0])

    @contextmanager
    def only_device(self) -> Iterator[None]:
        """Hold the lock that keeps a second device of this member from syncing at the same moment."""
        with self.talking() as conn:
            row = conn.execute(
                "select pg_try_advisory_lock(%s, hashtext(current_user))", (_LOCK_CLASS,)
            ).fetchone()
        if not (row and row[0]):
            raise HubBusyError(
                "Another device of yours is syncing with the hub right now; this sync did nothing.",
                hint="Sync from one journal only: the hub hands each bundle to whichever device takes it first.",
            )
        try:
            yield
        finally:
            if self._conn is not None and not self._conn.closed:
                try:
                    with self.talking() as conn:
                        conn.execute("select pg_advisory_unlock(%s, hashtext(current_user))", (_LOCK_CLASS,))
                except PeerlogError:
                    pass  # the connection has gone, and the server let the lock go with it

    def mark_session(self, space_id: str, day: date) -> None:
        with self.talking() as conn:
            conn.execute(f"select {_SCHEMA}.hub_mark_session(%s, %s)", (space_id, day))

    def send(self, space_id: str, bundles: list[Outgoing]) -> None:
        """Sealed bundles into the mailbox, all or none; returns once the server has committed them.

        One statement for them all: the mailbox's trigger (activity days, the coalesced wake-up) runs once
        per statement, and one round trip and one commit serve a whole circle."""
        if not bundles:
            return
        recipients, bundle_ids, bodies = (list(column) for column in zip(*bundles, strict=True))
        with self.talking() as conn:
            conn.execute(
                f"insert into {_SCHEMA}.mailbox (space_id, sender, recipient, bundle_id, body)"
                f" select %s, (select {_SCHEMA}.hub_my_num()), r, b, x"
                " from unnest(%s::int[], %s::uuid[], %s::bytea[]) as u(r, b, x)",
                (space_id, recipients, bundle_ids, bodies),
            )

    def page(self, after: int) -> list[Row]:
        # Only what is addressed to me, by the mailbox's read policy (no need, and no way, to say so here):
        # the plan walks (recipient, seq) from the cursor and stops after a page.
        with self.talking() as conn:
            rows = conn.execute(
                f"select seq, bundle_id, body, space_id from {_SCHEMA}.mailbox where seq > %s order by seq "
                f"limit {PAGE}",
                (after,),
            ).fetchall()
        return [Row(int(seq), bundle_id.hex, bytes(body), str(space)) for seq, bundle_id, body, space in rows]

    def delete(self, seqs: list[int]) -> None:
        if not seqs:
            return
        with self.talking() as conn:
            conn.execute(f"delete from {_SCHEMA}.mailbox where seq = any(%s)", (seqs,))

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for the hub's notification that something arrived; True if one came."""
        from psycopg import sql

        with self.talking() as conn:
            if not self.listening:
                conn.execute(sql.SQL("listen {}").format(sql.Identifier(self.settings.channel)))
                self.listening = True
            for _notice in conn.notifies(timeout=seconds, stop_after=1):
                return True
        return False


# ---------------------------------------------------------------- joining


@dataclass(frozen=True)
class Joined:
    settings: HubSettings
    key: PeerKey
    again: bool


def decode(code: str) -> HubSettings:
    """The settings a join code holds; a damaged code is one line (`hubcodes.decode_join`)."""
    from peerlog.hubcodes import decode_join

    return HubSettings.of(decode_join(code))


def join(store: Store, code: str) -> Joined:
    """Join the hub a code names: register this journal's key as yours there, then keep the settings.

    One hub per journal: a code for another hub is refused while this one is set."""
    from peerlog.peer_keys import own_identity

    settings = decode(code)
    current = read_settings(store.path)
    if current is not None and current.hub_id != settings.hub_id:
        raise InputError(
            f"This journal already belongs to the hub at {current.where}; a journal joins one hub.",
            hint="Use another journal (PEERLOG_HOME or --db) for a second programme.",
        )
    identity, _name = own_identity(store)
    with Hub(settings) as hub:
        hub.register_key(identity.public.code)
        settings = HubSettings.of(settings, coordinator=hub.is_coordinator())
    write_settings(store.path, settings)
    return Joined(settings, identity.public, again=current is not None)


# ---------------------------------------------------------------- pairs through the hub


@dataclass(frozen=True)
class HubPair:
    pair: PairView
    change: KeyChange
    created: bool
    space_id: str


def _find_member(directory: list[Member], name: str, me: HubSettings, key: str | None) -> Member:
    from peerlog.lookup import by_name, name_key, one_match

    others = [m for m in directory if m.role != me.role]
    if key is not None and (same := [m for m in others if m.key == key]):
        return same[0]
    matches = by_name(others, name, key_of=lambda m: name_key(m.name)) if name_key(name) else []
    if not matches:
        raise NotFoundError(
            f"No one called '{name}' is in the hub's directory.",
            hint="People appear there once they have joined with `peerlog hub join`; check the name with them.",
        )
    return one_match(matches, name, "member of the hub", name_of=lambda m: m.name)


def link_pair(store: Store, name: str, *, adding: bool, agreement: str | None = None) -> HubPair:
    """Pair with `name` through the hub (`pair add NAME --hub`), or move a pair there (`pair set NAME --hub`):
    the peer's key comes from the hub's directory, and the hub opens the pair's space."""
    from peerlog.models import HubSpace
    from peerlog.pairs import add_pair, peer_of, resolve_pair, view
    from peerlog.peer_keys import own_identity, set_peer_key

    settings = _member_settings(store)
    identity, _name = own_identity(store)
    known_key = None
    if not adding:
        with store.session() as session:
            peer = peer_of(session, name)
            name, known_key = peer.name, peer.public_key
    with Hub(settings) as hub:
        member = _find_member(hub.directory(), name, settings, known_key)
        space_id = hub.open_pair(member.role)
    from peerlog.identity import PeerKey

    key = PeerKey.from_code(member.key)
    with store.session(write=True) as session:
        created = False
        if adding:
            try:
                added, created = add_pair(session, peer_name=member.name, agreement=agreement)
            except InputError as error:
                if "already a pair" not in error.message:
                    raise
                raise InputError(
                    error.message,
                    hint=f'To sync it through the hub: `peerlog pair set "{member.name}" --hub`.',
                ) from None
            name = added.peer
        pair = resolve_pair(session, name)
        change = set_peer_key(session, peer_of(session, name), key, mine=identity.public, replace=not adding)
        row = session.get(HubSpace, pair.id) or HubSpace(local_id=pair.id, kind="pair", space_id=space_id)
        row.space_id = space_id
        session.add(row)
        session.flush()
        return HubPair(view(session, pair), change, created, space_id)


@dataclass(frozen=True)
class HubGroup:
    group: str
    space_id: str
    #: Current members (you aside) found in the hub's directory by the key your journal holds for them,
    #: and those who are not there (no key here yet, not on the hub, or on it with another key).
    on_hub: list[str]
    missing: list[str]


def link_group(store: Store, name: str) -> HubGroup:
    """Sync a group through the hub (`group set NAME --hub`): a circle on the hub with every current member
    whose key is in its directory. Run again after someone joins, or let the next sync add them."""
    from peerlog.groups import current_members, resolve_group
    from peerlog.models import HubSpace
    from peerlog.people import get_self

    settings = _member_settings(store)
    with store.session() as session:
        found = resolve_group(session, name, active_only=True)
        me = get_self(session)
        members = [p for p in current_members(session, found.id) if p.id != me.id]
        existing = session.get(HubSpace, found.id)
        group_id, group_name = found.id, found.name
    with Hub(settings) as hub:
        roles = {m.key: m.role for m in hub.directory()}
        on_hub = [p for p in members if p.public_key in roles]
        space_id = hub.open_circle(
            [roles[p.public_key] for p in on_hub if p.public_key], existing.space_id if existing else None
        )
    with store.session(write=True) as session:
        row = session.get(HubSpace, group_id) or HubSpace(local_id=group_id, kind="group", space_id=space_id)
        row.space_id = space_id
        session.add(row)
    return HubGroup(
        group_name, space_id, [p.name for p in on_hub], [p.name for p in members if p not in on_hub]
    )


def _member_settings(store: Store) -> HubSettings:
    """This journal's hub, as a member's: a coordinator's place there syncs nothing."""
    settings = require_settings(store.path)
    if settings.coordinator:
        raise InputError(
            f"You are on the hub at {settings.where} as a coordinator, who sees participation counts only, "
            "so nothing syncs through your place there.",
            hint="Pair by code instead: `peerlog pair add NAME --key CODE`.",
        )
    return settings


# ---------------------------------------------------------------- syncing


def _cursor_key(settings: HubSettings) -> str:
    return f"hub.{settings.hub_id}.cursor"


def _synced_key(settings: HubSettings) -> str:
    return f"hub.{settings.hub_id}.synced_at"


def _set_meta(session: Session, key: str, value: str) -> None:
    from peerlog.models import Meta

    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def _get_meta(session: Session, key: str) -> str | None:
    from peerlog.models import Meta

    row = session.get(Meta, key)
    return row.value if row else None


@dataclass
class HubPass:
    """One sync with the hub: a report per peer (as for a folder), bundles left alone, and what stopped it."""

    reports: list[FolderSync] = field(default_factory=list)
    #: (a short name for the bundle, why) for bundles refused: dropped when they can never be opened,
    #: kept in the mailbox for the next sync when they may be usable later.
    refused: list[tuple[str, str]] = field(default_factory=list)
    problem: PeerlogError | None = None


@dataclass(frozen=True)
class _Plan:
    """A pair or group that syncs through the hub: whom it is shared with (`label`) and its space there."""

    local_id: str
    label: str
    space_id: str
    group: bool


def _local_id(session: Session, *, pair: str | None, group: str | None) -> str | None:
    from peerlog.groups import resolve_group
    from peerlog.pairs import resolve_pair

    if pair is not None:
        return resolve_pair(session, pair).id
    if group is not None:
        return resolve_group(session, group).id
    return None


def hub_space_of(store: Store, *, pair: str | None = None, group: str | None = None) -> str | None:
    """The hub's space for the one pair or group named, None when it does not sync through the hub."""
    from peerlog.models import HubSpace

    with store.session() as session:
        local_id = _local_id(session, pair=pair, group=group)
        row = session.get(HubSpace, local_id) if local_id is not None else None
        return row.space_id if row else None


def _plan(store: Store, *, pair: str | None = None, group: str | None = None) -> list[_Plan]:
    from sqlmodel import select

    from peerlog.models import Group, HubSpace, Pair, Person
    from peerlog.pairs import peer_id_of
    from peerlog.people import get_self

    with store.session() as session:
        me = get_self(session)
        rows = list(session.exec(select(HubSpace)))
        chosen = _local_id(session, pair=pair, group=group)
        if chosen is not None:
            rows = [r for r in rows if r.local_id == chosen]
        plan = []
        for row in rows:
            if row.kind == "group":
                found = session.get(Group, row.local_id)
                if found is not None and found.ended_at is None:
                    plan.append(_Plan(row.local_id, found.name, row.space_id, True))
                continue
            pair_row = session.get(Pair, row.local_id)
            if pair_row is None or pair_row.ended_at is not None:
                continue
            peer = session.get_one(Person, peer_id_of(pair_row, me.id))
            plan.append(_Plan(row.local_id, peer.name, row.space_id, False))
    # Pairs first, then groups, each by name, as the folders are.
    return sorted(plan, key=lambda p: (p.group, p.label.casefold()))


def sync_hub(
    store: Store, identity: Identity, *, hub: Hub, pair: str | None = None, group: str | None = None
) -> HubPass:
    """Push every hub pair's and group's changes (or just `pair`'s or `group`'s), then take in everything
    addressed to you.

    A fault with the hub as a whole (unreachable, dropped, membership ended, another device syncing) ends
    the pass and is its `problem`: what was applied before stays applied, nothing is half-done."""
    from peerlog.exchange import FolderSync

    done = HubPass()
    where = hub.settings.where
    plan = _plan(store, pair=pair, group=group)
    reports = {(p.group, p.label): FolderSync(p.label, where, group=p.group, hub=True) for p in plan}
    try:
        with hub.only_device():
            directory = hub.directory() if plan else []
            roles = {m.key: m.role for m in directory}
            nums = {m.key: m.num for m in directory}
            for item in plan:
                _push(store, identity, hub, item, roles, nums, reports[(item.group, item.label)])
            _pull(store, identity, hub, reports, done)
    except PeerlogError as error:
        done.problem = error
    done.reports = sorted(reports.values(), key=lambda r: (r.group, r.peer.casefold()))
    return done


def _push(
    store: Store,
    identity: Identity,
    hub: Hub,
    item: _Plan,
    roles: dict[str, str],
    nums: dict[str, int],
    report: FolderSync,
) -> None:
    """Seal what the peer (or each member) has not been sent, put it in the mailbox, then note it sent."""
    from peerlog.changesets import distinct_sent
    from peerlog.exchange import KeyNeededError, members_without_key, seal_changes, seal_group_changes
    from peerlog.models import Group, Pair

    try:
        with store.session(write=True) as session:
            if item.group:
                found = session.get_one(Group, item.local_id)
                report.no_key = members_without_key(session, found)
                sealed = seal_group_changes(session, found, identity, everything=False)
            else:
                sealed = [
                    seal_changes(session, session.get_one(Pair, item.local_id), identity, everything=False)
                ]
            sealed = [one for one in sealed if not one.outgoing.empty]
            away = [one.peer for one in sealed if one.peer_key.code not in roles]
            sealed = [one for one in sealed if one.peer_key.code in roles]
            if away:
                report.problem = (
                    f"{_and(away)} {'is' if len(away) == 1 else 'are'} not in the hub's directory with the key you "
                    "hold (their membership may have ended, or they joined with a new key); nothing was sent to "
                    "them."
                )
            if not sealed:
                return
            if item.group:
                # Members who joined the group since it moved to the hub join its circle there too.
                hub.open_circle([roles[one.peer_key.code] for one in sealed], item.space_id)
            # Counted before anything is marked sent, which empties what they count.
            counted = distinct_sent([one.outgoing for one in sealed])
            hub.send(
                item.space_id,
                [Outgoing(nums[one.peer_key.code], one.bundle_id, b"".join(one.chunks())) for one in sealed],
            )
            # Only now that the server has committed every one of them (or none: then nothing is marked).
            for one in sealed:
                one.mark_delivered(session)
            report.sent_entries, report.sent_removed, report.sent_wins = counted
            report.sent_to = [one.peer for one in sealed] if item.group else []
            _mark_sessions(session, hub, item)
    except KeyNeededError as error:
        report.problem = str(error)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _mark_sessions(session: Session, hub: Hub, item: _Plan) -> None:
    """Tell the hub on which days you shared a check-in with this peer (or recorded a session of this group
    that you share), changed since the last time: its coordinator counts them as sessions per week. Days
    only, never what or how many; private entries never count, since even their existence stays here."""
    from datetime import timedelta

    from sqlmodel import col, select

    from peerlog.models import SHARED, CheckIn, GroupSession, utcnow
    from peerlog.people import get_self

    key = f"hub.{hub.settings.hub_id}.sessions.{item.local_id}"
    since = _get_meta(session, key)
    me = get_self(session).id
    model: type[CheckIn] | type[GroupSession] = GroupSession if item.group else CheckIn
    query = select(model.at, model.utc_offset).where(
        (model.group_id if item.group else CheckIn.pair_id) == item.local_id,
        model.author_id == me,
        model.visibility == SHARED,
    )
    if since is not None:
        query = query.where(col(model.updated_at) > datetime.fromisoformat(since))
    now = utcnow()
    days = {
        (at.replace(tzinfo=None) + timedelta(minutes=offset)).date() for at, offset in session.exec(query)
    }
    for day in sorted(days):
        hub.mark_session(item.space_id, day)
    _set_meta(session, key, now.isoformat())


def _pull(
    store: Store,
    identity: Identity,
    hub: Hub,
    reports: dict[tuple[bool, str], FolderSync],
    done: HubPass,
) -> None:
    from peerlog.exchange import FolderSync, receive
    from peerlog.models import utcnow

    settings = hub.settings
    with store.session() as session:
        cursor = int(_get_meta(session, _cursor_key(settings)) or 0)
    after, moving = cursor, True
    while True:
        rows = hub.page(after)
        gone: list[int] = []
        for row in rows:
            try:
                with store.session(write=True) as session:
                    arrival = receive(session, BytesIO(row.body), identity)
                    if arrival.group is not None:
                        _follow_circle(session, arrival.group, row.space_id)
            except BundleError as error:
                # It can never be opened (damaged, cut short, not for this key): nobody else can read it.
                name = f"bundle {row.bundle_id[:8]}"
                done.refused.append((name, f"{error.message} It was dropped from the hub."))
                gone.append(row.seq)
            except PeerlogError as error:
                # From someone this journal cannot link yet: it stays in the mailbox for a later sync.
                done.refused.append((f"bundle {row.bundle_id[:8]}", f"{error.message} It waits on the hub."))
                moving = False
            else:
                gone.append(row.seq)
                if not arrival.already:
                    label = (arrival.group is not None, arrival.group or arrival.sender)
                    if label not in reports:
                        reports[label] = FolderSync(label[1], settings.where, group=label[0], hub=True)
                    reports[label].arrivals.append(arrival)
            if moving:
                cursor = row.seq
        hub.delete(gone)
        with store.session(write=True) as session:
            _set_meta(session, _cursor_key(settings), str(cursor))
            if len(rows) < PAGE:
                _set_meta(session, _synced_key(settings), utcnow().isoformat())
        if len(rows) < PAGE:
            return
        after = rows[-1].seq


def _follow_circle(session: Session, group_name: str, space_id: str) -> None:
    """A group's bundle that came through the hub: the group syncs back the same way, in the same circle
    (unless it has a sync folder here). Members who each moved the group onto the hub may have opened a
    circle each: everyone settles on the lowest id among those they meet, so the circle is one on the hub
    (and in the coordinator's counts)."""
    from peerlog.groups import resolve_group
    from peerlog.models import GroupSyncFolder, HubSpace

    group_id = resolve_group(session, group_name).id
    row = session.get(HubSpace, group_id)
    if row is None and session.get(GroupSyncFolder, group_id) is None:
        session.add(HubSpace(local_id=group_id, kind="group", space_id=space_id))
    elif row is not None and space_id < row.space_id:
        row.space_id = space_id
        session.add(row)


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class HubStatus:
    settings: HubSettings
    synced_at: datetime | None
    pairs: list[str]
    groups: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        s = self.settings
        return {
            "hub": s.where,
            "hub_id": s.hub_id,
            "name": s.name,
            "role": s.role,
            "last_sync": self.synced_at.isoformat() if self.synced_at else None,
            "pairs": self.pairs,
            "groups": self.groups,
        }


def status(store: Store) -> HubStatus | None:
    """Which hub, as whom, when it last synced and which pairs go through it: read here, nothing sent."""
    settings = read_settings(store.path)
    if settings is None:
        return None
    with store.session() as session:
        stamp = _get_meta(session, _synced_key(settings))
    plan = _plan(store)
    return HubStatus(
        settings,
        datetime.fromisoformat(stamp) if stamp else None,
        [p.label for p in plan if not p.group],
        [p.label for p in plan if p.group],
    )
