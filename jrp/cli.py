"""``jrp``: serve the API, run checks, batches and replays, verify the log, import, demo, keys.

Every command builds a :class:`jrp.runtime.Runtime` from the same settings the server
uses and calls the same service and presenter functions as the API routes.
"""

from __future__ import annotations

import csv
import getpass
import os
import secrets
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console

from jrp.access import ApiKey, Role
from jrp.adapters.demo import DEMO_SUBJECTS, generate
from jrp.adapters.import_ui import run_import
from jrp.adapters.ingest import ingest
from jrp.api.presenters import check_response
from jrp.api.report import render_batch_report
from jrp.api.routes.checks import to_request
from jrp.api.schemas import CheckOptionsV1, SubjectV1
from jrp.cli_rulesets import rulesets_app
from jrp.cli_screen import export_app, screen_command
from jrp.demo_vocabulary import vocabulary_of
from jrp.runtime import Runtime
from jrp.settings import Settings
from jrp.vocabulary.scenarios import CheckRole, Scenario
from jrp.vocabulary.scope import ProjectType

app = typer.Typer(help="Joint rewards and penalties (联合奖惩): silent checks with legal basis.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="Decision log audits.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(rulesets_app, name="rulesets")
app.add_typer(export_app, name="export")
console = Console()

ENV = {"data_dir": "JRP_DATA_DIR", "database_url": "DATABASE_URL", "rulesets_dir": "JRP_RULESETS_DIR"}

ScenarioOpt = Annotated[Scenario, typer.Option(help="the business process asking")]
RoleOpt = Annotated[CheckRole | None, typer.Option(help="the subject's role in it")]
JurisdictionOpt = Annotated[str, typer.Option(help="jurisdiction whose rules apply, e.g. CN-JS-NT")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="date of the check, YYYY-MM-DD (default today)")]
PurposeOpt = Annotated[str, typer.Option(help="why the check is made (recorded)")]


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[Path | None, typer.Option(help="folder of the embedded SQLite store [env JRP_DATA_DIR]")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL of the store [env DATABASE_URL]")] = None,
    rulesets_dir: Annotated[Path | None, typer.Option(help="rulesets folder [env JRP_RULESETS_DIR]")] = None,
) -> None:
    """Options given here override the environment for every command (and the server's workers)."""
    for name, value in (("data_dir", data_dir), ("database_url", database_url), ("rulesets_dir", rulesets_dir)):
        if value is not None:
            os.environ[ENV[name]] = str(value.resolve() if isinstance(value, Path) else value)  # workers read it
    ctx.obj = Runtime(Settings())


def _share_console_secret() -> None:
    """One console session secret for all of the server's workers (each builds its app from the environment)."""
    os.environ.setdefault("JRP_CONSOLE_SECRET", secrets.token_urlsafe(32))


def _operator() -> ApiKey:
    """The person at the terminal: acts with full rights, recorded under their login name."""
    return ApiKey(f"cli:{getpass.getuser()}", getpass.getuser(), Role.admin, department="command line")


def _options(scenario: Scenario, role: CheckRole | None, as_of: str | None, purpose: str) -> CheckOptionsV1:
    return CheckOptionsV1(scenario=scenario, role=role, as_of=date.fromisoformat(as_of) if as_of else None,
                          purpose=purpose)


@app.command()
def serve(
    ctx: typer.Context,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 2,
) -> None:
    """Migrate the store, then serve the API with uvicorn (each worker builds the app with create_app)."""
    runtime: Runtime = ctx.obj
    runtime.migrate()
    runtime.close()
    _share_console_secret()
    uvicorn.run("jrp.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)


@app.command()
def check(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(help="USCC or resident ID")],
    scenario: ScenarioOpt,
    purpose: PurposeOpt,
    role: RoleOpt = None,
    jurisdiction: JurisdictionOpt = "CN",
    as_of: AsOfOpt = None,
    explain: bool = False,
    matter: Annotated[str | None, typer.Option(help="licence item or matter applied for")] = None,
    industry: Annotated[str | None, typer.Option(help="GB/T 4754 industry code applied for, e.g. C26")] = None,
    project_type: Annotated[ProjectType | None, typer.Option(help="bidding/procurement: what the project is for")] = None,
    tender_required: Annotated[bool | None, typer.Option(help="bidding: the project must be tendered by law")] = None,
) -> None:
    """Check one subject (recorded in the decision log like an API check) and print the answer as JSON."""
    runtime: Runtime = ctx.obj
    operator = _operator()
    options = _options(scenario, role, as_of, purpose).model_copy(update={
        "matter": matter, "industry": industry, "project_type": project_type, "tender_required": tender_required})
    request = to_request(options, SubjectV1(id=subject), jurisdiction, explain)
    result = runtime.service.check(request, operator.caller())
    typer.echo(check_response(result, operator).model_dump_json(indent=2, exclude_unset=True))


