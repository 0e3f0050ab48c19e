"""``jrp audit …``: keys, verification of the whole log (against a kept checkpoint), checkpoints for
witnesses, receipts, the erasure of personal data after retention, and the facts projection replayed
from the event history."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from jrp.cli.errors import fail, iso_date

if TYPE_CHECKING:  # imported by the commands that use them: `jrp --help` loads no crypto or database stack
    from jrp.adapters.log.crypto.signing import Checkpoint
    from jrp.approvals import Approval
    from jrp.runtime import Runtime

audit_app = typer.Typer(help="Decision log audits: verify the log, keep checkpoints, check receipts.",
                        no_args_is_help=True)
console = Console()

PUBLIC_KEY_FILE = "public-key.pem"
PublicKeyOpt = Annotated[Path | None, typer.Option("--public-key", help="the service's public key (PEM), kept outside the service")]


def _negative(message: str) -> typer.Exit:
    """A negative result (the log or a receipt does not verify): told in red, exit status 1."""
    console.print(f"[red]{message}[/red]", markup=True, soft_wrap=True, highlight=False)
    return typer.Exit(1)


@audit_app.command("init-keys")
def init_keys(ctx: typer.Context) -> None:
    """Make the signing key and the personal-data key where the settings name them (kept if present)."""
    from jrp.adapters.log.audit_keys import load_or_create

    settings = ctx.obj.settings
    keys = load_or_create(settings.signing_key_path(), settings.personal_data_key_path())
    console.print(f"signing key {keys.signing.key_id}: {settings.signing_key_path()} (public half beside it, .pub)")
    console.print(f"personal-data key: {settings.personal_data_key_path()} — keep both outside the database, "
                  "backed up; every host of the service needs the same two files")


@audit_app.command("public-key")
def public_key(ctx: typer.Context) -> None:
    """Print the service's public key (PEM): give it to auditors and approval systems."""
    from jrp.adapters.log.crypto.signing import public_pem

    typer.echo(public_pem(ctx.obj.audit_keys.signing.public), nl=False)


def _read_checkpoint(path: Path) -> tuple[Checkpoint, dict]:
    """A checkpoint file, or the newest one in a folder; with the public keys kept beside it."""
    from jrp.adapters.log.crypto.signing import Checkpoint, SignatureError, load_public_key

    if path.is_dir():
        files = sorted(path.glob("checkpoint-*.json"), key=lambda p: int(p.stem.split("-")[1]))
        if not files:
            raise fail(f"{path}: no checkpoint-*.json in this folder")
        path = files[-1]
    try:
        checkpoint = Checkpoint.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, SignatureError) as error:
        raise fail(f"{path}: {error}") from None
    keys = {}
    kept = path.parent / PUBLIC_KEY_FILE
    if kept.exists():
        key = load_public_key(kept.read_text(encoding="utf-8"))
        keys[checkpoint.key_id] = key
    return checkpoint, keys


def _pinned(public_key_file: Path | None) -> dict:
    from jrp.adapters.log.crypto.signing import key_id_of, load_public_key

    if public_key_file is None:
        return {}
    key = load_public_key(public_key_file.read_bytes())
    return {key_id_of(key): key}


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    against: Annotated[Path | None, typer.Option(help="a checkpoint you kept (file, or the folder of "
                                                      "jrp audit checkpoint --out): truncation, rollback and "
                                                      "rewrites since are caught by proof")] = None,
    public_key_file: PublicKeyOpt = None,
) -> None:
    """Verify the whole log: entries, tree, receipts, checkpoints (and a kept one); exit 1 on any problem."""
    runtime: Runtime = ctx.obj
    witness, keys = _read_checkpoint(against) if against else (None, {})
    keys.update(_pinned(public_key_file))
    if witness is not None:
        _consistency_by_proof(runtime, witness, keys)
    result = runtime.verify_log(witness, keys)
    for problem in result.problems:
        console.print(f"[red]problem:[/red] {problem}", soft_wrap=True, highlight=False)
    if not result.ok:
        raise _negative(f"broken: {len(result.problems)} problem(s); {result.count} of {result.tree_size} entries "
                    "verified before the first")
    checkpoint = result.checkpoint
    signed = f", checkpoint at size {checkpoint.tree_size} signed {checkpoint.time}" if checkpoint else ""
    publications = f" and {result.publications} ruleset publications" if result.publications else ""
    events = f" and {result.events} events" if result.events else ""
    console.print(f"ok: {result.count - result.publications - result.events} decisions{publications}{events}, "
                  f"root {result.head}{signed}; "
                  f"{result.pending} recorded and not yet in the tree", highlight=False)


