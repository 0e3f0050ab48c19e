"""Publishing an edition: what must hold first, the record beside it, and the entry in the decision log.

``jrp rulesets publish`` and the console's approval both ask ``objections`` first, so neither
publishes what the other would refuse: an edition that does not validate (quotes checked against
the legal texts), whose diff against the edition it follows widens a penalty without a new basis,
whose cases fail, leave one of its measures untested or rename one, or that is published already
(a ``Judgement``, as the impact preview gives for a candidate).
The command writes the record beside the edition and logs it; the console logs it only (the
service writes no files); ``carry_on_file`` logs the records on file the log does not hold yet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from jrp.access import ApiKey
from jrp.adapters.log.publication_watch import PublicationWatch
from jrp.adapters.log.publications import LoggedPublication, PublicationLog, publication_entry, record_hash
from jrp.rulesets.candidate import Judgement
from jrp.rulesets.diff import diff
from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.loader import Level, Problem
from jrp.rulesets.publications import Publication, RecordOnFile, append_record
from jrp.rulesets.renames import renames
from jrp.rulesets.validate import validate
from jrp.service import CheckService
from jrp.tester import coverage_of, run_tests

log = logging.getLogger(__name__)


def objections(library: Library, file: RulesetFile, legal_texts: Path | None, today: date) -> Judgement:
    """Why ``file`` may not be published (``errors`` empty: it may), as the impact preview judges a candidate:
    problems located in files, and the errors of its diff against the edition it follows."""
    problems = list(_published_already(library, file))
    tools = library.for_maintainers()  # the edition is a draft yet: judged as the maintainers' tools see it
    problems += [p for p in validate(tools, legal_texts, today) if p.level is Level.error and p.file == file.path]
    problems += _case_problems(tools, file)
    previous = tools.previous(file)
    return Judgement(tuple(problems), previous, tuple(diff(previous, file)) if previous is not None else ())


def _published_already(library: Library, file: RulesetFile) -> Iterator[Problem]:
    for record in library.records_of(file.ref):
        same = record.publication.digest == file.digest
        yield Problem("published-already", record.path, record.line,
                      f"{file.ref.id}@{file.ref.version} is published already"
                      + ("" if same else " with other content: a published edition is never edited; publish the "
                                         "change as a new version"))
    if not library.records_of(file.ref) and library.approved and (file.ref, file.digest) in library.approved:
        yield Problem("published-already", file.path, None,
                      f"{file.ref.id}@{file.ref.version} is published already (in the decision log)")


def _case_problems(library: Library, file: RulesetFile) -> list[Problem]:
    """The cases of its ruleset that fail or cannot run, its measures left untested, its measures renamed."""
    run = run_tests(library)
    problems = [*run.problems,
                *(Problem("case-fails", r.file, r.line, f"case {r.case.name!r} fails: {'; '.join(r.failures)}")
                  for r in run.failed if r.ruleset_id == file.ref.id)]
    measures = {m.id: i for i, m in enumerate(file.ruleset.measures)}
    problems += [Problem("untested-measure", file.path, file.lines.line_of(("measures", measures[m], "id")),
                         f"measure {m} has no case where it fires and one where it does not")
                 for m in coverage_of(run).uncovered(set(measures))]
    problems += [Problem("renamed-measure", file.path, file.lines.line_of(("measures", measures[r.new_id], "id")),
                         r.message) for r in renames(library) if r.edition is file]
    return problems


def publish(log: PublicationLog, file: RulesetFile, publication: Publication, recorded_by: ApiKey, *,
            write_record: bool) -> LoggedPublication | None:
    """Log ``publication`` of ``file`` (None if the same record is logged already) and, from the command line,
    write it beside the edition; the caller has asked ``objections``."""
    logged = log.append(publication_entry(file, publication, recorded_by, "publish" if write_record else "console"))
    if write_record:
        append_record(file.path.parent, file.ref.id, publication)
    return logged


def unlogged_records(library: Library, logged: frozenset[str]) -> list[RecordOnFile]:
    """The records on file, of editions in the library, whose record hash is not among ``logged``."""
    editions = {file.ref for file in library.files}  # a record without its edition: validation warns of it
    return [record for record in library.records
            if record.ref in editions and record_hash(record.ruleset_id, record.publication) not in logged]


def carry_on_file(library: Library, log: PublicationLog, logged: frozenset[str],
                  recorded_by: ApiKey) -> list[LoggedPublication]:
    """Log every record on file the log does not hold yet (e.g. the bundled editions' migration records)."""
    entries = (log.append(publication_entry(library.get(record.ref), record.publication, recorded_by, "on_file"))
               for record in unlogged_records(library, logged))
    return [entry for entry in entries if entry is not None]


class EditionFollower:
    """Makes a worker's checks select an edition published on any host within ``interval`` seconds, as the tracker
    does at its next round (``jrp.adapters.log.publication_watch``): a subscriber is never told of an answer that a
    fresh check would not give yet. Without it a published edition reached checks only when the service restarted."""

    def __init__(self, watch: PublicationWatch, service: CheckService, interval: float):
        self.watch = watch
        self.service = service
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def follow(self) -> bool:
        """Select the editions published since the service's library was read; whether there were any."""
        try:
            library = self.watch.newer(self.service.library)
        except SQLAlchemyError as error:  # the store is away: asked again at the next look
            log.warning("publications not read (%s): checks keep the editions they select", error)
            return False
        if library is None:
            return False
        self.service.use(library)
        log.info("an edition was published: checks select from the rulesets as published now")
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="edition-follower", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.follow()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
