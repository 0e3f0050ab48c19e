"""Rulesets: which exist, their versions, headers and entry counts; diffs of versions and impact previews."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from jrp.api.deps import CatalogueReader, ImpactPreviewer, RulesetDiffer, RuntimeDep
from jrp.api.errors import InvalidField, NotFound
from jrp.api.schemas import (
    KEY_PATTERN,
    ImpactRequestV1,
    RulesetChangeV1,
    RulesetDetailV1,
    RulesetDiffV1,
    RulesetSummaryV1,
    RulesetVersionV1,
)
from jrp.impact import RECENT_DECISIONS, preview
from jrp.rulesets.bundle import RulesetRef
from jrp.rulesets.diff import Change, diff
from jrp.rulesets.library import Library, RulesetFile, read_ruleset_file
from jrp.rulesets.loader import Level, RulesetError

router = APIRouter(prefix="/v1/rulesets", tags=["catalogue"])

COUNTED = ("lists", "measures", "rules", "grading", "cross_region")
VERSION_REF = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}@[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"


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


def _library_version(library: Library, field: str, spec: str) -> RulesetFile:
    """``id@version`` from the library only (never a path on the server)."""
    ruleset_id, _, version = spec.partition("@")
    try:
        return library.get(RulesetRef(ruleset_id, version))
    except KeyError as error:
        raise NotFound(f"{field}: {error.args[0]}") from None


def _change(change: Change, root: FilePath) -> RulesetChangeV1:
    def where(location: str | None) -> str | None:
        return location and location.removeprefix(f"{root}/")

    return RulesetChangeV1(measure_id=change.measure_id, aspect=change.aspect, direction=change.direction.value,
                           detail=change.detail, before=where(change.before), after=where(change.after),
                           level=change.level.value)


@router.get("/diff", response_model=RulesetDiffV1)
def diff_versions(
    key: RulesetDiffer, runtime: RuntimeDep,
    from_: Annotated[str, Query(alias="from", pattern=VERSION_REF, description="id@version")],
    to: Annotated[str, Query(pattern=VERSION_REF, description="id@version")],
) -> RulesetDiffV1:
    """Semantic diff of two versions of one ruleset; ``errors`` counts penalties widened without a new basis."""
    old = _library_version(runtime.library, "from", from_)
    new = _library_version(runtime.library, "to", to)
    if old.ref.id != new.ref.id:
        raise InvalidField("to", f"compare two versions of one ruleset, not {old.ref.id} with {new.ref.id}")
    changes = diff(old, new)
    return RulesetDiffV1(from_=from_, to=to, changes=[_change(c, runtime.library.root) for c in changes],
                         errors=sum(1 for c in changes if c.level is Level.error))


def _candidate(text: str) -> RulesetFile:
    """The posted YAML parsed as a ruleset version; its problems become a 422 on ``candidate_yaml``."""
    with tempfile.TemporaryDirectory(prefix="jrp-candidate-") as folder:
        path = FilePath(folder) / "candidate.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return read_ruleset_file(path)
        except RulesetError as error:
            problems = "; ".join(f"line {p.line}: {p.message}" if p.line else p.message for p in error.problems)
            raise InvalidField("candidate_yaml", problems) from None


@router.post("/impact")
def impact(body: ImpactRequestV1, key: ImpactPreviewer, runtime: RuntimeDep) -> dict[str, Any]:
    """Who would gain or lose which measures if the candidate version went live (nothing is logged)."""
    report = preview(runtime.library, _candidate(body.candidate_yaml), runtime.facts,
                     body.as_of or runtime.service.today(), sample=body.sample,
                     recent_decisions=runtime.log.recent(RECENT_DECISIONS))
    return report.as_json()


@router.get("/{ruleset_id}", response_model=RulesetDetailV1)
def get_ruleset(ruleset_id: Annotated[str, Path(pattern=KEY_PATTERN)], key: CatalogueReader, runtime: RuntimeDep) -> RulesetDetailV1:
    """Each version's header and counts of lists, measures, rules, grading schemes and cross-region mappings."""
    versions = runtime.library.versions(ruleset_id)
    if not versions:
        raise NotFound(f"no ruleset {ruleset_id}; known: {', '.join(runtime.library.ruleset_ids)}")
    details = [{"header": f.ruleset.ruleset.model_dump(mode="json"),
                "counts": {name: len(getattr(f.ruleset, name)) for name in COUNTED}} for f in versions]
    return RulesetDetailV1(id=ruleset_id, jurisdiction=versions[-1].ruleset.ruleset.jurisdiction, versions=details)
