"""adapters/facts/EVENTS.md shows one JSON example of each event type: every one parses, and none is missing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jrp.adapters.facts.events import EVENT_TYPES, parse_event

EVENTS_MD = Path(__file__).parents[3] / "adapters" / "facts" / "EVENTS.md"


def test_every_event_type_has_an_example_that_parses():
    examples = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", EVENTS_MD.read_text("utf-8"), re.S)]
    for example in examples:
        parse_event(example)
    assert {e["type"] for e in examples} == set(EVENT_TYPES)
