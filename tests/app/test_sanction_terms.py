"""Reading the penalty types of 行政处罚法 art. 9 out of a decision's text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jrp.vocabulary.scope import SANCTION_TERMS, Sanction, sanctions_in


def test_the_words_of_a_decision_name_its_types():
    assert sanctions_in("警告，罚款人民币伍万元") == (Sanction.warning, Sanction.fine)
    assert sanctions_in("没收违法所得3万元，罚款10万元") == (Sanction.fine, Sanction.confiscation_of_illegal_gains)
    assert sanctions_in("吊销营业执照") == (Sanction.permit_revoked,)
    assert sanctions_in("责令停产停业整顿") == (Sanction.production_or_business_suspended,)
    assert sanctions_in("责令改正") == ()  # an order to correct is no penalty of art. 9


@given(st.lists(st.sampled_from(SANCTION_TERMS), unique=True), st.sampled_from(["，", "；", "、", " 并处"]))
def test_every_term_joined_in_any_order_is_read_back(terms, separator):
    text = separator.join(term for term, _ in terms)
    assert set(sanctions_in(text)) == {sanction for _, sanction in terms}
