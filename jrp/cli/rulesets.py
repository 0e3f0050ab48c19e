"""``jrp rulesets …``: validate, test, evaluate and compare the YAML rulesets, and preview a candidate's impact.

Every command reads the rulesets folder of ``--dir``, else of the global ``--rulesets-dir``
(or ``JRP_RULESETS_DIR``), else the bundled one. Modules are imported when a command runs.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from jrp.cli.errors import fail, iso_date
from jrp.cli.screen import FactsOpt, SparkConfOpt, SparkMasterOpt, runner_for
from jrp.vocabulary.scenarios import CheckRole, Scenario

if TYPE_CHECKING:
    from jrp.impact import ImpactReport
    from jrp.rulesets.library import Library
    from jrp.runtime import Runtime
    from jrp.tester import Coverage, Evaluated

rulesets_app = typer.Typer(help="Validate, test, evaluate and compare rulesets.", no_args_is_help=True)
console = Console()

RulesetsDir = Annotated[Path | None, typer.Option("--dir", help="rulesets folder (default: the global --rulesets-dir, "
                                                                "else the bundled rulesets)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]


def _load(ctx: typer.Context, directory: Path | None) -> Library:
    """The library of ``--dir``, else the one the global options name; every schema problem printed, exit 1."""
    from jrp.rulesets.library import Library
    from jrp.rulesets.loader import RulesetError

    chosen = directory or ctx.find_root().obj.settings.rulesets_dir
    if chosen is not None and not chosen.is_dir():
        raise fail(f"no rulesets folder {chosen}")
    try:
        return Library.load(chosen)
    except RulesetError as error:
        for problem in error.problems:
            console.print(str(problem), markup=False, soft_wrap=True)
        console.print(f"[red]{len(error.problems)} errors occurred[/red]")
        raise typer.Exit(1) from None


@rulesets_app.command("validate")
def validate_command(
    ctx: typer.Context,
    directory: RulesetsDir = None,
    legal_texts: Annotated[Path | None, typer.Option(help="folder of legal texts for quote checks")] = None,
) -> None:
    """Check schema, citations, layering, dates, scenario coverage, roles, and that no version which served
    decisions (in the store of the global options) was edited; exit 1 on any error."""
    from jrp.measures_catalog.legal_texts import find_legal_texts
    from jrp.rulesets.loader import Level
    from jrp.rulesets.validate import validate

    library = _load(ctx, directory)
    problems = validate(library, find_legal_texts(legal_texts)) + _published_problems(ctx.find_root().obj, library)
    for problem in problems:
        console.print(str(problem), markup=False, soft_wrap=True)
    errors = [p for p in problems if p.level is Level.error]
    unverified = sum(1 for p in problems if p.code == "unverified-article")
    console.print(
        f"{library.root}: {len(library.files)} ruleset versions, {len(library.instruments)} instruments: "
        f"{len(errors)} errors, {len(problems) - len(errors)} warnings ({unverified} unverified articles)",
        markup=False, soft_wrap=True,
    )
    if errors:
        raise typer.Exit(1)


def _published_problems(runtime: Runtime, library: Library) -> list:
    """Versions whose content differs from what served decisions, per the configured store (if there is one)."""
    from sqlalchemy.exc import SQLAlchemyError

    from jrp.adapters.log.bundle_store import BundleStore
    from jrp.adapters.log.publications import logged_record_hashes
    from jrp.publishing import unlogged_records
    from jrp.rulesets.loader import Level, Problem
    from jrp.rulesets.published import changed_published_versions

    settings = runtime.settings
    if not runtime.has_store:
        console.print(f"note: no decision store at {runtime.sqlite_file.resolve()} (and no --database-url): published "
                      "versions were not compared with the content that served decisions", markup=False,
                      soft_wrap=True)
        return []
    try:
        published = BundleStore(runtime.engine).published_versions()
        logged = logged_record_hashes(runtime.engine)
    except SQLAlchemyError as error:
        console.print(f"note: the decision store {settings.resolved_database_url()} cannot be read "
                      f"({type(error).__name__}; run jrp serve once to migrate it): published versions were not "
                      "compared", markup=False, soft_wrap=True)
        return []
    return changed_published_versions(library, published) + [
        Problem("publication-not-logged", record.path, record.line,
                f"the publication of {record.ruleset_id}@{record.publication.version} is on file but not in the "
                f"decision log of {settings.resolved_database_url()}: record it there (jrp rulesets publish "
                "--on-file)", Level.warning)
        for record in unlogged_records(library, logged)]


@rulesets_app.command("test")
def test_command(
    ctx: typer.Context,
    directory: RulesetsDir = None,
    backend: Annotated[str, typer.Option(help="indexed, durable or reference")] = "indexed",
    coverage: Annotated[bool, typer.Option("--coverage", help="also print the coverage tables: per measure, cases "
                                                              "where it fires / does not; per cited article")] = False,
) -> None:
    """Run the YAML test cases beside each ruleset; exit 1 on a failure, on a measure without a case where it
    fires and one where it does not, or on a measure renamed since the edition before."""
    from jrp.rulesets.renames import renames
    from jrp.tester import coverage_of, run_tests

    library = _load(ctx, directory)
    run = run_tests(library, backend)
    for problem in run.problems:
        console.print(str(problem), markup=False, soft_wrap=True)
    for result in run.failed:
        console.print(f"FAIL {result.location} {result.case.name}", markup=False)
        for failure in result.failures:
            console.print(f"     {failure}", markup=False, soft_wrap=True)
    cov = coverage_of(run)
    if coverage:
        _print_coverage(library, cov)
    untested = _print_untested(library, cov)
    renamed = list(renames(library))
    for rename in renamed:
        console.print(f"RENAMED {rename}", markup=False, soft_wrap=True)
    passed = len(run.results) - len(run.failed)
    console.print(f"{passed} passed, {len(run.failed)} failed, {untested} measures untested, {len(renamed)} renamed"
                  + (f", {len(run.problems)} not run" if run.problems else ""))
    if run.failed or untested or renamed or run.problems:
        raise typer.Exit(1)


def _live_measures(library: Library) -> dict[str, tuple]:
    """Each measure of a live version (withdrawn versions need no tests), with its newest definition's file:line."""
    found = {}
    for file in library.live_files:
        for i, measure in enumerate(file.ruleset.measures):
            found[measure.id] = (measure, f"{file.path}:{file.lines.line_of(('measures', i, 'id'))}")
    return found


