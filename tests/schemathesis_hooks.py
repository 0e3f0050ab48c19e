"""schemathesis hooks (``SCHEMATHESIS_HOOKS=tests.schemathesis_hooks``): values for the ``credit-code`` format.

The OpenAPI document says a subject id is a USCC or a resident ID whose check character
is right; a regular expression cannot say that, so the format names it and this strategy
draws such codes: the demo's subjects (the store knows them: checks with measures), other
valid USCCs and resident IDs (subjects the store never saw).
"""

from __future__ import annotations

from datetime import date

import schemathesis
from hypothesis import strategies as st
from stdnum.cn import ric

from jrp.adapters.facts.demo import DEMO_SUBJECTS, USCC_ALPHABET, make_resident_id, make_uscc
from jrp.api.openapi import CREDIT_CODE

schemathesis.openapi.format(CREDIT_CODE, st.one_of(
    st.sampled_from([subject.subject_id for subject in DEMO_SUBJECTS.values()]),
    st.builds(make_uscc, st.sampled_from(["320500", "320508", "320600", "110000"]),
              st.text(USCC_ALPHABET, min_size=8, max_size=8)),
    st.builds(make_resident_id, st.sampled_from(["320500", "320583", "110101"]),
              st.dates(date(1930, 1, 1), date(2020, 12, 31)), st.integers(0, 999)).filter(ric.is_valid),
))
