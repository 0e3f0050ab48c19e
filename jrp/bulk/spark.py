"""Bulk work on Apache Spark (the only module that imports pyspark; ``pip install 'jrp[spark]'``).

The facts export is read as a DataFrame; each partition's rows are decoded and folded
by ``jrp.bulk.evaluation.fold`` in a Python worker, which compiles the job's bundles
from the content shipped with the job (no rulesets folder is needed there); the
partitions' tallies are merged on the driver. Executors need Python with jrp and its
dependencies installed (a local master uses this very interpreter).
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial, reduce
from pathlib import Path

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

from jrp.bulk.evaluation import BulkJob, T, fold
from jrp.bulk.export import export_facts
from jrp.bulk.facts_table import FACTS, SUBJECT_ID, facts_of
from jrp.bulk.run import BulkRun, BulkSetupError
from jrp.ports import SubjectPages

TALLY = "tally"
_LOCAL = re.compile(r"^local(\[(\d+|\*)(,\d+)?\])?$")


def local_cores(master: str) -> int | None:
    """The cores of a ``local``, ``local[N]`` or ``local[*]`` master; None for a cluster."""
    match = _LOCAL.match(master)
    if match is None:
        return None
    cores = match.group(2)
    if cores is None:
        return 1
    return (os.cpu_count() or 1) if cores == "*" else int(cores)


def session_for(master: str, conf: dict[str, str]) -> SparkSession:
    """A Spark session on ``master``; ``conf`` (``--spark-conf``) overrides jrp's defaults.

    Local masters run their Python workers with this interpreter (unless ``PYSPARK_PYTHON``
    names another: PySpark reads only that variable), talk over the loopback interface
    only and shuffle into as many partitions as they have cores; no web UI, no console
    progress bars.
    """
    settings = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                "spark.sql.execution.arrow.maxRecordsPerBatch": "1000"}  # ~10 MB of facts JSON a batch
    cores = local_cores(master)
    if cores is not None:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # read by the JVM this session starts
        settings |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                     "spark.sql.shuffle.partitions": str(cores)}
    builder = SparkSession.builder.master(master).appName("jrp")
    for key, value in (settings | conf).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


class SparkRunner:
    """Evaluates a facts export on Spark."""

    def __init__(self, session: SparkSession, facts: str):
        self.session = session
        self.facts: DataFrame = session.read.parquet(facts)
        self.description = f"spark {session.sparkContext.master}"

    def subject_ids(self, page_size: int) -> Iterator[list[str]]:
        page: list[str] = []
        for row in self.facts.select(SUBJECT_ID).orderBy(SUBJECT_ID).toLocalIterator():
            page.append(row[0])
            if len(page) == page_size:
                yield page
                page = []
        if page:
            yield page

    def run(self, job: BulkJob, new_tally: Callable[[], T], selection: Sequence[str] | None = None) -> BulkRun[T]:
        facts, missing = self.facts, ()
        if selection is not None:
            wanted = self.session.createDataFrame([(subject_id,) for subject_id in selection], f"{SUBJECT_ID} string")
            facts = facts.join(wanted, SUBJECT_ID, "left_semi")
            absent = wanted.join(self.facts.select(SUBJECT_ID), SUBJECT_ID, "left_anti").collect()
            missing = tuple(sorted(row[0] for row in absent))
        rows = facts.select(FACTS).mapInArrow(partial(_fold_batches, job, new_tally), f"{TALLY} binary").collect()
        tallies = (pickle.loads(row[TALLY]) for row in rows)
        return BulkRun(reduce(lambda merged, part: merged.merge(part), tallies, new_tally()), missing)


def _fold_batches(job: BulkJob, new_tally: Callable[[], T], batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """One partition's tally, pickled into a one-row batch (runs in a Spark Python worker).

    The facts arrive as Arrow batches, not as rows pickled one by one: moving a subject's
    facts from the JVM to Python then cost 67–127 µs a core instead of 174–244 µs here.
    """
    facts = (facts_of(text) for batch in batches for text in batch.column(0).to_pylist())
    yield pa.RecordBatch.from_pydict({TALLY: [pickle.dumps(fold(job, new_tally, facts))]})


@contextmanager
def spark_runner(master: str, conf: dict[str, str], source: SubjectPages, facts: str | None) -> Iterator[SparkRunner]:
    """A runner on ``master`` over the export ``facts``, or over a fresh export of ``source`` (local masters only).

    A session already active in this process (a notebook, the tests) is used and left running.
    """
    if facts is None and local_cores(master) is None:
        raise BulkSetupError(f"--spark-master {master}: the cluster's executors cannot read this machine's temporary "
                             "folder; export with `jrp export facts --out DIR` to storage they share and give --facts DIR")
    if facts is not None and "://" not in facts and not any(Path(facts).glob("*.parquet")):
        raise BulkSetupError(f"--facts {facts}: no facts export there; make one with `jrp export facts --out {facts}`")
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master != master:
        raise BulkSetupError(f"a Spark session on {active.sparkContext.master} is already active in this process; "
                             f"use that master instead of {master}")
    temporary = None if facts is not None else Path(tempfile.mkdtemp(prefix="jrp-facts-"))
    session = session_for(master, conf)
    try:
        if temporary is not None:
            export_facts(source, temporary / "facts")
        yield SparkRunner(session, facts or str(temporary / "facts"))
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        if active is None:
            session.stop()
