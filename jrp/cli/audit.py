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
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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
    """A checkpoint file, or the newest one in a folder; with the public key kept beside it (pinned)."""
    from jrp.adapters.log.crypto.signing import Checkpoint, SignatureError

    if path.is_dir():
        files = sorted(path.glob("checkpoint-*.json"), key=lambda p: int(p.stem.split("-")[1]))
        if not files:
            raise fail(f"{path}: no checkpoint-*.json in this folder")
        path = files[-1]
    try:
        checkpoint = Checkpoint.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, SignatureError) as error:
        raise fail(f"{path}: {error}") from None
    kept = path.parent / PUBLIC_KEY_FILE
    return checkpoint, _pinned(kept) if kept.exists() else {}


def _pinned(public_key_file: Path | None) -> dict:
    """``{key id: key}`` of a public key file: the only key trusted when given."""
    from jrp.adapters.log.crypto.signing import key_id_of, load_public_key

    if public_key_file is None:
        return {}
    try:
        key = load_public_key(public_key_file.read_bytes())
    except (OSError, ValueError) as error:  # SignatureError is a ValueError
        raise fail(f"{public_key_file}: not an Ed25519 public key (PEM) ({' '.join(str(error).split())}); "
                   "`jrp audit public-key` prints the service's") from None
    return {key_id_of(key): key}


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    against: Annotated[Path | None, typer.Option(help="a checkpoint you kept (file, or the folder of "
                                                      "jrp audit checkpoint --out): truncation, rollback and "
                                                      "rewrites since are caught by proof")] = None,
    public_key_file: PublicKeyOpt = None,
) -> None:
    """Verify the whole log: entries, tree, receipts, checkpoints (and a kept one); exit 1 on any problem.

    With ``--public-key`` or a witness folder holding the public key, only that key is trusted."""
    from jrp.adapters.log.verify import foreign_witness

    runtime: Runtime = ctx.obj
    witness, keys = _read_checkpoint(against) if against else (None, {})
    keys.update(_pinned(public_key_file))
    if witness is not None:
        foreign = foreign_witness(witness, runtime.tree.origin)
        if foreign:
            raise _negative(foreign)
        _consistency_by_proof(runtime, witness, keys or {runtime.audit_keys.signing.key_id:
                                                         runtime.audit_keys.signing.public})
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
    """The log's latest checkpoint must prove it extends the witness (RFC 9162 consistency proof); ``keys`` are
    the only trusted ones."""
    from jrp.adapters.log.crypto import merkle
    from jrp.adapters.log.crypto.signing import SignatureError
    from jrp.adapters.log.verify import key_change

    latest = runtime.tree.latest_checkpoint()
    key = keys.get(witness.key_id)
    if key is None:
        raise fail(f"no public key for the witness checkpoint's key {witness.key_id}: give --public-key")
    try:
        witness.verify(key)
        if latest is None or latest.tree_size < witness.tree_size:
            raise SignatureError(f"the log's latest checkpoint ({latest.tree_size if latest else 'none'}) is older "
                                 f"than the witness ({witness.tree_size}): rolled back or truncated")
        if latest.key_id not in keys:
            raise SignatureError(f"the log's latest checkpoint (size {latest.tree_size}) is "
                                 f"{key_change(latest.key_id, keys)}")
        latest.verify(keys[latest.key_id])
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
    path: Annotated[Path, typer.Argument(help="a saved check answer (JSON, with its receipt), a batch answer, a "
                                              "bare receipt, or a saved credit result report (HTML)")],
    public_key_file: PublicKeyOpt = None,
    offline: Annotated[bool, typer.Option(help="signature and answer only: do not look the decision up in the log "
                                               "(needs --public-key)")] = False,
) -> None:
    """Verify a saved answer: its digest against the one its receipt signs, the signature with the public key;
    online, also each decision's inclusion in the log by proof. A saved report: its page against its seal, its
    number and code against its receipts (online, against the log too). Exit 1 if anything does not verify."""
    from jrp.adapters.log.crypto.signing import SignatureError, verify_answer, verify_receipt
    from jrp.api.report import split_seal

    runtime: Runtime = ctx.obj
    text = _read_text(path)
    sealed = split_seal(text)
    if sealed is not None:
        _verify_report(runtime, *sealed, _receipt_key(runtime, public_key_file, offline), offline)
        return
    items = _signed_answers(path, _parse_json(path, text))
    key = _receipt_key(runtime, public_key_file, offline)
    for answer, found in items:
        try:
            verify_receipt(found, key)
            if answer is not None:
                verify_answer(answer, found)
        except SignatureError as error:
            raise _negative(f"does not verify: {error}") from None
        what = "answer and signature ok" if answer is not None else "signature ok (a bare receipt: no answer to compare)"
        console.print(f"{what}: decision {found['decision_id']}, entry {found['entry_hash']}, {found['time']}, "
                      f"key {found['key_id']}", highlight=False, soft_wrap=True)
    if not offline:
        for _answer, found in items:
            _inclusion(runtime, found, key)


