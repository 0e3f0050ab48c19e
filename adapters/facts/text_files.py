"""Reading the files people hand to the command line (CSV, JSON Lines, JSON): a file that is not text, or not
the JSON it should be, is :class:`UnreadableFile` naming the file (and the line), never a traceback."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

SNIFF_BYTES = 64 * 1024
SAVE_AS = "save it as UTF-8 text (from a spreadsheet: 'Save as… CSV UTF-8')"


class UnreadableFile(ValueError):
    """The file is not UTF-8 text, or not the JSON it should hold; the message names the file and the fix."""


def not_text(path: Path, error: UnicodeDecodeError | None = None, line: int | None = None) -> UnreadableFile:
    where = f" line {line}" if line else ""
    detail = f" (byte 0x{error.object[error.start]:02x})" if error is not None else ""
    return UnreadableFile(f"{path}{where}: not UTF-8 text{detail}; {SAVE_AS}")


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


def read_json(path: Path) -> Any:
    """The JSON document in ``path``; :class:`UnreadableFile` naming the file if it is not one."""
    require_text(path)
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise not_text(path, error) from None
    except (json.JSONDecodeError, RecursionError) as error:
        reason = f"{error.msg} at line {error.lineno}" if isinstance(error, json.JSONDecodeError) else "nested too deep"
        raise UnreadableFile(f"{path}: not valid JSON ({reason})") from None
