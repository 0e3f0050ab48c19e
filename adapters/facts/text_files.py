"""Reading the files people hand to the command line (CSV, JSON Lines): a file that is not text is
:class:`UnreadableFile` naming the file (and the line), never a traceback."""

from __future__ import annotations

import codecs
from pathlib import Path

SNIFF_BYTES = 64 * 1024
SAVE_AS = "save it as UTF-8 text (from a spreadsheet: 'Save as… CSV UTF-8')"


class UnreadableFile(ValueError):
    """The file is not UTF-8 text; the message names the file and the fix."""


def not_text(path: Path, error: UnicodeDecodeError, line: int | None = None) -> UnreadableFile:
    """What to say of a file that stopped decoding (at ``line``, if known)."""
    where = f" line {line}" if line else ""
    return UnreadableFile(f"{path}{where}: not UTF-8 text (byte 0x{error.object[error.start]:02x}); {SAVE_AS}")


def require_text(path: Path) -> None:
    """:class:`UnreadableFile` if the start of ``path`` is not UTF-8 text (a binary file, a spreadsheet, GBK…).

    Only the first 64 KiB are read: a file that is text there and breaks later is told at the line
    where it breaks, by its reader.
    """
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if b"\x00" in head:
        raise UnreadableFile(f"{path}: a binary file (it holds NUL bytes), not text; {SAVE_AS}")
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)  # a character cut at the end is fine
    except UnicodeDecodeError as error:
        raise not_text(path, error) from None
