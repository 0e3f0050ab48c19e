"""From subject facts to evidence: which records are in force on the check date, and aggregates.

Everything time-dependent and every exemption lives here — listing and publication
periods, repair, removal, objections, minors, first-violation and minor-violation
exemptions, cross-region mapping and related parties — so the rules themselves stay
single-fact conditions that every evaluator reads the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from jrp.engine.compile import CompiledBundle
from jrp.engine.facts import CheckContext, Record, RelatedParty, SubjectFacts
from jrp.vocabulary.records import (
    CommitmentState,
    ObjectionState,
    Procedure,
    RecordStatus,
    RecordType,
    Severity,
)
from jrp.vocabulary.periods import add_years, shift
from jrp.engine.types import Evidence, Exclusion, ExclusionReason, Trigger
from jrp.vocabulary.jurisdictions import chain_of
from jrp.vocabulary.measures import ListKind

LIST_SEVERITY = {ListKind.serious: int(Severity.serious), ListKind.key_attention: int(Severity.general), ListKind.incentive: 0}
ENDED_STATUS = {
    RecordStatus.removed: ExclusionReason.removed,
    RecordStatus.repaired: ExclusionReason.repaired,
    RecordStatus.revoked: ExclusionReason.revoked,
}
AGGREGATED = frozenset({RecordType.evaluation, RecordType.score, RecordType.points, RecordType.commitment})
DISHONESTY_TYPES = frozenset({RecordType.list_entry, RecordType.penalty, RecordType.commitment, RecordType.points})


@dataclass
class EvidenceSet:
    """The evidence of one check, and the records left out with their reasons."""

    explain: bool = False
    items: list[Evidence] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)
    serious_in_force: bool = False

    def exclude(self, record: Record, reason: ExclusionReason, detail: str, *args: object) -> None:
        """Note why ``record`` was left out; kept (and ``detail`` formatted with ``args``) only when explaining."""
        if self.explain:
            self.excluded.append(Exclusion(reason, detail.format(*args), record_id=record.record_id))


def build_evidence(
    facts: SubjectFacts, context: CheckContext, bundle: CompiledBundle, *, explain: bool = False
) -> EvidenceSet:
    """Normalise ``facts`` into evidence for a check on ``context.as_of``."""
    out = EvidenceSet(explain)
    adult_from = None
    if facts.subject.birth_date is not None:
        adult_from = add_years(facts.subject.birth_date, 18)
    penalties: list[tuple[Record, date | None]] = []
    for record in facts.records:
        until = _in_force_until(record, context, bundle, out, adult_from)
        if until is False:
            continue
        _record_evidence(record, until, context, bundle, out, penalties)
    _aggregate(facts, context, bundle, out, penalties)
    for related in facts.related:
        _related_evidence(related, context, bundle, out)
    return out


def _in_force_until(
    record: Record, context: CheckContext, bundle: CompiledBundle, out: EvidenceSet, adult_from: date | None
) -> date | None | bool:
    """The date a record stops applying, None if open-ended, or False if it does not apply now."""
    as_of = context.as_of
    if record.start > as_of:
        out.exclude(record, ExclusionReason.not_yet_in_force, "starts on {}", record.start)
        return False
    if adult_from is not None and record.record_type in DISHONESTY_TYPES and record.start < adult_from:
        out.exclude(record, ExclusionReason.under_18, "the person was under 18 on the record date (Suzhou 2024 (八))")
        return False
    ended = ENDED_STATUS.get(record.status)
    ended_on = _status_effective(record, bundle) if ended is not None else None
    if ended is not None and (ended_on is None or ended_on <= as_of):
        out.exclude(record, ended, "{}, effective {}", record.status.value, ended_on or "immediately")
        return False
    if (
        bundle.objections_suspend
        and record.objection is ObjectionState.open
        and (record.objection_date is None or record.objection_date <= as_of)
    ):
        out.exclude(record, ExclusionReason.suspended_objection, "suspended while the objection is examined")
        return False
    until = _nominal_end(record, bundle, out)
    if until is False:
        return False
    if ended_on is not None and (until is None or ended_on < until):
        until = ended_on  # a removal or repair taking effect later ends it early
    if until is not None and until <= as_of:
        out.exclude(record, ExclusionReason.expired, "in force until {}", until)
        return False
    return until


def _status_effective(record: Record, bundle: CompiledBundle) -> date | None:
    """When a removal, repair or revocation takes effect.

    A penalty can be repaired only once its minimum publication period has run (order
    58 / order 36): an earlier repair takes effect at the end of that period.
    """
    periods = bundle.publication_periods
    if record.status is not RecordStatus.repaired or record.record_type is not RecordType.penalty or periods is None:
        return record.status_date
    period = periods.serious if record.severity is Severity.serious else periods.general
    minimums = [p for p in (period.min, periods.domain_minimums.get(record.domain or "")) if p]
    if not minimums:
        return record.status_date
    earliest = max(shift(record.start, p) for p in minimums)
    return earliest if record.status_date is None or record.status_date < earliest else record.status_date


def _nominal_end(record: Record, bundle: CompiledBundle, out: EvidenceSet) -> date | None | bool:
    if record.record_type is RecordType.penalty:
        return _publication_end(record, bundle, out)
    if record.record_type is RecordType.list_entry:
        if record.end is not None:
            return record.end
        credit_list = bundle.lists.get(record.list_id or "")
        if credit_list is not None and credit_list.listing_period:
            return shift(record.start, credit_list.listing_period)
    return record.end


def _publication_end(record: Record, bundle: CompiledBundle, out: EvidenceSet) -> date | None | bool:
    """Penalties apply while published: exemptions first, then the edition's maximum period."""
    if record.procedure is Procedure.simple or record.severity is Severity.minor or record.severity is None:
        out.exclude(record, ExclusionReason.exempt_minor, "minor or simple-procedure penalty: not published, triggers nothing")
        return False
    if record.first_violation and record.corrected_in_time:
        out.exclude(
            record, ExclusionReason.exempt_first_violation, "first violation corrected in time (行政处罚法 art. 33)"
        )
        return False
    periods = bundle.publication_periods
    if periods is None:
        return record.end
    period = periods.serious if record.severity is Severity.serious else periods.general
    end = shift(record.start, period.max) if period.max else None
    if record.end is not None and (end is None or record.end < end):
        end = record.end
    return end


