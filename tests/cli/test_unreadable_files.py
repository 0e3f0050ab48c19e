"""Binary or garbage files handed to `jrp import`, `jrp batch` and `jrp audit receipt` are one line naming the
file and exit status 2, never a traceback; a JSON Lines row no field can hold is a rejected row with its path."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.cli.conftest import Run

GARBAGE = {
    "binary": bytes(random.Random(7).randrange(256) for _ in range(4096)),
    "gbk": "被执行人,身份证号\n王建国,3205\n".encode("gbk"),
    "late": b"id\n" + b"91320508MA1X000178\n" * 5000 + b"\xff\xfe\n",  # text for 64 KiB, then not
}
COMMANDS = {
    "import": lambda path: ("import", path),
    "import-profile": lambda path: ("import", path, "--profile", "gsxt-penalties"),
    "batch": lambda path: ("batch", path, "--scenario", "bidding", "--purpose", "x"),
    "receipt": lambda path: ("audit", "receipt", path, "--offline", "--public-key", path),
}
SUFFIX = {"import": ".jsonl", "import-profile": ".csv", "batch": ".csv", "receipt": ".json"}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("content", GARBAGE)
def test_a_file_that_is_not_text_is_one_line_naming_it(jrp: Run, tmp_path: Path, command: str, content: str) -> None:
    path = tmp_path / f"{content}{SUFFIX[command]}"
    path.write_bytes(GARBAGE[content])
    result = jrp(*COMMANDS[command](path))
    if (content, command) == ("late", "import"):  # JSON Lines: the bad line is a rejected row, the others go on
        assert result.exit_code == 1 and "Traceback" not in result.output and isinstance(result.exception, SystemExit)
        return
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stderr.startswith(f"error: {path}") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output


def test_a_receipt_that_is_not_json_is_one_line(jrp: Run, tmp_path: Path) -> None:
    for text in ('{"receipt": ', "[1, 2]", "[" * 10_000):
        path = tmp_path / "receipt.json"
        path.write_text(text, encoding="utf-8")
        result = jrp("audit", "receipt", path, "--offline", "--public-key", path)
        assert result.exit_code == 2 and result.stderr.startswith(f"error: {path}: "), result.stderr


def test_a_json_lines_row_no_field_can_hold_is_rejected_with_its_path(jrp: Run, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"type": "penalty_issued", "amount": Infinity}\n{"raw": {"k": "\\ud800"}}\n', encoding="utf-8")
    result = jrp("import", path)
    assert result.exit_code == 1, result.output
    assert "amount" in result.output and "raw.k" in result.output and "Traceback" not in result.output
