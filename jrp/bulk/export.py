"""``jrp export facts``: every stored subject's facts to a folder of Parquet files for Spark.

The store is read a page of subjects at a time (``load_many``: three queries a page)
and each page is written as one row group, so memory stays flat whatever the store's
size. Files hold ``rows_per_file`` subjects each, in id order, so Spark reads them (and
their row groups) in parallel. The folder is written under ``<name>.partial`` and
renamed when complete: an interrupted export never looks like a finished one, and an
existing export is never overwritten.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jrp.bulk.facts_table import FACTS, FACTS_VERSION, FORMAT, SUBJECT_ID, row_of
from jrp.ports import SubjectPages

SCHEMA = pa.schema([(SUBJECT_ID, pa.string()), (FACTS_VERSION, pa.string()), (FACTS, pa.string())],
                   metadata={"jrp.format": FORMAT})
MANIFEST = "_jrp_export.json"  # Spark skips files whose name starts with "_"


class ExportExists(FileExistsError):
    """The destination already holds files: exports never overwrite."""


@dataclass(frozen=True)
class ExportReport:
    directory: Path
    subjects: int
    files: int
    bytes: int
    seconds: float


def export_facts(source: SubjectPages, directory: Path, *, rows_per_file: int = 20_000, page_size: int = 2_000,
                 progress: Callable[[int], None] = lambda done: None) -> ExportReport:
    """Write every subject's facts under ``directory`` (which must not exist, or be empty)."""
    if rows_per_file < 1 or page_size < 1:
        raise ValueError("rows_per_file and page_size must be at least 1")
    if directory.exists() and any(directory.iterdir()):
        raise ExportExists(f"{directory} is not empty: export to a new folder, or remove the old export first")
    started = time.perf_counter()
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # an interrupted export of ours
    partial.mkdir(parents=True)
    subjects = 0
    with _Files(partial, rows_per_file) as files:
        for page in source.iter_subject_ids(page_size):
            found = source.load_many(page)
            rows = [row_of(found[i]) for i in page if i in found]
            files.write(rows)
            subjects += len(rows)
            progress(subjects)
    (partial / MANIFEST).write_text(json.dumps({
        "format": FORMAT, "subjects": subjects, "files": files.names,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds")}, indent=2), encoding="utf-8")
    if directory.exists():
        directory.rmdir()  # empty, checked above
    partial.rename(directory)
    size = sum(path.stat().st_size for path in directory.iterdir())
    return ExportReport(directory, subjects, len(files.names), size, time.perf_counter() - started)


class _Files:
    """Parquet files of ``rows_per_file`` rows each in ``folder``; each write is one row group per file it reaches."""

    def __init__(self, folder: Path, rows_per_file: int):
        self.folder = folder
        self.rows_per_file = rows_per_file
        self.names: list[str] = []
        self.writer: pq.ParquetWriter | None = None
        self.room = 0  # rows the open file still takes

    def write(self, rows: list[tuple[str, str, str]]) -> None:
        while rows:
            if self.room == 0:
                self._next_file()
            taken, rows = rows[:self.room], rows[self.room:]
            self.writer.write_table(_table(taken))
            self.room -= len(taken)

    def _next_file(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.names.append(f"part-{len(self.names):05d}.parquet")
        self.writer, self.room = pq.ParquetWriter(self.folder / self.names[-1], SCHEMA), self.rows_per_file

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *error: object) -> None:
        if self.writer is None:  # an empty store: one empty file, so readers still find the columns
            self._next_file()
            self.writer.write_table(_table([]))
        self.writer.close()


def _table(rows: list[tuple[str, str, str]]) -> pa.Table:
    if not rows:
        return SCHEMA.empty_table()
    return pa.Table.from_arrays([pa.array(column, pa.string()) for column in zip(*rows)], schema=SCHEMA)
