"""Where the full texts of the cited laws are, for checking quoted words."""

from __future__ import annotations

from pathlib import Path

# In a checkout, the shared legal texts sit beside the repository: ../shared/legal.
CHECKOUT_LEGAL_TEXTS = Path(__file__).resolve().parent.parent.parent / "shared" / "legal"


def find_legal_texts(configured: Path | None = None) -> Path | None:
    """The configured folder, else ``../shared/legal`` beside the checkout, else None."""
    if configured is not None:
        return configured
    return CHECKOUT_LEGAL_TEXTS if CHECKOUT_LEGAL_TEXTS.is_dir() else None
