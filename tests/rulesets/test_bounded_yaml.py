"""YAML from users is bounded: aliases refused before they expand, nesting and size limited."""

from __future__ import annotations

import pytest
import yaml

from jrp.rulesets.loader import MAX_DEPTH, RulesetError, read_yaml

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
    f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n" for n in range(6))
"""Six levels of nine-fold aliases: under 1 KB of text, 9**7 = 4.8 million leaves when expanded."""


def _problem(tmp_path, text: str):
    path = tmp_path / "candidate.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError) as error:
        read_yaml(path)
    (problem,) = error.value.problems
    return problem


def test_an_alias_bomb_is_refused_at_the_first_alias(tmp_path):
    assert len(BOMB) < 1024 and yaml.safe_load(BOMB)  # the plain loader takes it
    problem = _problem(tmp_path, BOMB)
    assert problem.code == "yaml-unsafe" and problem.line == 2 and "aliases (*name) are not accepted" in problem.message


def test_a_merge_key_is_an_alias_too(tmp_path):
    problem = _problem(tmp_path, "base: &base {a: 1}\nchild:\n  <<: *base\n  b: 2\n")
    assert problem.code == "yaml-unsafe" and problem.line == 3


def test_nesting_is_bounded(tmp_path):
    assert read_yaml(_write(tmp_path, "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)))[0]
    problem = _problem(tmp_path, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert problem.code == "yaml-unsafe" and f"more than {MAX_DEPTH} levels" in problem.message


def test_size_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr("jrp.rulesets.loader.MAX_CHARACTERS", 100)
    problem = _problem(tmp_path, "a: " + "x" * 200 + "\n")
    assert problem.code == "yaml-too-large" and "100 at most" in problem.message


def _write(tmp_path, text: str):
    path = tmp_path / "ok.yaml"
    path.write_text(text, encoding="utf-8")
    return path
