"""The repair path of a matched penalty: until when each triggering record applies and how it can end sooner.

Published penalties follow the credit-repair edition that governs them (order 36 arts. 12–14: the
earliest application after the minimum publication period, at 信用中国 for the deciding authority);
list entries follow their list's own rules (``repair`` of the list: early removal after a period,
removal on performance…). A record without a route can end only by its period or a removal.
"""

from __future__ import annotations

from datetime import date

from jrp.engine.compile import PENALTIES, CompiledBundle
from jrp.engine.periods_of_records import publication
from jrp.engine.types import Evidence, RepairOption
from jrp.vocabulary.periods import shift
from jrp.vocabulary.records import RecordType


def repair_options(evidence: Evidence, bundle: CompiledBundle) -> tuple[RepairOption, ...]:
    """One option per triggering record that has a route (penalties, list entries)."""
    options = []
    for record in evidence.records:
        key = PENALTIES if record.record_type is RecordType.penalty else evidence.key
        if record.record_type not in (RecordType.penalty, RecordType.list_entry) or key not in bundle.repair_routes:
            continue
        route, basis = bundle.repair_routes[key]
        earliest: date | None
        if record.record_type is RecordType.penalty and bundle.publication_periods is not None:
            earliest = publication(record, bundle.publication_periods, bundle.periods_since).earliest_repair
        elif route.after is None:
            earliest = None
        elif route.from_rectification:
            earliest = shift(record.rectified_on, route.after) if record.rectified_on else None
        else:
            earliest = shift(record.start, route.after)
        options.append(RepairOption(record.record_id, earliest, evidence.until, route.where.zh, route.where.en,
                                    route.conditions.zh, route.conditions.en, basis))
    return tuple(options)
