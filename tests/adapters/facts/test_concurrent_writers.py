"""Two processes send conflicting status events on the same records at once (SQLite and PostgreSQL).

For each of 1,000 records one process files an objection while the other completes a
repair. Both events are valid in either order, so both must be stored and both must show
in ``records``; then the projection must equal the replayed history, as the audit and
``jrp audit facts`` (what CI runs after these writers) both report. The writers are the service's (a
``Runtime`` over the store, with its keys), so their events' receipts verify with the service's key.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from jrp.adapters.facts.audit import audit_facts
from jrp.adapters.facts.demo import make_uscc
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.orm import EventRow, RecordRow
from jrp.runtime import Runtime
from jrp.settings import Settings

from .factory import event, listing, penalty

SUBJECTS = 100
RECORDS_PER_SUBJECT = 10
CHUNK = 1  # events per transaction, as two API clients sending one event at a time


def _records() -> list[tuple[str, str]]:
    """(record_id, subject) in the order both writers walk them."""
    subjects = [make_uscc("320500", f"CW{n:06d}") for n in range(SUBJECTS)]
    return [(f"cw-{n}-{r}", subject) for n, subject in enumerate(subjects) for r in range(RECORDS_PER_SUBJECT)]


def _seed(engine) -> None:
    events = [(listing if r % 2 else penalty)(record_id, subject, on="2025-01-10")
              for r, (record_id, subject) in enumerate(_records())]
    report = ingest(engine, events)
    assert report.accepted == len(events), report.items[:3]


def _fire(url: str, data_dir: str, kind: str, go, results) -> None:
    """One writer: ``kind`` on every record, CHUNK records per transaction, from the moment ``go`` is set."""
    engine = Runtime(Settings(database_url=url, data_dir=data_dir)).engine
    records = _records()
    go.wait()
    accepted = 0
    for start in range(0, len(records), CHUNK):
        report = ingest(engine, [event(kind, f"{kind}-{record_id}", subject, "2025-03-01", record_id=record_id)
                                 for record_id, subject in records[start:start + CHUNK]])
        accepted += report.accepted
    engine.dispose()
    results.put((kind, accepted))


def test_conflicting_status_events_from_two_processes_are_both_projected(db_url, tmp_path):
    engine = Runtime(Settings(database_url=db_url, data_dir=tmp_path)).engine
    _seed(engine)
    context = multiprocessing.get_context("spawn")
    go, results = context.Event(), context.Queue()
    writers = [context.Process(target=_fire, args=(db_url, str(tmp_path), kind, go, results))
               for kind in ("objection_filed", "repair_completed")]
    for writer in writers:
        writer.start()
    go.set()
    accepted = dict(results.get(timeout=600) for _ in writers)
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    total = SUBJECTS * RECORDS_PER_SUBJECT
    assert accepted == {"objection_filed": total, "repair_completed": total}

    with engine.connect() as connection:
        stored_events = connection.execute(select(func.count()).select_from(EventRow)).scalar_one()
        both = connection.execute(select(func.count()).select_from(RecordRow).where(
            RecordRow.objection == "open", RecordRow.status == "repaired")).scalar_one()
    assert stored_events == 3 * total
    assert both == total  # no record kept only one of its two changes

    audit = audit_facts(engine)
    assert (audit.records, audit.events, audit.subjects) == (total, 3 * total, SUBJECTS)
    assert audit.differences == []

    cli = subprocess.run([str(Path(sys.executable).parent / "jrp"), "--database-url", db_url, "--data-dir",
                          str(tmp_path), "audit", "facts"],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert f"{total} records" in cli.stdout and "0 differences" in cli.stdout
