"""Ed25519 signatures of the decision log: signed checkpoints (tree heads) and check receipts.

A **checkpoint** says "the log named ``origin`` had ``tree_size`` entries with this root at
this time"; its signed bytes are a short text note (like a C2SP checkpoint). An auditor
keeps checkpoints where the service cannot reach them; a later tree must prove it extends
them (``jrp.adapters.log.crypto.merkle``), so a log cut short, rolled back or rewritten is caught.

A **receipt** is what an approval system keeps in its case file: decision id, entry hash
(the Merkle leaf hash of the stored entry), time, the digest of the answer as returned
(``answer_digest``: SHA-256 of its canonical JSON without the receipt, so an answer whose
outcome or measures were edited no longer matches what was signed) and key id, signed. Signing each receipt
on its own costs ~50–80 µs (more than the rest of a cached check), so the checks written
together in one append share one signature: their receipts are the leaves of a small
Merkle tree (RFC 9162 hashing), the signature covers its root, and each receipt carries
its path to it. Verifying one receipt needs only the receipt and the public key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jrp.adapters.log.crypto import merkle
from jrp.engine.codec import canonical

CHECKPOINT_HEADER = "jrp checkpoint v1"
RECEIPT_HEADER = "jrp receipt v1"


class SignatureError(ValueError):
    """A checkpoint or receipt does not verify; the message says what and why."""


def key_id_of(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of SHA-256 over the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError("the public key is not an Ed25519 key")
    return key


@dataclass(frozen=True)
class SigningKey:
    """The service's Ed25519 key, loaded from a PEM file outside the database."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SignatureError(f"{path}: not an Ed25519 private key")
        return cls(key)

    def save(self, path: Path) -> None:
        """Write the private key (PKCS#8 PEM, readable by its owner only) and ``<path>.pub`` beside it."""
        pem = self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        _write_private(path, pem)
        path.with_name(path.name + ".pub").write_text(public_pem(self.public), encoding="utf-8")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise SignatureError(f"{what} is not base64") from None


def _verify(public: Ed25519PublicKey, signature: bytes, data: bytes, what: str) -> None:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        raise SignatureError(f"{what}: the signature does not verify with key {key_id_of(public)}") from None


# --- checkpoints ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: ``tree_size`` entries with ``root`` at ``time`` (ISO 8601 UTC)."""

    origin: str
    tree_size: int
    root: bytes
    time: str
    key_id: str
    signature: bytes

    def note(self) -> bytes:
        return checkpoint_note(self.origin, self.tree_size, self.root, self.time)

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "tree_size": self.tree_size, "root": self.root.hex(), "time": self.time,
                "key_id": self.key_id, "signature": _b64(self.signature)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        try:
            return cls(str(data["origin"]), int(data["tree_size"]), bytes.fromhex(data["root"]), str(data["time"]),
                       str(data["key_id"]), _unb64(data["signature"], "the checkpoint's signature"))
        except (KeyError, ValueError, TypeError) as error:
            raise SignatureError(f"not a checkpoint: {error}") from None

    def verify(self, public: Ed25519PublicKey) -> None:
        if key_id_of(public) != self.key_id:
            raise SignatureError(f"checkpoint at size {self.tree_size} names key {self.key_id}, "
                                 f"not the pinned key {key_id_of(public)}")
        _verify(public, self.signature, self.note(), f"checkpoint at size {self.tree_size}")


def checkpoint_note(origin: str, tree_size: int, root: bytes, time: str) -> bytes:
    return f"{CHECKPOINT_HEADER}\n{origin}\n{tree_size}\n{root.hex()}\n{time}\n".encode()


def sign_checkpoint(key: SigningKey, origin: str, tree_size: int, root: bytes, time: str) -> Checkpoint:
    signature = key.sign(checkpoint_note(origin, tree_size, root, time))
    return Checkpoint(origin, tree_size, root, time, key.key_id, signature)


# --- receipts --------------------------------------------------------------------------------

