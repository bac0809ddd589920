"""Join codes for a programme hub: the one line an admin hands to a person so they can join.

`plhub1` + base64url(JSON). Tiny and free of the driver, so the CLI can read a code without loading psycopg.
The code holds a password: it is handed over like a key, in person or through a channel the two trust.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from types import ModuleType

from peerlog.errors import InputError, PeerlogError

#: The start of every join code; the digit is the code's format, so a later one can be told apart.
PREFIX = "plhub1"
_FIELDS = ("host", "port", "dbname", "role", "password", "hub_id", "name")


@dataclass(frozen=True)
class JoinCode:
    """Where the hub is and who the person is on it."""

    host: str
    port: int
    dbname: str
    role: str
    password: str
    hub_id: str
    name: str

    def conninfo(self, *, connect_timeout: int = 5) -> str:
        """A libpq connection string for this person's own role (values quoted, so any name is safe)."""

        def quoted(value: object) -> str:
            return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

        parts = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.role,
            "password": self.password,
            "connect_timeout": connect_timeout,
            "application_name": "peerlog",
        }
        return " ".join(f"{key}={quoted(value)}" for key, value in parts.items())


def encode_join(
    *, host: str, port: int, dbname: str, role: str, password: str, hub_id: str, name: str
) -> str:
    """The code for one person: `plhub1…`, safe to paste into a shell unquoted."""
    import base64
    import json

    data = json.dumps(
        asdict(JoinCode(host, int(port), dbname, role, password, hub_id, name)), separators=(",", ":")
    )
    return PREFIX + base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii").rstrip("=")


DAMAGED = "This join code is damaged or incomplete; nothing was changed."
DAMAGED_HINT = (
    "Copy the whole line the hub's admin gave you (it starts with plhub1), or ask them for it again."
)


def decode_join(code: str) -> JoinCode:
    """The person and hub in a code, or an InputError that says the code is damaged (never half a code)."""
    import base64
    import binascii
    import json

    code = code.strip()
    if not code.startswith(PREFIX):
        raise InputError(DAMAGED, hint=DAMAGED_HINT)
    body = code[len(PREFIX) :]
    try:
        data = json.loads(
            base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True).decode("utf-8")
        )
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InputError(DAMAGED, hint=DAMAGED_HINT) from None
    if not isinstance(data, dict) or set(data) != set(_FIELDS):
        raise InputError(DAMAGED, hint=DAMAGED_HINT)
    if not all(isinstance(data[f], str) and data[f] for f in _FIELDS if f != "port"):
        raise InputError(DAMAGED, hint=DAMAGED_HINT)
    port = data["port"]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise InputError(DAMAGED, hint=DAMAGED_HINT)
    return JoinCode(**{f: data[f] for f in _FIELDS})


def require_driver() -> ModuleType:
    """psycopg, or one clear line on how to install it: the hub's commands (admin's and members') need the
    driver, and a plain `pip install peerlog` leaves it out so local commands stay light."""
    try:
        import psycopg
    except ImportError:
        raise PeerlogError(
            "The hub needs the PostgreSQL driver, which is not installed with this peerlog.",
            hint="Install it with `pip install 'peerlog[hub]'`.",
        ) from None
    return psycopg