def _read_text(path: Path) -> str:
    """The text of ``path``, or a one-line failure saying what the file is not."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as error:
        raise fail(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise fail(f"{path}: not a text file; give a saved answer or receipt (JSON), or a saved report") from None


def _parse_json(path: Path, text: str) -> dict:
    """A JSON object, or a one-line failure saying what the file is not."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser follows
        raise fail(f"{path}: not JSON ({error}) nor a saved report; give a saved answer or receipt") from None
    if not isinstance(data, dict):
        raise fail(f"{path}: not a JSON object; give a saved answer or receipt")
    return data


def _verify_report(runtime: Runtime, seal: dict, page: str, key: Ed25519PublicKey, offline: bool) -> None:
    """A saved credit result report: offline its page, number, code and receipts against its seal; online also
    its code recomputed from the log and each decision's inclusion."""
    from jrp.adapters.log.crypto.report_seal import verify_seal
    from jrp.adapters.log.crypto.signing import SignatureError
    from jrp.api.report import verify_report

    try:
        verify_seal(seal, page, key)
    except SignatureError as error:
        raise _negative(f"the report does not verify: {error}") from None
    number, code = seal["report_number"], seal["verification_code"]
    console.print(f"report {number} (verification code {code}): page, number, code and {len(seal['receipts'])} "
                  "receipt(s) ok", highlight=False, soft_wrap=True)
    if offline:
        return
    found = verify_report(runtime.log, key, code)
    if found is None or found.number != number:
        raise _negative(f"no batch in this log has the report's verification code {code}")
    if not found.genuine:
        raise _negative(f"the log no longer holds the report's decisions as signed: {found.problem}")
    for receipt in seal["receipts"]:
        _inclusion(runtime, receipt, key)


def _signed_answers(path: Path, data: dict) -> list[tuple[dict | None, dict]]:
    """``(answer or None for a bare receipt, receipt)`` of a check answer, each result of a batch answer, or a
    receipt."""
    if isinstance(data.get("results"), list):
        items = [(result, result.get("receipt")) for result in data["results"] if isinstance(result, dict)]
    elif "receipt" in data:
        items = [(data, data["receipt"])]
    else:
        items = [(None, data)] if "signature" in data else []
    if not items or not all(isinstance(found, dict) for _answer, found in items):
        raise fail(f"{path}: holds no receipt; give an answer as jrp returned it, or its receipt")
    return items


def _receipt_key(runtime: Runtime, public_key_file: Path | None, offline: bool) -> Ed25519PublicKey:
    """The key receipts are verified with: the one given, else (online) the service's on file; never made."""
    from jrp.adapters.log.audit_keys import public_key_on_file

    if public_key_file is not None:
        return next(iter(_pinned(public_key_file).values()))
    if offline:
        raise fail("--offline needs --public-key FILE: the service's public key (`jrp audit public-key`, or "
                   "GET /v1/audit/keys)")
    path = runtime.settings.signing_key_path()
    key = public_key_on_file(path)
    if key is None:
        raise fail(f"no signing key at {path}: give --public-key FILE, the service's public key")
    return key


def _inclusion(runtime: Runtime, found: dict, key: Ed25519PublicKey) -> None:
    """The receipt's decision is in the log, under a checkpoint signed by ``key``, by proof."""
    from jrp.adapters.log.crypto import merkle
    from jrp.adapters.log.crypto.signing import SignatureError
    from jrp.adapters.log.tree import NotYetIntegrated

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
        raise _negative(f"inclusion of decision {found['decision_id']} does not verify: {error}") from None
    console.print(f"included: decision {found['decision_id']} at leaf {proof.leaf_index} of the tree of "
                  f"{proof.checkpoint.tree_size} signed {proof.checkpoint.time}", highlight=False, soft_wrap=True)


@audit_app.command("erase-personal-data")
def erase_personal_data(
    ctx: typer.Context,
    today: Annotated[date | None, typer.Option(parser=iso_date, metavar="YYYY-MM-DD",
                                               help="the day to compute the cut-off from (default today)")] = None,
) -> None:
    """Erase natural persons' data older than the retention period (个人信息保护法 art. 47): the decision log's
    originals by deleting their months' keys, the facts store's plaintext by overwriting it with pseudonyms
    (adapters/facts/erasure.py); every hash and proof still verifies."""
    from jrp.adapters.facts.erasure import erase_persons

    runtime: Runtime = ctx.obj
    day = today or datetime.now(UTC).date()
    months = day.year * 12 + day.month - 1 - runtime.settings.personal_data_retention_months
    cutoff = f"{months // 12:04d}-{months % 12 + 1:02d}"
    erased = runtime.log.data_keys.erase_before(cutoff)
    console.print(f"erased the personal-data keys of {len(erased)} month(s) before {cutoff}"
                  + (f": {', '.join(erased)}" if erased else "") + "; their entries, hashes and proofs are unchanged",
                  highlight=False)
    facts = erase_persons(runtime.engine, runtime.audit_keys.personal.pseudonymiser(), date.fromisoformat(f"{cutoff}-01"))
    console.print(str(facts), highlight=False)


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