def answer_digest(answer: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an answer as returned, in canonical JSON, leaving out its receipt: what a receipt signs
    of it (``jrp.api.presenters.answer_digest_of`` makes the same bytes without parsing)."""
    return hashlib.sha256(canonical({name: value for name, value in answer.items() if name != "receipt"})).hexdigest()


def receipt_leaf(decision_id: str, entry_hash: str, time: str, answer: str | None = None) -> bytes:
    """The leaf of a receipt in its group's tree: what the signature vouches for (receipts signed before answers
    were bound have no ``answer``)."""
    fields = {"decision_id": decision_id, "entry_hash": entry_hash, "time": time}
    if answer is not None:
        fields["answer"] = answer
    return merkle.leaf_hash(canonical(fields))


def receipt_note(key_id: str, group_size: int, group_root: bytes) -> bytes:
    return f"{RECEIPT_HEADER}\n{key_id}\n{group_size}\n{group_root.hex()}\n".encode()


GROUP = 256
"""Receipts per signature at most: a path of ≤ 8 hashes per receipt, a signature per 256 checks of a batch."""


ReceiptItem = tuple[str, str, str] | tuple[str, str, str, str | None]
"""``(decision_id, entry_hash, time[, answer digest])``"""


def sign_receipts(key: SigningKey, items: Sequence[ReceiptItem]) -> list[dict[str, Any]]:
    """Receipts for items written together: one signature per ``GROUP``."""
    key_id = key.key_id
    receipts: list[dict[str, Any]] = []
    for start in range(0, len(items), GROUP):
        group = items[start:start + GROUP]
        levels = _levels([receipt_leaf(*item) for item in group])
        signature = _b64(key.sign(receipt_note(key_id, len(group), levels[-1][0])))
        for index, item in enumerate(group):
            receipt = {"decision_id": item[0], "entry_hash": item[1], "time": item[2]}
            if len(item) > 3 and item[3] is not None:
                receipt["answer"] = item[3]
            receipts.append({**receipt, "key_id": key_id,
                             "group": {"size": len(group), "index": index, "path": _path(levels, index)},
                             "signature": signature})
    return receipts


def compact_receipt(receipt: Mapping[str, Any]) -> str:
    """The stored form of ``receipt`` in its entry's row: what the row does not hold already.

    Its decision id, entry hash (the leaf hash of the stored entry) and time (the entry's ``created_at``) follow
    from the row, so only ``[answer digest, key id, group size, group index, path, signature]`` is kept, the path
    as base64 of its 32-byte nodes joined: ~190 B instead of ~420 for a receipt of its own (JSON: a row written
    before, which keeps its receipt in full, starts with ``{``). ``full_receipt`` gives it back."""
    group = receipt["group"]
    path = b"".join(bytes.fromhex(node) for node in group["path"])
    return orjson.dumps([receipt.get("answer"), receipt["key_id"], group["size"], group["index"], _b64(path),
                         receipt["signature"]]).decode()


def full_receipt(stored: str, entry_id: str, entry_hash: str, time: str) -> dict[str, Any]:
    """The receipt as signed and returned, from its stored form (``compact_receipt``'s, or a receipt stored in full
    by rows written before, returned as stored) and the row's entry id, entry hash and time.

    Given the hash of an entry edited since, a compact receipt no longer verifies."""
    try:
        data = orjson.loads(stored)
    except ValueError:
        raise SignatureError(f"the stored receipt of {entry_id} is not JSON") from None
    if isinstance(data, dict):
        return data
    try:
        answer, key_id, size, index, path, signature = data
        nodes = _unb64(path, "the receipt's path")
        if len(nodes) % 32:
            raise ValueError("its path is not made of 32-byte hashes")
        receipt = {"decision_id": entry_id, "entry_hash": entry_hash, "time": time}
        if answer is not None:
            receipt["answer"] = str(answer)
        return {**receipt, "key_id": str(key_id),
                "group": {"size": int(size), "index": int(index),
                          "path": [nodes[at:at + 32].hex() for at in range(0, len(nodes), 32)]},
                "signature": str(signature)}
    except (ValueError, TypeError) as error:
        raise SignatureError(f"the stored receipt of {entry_id} is not a compact receipt ({error})") from None


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    """The RFC 9162 tree of ``leaves`` level by level: pairs hashed, an odd last node carried up unchanged."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def _path(levels: list[list[bytes]], index: int) -> list[str]:
    """The inclusion proof of leaf ``index``, leaf to root (a carried-up node has no sibling on its level)."""
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling].hex())
        index //= 2
    return path


def receipt_statement(receipt: Mapping[str, Any]) -> tuple[str, bytes, bytes]:
    """``(key_id, signed note, signature)`` of a receipt: its leaf taken up its path to the group's root."""
    try:
        decision_id, entry_hash, time = receipt["decision_id"], receipt["entry_hash"], receipt["time"]
        answer = receipt.get("answer")
        group, key_id = receipt["group"], str(receipt["key_id"])
        size, index = int(group["size"]), int(group["index"])
        path = [bytes.fromhex(h) for h in group["path"]]
        signature = _unb64(receipt["signature"], "the receipt's signature")
    except (KeyError, TypeError, ValueError) as error:
        raise SignatureError(f"not a receipt: missing or malformed {error}") from None
    try:
        group_root = merkle.root_from_inclusion(receipt_leaf(decision_id, entry_hash, time, answer), index, size, path)
    except merkle.ProofError as error:
        raise SignatureError(f"receipt of decision {decision_id}: {error}") from None
    return key_id, receipt_note(key_id, size, group_root), signature


def verify_receipt(receipt: Mapping[str, Any], public: Ed25519PublicKey) -> None:
    """Raise ``SignatureError`` unless ``receipt`` was signed by ``public``'s key as it stands."""
    key_id, note, signature = receipt_statement(receipt)
    if key_id != key_id_of(public):
        raise SignatureError(f"receipt of decision {receipt['decision_id']} names key {key_id}, not {key_id_of(public)}")
    _verify(public, signature, note, f"receipt of decision {receipt['decision_id']}")


def verify_answer(answer: Mapping[str, Any], receipt: Mapping[str, Any]) -> None:
    """Raise ``SignatureError`` unless ``answer`` (as returned, its receipt left out) is the answer ``receipt``
    signed; check the receipt's signature with ``verify_receipt``."""
    signed = receipt.get("answer")
    if signed is None:
        raise SignatureError(f"the receipt of decision {receipt.get('decision_id')} signs no answer (signed before "
                             "receipts bound answers): only the decision's inclusion in the log can be verified")
    found = answer_digest(answer)
    if found != signed:
        raise SignatureError(f"the answer differs from what was signed for decision {receipt.get('decision_id')}: "
                             f"it hashes to {found[:16]}…, the receipt signed {str(signed)[:16]}… (its outcome, "
                             "measures or another field was edited)")
