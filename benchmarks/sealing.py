"""How fast `peerlog.sealing` seals and opens a bundle, against hashing the same bytes in the same run.

    .venv/bin/python benchmarks/sealing.py                      # 1, 16 and 64 MB, 7 rounds
    .venv/bin/python benchmarks/sealing.py --sizes 256 --rounds 3

In process and in memory (no disk, no peerlog command), so it times the cryptography and the framing
alone. The baseline is SHA-256 over the same chunks: one pass of a well-optimised primitive over every
byte, as sealing (XChaCha20-Poly1305) and opening are. Each round runs the baseline, seal and unseal once,
in turn, so load drifting on a shared machine hits them alike; figures are medians over rounds.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import time
from collections.abc import Callable, Iterator

from nacl.signing import SigningKey

from peerlog.sealing import FRAME_BYTES, seal, unseal

MB = 1024 * 1024


def chunks(total: int) -> Iterator[bytes]:
    """`total` bytes in 64 KiB pieces, as a change set streams out of the journal."""
    block = hashlib.sha256(b"benchmark").digest() * (FRAME_BYTES // 32)
    sent = 0
    while sent < total:
        piece = block[: min(len(block), total - sent)]
        sent += len(piece)
        yield piece


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 16, 64], help="plaintext sizes in MB")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    sender, recipient = SigningKey.generate(), SigningKey.generate()
    to = recipient.verify_key.encode()

    print(f"{'size':>7}  {'sha256':>10}  {'seal':>10}  {'unseal':>10}  {'seal/sha':>8}  {'unseal/sha':>10}")
    for size_mb in args.sizes:
        total = size_mb * MB
        sealed = b"".join(seal(chunks(total), signing_key=sender, recipient=to, bundle_id="bench"))

        def baseline() -> None:
            digest = hashlib.sha256()
            for piece in chunks(total):  # noqa: B023  # why: run within this iteration only
                digest.update(piece)

        def sealing() -> None:
            for _ in seal(chunks(total), signing_key=sender, recipient=to, bundle_id="bench"):  # noqa: B023
                pass

        def opening() -> None:
            for _ in unseal(io.BytesIO(sealed), signing_key=recipient).plaintext():  # noqa: B023
                pass

        rounds: dict[str, list[float]] = {"sha256": [], "seal": [], "unseal": []}
        for _ in range(args.rounds):
            rounds["sha256"].append(timed(baseline))
            rounds["seal"].append(timed(sealing))
            rounds["unseal"].append(timed(opening))
        median = {name: statistics.median(times) for name, times in rounds.items()}
        speed = {name: size_mb / seconds for name, seconds in median.items()}
        print(
            f"{size_mb:>5}MB  {speed['sha256']:>6.0f}MB/s  {speed['seal']:>6.0f}MB/s  {speed['unseal']:>6.0f}MB/s"
            f"  {median['seal'] / median['sha256']:>7.2f}x  {median['unseal'] / median['sha256']:>9.2f}x"
        )


if __name__ == "__main__":
    main()
