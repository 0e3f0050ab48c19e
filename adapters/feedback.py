"""Feedback on decisions and the statistics of checks, hits and feedback (issue 8, item 8).

A calling department tells what it did with a decision's measures: applied them, waived
them (with a reason) or did not use the check. Rows are appended, never updated; a
decision may get several (a later one corrects an earlier one). Statistics group the
decision log by period × calling department × scenario × jurisdiction. Department,
jurisdiction and measures live only in the hashed log entry, not in indexed columns, so
they are read from it page by page — each entry once per process, the log being
append-only; feedback per decision is a SQL ``DISTINCT``.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Engine, Integer, MetaData, String, Table, insert, select

from jrp.adapters.log.entries import PAGE, decisions_t
from jrp.compact_results import measure_ids

metadata = MetaData()
feedback_t = Table(
    "feedback", metadata,
    Column("feedback_id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("decision_id", String(32), nullable=False, index=True),
    Column("caller_key_id", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("case_outcome", String(500), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

class FeedbackAction(StrEnum):
    applied = "applied"  # the measures were applied to the case
    waived = "waived"  # not applied, for a stated reason
    not_used = "not_used"  # the check played no part in the case


class Period(StrEnum):
    month = "month"
    quarter = "quarter"


@dataclass
class StatsRow:
    """Counts for one period × department × scenario × jurisdiction."""

    period: str
    department: str
    scenario: str
    jurisdiction: str
    checks: int = 0
    outcomes: Counter = field(default_factory=Counter)
    measures: Counter = field(default_factory=Counter)
    feedback_received: int = 0
    feedback_missing: int = 0  # hits (outcome other than allow) without any feedback


def period_of(created_at: datetime, period: Period) -> str:
    """``2025-06`` (month) or ``2025-Q2`` (quarter) of a UTC timestamp."""
    moment = created_at.astimezone(UTC) if created_at.tzinfo else created_at
    if period is Period.month:
        return f"{moment.year}-{moment.month:02d}"
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


class FeedbackStore:
    """The ``feedback`` table, and statistics over it and the decision log."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._tallies: dict[Period, _Tally] = {}
        self._lock = threading.Lock()

    def record(self, decision_id: str, caller_key_id: str, action: FeedbackAction, reason: str = "",
               case_outcome: str = "") -> dict[str, Any]:
        """Append one piece of feedback; returns the stored row."""
        row = {"decision_id": decision_id, "caller_key_id": caller_key_id, "action": FeedbackAction(action).value,
               "reason": reason, "case_outcome": case_outcome, "recorded_at": datetime.now(UTC)}
        with self.engine.begin() as connection:
            feedback_id = connection.execute(insert(feedback_t).values(**row)).inserted_primary_key[0]
        return {"feedback_id": feedback_id, **row}

    def stats(self, period: Period) -> list[StatsRow]:
        """Checks, outcomes, measures hit and feedback per period × department × scenario × jurisdiction.

        The log is append-only, so what it says per key is tallied once and kept: each call
        reads only the decisions appended since the last one, then the decisions that have
        feedback (fewer, and feedback can arrive for any of them at any time).
        """
        with self._lock:
            tally = self._tallies.setdefault(period, _Tally())
            for seq, created_at, outcome, entry in self._decisions(decisions_t.c.seq > tally.seq):
                tally.add(_key(created_at, entry, period), outcome, entry)
                tally.seq = seq
            received, received_hits = Counter(), Counter()
            answered = select(feedback_t.c.decision_id).distinct()
            for _seq, created_at, outcome, entry in self._decisions(decisions_t.c.seq <= tally.seq,
                                                                     decisions_t.c.decision_id.in_(answered)):
                key = _key(created_at, entry, period)
                received[key] += 1
                received_hits[key] += outcome != "allow"
            return [replace(row, outcomes=Counter(row.outcomes), measures=Counter(row.measures),
                            feedback_received=received[key], feedback_missing=tally.hits[key] - received_hits[key])
                    for key, row in sorted(tally.rows.items())]

    def _decisions(self, *conditions: Any) -> Iterator[tuple[int, datetime, str, dict[str, Any]]]:
        """The logged decisions meeting ``conditions``, in order, a page at a time."""
        after = 0
        while True:
            query = (select(decisions_t.c.seq, decisions_t.c.created_at, decisions_t.c.outcome, decisions_t.c.entry)
                     .where(decisions_t.c.seq > after, *conditions).order_by(decisions_t.c.seq).limit(PAGE))
            with self.engine.connect() as connection:
                page = connection.execute(query).all()
            if not page:
                return
            for row in page:
                yield row.seq, row.created_at, row.outcome, json.loads(row.entry)
            after = page[-1].seq


Key = tuple[str, str, str, str]


def _key(created_at: datetime, entry: dict[str, Any], period: Period) -> Key:
    return (period_of(created_at, period), entry["caller"].get("department", ""), entry["request"]["scenario"],
            entry["request"]["jurisdiction"])


@dataclass
class _Tally:
    """The log's counts per key up to ``seq`` (feedback apart): they only grow."""

    seq: int = 0
    rows: dict[Key, StatsRow] = field(default_factory=dict)
    hits: Counter = field(default_factory=Counter)  # decisions with an outcome other than allow

    def add(self, key: Key, outcome: str, entry: dict[str, Any]) -> None:
        row = self.rows.get(key) or self.rows.setdefault(key, StatsRow(*key))
        row.checks += 1
        row.outcomes[outcome] += 1
        row.measures.update(measure_ids(entry["result"]))  # read as stored: compact or in full
        self.hits[key] += outcome != "allow"
