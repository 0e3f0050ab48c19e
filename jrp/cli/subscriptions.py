"""``jrp subscriptions``: tracking from the terminal — create from a file for a key, list, show, delete,
notifications, dead letters and redelivery, and the tracker and dispatcher run in this process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jrp.cli.errors import fail
from jrp.runtime import Runtime

subscriptions_app = typer.Typer(help="Tracking: subscriptions to the answer of a check, their notifications.",
                                no_args_is_help=True)
console = Console()


def _items(path: Path) -> list[dict]:
    """A JSON array, an object ``{"subscriptions": [...]}`` or JSON Lines of the API's subscription items."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return data.get("subscriptions", [data]) if isinstance(data, dict) else data


@subscriptions_app.command("create")
def create(ctx: typer.Context, file: Path,
           owner: Annotated[str, typer.Option(help="the API key id the subscriptions belong to (jrp keys list)")]) -> None:
    """Subscribe for a key to every item of FILE (the items of POST /v1/subscriptions), with its scopes."""
    from jrp.api.presenters import to_request
    from jrp.api.subscription_schemas import SubscriptionsRequestV1
    from jrp.tracking.outbound import RefusedTarget
    from jrp.tracking.tracker import NewSubscription
    from jrp.tracking.watches import Watch

    runtime: Runtime = ctx.obj
    runtime.migrate()
    key = runtime.keys.get(owner)
    if key is None:
        raise fail(f"no active key {owner}: jrp keys list names them")
    body = SubscriptionsRequestV1.model_validate({"subscriptions": _items(file)})
    asked = []
    for index, item in enumerate(body.subscriptions):
        jurisdiction = item.jurisdiction or key.default_jurisdiction
        if not (key.may_use_scenario(item.scenario.value) and key.may_use_jurisdiction(jurisdiction)):
            raise fail(f"item {index}: key {owner} may not check {item.scenario.value} in {jurisdiction}")
        url = item.delivery.webhook_url
        if url is not None:
            try:
                runtime.outbound.check(url)
            except RefusedTarget as refused:
                raise fail(f"item {index}: delivery.webhook_url refused: {refused}") from None
        asked.append(NewSubscription(Watch.of(to_request(item, item.subject, jurisdiction)), key.caller(),
                                     item.watch_until, url))
    made = runtime.tracker.subscribe(asked)
    secret = runtime.webhook_secrets.ensure(owner)
    console.print(f"{len(made)} subscriptions for key {owner}")
    if secret:
        console.print("the key's webhook secret, shown once:")
        typer.echo(secret)


@subscriptions_app.command("list")
def list_subscriptions(ctx: typer.Context, owner: Annotated[str | None, typer.Option(help="one key's only")] = None,
                       limit: int = 100) -> None:
    """Subscriptions, oldest first, with the answer last notified and the next date time may change it."""
    runtime: Runtime = ctx.obj
    table = Table("subscription", "owner", "subject", "scenario", "jurisdiction", "answer", "next change", "webhook")
    for _, s in runtime.subscriptions.page(owner, None, limit):
        table.add_row(s.subscription_id, s.owner_key_id, s.watch.subject.id, s.watch.scenario, s.watch.jurisdiction,
                      s.answer.outcome, str(s.next_change or "-"), s.webhook_url or "-")
    console.print(table)


@subscriptions_app.command("show")
def show(ctx: typer.Context, subscription_id: str) -> None:
    """One subscription and its notifications, as JSON."""
    from jrp.api.routes.subscriptions import subscription_view

    runtime: Runtime = ctx.obj
    found = runtime.subscriptions.get(subscription_id)
    if found is None:
        raise fail(f"no subscription {subscription_id}")
    typer.echo(json.dumps({**subscription_view(found).model_dump(mode="json"),
                           "notifications": runtime.outbox.of_subscription(subscription_id)}, ensure_ascii=False, indent=2))


@subscriptions_app.command("delete")
def delete(ctx: typer.Context, subscription_id: str) -> None:
    """Stop watching (notifications written already are still delivered)."""
    runtime: Runtime = ctx.obj
    if not runtime.subscriptions.delete(subscription_id):
        raise fail(f"no subscription {subscription_id}")
    console.print(f"subscription {subscription_id} deleted")


@subscriptions_app.command("dead-letters")
def dead_letters(ctx: typer.Context, owner: Annotated[str | None, typer.Option()] = None) -> None:
    """Notifications a sink gave up on; exit 1 if there is any."""
    runtime: Runtime = ctx.obj
    table = Table("notification", "subscription", "owner", "sink", "attempts", "last error")
    letters = runtime.outbox.dead_letters(owner)
    for n in letters:
        for d in n["deliveries"]:
            if d["state"] == "dead":
                table.add_row(n["notification_id"], n["subscription_id"], n["owner_key_id"], d["sink"],
                              str(d["attempts"]), d["last_error"] or "")
    console.print(table)
    raise typer.Exit(1 if letters else 0)


@subscriptions_app.command("redeliver")
def redeliver(ctx: typer.Context, notification_id: str) -> None:
    """Send a notification again (its dead letters back to pending), with the same id."""
    runtime: Runtime = ctx.obj
    if runtime.outbox.get(notification_id) is None:
        raise fail(f"no notification {notification_id}")
    console.print(f"{runtime.outbox.redeliver(notification_id)} deliveries of {notification_id} due now")


@subscriptions_app.command("run")
def run(ctx: typer.Context, once: Annotated[bool, typer.Option(help="one round, then deliver what is due, "
                                                                    "then stop")] = False) -> None:
    """The tracker (under its lease) and a dispatcher in this process, as `jrp serve` runs them."""
    runtime: Runtime = ctx.obj
    runtime.migrate()
    if once:
        written = runtime.tracker.run_once()
        sent = asyncio.run(runtime.dispatcher().serve(until_idle=True))
        console.print(f"{written} notifications written, {sent} deliveries made")
        return
    loop, dispatcher = runtime.tracker_loop(), runtime.dispatcher()
    loop.start()
    try:
        asyncio.run(dispatcher.serve())
    except KeyboardInterrupt:
        pass
    finally:
        loop.stop()
