"""``jrp``: serve the API, run checks, batches and replays, verify the log, import, demo, keys.

Every command builds a :class:`jrp.runtime.Runtime` from the same settings the server
uses and calls the same service and presenter functions as the API routes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from jrp.access import terminal_operator
from jrp.cli.audit import audit_app
from jrp.cli.errors import UserErrorsGroup, fail, iso_date
from jrp.cli.keys import keys_app
from jrp.cli.rulesets import rulesets_app
from jrp.cli.screen import export_app, screen_command
from jrp.cli.subscriptions import subscriptions_app
from jrp.runtime import Runtime
from jrp.vocabulary.scenarios import CheckRole, Scenario
from jrp.vocabulary.scope import Consumption, ProjectType

if TYPE_CHECKING:  # the commands import what they use when they run: `jrp --help` loads no web or database stack
    from jrp.api.schemas import CheckOptionsV1, SubjectV1

T = TypeVar("T")

app = typer.Typer(help="Joint rewards and penalties (联合奖惩): silent checks with legal basis.", no_args_is_help=True,
                  cls=UserErrorsGroup, rich_markup_mode=None)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(rulesets_app, name="rulesets")
app.add_typer(export_app, name="export")
app.add_typer(subscriptions_app, name="subscriptions")

ENV = {"data_dir": "JRP_DATA_DIR", "database_url": "DATABASE_URL", "rulesets_dir": "JRP_RULESETS_DIR",
       "config": "JRP_CONFIG"}

ScenarioOpt = Annotated[Scenario, typer.Option(help="the business process asking")]
RoleOpt = Annotated[CheckRole | None, typer.Option(help="the subject's role in it")]
JurisdictionOpt = Annotated[str, typer.Option(help="jurisdiction whose rules apply, e.g. CN-JS-NT")]
AsOfOpt = Annotated[date | None, typer.Option("--as-of", parser=iso_date, metavar="YYYY-MM-DD",
                                              help="date of the check (default today)")]
PurposeOpt = Annotated[str, typer.Option(help="why the check is made (recorded)")]


class ReportLanguage(StrEnum):
    zh = "zh"
    en = "en"


class ReplayRules(StrEnum):
    original = "original"
    current = "current"


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[Path | None, typer.Option(help="folder of the embedded SQLite store [env JRP_DATA_DIR]")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL of the store [env DATABASE_URL]")] = None,
    rulesets_dir: Annotated[Path | None, typer.Option(help="rulesets folder [env JRP_RULESETS_DIR]")] = None,
    config: Annotated[Path | None, typer.Option(help="TOML file of settings (jrp/settings.py) [env JRP_CONFIG]")] = None,
) -> None:
    """Options given here override the environment for every command (and the server's workers)."""
    from jrp.settings import Settings

    given = (("data_dir", data_dir), ("database_url", database_url), ("rulesets_dir", rulesets_dir), ("config", config))
    for name, value in given:
        if value is not None:
            os.environ[ENV[name]] = str(value.resolve() if isinstance(value, Path) else value)  # workers read it
    ctx.obj = Runtime(Settings())


def _options(scenario: Scenario, role: CheckRole | None, as_of: date | None, purpose: str,
             **application: object) -> CheckOptionsV1:
    """The API's check options, validated as the API validates them (a role must belong to the scenario).

    ``application`` is what is applied for (matter, industry, project_type, tender_required, consumption,
    public_safety).
    """
    from jrp.api.schemas import CheckOptionsV1

    return _validated(lambda: CheckOptionsV1(scenario=scenario, role=role, as_of=as_of, purpose=purpose,
                                             **application))


def _subject(subject: str) -> SubjectV1:
    """The subject argument, its check digits verified as the API verifies them."""
    from jrp.api.schemas import SubjectV1

    return _validated(lambda: SubjectV1(id=subject), {"id": "SUBJECT"})


def _validated(make: Callable[[], T], names: dict[str, str] | None = None) -> T:
    """``make()``; a validation error becomes one line naming the options at fault (--role, --purpose…)."""
    from pydantic import ValidationError

    try:
        return make()
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            field = str(item["loc"][0]) if item["loc"] else ""
            option = (names or {}).get(field) or f"--{field.replace('_', '-')}"
            problems.append(f"{option}: {str(item['msg']).removeprefix('Value error, ')}")
        raise fail("; ".join(problems)) from None


def _jurisdiction(runtime: Runtime, jurisdiction: str) -> str:
    if jurisdiction not in runtime.library.jurisdictions:
        raise fail(f"unknown jurisdiction {jurisdiction!r}; known: {', '.join(runtime.library.jurisdictions)}")
    return jurisdiction


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="address to listen on [settings: host, default 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [settings: port, default 8000]")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="worker processes [settings: workers, default 2]")] = None,
) -> None:
    """Migrate the store, then serve the API with uvicorn (each worker builds the app with create_app)."""
    from jrp.serving import run

    runtime: Runtime = ctx.obj
    runtime.migrate()
    runtime.close()
    settings = runtime.settings
    run(settings, host or settings.host, port or settings.port, workers or settings.workers)


