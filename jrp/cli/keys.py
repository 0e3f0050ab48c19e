"""``jrp keys``: create (with an optional expiry), list and revoke API keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

import typer
from rich.console import Console

from jrp.access import IngestScope, Role
from jrp.adapters.facts.event_rules import CHINA
from jrp.runtime import Runtime
from jrp.vocabulary.scenarios import Scenario

keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
console = Console()


def expiry_of(last_day: str | None) -> datetime | None:
    """A key given ``--expires 2026-12-31`` works through that day in China and stops at midnight after it."""
    if last_day is None:
        return None
    try:
        day = date.fromisoformat(last_day)
    except ValueError:
        raise typer.BadParameter(f"{last_day!r}: write the last valid day as YYYY-MM-DD", param_hint="--expires") from None
    return datetime.combine(day + timedelta(days=1), time(), CHINA).astimezone(UTC)


@keys_app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    role: Annotated[Role, typer.Option(help="checker, ingester, maintainer, auditor or admin")],
    scenario: Annotated[list[Scenario] | None, typer.Option(help="checker scope; repeat; none: any")] = None,
    jurisdiction: Annotated[list[str] | None, typer.Option(help="checker scope (and below); repeat; none: any")] = None,
    department: str = "",
    expires: Annotated[str | None, typer.Option(help="last day the key works, YYYY-MM-DD (China time); "
                                                     "none: until revoked")] = None,
    authority: Annotated[list[str] | None, typer.Option(help="ingester scope: an issuing authority whose records "
                                                             "the key writes and changes; repeat")] = None,
    list_: Annotated[list[str] | None, typer.Option("--list", help="ingester scope: a list whose entries the key "
                                                                   "writes and changes; repeat")] = None,
    region: Annotated[list[str] | None, typer.Option(help="ingester scope: limit new records to these regions; "
                                                          "repeat; none: any")] = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    runtime: Runtime = ctx.obj
    unknown = sorted(set(jurisdiction or ()) - set(runtime.library.jurisdictions))
    if unknown:
        raise typer.BadParameter(f"unknown {', '.join(unknown)}; known: {', '.join(runtime.library.jurisdictions)}",
                                 param_hint="--jurisdiction")
    scope = ingest_scope_of(runtime, role, authority or [], list_ or [], region or [])
    expires_at = expiry_of(expires)
    runtime.migrate()
    new = runtime.keys.create_key(name, role, [s.value for s in scenario or ()], jurisdiction or (), department,
                                  expires_at=expires_at, ingest_scope=scope)
    until = f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    console.print(f"key {new.key.key_id} ({new.key.role.value}) for {name}{until}; shown once:")
    typer.echo(new.plaintext)


def ingest_scope_of(runtime: Runtime, role: Role, authorities: list[str], lists: list[str],
                    regions: list[str]) -> IngestScope | None:
    """The scope of a new ingester key: it must name an authority or a list; lists and regions must be known."""
    if role is not Role.ingester:
        given = [name for name, values in (("--authority", authorities), ("--list", lists), ("--region", regions))
                 if values]
        if given:
            raise typer.BadParameter(f"{', '.join(given)} scope ingester keys only; a {role.value} key has none",
                                     param_hint=given[0])
        return None
    if not authorities and not lists:
        raise typer.BadParameter("an ingester key writes for named authorities or lists: give --authority and/or "
                                 "--list (repeatable)", param_hint="--authority")
    context = runtime.event_context
    unknown_lists = sorted(set(lists) - set(context.list_ids or ()))
    if unknown_lists:
        raise typer.BadParameter(f"no ruleset defines {', '.join(unknown_lists)}; known lists: "
                                 f"{', '.join(sorted(context.list_ids or ()))}", param_hint="--list")
    unknown_regions = sorted(set(regions) - set(context.regions or ()))
    if unknown_regions:
        raise typer.BadParameter(context.unknown_region(unknown_regions[0]), param_hint="--region")
    return IngestScope(tuple(dict.fromkeys(authorities)), tuple(dict.fromkeys(lists)), tuple(dict.fromkeys(regions)))


@keys_app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """Every key with its role, scopes, state, expiry and last use (never the key itself)."""
    runtime: Runtime = ctx.obj
    runtime.migrate()
    now = datetime.now(UTC)
    typer.echo(f"{'id':<16}  {'role':<10}  {'state':<7}  {'created':<16}  {'expires':<16}  {'last used':<16}  "
               "name (department), scope; times in UTC")
    for info in runtime.keys.list_keys():
        key = info.key
        scope = "; ".join(filter(None, (", ".join(key.scenarios), ", ".join(key.jurisdictions),
                                        key.ingest_scope and key.ingest_scope.describe()))) or "any"
        if key.role is Role.ingester and key.ingest_scope is None:
            scope += " authority (created before scopes: replace it with a scoped key)"
        typer.echo(f"{key.key_id:<16}  {key.role.value:<10}  {info.state(now):<7}  {_minute(info.created_at):<16}  "
                   f"{_minute(info.expires_at):<16}  {_minute(info.last_used_at):<16}  "
                   f"{key.name} ({key.department or 'no department'}), scope: {scope}")


@keys_app.command("revoke")
def revoke(ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="the key's id, as `jrp keys list` shows")]) -> None:
    """Revoke a key: its next request is refused by every worker, its console sessions end."""
    runtime: Runtime = ctx.obj
    runtime.migrate()
    try:
        info = runtime.keys.revoke(key_id)
    except KeyError as error:
        raise typer.BadParameter(error.args[0], param_hint="KEY_ID") from None
    console.print(f"key {key_id} ({info.key.name}, {info.key.role.value}) revoked at {_minute(info.revoked_at)} UTC")


def _minute(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "—"