def _record_evidence(
    record: Record,
    until: date | None,
    context: CheckContext,
    bundle: CompiledBundle,
    out: EvidenceSet,
    penalties: list[tuple[Record, date | None]],
) -> None:
    disputed = record.objection is ObjectionState.open
    kind = record.record_type
    if kind is RecordType.list_entry:
        list_id = _local_list_id(record, context, bundle, out)
        if list_id is None:
            return
        severity = LIST_SEVERITY[bundle.lists[list_id].kind]
        if record.severity is not None and bundle.lists[list_id].kind is not ListKind.incentive:
            severity = max(severity, int(record.severity))
        if severity >= Severity.serious:
            out.serious_in_force = True
        out.items.append(Evidence(record.record_id, Trigger.list, list_id, severity=severity,
                                  records=(record,), since=record.start, until=until, disputed=disputed))
    elif kind is RecordType.penalty:
        if record.severity is Severity.serious:
            out.serious_in_force = True
        penalties.append((record, until))
        out.items.append(Evidence(record.record_id, Trigger.penalty, record.domain or "",
                                  severity=int(record.severity or 0), records=(record,), since=record.start,
                                  until=until, disputed=disputed))
    elif kind is RecordType.commitment and _breached_by(record, context.as_of):
        out.items.append(Evidence(record.record_id, Trigger.commitment_breach, record.matter or "",
                                  severity=int(Severity.general), records=(record,), since=record.commitment_date,
                                  until=until, disputed=disputed))


def _breached_by(record: Record, as_of: date) -> bool:
    return record.commitment_state is CommitmentState.breached and (
        record.commitment_date is None or record.commitment_date <= as_of)


def _local_list_id(record: Record, context: CheckContext, bundle: CompiledBundle, out: EvidenceSet) -> str | None:
    """The local list a list entry counts as: its own, or the one a cross-region mapping names.

    A list the bundle defines counts whatever region issued the entry (a Shanghai court
    publishes on the national judgment-debtor list); only lists foreign to the bundle
    need a declared mapping.
    """
    list_id = record.list_id or ""
    if list_id not in bundle.lists and record.region and record.region not in chain_of(context.jurisdiction):
        mapped = bundle.cross_region.get((record.region, list_id))
        if mapped is None:
            out.exclude(record, ExclusionReason.unmapped_cross_region,
                        f"list type {list_id!r} of {record.region} has no declared local equivalent")
            return None
        list_id = mapped
    if list_id not in bundle.lists:
        out.exclude(record, ExclusionReason.unknown_list, "list {!r} is not defined in this bundle", list_id)
        return None
    return list_id


def _latest(records: Iterable[Record]) -> dict[str, Record]:
    latest: dict[str, Record] = {}
    for record in records:
        key = record.scheme or ""
        if key not in latest or (record.start, record.record_id) > (latest[key].start, latest[key].record_id):
            latest[key] = record
    return latest