@app.command()
def hosts(
    ctx: typer.Context,
    lost: Annotated[bool, typer.Option("--all", help="also processes silent for longer than the heartbeat allows")]
    = False,
) -> None:
    """The serving processes of the store and what they serve with; exit 1 if they do not all agree."""
    import time

    from jrp.hosts import LIVE, listing

    runtime: Runtime = ctx.obj
    now = time.time()
    lines, profiles = listing(runtime.hosts.seen_since(0.0 if lost else now - LIVE), now)
    runtime.close()
    typer.echo("\n".join(lines) if lines else "no live serving process")
    if profiles > 1:
        raise typer.Exit(1)


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
    consumption: Annotated[Consumption | None, typer.Option(help="consumption/travel: what is bought")] = None,
    public_safety: Annotated[bool | None, typer.Option(
        help="licensing: the licence directly concerns public safety, health or life and property")] = None,
) -> None:
    """Check one subject (recorded in the decision log like an API check) and print the answer as JSON."""
    from jrp.api.presenters import answer_digest_of, check_response, to_request

    runtime: Runtime = ctx.obj
    operator = terminal_operator()
    options = _options(scenario, role, as_of, purpose, matter=matter, industry=industry, project_type=project_type,
                       tender_required=tender_required, consumption=consumption, public_safety=public_safety)
    request = to_request(options, _subject(subject), _jurisdiction(runtime, jurisdiction), explain)
    result = runtime.service.check(request, operator.caller(), answer=lambda r: answer_digest_of(r, operator))
    typer.echo(check_response(result, operator).model_dump_json(indent=2, exclude_unset=True))


@app.command()
def batch(
    ctx: typer.Context,
    subjects: Annotated[Path, typer.Argument(help="CSV with a column 'id' (optional: type, name)")],
    scenario: ScenarioOpt,
    purpose: PurposeOpt,
    out: Annotated[Path, typer.Option(help="HTML report to write")] = Path("report.html"),
    lang: Annotated[ReportLanguage, typer.Option(help="language of the report")] = ReportLanguage.zh,
    role: RoleOpt = None,
    jurisdiction: JurisdictionOpt = "CN",
    as_of: AsOfOpt = None,
) -> None:
    """Check every subject of a CSV file in one batch and write the credit result report (HTML)."""
    import csv

    from pydantic import ValidationError

    from jrp.adapters.facts.text_files import UnreadableFile, not_text, require_text
    from jrp.api.presenters import to_request
    from jrp.api.report import render_batch_report
    from jrp.api.schemas import SubjectV1

    runtime: Runtime = ctx.obj
    options = _options(scenario, role, as_of, purpose)
    jurisdiction = _jurisdiction(runtime, jurisdiction)
    refs = []
    require_text(subjects)
    line = 1
    with open(subjects, newline="", encoding="utf-8-sig") as handle:
        try:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    refs.append(SubjectV1(id=row.get("id") or "", type=row.get("type") or None,
                                          name=row.get("name") or ""))
                except ValidationError as error:
                    problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
                    raise fail(f"{subjects} line {line}: {problems}") from None
        except UnicodeDecodeError as error:
            raise not_text(subjects, error, line + 1) from None
        except csv.Error as error:
            raise UnreadableFile(f"{subjects} line {line + 1}: not a CSV row ({error})") from None
    if not refs:
        raise fail(f"{subjects} lists no subject: write a header line with a column 'id', then one subject a line")
    batch_id, results = runtime.service.batch([to_request(options, ref, jurisdiction) for ref in refs],
                                              terminal_operator().caller())
    out.write_text(render_batch_report(runtime.log.batch(batch_id), runtime.library, runtime.audit_keys.signing,
                                       mask_ids=False, language=lang.value), encoding="utf-8")
    outcomes = [r.decision.outcome.value for r in results]
    counts = ", ".join(f"{o}: {outcomes.count(o)}" for o in ("deny", "restrict", "review", "allow"))
    typer.echo(f"batch {batch_id}: {len(results)} subjects ({counts}); report written to {out}")