@audit_app.command("approvals")
def approvals(
    ctx: typer.Context,
    decision_id: Annotated[str, typer.Argument(help="a logged decision")],
) -> None:
    """Who approved the rules a decision used: for each ruleset version, its publication in the log, the same
    content as the decision's stored rules, both entries proven in the signed tree; exit 1 if one is not."""
    from jrp.adapters.log.tree import NotYetIntegrated
    from jrp.approvals import approvals_of
    from jrp.adapters.log.crypto.signing import SignatureError

    runtime: Runtime = ctx.obj
    try:
        found = approvals_of(runtime, decision_id)
    except NotYetIntegrated as error:
        raise fail(str(error)) from None
    except SignatureError as error:
        raise _negative(f"the checkpoint does not verify: {error}") from None
    checkpoint = found.checkpoint
    console.print(f"decision {decision_id}: leaf {found.decision_leaf} of the tree of checkpoint "
                  f"{checkpoint.tree_size} (signed {checkpoint.time}, key {checkpoint.key_id}): proven",
                  highlight=False, soft_wrap=True)
    for approval in found.approvals:
        console.print(f"  {approval.ref.id}@{approval.ref.version} (content {approval.digest[:12]}…): "
                      f"{_approval_text(approval)}", markup=False, highlight=False, soft_wrap=True)
    unproven = [a for a in found.approvals if not a.proven]
    if unproven or not found.approvals:
        raise _negative(f"{len(unproven)} of {len(found.approvals)} ruleset versions without a proven approval")


def _approval_text(approval: Approval) -> str:
    if approval.publication is None:
        return f"NOT PROVEN: {approval.problem}"
    record, entry = approval.publication.publication, approval.publication.entry
    who = (f"approved by {record.approved_by} on {record.approved_on}, adopted by {record.adopted_by.doc_no} of "
           f"{record.adopted_by.date}, drafted by {record.drafted_by}" if record.adopted_by and record.approved_by
           else "approved before approvals were on record (its migration record says why)")
    when = ("logged before the decision" if approval.logged_before else
            "logged after the decision (carried onto the log)")
    proof = f"NOT PROVEN: {approval.problem}" if approval.problem else "inclusion proven"
    return (f"{who}; publication {entry['publication_id']} at leaf {approval.publication.leaf_index}, "
            f"{when}, recorded by {entry['recorded_by']['name']} ({entry['source']}); {proof}")


def _consistency_by_proof(runtime: Runtime, witness: Checkpoint, keys: dict) -> None:
    """The log's latest checkpoint must prove it extends the witness (RFC 9162 consistency proof)."""
    from jrp.adapters.log.crypto import merkle
    from jrp.adapters.log.crypto.signing import SignatureError

    latest = runtime.tree.latest_checkpoint()
    key = keys.get(witness.key_id)
    if key is None:
        raise fail(f"no public key for the witness checkpoint's key {witness.key_id}: give --public-key")
    try:
        witness.verify(key)
        if latest is None or latest.tree_size < witness.tree_size:
            raise SignatureError(f"the log's latest checkpoint ({latest.tree_size if latest else 'none'}) is older "
                                 f"than the witness ({witness.tree_size}): rolled back or truncated")
        latest.verify(keys.get(latest.key_id) or runtime.audit_keys.signing.public)
        proof = runtime.tree.consistency(witness.tree_size, latest.tree_size)
        merkle.verify_consistency(witness.tree_size, latest.tree_size, witness.root, latest.root, proof)
    except (SignatureError, merkle.ProofError) as error:
        console.print(f"[red]consistency with the witness checkpoint fails:[/red] {error}", soft_wrap=True,
                      highlight=False)
        return  # the full walk below names what and where
    console.print(f"consistent: the log at size {latest.tree_size} extends the witness checkpoint of size "
                  f"{witness.tree_size} (RFC 9162 proof)", highlight=False)


