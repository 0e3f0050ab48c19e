"""What a well-formed event may still not say: the rules checked after its shape, before it is stored.

An event can pass its schema (``jrp.adapters.facts.events``) and still be impossible: a penalty
dated next month, a listing on a list no ruleset defines (it would never trigger
anything), a penalty without its decision number, a NUL character (which PostgreSQL
refuses and SQLite keeps). Each rule below names the field it checks and says the rule
in its message, so both databases refuse the same events with the same words.

The table is generic on purpose: a rule is a field path, the event types it applies to
and a test; new event fields get a line here, not new code paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel

from jrp.adapters.facts.events import EVENT_TYPES, Event, EventError

CHINA = timezone(timedelta(hours=8), "CST")  # authorities date their acts in China Standard Time (no DST)
RECORD_EVENTS = frozenset({"list_entry_added", "penalty_issued", "commitment_made", "evaluation_published",
                           "points_recorded", "score_published"})
EVERY_EVENT = frozenset(EVENT_TYPES)


def china_date(moment: datetime) -> date:
    """The date in China at ``moment``: 01:00 UTC on June 30 is already 09:00 on June 30 there, 17:00 is July 1."""
    return moment.astimezone(CHINA).date()


def china_today() -> date:
    return china_date(datetime.now(UTC))


@dataclass(frozen=True)
class EventContext:
    """What the rules need to know besides the event: today's date and the lists the rulesets define."""

    today: Callable[[], date] = china_today
    list_ids: frozenset[str] | None = None  # None: lists are not checked (no ruleset library at hand)
    regional_lists: frozenset[tuple[str, str]] = frozenset()  # (region, list type) some cross-region mapping names
    regions: frozenset[str] | None = None  # None: regions are not checked; else the rulesets' jurisdictions and
    # the regions their cross-region mappings name

    def knows_region(self, region: str) -> bool:
        return self.regions is None or region in self.regions

    def unknown_region(self, region: str) -> str:
        return (f"no ruleset knows the region {region!r} (a jurisdiction code such as CN-JS-NT); known regions: "
                f"{', '.join(sorted(self.regions or ()))}")

    def knows_list(self, list_id: str, region: str | None) -> bool:
        """A list some ruleset defines, or another region's list type a ruleset recognises (sent with its region)."""
        return self.list_ids is None or list_id in self.list_ids or (region or "", list_id) in self.regional_lists

    def unknown_list(self, list_id: str) -> str:
        regional = sorted(f"{t} ({r})" for r, t in self.regional_lists)
        also = f"; list types of other regions, sent with that `region`: {', '.join(regional)}" if regional else ""
        return (f"no ruleset defines the list {list_id!r}, so the entry could never apply; known lists: "
                f"{', '.join(sorted(self.list_ids or ()))}{also}")


@dataclass(frozen=True)
class FieldRule:
    """``field`` of events of ``types`` is refused when ``broken(value, event, context, today)``; ``rule`` says why."""

    field: str
    types: frozenset[str]
    broken: Callable[[Any, Any, EventContext, date], bool]
    rule: Callable[[Any, EventContext, date], str]
    skip_empty: bool = field(default=True)  # absent or None values pass (optional fields)


def _after_today(value: date, _event: Any, _context: EventContext, today: date) -> bool:
    return value > today


def _not_in_force_yet(value: Any, _context: EventContext, today: date) -> str:
    return f"{value} is after today ({today}, China time): events report decisions already taken; send it on the day"


RULES: tuple[FieldRule, ...] = (
    FieldRule("occurred_on", EVERY_EVENT, _after_today, _not_in_force_yet),
    FieldRule("start", RECORD_EVENTS, _after_today, _not_in_force_yet),
    FieldRule("end", RECORD_EVENTS, lambda value, event, _c, _t: value < (event.start or event.occurred_on),
              lambda value, _c, _t: f"{value} is before the record's start; send the end the source states"),
    FieldRule("source.doc_no", frozenset({"penalty_issued"}), lambda value, _e, _c, _t: not str(value).strip(),
              lambda _v, _c, _t: "a penalty decision has a document number (行政处罚决定书文号); it is empty: "
                                 "send the number, or fix the source row", skip_empty=False),
    FieldRule("region", RECORD_EVENTS, lambda value, _e, context, _t: not context.knows_region(value),
              lambda value, context, _t: context.unknown_region(value)),
    FieldRule("list_id", frozenset({"list_entry_added"}),
              lambda value, event, context, _t: not context.knows_list(value, event.region),
              lambda value, context, _t: context.unknown_list(value)),
)


def check_event(event: Event, context: EventContext) -> Event:
    """``event`` if every rule holds, else :class:`EventError` naming the first broken field and its rule.

    Reads the parsed model's attributes; only an event whose JSON holds a NUL is walked to find where.
    """
    if "\\u0000" in event.model_dump_json():
        for path in _nul_paths(event):
            raise EventError(path, "contains the NUL character (\\u0000), which no text field may hold; remove it")
    today = context.today()
    for rule in RULES:
        if event.type not in rule.types:
            continue
        value = _at(event, rule.field)
        if value is None and rule.skip_empty:
            continue
        if rule.broken(value if value is not None else "", event, context, today):
            raise EventError(rule.field, rule.rule(value, context, today))
    return event


def _at(event: Any, path: str) -> Any:
    value: Any = event
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


def _nul_paths(value: Any, path: str = "") -> Iterator[str]:
    """Dotted paths of every string (or key) holding a NUL, ``raw`` included."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _nul_paths(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                yield child
            yield from _nul_paths(item, child)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{position}")
