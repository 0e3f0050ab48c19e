"""Maintainers' catalogue pages: rulesets by jurisdiction, one ruleset version, the measures catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from jrp.access import Action, ApiKey
from jrp.api.console.citations import cited
from jrp.api.console.forms import Problems, is_id, parse_choice, text
from jrp.api.console.pages import render, translator
from jrp.api.console.session import PREFIX, PageError, may, runtime_of
from jrp.api.presenters import measure_detail, measure_summary
from jrp.api.ruleset_views import publication_on_record, ruleset_summaries, version_of
from jrp.rulesets.library import RulesetFile

router = APIRouter(prefix=PREFIX, include_in_schema=False)

CatalogueReader = Annotated[ApiKey, Depends(may(Action.read_catalogue))]


@router.get("/rulesets")
def rulesets(request: Request, key: CatalogueReader) -> HTMLResponse:
    """Every ruleset with its versions and in-force dates, grouped by jurisdiction (national first)."""
    library = runtime_of(request).library
    problems = Problems(translator(request))
    chosen = parse_choice(request.query_params.get("jurisdiction"), library.jurisdictions, "jurisdiction", problems)
    groups = {jurisdiction: [] for jurisdiction in library.jurisdictions if chosen in (None, jurisdiction)}
    for summary in ruleset_summaries(library, runtime_of(request).service.today()):
        groups.get(summary.jurisdiction, []).append(summary)
    return render(request, "rulesets.html", key, status=422 if problems else 200, problems=problems.messages,
                  groups=groups, jurisdictions=library.jurisdictions, chosen=chosen or "")


def versions_of(request: Request, ruleset_id: str) -> list[RulesetFile]:
    """Every version of ``ruleset_id`` (a 404 page if there is none)."""
    versions = runtime_of(request).library.versions(ruleset_id) if is_id(ruleset_id) else []
    if not versions:
        raise PageError(404, "error.not_found", what=ruleset_id)
    return versions


@router.get("/rulesets/{ruleset_id}")
def ruleset(request: Request, ruleset_id: str, key: CatalogueReader) -> HTMLResponse:
    """One version (``?version=``, default the newest): status, publication, header, lists and measures."""
    versions = versions_of(request, ruleset_id)
    problems = Problems(translator(request))
    known = [file.ruleset.ruleset.version for file in versions]
    version = parse_choice(request.query_params.get("version"), known, "version", problems) or known[-1]
    return version_page(request, key, versions[known.index(version)], problems)


def version_page(request: Request, key: ApiKey, file: RulesetFile, problems: Problems, *, notice: str = "",
                 form: dict[str, str] | None = None) -> HTMLResponse:
    """The page of one version: what its status is today, who approved it, the version it follows to compare
    with, and (to an approver, while it is unpublished) the form that publishes it."""
    runtime = runtime_of(request)
    library = runtime.library
    previous = library.previous(file)
    status = version_of(library, file, runtime.service.today())
    return render(request, "ruleset.html", key, status=422 if problems else 200, problems=problems.messages,
                  ruleset=file.ruleset, versions=[f.ruleset.ruleset.version for f in library.versions(file.ref.id)],
                  edition=status, previous=previous.ref.version if previous else None,
                  publication=publication_on_record(runtime, file), notice=notice, form=form or {},
                  may_diff=key.may(Action.diff_rulesets) and previous is not None,
                  may_publish=key.may(Action.publish_ruleset) and status.status == "unpublished",
                  cite=lambda citations: cited(library, citations))


def _list_ids(request: Request) -> list[str]:
    return sorted({list_id for entry in runtime_of(request).catalog.entries for list_id in entry.lists})


@router.get("/measures")
def measures(request: Request, key: CatalogueReader) -> HTMLResponse:
    """The catalogue by jurisdiction (its own and higher levels), triggering list and text."""
    runtime = runtime_of(request)
    query = request.query_params
    problems = Problems(translator(request))
    lists = _list_ids(request)
    jurisdiction = parse_choice(query.get("jurisdiction"), runtime.library.jurisdictions, "jurisdiction", problems)
    list_id = parse_choice(query.get("list"), lists, "list", problems)
    q = text(query.get("q"))[:200] or None
    found = [] if problems else runtime.catalog.search(q, jurisdiction, None, list_id)
    return render(request, "measures.html", key, status=422 if problems else 200, problems=problems.messages,
                  form=query, items=[measure_summary(entry) for entry in found],
                  jurisdictions=runtime.library.jurisdictions, lists=lists)


@router.get("/measures/{measure_id}")
def measure(request: Request, measure_id: str, key: CatalogueReader) -> HTMLResponse:
    """Every definition of one measure: each jurisdiction and ruleset version, with its full basis."""
    runtime = runtime_of(request)
    entries = runtime.catalog.versions(measure_id) if is_id(measure_id) else []
    if not entries:
        raise PageError(404, "error.not_found", what=measure_id)
    return render(request, "measure.html", key, measure_id=measure_id,
                  versions=[(measure_detail(entry), cited(runtime.library, entry.measure.basis)) for entry in entries])
