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
from jrp.engine.periods_of_records import (
    Window,
    effective_severity,
    listing_window,
    longest_publication,
    publication,
)
from jrp.engine.types import Doubt, Evidence, Exclusion, ExclusionReason, ReviewReason, Trigger
from jrp.vocabulary.jurisdictions import chain_of
from jrp.vocabulary.measures import ListKind
from jrp.vocabulary.periods import add_years, shift
from jrp.vocabulary.records import (
    CommitmentState,
    ObjectionState,
    Procedure,
    RecordStatus,
    RecordType,
    Severity,
)
from jrp.vocabulary.subjects import NAMED_BY_DECISION

LIST_SEVERITY = {ListKind.serious: int(Severity.serious), ListKind.key_attention: int(Severity.general),
                 ListKind.incentive: 0, ListKind.decision: int(Severity.serious)}
ENDED_STATUS = {
    RecordStatus.removed: ExclusionReason.removed,
    RecordStatus.repaired: ExclusionReason.repaired,
    RecordStatus.revoked: ExclusionReason.revoked,
}
AGGREGATED = frozenset({RecordType.evaluation, RecordType.score, RecordType.points, RecordType.commitment})
DISHONESTY_TYPES = frozenset({RecordType.list_entry, RecordType.penalty, RecordType.commitment, RecordType.points})


NATIONAL = "CN"
"""The level whose rules class penalties (the credit-repair editions): a serious penalty weighs at every level."""


@dataclass
class EvidenceSet:
    """The evidence of one check, and the records left out with their reasons.

    ``serious_from``: the levels (jurisdictions) whose rules put a serious record in force — a serious-dishonesty
    list of Jiangsu's own construct weighs on Jiangsu's incentives, never on what a national rule grants.
    """

    explain: bool = False
    items: list[Evidence] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)
    serious_from: set[str] = field(default_factory=set)

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
        window = _in_force_until(record, context, bundle, out, adult_from)
        if window is not None:
            _record_evidence(record, window, context, bundle, out, penalties)
        if record.record_type is RecordType.penalty and bundle.look_back_windows:
            _look_back_evidence(record, context, bundle, out, adult_from)
    _aggregate(facts, context, bundle, out, penalties)
    for related in facts.related:
        _related_evidence(facts.subject.subject_id, related, context, bundle, out)
    return out


def _in_force_until(
    record: Record, context: CheckContext, bundle: CompiledBundle, out: EvidenceSet, adult_from: date | None
) -> Window | None:
    """The window in which a record applies, or None (and the reason noted) if it does not apply now."""
    as_of = context.as_of
    if record.start > as_of:
        out.exclude(record, ExclusionReason.not_yet_in_force, "starts on {}", record.start)
        return None
    if adult_from is not None and record.record_type in DISHONESTY_TYPES and record.start < adult_from:
        out.exclude(record, ExclusionReason.under_18, "the person was under 18 on the record date (Suzhou 2024 (八))")
        return None
    ended = ENDED_STATUS.get(record.status)
    ended_on = _status_effective(record, bundle) if ended is not None else None
    if ended is not None and (ended_on is None or ended_on <= as_of):
        out.exclude(record, ended, "{}, effective {}", record.status.value, ended_on or "immediately")
        return None
    if _suspended(record, as_of, bundle):
        out.exclude(record, ExclusionReason.suspended_objection, "suspended while the objection is examined")
        return None
    window = _nominal_window(record, bundle, out)
    if window is None:
        return None
    until = window.until
    if ended_on is not None and (until is None or ended_on < until):
        window = Window(ended_on)  # a removal or repair taking effect later ends it early, and settles the end
    if window.until is not None and window.until <= as_of:
        out.exclude(record, ExclusionReason.expired, "in force until {}", window.until)
        return None
    return window


def _suspended(record: Record, as_of: date, bundle: CompiledBundle) -> bool:
    """Whether an open objection suspends ``record`` on ``as_of`` (where the rules say objections suspend)."""
    return bundle.objections_suspend and record.objection is ObjectionState.open and (
        record.objection_date is None or record.objection_date <= as_of)


def _status_effective(record: Record, bundle: CompiledBundle) -> date | None:
    """When a removal, repair or revocation takes effect.

    A penalty can be repaired only once its minimum publication period has run (order
    58 / order 36): an earlier repair takes effect at the end of that period.
    """
    periods = bundle.publication_periods
    if record.status is not RecordStatus.repaired or record.record_type is not RecordType.penalty or periods is None:
        return record.status_date
    earliest = publication(record, periods, bundle.periods_since).earliest_repair
    return earliest if record.status_date is None or record.status_date < earliest else record.status_date


