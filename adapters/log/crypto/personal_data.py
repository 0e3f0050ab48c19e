"""Natural persons' data in the decision log: keyed pseudonyms in the entry, originals encrypted beside them.

个人信息保护法 art. 51 asks for encryption and de-identification (去标识化); art. 47 for
deletion once the retention period ends. A log entry cannot be edited without breaking
the tree, so the entry keeps, for each resident ID, natural person's name and birth date,
a **pseudonym** — ``pd:<kind>:<HMAC-SHA256 with the pseudonym key>`` (the same person
gets the same pseudonym, so searches by subject still work) — and the **originals**,
encrypted with AES-256-GCM under the data key of the entry's month (associated data: the
decision id). The hashes cover what is stored (pseudonyms and ciphertext), so
verification needs no key. Erasing a month's data key (crypto-erasure) makes that
month's originals unreadable for good while every hash, proof and receipt still holds.

Keys: one 32-byte master secret in a file outside the database (``JRP_PERSONAL_DATA_KEY_FILE``);
HKDF derives the pseudonym key and the key that wraps the monthly data keys (stored
wrapped in the database, so that erasing one is deleting one row).

Pure: no I/O but reading and writing the key file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from jrp.engine.codec import canonical

TOKEN = re.compile(r"^pd:(id|name|born):[0-9a-f]{32}$")
NATURAL_PERSON = "natural_person"
_RESIDENT_ID = re.compile(r"^\d{6}(?:\d{11}|\*{4,11}\d{0,7})[\dX]$")


class PersonalDataUnavailable(LookupError):
    """The originals of a decision cannot be read: erased after retention, or no key configured."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


@dataclass(frozen=True)
class PersonalDataKey:
    """The master secret and the two keys derived from it."""

    master: bytes

    @property
    def pseudonym_key(self) -> bytes:
        return _derive(self.master, b"jrp pseudonyms v1")

    @property
    def wrapping_key(self) -> bytes:
        return _derive(self.master, b"jrp data keys v1")

    @classmethod
    def generate(cls) -> PersonalDataKey:
        return cls(os.urandom(32))

    @classmethod
    def load(cls, path: Path) -> PersonalDataKey:
        master = base64.b64decode(path.read_text(encoding="ascii").strip())
        if len(master) != 32:
            raise ValueError(f"{path}: the personal-data key must be 32 bytes in base64 (jrp audit init-keys makes one)")
        return cls(master)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.b64encode(self.master).decode() + "\n")

    def pseudonymiser(self) -> Pseudonymiser:
        return Pseudonymiser(self.pseudonym_key)

    def wrap(self, data_key: bytes, period: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self.wrapping_key).encrypt(nonce, data_key, period.encode())

    def unwrap(self, wrapped: bytes, period: str) -> bytes:
        return AESGCM(self.wrapping_key).decrypt(wrapped[:12], wrapped[12:], period.encode())


_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


@lru_cache(maxsize=65_536)
def is_resident_id(value: str) -> bool:
    """A full resident ID with a valid check digit (GB 11643, ISO 7064 MOD 11-2), or one masked as courts publish them.

    Not ``stdnum.cn.ric.is_valid``: it also looks the birth place up in a table, ~0.4 ms a
    call, and this runs on every logged check.
    """
    if len(value) != 18 or not _RESIDENT_ID.match(value):
        return False
    if "*" in value:
        return True
    check = (12 - sum(int(d) * w for d, w in zip(value, _WEIGHTS)) % 11) % 11
    return value[17] == ("X" if check == 10 else str(check)) and "01" <= value[10:12] <= "12"


_MAYBE_PERSONAL = re.compile(rb'"\d{6}[\d*]{11}[\dX]"|"natural_person"')


def may_hold_personal_data(data: bytes) -> bool:
    """False when serialised JSON certainly holds no natural person's data (a quick scan, no parsing)."""
    return _MAYBE_PERSONAL.search(data) is not None


