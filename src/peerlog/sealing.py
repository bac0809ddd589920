"""Sealed bundles: a file only one peer can read, that proves who made it, streamed both ways.

A bundle is three parts, each built from a libsodium primitive through PyNaCl (nothing hand-rolled):

1. **The envelope**, one line of JSON in clear: ``{"peerlog": "sealed", "v": 1, "id": ..., "to": ...}``.
   It leaves in clear only the bundle id and the recipient's key id (a hash of their public key), so a sync
   folder can skip files that are not for this journal, or already applied, by reading one line. No names,
   no sender, no counts. (An onlooker still sees the file's size, and the folder's file names, which
   `peerlog.syncing` chooses.)
2. **The key block**, ``crypto_box_seal`` to the recipient's X25519 key (the X25519 form of their Ed25519
   identity) of: sender public key ‖ signature ‖ stream key ‖ secretstream header. A sealed box hides who
   sent it but proves nothing about the sender, so the block carries the sender's Ed25519 **signature over
   envelope line ‖ recipient public key ‖ stream key ‖ secretstream header**:
   - the envelope: nobody can give a bundle another id (to pass off a replay as new) or another address;
   - the recipient key: Ana, who can open a bundle Sam sent her, cannot re-seal it to Zoë as if Sam had
     sent it to Zoë (surreptitious forwarding);
   - the stream key and header: the body that follows is the one the sender wrote, so a key block spliced
     onto another body, or re-made by a third party claiming to be the sender, is refused.
   The signed message starts with the envelope's ``{"peerlog": "sealed"``, which keeps these signatures
   apart from anything else the identity key may sign. The signature is not deniable: a recipient who
   reveals the stream key can show others what the sender wrote. Freshness (an old bundle replayed) is the caller's check, by bundle id and entry versions.
3. **The body**, ``crypto_secretstream_xchacha20poly1305`` frames of about 64 KiB of plaintext, each
   prefixed with its 4-byte big-endian length. Each frame is authenticated and chained to the one before,
   so a flipped byte, a dropped or reordered frame is refused at that frame; the envelope line is the
   associated data of the first frame; the last frame is tagged FINAL, so a file cut short is told apart
   from a complete one. Lengths are in clear and unauthenticated: each is checked against the largest
   frame this format writes before the frame is read, so a damaged length cannot make the reader allocate
   gigabytes, and any other change to one makes that frame fail to verify (or, for a length pointing past
   the end of the file, reads exactly as a file cut short).

Memory stays flat for any size: `seal` takes and gives an iterator of chunks, `unseal` reads one frame at a
time, and plaintext is handed out only after its frame has verified. `unseal` itself checks the envelope,
the key block and the signature before the caller sees a single byte; a damaged frame later raises at that
frame, and callers apply the plaintext inside one transaction so nothing of a refused bundle stays.

nacl is imported inside the functions that use it: `peerlog --help` never pays for it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from peerlog.errors import (
    NOTHING_IMPORTED,
    BundleDamagedError,
    BundleIncompleteError,
    BundleNotForYouError,
    InputError,
    NotABundleError,
)

if TYPE_CHECKING:
    from nacl.bindings import crypto_secretstream_xchacha20poly1305_state
    from nacl.signing import SigningKey

__all__ = [
    "FRAME_BYTES",
    "HEAD_BYTES",
    "KEY_BLOCK_BYTES",
    "Envelope",
    "Unsealed",
    "key_id",
    "looks_sealed",
    "read_envelope",
    "seal",
    "unseal",
]

FORMAT_VERSION = 1
#: Plaintext per frame: big enough that the per-frame cost vanishes, small enough to keep memory flat.
FRAME_BYTES = 64 * 1024
#: The longest envelope line, newline included: read this many bytes and `read_envelope` can decide.
HEAD_BYTES = 256

_KEY_BYTES = 32  # an Ed25519 public key, and the secretstream key
_SIGNATURE_BYTES = 64
_HEADER_BYTES = 24  # crypto_secretstream_xchacha20poly1305_HEADERBYTES
_SEAL_OVERHEAD = 48  # crypto_box_SEALBYTES: the ephemeral public key and the MAC
_FRAME_OVERHEAD = 17  # crypto_secretstream_xchacha20poly1305_ABYTES: the tag byte and the MAC
_LENGTH_BYTES = 4
_KEY_BLOCK_PLAIN = _KEY_BYTES + _SIGNATURE_BYTES + _KEY_BYTES + _HEADER_BYTES
KEY_BLOCK_BYTES = _KEY_BLOCK_PLAIN + _SEAL_OVERHEAD
_MAX_FRAME = FRAME_BYTES + _FRAME_OVERHEAD

_KEY_ID_CONTEXT = b"peerlog key id v1\x00"
_MAGIC = b'{"peerlog": "sealed", "v": '
_BUNDLE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")


def key_id(raw: bytes) -> str:
    """16 hex characters naming a 32-byte public key: for envelopes and file names, never for trust.

    Domain-separated, so it is not the hash of the key any other tool would print."""
    if len(raw) != _KEY_BYTES:
        raise ValueError(f"a public key is {_KEY_BYTES} bytes, not {len(raw)}")
    return hashlib.sha256(_KEY_ID_CONTEXT + raw).hexdigest()[:16]


@dataclass(frozen=True)
class Envelope:
    """What a bundle says in clear: its id and whose key it is for. Not proof of anything until unsealed."""

    bundle_id: str
    to_key_id: str
    #: The exact first line, newline included: the sender's signature covers these bytes.
    line: bytes


def _envelope_line(bundle_id: str, to_key_id: str) -> bytes:
    fields = {"peerlog": "sealed", "v": FORMAT_VERSION, "id": bundle_id, "to": to_key_id}
    return json.dumps(fields).encode("ascii") + b"\n"


def looks_sealed(head: bytes) -> bool:
    """Whether a file starting with `head` claims to be a sealed bundle (of any format version), so that
    opening it, rather than reading it as JSON, says what is wrong with it."""
    return head.startswith(_MAGIC)


def read_envelope(head: bytes) -> Envelope:
    """The envelope on the first line of `head` (the first `HEAD_BYTES` of a file are enough), cheaply.

    Raises `NotABundleError` for anything else, `BundleIncompleteError` for the start of an envelope cut
    short (a file still arriving) and `BundleDamagedError` for an envelope line that was altered."""
    end = head.find(b"\n", 0, HEAD_BYTES)
    if end < 0:
        if len(head) < HEAD_BYTES and (_MAGIC.startswith(head) or head.startswith(_MAGIC)):
            raise BundleIncompleteError()
        raise NotABundleError()
    line = head[: end + 1]
    if not line.startswith(_MAGIC):
        raise NotABundleError()
    try:
        fields = json.loads(line)
    except ValueError:
        raise BundleDamagedError("its first line is not readable") from None
    if not isinstance(fields, dict) or set(fields) != {"peerlog", "v", "id", "to"}:
        raise BundleDamagedError("its first line is not readable")
    version = fields["v"]
    if type(version) is not int:
        raise BundleDamagedError("its first line is not readable")
    if version != FORMAT_VERSION:
        raise NotABundleError(
            f"This bundle is in sealed format {version}, and this peerlog reads format {FORMAT_VERSION}; "
            f"{NOTHING_IMPORTED}",
            hint="If your peer has a newer peerlog, update yours and try again.",
        )
    bundle_id, to_key_id = fields["id"], fields["to"]
    if not (
        isinstance(bundle_id, str)
        and _BUNDLE_ID.fullmatch(bundle_id)
        and isinstance(to_key_id, str)
        and _KEY_ID.fullmatch(to_key_id)
        # One spelling only: what is in clear is exactly what the writer put there.
        and _envelope_line(bundle_id, to_key_id) == line
    ):
        raise BundleDamagedError("its first line is not readable")
    return Envelope(bundle_id=bundle_id, to_key_id=to_key_id, line=line)


def seal(
    plaintext: Iterable[bytes],
    *,
    signing_key: SigningKey,
    recipient: bytes,
    bundle_id: str,
    frame_bytes: int = FRAME_BYTES,
) -> Iterator[bytes]:
    """The sealed bundle of `plaintext` from `signing_key` to `recipient` (their 32-byte Ed25519 public key).

    Streams: chunks in, chunks out, one frame in memory. `frame_bytes` (at most `FRAME_BYTES`) exists for
    tests that need many frames from little data. The keys are checked here, before the first chunk."""
    from nacl import bindings, exceptions, public, signing

    if len(recipient) != _KEY_BYTES:
        raise ValueError(f"a public key is {_KEY_BYTES} bytes, not {len(recipient)}")
    if not _BUNDLE_ID.fullmatch(bundle_id):
        raise ValueError(f"a bundle id is 1-64 letters, digits, '-' or '_', not {bundle_id!r}")
    if not 1 <= frame_bytes <= FRAME_BYTES:
        raise ValueError(f"frame_bytes must be between 1 and {FRAME_BYTES}")
    try:
        box = public.SealedBox(signing.VerifyKey(recipient).to_curve25519_public_key())
    except exceptions.CryptoError:
        raise InputError(
            "This peer's identity code is not a usable key, so nothing was shared.",
            hint="Ask your peer for the code `peerlog id` shows them and add it again.",
        ) from None
    line = _envelope_line(bundle_id, key_id(recipient))
    stream_key = bindings.crypto_secretstream_xchacha20poly1305_keygen()
    state = bindings.crypto_secretstream_xchacha20poly1305_state()
    header = bindings.crypto_secretstream_xchacha20poly1305_init_push(state, stream_key)
    sender = signing_key.verify_key.encode()
    signature = signing_key.sign(line + recipient + stream_key + header).signature
    key_block = box.encrypt(sender + signature + stream_key + header)
    return _sealed(line + key_block, plaintext, state, line, frame_bytes)


def _sealed(
    head: bytes,
    plaintext: Iterable[bytes],
    state: crypto_secretstream_xchacha20poly1305_state,
    first_ad: bytes,
    frame_bytes: int,
) -> Iterator[bytes]:
    from nacl import bindings

    push = bindings.crypto_secretstream_xchacha20poly1305_push
    message_tag = bindings.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
    final_tag = bindings.crypto_secretstream_xchacha20poly1305_TAG_FINAL
    ad: bytes | None = first_ad

    def frame(data: bytes, tag: int) -> Iterator[bytes]:
        nonlocal ad
        sealed = push(state, data, ad, tag)
        ad = None
        # Two pieces rather than one joined: a 64 KiB copy per frame is a tenth of the time sealing takes.
        yield len(sealed).to_bytes(_LENGTH_BYTES, "big")
        yield sealed

    yield head
    # A full frame is held back until more data comes, so the last frame (FINAL) is never an empty extra.
    held: bytes | None = None
    pending = bytearray()
    for chunk in plaintext:
        view = memoryview(chunk)
        position = 0
        while position < len(view):
            if held is not None:
                yield from frame(held, message_tag)
                held = None
            if not pending and len(view) - position >= frame_bytes:
                # Whole frames straight from the chunk: no copy at all when the chunk is one frame of bytes.
                whole = len(view) == frame_bytes and isinstance(chunk, bytes)
                held = chunk if whole else bytes(view[position : position + frame_bytes])
                position += frame_bytes
                continue
            take = min(frame_bytes - len(pending), len(view) - position)
            pending += view[position : position + take]
            position += take
            if len(pending) == frame_bytes:
                held = bytes(pending)
                pending.clear()
    yield from frame(held if held is not None else bytes(pending), final_tag)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    """`size` bytes, or fewer only at the end of the stream (a pipe may hand them over in pieces)."""
    data = stream.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    missing = size - len(data)
    while missing:
        more = stream.read(missing)
        if not more:
            break
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)


class Unsealed:
    """A bundle whose envelope, key block and signature have been checked: `.sender` is proven.

    `.plaintext()` streams the content, each piece only after its frame verified; it raises
    `BundleDamagedError` or `BundleIncompleteError` at the first frame that fails, so read it to the end
    inside one transaction before trusting any of it."""

    def __init__(
        self,
        *,
        sender: bytes,
        envelope: Envelope,
        stream: IO[bytes],
        state: crypto_secretstream_xchacha20poly1305_state,
    ) -> None:
        #: The sender's 32-byte Ed25519 public key, proven by the signature.
        self.sender = sender
        self.bundle_id = envelope.bundle_id
        self.envelope = envelope
        self._stream = stream
        self._state = state
        self._started = False

    def plaintext(self) -> Iterator[bytes]:
        if self._started:
            raise RuntimeError("a bundle's plaintext can be read once")
        self._started = True
        return self._frames()

    def _frames(self) -> Iterator[bytes]:
        from nacl import bindings, exceptions

        pull = bindings.crypto_secretstream_xchacha20poly1305_pull
        final_tag = bindings.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        message_tag = bindings.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
        stream = self._stream
        ad: bytes | None = self.envelope.line
        number = 0
        while True:
            number += 1
            prefix = _read_exactly(stream, _LENGTH_BYTES)
            if len(prefix) < _LENGTH_BYTES:
                raise BundleIncompleteError()
            length = int.from_bytes(prefix, "big")
            if not _FRAME_OVERHEAD <= length <= _MAX_FRAME:
                raise BundleDamagedError(f"part {number} has an impossible length")
            sealed = _read_exactly(stream, length)
            if len(sealed) < length:
                raise BundleIncompleteError()
            try:
                data, tag = pull(self._state, sealed, ad)
            except exceptions.CryptoError:
                raise BundleDamagedError(f"part {number} does not verify") from None
            ad = None
            if tag == final_tag:
                if stream.read(1):
                    raise BundleDamagedError("it goes on after its last part")
                if data:
                    yield data
                return
            if tag != message_tag:
                raise BundleDamagedError(f"part {number} is out of place")
            if data:
                yield data


def unseal(stream: IO[bytes], *, signing_key: SigningKey) -> Unsealed:
    """Open the bundle in `stream` with your key: checks the address, the key block and the signature.

    Raises `NotABundleError`, `BundleNotForYouError`, `BundleDamagedError` or `BundleIncompleteError`
    before any plaintext is available. Whether `.sender` is the key linked to the pair is the caller's
    check."""
    from nacl import bindings, exceptions, public, signing

    envelope = read_envelope(stream.readline(HEAD_BYTES))
    mine = signing_key.verify_key.encode()
    my_key_id = key_id(mine)
    if envelope.to_key_id != my_key_id:
        raise BundleNotForYouError(to_key_id=envelope.to_key_id, your_key_id=my_key_id)
    block = _read_exactly(stream, KEY_BLOCK_BYTES)
    if len(block) < KEY_BLOCK_BYTES:
        raise BundleIncompleteError()
    try:
        opened = public.SealedBox(signing_key.to_curve25519_private_key()).decrypt(block)
    except exceptions.CryptoError:
        raise BundleDamagedError("its key block does not open with your key") from None
    sender = opened[:_KEY_BYTES]
    signature = opened[_KEY_BYTES : _KEY_BYTES + _SIGNATURE_BYTES]
    stream_key = opened[_KEY_BYTES + _SIGNATURE_BYTES : 2 * _KEY_BYTES + _SIGNATURE_BYTES]
    header = opened[2 * _KEY_BYTES + _SIGNATURE_BYTES :]
    try:
        signing.VerifyKey(sender).verify(envelope.line + mine + stream_key + header, signature)
    except exceptions.CryptoError:
        raise BundleDamagedError("the sender's signature does not match") from None
    state = bindings.crypto_secretstream_xchacha20poly1305_state()
    bindings.crypto_secretstream_xchacha20poly1305_init_pull(state, header, stream_key)
    return Unsealed(sender=sender, envelope=envelope, stream=stream, state=state)