def _nominal_window(record: Record, bundle: CompiledBundle, out: EvidenceSet) -> Window | None:
    if record.record_type is RecordType.penalty:
        return _publication_window(record, bundle, out)
    if record.record_type is RecordType.list_entry:
        credit_list = bundle.lists.get(record.list_id or "")
        if credit_list is not None:
            return listing_window(record, credit_list)
    return Window(record.end)


def _publication_window(record: Record, bundle: CompiledBundle, out: EvidenceSet) -> Window | None:
    """Penalties apply while published: exemptions first, then the governing edition's maximum period.

    A penalty whose class nobody states is not exempt as minor: it may be published as long as the longest
    class allows (and answers review meanwhile, ``severity_not_stated``).
    """
    periods = bundle.publication_periods
    severity = effective_severity(record, periods)
    if record.procedure is Procedure.simple or severity is Severity.minor:
        out.exclude(record, ExclusionReason.exempt_minor, "minor or simple-procedure penalty: not published, triggers nothing")
        return None
    if record.first_violation and record.corrected_in_time:
        out.exclude(
            record, ExclusionReason.exempt_first_violation, "first violation corrected in time (行政处罚法 art. 33)"
        )
        return None
    if periods is None:
        return Window(record.end)
    if severity is None:
        return Window(longest_publication(record, periods, bundle.periods_since))
    return Window(publication(record, periods, bundle.periods_since).until)


def _period_doubt(window: Window, as_of: date) -> tuple[Doubt, ...]:
    if window.certain_until is not None and window.certain_until <= as_of:
        reason = ReviewReason.end_beyond_maximum if window.beyond_maximum else ReviewReason.period_open
        return (Doubt(reason, f"{window.why_open}: in force for certain until {window.certain_until}, possibly until "
                              f"{window.until or 'removed'}"),)
    return ()


def _rules_ahead(list_id: str, as_of: date, bundle: CompiledBundle) -> tuple[Doubt, ...]:
    """A doubt where the rules defining ``list_id`` take effect after ``as_of`` (a date before jrp's first edition of
    a list is not "no list": the law behind it may already have applied)."""
    since = bundle.list_from.get(list_id)
    if since is None or since <= as_of:
        return ()
    return (Doubt(ReviewReason.rules_not_in_force,
                  f"jrp's rules for list {list_id} take effect on {since}; on {as_of} the law behind the list may "
                  "already have applied: a person decides"),)


def _look_back_evidence(
    record: Record, context: CheckContext, bundle: CompiledBundle, out: EvidenceSet, adult_from: date | None
) -> None:
    """A penalty as a basis with its own look-back reads it (政府采购法 art. 22(1)(5): 前三年内…重大违法记录): decided
    within the period, whatever its class or publication; never a revoked decision, an exemption or a simple-procedure
    penalty (a warning or a small fine, 行政处罚法 art. 51). Whether a repair ends it within the period no text in
    hand says: review.
    """
    as_of = context.as_of
    exempt = record.procedure is Procedure.simple or (record.first_violation and record.corrected_in_time)
    if record.start > as_of or exempt or (adult_from is not None and record.start < adult_from):
        return
    if _suspended(record, as_of, bundle):
        return
    ended = record.status in ENDED_STATUS and (record.status_date is None or record.status_date <= as_of)
    if ended and record.status is RecordStatus.revoked:
        return
    doubts = (Doubt(ReviewReason.repaired_within_look_back,
                    f"the penalty was {record.status.value} on {record.status_date or 'an unstated date'}; no text in "
                    "hand says whether that ends it within the basis's own look-back (order 36 art. 12(3): 法律、行政法规"
                    "对相关信息公示期另有规定的，从其规定)"),) if ended else ()
    for window in bundle.look_back_windows:
        until = shift(record.start, window)
        if until > as_of:
            out.items.append(Evidence(f"{record.record_id}:within:{window}", Trigger.penalty, record.domain or "",
                                      window=window, records=(record,), since=record.start, until=until,
                                      disputed=record.objection is ObjectionState.open, doubts=doubts))


