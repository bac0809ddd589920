"""Sealed bundles: only the peer they are for can read them, they prove who made them, and any change to
the file (a flipped byte, a cut, a spliced or forwarded part) is refused before a byte of it is trusted."""

from __future__ import annotations

import hashlib
import io
import json
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.public import SealedBox
from nacl.signing import SigningKey, VerifyKey

from peerlog import sealing
from peerlog.errors import (
    BundleDamagedError,
    BundleError,
    BundleIncompleteError,
    BundleNotForYouError,
    InputError,
    NotABundleError,
)
from peerlog.sealing import FRAME_BYTES, HEAD_BYTES, key_id, read_envelope, seal, unseal
from support import bundle_layout, sealed_bytes

SMALL_FRAMES = 40  # many frames from a few hundred bytes, so every byte of a bundle can be flipped quickly
SENTINELS = [b"SENTINEL-sleep-worries-7f3a", "Zoë's private win 🎉".encode(), b'"name": "Ana"']


@pytest.fixture(scope="module")
def sam() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def ana() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def zoe() -> SigningKey:
    return SigningKey.generate()


def opened(blob: bytes, key: SigningKey) -> bytes:
    return b"".join(unseal(io.BytesIO(blob), signing_key=key).plaintext())


def read_until_refused(blob: bytes, key: SigningKey) -> tuple[bytes, BundleError | None, bool]:
    """What a reader got before the bundle was refused, the refusal, and whether `unseal` itself refused."""
    try:
        bundle = unseal(io.BytesIO(blob), signing_key=key)
    except BundleError as refused:
        return b"", refused, True
    got = bytearray()
    try:
        for piece in bundle.plaintext():
            got += piece
    except BundleError as refused:
        return bytes(got), refused, False
    return bytes(got), None, False


def flipped(blob: bytes, at: int, mask: int) -> bytes:
    return blob[:at] + bytes([blob[at] ^ mask]) + blob[at + 1 :]


def one_line_and_kind(error: BundleError) -> None:
    text = str(error)
    assert "\n" not in text
    assert "nothing was imported" in text
    assert error.exit_code == 2


# ---------------------------------------------------------------- what a user relies on


