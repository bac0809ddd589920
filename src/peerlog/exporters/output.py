"""Where exporters' files are written: `peerlog.files` (atomic, owner-only, never replacing unasked).

Kept so `peerlog.exporters.output` imports keep working; the one implementation lives in `peerlog.files`.
"""

from __future__ import annotations

from peerlog.files import FORCE_HINT, check_destination, describe_os_error, place, write_file

__all__ = ["FORCE_HINT", "check_destination", "describe_os_error", "place", "write_file"]