def _record_evidence(
    record: Record,
    window: Window,
    context: CheckContext,
    bundle: CompiledBundle,
    out: EvidenceSet,
    penalties: list[tuple[Record, date | None]],
) -> None:
    disputed = record.objection is ObjectionState.open
    kind = record.record_type
    until = window.until
    if kind is RecordType.list_entry:
        local = _local_list(record, context, bundle, out)
        if local is None:
            return
        list_id, doubts = local
        list_kind = bundle.lists[list_id].kind
        severity = LIST_SEVERITY[list_kind]
        if record.severity is not None and list_kind is not ListKind.incentive:
            severity = max(severity, int(record.severity))
        if list_kind is ListKind.serious or (severity >= Severity.serious and list_kind is not ListKind.decision):
            out.serious_from.add(bundle.list_jurisdiction.get(list_id, NATIONAL))
        out.items.append(Evidence(record.record_id, Trigger.list, list_id, severity=severity,
                                  records=(record,), since=record.start, until=until, disputed=disputed,
                                  doubts=doubts + _rules_ahead(list_id, context.as_of, bundle)
                                  + _period_doubt(window, context.as_of)))
    elif kind is RecordType.penalty:
        severity = effective_severity(record, bundle.publication_periods)
        doubts: tuple[Doubt, ...] = ()
        if severity is None:
            # Unknown is not minor: matched as the class that could apply most, and answered review.
            doubts = (Doubt(ReviewReason.severity_not_stated,
                            "the record states no class (轻微、一般、严重) and its penalty types imply none under the "
                            "credit-repair edition in force: it may be minor and unpublished, or general or serious"),)
        elif severity is Severity.serious:
            out.serious_from.add(NATIONAL)
        penalties.append((record, until))
        out.items.append(Evidence(record.record_id, Trigger.penalty, record.domain or "",
                                  severity=int(severity or Severity.serious), records=(record,), since=record.start,
                                  until=until, disputed=disputed, doubts=doubts))
    elif kind is RecordType.commitment and _breached_by(record, context.as_of):
        out.items.append(Evidence(record.record_id, Trigger.commitment_breach, record.matter or "",
                                  severity=int(Severity.general), records=(record,), since=record.commitment_date,
                                  until=until, disputed=disputed))


def _breached_by(record: Record, as_of: date) -> bool:
    return record.commitment_state is CommitmentState.breached and (
        record.commitment_date is None or record.commitment_date <= as_of)


def _local_list(
    record: Record, context: CheckContext, bundle: CompiledBundle, out: EvidenceSet
) -> tuple[str, tuple[Doubt, ...]] | None:
    """The local list a list entry counts as (its own, or the one a cross-region mapping names), with doubts.

    A list the bundle defines counts whatever region issued the entry (a Shanghai court
    publishes on the national judgment-debtor list); only lists foreign to the bundle
    need a declared mapping, which may recognise records of named domains only.
    """
    list_id, doubts = record.list_id or "", ()
    if list_id not in bundle.lists and record.region and record.region not in chain_of(context.jurisdiction):
        mapping = bundle.cross_region.get((record.region, list_id))
        if mapping is None:
            out.exclude(record, ExclusionReason.unmapped_cross_region,
                        f"list type {list_id!r} of {record.region} has no declared local equivalent")
            return None
        if mapping.domains and record.domain is None:
            doubts = (Doubt(ReviewReason.domain_not_stated,
                            f"{record.region} records are recognised only in {', '.join(mapping.domains)}; "
                            "the record does not state its domain"),)
        elif mapping.domains and record.domain not in mapping.domains:
            out.exclude(record, ExclusionReason.domain_not_recognised,
                        f"{record.region} records are recognised only in {', '.join(mapping.domains)}, "
                        f"not {record.domain}")
            return None
        list_id = mapping.maps_to
    if list_id not in bundle.lists:
        out.exclude(record, ExclusionReason.unknown_list, "list {!r} is not defined in this bundle", list_id)
        return None
    return list_id, doubts


def _current(records: Iterable[Record], as_of: date, bundle: CompiledBundle) -> dict[str, Record]:
    """Per scheme, the latest grade or score given by ``as_of``, if it has not ended.

    A newer result supersedes the older ones for good: when it is repaired, removed or revoked,
    no older result comes back into force (the authority gives a new one), so ending a result
    never brings back a worse one.
    """
    latest: dict[str, Record] = {}
    for record in records:
        key = record.scheme or ""
        if record.start <= as_of and (key not in latest
                                      or (record.start, record.record_id) > (latest[key].start, latest[key].record_id)):
            latest[key] = record
    return {scheme: record for scheme, record in latest.items() if not _ended(record, as_of, bundle)}


