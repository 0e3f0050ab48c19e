"""Ruleset changes: the semantic diff of two versions, and the impact preview of a candidate version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jrp.access import Action, ApiKey
from jrp.api.console.csrf import FIELD, check_csrf
from jrp.api.console.forms import Problems, parse_choice, parse_date, parse_int, text
from jrp.api.console.pages import render, translator, values
from jrp.api.console.session import PREFIX, may, runtime_of
from jrp.api.errors import InvalidField
from jrp.api.ruleset_views import CandidateRefused, change_v1, impact_preview, library_version, semantic_diff
from jrp.api.schemas import ImpactRequestV1
from jrp.impact import ImpactReport
from jrp.rulesets.library import Library

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _api_limit(field: str, name: str) -> int:
    """A limit of the API's impact request: the console takes exactly what ``POST /v1/rulesets/impact`` takes."""
    return next(getattr(m, name) for m in ImpactRequestV1.model_fields[field].metadata if hasattr(m, name))


MAX_CANDIDATE = _api_limit("candidate_yaml", "max_length")
MAX_SAMPLE = _api_limit("sample", "le")


def _refs(library: Library, versioned_only: bool) -> dict[str, list[str]]:
    """``id@version`` choices per ruleset (only rulesets with two versions or more, if asked)."""
    choices = {rid: [f"{rid}@{f.ruleset.ruleset.version}" for f in library.versions(rid)] for rid in library.ruleset_ids}
    return {rid: refs for rid, refs in choices.items() if len(refs) > 1 or not versioned_only}


def _known(library: Library) -> list[str]:
    return [ref for refs in _refs(library, versioned_only=False).values() for ref in refs]


@router.get("/rulesets/diff")
def diff_page(request: Request, key: Annotated[ApiKey, Depends(may(Action.diff_rulesets))]) -> HTMLResponse:
    """Pick two versions of one ruleset: the semantic diff lines with file:line, errors highlighted."""
    library = runtime_of(request).library
    choices = _refs(library, versioned_only=True)
    known = [ref for refs in choices.values() for ref in refs]
    problems = Problems(translator(request))
    from_ = parse_choice(request.query_params.get("from"), known, "from", problems)
    to = parse_choice(request.query_params.get("to"), known, "to", problems)
    result = None
    if from_ and to:
        try:
            result = semantic_diff(library, from_, to)
        except InvalidField as error:
            problems.add_detail(error.field, str(error))
    changes = sorted(result.changes, key=lambda c: c.level != "error") if result else []  # errors first
    return render(request, "diff.html", key, status=422 if problems else 200, problems=problems.messages,
                  choices=choices, from_=from_ or "", to=to or "", result=result, changes=changes,
                  may_preview=key.may(Action.preview_impact))


def _impact_page(request: Request, key: ApiKey, form: dict[str, str], *, problems: Problems | None = None,
                 report: ImpactReport | None = None) -> HTMLResponse:
    return render(request, "impact.html", key, status=422 if problems else 200,
                  problems=problems.messages if problems else [], form=form,
                  report=report.as_json() if report else None, changed=report.decisions_changed if report else [],
                  choices=_refs(runtime_of(request).library, versioned_only=False))


def _bundled_yaml(library: Library, ref: str) -> str:
    return library_version(library, "base", ref).path.read_text(encoding="utf-8")


@router.get("/impact")
def impact_form(request: Request, key: Annotated[ApiKey, Depends(may(Action.preview_impact))]) -> HTMLResponse:
    """The form; ``?base=id@version`` loads that bundled version's YAML into the editor, to be edited."""
    library = runtime_of(request).library
    problems = Problems(translator(request))
    base = parse_choice(request.query_params.get("base"), _known(library), "base", problems)
    form = {"base": base or "", "candidate_yaml": _bundled_yaml(library, base) if base else "", "as_of": "",
            "sample": ""}
    return _impact_page(request, key, form, problems=problems)


async def _uploaded(upload: object, problems: Problems) -> str:
    """The uploaded file's text ("" when no file was chosen); Starlette limits fields, not files, so this does."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return ""
    data = await upload.read(MAX_CANDIDATE + 1)
    if len(data) > MAX_CANDIDATE:
        problems.add("candidate_file", "error.too_large", limit=MAX_CANDIDATE)
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.add("candidate_file", "error.not_utf8")
        return ""


@router.post("/impact")
async def impact(request: Request, key: Annotated[ApiKey, Depends(may(Action.preview_impact))]) -> HTMLResponse:
    """The preview of an uploaded file, else the pasted YAML, else the chosen bundled version; nothing is logged."""
    posted = await request.form(max_files=1, max_fields=10, max_part_size=MAX_CANDIDATE)
    check_csrf(request, str(posted.get(FIELD) or ""))
    runtime = runtime_of(request)
    form = {name: str(posted.get(name) or "") for name in ("base", "candidate_yaml", "as_of", "sample")}
    problems = Problems(translator(request))
    base = parse_choice(form["base"], _known(runtime.library), "base", problems)
    as_of = parse_date(form["as_of"], "as_of", problems)
    sample = parse_int(form["sample"], "sample", problems, 1, MAX_SAMPLE)
    candidate = await _uploaded(posted.get("candidate_file"), problems) or text(form["candidate_yaml"]) or (
        _bundled_yaml(runtime.library, base) if base else "")
    if not candidate and not problems:
        problems.add("candidate_yaml", "error.no_candidate")
    if problems:
        return _impact_page(request, key, form, problems=problems)
    form["candidate_yaml"] = candidate
    try:
        report = await run_in_threadpool(impact_preview, runtime, candidate, as_of, sample)
    except CandidateRefused as error:  # said in the page's language, the validator's words after each
        labels = values(request)
        problems.add_judgement(error.field, error.judgement,
                               lambda c: labels.described(change_v1(c, runtime.library.root)))
        return _impact_page(request, key, form, problems=problems)
    except InvalidField as error:
        problems.add_detail(error.field, str(error))
        return _impact_page(request, key, form, problems=problems)
    return _impact_page(request, key, form, report=report)
