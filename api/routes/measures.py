"""The measures catalogue: every measure of every ruleset version, searchable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from jrp.api.deps import CatalogueReader, RuntimeDep, known_jurisdiction
from jrp.api.errors import NotFound
from jrp.api.openapi import errors
from jrp.api.presenters import measure_detail, measure_summary
from jrp.api.schemas import KEY_PATTERN, MeasureListV1, MeasureVersionsV1
from jrp.api.strict_requests import StrictRoute
from jrp.vocabulary.scenarios import Scenario

router = APIRouter(prefix="/v1/measures", tags=["catalogue"], route_class=StrictRoute)


@router.get("", operation_id="measures.list", response_model=MeasureListV1)
def search_measures(
    key: CatalogueReader, runtime: RuntimeDep,
    q: str | None = Query(None, max_length=200, description="text in the id, names, matter, target, means, authority"),
    jurisdiction: str | None = Query(None, description="measures applying there (its own and higher levels)"),
    scenario: Scenario | None = None,
    list: str | None = Query(None, description="measures triggered by this list"),  # noqa: A002 - the wire name
) -> MeasureListV1:
    """Search measures; one item per (jurisdiction, measure) in its newest version."""
    if jurisdiction:
        known_jurisdiction(runtime, jurisdiction)
    found = runtime.catalog.search(q, jurisdiction, scenario and scenario.value, list)
    return MeasureListV1(count=len(found), items=[measure_summary(entry) for entry in found])


@router.get("/{measure_id}", operation_id="measures.get", response_model=MeasureVersionsV1, responses=errors(404))
def get_measure(measure_id: Annotated[str, Path(pattern=KEY_PATTERN)], key: CatalogueReader, runtime: RuntimeDep) -> MeasureVersionsV1:
    """Every definition of a measure: each jurisdiction and ruleset version, with its full basis."""
    versions = runtime.catalog.versions(measure_id)
    if not versions:
        raise NotFound(f"no measure {measure_id}")
    return MeasureVersionsV1(id=measure_id, versions=[measure_detail(entry) for entry in versions])
