"""Where bulk work runs: in this process over the store (the default), or on Spark over a facts export.

Both runners take the same ``BulkJob`` and tally factory and call the same ``fold``
(``jrp.bulk.evaluation``); they differ only in where the facts come from and how many
tallies are merged. ``bulk_runner`` picks one from the command line's options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from jrp.bulk.evaluation import BulkJob, T, fold
from jrp.bulk.run import IN_PROCESS, BulkRun, BulkRunner, BulkSetupError
from jrp.engine.facts import SubjectFacts
from jrp.ports import SubjectPages


class InProcessRunner:
    """Evaluates in this process, reading the store a page of subjects at a time."""

    description = IN_PROCESS

    def __init__(self, source: SubjectPages, page_size: int = 2000,
                 progress: Callable[[int], None] = lambda done: None):
        self.source = source
        self.page_size = page_size
        self.progress = progress

    def subject_ids(self, page_size: int) -> Iterator[list[str]]:
        return self.source.iter_subject_ids(page_size)

    def run(self, job: BulkJob, new_tally: Callable[[], T], selection: Sequence[str] | None = None) -> BulkRun[T]:
        missing: list[str] = []
        tally = fold(job, new_tally, self._facts(selection, missing))
        return BulkRun(tally, tuple(missing))

    def _facts(self, selection: Sequence[str] | None, missing: list[str]) -> Iterator[SubjectFacts]:
        pages = self.subject_ids(self.page_size) if selection is None else (
            list(selection[start:start + self.page_size]) for start in range(0, len(selection), self.page_size))
        done = 0
        for page in pages:
            found = self.source.load_many(page)
            for subject_id in page:
                if subject_id in found:
                    yield found[subject_id]
                else:
                    missing.append(subject_id)
            done += len(page)
            self.progress(done)


@contextmanager
def bulk_runner(source: SubjectPages, spark_master: str | None = None, facts: str | None = None,
                spark_conf: Mapping[str, str] | None = None,
                progress: Callable[[int], None] = lambda done: None) -> Iterator[BulkRunner]:
    """The in-process runner, or with ``spark_master`` a Spark runner over the export ``facts``.

    Without ``facts`` a local master gets a fresh export of ``source`` in a temporary folder.
    """
    if spark_master is None:
        if facts is not None:
            raise BulkSetupError("--facts is read by Spark: give --spark-master too (in-process work reads the store)")
        yield InProcessRunner(source, progress=progress)
        return
    from jrp.bulk.spark import spark_runner  # pyspark is an optional extra

    with spark_runner(spark_master, dict(spark_conf or {}), source, facts) as runner:
        yield runner
