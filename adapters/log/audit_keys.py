"""The service's audit keys: the Ed25519 signing key and the personal-data master secret, from files.

Both live outside the database (``JRP_SIGNING_KEY_FILE``, ``JRP_PERSONAL_DATA_KEY_FILE``;
by default ``<data_dir>/keys/``). Every process of one service — all workers of all
hosts — must read the same two files. ``jrp audit init-keys`` makes them; a server that
finds none makes them on first start (created atomically, so workers starting together
agree on one).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jrp.adapters.log.crypto.personal_data import PersonalDataKey
from jrp.adapters.log.crypto.signing import SigningKey, load_public_key

K = TypeVar("K", SigningKey, PersonalDataKey)


@dataclass(frozen=True)
class AuditKeys:
    signing: SigningKey
    personal: PersonalDataKey


def _load_or_create(path: Path, load: Callable[[Path], K], generate: Callable[[], K]) -> K:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=path.parent)) / path.name
        generate().save(staging)
        try:
            os.link(staging, path)  # atomic: a process racing us either wins or finds ours
            public = staging.with_name(staging.name + ".pub")
            if public.exists():
                os.replace(public, path.with_name(path.name + ".pub"))
        except FileExistsError:
            pass
        finally:
            for leftover in staging.parent.iterdir():
                leftover.unlink()
            staging.parent.rmdir()
    return load(path)


def public_key_on_file(signing_path: Path) -> Ed25519PublicKey | None:
    """The public half of the signing key at ``signing_path`` (its ``.pub`` beside it, else the key itself), or
    None if there is none: for verifiers, who must never make a key."""
    public = signing_path.with_name(signing_path.name + ".pub")
    if public.exists():
        return load_public_key(public.read_bytes())
    return SigningKey.load(signing_path).public if signing_path.exists() else None


def load_or_create(signing_path: Path, personal_path: Path) -> AuditKeys:
    """The keys in these files, made first if missing."""
    return AuditKeys(_load_or_create(signing_path, SigningKey.load, SigningKey.generate),
                     _load_or_create(personal_path, PersonalDataKey.load, PersonalDataKey.generate))
