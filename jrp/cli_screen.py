"""``jrp screen`` and ``jrp export facts``: bulk screening, in-process or on Apache Spark, and the facts export.

The Spark options are shared with ``jrp rulesets impact``. pyspark and pyarrow come with
the optional extra ``jrp[spark]`` and are imported only by the commands that use them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from jrp.adapters.identity import InvalidIdentifier, validate_subject_id
from jrp.adapters.screenings import ScreeningStore
from jrp.bulk.runners import BulkRunner, BulkSetupError, bulk_runner
from jrp.bulk.screening import ScreeningKey, ScreeningReport, screen
from jrp.engine.compile import CompileError
from jrp.runtime import Runtime
from jrp.vocabulary.scenarios import CheckRole, Scenario

export_app = typer.Typer(help="Export the store for data platforms.", no_args_is_help=True)
console = Console()
progress_console = Console(stderr=True)  # keeps --json output on stdout clean

SparkMasterOpt = Annotated[str | None, typer.Option(
    help="run on Apache Spark at this master (local[2], spark://host:7077, yarn, k8s://…); default: in this process "
         "(Spark needs the spark extra)")]
FactsOpt = Annotated[str | None, typer.Option(
    help="with --spark-master: the facts export Spark reads (`jrp export facts`); default with a local master: "
         "a fresh export in a temporary folder")]
SparkConfOpt = Annotated[list[str] | None, typer.Option(help="a Spark setting KEY=VALUE; repeat")]
CHANGES_SHOWN = 20


def spark_settings(pairs: list[str] | None) -> dict[str, str]:
    settings = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{pair!r}: write KEY=VALUE, e.g. spark.executor.memory=4g",
                                     param_hint="--spark-conf")
        settings[key.strip()] = value.strip()
    return settings


@contextmanager
def runner_for(runtime: Runtime, spark_master: str | None, facts: str | None, spark_conf: list[str] | None,
               total: int, label: str) -> Iterator[BulkRunner]:
    """The runner the options ask for; in-process work shows a progress bar (on stderr)."""
    if facts is not None and "://" not in facts:
        facts = str(Path(facts).resolve())
    try:
        with Progress(console=progress_console, transient=True) as progress:
            task = progress.add_task(label, total=total if spark_master is None else None)
            on_page: Callable[[int], None] = lambda done: progress.update(task, completed=done)
            with bulk_runner(runtime.facts, spark_master, facts, spark_settings(spark_conf), on_page) as runner:
                yield runner
    except ImportError as error:
        console.print(f"{error.name or 'pyspark'} is missing: install the extra, `pip install 'jrp[spark]'`")
        raise typer.Exit(2) from None
    except BulkSetupError as error:
        console.print(str(error), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def read_registry(path: Path) -> list[str]:
    """The distinct subject ids of a registry file, sorted: one per line (``#`` comments), or a CSV's ``id`` column.

    Every malformed line is reported at once, with its line number and how to fix it.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            if path.suffix.lower() == ".csv":
                reader = csv.DictReader(handle)
                if "id" not in (reader.fieldnames or ()):
                    raise typer.BadParameter(f"{path}: the CSV needs an 'id' column (has: {reader.fieldnames})",
                                             param_hint="--registry")
                lines = [(number, row["id"] or "") for number, row in enumerate(reader, start=2)]
            else:
                lines = [(number, line.split("#", 1)[0]) for number, line in enumerate(handle, start=1)]
    except OSError as error:
        raise typer.BadParameter(f"{path}: {error.strerror}", param_hint="--registry") from None
    ids, problems = set(), []
    for number, text in lines:
        if not text.strip():
            continue
        try:
            ids.add(validate_subject_id(text.strip(), "id"))
        except InvalidIdentifier as error:
            problems.append(f"line {number}: {error}")
    if problems:
        raise typer.BadParameter(f"{path}: {len(problems)} malformed ids:\n" + "\n".join(problems),
                                 param_hint="--registry")
    return sorted(ids)


def screen_command(
    ctx: typer.Context,
    scenario: Annotated[Scenario, typer.Option(help="the business process screened for")],
    jurisdiction: Annotated[str, typer.Option(help="jurisdiction whose rules apply, e.g. CN-JS-NT")],
    role: Annotated[CheckRole | None, typer.Option(help="the subjects' role in it")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="date to screen on, YYYY-MM-DD (default today)")] = None,
    registry: Annotated[Path | None, typer.Option(
        help="file of subject ids, one a line (or a CSV with an 'id' column); default: every stored subject")] = None,
    spark_master: SparkMasterOpt = None,
    facts: FactsOpt = None,
    spark_conf: SparkConfOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the whole result as JSON instead of tables")] = False,
    out: Annotated[Path | None, typer.Option(help="also write the whole result (every subject hit) as JSON here")] = None,
) -> None:
    """Re-screen a registry or the whole store: who falls under which measures now, and what changed since last time.

    Not written to the decision log: screening decides no case (`jrp check` and `jrp batch` do, and are logged).

    Runs are kept in the store: the next one of the same scenario, role and jurisdiction is compared with the last.
    """
    runtime: Runtime = ctx.obj
    if jurisdiction not in runtime.library.jurisdictions:
        raise typer.BadParameter(f"unknown {jurisdiction}; known: {', '.join(runtime.library.jurisdictions)}",
                                 param_hint="--jurisdiction")
    try:
        day = date.fromisoformat(as_of) if as_of else runtime.service.today()
    except ValueError:
        raise typer.BadParameter(f"{as_of!r}: write a date as YYYY-MM-DD", param_hint="--as-of") from None
    ids = read_registry(registry) if registry is not None else None
    runtime.migrate()
    total = len(ids) if ids is not None else sum(len(page) for page in runtime.facts.iter_subject_ids(10_000))
    key = ScreeningKey(scenario.value, role.value if role else None, jurisdiction)
    try:
        with runner_for(runtime, spark_master, facts, spark_conf, total, "screening subjects") as runner:
            report = screen(runtime.library, key, day, runner, ScreeningStore(runtime.engine), registry=ids,
                            registry_name=registry.name if registry else "")
    except CompileError as error:
        console.print(f"{error}; `jrp rulesets validate` explains more", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    document = report.as_json()
    if out is not None:
        out.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    _print_screening(report, out)


def _print_screening(report: ScreeningReport, out: Path | None) -> None:
    run, previous = report.run, report.previous
    role = f" / {run.role}" if run.role else ""
    console.print(f"screening {run.run_id}: {run.scenario}{role} in {run.jurisdiction} on {run.as_of}, "
                  f"{run.subjects:,} subjects ({run.population}{' ' + run.registry if run.registry else ''}), "
                  f"{run.hits:,} hit; {run.engine}, {report.seconds:.1f} s — not written to the decision log")
    if report.unknown:
        shown = ", ".join(report.unknown[:10]) + (" …" if len(report.unknown) > 10 else "")
        console.print(f"[yellow]{len(report.unknown)} registry ids are not in the store:[/yellow] {shown}")
    outcomes = Table("outcome", "subjects", title="Outcomes now")
    for outcome in ("deny", "restrict", "review", "allow"):
        outcomes.add_row(outcome, f"{report.outcomes()[outcome]:,}")
    console.print(outcomes)
    measures = Table(title="Measures")
    measures.add_column("measure", no_wrap=True)
    measures.add_column("kind", no_wrap=True)
    measures.add_column("name", overflow="ellipsis", max_width=24)
    counts = ("subjects", "review", "gained", "lost") if previous else ("subjects", "review")
    for name in counts:
        measures.add_column(name, justify="right", no_wrap=True)
    for row in report.measures():
        measures.add_row(row["measure_id"], row["kind"], row["name"], *(f"{row[name]:,}" for name in counts))
    console.print(measures)
    if previous is None:
        console.print("first screening of this scenario, role and jurisdiction: nothing to compare with")
    else:
        rules = "same rules" if previous.bundle_hash == run.bundle_hash else "rules changed since"
        console.print(f"compared with screening {previous.run_id} of {previous.as_of} ({rules}): "
                      f"{len(report.changes):,} subjects changed")
        if report.changes:
            _print_changes(report)
        if len(report.changes) > CHANGES_SHOWN:
            console.print(f"… and {len(report.changes) - CHANGES_SHOWN:,} more (all of them with --json or --out)")
    if out is not None:
        console.print(f"written to {out}")


def _print_changes(report: ScreeningReport) -> None:
    shifts = Table("before", "after", "subjects", title="Outcome changes")
    for shift in report.outcome_shifts():
        shifts.add_row(shift["before"], shift["after"], f"{shift['subjects']:,}")
    console.print(shifts)
    changes = Table("subject", "before", "after", "gained", "lost", title="Changes")
    for change in report.changes[:CHANGES_SHOWN]:
        changes.add_row(change.subject_id, change.before.outcome, change.after.outcome, ", ".join(change.gained),
                        ", ".join(change.lost))
    console.print(changes)


@export_app.command("facts")
def export_facts_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="folder to create (must not exist, or be empty)")],
    rows_per_file: Annotated[int, typer.Option(min=1, help="subjects per Parquet file")] = 20_000,
    page_size: Annotated[int, typer.Option(min=1, help="subjects read from the store at a time (one row group)")] = 2_000,
) -> None:
    """Every stored subject's facts to Parquet files (one row per subject: id, facts version, facts as JSON)."""
    runtime: Runtime = ctx.obj
    try:
        from jrp.bulk.export import ExportExists, export_facts
    except ImportError as error:
        console.print(f"{error.name} is missing: install the extra, `pip install 'jrp[spark]'`")
        raise typer.Exit(2) from None
    total = sum(len(page) for page in runtime.facts.iter_subject_ids(10_000))
    try:
        with Progress(console=progress_console, transient=True) as progress:
            task = progress.add_task("exporting facts", total=total)
            report = export_facts(runtime.facts, out.resolve(), rows_per_file=rows_per_file, page_size=page_size,
                                  progress=lambda done: progress.update(task, completed=done))
    except ExportExists as error:
        console.print(str(error), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"exported {report.subjects:,} subjects to {report.directory}: {report.files} files, "
                  f"{report.bytes / 2**20:,.1f} MiB in {report.seconds:.1f} s")
