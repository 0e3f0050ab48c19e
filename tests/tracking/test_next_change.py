"""The dates a next change is computed from: every ISO date written anywhere in a document, none other."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from jrp.tracking.next_change import dates_in

FRAGMENTS = st.one_of(st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31)).map(date.isoformat),
                      st.text(alphabet="0123456789-\":,abc ", max_size=12))


def written(text: str) -> set[date]:
    """The reading the tracker relies on, spelled out: a YYYY-MM-DD with no digit either side that is a real day."""
    found = set()
    for start in range(len(text) - 9):
        piece = text[start:start + 10]
        before, after = text[start - 1:start] if start else "", text[start + 10:start + 11]
        if before.isdigit() or after.isdigit() or piece[4] != "-" or piece[7] != "-":
            continue
        if piece[:4].isdigit() and piece[5:7].isdigit() and piece[8:].isdigit() and piece[0] in "12":
            try:
                found.add(date.fromisoformat(piece))
            except ValueError:
                continue
    return found


@given(st.lists(FRAGMENTS, max_size=12))
def test_every_date_written_is_found(fragments: list[str]) -> None:
    text = "".join(fragments)
    assert dates_in(text.encode()) == written(text)


def test_dates_inside_text_and_birth_dates() -> None:
    document = b'{"birth_date":"2008-02-29","note":"in force until 2027-01-31; ref 12026-01-01, 2026-13-01"}'
    assert dates_in(document) == {date(2008, 2, 29), date(2026, 3, 1), date(2027, 1, 31)}
