"""Rulesets: which exist, their versions, headers and entry counts; diffs of versions and impact previews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from jrp.api.deps import CatalogueReader, ImpactPreviewer, RulesetDiffer, RuntimeDep
from jrp.api.errors import NotFound
from jrp.api.openapi import errors
from jrp.api.ruleset_views import impact_preview, ruleset_summaries, semantic_diff
from jrp.api.schemas import (
    KEY_PATTERN,
    ImpactReportV1,
    ImpactRequestV1,
    RulesetDetailV1,
    RulesetDiffV1,
    RulesetSummaryV1,
)
from jrp.api.strict_requests import StrictRoute

router = APIRouter(prefix="/v1/rulesets", tags=["catalogue"], route_class=StrictRoute)

COUNTED = ("lists", "measures", "rules", "grading", "cross_region")
VERSION_REF = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}@[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"


@router.get("", operation_id="rulesets.list", response_model=list[RulesetSummaryV1])
def list_rulesets(key: CatalogueReader, runtime: RuntimeDep) -> list[RulesetSummaryV1]:
    """Every ruleset with its versions, oldest first, each with its status today and the last day checks select it."""
    return ruleset_summaries(runtime.library, runtime.service.today())


@router.get("/diff", operation_id="rulesets.diff", response_model=RulesetDiffV1, responses=errors(403, 404))
def diff_versions(
    key: RulesetDiffer, runtime: RuntimeDep,
    from_: Annotated[str, Query(alias="from", pattern=VERSION_REF, description="id@version")],
    to: Annotated[str, Query(pattern=VERSION_REF, description="id@version")],
) -> RulesetDiffV1:
    """Semantic diff of two versions of one ruleset; ``errors`` counts penalties widened without a new basis."""
    return semantic_diff(runtime.library, from_, to)


@router.post("/impact", operation_id="rulesets.impact", response_model=ImpactReportV1, responses=errors(403))
def impact(body: ImpactRequestV1, key: ImpactPreviewer, runtime: RuntimeDep) -> dict[str, Any]:
    """Who would gain or lose which measures if the candidate version went live (nothing is logged)."""
    return impact_preview(runtime, body.candidate_yaml, body.as_of, body.sample).as_json()


@router.get("/{ruleset_id}", operation_id="rulesets.get", response_model=RulesetDetailV1, responses=errors(404))
def get_ruleset(ruleset_id: Annotated[str, Path(pattern=KEY_PATTERN)], key: CatalogueReader, runtime: RuntimeDep) -> RulesetDetailV1:
    """Each version's header and counts of lists, measures, rules, grading schemes and cross-region mappings."""
    versions = runtime.library.versions(ruleset_id)
    if not versions:
        raise NotFound(f"no ruleset {ruleset_id}; known: {', '.join(runtime.library.ruleset_ids)}")
    details = [{"header": f.ruleset.ruleset.model_dump(mode="json"),
                "counts": {name: len(getattr(f.ruleset, name)) for name in COUNTED}} for f in versions]
    return RulesetDetailV1(id=ruleset_id, jurisdiction=versions[-1].ruleset.ruleset.jurisdiction, versions=details)
