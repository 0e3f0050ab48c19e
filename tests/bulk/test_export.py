"""The facts export: every subject once, in id order, its facts exactly as the store gives them, never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jrp.adapters.facts.source import FactsStore
from jrp.adapters.store.database import make_engine, upgrade_database
from jrp.bulk.export import MANIFEST, ExportExists, export_facts
from jrp.bulk.facts_table import FACTS, FACTS_VERSION, FORMAT, SUBJECT_ID, facts_of


def test_the_export_holds_every_subject_once_with_its_facts_and_version(demo_store: FactsStore, tmp_path: Path) -> None:
    out = tmp_path / "facts"
    report = export_facts(demo_store, out, rows_per_file=150, page_size=50)
    ids = [i for page in demo_store.iter_subject_ids(1000) for i in page]
    assert report.subjects == len(ids) and report.files == len(list(out.glob("*.parquet"))) > 1
    table = pq.read_table(out)
    assert table.column(SUBJECT_ID).to_pylist() == ids  # files and rows in id order
    stored = demo_store.load_many(ids)
    for subject_id, version, text in zip(ids, table.column(FACTS_VERSION).to_pylist(), table.column(FACTS).to_pylist()):
        assert facts_of(text) == stored[subject_id] and version == stored[subject_id].version
    first = pq.ParquetFile(next(iter(sorted(out.glob("*.parquet")))))
    assert first.metadata.num_row_groups == 3 and first.metadata.num_rows == 150  # a row group per page read
    assert first.schema_arrow.metadata[b"jrp.format"] == FORMAT.encode()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["subjects"] == len(ids) and len(manifest["files"]) == report.files
    assert not out.with_name("facts.partial").exists()


def test_an_existing_export_is_never_overwritten(demo_store: FactsStore, tmp_path: Path) -> None:
    out = tmp_path / "facts"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportExists, match="not empty"):
        export_facts(demo_store, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_an_empty_store_exports_an_empty_table_with_the_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jrp.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    report = export_facts(FactsStore(engine), tmp_path / "facts")
    engine.dispose()
    table = pq.read_table(tmp_path / "facts")
    assert report.subjects == 0 and table.num_rows == 0
    assert table.column_names == [SUBJECT_ID, FACTS_VERSION, FACTS]
