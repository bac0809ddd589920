"""Join codes for a programme hub: `plhub1` + base64url of a small JSON object (stand-in until hubsrv's lands)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from peerlog.errors import InputError

PREFIX = "plhub1"
_HINT = "Copy the whole line your programme sent you; it starts with plhub1."


def encode_join(**fields: Any) -> str:
    raw = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    return PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_join(code: str) -> dict[str, Any]:
    text = "".join(code.split())
    if not text.startswith(PREFIX):
        raise InputError("That is not a hub join code.", hint=_HINT)
    body = text[len(PREFIX) :]
    try:
        found = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InputError("That hub join code is damaged.", hint=_HINT) from None
    if not isinstance(found, dict):
        raise InputError("That hub join code is damaged.", hint=_HINT)
    return found