def _print_untested(library: Library, cov: Coverage) -> int:
    """A line per measure that lacks a case where it fires or one where it does not; how many."""
    measures = _live_measures(library)
    untested = cov.uncovered(set(measures))
    for measure_id in untested:
        missing = [what for what, counts in (("no case where it fires", cov.fires),
                                             ("no case where a record its rules read is present and it does not fire",
                                              cov.does_not_fire)) if not counts.get(measure_id)]
        console.print(f"UNTESTED {measures[measure_id][1]}: measure {measure_id}: {' and '.join(missing)}; add the "
                      "case to the tests.yaml beside it", markup=False, soft_wrap=True)
    return len(untested)


def _print_coverage(library: Library, cov: Coverage) -> None:
    from rich.table import Table

    measures = {measure_id: measure for measure_id, (measure, _where) in _live_measures(library).items()}
    table = Table("measure", "fires", "does not fire", "basis", title="Coverage per measure")
    for measure_id in sorted(measures):
        basis = "; ".join(f"{c.instrument} {c.label()}" for c in measures[measure_id].basis)
        table.add_row(measure_id, str(cov.fires.get(measure_id, 0)), str(cov.does_not_fire.get(measure_id, 0)), basis)
    console.print(table)
    articles: dict[str, set[str]] = {}
    for measure in measures.values():
        for citation in measure.basis:
            articles.setdefault(f"{citation.instrument} {citation.label()}", set()).add(measure.id)
    article_table = Table("cited article", "fires", "does not fire", title="Coverage per cited article")
    for article, ids in sorted(articles.items()):
        article_table.add_row(article, "yes" if any(cov.fires.get(i) for i in ids) else "NO",
                              "yes" if any(cov.does_not_fire.get(i) for i in ids) else "NO")
    console.print(article_table)


