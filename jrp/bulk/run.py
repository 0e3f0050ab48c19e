"""What a bulk run is, wherever it runs (``jrp.bulk.runners``: in-process; ``jrp.bulk.spark``: on Spark):
the runner's protocol, its result, and the error of options that cannot work together."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol

from jrp.bulk.evaluation import BulkJob, T

IN_PROCESS = "in-process"


class BulkSetupError(ValueError):
    """Options that cannot work together (e.g. a cluster master without a facts export it can read)."""


@dataclass(frozen=True)
class BulkRun(Generic[T]):
    """The merged tally, and the selected subject ids the facts did not hold."""

    tally: T
    missing: tuple[str, ...] = ()


class BulkRunner(Protocol):
    description: str  # recorded with screening runs: "in-process" or "spark <master>"

    def subject_ids(self, page_size: int) -> Iterator[list[str]]:
        """Every subject id the runner's facts hold, in id order, a page at a time."""
        ...

    def run(self, job: BulkJob, new_tally: Callable[[], T], selection: Sequence[str] | None = None) -> BulkRun[T]:
        """``job`` over every subject (``selection`` None) or over the selected ids, folded into one tally."""
        ...
