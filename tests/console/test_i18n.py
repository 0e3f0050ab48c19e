"""The message catalogue is complete in Chinese and English, and the language can be switched."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from typing import get_args
from pathlib import Path

import pytest

from jrp.access import Action, Role
from jrp.adapters.facts.events import EVENT_TYPES
from jrp.adapters.feedback import Period
from jrp.api.console.i18n import LANG_COOKIE, MESSAGES
from jrp.api.schemas import RulesetVersionV1
from jrp.demo_vocabulary import vocabulary_of
from jrp.differences import COMPARED, Change, MeasureGroup
from jrp.engine.types import Outcome, Trigger
from jrp.rulesets.diff import Aspect, Direction
from jrp.rulesets.library import Library
from jrp.rulesets.loader import Level
from jrp.rulesets.schema import (CommitmentBreachTrigger, CommitmentsKeptTrigger, CreditList, CrossRegionMapping,
                                 GradeTrigger, GradingScheme, Names, PenaltyTrigger, PointsTrigger, PublicationPeriod,
                                 PublicationPeriods, RepeatTrigger, Rule, ScoreTrigger, SupervisionClass, When)
from jrp.tester import iter_cases
from jrp.vocabulary.measures import Effect, ListKind, MeasureKind
from jrp.vocabulary.records import Impact, RecordStatus, RecordType, Severity
from jrp.vocabulary.scenarios import CheckRole, Scenario
from jrp.vocabulary.subjects import RelatedRole
from tests.console.conftest import Console

CONSOLE = Path(__file__).parents[2] / "api" / "console"
REPORT = CONSOLE.parent
LITERAL_KEY = re.compile(r"""["']((?:[a-z_]+\.)+[a-z0-9_]*[a-z0-9])["']""")  # "impact.change." ~ x: a prefix, not a key
FILES = (".html", ".css", ".js", ".py", ".yaml")
FIELD_NAME = re.compile(r"""(?:parse_\w+\([^)]*?|problems\.add(?:_detail)?\(|field=)["']([a-z_]+)["']""")
def _domains() -> set[str]:
    """The penalty domains the bundled rulesets, their tests and the demo data use."""
    library = Library.load()
    found = {d for f in library.files for r in f.ruleset.rules for kind in ("penalty", "repeated_penalties")
             if getattr(r.when, kind) for d in getattr(r.when, kind).domains}
    found |= {d for f in library.files if f.ruleset.publication_periods for d in f.ruleset.publication_periods.domain_minimums}
    found |= {r.domain for _, case, _, _ in iter_cases(library) for r in case.records if r.domain}
    found |= {d for f in library.files for mapping in f.ruleset.cross_region for d in mapping.domains}
    return found | set(vocabulary_of(library).penalty_domains)


def _problem_codes() -> set[str]:
    """The codes validation reports (one broken file each documents them) and publishing adds."""
    broken = Path(__file__).parents[1] / "rulesets" / "broken"
    headers = [path.read_text(encoding="utf-8").splitlines()[0] for path in broken.rglob("*.yaml")]
    found = {line.split(":", 1)[1].split("|")[0].strip() for line in headers if line.startswith("# expect")}
    return found | {"published-already", "case-fails", "untested-measure", "renamed-measure"}


def _yaml_fields() -> set[str]:
    """The fields of the ruleset entries the semantic diff compares field by field (trigger kinds and severities
    have labels of their own)."""
    models = (CreditList, Rule, When, PenaltyTrigger, RepeatTrigger, PointsTrigger, GradeTrigger, ScoreTrigger,
              CommitmentBreachTrigger, CommitmentsKeptTrigger, GradingScheme, SupervisionClass, PublicationPeriods,
              PublicationPeriod, CrossRegionMapping, Names)
    fields = {name for model in models for name in model.model_fields}
    return fields - {t.value for t in Trigger} - {s.name for s in Severity}


LABELLED: dict[str, Iterable[str]] = {  # every value shown under a label prefix: each needs a label in both languages
    **{prefix: [member.value for member in enum] for prefix, enum in (
        ("scenario", Scenario), ("outcome", Outcome), ("role", Role), ("action", Action), ("effect", Effect),
        ("kind", MeasureKind), ("level", Level), ("stats.period", Period), ("difference", Change),
        ("group", MeasureGroup), ("check_role", CheckRole), ("related_role", RelatedRole),
        ("record_type", RecordType), ("status", RecordStatus), ("list_kind", ListKind), ("impact_level", Impact),
        ("trigger", Trigger), ("direction", Direction))},
    "event_type": list(EVENT_TYPES),
    "severity": [member.name for member in Severity],
    "aspect": [member.name for member in Aspect],
    "attribute": list(COMPARED),
    "period": ["Y", "M", "D"],
    "impact.reason": ["not_in_force", "no_change", "no_subjects"],
    "edition": list(get_args(RulesetVersionV1.model_fields["status"].annotation)),
    "jurisdiction": list(Library.load().jurisdictions),
    "domain": sorted(_domains()),
    "yaml": sorted(_yaml_fields()),
}


def _sources() -> str:
    """The console's code and templates, and the batch report's (it renders through the same catalogue)."""
    files = [*sorted(CONSOLE.rglob("*")), REPORT / "report.py", REPORT / "templates" / "batch_report.html"]
    return "\n".join(path.read_text(encoding="utf-8") for path in files if path.suffix in (".py", ".html"))


def _placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def test_both_languages_have_every_key_with_the_same_placeholders() -> None:
    assert MESSAGES["zh"].keys() == MESSAGES["en"].keys()
    for key, chinese in MESSAGES["zh"].items():
        english = MESSAGES["en"][key]
        assert chinese.strip() and english.strip(), key
        assert _placeholders(chinese) == _placeholders(english), key


def test_the_pages_use_every_key_of_the_catalogue_and_nothing_else() -> None:
    sources = _sources()
    prefixes = {key.split(".")[0] for key in MESSAGES["en"]}
    used = {key for key in LITERAL_KEY.findall(sources) if key.split(".")[0] in prefixes and not key.endswith(FILES)}
    used |= {f"field.{name}" for name in FIELD_NAME.findall(sources)}
    used |= {f"{prefix}.{value}" for prefix, values in LABELLED.items() for value in values}
    used |= {f"replay.{rules}" for rules in ("original", "current")} | {f"decision.replay_{r}" for r in ("original", "current")}
    used |= {f"impact.change.{change}" for change in ("gains", "loses")}
    used |= {key for key in MESSAGES["en"] if key.startswith("domain.")}  # more domains than the bundled rules use
    used |= {key for key in MESSAGES["en"] if key.startswith("problem.")}  # test_every_problem_code_has_a_label
    missing = sorted(used - MESSAGES["en"].keys())
    assert not missing, missing
    assert not sorted(MESSAGES["en"].keys() - used), "unused messages"
    assert len(used) > 200  # the scan found the pages' keys, not nothing


def test_every_problem_code_has_a_label() -> None:
    """A refused candidate or edition is said in the page's language: each code validation reports (one broken
    file per rule documents them) and each publishing adds has a label in both."""
    assert sorted(code for code in _problem_codes() if f"problem.{code}" not in MESSAGES["en"]) == []


@pytest.mark.parametrize(("query", "expected", "html_lang"), [({}, "决定查询", "zh-CN"), ({"lang": "en"}, "Search decisions", "en"),
                                                               ({"lang": "fr"}, "决定查询", "zh-CN")])
def test_chinese_by_default_english_on_request(query: dict[str, str], expected: str, html_lang: str,
                                               console_as: Callable[..., Console]) -> None:
    page = console_as("auditor").get("/console/decisions", **query)
    assert f"<h1>{expected}</h1>" in page.text and f'<html lang="{html_lang}">' in page.text


def test_the_chosen_language_is_remembered(console_as: Callable[..., Console]) -> None:
    console = console_as("auditor")
    switched = console.get("/console/audit/verify", lang="en")
    assert f"{LANG_COOKIE}=en" in switched.headers["set-cookie"]
    assert "Decision log verification" in console.get("/console/audit/verify").text
    assert "决定日志校验" in console.get("/console/audit/verify", lang="zh").text
    assert "决定日志校验" in console.get("/console/audit/verify").text


def test_the_sign_in_page_and_its_switch_work_signed_out(console_as: Callable[..., Console]) -> None:
    page = console_as(None).get("/console/sign-in", lang="en")
    assert "Sign in with your API key" in page.text
    assert 'href="/console/sign-in?lang=zh"' in page.text and 'href="/console/sign-in?lang=en"' in page.text
