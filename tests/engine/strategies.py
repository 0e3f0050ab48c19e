"""Hypothesis strategies: random but valid rulesets, subject facts and check contexts.

Vocabularies are deliberately small (three lists, two domains, a few schemes) so that
random facts hit random rules often enough for the comparisons to mean something.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from jrp.engine.facts import Application, CheckContext, Record, RelatedParty, Subject, SubjectFacts
from jrp.rulesets.bundle import Bundle
from jrp.rulesets.schema import Instrument, Ruleset
from jrp.vocabulary.records import (
    CommitmentState,
    ObjectionState,
    Procedure,
    RecordStatus,
    RecordType,
    Severity,
)
from jrp.vocabulary.scope import Consumption, ProjectType, Sanction
from jrp.vocabulary.subjects import SubjectType

LISTS = ("list-a", "list-b", "list-c")
DOMAINS = ("tax", "safety")
SCENARIOS = ("government_procurement", "bidding", "administrative_licensing")
ROLES = ("supplier", "bidder", "applicant")
RELATED_ROLES = ("legal_representative", "actual_controller", "directly_responsible_person", "relevant_staff")
GROUNDS = ("g-1", "g-2")
MATTERS = ("licence-1", "licence-2")
INDUSTRIES = ("C26", "C2611", "F51")
PERIODS = (None, "P1Y", "P2Y", {"min": "P1Y", "max": "P3Y"}, {"min": "P6M", "max": "P2Y"})
GRADES = ("A", "B", "C", "D")
WINDOWS = ("P1Y", "P2Y")
DAY0 = date(2023, 1, 1)

INSTRUMENT = Instrument(
    id="test-law", title="测试法", issuer="全国人民代表大会", level="law", version="test",
    covers=tuple(SCENARIOS),
)
CITATION = {"instrument": "test-law", "article": 1}

dates = st.integers(min_value=0, max_value=5 * 365).map(lambda n: DAY0 + timedelta(days=n))
severities = st.sampled_from(list(Severity))


@st.composite
def credit_lists(draw):
    return [
        {
            "id": list_id,
            "name": {"zh": list_id, "en": list_id},
            "kind": draw(st.sampled_from(["serious", "key_attention", "incentive", "decision"])),
            "authority": "测试机关",
            "basis": [CITATION],
            "listing_period": draw(st.sampled_from([None, "P1Y", "P2Y", "P3Y", {"min": "P1Y", "max": "P3Y"}])),
            "grounds": [{"id": ground, "name": {"zh": ground, "en": ground}, "basis": [CITATION],
                         "period": draw(st.sampled_from(PERIODS))}
                        for ground in draw(st.lists(st.sampled_from(GROUNDS), unique=True, max_size=2))],
            "extends_to": (roles := draw(st.lists(st.sampled_from(RELATED_ROLES), unique=True, max_size=2))),
            "extension_basis": [CITATION] if roles else [],
        }
        for list_id in LISTS
    ]


@st.composite
def measures(draw, count: int):
    items = []
    for n in range(count):
        kind = draw(st.sampled_from(["penalty", "penalty", "incentive"]))
        effects = ["prohibit", "restrict", "heightened_review", "key_supervision"] if kind == "penalty" else [
            "facilitate", "priority", "reduced_inspection"]
        items.append({
            "id": f"m-{n}",
            "name": {"zh": f"措施{n}", "en": f"measure {n}"},
            "kind": kind,
            "category": draw(st.sampled_from([1, 2])),
            "effect": draw(st.sampled_from(effects)),
            "matter": "事项", "target": "对象", "means": "手段", "authority": "机关",
            "basis": [CITATION],
            "scenarios": draw(st.lists(st.sampled_from(SCENARIOS), min_size=1, unique=True)),
            "min_severity": draw(st.sampled_from(["minor", "general", "serious"])),
            "intensity": draw(st.integers(1, 5)),
            "duration": draw(st.sampled_from([None, "P6M", "P1Y", "P3Y"])),
            "reach": draw(reaches()),
        })
    return items


@st.composite
def reaches(draw):
    """What a measure reaches: most reach their whole scenarios, some the record's matter, industry or project."""
    reach = {}
    if draw(st.integers(0, 3)) == 0:
        reach["matter"] = "same_as_record"
    if draw(st.integers(0, 4)) == 0:
        reach["industry"] = "same_as_record"
    if draw(st.integers(0, 4)) == 0:
        reach["project_types"] = [draw(st.sampled_from(list(ProjectType)))]
    if draw(st.integers(0, 5)) == 0:
        reach["tender_required"] = True
    if draw(st.integers(0, 5)) == 0:
        reach["rectification_overdue"] = True
    if draw(st.integers(0, 5)) == 0:
        reach["consumption"] = "listed"
    if draw(st.integers(0, 5)) == 0:
        reach["public_safety"] = True
    return reach


