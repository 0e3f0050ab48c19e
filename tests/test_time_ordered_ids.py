"""Decision ids sort by the time they were made (UUIDv7), so the log's unique indexes grow at one edge."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from jrp.time_ordered_ids import new_time_ordered_id

# from 2001 to 2100, in nanoseconds: every instant a deployment could log a decision at
INSTANTS = st.integers(min_value=1_000_000_000 * 10**9, max_value=4_102_444_800 * 10**9)


@given(INSTANTS, INSTANTS)
def test_an_id_made_later_sorts_later(first: int, second: int) -> None:
    earlier, later = sorted((first, second))
    # the clock resolution inside one millisecond is 1/4096 ms (244 ns): closer instants may tie on time
    if later - earlier >= 245:
        assert new_time_ordered_id(earlier) < new_time_ordered_id(later)


@given(INSTANTS)
def test_an_id_is_a_version_7_uuid_whose_time_is_its_making(instant: int) -> None:
    made = uuid.UUID(hex=new_time_ordered_id(instant))
    assert made.version == 7 and made.variant == uuid.RFC_4122
    assert made.int >> 80 == instant // 1_000_000  # the first 48 bits: the Unix milliseconds


def test_ids_of_one_instant_differ() -> None:
    assert len({new_time_ordered_id(1_800_000_000 * 10**9) for _ in range(1000)}) == 1000