@audit_app.command("checkpoint")
def checkpoint(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="folder the auditor controls (checkpoint-<size>.json and the public key)")],
) -> None:
    """Integrate what is pending, then export the latest signed checkpoint to a witness folder."""
    from jrp.adapters.log.crypto.signing import public_pem

    runtime: Runtime = ctx.obj
    runtime.migrate()
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    latest = runtime.tree.latest_checkpoint()
    if latest is None:
        raise fail("no checkpoint: the log is empty; export one once decisions are logged")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"checkpoint-{latest.tree_size}.json"
    target.write_text(json.dumps(latest.to_json(), indent=2) + "\n", encoding="utf-8")
    key_file = out / PUBLIC_KEY_FILE
    if not key_file.exists():  # pinned at the first export; a later key change shows in verification
        key_file.write_text(public_pem(runtime.audit_keys.signing.public), encoding="utf-8")
    console.print(f"checkpoint of {latest.tree_size} entries, root {latest.root.hex()}, signed {latest.time}: "
                  f"{target}", highlight=False)


@audit_app.command("receipt")
def receipt(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="a receipt (JSON), or a check answer holding one")],
    public_key_file: PublicKeyOpt = None,
    offline: Annotated[bool, typer.Option(help="signature only: do not look the decision up in the log")] = False,
) -> None:
    """Verify a receipt's signature offline with the public key; with the log, also its inclusion by proof."""
    from jrp.adapters.log.crypto import merkle
    from jrp.adapters.log.crypto.signing import SignatureError, load_public_key, verify_receipt
    from jrp.adapters.log.tree import NotYetIntegrated

    runtime: Runtime = ctx.obj
    data = json.loads(path.read_text(encoding="utf-8"))
    found = data.get("receipt", data)
    key = load_public_key(public_key_file.read_bytes()) if public_key_file else runtime.audit_keys.signing.public
    try:
        verify_receipt(found, key)
    except SignatureError as error:
        raise _negative(f"receipt does not verify: {error}") from None
    console.print(f"signature ok: decision {found['decision_id']}, entry {found['entry_hash']}, {found['time']}, "
                  f"key {found['key_id']}", highlight=False)
    if offline:
        return
    try:
        proof = runtime.tree.inclusion(found["decision_id"])
    except KeyError:
        raise _negative(f"decision {found['decision_id']} is not in this log") from None
    except NotYetIntegrated as error:
        raise fail(str(error)) from None
    try:
        proof.checkpoint.verify(key)
        if proof.entry_hash != found["entry_hash"]:
            raise merkle.ProofError(f"the stored entry hashes to {proof.entry_hash}, not to the receipt's entry hash")
        merkle.verify_inclusion(bytes.fromhex(found["entry_hash"]), proof.leaf_index, proof.checkpoint.tree_size,
                                proof.proof, proof.checkpoint.root)
    except (SignatureError, merkle.ProofError) as error:
        raise _negative(f"inclusion does not verify: {error}") from None
    console.print(f"included: leaf {proof.leaf_index} of the tree of {proof.checkpoint.tree_size} signed "
                  f"{proof.checkpoint.time}", highlight=False)


@audit_app.command("erase-personal-data")
def erase_personal_data(
    ctx: typer.Context,
    today: Annotated[date | None, typer.Option(parser=iso_date, metavar="YYYY-MM-DD",
                                               help="the day to compute the cut-off from (default today)")] = None,
) -> None:
    """Crypto-erase natural persons' originals older than the retention period (个人信息保护法 art. 47)."""
    runtime: Runtime = ctx.obj
    day = today or datetime.now(UTC).date()
    months = day.year * 12 + day.month - 1 - runtime.settings.personal_data_retention_months
    cutoff = f"{months // 12:04d}-{months % 12 + 1:02d}"
    erased = runtime.log.data_keys.erase_before(cutoff)
    console.print(f"erased the personal-data keys of {len(erased)} month(s) before {cutoff}"
                  + (f": {', '.join(erased)}" if erased else "") + "; their entries, hashes and proofs are unchanged",
                  highlight=False)


@audit_app.command("facts")
def facts(ctx: typer.Context, show: Annotated[int, typer.Option(help="differences to print")] = 50) -> None:
    """Rebuild subjects, records and relations from the event history; exit 1 on any difference from the store."""
    from jrp.adapters.facts.audit import audit_facts

    runtime: Runtime = ctx.obj
    audit = audit_facts(runtime.engine)
    typer.echo(f"{audit.events} events replayed against {audit.subjects} subjects, {audit.records} records, "
               f"{audit.relations} relations: {audit.difference_count} differences")
    for difference in audit.differences[:show]:
        typer.echo(f"  {difference}")
    if not audit.ok:
        raise typer.Exit(1)
