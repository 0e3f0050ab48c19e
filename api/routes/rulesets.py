"""Rulesets: which exist, their versions, headers and how many entries of each kind they hold."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from jrp.api.deps import CatalogueReader, RuntimeDep
from jrp.api.errors import NotFound
from jrp.api.schemas import KEY_PATTERN, RulesetDetailV1, RulesetSummaryV1, RulesetVersionV1
from jrp.rulesets.library import RulesetFile

router = APIRouter(prefix="/v1/rulesets", tags=["catalogue"])

COUNTED = ("lists", "measures", "rules", "grading", "cross_region")


def _version(file: RulesetFile) -> RulesetVersionV1:
    header = file.ruleset.ruleset
    return RulesetVersionV1(version=header.version, effective_from=header.effective_from,
                            effective_to=header.effective_to)


@router.get("", response_model=list[RulesetSummaryV1])
def list_rulesets(key: CatalogueReader, runtime: RuntimeDep) -> list[RulesetSummaryV1]:
    """Every ruleset with its versions, oldest first."""
    summaries = []
    for ruleset_id in runtime.library.ruleset_ids:
        versions = runtime.library.versions(ruleset_id)
        header = versions[-1].ruleset.ruleset
        summaries.append(RulesetSummaryV1(id=ruleset_id, jurisdiction=header.jurisdiction,
                                          title=header.title.model_dump(), versions=[_version(f) for f in versions]))
    return summaries


@router.get("/{ruleset_id}", response_model=RulesetDetailV1)
def get_ruleset(ruleset_id: Annotated[str, Path(pattern=KEY_PATTERN)], key: CatalogueReader, runtime: RuntimeDep) -> RulesetDetailV1:
    """Each version's header and counts of lists, measures, rules, grading schemes and cross-region mappings."""
    versions = runtime.library.versions(ruleset_id)
    if not versions:
        raise NotFound(f"no ruleset {ruleset_id}; known: {', '.join(runtime.library.ruleset_ids)}")
    details = [{"header": f.ruleset.ruleset.model_dump(mode="json"),
                "counts": {name: len(getattr(f.ruleset, name)) for name in COUNTED}} for f in versions]
    return RulesetDetailV1(id=ruleset_id, jurisdiction=versions[-1].ruleset.ruleset.jurisdiction, versions=details)
