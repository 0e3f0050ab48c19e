"""``jrp rulesets …``: validate, test and compare the YAML rulesets, and preview a candidate's impact."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jrp.cli_screen import FactsOpt, SparkConfOpt, SparkMasterOpt, runner_for
from jrp.impact import RECENT_DECISIONS, ImpactReport, InvalidCandidate, preview
from jrp.measures_catalog.legal_texts import find_legal_texts
from jrp.rulesets.diff import diff
from jrp.rulesets.library import Library
from jrp.rulesets.loader import Level, RulesetError
from jrp.rulesets.validate import validate
from jrp.runtime import Runtime
from jrp.tester import coverage_of, run_tests

rulesets_app = typer.Typer(help="Validate, test and compare rulesets.", no_args_is_help=True)
console = Console()

RulesetsDir = Annotated[Path | None, typer.Option("--dir", help="rulesets folder (default: the bundled rulesets)")]


def _load(directory: Path | None) -> Library:
    try:
        return Library.load(directory)
    except RulesetError as error:
        for problem in error.problems:
            console.print(str(problem), markup=False, soft_wrap=True)
        console.print(f"[red]{len(error.problems)} errors occurred[/red]")
        raise typer.Exit(1) from None


@rulesets_app.command("validate")
def validate_command(
    directory: RulesetsDir = None,
    legal_texts: Annotated[Path | None, typer.Option(help="folder of legal texts for quote checks")] = None,
) -> None:
    """Check schema, citations, layering, dates and scenario coverage; exit 1 on any error."""
    library = _load(directory)
    problems = validate(library, find_legal_texts(legal_texts))
    for problem in problems:
        console.print(str(problem), markup=False, soft_wrap=True)
    errors = [p for p in problems if p.level is Level.error]
    unverified = sum(1 for p in problems if p.code == "unverified-article")
    console.print(
        f"{len(library.files)} ruleset versions, {len(library.instruments)} instruments: "
        f"{len(errors)} errors, {len(problems) - len(errors)} warnings ({unverified} unverified articles)"
    )
    if errors:
        raise typer.Exit(1)


@rulesets_app.command("test")
def test_command(
    directory: RulesetsDir = None,
    backend: Annotated[str, typer.Option(help="indexed, durable or reference")] = "indexed",
    coverage: Annotated[bool, typer.Option("--coverage", help="per measure: fires / does not fire")] = False,
) -> None:
    """Run the YAML test cases beside each ruleset; exit 1 on a failure (or, with --coverage, a measure untested)."""
    library = _load(directory)
    run = run_tests(library, backend)
    for result in run.failed:
        console.print(f"FAIL {result.location} {result.case.name}", markup=False)
        for failure in result.failures:
            console.print(f"     {failure}", markup=False, soft_wrap=True)
    passed = len(run.results) - len(run.failed)
    console.print(f"{passed} passed, {len(run.failed)} failed")
    uncovered: list[str] = []
    if coverage:
        uncovered = _print_coverage(library, run)
    if run.failed or uncovered:
        raise typer.Exit(1)


def _print_coverage(library: Library, run) -> list[str]:
    cov = coverage_of(run)
    measures = {m.id: m for f in library.live_files for m in f.ruleset.measures}  # withdrawn versions need no tests
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
    uncovered = cov.uncovered(set(measures))
    if uncovered:
        console.print(f"[red]{len(uncovered)} measures lack a firing or a non-firing test:[/red] {', '.join(uncovered)}")
    return uncovered


@rulesets_app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="id@version, or a path to a ruleset YAML file")],
    new: Annotated[str, typer.Argument(help="id@version, or a path to a working copy")],
    directory: RulesetsDir = None,
) -> None:
    """Semantic diff of two ruleset versions; exit 1 if a penalty widens without a new legal basis."""
    library = _load(directory)
    try:
        changes = diff(library.resolve(old), library.resolve(new))
    except (KeyError, RulesetError) as error:
        console.print(str(error), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for change in changes:
        console.print(str(change), markup=False, soft_wrap=True)
    errors = sum(1 for c in changes if c.level is Level.error)
    console.print(f"{len(changes)} changes, {errors} errors")
    if errors:
        raise typer.Exit(1)


@rulesets_app.command("impact")
def impact_command(
    ctx: typer.Context,
    candidate: Annotated[str, typer.Argument(help="path to a ruleset YAML file, or id@version")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="date to compare on, YYYY-MM-DD (default today)")] = None,
    sample: Annotated[int | None, typer.Option(min=1, help="a seeded sample of this many subjects (default: all)")] = None,
    spark_master: SparkMasterOpt = None,
    facts: FactsOpt = None,
    spark_conf: SparkConfOpt = None,
) -> None:
    """Who gains or loses which measures if CANDIDATE goes live, over the store of the global options
    (or, with --spark-master, over its facts export on Spark)."""
    runtime: Runtime = ctx.obj
    try:
        file = runtime.library.resolve(candidate)
    except (KeyError, RulesetError, FileNotFoundError) as error:
        console.print(str(error), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    day = date.fromisoformat(as_of) if as_of else runtime.service.today()
    stored = sum(len(page) for page in runtime.facts.iter_subject_ids(10_000))
    try:
        with runner_for(runtime, spark_master, facts, spark_conf, min(stored, sample or stored),
                        "evaluating subjects") as runner:
            report = preview(runtime.library, file, runner, day, sample=sample,
                             recent_decisions=runtime.log.recent(RECENT_DECISIONS))
    except InvalidCandidate as error:
        for problem in error.problems:
            console.print(str(problem), markup=False, soft_wrap=True)
        console.print("the candidate does not validate: fix it before previewing its impact")
        raise typer.Exit(2) from None
    _print_impact(report)


def _print_impact(report: ImpactReport) -> None:
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
                  f"{len(report.decisions_changed)} of {report.decisions_checked} recent decisions would change")
