"""The message catalogue is complete in Chinese and English, and the language can be switched."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import pytest

from jrp.access import Action, Role
from jrp.adapters.feedback import Period
from jrp.api.console.i18n import LANG_COOKIE, MESSAGES
from jrp.differences import Change, MeasureGroup
from jrp.engine.types import Outcome
from jrp.rulesets.loader import Level
from jrp.vocabulary.measures import Effect, MeasureKind
from jrp.vocabulary.scenarios import Scenario
from tests.console.conftest import Console

CONSOLE = Path(__file__).parents[2] / "api" / "console"
LITERAL_KEY = re.compile(r"""["']((?:[a-z_]+\.)+[a-z0-9_]*[a-z0-9])["']""")  # "impact.change." ~ x: a prefix, not a key
FILES = (".html", ".css", ".js", ".py", ".yaml")
FIELD_NAME = re.compile(r"""(?:parse_\w+\([^)]*?|problems\.add(?:_detail)?\(|field=)["']([a-z_]+)["']""")
LABELLED: dict[str, type[StrEnum]] = {"scenario": Scenario, "outcome": Outcome, "role": Role, "action": Action,
                                      "effect": Effect, "kind": MeasureKind, "level": Level, "stats.period": Period,
                                      "difference": Change, "group": MeasureGroup}


def _sources() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(CONSOLE.rglob("*"))
                     if path.suffix in (".py", ".html"))


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
    used |= {f"{prefix}.{member.value}" for prefix, enum in LABELLED.items() for member in enum}
    used |= {f"replay.{rules}" for rules in ("original", "current")} | {f"decision.replay_{r}" for r in ("original", "current")}
    used |= {f"impact.change.{change}" for change in ("gains", "loses")}
    missing = sorted(used - MESSAGES["en"].keys())
    assert not missing, missing
    assert not sorted(MESSAGES["en"].keys() - used), "unused messages"
    assert len(used) > 200  # the scan found the pages' keys, not nothing


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
