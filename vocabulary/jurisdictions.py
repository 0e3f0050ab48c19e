"""Jurisdiction codes: ``CN``, ``CN-JS`` (Jiangsu), ``CN-JS-SZ`` (Suzhou), ``CN-JS-SZ-TC`` (Taicang)…"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=64)
def chain_of(jurisdiction: str) -> tuple[str, ...]:
    """``CN-JS-SZ-TC`` → ``(CN, CN-JS, CN-JS-SZ, CN-JS-SZ-TC)``: national level first."""
    parts = jurisdiction.split("-")
    return tuple("-".join(parts[: depth + 1]) for depth in range(len(parts)))


def parent_of(jurisdiction: str) -> str | None:
    """The next level up, or None for the national level."""
    chain = chain_of(jurisdiction)
    return chain[-2] if len(chain) > 1 else None
