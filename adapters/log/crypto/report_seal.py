"""The seal of a credit result report (信用信息结果报告): its number, its verification code, and a signature over
the page as printed.

- The **report number** names the batch the report is of: ``JRP-`` and the batch id's first
  twelve hex digits, upper case (short enough to read out on the phone).
- The **verification code** is derived from the batch's receipts: five bytes of the batch id
  (to find the batch) and ten bytes of SHA-256 over every receipt's signed fields (decision id,
  entry hash, time, answer digest), in base32, grouped by four. Whoever holds the report enters
  it at ``GET /v1/reports/verify``: the service recomputes it from the receipts in its log.
- The **seal** signs the number, the code and the digest of the page as rendered (runs of
  whitespace collapsed, the seal itself left out) with the service's key, and carries the
  receipts: ``jrp audit receipt report.html`` checks a saved report offline — a page edited
  after it was made no longer hashes to the digest signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jrp.adapters.log.crypto.signing import SignatureError, SigningKey, key_id_of, verify_receipt
from jrp.engine.codec import canonical

REPORT_HEADER = "jrp report v1"
PREFIX_BYTES, DIGEST_BYTES = 5, 10


def report_number(batch_id: str) -> str:
    return f"JRP-{batch_id[:12].upper()}"


def verification_code(batch_id: str, receipts: Sequence[Mapping[str, Any]]) -> str:
    """The code of the report of batch ``batch_id`` whose decisions have these receipts (in any order)."""
    signed = sorted([r["decision_id"], r["entry_hash"], r["time"], r.get("answer")] for r in receipts)
    digest = hashlib.sha256(f"{REPORT_HEADER}\n{batch_id}\n".encode() + canonical(signed)).digest()
    raw = bytes.fromhex(batch_id[:2 * PREFIX_BYTES]) + digest[:DIGEST_BYTES]
    text = base64.b32encode(raw).decode()
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def batch_prefix(code: str) -> str:
    """The first hex digits of the batch id a code names; ``ValueError`` saying why if it is no code."""
    text = "".join(code.split()).replace("-", "").upper()
    try:
        raw = base64.b32decode(text)
    except (binascii.Error, ValueError):
        raise ValueError("not a verification code: 24 letters and digits (A–Z, 2–7), in groups of four") from None
    if len(raw) != PREFIX_BYTES + DIGEST_BYTES:
        raise ValueError("not a verification code: 24 letters and digits (A–Z, 2–7), in groups of four")
    return raw[:PREFIX_BYTES].hex()


def same_code(code: str, expected: str) -> bool:
    """Whether ``code`` as typed (spaces, dashes, lower case) is ``expected``."""
    return "".join(code.split()).replace("-", "").upper() == expected.replace("-", "")


def content_digest(page: str) -> str:
    """SHA-256 (hex) of a page with every run of whitespace made one space: a printed page's text and markup."""
    return hashlib.sha256(" ".join(page.split()).encode()).hexdigest()


def seal_note(number: str, code: str, digest: str) -> bytes:
    return f"{REPORT_HEADER}\n{number}\n{code}\n{digest}\n".encode()


def sign_seal(key: SigningKey, batch_id: str, receipts: Sequence[Mapping[str, Any]], page: str) -> dict[str, Any]:
    """The seal of ``page`` (rendered without it), the report of batch ``batch_id``."""
    number, code, digest = report_number(batch_id), verification_code(batch_id, receipts), content_digest(page)
    return {"report_number": number, "verification_code": code, "batch_id": batch_id, "content_digest": digest,
            "receipts": list(receipts), "key_id": key.key_id,
            "signature": base64.b64encode(key.sign(seal_note(number, code, digest))).decode()}


def verify_seal(seal: Mapping[str, Any], page: str, public: Ed25519PublicKey) -> None:
    """Raise ``SignatureError`` saying what differs unless ``page`` (the report without its seal) is the page
    sealed, its number and code follow from its receipts, and every signature is ``public``'s."""
    try:
        batch_id, receipts = str(seal["batch_id"]), list(seal["receipts"])
        number, code, digest = seal["report_number"], seal["verification_code"], seal["content_digest"]
        signature = base64.b64decode(seal["signature"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise SignatureError("the report's seal is damaged: it lacks a field or one is malformed") from None
    if content_digest(page) != digest:
        raise SignatureError("the report differs from what was signed: its content was edited after it was made")
    if number != report_number(batch_id) or code != verification_code(batch_id, receipts):
        raise SignatureError("the report's number or verification code does not follow from its receipts")
    if seal.get("key_id") != key_id_of(public):
        raise SignatureError(f"the report is sealed with key {seal.get('key_id')}, not with {key_id_of(public)}")
    for receipt in receipts:
        verify_receipt(receipt, public)
    try:
        public.verify(signature, seal_note(number, code, digest))
    except InvalidSignature:
        raise SignatureError(f"the report's seal does not verify with key {key_id_of(public)}") from None
