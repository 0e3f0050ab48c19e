"""The facts export's rows: one per subject, its facts as ``jrp.engine.codec`` writes them.

Kept apart from the Parquet writer so a Spark executor decodes rows without pyarrow. The
facts travel as JSON text: every field of the facts model, today's and tomorrow's, goes
through ``facts_to_json`` / ``facts_from_json`` untouched.
"""

from __future__ import annotations

import orjson

from jrp.engine.codec import facts_from_json, facts_to_json
from jrp.engine.facts import SubjectFacts

SUBJECT_ID, FACTS_VERSION, FACTS = "subject_id", "facts_version", "facts"
FORMAT = "jrp-facts/1"
"""Written into each file's metadata; changes if the columns above ever do."""


def row_of(facts: SubjectFacts) -> tuple[str, str, str]:
    """``(subject_id, facts_version, facts JSON)`` of one subject."""
    return facts.subject.subject_id, facts.version, orjson.dumps(facts_to_json(facts)).decode()


def facts_of(text: str | bytes) -> SubjectFacts:
    """The facts of a row's ``facts`` column."""
    return facts_from_json(orjson.loads(text))