@st.composite
def triggers(draw):
    kind = draw(st.sampled_from(
        ["list", "list", "penalty", "repeated_penalties", "points", "grade", "score", "commitment_breach",
         "commitments_kept"]))
    domains = draw(st.lists(st.sampled_from(DOMAINS), unique=True, max_size=2))
    if kind == "list":
        return {"list": draw(st.sampled_from(LISTS))}
    if kind == "penalty":
        qualified = draw(st.integers(0, 2)) == 0
        trigger = {"domains": domains,
                   "sanctions": draw(st.lists(st.sampled_from(list(Sanction)), unique=True, min_size=1, max_size=2))
                   if qualified else [],
                   "fine_at_least": draw(st.sampled_from([None, 2000000])) if qualified else None}
        if qualified and draw(st.booleans()):
            return {"penalty": {**trigger, "within": draw(st.sampled_from(["P1Y", "P3Y"]))}}  # a basis's own look-back
        return {"penalty": {**trigger, "min_severity": draw(st.sampled_from(["general", "serious"]))}}
    if kind == "repeated_penalties":
        return {"repeated_penalties": {"count": draw(st.integers(2, 3)), "within": draw(st.sampled_from(WINDOWS)),
                                       "min_severity": draw(st.sampled_from(["general", "serious"])), "domains": domains}}
    if kind == "points":
        return {"points": {"scheme": "points-x", "at_least": draw(st.sampled_from([6, 12])),
                           "within": draw(st.sampled_from(WINDOWS))}}
    if kind == "grade":
        return {"grade": {"scheme": "grade-x", "grades": draw(st.lists(st.sampled_from(GRADES), min_size=1, unique=True))}}
    if kind == "score":
        return {"score": {"scheme": "score-x", "at_least": draw(st.sampled_from([100, 120]))}}
    if kind == "commitment_breach":
        return {"commitment_breach": {"matters": draw(st.lists(st.sampled_from(["m1", "m2"]), unique=True, max_size=1))}}
    return {"commitments_kept": {"at_least": draw(st.integers(1, 2)), "within": draw(st.sampled_from(WINDOWS))}}


@st.composite
def persons(draw):
    """A rule reaching the persons of a listed unit on its own basis: pending an order or not, the unit too or not."""
    return {"roles": draw(st.lists(st.sampled_from(RELATED_ROLES), min_size=1, max_size=2, unique=True)),
            "basis": [CITATION], "only": draw(st.booleans()),
            "pending": draw(st.sampled_from([None, {"zh": "命令", "en": "an order"}]))}


def _rewards(when: dict, kinds: dict[str, str]) -> bool:
    return "score" in when or "commitments_kept" in when or kinds.get(when.get("list", ""), "") == "incentive"


@st.composite
def rulesets(draw) -> Ruleset:
    """Valid rulesets: as validation demands, good-credit triggers lead to incentives only."""
    measure_items = draw(measures(draw(st.integers(2, 6))))
    list_items = draw(credit_lists())
    kinds = {item["id"]: item["kind"] for item in list_items}
    rules = []
    for n in range(draw(st.integers(1, 8))):
        when = draw(triggers())
        wanted = "incentive" if _rewards(when, kinds) else draw(st.sampled_from(["penalty", "incentive"]))
        ids = [m["id"] for m in measure_items if m["kind"] == wanted]
        if not ids:
            continue
        grounds = [g["id"] for item in list_items if item["id"] == when.get("list") for g in item["grounds"]]
        rules.append({
            "id": f"rule-{n}",
            "when": when,
            "measures": draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)),
            "roles": draw(st.lists(st.sampled_from(ROLES), unique=True, max_size=2)),
            "grounds": draw(st.lists(st.sampled_from(grounds), unique=True, max_size=1)) if grounds else [],
            **({"persons": draw(persons())} if "list" in when and draw(st.integers(0, 3)) == 0 else {}),
        })
    general_max = draw(st.sampled_from(["P1Y", "P2Y"]))
    return Ruleset.model_validate({
        "ruleset": {"id": "random", "title": {"zh": "随机", "en": "random"}, "jurisdiction": "CN",
                    "version": "1", "effective_from": DAY0 + timedelta(days=draw(st.sampled_from([0, 900]))),
                    "sources": ["test-law"]},
        "lists": list_items,
        "measures": measure_items,
        "rules": rules,
        "publication_periods": {
            "basis": [CITATION],
            "minor": {"published": False},
            "general": {"min": "P3M", "max": general_max},
            "serious": {"min": "P1Y", "max": "P3Y"},
            "classification": {"minor": ["warning"], "general": ["confiscation_of_illegal_property"],
                               "serious": ["permit_revoked", "production_or_business_suspended"]},
            "earlier": draw(st.sampled_from([None, {"version": "0", "minor": {"published": False},
                                                    "general": {"min": "P3M", "max": "P3Y"},
                                                    "serious": {"min": "P3M", "max": "P3Y"},
                                                    "domain_minimums": {"safety": "P1Y"}}])),
        },
        "objections_suspend": draw(st.booleans()),
    })


