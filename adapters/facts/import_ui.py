"""Terminal front of :func:`jrp.adapters.facts.importers.import_file`: a rich progress bar and a summary.

Only presentation lives here; the CLI calls :func:`run_import` and tests call
``import_file`` directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine

from jrp.adapters.facts.event_rules import EventContext
from jrp.adapters.facts.identity import mask_resident_id
from jrp.adapters.facts.importers import ImportReport, import_file, require_profile


def run_import(engine: Engine, path: Path | str, profile: str | None = None, *,
               defaults: Mapping[str, Any] | None = None, console: Console | None = None,
               show_rejections: int = 20, context: EventContext | None = None) -> ImportReport:
    """Import ``path`` showing progress, then print the summary table and the first rejections."""
    console = console or Console()
    path = Path(path)
    require_profile(path, profile)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[counts]}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(path.name, total=path.stat().st_size, counts="")

        def advance(position: int, report: ImportReport) -> None:
            progress.update(task, completed=position,
                            counts=f"✓{report.accepted} ={report.duplicate} ✗{report.rejected}")

        report = import_file(engine, path, profile, defaults=defaults, progress=advance, context=context)
        progress.update(task, completed=path.stat().st_size)
    console.print(summary_table(report))
    if report.rejections:
        console.print(rejections_table(report, show_rejections))
    return report


def import_defaults(assignments: Iterable[str]) -> dict[str, str]:
    """``--set ATTRIBUTE=VALUE`` options as import defaults (``domain=environment`` → ``{"domain": "environment"}``)."""
    defaults = {}
    for assignment in assignments:
        attribute, equals, value = assignment.partition("=")
        if not equals or not attribute.strip() or not value.strip():
            raise ValueError(f"--set {assignment!r}: write ATTRIBUTE=VALUE, e.g. --set domain=environment")
        defaults[attribute.strip()] = value.strip()
    return defaults


def summary_table(report: ImportReport) -> Table:
    table = Table(title=f"{Path(report.path).name} ({report.profile})")
    table.add_column("status")
    table.add_column("rows", justify="right")
    table.add_row("[green]accepted", str(report.accepted))
    table.add_row("[yellow]duplicate", str(report.duplicate))
    table.add_row("[red]rejected", str(report.rejected))
    table.add_row("total", str(report.rows))
    for note, count in report.notes.most_common():
        table.add_row(f"[dim]note: {note}", str(count))
    return table


def rejections_table(report: ImportReport, limit: int) -> Table:
    table = Table(title=f"first {min(limit, len(report.rejections))} of {report.rejected} rejected rows")
    for column in ("line", "key", "field", "reason"):
        table.add_column(column)
    for item in report.rejections[:limit]:
        table.add_row(str(item.index), _masked_key(item.idempotency_key or ""), item.field, item.reason)
    return table


def _masked_key(key: str) -> str:
    """Keys may embed a resident ID (profile + doc_no + subject id): never print it whole."""
    return ":".join(mask_resident_id(part) for part in key.split(":"))