class Pseudonymiser:
    """Replaces natural persons' identifiers, names and birth dates in JSON data with keyed pseudonyms."""

    def __init__(self, key: bytes):
        self._key = key
        self._cache: dict[tuple[str, str], str] = {}

    def token(self, kind: str, value: str) -> str:
        cached = self._cache.get((kind, value))
        if cached is None:
            digest = hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:32]
            cached = f"pd:{kind}:{digest}"
            if len(self._cache) < 100_000:
                self._cache[(kind, value)] = cached
        return cached

    def protect(self, value: Any, originals: dict[str, str]) -> Any:
        """``value`` with personal data pseudonymised; each pseudonym's original is added to ``originals``.

        Resident IDs are recognised wherever they stand; a name and a birth date where they
        describe a natural person (a subject whose type says so, or whose id is a resident ID).
        """
        if isinstance(value, str):
            return self._replace("id", value, originals) if is_resident_id(value) else value
        if isinstance(value, list):
            return [self.protect(item, originals) for item in value]
        return self._protect_object(value, originals) if isinstance(value, dict) else value

    def _protect_object(self, value: dict[str, Any], originals: dict[str, str]) -> dict[str, Any]:
        # Runs over every field of every logged facts snapshot (a 10,000-subject batch walks ~2 million
        # values): numbers, booleans and nulls are kept without a call, strings are decided in place,
        # objects and lists (what JSON holds) walked without going through ``protect``.
        subject_id, identifier = value.get("subject_id"), value.get("id")
        person = (value.get("subject_type", value.get("type")) == NATURAL_PERSON
                  or (isinstance(subject_id, str) and is_resident_id(subject_id))
                  or (isinstance(identifier, str) and is_resident_id(identifier)))
        out = {}
        for name, item in value.items():
            kind = type(item)
            if kind is str:
                if person and item and name == "name":
                    item = self._replace("name", item, originals)
                elif person and name == "birth_date":
                    item = self._replace("born", item, originals)
                elif len(item) == 18 and is_resident_id(item):
                    item = self._replace("id", item, originals)
            elif kind is dict:
                item = self._protect_object(item, originals)
            elif kind is list:
                item = [self._protect_object(element, originals) if type(element) is dict
                        else self.protect(element, originals) for element in item]
            elif not (kind is int or kind is float or kind is bool or item is None):
                item = self.protect(item, originals)  # not from JSON (which gives exact types): the general walk
            out[name] = item
        return out

    def _replace(self, kind: str, value: str, originals: dict[str, str]) -> str:
        if value.startswith("pd:") and TOKEN.match(value):
            return value  # already a pseudonym (an erased person's row): protecting is idempotent
        token = self.token(kind, value)
        originals[token] = value
        return token


def encrypt(originals: Mapping[str, str], data_key: bytes, period: str, decision_id: str) -> dict[str, str]:
    """The sealed originals an entry keeps (``period`` names the data key)."""
    nonce = os.urandom(12)
    sealed = AESGCM(data_key).encrypt(nonce, canonical(dict(originals)), decision_id.encode())
    return {"key": period, "nonce": base64.b64encode(nonce).decode(), "ciphertext": base64.b64encode(sealed).decode()}


def decrypt(sealed: Mapping[str, str], data_key: bytes, decision_id: str) -> dict[str, str]:
    data = AESGCM(data_key).decrypt(base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"]),
                                    decision_id.encode())
    return orjson.loads(data)


def mask(token: str, original: str) -> str:
    """What roles without the right to see natural persons' data are shown instead of ``original``."""
    kind = token.split(":", 2)[1]
    if kind == "id":
        return original[:6] + "*" * 8 + original[-4:] if len(original) == 18 else "*" * len(original)
    if kind == "name":
        return original[:1] + "*" * max(len(original) - 1, 1)
    return "****-**-**"


def view(value: Any, originals: Mapping[str, str] | None, sees_personal_data: bool) -> Any:
    """``value`` as one role may see it: pseudonyms replaced by the originals, masked unless entitled.

    Without originals (erased, or no key) the pseudonyms stay. Every API and console view
    goes through here, so all of them mask the same way.
    """
    def shown(token: str) -> str:
        if originals is None or token not in originals:
            return token
        return originals[token] if sees_personal_data else mask(token, originals[token])

    return _map_tokens(value, shown)


def _map_tokens(value: Any, replace: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return replace(value) if value.startswith("pd:") and TOKEN.match(value) else value
    if isinstance(value, list):
        return [_map_tokens(item, replace) for item in value]
    if isinstance(value, dict):
        return {name: _map_tokens(item, replace) for name, item in value.items()}
    return value