def _aggregate(
    facts: SubjectFacts,
    context: CheckContext,
    bundle: CompiledBundle,
    out: EvidenceSet,
    penalties: list[tuple[Record, date | None]],
) -> None:
    as_of = context.as_of
    active: dict[RecordType, list[Record]] = defaultdict(list)
    for record in facts.records:
        if record.record_type in AGGREGATED and record.start <= as_of and not _ended(record, as_of, bundle):
            active[record.record_type].append(record)
    for scheme, record in _latest(active[RecordType.evaluation]).items():
        out.items.append(Evidence(f"grade:{scheme}", Trigger.grade, scheme, grade=record.grade or "",
                                  records=(record,), since=record.start))
    for scheme, record in _latest(active[RecordType.score]).items():
        out.items.append(Evidence(f"score:{scheme}", Trigger.score, scheme, value=record.value or 0.0,
                                  records=(record,), since=record.start))
    if len(penalties) > 1:
        for window in bundle.repeat_windows:
            _repeat_evidence(window, penalties, as_of, out)
    adult_from = add_years(facts.subject.birth_date, 18) if facts.subject.birth_date else None
    for scheme, window in bundle.points_windows if active[RecordType.points] else ():
        since = shift(as_of, window, -1)
        counted = tuple(
            r for r in active[RecordType.points]
            if r.scheme == scheme and r.start > since and (adult_from is None or r.start >= adult_from)
        )
        if counted:
            total = sum(max(r.value or 0.0, 0.0) for r in counted)
            out.items.append(Evidence(f"points:{scheme}:{window}", Trigger.points, scheme, value=total,
                                      window=window, records=counted, since=max(r.start for r in counted),
                                      until=shift(min(r.start for r in counted), window)))
    for window in bundle.kept_windows if active[RecordType.commitment] else ():
        since = shift(as_of, window, -1)
        kept = tuple(r for r in active[RecordType.commitment]
                     if r.commitment_state is CommitmentState.fulfilled
                     and r.commitment_date is not None and since < r.commitment_date <= as_of)
        if kept:
            out.items.append(Evidence(f"kept:{window}", Trigger.commitments_kept, "", value=float(len(kept)),
                                      window=window, records=kept, since=max(r.commitment_date for r in kept)))


def _ended(record: Record, as_of: date, bundle: CompiledBundle) -> bool:
    if record.status not in ENDED_STATUS:
        return False
    ended_on = _status_effective(record, bundle)
    return ended_on is None or ended_on <= as_of


def _repeat_evidence(window: str, penalties: list[tuple[Record, date | None]], as_of: date, out: EvidenceSet) -> None:
    """Counts of penalties within ``window`` per domain (and across domains) per severity floor."""
    since = shift(as_of, window, -1)
    recent = [record for record, _until in penalties if record.start > since]
    groups: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for record in recent:
        for floor in range(int(Severity.general), int(record.severity or 0) + 1):
            groups[(record.domain or "", floor)].append(record)
            groups[("*", floor)].append(record)
    for (domain, floor), records in sorted(groups.items()):
        if len(records) < 2:
            continue
        out.items.append(Evidence(f"repeat:{domain}:{floor}:{window}", Trigger.repeated_penalties, domain,
                                  severity=floor, value=float(len(records)), window=window,
                                  records=tuple(records), since=max(r.start for r in records),
                                  until=shift(min(r.start for r in records), window)))


def _related_evidence(related: RelatedParty, context: CheckContext, bundle: CompiledBundle, out: EvidenceSet) -> None:
    """Serious-list entries of an organisation the subject holds a role in, marked with the role."""
    as_of = context.as_of
    if (related.start and related.start > as_of) or (related.end and related.end <= as_of):
        for record in related.records:
            out.exclude(record, ExclusionReason.relation_not_in_force,
                        f"{related.role} of {related.subject.subject_id} not in force on {as_of}")
        return
    scratch = EvidenceSet(out.explain)
    for record in related.records:
        if record.record_type is not RecordType.list_entry:
            continue
        until = _in_force_until(record, context, bundle, scratch, None)
        if until is False:
            continue
        list_id = _local_list_id(record, context, bundle, scratch)
        if list_id is None or bundle.lists[list_id].kind is ListKind.incentive:
            continue
        out.items.append(Evidence(f"{record.record_id}@{related.role}", Trigger.list, list_id,
                                  severity=LIST_SEVERITY[bundle.lists[list_id].kind], via_role=related.role,
                                  via_subject=related.subject.subject_id, records=(record,), since=record.start,
                                  until=until,
                                  disputed=record.objection is ObjectionState.open))
    out.excluded.extend(scratch.excluded)
