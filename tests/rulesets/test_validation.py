"""Each broken file documents one validation rule: loading or validating it must report that rule.

A case is a file (it replaces ``CN/base/1.yaml`` of the valid fixture library) or a
folder (overlaid on the fixture). The file that carries ``# expect: CODE | words`` on
its first line says which code must be reported, with which words, on which file.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from jrp.measures_catalog.legal_texts import find_legal_texts
from jrp.rulesets.library import Library
from jrp.rulesets.loader import Level, RulesetError
from jrp.rulesets.validate import validate

HERE = Path(__file__).parent
FIXTURE = HERE / "fixture"
BROKEN = sorted((HERE / "broken").iterdir())


def _problems(root: Path):
    try:
        library = Library.load(root)
    except RulesetError as error:
        return error.problems
    return validate(library, find_legal_texts())


def _overlay(case: Path, root: Path) -> Path:
    """Apply a broken case to a copy of the fixture; returns the file carrying the expectation."""
    shutil.copytree(FIXTURE, root)
    if case.is_file():
        target = root / "CN" / "base" / "1.yaml"
        shutil.copy(case, target)
        return target
    for source in case.rglob("*.yaml"):
        target = root / source.relative_to(case)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
        if source.read_text(encoding="utf-8").startswith("# expect"):
            expecting = target
    return expecting


def test_the_fixture_itself_is_valid():
    assert [p for p in _problems(FIXTURE) if p.level is Level.error] == []


@pytest.mark.parametrize("case", BROKEN, ids=[c.stem for c in BROKEN])
def test_broken_file_is_reported_with_its_location(case: Path, tmp_path: Path):
    carrier = _overlay(case, tmp_path / "rulesets")
    header = carrier.read_text(encoding="utf-8").splitlines()[0]
    kind, _, rest = header.removeprefix("# ").partition(":")
    code, _, words = (part.strip() for part in rest.partition("|"))
    level = Level.warning if kind == "expect warning" else Level.error
    reported = [p for p in _problems(tmp_path / "rulesets") if p.code == code and p.level is level]
    matching = [p for p in reported if words in p.message]
    assert matching, f"no {level.value} {code} with {words!r}; got {[p.message for p in reported]}"
    assert all(p.file == carrier.resolve() for p in matching)
    assert all(p.line is not None and p.line > 1 for p in matching)


def test_a_new_version_supersedes_an_open_ended_one_without_editing_it(tmp_path: Path):
    root = tmp_path / "rulesets"
    shutil.copytree(FIXTURE, root)
    newer = root / "CN" / "base" / "2.yaml"
    newer.write_text((root / "CN" / "base" / "1.yaml").read_text(encoding="utf-8")
                     .replace('version: "1"', 'version: "2"').replace("effective_from: 2024-01-01",
                                                                      "effective_from: 2025-01-01"), encoding="utf-8")
    library = Library.load(root)
    assert [p for p in validate(library, find_legal_texts()) if p.level is Level.error] == []
    first, second = library.versions("base")
    assert library.effective_until(first) == date(2024, 12, 31) and library.effective_until(second) is None
    assert not library.is_in_force(first, date(2025, 1, 1)) and library.is_in_force(second, date(2025, 1, 1))
    assert [f.ref.version for f in library.in_force("CN", date(2024, 12, 31))] == ["1"]