@rulesets_app.command("eval")
def eval_command(
    ctx: typer.Context,
    facts: Annotated[Path, typer.Argument(help="YAML or JSON: one check case in the tests.yaml format "
                                               "(as_of, scenario, role, jurisdiction, subject_type, records, related), "
                                               "or tests: [...] with several")],
    jurisdiction: Annotated[str | None, typer.Option(help="instead of the case's (default CN)")] = None,
    as_of: Annotated[date | None, typer.Option("--as-of", parser=iso_date, metavar="YYYY-MM-DD",
                                               help="instead of the case's date (default today)")] = None,
    scenario: Annotated[Scenario | None, typer.Option(help="instead of the case's scenario")] = None,
    role: Annotated[CheckRole | None, typer.Option(help="instead of the case's role")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="also what was considered and did not apply")] = False,
    backend: Annotated[str, typer.Option(help="indexed, durable or reference")] = "indexed",
    directory: RulesetsDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate facts against the bundle in force for a jurisdiction and date: nothing is stored or logged.

    What `opa eval` is to OPA: try a rule change on made-up facts before writing a test. A case that
    states `expect` is compared with it (exit 1 if it differs).
    """
    from datetime import UTC, datetime

    from jrp.tester import evaluate_cases, read_cases

    library = _load(ctx, directory)
    cases = read_cases(facts)
    given = {"jurisdiction": jurisdiction, "as_of": as_of, "scenario": scenario, "role": role}
    update = {name: value for name, value in given.items() if value}
    if update:  # validated again: the role must still belong to the scenario
        cases = [type(case).model_validate({**case.model_dump(), **update}) for case in cases]
    try:
        results = evaluate_cases(library, cases, today=datetime.now(UTC).date(), backend=backend, explain=explain)
    except KeyError as error:  # an unknown jurisdiction, the known ones named
        raise fail(str(error.args[0])) from None
    if as_json:
        typer.echo(json.dumps([_evaluated_json(r, explain) for r in results], ensure_ascii=False, indent=2))
    else:
        for result in results:
            _print_evaluated(result)
    invalid = _invalid_rules(library, results)
    for problem in invalid:
        typer.echo(str(problem), err=True)
    if invalid:
        typer.echo(f"error: the answer rests on rules with {len(invalid)} validation errors; an answer of rules that "
                   "do not validate is no answer: fix them (jrp rulesets validate)", err=True)
    if invalid or any(r.failures for r in results):
        raise typer.Exit(1)


def _invalid_rules(library: Library, results: list[Evaluated]) -> list:
    """The validation errors located in the ruleset versions the cases were evaluated with."""
    from jrp.measures_catalog.legal_texts import find_legal_texts
    from jrp.rulesets.bundle import RulesetRef
    from jrp.rulesets.loader import Level
    from jrp.rulesets.validate import validate

    used = {library.get(RulesetRef(*ref.split("@", 1))).path for result in results for ref in result.rulesets}
    return [p for p in validate(library, find_legal_texts()) if p.level is Level.error and p.file in used]


def _evaluated_json(result: Evaluated, explain: bool) -> dict:
    from jrp.engine.codec import decision_to_json

    case = result.case
    decision = decision_to_json(result.decision)
    if not explain:
        decision.pop("excluded", None)
    return {"name": case.name, "jurisdiction": result.jurisdiction, "as_of": case.as_of.isoformat(),
            "scenario": case.scenario.value, "role": case.role and case.role.value,
            "bundle": {"hash": result.bundle_hash, "rulesets": list(result.rulesets)},
            "decision": decision, "failures": list(result.failures)}


def _print_evaluated(result: Evaluated) -> None:
    case, decision = result.case, result.decision
    role = f", role {case.role.value}" if case.role else ", any role"
    title = f"{case.name}: " if case.name else ""
    console.print(f"{title}{case.scenario.value}{role} in {result.jurisdiction} on {case.as_of}", markup=False,
                  soft_wrap=True)
    console.print(f"  bundle {result.bundle_hash[:16]}… {', '.join(result.rulesets)}", markup=False, soft_wrap=True)
    console.print(f"  outcome {decision.outcome.value}", markup=False)
    for group, measures in (("measure", decision.measures), ("incentive", decision.incentives)):
        for m in measures:
            roles = f"roles {', '.join(m.roles)}" if m.roles else "any role"
            basis = "; ".join(f"{c.title} {c.article}" for c in m.legal_basis)
            triggers = ", ".join(f"{r.record_id} ({r.list_id or r.record_type.value})" for r in m.triggered_by)
            via = f" via {m.via.role} {m.via.subject}" if m.via else ""
            console.print(f"  {group} {m.measure_id}: {m.effect}, category {m.category}, {roles}{via}; "
                          f"until {m.until or 'the record ends'}; basis {basis}; triggered by {triggers}",
                          markup=False, soft_wrap=True)
    if decision.supervision:
        console.print(f"  supervision class {decision.supervision.supervision_class} "
                      f"×{decision.supervision.inspection_multiplier:g}", markup=False)
    for exclusion in decision.excluded:
        console.print(f"  not applied ({exclusion.reason.value}): {exclusion.detail}", markup=False, soft_wrap=True)
    for failure in result.failures:
        console.print(f"  [red]expected[/red] {failure}", soft_wrap=True)


@rulesets_app.command("publish")
def publish_command(
    ctx: typer.Context,
    edition: Annotated[str | None, typer.Argument(help="id@version of the edition, e.g. nantong-silent-check@2027.1")]
        = None,
    drafted_by: Annotated[str | None, typer.Option(help="who drafted it: name and office")] = None,
    approved_by: Annotated[str | None, typer.Option(help="the official who approved it: name and office")] = None,
    approved_on: Annotated[date | None, typer.Option(parser=iso_date, metavar="YYYY-MM-DD",
                                                     help="the day of approval (default today)")] = None,
    document: Annotated[str | None, typer.Option(help="文号 of the document adopting the measures, e.g. "
                                                      "通政办发〔2026〕88号")] = None,
    document_date: Annotated[date | None, typer.Option(parser=iso_date, metavar="YYYY-MM-DD",
                                                       help="that document's date")] = None,
    document_title: Annotated[str | None, typer.Option(help="that document's title")] = None,
    on_file: Annotated[bool, typer.Option("--on-file", help="instead: record in the decision log every publication "
                                                            "on file it does not hold yet (e.g. the bundled "
                                                            "editions', approved before approvals were on record)")]
        = False,
    directory: RulesetsDir = None,
) -> None:
    """Publish an edition: refuse it if it does not validate, its diff or its cases fail; else write its record
    beside it (publications.yaml) and record it in the decision log of the store of the global options.

    An edition not published is never selected for a check by the service.
    """
    from jrp.access import terminal_operator
    from jrp.adapters.log.publications import logged_approvals, logged_record_hashes
    from jrp.measures_catalog.legal_texts import find_legal_texts
    from jrp.publishing import carry_on_file, objections, publish
    from jrp.rulesets.bundle import RulesetRef
    from jrp.rulesets.loader import Level
    from jrp.rulesets.publications import PUBLICATIONS_FILE, AdoptingDocument, Publication

    runtime: Runtime = ctx.find_root().obj
    library = _load(ctx, directory)
    if on_file == bool(edition):
        raise fail("name the edition to publish (id@version), or --on-file to log the records on file")
    runtime.migrate()
    if on_file:
        carried = carry_on_file(library, runtime.publications, logged_record_hashes(runtime.engine),
                                terminal_operator())
        runtime.tree.integrate_all(runtime.audit_keys.signing)
        for logged in carried:
            console.print(f"logged {logged.ref.id}@{logged.ref.version} ({logged.entry['publication_id']})",
                          markup=False)
        console.print(f"{len(carried)} publications on file recorded in the decision log", markup=False)
        return
    missing = [option for option, value in (("--drafted-by", drafted_by), ("--approved-by", approved_by),
                                            ("--document", document), ("--document-date", document_date)) if not value]
    if missing:
        raise fail(f"give {', '.join(missing)}: an edition without its approval on record cannot take effect")
    ruleset_id, _, version = str(edition).partition("@")
    try:
        file = library.get(RulesetRef(ruleset_id, version))
    except KeyError as error:
        raise fail(str(error.args[0])) from None
    today = runtime.service.today()
    publication = Publication(version=version, digest=file.digest, drafted_by=drafted_by, approved_by=approved_by,
                              approved_on=approved_on or today,
                              adopted_by=AdoptingDocument(doc_no=str(document), date=document_date,
                                                          title=document_title))
    judgement = objections(library.for_checks(logged_approvals(runtime.engine)), file, find_legal_texts(), today)
    for problem in judgement.problems:
        console.print(str(problem), markup=False, soft_wrap=True)
    for change in judgement.changes:
        if change.level is Level.error:
            console.print(f"against {judgement.supersedes.ref.version}: {change}", markup=False, soft_wrap=True)
    if judgement.errors:
        console.print(f"{edition} is not published: {len(judgement.errors)} objections", markup=False)
        raise typer.Exit(1)
    logged = publish(runtime.publications, file, publication, terminal_operator(), write_record=True)
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    console.print(f"published {edition}: approved by {approved_by} ({document}, {document_date}); record in "
                  f"{file.path.parent / PUBLICATIONS_FILE}; "
                  f"decision log entry {logged.entry['publication_id'] if logged else '(already logged)'}; "
                  f"checks select it from {file.ruleset.ruleset.effective_from}, a running service's "
                  + (f"within {interval:g} s" if (interval := runtime.settings.publication_interval) else
                     "once it restarts (publication_interval 0)"),
                  markup=False, soft_wrap=True)


class SchemaKind(StrEnum):
    ruleset = "ruleset"
    tests = "tests"
    sources = "sources"


@rulesets_app.command("schema")
def schema_command(
    kind: Annotated[SchemaKind, typer.Argument(help="ruleset: a <version>.yaml; tests: a tests.yaml; "
                                                    "sources: legal_sources.yaml")] = SchemaKind.ruleset,
) -> None:
    """Print the JSON Schema of a kind of rulesets file, for editors (it ships beside the bundled rulesets too).

    In VS Code with the YAML extension, a file's first line names it:
    # yaml-language-server: $schema=../../ruleset.schema.json
    """
    from jrp.rulesets.json_schema import schema_text

    typer.echo(schema_text(kind.value), nl=False)


@rulesets_app.command("diff")
def diff_command(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="id@version, or a path to a ruleset YAML file")],
    new: Annotated[str, typer.Argument(help="id@version, or a path to a working copy")],
    directory: RulesetsDir = None,
    as_json: JsonOpt = False,
) -> None:
    """Semantic diff of two ruleset versions; exit 1 if a penalty widens without a new legal basis."""
    from jrp.rulesets.diff import diff
    from jrp.rulesets.loader import Level, RulesetError

    library = _load(ctx, directory)
    try:
        changes = diff(library.resolve(old), library.resolve(new))
    except (KeyError, RulesetError) as error:
        raise fail(str(error.args[0] if isinstance(error, KeyError) else error)) from None
    errors = sum(1 for c in changes if c.level is Level.error)
    if as_json:
        typer.echo(json.dumps({"from": old, "to": new, "errors": errors, "changes": [
            {"measure_id": c.measure_id, "aspect": c.aspect.value, "direction": c.direction.value, "detail": c.detail,
             "before": c.before, "after": c.after, "level": c.level.value, "was": list(c.was), "now": list(c.now),
             "fields": [{"path": path, "was": was, "now": now} for path, was, now in c.fields]}
            for c in changes]}, ensure_ascii=False, indent=2))
    else:
        for change in changes:
            console.print(str(change), markup=False, soft_wrap=True)
        console.print(f"{len(changes)} changes, {errors} errors")
    if errors:
        raise typer.Exit(1)


@rulesets_app.command("impact")
def impact_command(
    ctx: typer.Context,
    candidate: Annotated[str, typer.Argument(help="path to a ruleset YAML file (also one saved among the rulesets, "
                                                  "rulesets/<J>/<id>/<version>.yaml), or id@version")],
    as_of: Annotated[date | None, typer.Option("--as-of", parser=iso_date, metavar="YYYY-MM-DD",
                                               help="date to compare on (default today, or the candidate's "
                                                    "first day if later)")] = None,
    sample: Annotated[int | None, typer.Option(min=1, help="a seeded sample of this many subjects (default: all)")] = None,
    as_json: JsonOpt = False,
    spark_master: SparkMasterOpt = None,
    facts: FactsOpt = None,
    spark_conf: SparkConfOpt = None,
) -> None:
    """Who gains or loses which measures if CANDIDATE goes live, over the store of the global options
    (or, with --spark-master, over its facts export on Spark)."""
    from jrp.impact import RECENT_DECISIONS, InvalidCandidate, default_as_of, preview
    from jrp.rulesets.loader import RulesetError

    runtime = ctx.find_root().obj
    try:
        file = runtime.library.resolve(candidate)
    except (KeyError, RulesetError) as error:
        raise fail(str(error.args[0] if isinstance(error, KeyError) else error)) from None
    day = as_of or default_as_of(file, runtime.service.today())
    stored = sum(len(page) for page in runtime.facts.iter_subject_ids(10_000))
    try:
        with runner_for(runtime, spark_master, facts, spark_conf, min(stored, sample or stored),
                        "evaluating subjects") as runner:
            report = preview(runtime.library, file, runner, day, sample=sample,
                             recent_decisions=runtime.log.recent(RECENT_DECISIONS))
    except InvalidCandidate as error:
        raise fail(f"the candidate does not validate: fix it before previewing its impact: {error}") from None
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        _print_impact(report)


def _print_impact(report: ImpactReport) -> None:
    from rich.table import Table

    counts = report.counts
    table = Table("measure", "scenario", "role", "jurisdiction", "gained", "lost",
                  title=f"Impact of {report.candidate} on {report.as_of}")
    for key in sorted(counts.gained.keys() | counts.lost.keys(), key=str):
        measure, scenario, role, jurisdiction = key
        table.add_row(measure, scenario, role or "any", jurisdiction, str(counts.gained[key]), str(counts.lost[key]))
    console.print(table)
    shifts = Table("scenario", "role", "jurisdiction", "before", "after", "subjects", title="Outcome shifts")
    for (scenario, role, jurisdiction, before, after), n in sorted(counts.outcome_shifts.items(), key=str):
        shifts.add_row(scenario, role or "any", jurisdiction, before, after, str(n))
    console.print(shifts)
    console.print(f"{counts.subjects} subjects, {counts.evaluations} evaluations in {report.seconds:.1f} s; "
                  f"{len(report.decisions_changed)} of {report.decisions_checked} recent decisions would change",
                  markup=False)
    if report.reason:
        console.print(f"nothing evaluated: {report.reason}", markup=False, soft_wrap=True)
