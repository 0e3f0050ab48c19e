"""``jrp screen`` and ``jrp export facts``: bulk screening, in-process or on Apache Spark, and the facts export.

The Spark options are shared with ``jrp rulesets impact``. pyspark and pyarrow come with
the optional extra ``jrp[spark]`` and are imported only by the commands that use them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from jrp.cli.errors import fail, iso_date
from jrp.vocabulary.scenarios import CheckRole, Scenario

if TYPE_CHECKING:  # imported when a command runs: `jrp --help` loads no database stack
    from jrp.bulk.run import BulkRunner
    from jrp.bulk.screening import ScreeningReport
    from jrp.runtime import Runtime

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
            raise fail(f"--spark-conf {pair!r}: write KEY=VALUE, e.g. spark.executor.memory=4g")
        settings[key.strip()] = value.strip()
    return settings


@contextmanager
def runner_for(runtime: Runtime, spark_master: str | None, facts: str | None, spark_conf: list[str] | None,
               total: int, label: str) -> Iterator[BulkRunner]:
    """The runner the options ask for; in-process work shows a progress bar (on stderr)."""
    from rich.progress import Progress

    from jrp.bulk.run import BulkSetupError
    from jrp.bulk.runners import bulk_runner

    if facts is not None and "://" not in facts:
        facts = str(Path(facts).resolve())
    try:
        with Progress(console=progress_console, transient=True) as progress:
            task = progress.add_task(label, total=total if spark_master is None else None)
            on_page: Callable[[int], None] = lambda done: progress.update(task, completed=done)
            with bulk_runner(runtime.facts, spark_master, facts, spark_settings(spark_conf), on_page) as runner:
                yield runner
    except ImportError as error:
        raise fail(f"{error.name or 'pyspark'} is missing: install the extra, `pip install 'jrp[spark]'`") from None
    except BulkSetupError as error:
        raise fail(str(error)) from None


def read_registry(path: Path) -> list[str]:
    """The distinct subject ids of a registry file, sorted: one per line (``#`` comments), or a CSV's ``id`` column.

    Every malformed line is reported at once, with its line number and how to fix it.
    """
    import csv

    from jrp.adapters.facts.identity import InvalidIdentifier, validate_subject_id

    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            if path.suffix.lower() == ".csv":
                reader = csv.DictReader(handle)
                if "id" not in (reader.fieldnames or ()):
                    raise fail(f"--registry {path}: the CSV needs an 'id' column (it has {reader.fieldnames})")
                lines = [(number, row["id"] or "") for number, row in enumerate(reader, start=2)]
            else:
                lines = [(number, line.split("#", 1)[0]) for number, line in enumerate(handle, start=1)]
    except OSError as error:
        raise fail(f"--registry {path}: {error.strerror}") from None
    ids, problems = set(), []
    for number, text in lines:
        if not text.strip():
            continue
        try:
            ids.add(validate_subject_id(text.strip(), "id"))
        except InvalidIdentifier as error:
            problems.append(f"line {number}: {error}")
    if problems:
        raise fail(f"--registry {path}: {len(problems)} malformed ids: " + "; ".join(problems))
    return sorted(ids)


def screen_command(
    ctx: typer.Context,
    scenario: Annotated[Scenario, typer.Option(help="the business process screened for")],
    jurisdiction: Annotated[str, typer.Option(help="jurisdiction whose rules apply, e.g. CN-JS-NT")],
    role: Annotated[CheckRole | None, typer.Option(help="the subjects' role in it")] = None,
    as_of: Annotated[date | None, typer.Option("--as-of", parser=iso_date, metavar="YYYY-MM-DD",
                                               help="date to screen on (default today)")] = None,
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
    from jrp.adapters.screenings import ScreeningStore
    from jrp.bulk.screening import ScreeningKey, screen
    from jrp.engine.compile import CompileError

    runtime: Runtime = ctx.find_root().obj
    if jurisdiction not in runtime.library.jurisdictions:
        raise fail(f"--jurisdiction {jurisdiction}: unknown; known: {', '.join(runtime.library.jurisdictions)}")
    day = as_of or runtime.service.today()
    ids = read_registry(registry) if registry is not None else None
    runtime.migrate()
    total = len(ids) if ids is not None else sum(len(page) for page in runtime.facts.iter_subject_ids(10_000))
    key = ScreeningKey(scenario.value, role.value if role else None, jurisdiction)
    try:
        with runner_for(runtime, spark_master, facts, spark_conf, total, "screening subjects") as runner:
            report = screen(runtime.library, key, day, runner, ScreeningStore(runtime.engine), registry=ids,
                            registry_name=registry.name if registry else "")
    except CompileError as error:
        raise fail(f"{error}; `jrp rulesets validate` explains more") from None
    document = report.as_json()
    if out is not None:
        out.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    _print_screening(report, out)


def _print_screening(report: ScreeningReport, out: Path | None) -> None:
    from rich.table import Table

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
    from rich.table import Table

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
    from rich.progress import Progress

    runtime: Runtime = ctx.find_root().obj
    try:
        from jrp.bulk.export import ExportExists, export_facts
    except ImportError as error:
        raise fail(f"{error.name} is missing: install the extra, `pip install 'jrp[spark]'`") from None
    total = sum(len(page) for page in runtime.facts.iter_subject_ids(10_000))
    try:
        with Progress(console=progress_console, transient=True) as progress:
            task = progress.add_task("exporting facts", total=total)
            report = export_facts(runtime.facts, out.resolve(), rows_per_file=rows_per_file, page_size=page_size,
                                  progress=lambda done: progress.update(task, completed=done))
    except ExportExists as error:
        raise fail(str(error)) from None
    console.print(f"exported {report.subjects:,} subjects to {report.directory}: {report.files} files, "
                  f"{report.bytes / 2**20:,.1f} MiB in {report.seconds:.1f} s")