bundles = rulesets().map(lambda r: Bundle.build("CN", (r,), {INSTRUMENT.id: INSTRUMENT}))


@st.composite
def records(draw, subject_id: str, prefix: str = "r"):
    items = []
    for n in range(draw(st.integers(0, 7))):
        kind = draw(st.sampled_from(list(RecordType)))
        start = draw(dates)
        status = draw(st.sampled_from([RecordStatus.active] * 4 + [RecordStatus.removed, RecordStatus.repaired]))
        fields = dict(
            record_id=f"{subject_id}-{prefix}{n}", subject_id=subject_id, record_type=kind, start=start,
            status=status, status_date=start + timedelta(days=draw(st.integers(0, 900))) if status != "active" else None,
            objection=draw(st.sampled_from([ObjectionState.none] * 3 + [ObjectionState.open])),
        )
        if kind in (RecordType.list_entry, RecordType.penalty):
            fields.update(draw(scopes(start)))
        if kind is RecordType.list_entry:
            fields.update(list_id=draw(st.sampled_from([*LISTS, "list-unknown"])),
                          ground=draw(st.sampled_from([None, *GROUNDS])),
                          end=draw(st.sampled_from([None, None, start + timedelta(days=draw(st.integers(30, 2000)))])))
        elif kind is RecordType.penalty:
            fields.update(severity=draw(st.sampled_from([None, *Severity])), domain=draw(st.sampled_from(DOMAINS)),
                          procedure=draw(st.sampled_from([Procedure.general] * 3 + [Procedure.simple])),
                          first_violation=draw(st.booleans()), corrected_in_time=draw(st.booleans()),
                          sanctions=tuple(draw(st.lists(st.sampled_from(list(Sanction)), unique=True, max_size=2))),
                          amount=draw(st.sampled_from([None, 5000.0, 3000000.0])))
        elif kind is RecordType.points:
            fields.update(scheme="points-x", value=float(draw(st.integers(0, 12))))
        elif kind is RecordType.evaluation:
            fields.update(scheme="grade-x", grade=draw(st.sampled_from(GRADES)))
        elif kind is RecordType.score:
            fields.update(scheme="score-x", value=float(draw(st.integers(60, 150))))
        elif kind is RecordType.commitment:
            state = draw(st.sampled_from(list(CommitmentState)))
            fields.update(matter=draw(st.sampled_from(["m1", "m2"])), commitment_state=state,
                          commitment_date=start + timedelta(days=draw(st.integers(0, 400))))
        items.append(Record(**fields))
    return tuple(items)


@st.composite
def scopes(draw, start: date) -> dict:
    """What a decision reaches, each part often left out (old records, sources that do not say)."""
    return {
        "matter": draw(st.sampled_from([None, *MATTERS])),
        "industry": draw(st.sampled_from([None, *INDUSTRIES])),
        "project_type": draw(st.sampled_from([None, None, *ProjectType])),
        "persons": draw(st.sampled_from([(), (), ("subject-1",), ("someone-else",)])),
        "rectification_due": draw(st.sampled_from([None, start + timedelta(days=60)])),
        "rectified_on": draw(st.sampled_from([None, None, start + timedelta(days=30), start + timedelta(days=90)])),
    }


@st.composite
def subject_facts(draw) -> SubjectFacts:
    person = draw(st.booleans())
    subject = Subject(
        "subject-1",
        SubjectType.natural_person if person else SubjectType.legal_person,
        birth_date=draw(st.sampled_from([None, date(1980, 5, 1), date(2008, 3, 1)])) if person else None,
    )
    related = ()
    if person:
        related = tuple(
            RelatedParty(Subject(f"org-{n}", SubjectType.legal_person), draw(st.sampled_from(RELATED_ROLES)),
                         draw(records(f"org-{n}")))
            for n in range(draw(st.integers(0, 2)))
        )
    return SubjectFacts(subject, draw(records(subject.subject_id)), related)


applications = st.builds(
    Application,
    matter=st.sampled_from([None, *MATTERS]),
    industry=st.sampled_from([None, *INDUSTRIES]),
    project_type=st.sampled_from([None, *ProjectType]),
    tender_required=st.sampled_from([None, True, False]),
    consumption=st.sampled_from([None, Consumption.flight, Consumption.g_train, Consumption.essential]),
    public_safety=st.sampled_from([None, True, False]),
)

contexts = st.builds(
    CheckContext,
    scenario=st.sampled_from(SCENARIOS),
    as_of=dates,
    role=st.sampled_from([None, *ROLES]),
    jurisdiction=st.just("CN"),
    application=applications,
)
