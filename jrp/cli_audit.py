"""``jrp audit facts``: rebuild the facts projection from the event history and report every difference."""

from __future__ import annotations

import typer

from jrp.adapters.facts_audit import audit_facts
from jrp.runtime import Runtime


def facts(ctx: typer.Context, show: int = typer.Option(50, help="differences to print")) -> None:
    """Replay every event and compare with subjects, records and relations; exit 1 on any difference."""
    runtime: Runtime = ctx.obj
    audit = audit_facts(runtime.engine)
    typer.echo(f"{audit.events} events replayed against {audit.subjects} subjects, {audit.records} records, "
               f"{audit.relations} relations: {audit.difference_count} differences")
    for difference in audit.differences[:show]:
        typer.echo(f"  {difference}")
    if not audit.ok:
        raise typer.Exit(1)
