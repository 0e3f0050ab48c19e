"""Approving an edition for publication in the console: an approver's name goes on record in the decision log.

The signed-in key is the approver (its name and department are the ``approved_by`` of the record);
the form gives the drafter and the adopting document. The edition is judged as ``jrp rulesets
publish`` judges it (``jrp.publishing.objections``); the console writes no file, so the record is
in the log only, and the service selects the edition from each worker's next start; the tracker reads
it from the log at its next round and tells the subscribers whose answer it changes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from jrp.access import Action, ApiKey
from jrp.api.console.csrf import FIELD, check_csrf
from jrp.api.console.forms import Problems, parse_choice, parse_date, text
from jrp.api.console.pages import translator, values
from jrp.api.console.routes.catalogue import version_page, versions_of
from jrp.api.console.session import PREFIX, may, runtime_of
from jrp.api.ruleset_views import change_v1
from jrp.measures_catalog.legal_texts import find_legal_texts
from jrp.publishing import objections, publish
from jrp.rulesets.publications import AdoptingDocument, Publication

router = APIRouter(prefix=PREFIX, include_in_schema=False)

FORM = ("version", "drafted_by", "document", "document_date", "document_title")


@router.post("/rulesets/{ruleset_id}/publish")
async def publish_edition(request: Request, ruleset_id: str,
                          key: Annotated[ApiKey, Depends(may(Action.publish_ruleset))]) -> HTMLResponse:
    """Publish the posted version with the signed-in approver's name on record, or say why not."""
    versions = versions_of(request, ruleset_id)
    posted = await request.form(max_fields=10)
    check_csrf(request, str(posted.get(FIELD) or ""))
    form = {name: text(str(posted.get(name) or "")) for name in FORM}
    problems = Problems(translator(request))
    known = [file.ruleset.ruleset.version for file in versions]
    version = parse_choice(form["version"], known, "version", problems) or known[-1]
    file = versions[known.index(version)]
    for name in ("drafted_by", "document"):
        if not form[name]:
            problems.add(name, "error.required")
    document_date = parse_date(form["document_date"], "document_date", problems)
    if document_date is None and not problems:
        problems.add("document_date", "error.required")
    if problems:
        return version_page(request, key, file, problems, form=form)
    runtime = runtime_of(request)
    today = runtime.service.today()
    judgement = await run_in_threadpool(objections, runtime.library, file, find_legal_texts(), today)
    if judgement.errors:
        labels = values(request)
        problems.add_judgement("version", judgement, lambda c: labels.described(change_v1(c, runtime.library.root)))
        return version_page(request, key, file, problems, form=form)
    approver = f"{key.name}（{key.department}）" if key.department else key.name
    publication = Publication(version=version, digest=file.digest, drafted_by=form["drafted_by"],
                              approved_by=approver, approved_on=today,
                              adopted_by=AdoptingDocument(doc_no=form["document"], date=document_date,
                                                          title=form["document_title"] or None))
    logged = await run_in_threadpool(publish, runtime.publications, file, publication, key, write_record=False)
    notice = translator(request)("publish.done", publication_id=logged.entry["publication_id"] if logged else "")
    return version_page(request, key, file, Problems(translator(request)), notice=notice)