def _aggregate(
    facts: SubjectFacts,
    context: CheckContext,
    bundle: CompiledBundle,
    out: EvidenceSet,
    penalties: list[tuple[Record, date | None]],
) -> None:
    as_of = context.as_of
    active: dict[RecordType, list[Record]] = defaultdict(list)
    given: dict[RecordType, list[Record]] = defaultdict(list)
    for record in facts.records:
        if record.record_type in AGGREGATED:
            given[record.record_type].append(record)
            if record.start <= as_of and not _ended(record, as_of, bundle):
                active[record.record_type].append(record)
    for scheme, record in _current(given[RecordType.evaluation], as_of, bundle).items():
        out.items.append(Evidence(f"grade:{scheme}", Trigger.grade, scheme, grade=record.grade or "",
                                  records=(record,), since=record.start))
    for scheme, record in _current(given[RecordType.score], as_of, bundle).items():
        out.items.append(Evidence(f"score:{scheme}", Trigger.score, scheme, value=record.value or 0.0,
                                  records=(record,), since=record.start))
    if len(penalties) > 1:
        for window in bundle.repeat_windows:
            _repeat_evidence(window, penalties, as_of, bundle, out)
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


def _repeat_evidence(window: str, penalties: list[tuple[Record, date | None]], as_of: date, bundle: CompiledBundle,
                     out: EvidenceSet) -> None:
    """Counts of penalties within ``window`` per domain (and across domains) per severity floor.

    A penalty whose class nobody states may reach any floor: it is counted in a second, doubtful tally
    (``…:possible``), so that a count it alone completes answers review, never a certain measure.
    """
    since = shift(as_of, window, -1)
    certain: dict[tuple[str, int], list[Record]] = defaultdict(list)
    possible: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for record, _until in penalties:
        if record.start <= since:
            continue
        severity = effective_severity(record, bundle.publication_periods)
        for floor in range(int(Severity.general), int(severity or Severity.serious) + 1):
            for domain in (record.domain or "", "*"):
                possible[(domain, floor)].append(record)
                if severity is not None:
                    certain[(domain, floor)].append(record)
    for (domain, floor), records in sorted(possible.items()):
        known = certain.get((domain, floor), [])
        if len(known) >= 2:
            out.items.append(_repeat(f"repeat:{domain}:{floor}:{window}", domain, floor, window, known, ()))
        if len(records) >= 2 and len(records) > len(known):
            doubt = Doubt(ReviewReason.severity_not_stated, f"{len(records) - len(known)} of these {len(records)} "
                                                            "penalties state no class: the count may be lower")
            out.items.append(_repeat(f"repeat:{domain}:{floor}:{window}:possible", domain, floor, window, records,
                                     (doubt,)))


def _repeat(evidence_id: str, domain: str, floor: int, window: str, records: list[Record],
            doubts: tuple[Doubt, ...]) -> Evidence:
    return Evidence(evidence_id, Trigger.repeated_penalties, domain, severity=floor, value=float(len(records)),
                    window=window, records=tuple(records), since=max(r.start for r in records),
                    until=shift(min(r.start for r in records), window), doubts=doubts)


def _related_evidence(
    subject_id: str, related: RelatedParty, context: CheckContext, bundle: CompiledBundle, out: EvidenceSet
) -> None:
    """Serious-list entries of an organisation the subject holds a role in, marked with the role.

    Where the decision names persons, it reaches only them; a role the law leaves to the decision
    to fill (安全生产法 art. 78: 有关从业人员) reaches nobody through a relation alone.
    """
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
        window = _in_force_until(record, context, bundle, scratch, None)
        if window is None:
            continue
        local = _local_list(record, context, bundle, scratch)
        if local is None or bundle.lists[local[0]].kind is ListKind.incentive:
            continue
        list_id, doubts = local
        doubts += _rules_ahead(list_id, as_of, bundle)
        if record.persons and subject_id not in record.persons:
            scratch.exclude(record, ExclusionReason.person_not_named,
                            "the decision names its persons, and {} is not among them", subject_id)
            continue
        if not record.persons and related.role in NAMED_BY_DECISION:
            doubts += (Doubt(ReviewReason.persons_not_named,
                             f"the decision reaches the {related.role} it names, and names no one"),)
        out.items.append(Evidence(f"{record.record_id}@{related.role}", Trigger.list, list_id,
                                  severity=LIST_SEVERITY[bundle.lists[list_id].kind], via_role=related.role,
                                  via_subject=related.subject.subject_id, records=(record,), since=record.start,
                                  until=window.until, disputed=record.objection is ObjectionState.open,
                                  doubts=doubts + _period_doubt(window, as_of)))
    out.excluded.extend(scratch.excluded)