@app.command()
def replay(
    ctx: typer.Context,
    decision_id: str,
    rules: Annotated[ReplayRules, typer.Option(help="the decision's own rules, or those in force today")] = "original",
) -> None:
    """Re-evaluate a logged decision on its stored facts; exit 1 if the result differs, 2 if it cannot be replayed."""
    runtime: Runtime = ctx.obj
    result = runtime.service.replay(decision_id, rules.value)  # a decision or rules it cannot find: a user error
    for note in result.rules:
        typer.echo(str(note))
    typer.echo("identical" if result.identical else "different:")
    for line in result.differences:
        typer.echo(f"  {line}")
    if not result.identical:
        raise typer.Exit(1)


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Path,
    profile: Annotated[str | None, typer.Option(help="import profile (adapters/facts/profiles); "
                                                      "none: native events")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="ATTRIBUTE=VALUE for every row, e.g. "
                                                   "domain=environment or region=CN-JS; repeat")] = None,
) -> None:
    """Import a CSV or JSON Lines file of events into the store."""
    from rich.console import Console

    from jrp.adapters.facts.import_ui import import_defaults, run_import
    from jrp.adapters.facts.importers import load_profile, require_profile

    runtime: Runtime = ctx.obj
    if not path.is_file():
        raise fail(f"no file {path}")
    try:
        defaults = import_defaults(set_ or ())
    except ValueError as error:
        raise fail(str(error)) from None
    mapping = load_profile(profile) if profile else None  # an unknown profile is told before anything starts
    require_profile(path, mapping)  # a CSV without a profile: the shipped profiles and the best fit
    runtime.migrate()
    report = run_import(runtime.engine, path, mapping, defaults=defaults, console=Console(),
                        context=runtime.event_context)
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
    from rich.console import Console

    from jrp.adapters.access.api_keys import demo_key
    from jrp.adapters.facts.demo import DEMO_SUBJECTS, generate
    from jrp.adapters.facts.ingest import ingest
    from jrp.adapters.log.publications import logged_record_hashes
    from jrp.demo_vocabulary import vocabulary_of
    from jrp.publishing import carry_on_file
    from jrp.serving import run

    console = Console()
    runtime: Runtime = ctx.obj
    runtime.migrate()
    carried = carry_on_file(runtime.library, runtime.publications, logged_record_hashes(runtime.engine),
                            terminal_operator())  # the bundled editions' publications, in the log before any check
    report = ingest(runtime.engine, generate(2025, subjects, 3, vocabulary_of(runtime.library)),
                    context=runtime.event_context)
    remembered = runtime.settings.data_dir / "demo-key"
    key, reused = demo_key(runtime.keys, remembered)
    debtor = DEMO_SUBJECTS["debtor_supplier"].subject_id
    console.print(f"store {runtime.settings.resolved_database_url()}: {report.accepted} events loaded "
                  f"({report.duplicate} already there), {len(carried)} ruleset publications recorded in the log")
    console.print(f"demo key (admin; {'the same as last time' if reused else 'new'}, kept in {remembered}): "
                  f"[bold]{key}[/bold]\n")
    console.print(
        f"curl -s http://127.0.0.1:{port}/v1/checks -H 'X-API-Key: {key}' -H 'Content-Type: application/json' "
        f"-d '{{\"subject\": {{\"id\": \"{debtor}\"}}, \"scenario\": \"government_procurement\", "
        f"\"role\": \"supplier\", \"jurisdiction\": \"CN-JS-NT\", \"purpose\": \"demo bid\"}}'",
        markup=False, soft_wrap=True)
    runtime.close()
    run(runtime.settings, "127.0.0.1", port, workers)


app.command("screen")(screen_command)
