"""What a decision reaches and what a check asks about (精准惩戒): sanction and project types.

A record states the scope of its decision (the sanctions imposed, the licence item or matter, the
industry, the project type, the persons named); a measure a court or authority orders case by case
(an exit restriction, a trade ban) is a record of its own, on a list of kind ``decision``; a check
states what is applied for (matter, industry, project type, whether the project must be tendered,
what is bought where consumption is restricted).
Measures declare which of these their basis reaches (``rulesets/schema.py``: ``Reach``).
"""

from __future__ import annotations

import re
from enum import StrEnum


class Sanction(StrEnum):
    """The kinds of administrative penalty of 行政处罚法 art. 9, and a criminal penalty.

    A criminal penalty for illegal business (政府采购法实施条例 art. 19) is recorded as a penalty
    record with this sanction and the court as its authority.
    """

    warning = "warning"  # 警告
    circulated_criticism = "circulated_criticism"  # 通报批评
    fine = "fine"  # 罚款
    confiscation_of_illegal_gains = "confiscation_of_illegal_gains"  # 没收违法所得
    confiscation_of_illegal_property = "confiscation_of_illegal_property"  # 没收非法财物
    permit_suspended = "permit_suspended"  # 暂扣许可证件
    qualification_downgraded = "qualification_downgraded"  # 降低资质等级
    permit_revoked = "permit_revoked"  # 吊销许可证件
    business_restricted = "business_restricted"  # 限制开展生产经营活动
    production_or_business_suspended = "production_or_business_suspended"  # 责令停产停业
    closure_ordered = "closure_ordered"  # 责令关闭
    practice_restricted = "practice_restricted"  # 限制从业
    administrative_detention = "administrative_detention"  # 行政拘留
    other = "other"  # 法律、行政法规规定的其他行政处罚
    criminal_penalty = "criminal_penalty"  # 刑事处罚


SANCTION_TERMS: tuple[tuple[str, Sanction], ...] = (
    ("通报批评", Sanction.circulated_criticism),
    ("警告", Sanction.warning),
    ("罚款", Sanction.fine),
    ("没收违法所得", Sanction.confiscation_of_illegal_gains),
    ("没收非法财物", Sanction.confiscation_of_illegal_property),
    ("暂扣", Sanction.permit_suspended),
    ("降低资质等级", Sanction.qualification_downgraded),
    ("吊销", Sanction.permit_revoked),
    ("限制开展生产经营活动", Sanction.business_restricted),
    ("责令停产停业", Sanction.production_or_business_suspended),
    ("责令停业", Sanction.production_or_business_suspended),
    ("责令关闭", Sanction.closure_ordered),
    ("限制从业", Sanction.practice_restricted),
    ("行政拘留", Sanction.administrative_detention),
)
"""The words of 行政处罚法 art. 9 by which a penalty decision's text names each type."""


def sanctions_in(text: str) -> tuple[Sanction, ...]:
    """The penalty types a decision's text names (``警告，罚款人民币5万元`` → warning, fine), in art. 9's order."""
    found = {sanction for term, sanction in SANCTION_TERMS if term in text}
    return tuple(s for s in Sanction if s in found)


class ProjectType(StrEnum):
    """What a tender or procurement is for."""

    construction = "construction"  # 工程建设项目 (招标投标法 art. 3; 企业信息公示暂行条例 art. 18 工程招投标)
    goods = "goods"
    services = "services"


class Consumption(StrEnum):
    """What a consumption or travel check is about: the consumption 最高法 2015 (限制消费规定) art. 3 para. 1 lists,
    or ``essential`` — consumption needed for living or work (生活和工作必需), which the restriction does not reach
    (an ordinary seat on a train other than a G train's, say)."""

    flight = "flight"  # (一) 飞机
    soft_sleeper = "soft_sleeper"  # (一) 列车软卧
    ship_second_class_or_above = "ship_second_class_or_above"  # (一) 轮船二等以上舱位
    high_end_venue = "high_end_venue"  # (二) 星级以上宾馆、酒店、夜总会、高尔夫球场等场所进行高消费
    real_estate = "real_estate"  # (三) 购买不动产或者新建、扩建、高档装修房屋
    office_lease = "office_lease"  # (四) 租赁高档写字楼、宾馆、公寓等场所办公
    vehicle = "vehicle"  # (五) 购买非经营必需车辆
    tourism = "tourism"  # (六) 旅游、度假
    private_school = "private_school"  # (七) 子女就读高收费私立学校
    insurance_product = "insurance_product"  # (八) 支付高额保费购买保险理财产品
    g_train = "g_train"  # (九) 乘坐G字头动车组列车全部座位
    emu_first_class = "emu_first_class"  # (九) 其他动车组列车一等以上座位
    essential = "essential"  # 生活和工作必需: none of the above


INDUSTRY_CODE = re.compile(r"^[A-T](\d{2,4})?$")
"""A GB/T 4754 industry code: a section letter, optionally with its 2–4 digit division, group or class."""


def industry_within(applied: str, decided: str) -> bool:
    """Whether the industry applied for (``C3011``) lies within the industry a decision names (``C30``, ``C``)."""
    return applied.startswith(decided)
