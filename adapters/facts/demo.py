"""Deterministic demo data: invented credit subjects with valid identifiers, and their events.

Everything is made up: codes are computed (valid check digits, Jiangsu area codes) from
a counter, so they are unique and reproducible from the seed, and belong to nobody
real. The list ids, schemes and roles come from a :class:`DemoVocabulary`, because the
rulesets define them; :data:`DEFAULT_VOCABULARY` follows the bundled ones.

``generate`` streams events subject by subject, so benchmark files of a million
records are written without holding them in memory. The fixed subjects of
:data:`DEMO_SUBJECTS` (used by the README tour) come first.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stdnum.cn import ric, uscc

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGIONS = {"320500": "苏州", "320600": "南通", "320585": "太仓"}
PERSON_AREAS = ("320500", "320585", "320583", "320506", "320600", "320681")  # stdnum checks them by birth year
TRADE_NAMES = ("恒远", "华信", "金桥", "博润", "瑞丰", "新科", "鼎盛", "天成", "永泰", "启航", "明德", "润禾",
               "汇通", "佳禾", "创源", "东吴", "江海", "锦程", "宏达", "嘉业", "盛泰", "鑫源", "卓越", "远景")
INDUSTRIES = ("科技", "机电设备", "建设工程", "环保科技", "精密制造", "物流", "食品", "医疗器械", "建材",
              "纺织", "电子", "软件", "工程咨询", "劳务")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌海燕晨宇浩然欣怡子涵梓轩"
COURTS = ("苏州市中级人民法院", "苏州市姑苏区人民法院", "南通市中级人民法院", "太仓市人民法院")
AUTHORITIES = {
    "serious": ("苏州市中级人民法院", "苏州市财政局", "江苏省人力资源和社会保障厅", "国家税务总局苏州市税务局",
                "苏州市市场监督管理局", "苏州市应急管理局", "南通市住房和城乡建设局"),
    "key_attention": ("苏州市发展和改革委员会", "南通市市场监督管理局"),
    "incentive": ("国家税务总局苏州市税务局", "苏州海关", "苏州市发展和改革委员会"),
    "penalty": ("苏州市市场监督管理局", "苏州市生态环境局", "太仓市应急管理局", "南通市卫生健康委员会"),
    "evaluation": ("国家税务总局苏州市税务局", "江苏省生态环境厅"),
    "points": ("苏州市卫生健康委员会",),
    "score": ("太仓市发展和改革委员会",),
    "commitment": ("苏州市行政审批局", "南通市行政审批局"),
    "decision": ("苏州市中级人民法院", "苏州市行政审批局", "苏州市应急管理局"),
}
FIRST_DAY, LAST_DAY = date(2019, 1, 1), date(2025, 12, 31)
FOLLOW_UPS_UNTIL = date(2026, 6, 30)  # later follow-ups are left out: events are never dated in the future


@dataclass(frozen=True)
class DemoVocabulary:
    """The identifiers the rulesets define, which demo records refer to.

    ``list_ids`` maps a list kind (serious, key_attention, incentive) to list ids; the
    first serious list is the one the fixed debtor is on and the first incentive list
    the one the fixed taxpayer is on. ``grade_schemes`` maps a scheme to its grades,
    best first; the first scheme is the fixed taxpayer's. ``roles`` are relation roles,
    the first being the legal representative; ``scenarios`` are the matters
    commitments are made for.
    """

    list_ids: dict[str, list[str]]
    penalty_domains: list[str]
    grade_schemes: dict[str, list[str]]
    points_schemes: list[str]
    score_schemes: list[str]
    roles: list[str]
    scenarios: list[str] = field(default_factory=list)
    grounds: dict[str, list[str]] = field(default_factory=dict)  # list id → its legal grounds


DEFAULT_VOCABULARY = DemoVocabulary(
    list_ids={
        "serious": ["dishonest-judgment-debtors", "gov-procurement-bad-conduct", "bidding-disqualified",
                    "wage-arrears-dishonest", "major-tax-violation", "market-serious-illegal",
                    "work-safety-serious-dishonest"],
        "key_attention": ["js-key-attention"],
        "incentive": ["tax-a-level", "customs-advanced-certified", "credit-demonstration-enterprise"],
        "decision": ["consumption-restriction-order", "exit-restriction-order", "licence-false-application"],
    },
    penalty_domains=["market", "environment", "work_safety", "food_safety", "tax", "medical", "construction"],
    grade_schemes={"tax-credit": ["A", "B", "M", "C", "D"],
                   "js-environmental-credit": ["green", "blue", "yellow", "red", "black"]},
    points_schemes=["medical-bad-practice"],
    score_schemes=["loucheng-score"],
    roles=["legal_representative", "principal", "actual_controller"],
    scenarios=["government_procurement", "bidding", "administrative_licensing", "fiscal_support"],
    grounds={"dishonest-judgment-debtors": ["spc-2017-art1-item1", "spc-2017-art1-items2-6"],
             "gov-procurement-bad-conduct": ["gpl-77", "gpl-78", "gpr-73", "gpr-75"],
             "bidding-disqualified": ["bl-53", "bl-54", "bl-60"]},
)
LICENCES = ("危险化学品经营许可", "食品经营许可", "建筑施工企业安全生产许可", "药品经营许可")
INDUSTRY_CODES = ("C26", "C2611", "E47", "F51", "G54", "C35", "I65")
HEAVY_SANCTIONS = ("permit_revoked", "production_or_business_suspended", "permit_suspended", "business_restricted")


def org_code(body: str) -> str:
    """An organisation code (GB 11714): 8 characters and their check character."""
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_CODE_WEIGHTS))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(region: str, body: str, kind: str = "91") -> str:
    """A valid USCC: registration authority and type, region, organisation code, check character.

    ``body`` is 8 digits or capital letters other than I, O, Z, S, V (the USCC alphabet).
    """
    if len(body) != 8 or any(c not in USCC_ALPHABET for c in body):
        raise ValueError(f"organisation code body {body!r}: 8 digits or capitals other than I, O, Z, S, V")
    code = kind + region + org_code(body)
    return code + uscc.calc_check_digit(code)


def make_resident_id(area: str, birth: date, sequence: int) -> str:
    """A valid resident ID: area, birth date, 3-digit sequence, check digit."""
    number = f"{area}{birth:%Y%m%d}{sequence % 1000:03d}"
    return number + ric.calc_check_digit(number + "0")


@dataclass(frozen=True)
class DemoSubject:
    subject_id: str
    name: str
    subject_type: str


DEMO_SUBJECTS: dict[str, DemoSubject] = {
    "debtor_supplier": DemoSubject(make_uscc("320508", "MA1X0001"), "苏州恒远机电设备有限公司", "legal_person"),
    "legal_representative": DemoSubject(make_resident_id("320500", date(1978, 3, 15), 231), "王建国",
                                        "natural_person"),
    "clean_supplier": DemoSubject(make_uscc("320505", "MA1X0002"), "苏州清源环保科技有限公司", "legal_person"),
    "a_level_taxpayer": DemoSubject(make_uscc("320585", "MA1X0003"), "太仓诚信精密制造有限公司", "legal_person"),
}
"""The README tour's subjects: a supplier on the first serious list (a dishonest judgment
debtor) and its legal representative, a supplier with no records, and an A-level taxpayer."""


def _event(kind: str, key: str, subject: DemoSubject | dict[str, Any], on: date, authority: str, doc_no: str,
           **fields: Any) -> dict[str, Any]:
    ref = subject if isinstance(subject, dict) else {"id": subject.subject_id, "name": subject.name,
                                                    "type": subject.subject_type}
    return {"type": kind, "idempotency_key": key, "subject": ref, "occurred_on": on.isoformat(),
            "source": {"authority": authority, "doc_no": doc_no}, **fields}


def fixed_events(vocabulary: DemoVocabulary = DEFAULT_VOCABULARY) -> Iterator[dict[str, Any]]:
    """The events of :data:`DEMO_SUBJECTS`."""
    debtor, person = DEMO_SUBJECTS["debtor_supplier"], DEMO_SUBJECTS["legal_representative"]
    taxpayer = DEMO_SUBJECTS["a_level_taxpayer"]
    registry = "苏州市市场监督管理局"
    for subject in DEMO_SUBJECTS.values():  # the clean supplier gets nothing else: it has no records
        yield _event("subject_registered", f"demo-fixed-register-{subject.subject_id}", subject, date(2015, 6, 1),
                     registry, "")
    yield _event("relation_set", "demo-fixed-relation-1", person, date(2015, 6, 1), registry, "",
                 organisation={"id": debtor.subject_id, "name": debtor.name}, role=vocabulary.roles[0])
    debtor_list = vocabulary.list_ids["serious"][0]
    yield _event("list_entry_added", "demo-fixed-debtor-listing", debtor, date(2025, 3, 10), "苏州市姑苏区人民法院",
                 "（2025）苏0508执1234号", record_id="demo-fixed-debtor-listing", list_id=debtor_list,
                 severity="serious", region="CN-JS",
                 **({"ground": vocabulary.grounds[debtor_list][0]} if vocabulary.grounds.get(debtor_list) else {}))
    if "consumption-restriction-order" in vocabulary.list_ids.get("decision", ()):  # reaches the legal representative
        yield _event("list_entry_added", "demo-fixed-debtor-consumption", debtor, date(2025, 3, 12),
                     "苏州市姑苏区人民法院", "（2025）苏0508执1234号之一", record_id="demo-fixed-debtor-consumption",
                     list_id="consumption-restriction-order", severity="serious", region="CN-JS")
    scheme, grades = next(iter(vocabulary.grade_schemes.items()))
    yield _event("evaluation_published", "demo-fixed-tax-grade", taxpayer, date(2025, 4, 1),
                 "国家税务总局太仓市税务局", "太税信〔2025〕1号", scheme=scheme, grade=grades[0])
    yield _event("list_entry_added", "demo-fixed-tax-incentive", taxpayer, date(2025, 4, 1),
                 "国家税务总局太仓市税务局", "太税信〔2025〕1号", list_id=vocabulary.list_ids["incentive"][0],
                 region="CN-JS")


def generate(seed: int, n_subjects: int, records_per_subject: int,
             vocabulary: DemoVocabulary = DEFAULT_VOCABULARY, *, include_fixed: bool = True) -> Iterator[dict[str, Any]]:
    """Events of ``n_subjects`` invented subjects with ``records_per_subject`` records each.

    Every fourth subject is a natural person holding a role in the organisation
    generated just before it. Some records get a follow-up event (removal, repair,
    revocation, objection, commitment outcome), so the stream exercises every type.
    """
    rng = random.Random(seed)
    if include_fixed:
        yield from fixed_events(vocabulary)
    previous_org: dict[str, Any] | None = None
    for i in range(n_subjects):
        if i % 4 == 3 and previous_org is not None:
            subject = _person(rng, seed, i)
            yield _event("subject_registered", f"demo-{seed}-{i}-reg", subject, _day(rng), "公安机关", "")
            yield _event("relation_set", f"demo-{seed}-{i}-rel", subject, _day(rng, FIRST_DAY), "苏州市市场监督管理局",
                         "", organisation={"id": previous_org["id"]}, role=rng.choice(vocabulary.roles))
        else:
            subject = _organisation(rng, seed, i)
            previous_org = subject
            yield _event("subject_registered", f"demo-{seed}-{i}-reg", subject, date(2015, 1, 1), "苏州市市场监督管理局", "")
        for j in range(records_per_subject):
            yield from (event for event in _record_events(rng, vocabulary, subject, f"demo-{seed}-{i}-{j}")
                        if event["occurred_on"] <= FOLLOW_UPS_UNTIL.isoformat())


def _organisation(rng: random.Random, seed: int, i: int) -> dict[str, Any]:
    region = rng.choice(tuple(REGIONS))
    body = f"{(i * 7919 + seed * 104729) % 10**8:08d}"  # a bijection on i below 10**8: unique codes
    name = f"{REGIONS[region]}{rng.choice(TRADE_NAMES)}{rng.choice(TRADE_NAMES)}{rng.choice(INDUSTRIES)}有限公司"
    return {"id": make_uscc(region, body), "name": name, "type": "legal_person"}


def _person(rng: random.Random, seed: int, i: int) -> dict[str, Any]:
    """Birth date and sequence are a bijection of ``i`` (unique IDs up to 18 million persons)."""
    birth = date(1960, 1, 1) + timedelta(days=(i * 7919 + seed) % 18000)
    number = make_resident_id(rng.choice(PERSON_AREAS), birth, (i // 18000) % 1000)
    if not ric.is_valid(number):  # the county did not exist yet in the birth year
        number = make_resident_id(PERSON_AREAS[0], birth, (i // 18000) % 1000)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return {"id": number, "name": name, "type": "natural_person"}


def _day(rng: random.Random, first: date = FIRST_DAY, last: date = LAST_DAY) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _record_events(rng: random.Random, vocabulary: DemoVocabulary, subject: dict[str, Any],
                   key: str) -> Iterator[dict[str, Any]]:
    """One record-creating event, and sometimes a follow-up on it."""
    person = subject["type"] == "natural_person"
    on = _day(rng)
    roll = rng.random()
    doc_no = f"苏{on.year}{rng.randrange(10**5):05d}号"
    if roll < 0.12:
        kind = rng.choices(("serious", "key_attention", "decision"), (6, 3, 1))[0]
        kind = kind if vocabulary.list_ids.get(kind) else "serious"
        list_id = rng.choice(vocabulary.list_ids[kind])
        yield _event("list_entry_added", key, subject, on, rng.choice(AUTHORITIES[kind]),
                     doc_no, list_id=list_id, region="CN-JS", severity="general" if kind == "key_attention" else "serious",
                     **_list_scope(rng, vocabulary, list_id, on))
        follow = rng.random()
        if follow < 0.2:
            yield _event("list_entry_removed", key + "-removed", subject, on + timedelta(days=rng.randrange(30, 700)),
                         rng.choice(AUTHORITIES[kind]), doc_no, record_id=key)
        elif follow < 0.3:
            yield _event("objection_filed", key + "-objection", subject, on + timedelta(days=10), "苏州市发展和改革委员会",
                         doc_no, record_id=key)
            yield _event("objection_resolved", key + "-resolved", subject, on + timedelta(days=25),
                         "苏州市发展和改革委员会", doc_no, record_id=key, outcome=rng.choice(("upheld", "rejected")))
    elif roll < 0.45:
        severity = rng.choices(("minor", "general", "serious"), (2, 6, 2))[0]
        yield _event("penalty_issued", key, subject, on, rng.choice(AUTHORITIES["penalty"]), doc_no,
                     domain=rng.choice(vocabulary.penalty_domains), severity=severity,
                     procedure="simple" if severity == "minor" and rng.random() < 0.5 else "general",
                     impact=rng.choice(("low", "medium", "high")), first_violation=rng.random() < 0.2,
                     corrected_in_time=rng.random() < 0.3, region="CN-JS", **_penalty_scope(rng, severity, on))
        follow = rng.random()
        if follow < 0.1:
            yield _event("rectification_accepted", key + "-rectified", subject,
                         on + timedelta(days=rng.randrange(10, 120)), rng.choice(AUTHORITIES["penalty"]), doc_no,
                         record_id=key)
        elif follow < 0.25:
            yield _event("repair_completed", key + "-repair", subject, on + timedelta(days=rng.randrange(90, 900)),
                         "苏州市发展和改革委员会", doc_no, record_id=key)
        elif follow < 0.28:
            yield _event("penalty_revoked", key + "-revoked", subject, on + timedelta(days=60),
                         rng.choice(AUTHORITIES["penalty"]), doc_no, record_id=key)
    elif roll < 0.55:
        yield _event("list_entry_added", key, subject, on, rng.choice(AUTHORITIES["incentive"]), doc_no,
                     list_id=rng.choice(vocabulary.list_ids["incentive"]), region="CN-JS")
    elif roll < 0.7:
        yield from _commitment_events(rng, vocabulary, subject, key, on, doc_no)
    elif person:
        yield _event("score_published", key, subject, on, rng.choice(AUTHORITIES["score"]), doc_no,
                     scheme=rng.choice(vocabulary.score_schemes), value=float(rng.randrange(60, 160)))
    elif roll < 0.8:
        yield _event("points_recorded", key, subject, on, rng.choice(AUTHORITIES["points"]), doc_no,
                     scheme=rng.choice(vocabulary.points_schemes), value=float(rng.choice((1, 2, 3, 6, 12))))
    else:
        scheme = rng.choice(tuple(vocabulary.grade_schemes))
        yield _event("evaluation_published", key, subject, on, rng.choice(AUTHORITIES["evaluation"]), doc_no,
                     scheme=scheme, grade=rng.choice(vocabulary.grade_schemes[scheme]))


def _list_scope(rng: random.Random, vocabulary: DemoVocabulary, list_id: str, on: date) -> dict[str, Any]:
    """What a listing decision says about its reach: its legal ground, a licence, an industry, a deadline."""
    scope: dict[str, Any] = {}
    if vocabulary.grounds.get(list_id) and rng.random() < 0.8:  # older sources often leave the ground out
        scope["ground"] = rng.choice(vocabulary.grounds[list_id])
    if list_id.startswith("licence-"):
        scope["matter"] = rng.choice(LICENCES)
    if list_id == "trade-ban-decision":
        scope["industry"] = rng.choice(INDUSTRY_CODES)
    if rng.random() < 0.3:
        scope["rectification_due"] = (on + timedelta(days=rng.choice((30, 60, 90)))).isoformat()
    return scope


def _penalty_scope(rng: random.Random, severity: str, on: date) -> dict[str, Any]:
    """The penalty types imposed and the fine (行政处罚法 art. 9), as a 双公示 row states them; sometimes left out."""
    if rng.random() < 0.1:
        return {}
    if severity == "minor":
        scope: dict[str, Any] = {"sanctions": ["warning"]}
    elif severity == "general" or rng.random() < 0.5:
        large = severity == "serious" and rng.random() < 0.4
        scope = {"sanctions": ["fine"], "amount": float(rng.randrange(200, 600) * 10000 if large
                                                         else rng.randrange(1, 200) * 1000)}
    else:
        scope = {"sanctions": [rng.choice(HEAVY_SANCTIONS)]}
    if rng.random() < 0.3:
        scope["rectification_due"] = (on + timedelta(days=rng.choice((15, 30, 60)))).isoformat()
    return scope


def _commitment_events(rng: random.Random, vocabulary: DemoVocabulary, subject: dict[str, Any], key: str, on: date,
                       doc_no: str) -> Iterator[dict[str, Any]]:
    authority = rng.choice(AUTHORITIES["commitment"])
    yield _event("commitment_made", key, subject, on, authority, doc_no,
                 matter=rng.choice(vocabulary.scenarios or ["administrative_licensing"]))
    outcome = rng.random()
    if outcome < 0.6:
        yield _event("commitment_fulfilled", key + "-kept", subject, on + timedelta(days=rng.randrange(30, 365)),
                     authority, doc_no, record_id=key)
    elif outcome < 0.75:
        yield _event("commitment_breached", key + "-broken", subject, on + timedelta(days=rng.randrange(30, 365)),
                     authority, doc_no, record_id=key)


def write_jsonl(path: Path | str, seed: int, n_subjects: int, records_per_subject: int,
                vocabulary: DemoVocabulary = DEFAULT_VOCABULARY, *, include_fixed: bool = True) -> int:
    """Write :func:`generate`'s events to ``path``, one JSON object per line; returns the number of events."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for event in generate(seed, n_subjects, records_per_subject, vocabulary, include_fixed=include_fixed):
            out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count
