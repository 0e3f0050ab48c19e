"""The append path's own resident-ID recognition agrees with python-stdnum's checksum on any number."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from jrp.adapters.log.crypto.personal_data import is_resident_id

numbers = st.builds(lambda place, born, serial, check: f"{place:06d}{born:%Y%m%d}{serial:03d}{check}",
                    st.integers(110000, 659999), st.dates(date(1900, 1, 1), date(2025, 12, 31)),
                    st.integers(0, 999), st.sampled_from("0123456789X"))


@given(numbers)
def test_recognised_exactly_when_the_check_digit_is_right(number: str) -> None:
    assert is_resident_id(number) == (ric.calc_check_digit(number) == number[17])  # it skips the last digit


@given(st.text(max_size=20))
def test_other_text_is_not_a_resident_id(text: str) -> None:
    if len(text) != 18 or not text[:17].isdigit():
        assert not is_resident_id(text)
