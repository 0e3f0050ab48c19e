"""Rulesets as the API and the console both present them: summaries, diffs and impact previews.

One place lists the rulesets, turns ``id@version`` strings and posted YAML into ruleset
files, and runs the semantic diff and the impact preview over the runtime, so
``/v1/rulesets/…`` and the console's pages can never disagree.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from jrp.adapters.log.publications import logged_publications
from jrp.api.errors import InvalidField, NotFound
from jrp.api.schemas import FieldChangeV1, RulesetChangeV1, RulesetDiffV1, RulesetSummaryV1, RulesetVersionV1
from jrp.bulk.runners import InProcessRunner
from jrp.impact import RECENT_DECISIONS, ImpactReport, InvalidCandidate, default_as_of, preview
from jrp.rulesets.bundle import RulesetRef
from jrp.rulesets.candidate import Judgement
from jrp.rulesets.diff import Change, diff
from jrp.rulesets.library import Library, RulesetFile, read_ruleset_file
from jrp.rulesets.loader import Level, RulesetError
from jrp.rulesets.publications import Publication
from jrp.runtime import Runtime


def version_of(library: Library, file: RulesetFile, today: date) -> RulesetVersionV1:
    """One version with where it stands today: withdrawn, unpublished, upcoming, superseded or in force, and
    the last day checks select it."""
    header = file.ruleset.ruleset
    withdrawn_by = next((f.ruleset.ruleset.version for f in library.versions(header.id)
                         if header.version in f.ruleset.ruleset.replaces), None)
    ends = None if withdrawn_by else library.effective_until(file)
    status = ("withdrawn" if withdrawn_by else "unpublished" if not library.is_approved(file) else
              "upcoming" if header.effective_from > today else "superseded" if ends and ends < today else "in_force")
    return RulesetVersionV1(version=header.version, effective_from=header.effective_from,
                            effective_to=header.effective_to, withdrawn_by=withdrawn_by, ends=ends, status=status)


def ruleset_summaries(library: Library, today: date) -> list[RulesetSummaryV1]:
    """Every ruleset with its versions, oldest first, each with its status on ``today``."""
    summaries = []
    for ruleset_id in library.ruleset_ids:
        versions = library.versions(ruleset_id)
        header = versions[-1].ruleset.ruleset
        summaries.append(RulesetSummaryV1(id=ruleset_id, jurisdiction=header.jurisdiction,
                                          title=header.title.model_dump(),
                                          versions=[version_of(library, f, today) for f in versions]))
    return summaries


def publication_on_record(runtime: Runtime, file: RulesetFile) -> Publication | None:
    """The publication that approved this content of ``file``: on file, else in the decision log (an approver's in
    the console); None while unpublished."""
    record = runtime.library.publication_of(file)
    if record is not None:
        return record.publication
    logged = logged_publications(runtime.engine) if runtime.has_store else []
    return next((p.publication for p in logged if p.ref == file.ref and p.publication.digest == file.digest), None)


def library_version(library: Library, field: str, spec: str) -> RulesetFile:
    """``id@version`` from the library only (never a path on the server); 404 naming ``field`` otherwise."""
    ruleset_id, _, version = spec.partition("@")
    try:
        return library.get(RulesetRef(ruleset_id, version))
    except KeyError as error:
        raise NotFound(f"{field}: {error.args[0]}") from None


def change_v1(change: Change, root: Path) -> RulesetChangeV1:
    """A diff change as the API and the console show it, its locations relative to the library."""
    def where(location: str | None) -> str | None:
        return location and location.removeprefix(f"{root}/")

    return RulesetChangeV1(measure_id=change.measure_id, aspect=change.aspect.value, direction=change.direction.value,
                           detail=change.detail, before=where(change.before), after=where(change.after),
                           level=change.level.value, was=list(change.was), now=list(change.now),
                           fields=[FieldChangeV1(path=path, was=was, now=now) for path, was, now in change.fields])


def semantic_diff(library: Library, from_: str, to: str) -> RulesetDiffV1:
    """The semantic diff of two library versions of one ruleset, locations relative to the library."""
    old = library_version(library, "from", from_)
    new = library_version(library, "to", to)
    if old.ref.id != new.ref.id:
        raise InvalidField("to", f"compare two versions of one ruleset, not {old.ref.id} with {new.ref.id}")
    changes = diff(old, new)
    return RulesetDiffV1(from_=from_, to=to, changes=[change_v1(c, library.root) for c in changes],
                         errors=sum(1 for c in changes if c.level is Level.error))


class CandidateRefused(InvalidField):
    """A candidate that does not read, validate or pass its diff: the message the API answers, and the judgement
    itself, which the console says in the page's language."""

    def __init__(self, message: str, judgement: Judgement):
        self.judgement = judgement
        super().__init__("candidate_yaml", message)


def candidate_of(text: str) -> RulesetFile:
    """Posted YAML parsed as a ruleset version; its problems become ``CandidateRefused`` on ``candidate_yaml``."""
    with tempfile.TemporaryDirectory(prefix="jrp-candidate-") as folder:
        path = Path(folder) / "candidate.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return read_ruleset_file(path)
        except RulesetError as error:
            problems = "; ".join(f"line {p.line}: {p.message}" if p.line else p.message for p in error.problems)
            raise CandidateRefused(problems, Judgement(tuple(error.problems), None, ())) from None


def impact_preview(runtime: Runtime, candidate_yaml: str, as_of: date | None, sample: int | None) -> ImpactReport:
    """Who would gain or lose which measures if the candidate went live on ``as_of`` (nothing is logged)."""
    candidate = candidate_of(candidate_yaml)
    try:
        return preview(runtime.library, candidate, InProcessRunner(runtime.facts),
                       as_of or default_as_of(candidate, runtime.service.today()), sample=sample,
                       recent_decisions=runtime.log.recent(RECENT_DECISIONS))
    except InvalidCandidate as error:
        raise CandidateRefused(f"the candidate does not validate: {error}", error.judgement) from None