@pytest.mark.parametrize("size", [0, 1, 300, FRAME_BYTES, FRAME_BYTES + 1, 3 * 1024 * 1024 + 17])
def test_a_bundle_opens_to_exactly_what_was_sealed(size: int, sam: SigningKey, ana: SigningKey) -> None:
    plaintext = random.Random(size).randbytes(size)
    blob = sealed_bytes(plaintext, sender=sam, to=ana, bundle_id="b-1")
    bundle = unseal(io.BytesIO(blob), signing_key=ana)
    assert bundle.sender == sam.verify_key.encode()
    assert bundle.bundle_id == "b-1"
    assert b"".join(bundle.plaintext()) == plaintext
    # Sealing costs a few hundred bytes and 21 per 64 KiB frame, never a multiple of the content.
    assert len(blob) - size < 400 + 21 * (size // FRAME_BYTES + 1)


def test_only_the_peer_it_is_for_can_open_it(sam: SigningKey, ana: SigningKey, zoe: SigningKey) -> None:
    blob = sealed_bytes(b"for Ana only", sender=sam, to=ana)
    assert opened(blob, ana) == b"for Ana only"
    for someone_else in (zoe, sam):
        with pytest.raises(BundleNotForYouError) as refused:
            unseal(io.BytesIO(blob), signing_key=someone_else)
        assert key_id(ana.verify_key.encode())[:8] in str(refused.value)
        assert "addressed to someone else" in str(refused.value)
        one_line_and_kind(refused.value)


def test_readdressing_the_envelope_does_not_let_anyone_else_in(
    sam: SigningKey, ana: SigningKey, zoe: SigningKey
) -> None:
    blob = sealed_bytes(b"for Ana only", sender=sam, to=ana)
    readdressed = blob.replace(
        key_id(ana.verify_key.encode()).encode(), key_id(zoe.verify_key.encode()).encode(), 1
    )
    with pytest.raises(BundleDamagedError, match="key block does not open"):
        unseal(io.BytesIO(readdressed), signing_key=zoe)


def test_the_file_shows_nothing_of_its_content(sam: SigningKey, ana: SigningKey) -> None:
    plaintext = b"\n".join(SENTINELS * 2000)
    blob = sealed_bytes(plaintext, sender=sam, to=ana, bundle_id="b-42")
    for sentinel in SENTINELS:
        assert sentinel not in blob
    assert sam.verify_key.encode() not in blob  # who sent it is sealed too
    # In clear: one line with the bundle id and the recipient's key id, nothing else.
    first_line = blob.split(b"\n", 1)[0]
    assert json.loads(first_line) == {
        "peerlog": "sealed",
        "v": 1,
        "id": "b-42",
        "to": key_id(ana.verify_key.encode()),
    }
    assert opened(blob, ana) == plaintext


def test_the_envelope_is_read_from_the_first_line_alone(sam: SigningKey, ana: SigningKey) -> None:
    blob = sealed_bytes(b"x" * 100_000, sender=sam, to=ana, bundle_id="b-7")
    envelope = read_envelope(blob[:HEAD_BYTES])
    assert (envelope.bundle_id, envelope.to_key_id) == ("b-7", key_id(ana.verify_key.encode()))
    # A file still arriving, cut inside its first line, is incomplete rather than foreign.
    for cut in (0, 5, 40):
        with pytest.raises(BundleIncompleteError):
            read_envelope(blob[:cut])


@pytest.mark.parametrize(
    "head",
    [
        b'{"format": "peerlog", "kind": "share", "version": 1}\n{}',
        b"\x89PNG\r\n\x1a\n" + bytes(200),
        b"x" * 1000,
        b"",
    ],
    ids=["plain-json-share", "png", "no-newline", "empty-file"],
)
def test_files_that_are_not_bundles_are_named_so(head: bytes, ana: SigningKey) -> None:
    expected = BundleIncompleteError if head == b"" else NotABundleError
    with pytest.raises(expected) as refused:
        unseal(io.BytesIO(head), signing_key=ana)
    one_line_and_kind(refused.value)


def test_a_bundle_in_a_newer_format_says_so(ana: SigningKey) -> None:
    head = b'{"peerlog": "sealed", "v": 2, "id": "b", "to": "0123456789abcdef"}\n'
    with pytest.raises(NotABundleError, match=r"sealed format 2.*reads format 1.*update yours"):
        read_envelope(head)


def test_every_refusal_is_an_input_error_with_one_kind_line() -> None:
    refusals: list[BundleError] = [
        NotABundleError(),
        BundleNotForYouError(to_key_id="3f2a9c1b00000000", your_key_id="5d0e11aa00000000"),
        BundleDamagedError("part 2 does not verify"),
        BundleIncompleteError(),
    ]
    for refusal in refusals:
        assert isinstance(refusal, InputError)
        one_line_and_kind(refusal)
    assert str(refusals[1]).startswith(
        "This bundle is addressed to someone else (key 3f2a9c1b…), not to you (key 5d0e11aa…); nothing"
    )


# ---------------------------------------------------------------- every byte flipped


def test_every_flipped_byte_is_refused_and_nothing_unproven_is_handed_out(
    sam: SigningKey, ana: SigningKey
) -> None:
    plaintext = bytes(range(256))[:150]  # four frames of 40 bytes: the last one shorter
    blob = sealed_bytes(plaintext, sender=sam, to=ana, frame_bytes=SMALL_FRAMES)
    layout = bundle_layout(blob)
    assert len(layout.frames) == 4
    assert layout.frames[-1][1].stop == len(blob)
    for at in range(len(blob)):
        for mask in (0x01, 0x20, 0x80, 0xFF):
            got, refused, at_unseal = read_until_refused(flipped(blob, at, mask), ana)
            where = f"byte {at} ^ {mask:#x}"
            assert refused is not None, where
            if at in layout.envelope:
                assert at_unseal, where
                assert isinstance(refused, NotABundleError | BundleDamagedError | BundleNotForYouError), where
            elif at in layout.key_block:
                # Refused by unseal itself: the caller never holds a single byte of plaintext.
                assert at_unseal and isinstance(refused, BundleDamagedError), where
            else:
                frame = next(n for n, (prefix, body) in enumerate(layout.frames) if at < body.stop)
                prefix = layout.frames[frame][0]
                # Refused at the flipped frame, after exactly the frames before it.
                assert not at_unseal and got == plaintext[: frame * SMALL_FRAMES], where
                declared = int.from_bytes(flipped(blob, at, mask)[prefix.start : prefix.stop], "big")
                if at in prefix and prefix.stop + declared > len(blob):
                    # A length pointing past the end reads exactly like a file cut short.
                    assert isinstance(refused, BundleDamagedError | BundleIncompleteError), where
                else:
                    assert isinstance(refused, BundleDamagedError), where
            one_line_and_kind(refused)


def test_flips_in_full_size_frames_are_refused_at_that_frame(sam: SigningKey, ana: SigningKey) -> None:
    plaintext = random.Random(1).randbytes(3 * FRAME_BYTES + 999)
    blob = sealed_bytes(plaintext, sender=sam, to=ana)
    layout = bundle_layout(blob)
    assert len(layout.frames) == 4
    chooser = random.Random(2)
    for frame, (prefix, body) in enumerate(layout.frames):
        spots = [*prefix, body.start, body.stop - 1, *chooser.sample(body, 30)]
        for at in spots:
            got, refused, _ = read_until_refused(flipped(blob, at, 0x04), ana)
            assert got == plaintext[: frame * FRAME_BYTES], at
            assert isinstance(refused, BundleDamagedError | BundleIncompleteError), at
            if at in body:
                assert isinstance(refused, BundleDamagedError)
                assert f"part {frame + 1} does not verify" in str(refused)


def test_an_absurd_frame_length_is_refused_without_reading_it(
    tmp_path: Path, sam: SigningKey, ana: SigningKey
) -> None:
    blob = bytearray(sealed_bytes(b"x" * 1000, sender=sam, to=ana))
    prefix, _ = bundle_layout(bytes(blob)).frames[0]
    blob[prefix.start : prefix.stop] = b"\xff\xff\xff\xf0"
    path = tmp_path / "bundle.sealed"
    path.write_bytes(bytes(blob))
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            bundle = unseal(stream, signing_key=ana)
            with pytest.raises(BundleDamagedError, match="part 1 has an impossible length"):
                list(bundle.plaintext())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


# ---------------------------------------------------------------- cut short, moved, dropped, spliced


def test_a_bundle_cut_anywhere_is_incomplete(sam: SigningKey, ana: SigningKey) -> None:
    plaintext = b"abcdefghij" * 15
    blob = sealed_bytes(plaintext, sender=sam, to=ana, frame_bytes=SMALL_FRAMES)
    layout = bundle_layout(blob)
    for cut in range(len(blob)):
        got, refused, _ = read_until_refused(blob[:cut], ana)
        assert isinstance(refused, BundleIncompleteError), cut
        whole_frames = sum(1 for _, body in layout.frames if body.stop <= cut)
        # Only frames that arrived whole (and are not the last) were handed out.
        assert got == plaintext[: min(whole_frames, len(layout.frames) - 1) * SMALL_FRAMES], cut
    assert "it may still be arriving" in str(refused) or "still being copied" in str(refused)


def frames_rearranged(blob: bytes, order: list[int]) -> bytes:
    layout = bundle_layout(blob)
    head = blob[: layout.key_block.stop]
    return head + b"".join(blob[layout.frames[n][0].start : layout.frames[n][1].stop] for n in order)


@pytest.mark.parametrize(
    ("order", "refused_at"),
    [
        ([1, 0, 2, 3], 1),
        ([0, 2, 1, 3], 2),
        ([0, 1, 3, 2], 3),
        ([1, 2, 3], 1),
        ([0, 2, 3], 2),
        ([0, 1, 1, 2, 3], 3),
    ],
    ids=[
        "first-two-swapped",
        "middle-swapped",
        "last-moved-up",
        "first-dropped",
        "middle-dropped",
        "repeated",
    ],
)
def test_frames_moved_dropped_or_repeated_are_damage(
    order: list[int], refused_at: int, sam: SigningKey, ana: SigningKey
) -> None:
    plaintext = bytes(range(150))
    blob = sealed_bytes(plaintext, sender=sam, to=ana, frame_bytes=SMALL_FRAMES)
    got, refused, _ = read_until_refused(frames_rearranged(blob, order), ana)
    assert isinstance(refused, BundleDamagedError)
    assert f"part {refused_at}" in str(refused)
    assert got == plaintext[: (refused_at - 1) * SMALL_FRAMES]


def test_a_missing_last_frame_reads_as_cut_short_and_extra_bytes_as_damage(
    sam: SigningKey, ana: SigningKey
) -> None:
    blob = sealed_bytes(bytes(range(150)), sender=sam, to=ana, frame_bytes=SMALL_FRAMES)
    _, refused, _ = read_until_refused(frames_rearranged(blob, [0, 1, 2]), ana)
    assert isinstance(refused, BundleIncompleteError)
    got, refused, _ = read_until_refused(blob + b"\x00", ana)
    assert isinstance(refused, BundleDamagedError) and "after its last part" in str(refused)
    assert got == bytes(range(120))  # the last frame is held back until the end is proven


def key_block_of(blob: bytes, key: SigningKey) -> tuple[bytes, bytes, bytes, bytes]:
    """The opened key block: sender, signature, stream key, header."""
    where = bundle_layout(blob).key_block
    opened_block = SealedBox(key.to_curve25519_private_key()).decrypt(blob[where.start : where.stop])
    return opened_block[:32], opened_block[32:96], opened_block[96:128], opened_block[128:]


def rebuilt(blob: bytes, *, line: bytes, block: bytes, to: VerifyKey) -> bytes:
    """`blob` with a new envelope line and a key block sealed to `to`, its body unchanged."""
    layout = bundle_layout(blob)
    return line + SealedBox(to.to_curve25519_public_key()).encrypt(block) + blob[layout.key_block.stop :]


def test_someone_claiming_to_be_the_sender_is_refused(sam: SigningKey, ana: SigningKey) -> None:
    mallory = SigningKey.generate()
    # Mallory seals her own content to Ana and names Sam as the sender, signing with her own key.
    blob = sealed_bytes(b"trust me, I am Sam", sender=mallory, to=ana)
    _, _, stream_key, header = key_block_of(blob, ana)
    line = blob[: blob.index(b"\n") + 1]
    signature = mallory.sign(line + ana.verify_key.encode() + stream_key + header).signature
    forged = rebuilt(
        blob, line=line, block=sam.verify_key.encode() + signature + stream_key + header, to=ana.verify_key
    )
    with pytest.raises(BundleDamagedError, match="signature does not match") as refused:
        unseal(io.BytesIO(forged), signing_key=ana)
    one_line_and_kind(refused.value)
    # Under her own name, her bundle opens, and says it is hers: the caller checks that against the pair.
    assert unseal(io.BytesIO(blob), signing_key=ana).sender == mallory.verify_key.encode()


def test_a_key_block_spliced_onto_another_bundle_is_refused(sam: SigningKey, ana: SigningKey) -> None:
    first = sealed_bytes(
        b"first bundle " * 10, sender=sam, to=ana, bundle_id="same", frame_bytes=SMALL_FRAMES
    )
    second = sealed_bytes(b"second one " * 10, sender=sam, to=ana, bundle_id="same", frame_bytes=SMALL_FRAMES)
    other_id = sealed_bytes(
        b"third one " * 10, sender=sam, to=ana, bundle_id="other", frame_bytes=SMALL_FRAMES
    )
    body_start = bundle_layout(first).key_block.stop
    # The same envelope, the first key block, the second body: the body was written under another key.
    got, refused, _ = read_until_refused(first[:body_start] + second[body_start:], ana)
    assert got == b"" and isinstance(refused, BundleDamagedError) and "part 1" in str(refused)
    # Another bundle's envelope in front of the first key block: the signature covers the envelope.
    other_line = other_id[: other_id.index(b"\n") + 1]
    spliced = other_line + first[first.index(b"\n") + 1 :]
    got, refused, at_unseal = read_until_refused(spliced, ana)
    assert at_unseal and isinstance(refused, BundleDamagedError) and "signature" in str(refused)


def test_a_bundle_forwarded_by_its_recipient_is_refused(
    sam: SigningKey, ana: SigningKey, zoe: SigningKey
) -> None:
    blob = sealed_bytes(b"Sam to Ana, in confidence", sender=sam, to=ana, bundle_id="b-9")
    # Ana opens the key block and seals it, unchanged, to Zoë, under an envelope addressed to Zoë.
    sender, signature, stream_key, header = key_block_of(blob, ana)
    line = json.dumps({"peerlog": "sealed", "v": 1, "id": "b-9", "to": key_id(zoe.verify_key.encode())})
    forwarded = rebuilt(
        blob, line=line.encode() + b"\n", block=sender + signature + stream_key + header, to=zoe.verify_key
    )
    with pytest.raises(BundleDamagedError, match="signature does not match"):
        unseal(io.BytesIO(forwarded), signing_key=zoe)


def test_a_forwarded_bundle_is_refused_even_when_two_key_ids_collide(
    sam: SigningKey, ana: SigningKey, zoe: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Key ids are 64 bits, so a determined forger could find a key sharing Zoë's: then Ana's envelope reads
    # as addressed to Zoë too, and only the whole recipient key inside the signature tells them apart.
    monkeypatch.setattr(sealing, "key_id", lambda raw: "0123456789abcdef")
    blob = sealed_bytes(b"Sam to Ana, in confidence", sender=sam, to=ana)
    sender, signature, stream_key, header = key_block_of(blob, ana)
    line = blob[: blob.index(b"\n") + 1]
    forwarded = rebuilt(blob, line=line, block=sender + signature + stream_key + header, to=zoe.verify_key)
    with pytest.raises(BundleDamagedError, match="signature does not match"):
        unseal(io.BytesIO(forwarded), signing_key=zoe)
    assert opened(blob, ana) == b"Sam to Ana, in confidence"


# ---------------------------------------------------------------- streams: flat memory, any chunking


class Trickle(io.RawIOBase):
    """A pipe that hands over a few bytes at a time."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        piece = self._data.read(min(len(buffer), 3))
        buffer[: len(piece)] = piece
        return len(piece)


def test_a_bundle_read_from_a_pipe_in_small_pieces_opens(sam: SigningKey, ana: SigningKey) -> None:
    plaintext = random.Random(3).randbytes(200_000)
    blob = sealed_bytes(plaintext, sender=sam, to=ana)
    bundle = unseal(Trickle(blob), signing_key=ana)  # type: ignore[arg-type]  # why: a raw binary stream
    assert b"".join(bundle.plaintext()) == plaintext


def pattern(total: int) -> Iterator[bytes]:
    block = hashlib.sha256(b"seed").digest() * 2048  # 64 KiB, not a multiple of the frame's overhead
    sent = 0
    while sent < total:
        piece = block[: min(len(block) - 7, total - sent)]
        sent += len(piece)
        yield piece


def test_fifty_megabytes_stream_through_in_flat_memory(
    tmp_path: Path, sam: SigningKey, ana: SigningKey
) -> None:
    total = 50 * 1024 * 1024
    expected = hashlib.sha256()
    for piece in pattern(total):
        expected.update(piece)
    path = tmp_path / "big.sealed"
    tracemalloc.start()
    try:
        with path.open("wb") as out:
            for chunk in seal(
                pattern(total), signing_key=sam, recipient=ana.verify_key.encode(), bundle_id="big"
            ):
                out.write(chunk)
        sealing_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        received = hashlib.sha256()
        size = 0
        with path.open("rb") as stream:
            for piece in unseal(stream, signing_key=ana).plaintext():
                received.update(piece)
                size += len(piece)
        opening_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size == total and received.digest() == expected.digest()
    assert sealing_peak < 2 * 1024 * 1024, sealing_peak
    assert opening_peak < 2 * 1024 * 1024, opening_peak


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunks=st.lists(st.binary(max_size=120), max_size=12),
    frame_bytes=st.sampled_from([1, 7, 40, 64]),
)
def test_any_chunking_of_any_content_opens_to_the_same_bytes(
    chunks: list[bytes], frame_bytes: int, sam: SigningKey, ana: SigningKey
) -> None:
    blob = sealed_bytes(chunks, sender=sam, to=ana, frame_bytes=frame_bytes)
    assert opened(blob, ana) == b"".join(chunks)
    total = sum(map(len, chunks))
    assert len(bundle_layout(blob).frames) == max(1, -(-total // frame_bytes))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(0, FRAME_BYTES + 3), max_size=4), seed=st.integers(0, 2**32))
def test_chunks_around_the_frame_size_open_to_the_same_bytes(
    sizes: list[int], seed: int, sam: SigningKey, ana: SigningKey
) -> None:
    source = random.Random(seed)
    chunks = [source.randbytes(size) for size in sizes]
    assert opened(sealed_bytes(chunks, sender=sam, to=ana), ana) == b"".join(chunks)


# ---------------------------------------------------------------- keys and imports


def test_a_recipient_key_that_is_not_a_usable_key_is_refused_before_writing(sam: SigningKey) -> None:
    not_a_point = bytes([1]) + bytes(31)  # the identity element: no one holds its private key
    with pytest.raises(InputError, match="not a usable key"):
        seal([b"x"], signing_key=sam, recipient=not_a_point, bundle_id="b")


def test_key_ids_are_short_stable_and_tell_keys_apart(sam: SigningKey, ana: SigningKey) -> None:
    raw = sam.verify_key.encode()
    assert key_id(raw) == key_id(bytes(raw))
    assert len(key_id(raw)) == 16 and int(key_id(raw), 16) >= 0
    assert key_id(raw) != key_id(ana.verify_key.encode())
    assert key_id(raw) != hashlib.sha256(raw).hexdigest()[:16]  # not the id any other tool would print


def test_sealing_loads_nacl_only_when_it_seals_or_opens() -> None:
    probe = "import sys, peerlog.sealing; print('nacl' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
