"""Values as pages show them, in the page's language: roles, records, list names, periods, the
proportionality trace and the semantic diff's changes.

Pages receive a ``Values`` as ``v`` and write ``{{ v.role(request.role) }}`` or
``{{ v.trace(m) }}``; what has no label (an identifier, a document number) is shown as it is.
The batch report renders through the same object, so a decision reads the same on both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jrp.api.console.i18n import Translator
from jrp.api.schemas import RulesetChangeV1
from jrp.rulesets.diff import ANY_ROLE, Aspect
from jrp.rulesets.library import Library
from jrp.vocabulary.periods import period_parts
from jrp.vocabulary.records import Severity

PERIOD = re.compile(r"P(?:\d+[YMD])+")
FIELD_LABELS = {  # YAML fields whose values are vocabulary, and the label prefix of their values
    "extends_to": "related_role", "roles": "check_role", "scenarios": "scenario", "min_severity": "severity",
    "kind": "list_kind",
}
LABELLED_ASPECTS = {  # the aspects whose values are labelled, and by which label prefix
    Aspect.scenarios: "scenario",
    Aspect.min_severity: "severity",
    Aspect.extension: "related_role",
    Aspect.effect: "effect",
}


@dataclass(frozen=True)
class Values:
    """Labels of values for one page: ``t`` is its translator, ``library`` names lists and grading schemes."""

    t: Translator
    library: Library

    def _join(self, items: Iterable[str]) -> str:
        return self.t("list.separator").join(items)

    def role(self, value: str | None) -> str:
        """A check role; none given means the rules of every role applied."""
        return self.t.label("check_role", value) if value else self.t("roles.any")

    def roles(self, values: Iterable[str]) -> str:
        """The roles a measure applies to; empty means any role."""
        values = list(values)
        return self._join(self.role(v) for v in values) if values else self.t("roles.any")

    def related_role(self, value: str) -> str:
        return self.t.label("related_role", value)

    def record_type(self, value: str) -> str:
        return self.t.label("record_type", value)

    def severity(self, value: int | str | None) -> str:
        """A severity as the log keeps it (3) or as rulesets write it (serious)."""
        if value is None or value == "":
            return ""
        name = Severity(value).name if isinstance(value, int) else str(value)
        return self.t.label("severity", name)

    def status(self, value: str) -> str:
        return self.t.label("status", value)

    def list_kind(self, value: str) -> str:
        return self.t.label("list_kind", value)

    def domain(self, value: str | None) -> str:
        return self.t.label("domain", value) if value else ""

    def jurisdiction(self, code: str) -> str:
        return self.t.label("jurisdiction", code)

    def period(self, value: str | None) -> str:
        """An ISO period (P3Y, P6M, P1Y6M) in words; none means as long as the triggering record."""
        if not value:
            return self.t("decision.until_open")
        parts = zip(("Y", "M", "D"), period_parts(value))
        return self.t("period.and").join(self.t(f"period.{unit}", n=n) for unit, n in parts if n)

    def listing(self, item: Any) -> str:
        """A list's listing periods: its own, and each legal ground's (a range, a fixed term, none, the longest)."""
        parts = [self._span(item.listing_period, item.longest)] if item.listing_period is not None else []
        for ground in item.grounds:
            name = ground.name.zh if self.t.language == "zh" else ground.name.en
            parts.append(self.t("period.ground", ground=name, period=self._span(ground.period, ground.longest)))
        return self.t("period.grounds_separator").join(parts)

    def _span(self, period: Any, longest: str | None) -> str:
        if period is None:
            text = self.t("period.none")
        elif isinstance(period, str):
            text = self.period(period)
        else:
            text = self.t("period.range", low=self.period(period.min), high=self.period(period.max))
        return text + (self.t("period.longest", period=self.period(longest)) if longest else "")

    @cached_property
    def _lists(self) -> dict[str, Any]:
        return {item.id: item.name for file in self.library.files for item in file.ruleset.lists}

    @cached_property
    def _schemes(self) -> dict[str, Any]:
        return {scheme.scheme: scheme.name for file in self.library.files for scheme in file.ruleset.grading}

    def _name(self, names: Mapping[str, Any], key: str | None) -> str:
        name = names.get(key or "")
        return (name.zh if self.t.language == "zh" else name.en) if name else (key or "")

    def instrument(self, instrument_id: str) -> str:
        """A cited instrument's title (its id when the registry does not know it)."""
        instrument = self.library.instruments.get(instrument_id)
        return instrument.title if instrument else instrument_id

    def list_name(self, list_id: str | None) -> str:
        """A list's name in the page's language (its id when no ruleset defines it)."""
        return self._name(self._lists, list_id)

    def scheme_name(self, scheme: str | None) -> str:
        return self._name(self._schemes, scheme)

    def record_subject(self, record: Mapping[str, Any]) -> str:
        """What a record is about: its list, scheme or domain, by name."""
        if record.get("list_id"):
            return self.list_name(record["list_id"])
        if record.get("scheme"):
            return self.scheme_name(record["scheme"])
        return self.domain(record.get("domain"))

    def trigger(self, record: Mapping[str, Any]) -> str:
        """A triggering record: the list it is on, else its type ("" for one known by its id only: a decision whose
        result can no longer be rebuilt, ``jrp.compact_results.expanded``)."""
        if record.get("list_id"):
            return self.list_name(record["list_id"])
        return self.record_type(record["record_type"]) if "record_type" in record else ""

    def trace(self, measure: Mapping[str, Any]) -> str:
        """A logged measure's proportionality trace (过惩相当) in words; decisions logged before the trace was data
        show the English sentence they kept."""
        trace = measure.get("trace")
        if not trace:
            return measure.get("proportionality", "")
        t = self.t
        parts = [t("trace.trigger", value=t.label("trigger", trace["trigger"]))]
        if trace.get("severity"):
            parts.append(t("trace.severity", value=self.severity(trace["severity"])))
        if trace.get("domain"):
            parts.append(t("trace.domain", value=self.domain(trace["domain"])))
        if trace.get("impact"):
            parts.append(t("trace.impact", value=t.label("impact_level", trace["impact"])))
        if trace.get("value"):
            parts.append(t("trace.value", value=f"{trace['value']:g}"))
        if trace.get("grade"):
            parts.append(t("trace.grade", value=trace["grade"]))
        parts.append(t("trace.floor", value=self.severity(trace["min_severity"])) if trace["kind"] == "penalty"
                     else t("trace.incentive"))
        parts.append(t("trace.measure", category=trace["category"], effect=t.label("effect", trace["effect"]),
                       intensity=trace["intensity"]))
        return t("trace.separator").join(parts)

    def aspect(self, value: str) -> str:
        return self.t.label("aspect", Aspect(value).name)

    def change(self, change: RulesetChangeV1) -> str:
        """A diff change's detail in words, from its structured values (``was``, ``now``, ``fields``)."""
        aspect, t = Aspect(change.aspect), self.t
        entry = change.now or change.was
        if aspect is Aspect.rule and entry:  # added or removed: its trigger and measures
            text = f"{self._trigger_key(entry[0])} → {self._join(entry[2:])}"
        elif aspect in (Aspect.measure, Aspect.list, Aspect.grading, Aspect.supervision_class) and entry:
            text = entry[0] if t.language == "zh" else entry[-1]  # added or removed: its name
        elif aspect is Aspect.legal_basis:
            added, removed = (self._join(map(self._citation, items)) for items in (change.now, change.was))
            text = t("trace.separator").join([*([t("diff.basis_added", items=added)] if change.now else []),
                                              *([t("diff.basis_removed", items=removed)] if change.was else [])])
        elif aspect in (Aspect.effective_dates, Aspect.scenarios, Aspect.roles, Aspect.min_severity, Aspect.extension,
                        Aspect.duration, Aspect.intensity, Aspect.effect, Aspect.category, Aspect.triggers):
            text = t("diff.values", was=self._values(aspect, change.was), now=self._values(aspect, change.now))
        elif change.fields:  # an edited entry or threshold, field by field
            fields = t("trace.separator").join(f"{self._path(f.path)}{t('diff.colon')}{self._field(f.path, f.was)} → "
                                               f"{self._field(f.path, f.now)}" for f in change.fields)
            text = f"{self._trigger_key(change.was[0])}{t('diff.colon')}{fields}" \
                if aspect is Aspect.trigger_condition else fields
        else:
            text = change.detail
        return text + (t("diff.unbased") if change.level == "error" else "")

    def described(self, change: RulesetChangeV1) -> str:
        """A diff change as one phrase: its aspect, direction and detail (a refused candidate's diff errors)."""
        return self.t("diff.described", aspect=self.aspect(change.aspect),
                      direction=self.t.label("direction", change.direction), detail=self.change(change))

    def _path(self, path: str) -> str:
        """A dotted YAML path (general.max, domain_minimums.fire_safety) with each part labelled where it can be."""
        labels = []
        for part in path.split("."):
            for prefix in ("yaml", "trigger", "severity", "domain"):
                if self.t.knows(f"{prefix}.{part}"):
                    labels.append(self.t.label(prefix, part))
                    break
            else:
                labels.append(part)
        return " · ".join(labels)

    def _field(self, path: str, value: str) -> str:
        """A field's value: periods in words, citations by instrument title, roles and scenarios labelled."""
        last = path.rsplit(".", 1)[-1]
        if value in ("", "None"):
            return self.t("diff.none")
        if value in ("True", "False"):
            return self.t(f"diff.{value.lower()}")
        if PERIOD.fullmatch(value):
            return self.period(value)
        if last in ("basis", "extension_basis"):
            return self._join(self._citation(item) for item in value.split(", "))
        prefix = FIELD_LABELS.get(last)
        return self._join(self.t.label(prefix, item) for item in value.split(",")) if prefix else value

    def _citation(self, item: str) -> str:
        """``instrument article`` (a flattened citation, or a diff's basis label) as title and article."""
        instrument, _, article = item.partition(" ")
        return f"{self.instrument(instrument)} {self.article(article.removeprefix('article '))}"

    def article(self, label: str) -> str:
        """A citation's article label (第22条第1款, 专栏2); an unverified article says so in the page's language."""
        return self.t("basis.unverified") if label in ("unverified", "article unverified") else label

    def _values(self, aspect: Aspect, values: list[str] | tuple[str, ...]) -> str:
        if aspect is Aspect.effective_dates:
            start, end = values
            return f"{start} – {end or self.t('rulesets.open_end')}"
        if aspect is Aspect.duration:
            return self.period(values[0] if values else None)
        if aspect is Aspect.roles:
            return self.t("roles.any") if list(values) == [ANY_ROLE] else self._join(map(self.role, values)) or \
                self.t("roles.none")
        if aspect is Aspect.triggers:
            return self._join(self._trigger_key(v) for v in values) or self.t("diff.none")
        prefix = LABELLED_ASPECTS.get(aspect)
        return self._join(self.t.label(prefix, v) if prefix else v for v in values) or self.t("diff.none")

    def _trigger_key(self, key: str) -> str:
        """``list:<id>`` → the list's name; ``penalty:<domains>`` → penalties (domains)…"""
        kind, _, detail = key.partition(":")
        if kind == "list":
            return self.list_name(detail)
        label = self.t.label("trigger", kind)
        shown = self.scheme_name(detail) if kind in ("points", "grade", "score") else \
            self._join(self.domain(d) for d in detail.split(",") if d)
        return f"{label} ({shown})" if shown else label
