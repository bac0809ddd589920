"""Your journal's identity: one Ed25519 key pair, kept owner-only beside the journal.

One public key is the whole identity: it checks your signatures, and its X25519 form (PyNaCl's
`to_curve25519_*`) is what bundles to you are encrypted to. People see it three ways:

- the **code** (`pl1...`) that `peerlog id` prints and a peer types into `pair add --key`: `pl1` then the
  key and a 3-byte check, in lowercase base32, so a typo is caught rather than linking the wrong person;
- the **fingerprint**: 30 digits in 6 groups of 5 that two people read to each other to confirm the code
  arrived unchanged (as messaging apps do with safety numbers);
- the **key id**: 16 hex characters that name the key in a sealed bundle's envelope and in file names.

The key file (`peerlog.db.key` beside `peerlog.db`) is written once, atomically and owner-only, and never
replaced: a new key would mean every peer has to accept a new code. Only the secret half needs PyNaCl, and
it is imported inside the functions that make or read it, so `--help` and everyday commands never load it;
codes and fingerprints are plain hashing.

Only the standard library, peerlog's errors and its file rules, so the store can call it after an upgrade.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from peerlog.errors import InputError, PeerlogError
from peerlog.files import KEY_SUFFIX

if TYPE_CHECKING:
    import nacl.signing

CODE_PREFIX = "pl1"
KEY_BYTES = 32
CHECK_BYTES = 3
#: `pl1` and 35 bytes in base32 (56 letters, no padding).
CODE_LENGTH = len(CODE_PREFIX) + (KEY_BYTES + CHECK_BYTES) * 8 // 5
#: How `peerlog id` is named in messages that send people to it.
ID_COMMAND = "peerlog id"
CODE_HINT = f"Ask your peer to run `{ID_COMMAND}` and send you the code it prints, then copy it whole."
_BASE32 = set("abcdefghijklmnopqrstuvwxyz234567")
#: Each use of a hash is separated from the others, so one can never stand in for another.
_CHECK_DOMAIN = b"peerlog-code\0"
_FINGERPRINT_DOMAIN = b"peerlog-fingerprint\0"
_FILE_HEADER = "# peerlog identity key. Private: never send this file; `peerlog id` prints what to share."


def _check(raw: bytes) -> bytes:
    return hashlib.sha256(_CHECK_DOMAIN + raw).digest()[:CHECK_BYTES]


@dataclass(frozen=True)
class PeerKey:
    """Someone's public key (yours or a peer's): the 32 bytes of an Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != KEY_BYTES:
            raise ValueError(f"a public key is {KEY_BYTES} bytes, not {len(self.raw)}")

    @property
    def code(self) -> str:
        """What `peerlog id` prints and a peer types: `pl1` + base32 of the key and its check."""
        letters = base64.b32encode(self.raw + _check(self.raw)).decode("ascii").rstrip("=").lower()
        return CODE_PREFIX + letters

    @property
    def fingerprint(self) -> str:
        """30 digits in 6 groups of 5, for two people to read to each other."""
        digest = hashlib.sha256(_FINGERPRINT_DOMAIN + self.raw).digest()
        groups = (int.from_bytes(digest[i * 5 : i * 5 + 5], "big") % 100_000 for i in range(6))
        return " ".join(f"{group:05d}" for group in groups)

    @property
    def key_id(self) -> str:
        """16 hex characters naming the key in envelopes and file names."""
        from peerlog.sealing import key_id

        return key_id(self.raw)

    @classmethod
    def from_code(cls, text: str) -> PeerKey:
        """The key a code stands for. Case, spaces and `-` do not matter; a typo is an `InputError`."""
        cleaned = "".join(text.split()).replace("-", "").lower()
        if not cleaned:
            raise InputError("The identity code is empty.", hint=CODE_HINT)
        if not cleaned.startswith(CODE_PREFIX):
            raise InputError(
                f"That is not a peerlog identity code (a code starts with {CODE_PREFIX}).", hint=CODE_HINT
            )
        body = cleaned[len(CODE_PREFIX) :]
        if len(cleaned) != CODE_LENGTH or not set(body) <= _BASE32:
            odd = sorted(set(body) - _BASE32)
            what = (
                f"it holds characters a code never has ({' '.join(odd[:5])})"
                if odd
                else f"it is {len(cleaned)} characters long, and a code has {CODE_LENGTH}"
            )
            raise InputError(f"That identity code is not complete or not right: {what}.", hint=CODE_HINT)
        try:
            decoded = base64.b32decode(body.upper())
        except binascii.Error:
            raise InputError("That identity code cannot be read.", hint=CODE_HINT) from None
        raw, check = decoded[:KEY_BYTES], decoded[KEY_BYTES:]
        if _check(raw) != check:
            raise InputError(
                "That identity code has a typo somewhere (its check does not match).",
                hint="Copy it again from what your peer sent, whole.",
            )
        return cls(raw)