@app.command()
def batch(
    ctx: typer.Context,
    subjects: Annotated[Path, typer.Argument(help="CSV with a column 'id' (optional: type, name)")],
    scenario: ScenarioOpt,
    purpose: PurposeOpt,
    out: Annotated[Path, typer.Option(help="HTML report to write")] = Path("report.html"),
    role: RoleOpt = None,
    jurisdiction: JurisdictionOpt = "CN",
    as_of: AsOfOpt = None,
) -> None:
    """Check every subject of a CSV file in one batch and write the credit result report (HTML)."""
    runtime: Runtime = ctx.obj
    refs = []
    with open(subjects, newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                refs.append(SubjectV1(id=row.get("id") or "", type=row.get("type") or None, name=row.get("name") or ""))
            except ValidationError as error:
                problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
                raise typer.BadParameter(f"line {line}: {problems}", param_hint="SUBJECTS") from None
    options = _options(scenario, role, as_of, purpose)
    batch_id, results = runtime.service.batch([to_request(options, ref, jurisdiction) for ref in refs],
                                              _operator().caller())
    out.write_text(render_batch_report(runtime.log.batch(batch_id), mask_ids=False), encoding="utf-8")
    outcomes = [r.decision.outcome.value for r in results]
    counts = ", ".join(f"{o}: {outcomes.count(o)}" for o in ("deny", "restrict", "review", "allow"))
    console.print(f"batch {batch_id}: {len(results)} subjects ({counts}); report written to {out}")


@app.command()
def replay(
    ctx: typer.Context,
    decision_id: str,
    rules: Annotated[str, typer.Option(help="original or current")] = "original",
) -> None:
    """Re-evaluate a logged decision on its stored facts; exit 1 if the result differs."""
    runtime: Runtime = ctx.obj
    result = runtime.service.replay(decision_id, rules)
    console.print("identical" if result.identical else "different:")
    for line in result.differences:
        console.print(f"  {line}", markup=False)
    if not result.identical:
        raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Verify the decision log's hash chain; exit 1 at the first broken link."""
    result = ctx.obj.log.verify()
    if result.ok:
        console.print(f"ok: {result.count} decisions, head {result.head}")
        return
    console.print(f"[red]broken at seq {result.seq} (decision {result.decision_id}):[/red] {result.reason}")
    raise typer.Exit(1)


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Path,
    profile: Annotated[str | None, typer.Option(help="import profile (adapters/profiles); none: native events")] = None,
) -> None:
    """Import a CSV or JSON Lines file of events into the store."""
    runtime: Runtime = ctx.obj
    runtime.migrate()
    report = run_import(runtime.engine, path, profile, console=console)
    if report.rejected:
        raise typer.Exit(1)


@app.command()
def demo(
    ctx: typer.Context,
    subjects: Annotated[int, typer.Option(help="invented subjects besides the fixed ones")] = 200,
    port: int = 8000,
    workers: int = 2,
) -> None:
    """Create a demo store in the data dir, load invented subjects, print a demo key, then serve."""
    runtime: Runtime = ctx.obj
    runtime.migrate()
    report = ingest(runtime.engine, generate(2025, subjects, 3, vocabulary_of(runtime.library)))
    key = runtime.keys.create_key("demo", Role.admin, department="demo").plaintext
    debtor = DEMO_SUBJECTS["debtor_supplier"].subject_id
    console.print(f"store {runtime.settings.resolved_database_url()}: {report.accepted} events loaded "
                  f"({report.duplicate} already there)")
    console.print(f"demo key (admin; shown once): [bold]{key}[/bold]\n")
    console.print(
        f"curl -s http://127.0.0.1:{port}/v1/checks -H 'X-API-Key: {key}' -H 'Content-Type: application/json' "
        f"-d '{{\"subject\": {{\"id\": \"{debtor}\"}}, \"scenario\": \"government_procurement\", "
        f"\"role\": \"supplier\", \"jurisdiction\": \"CN-JS-NT\", \"purpose\": \"demo bid\"}}'",
        markup=False, soft_wrap=True)
    runtime.close()
    _share_console_secret()
    uvicorn.run("jrp.api.app:create_app", factory=True, host="127.0.0.1", port=port, workers=workers,
                log_level="warning")


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    name: str,
    role: Annotated[Role, typer.Option(help="checker, ingester, maintainer, auditor or admin")],
    scenario: Annotated[list[Scenario] | None, typer.Option(help="checker scope; repeat; none: any")] = None,
    jurisdiction: Annotated[list[str] | None, typer.Option(help="checker scope (and below); repeat; none: any")] = None,
    department: str = "",
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    runtime: Runtime = ctx.obj
    unknown = sorted(set(jurisdiction or ()) - set(runtime.library.jurisdictions))
    if unknown:
        raise typer.BadParameter(f"unknown {', '.join(unknown)}; known: {', '.join(runtime.library.jurisdictions)}",
                                 param_hint="--jurisdiction")
    runtime.migrate()
    new = runtime.keys.create_key(name, role, [s.value for s in scenario or ()], jurisdiction or (), department)
    console.print(f"key {new.key.key_id} ({new.key.role.value}) for {name}; shown once:")
    typer.echo(new.plaintext)


app.command("screen")(screen_command)
