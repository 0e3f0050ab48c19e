"""Identifiers that sort by creation time: UUID version 7 (RFC 9562), as 32 hex digits.

Decision and batch ids are keys of unique indexes. Random ids (uuid4) land on a random leaf
page of the index, so every logged check rewrote a different page of a large index: a full
page in the WAL per check, and a cache of index pages as large as the index. Ids that grow
with time are appended at the right edge, where the pages are hot and shared between checks.

Layout (RFC 9562 §5.7, with §6.2 method 3 for ordering inside one millisecond): 48 bits of
Unix milliseconds, the version, 12 bits of the sub-millisecond fraction, the variant and 62
random bits. Python gains ``uuid.uuid7`` only in 3.14.
"""

from __future__ import annotations

import secrets
import time
import uuid


def new_time_ordered_id(now_ns: int | None = None) -> str:
    """A UUIDv7 for ``now_ns`` (nanoseconds since the epoch; now when omitted), as 32 lowercase hex digits."""
    ns = time.time_ns() if now_ns is None else now_ns
    millis, rest = divmod(ns, 1_000_000)
    fraction = rest * 4096 // 1_000_000  # the sub-millisecond part in 12 bits
    value = (millis & (1 << 48) - 1) << 80 | 0x7 << 76 | fraction << 64 | 0b10 << 62 | secrets.randbits(62)
    return uuid.UUID(int=value).hex