@dataclass(frozen=True)
class Identity:
    """Your key pair. The secret half never leaves the key file (and the backups you make)."""

    signing_key: nacl.signing.SigningKey

    @property
    def public(self) -> PeerKey:
        return PeerKey(bytes(self.signing_key.verify_key))


def key_path(journal: Path) -> Path:
    """Where a journal's key lives: its own path plus `.key` (`peerlog.db.key`)."""
    return Path(f"{journal}{KEY_SUFFIX}")


def key_file_text(identity: Identity) -> str:
    """The key file's contents: the secret seed, and the public code to find damage by."""
    seed = base64.b64encode(identity.signing_key.encode()).decode("ascii")
    return f"{_FILE_HEADER}\nseed: {seed}\npublic: {identity.public.code}\n"


def _damaged(path: Path) -> PeerlogError:
    return PeerlogError(
        f"The key file {path} is damaged, so peerlog cannot use it; nothing was changed.",
        hint=f"Put back the copy from your backup (the .key file beside it), or move this one aside and run "
        f"`{ID_COMMAND}` to make a new key (your peers will then need your new code).",
    )


def key_file_problem(path: Path) -> PeerlogError | None:
    """What is wrong with the file at `path` before it is read (not a regular file, readable by others);
    None when it looks right or is not there. Only a `stat`: cheap enough for `peerlog doctor`."""
    try:
        found = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(found.st_mode):
        from peerlog.files import kind_of

        return PeerlogError(
            f"The key file {path} is {kind_of(found.st_mode)}, not a regular file, so peerlog will not use it.",
            hint="Move it aside and put your key file back from your backup.",
        )
    if found.st_mode & 0o077:
        return PeerlogError(
            f"The key file {path} can be read or changed by others, so peerlog will not use it.",
            hint=f"Make it yours only with `chmod 600 {path}`, then try again.",
        )
    if hasattr(os, "getuid") and found.st_uid != os.getuid():
        return PeerlogError(
            f"The key file {path} belongs to another user, so peerlog will not use it.",
            hint="Use a journal of your own (PEERLOG_HOME or --db).",
        )
    return None


def read_key_file(path: Path) -> Identity | None:
    """The identity in the key file at `path`, None when there is none; a problem is one line."""
    problem = key_file_problem(path)
    if problem is not None:
        raise problem
    from peerlog.files import read_regular_file

    try:
        data = read_regular_file(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PeerlogError(
            f"peerlog cannot read the key file {path}: {error.strerror or error}.",
            hint="Check that this file belongs to you and that you may read it.",
        ) from None
    fields: dict[str, str] = {}
    try:
        for line in data.decode("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, value = line.partition(":")
                fields[name.strip()] = value.strip()
        seed = base64.b64decode(fields["seed"], validate=True)
    except (UnicodeDecodeError, KeyError, binascii.Error):
        raise _damaged(path) from None
    if len(seed) != KEY_BYTES:
        raise _damaged(path)
    import nacl.signing

    identity = Identity(nacl.signing.SigningKey(seed))
    if fields.get("public") != identity.public.code:
        raise _damaged(path)
    return identity


def load_identity(journal: Path) -> Identity | None:
    """The journal's identity, or None when it has no key yet."""
    return read_key_file(key_path(journal))


def write_key_file(path: Path, identity: Identity, *, force: bool = False) -> Path:
    """Write `identity` to `path` owner-only (whatever the umask) and atomically; never over a file
    unless `force` (used for a backup's copy, never for a journal's own key)."""
    from peerlog.files import fill_then_place

    def fill(temporary: Path) -> None:
        # The temporary file is made owner-only, and the final name is linked to it, so the secret is
        # never readable by others, not even for a moment.
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(key_file_text(identity))
            handle.flush()
            os.fsync(handle.fileno())

    return fill_then_place(path, fill, force=force)


def ensure_identity(journal: Path) -> Identity:
    """The journal's identity, made (once, for good) when it has none yet."""
    existing = load_identity(journal)
    if existing is not None:
        return existing
    import nacl.signing

    from peerlog.files import describe_os_error

    path = key_path(journal)
    made = Identity(nacl.signing.SigningKey.generate())
    try:
        write_key_file(path, made)
    except InputError:
        # Another peerlog made it a moment ago: theirs is the key, never replaced.
        found = load_identity(journal)
        if found is None:
            raise
        return found
    except OSError as error:
        raise describe_os_error(error, path) from None
    return made
