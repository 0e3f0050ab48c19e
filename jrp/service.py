"""The application layer: silent checks, batches and replays, shared by the API and the CLI.

A check picks the bundle in force for its jurisdiction and date, reads the subject's
facts, evaluates them and records the decision. Results are cached by subject facts
version + bundle hash + scenario + role + date; any new event changes the version and so
misses the cache. In a server the versions come from memory, kept current by the store's
change feed (``jrp.adapters.facts.subject_versions``), so a repeated check reads nothing; a
check given a consistency token (``at_least``: the ``seq`` of an event) first makes the
feed catch up with that event (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from threading import Lock
from typing import Any

from cachetools import LRUCache

from jrp.compact_results import stored_form
from jrp.differences import Difference, compare
from jrp.engine.codec import Snapshot, application_from_json, application_to_json, decision_to_json, facts_from_json
from jrp.engine.compile import CompileError, compile_bundle
from jrp.engine.decide import INSPECTION
from jrp.engine.evaluate import Engine
from jrp.engine.facts import NOTHING_SAID, Application, CheckContext, Subject, SubjectFacts
from jrp.engine.types import Decision, Supervision
from jrp.evaluation import Evaluation
from jrp.ports import ANSWER_DIGEST, UNKNOWN, BundleSource, ChangeStream, DecisionLog, FactsSource
from jrp.rulesets.bundle import Bundle, RulesetRef
from jrp.rulesets.library import Library
from jrp.rulesets.published import RulesNote, notes_on
from jrp.time_ordered_ids import new_time_ordered_id
from jrp.vocabulary.subjects import SubjectType


@dataclass(frozen=True)
class SubjectRef:
    """Who is checked, as the caller names them."""

    id: str
    type: SubjectType | None = None
    name: str = ""


@dataclass(frozen=True)
class CheckRequest:
    """One silent check; ``purpose`` is mandatory (查询使用登记); ``application`` says what is applied for."""

    subject: SubjectRef
    scenario: str
    purpose: str
    role: str | None = None
    jurisdiction: str = "CN"
    as_of: date | None = None
    reference: str = ""
    explain: bool = False
    application: Application = NOTHING_SAID


@dataclass(frozen=True)
class Caller:
    """The approval system or person asking, as identified by its API key."""

    key_id: str
    name: str
    department: str = ""


@dataclass(frozen=True)
class CheckResult:
    decision_id: str
    evaluation: Evaluation
    request: CheckRequest
    as_of: date
    bundle: Bundle
    evaluated_at: datetime
    receipt: dict[str, Any] | None = None  # signed once the decision is in the log

    @property
    def decision(self) -> Decision:
        return self.evaluation.decision

    @property
    def facts(self) -> SubjectFacts:
        return self.evaluation.facts

    @property
    def subject_known(self) -> bool:
        """Whether the store has ever heard of the subject (an unknown one is evaluated with no records)."""
        return self.evaluation.facts.version != UNKNOWN


@dataclass(frozen=True)
class ReplayResult:
    identical: bool
    original: dict[str, Any]
    replayed: dict[str, Any]
    differences: list[Difference] = field(default_factory=list)
    rules: list[RulesNote] = field(default_factory=list)  # how the rules replayed relate to today's files
    bundle_hash: str = ""  # of the rules the replay evaluated


AnswerDigest = Callable[["CheckResult"], str]
"""The digest of the answer a caller is returned for a result (``jrp.api.presenters.answer_digest_of``)."""


class UnknownDecision(LookupError):
    """No decision with that id in the log."""


class RulesUnavailable(LookupError):
    """The rules a decision used are neither stored nor in the rulesets folder any more."""


class IncompleteRules(LookupError):
    """The rules in force for a jurisdiction and date do not form a complete bundle (a maintainer must fix them)."""

    def __init__(self, jurisdiction: str, as_of: date, reason: str):
        self.jurisdiction, self.as_of = jurisdiction, as_of
        super().__init__(f"no complete rules for {jurisdiction} on {as_of}: {reason}; "
                         "the rule maintainers must fix the rulesets (jrp rulesets validate names the problem)")


class TokenAhead(LookupError):
    """A consistency token names an event this store never committed (a token of another store, or made up)."""

    field = "consistency_token"


def _today() -> date:
    return datetime.now(UTC).date()


class CheckService:
    """Checks, batches and replays over one ruleset library, facts source and decision log."""

    def __init__(
        self,
        library: Library,
        facts: FactsSource,
        log: DecisionLog,
        bundles: BundleSource,
        *,
        feed: ChangeStream | None = None,
        backend: str = "indexed",
        cache_size: int = 20_000,
        today: Callable[[], date] = _today,
    ):
        self.library = library
        self.facts = facts
        self.log = log
        self.bundles = bundles
        self.feed = feed
        self.backend = backend
        self.today = today
        self._engines: dict[str, Engine] = {}
        self._bundles: LRUCache[tuple[str, date], Bundle] = LRUCache(maxsize=4096)
        self._results: LRUCache[tuple, Evaluation] = LRUCache(maxsize=cache_size)
        self._lock = Lock()  # the caches are read and filled by the event loop and by batch threads

    def use(self, library: Library) -> None:
        """Select from ``library`` from now on (an edition published while serving, ``jrp.publishing.EditionFollower``):
        bundles are chosen again; compiled engines and cached evaluations stay, keyed by their bundle's hash."""
        with self._lock:
            self.library = library
            self._bundles.clear()

    def bundle_for(self, jurisdiction: str, as_of: date) -> Bundle:
        """The bundle in force for ``jurisdiction`` on ``as_of`` (cached per day); ``NoRulesInForce`` if it is empty."""
        key = (jurisdiction, as_of)
        with self._lock:
            bundle = self._bundles.get(key)
        if bundle is None:
            in_force = self.library.rules_in_force(jurisdiction, as_of)
            bundle = self.library.bundle_of(jurisdiction, [f.ref for f in in_force])
            with self._lock:
                self._bundles[key] = bundle
        return bundle

    def engine_for(self, bundle: Bundle, as_of: date | None = None) -> Engine:
        """The compiled engine of ``bundle``, compiled once per bundle hash; :class:`IncompleteRules` if it cannot."""
        engine = self._engines.get(bundle.hash)
        if engine is None:
            try:
                compiled = compile_bundle(bundle)
            except CompileError as error:
                raise IncompleteRules(bundle.jurisdiction, as_of or self.today(), str(error)) from None
            engine = Engine(compiled, self.backend)
            with self._lock:
                self._engines.setdefault(bundle.hash, engine)
        return engine

    def evaluate(self, request: CheckRequest, facts: SubjectFacts | None = None) -> CheckResult:
        """Evaluate one request without logging it, on ``facts`` if already read (a batch) or on the store's."""
        as_of, bundle, context = self._setting(request)
        evaluation = self._evaluation(request, context, bundle, facts)
        return CheckResult(new_time_ordered_id(), evaluation, request, as_of, bundle, datetime.now(UTC))

    def cached(self, request: CheckRequest, version: str) -> CheckResult | None:
        """The result of ``request`` from the cache if the subject's facts at ``version`` were evaluated, else None."""
        as_of, bundle, context = self._setting(request)
        with self._lock:
            hit = self._results.get(_key(request, context, bundle, version))
        return None if hit is None else CheckResult(new_time_ordered_id(), hit, request, as_of, bundle, datetime.now(UTC))

    def _setting(self, request: CheckRequest) -> tuple[date, Bundle, CheckContext]:
        as_of = request.as_of or self.today()
        context = CheckContext(request.scenario, as_of, request.role, request.jurisdiction, request.application)
        return as_of, self.bundle_for(request.jurisdiction, as_of), context

    def _evaluation(self, request: CheckRequest, context: CheckContext, bundle: Bundle,
                    facts: SubjectFacts | None) -> Evaluation:
        """The cached evaluation for the subject's facts version, or a new one."""
        if facts is None:
            version, facts = self.facts.version_and_facts(request.subject.id)
        else:
            version = facts.version
        key = _key(request, context, bundle, version)
        with self._lock:
            hit = self._results.get(key)
        if hit is not None:
            return hit
        if facts is None:
            found = None if version == UNKNOWN else self.facts.load(request.subject.id)
            facts = found or _unknown_subject(request.subject)
        engine = self.engine_for(bundle, context.as_of)
        evaluation = Evaluation(facts, engine.check(facts, context, with_explanation=request.explain))
        with self._lock:
            self._results[key] = evaluation
        return evaluation

    def supervision(self, subject_id: str, jurisdiction: str, as_of: date) -> Supervision:
        """The subject's graded-supervision class (an ``inspection`` evaluation); not logged: it decides no case."""
        bundle = self.bundle_for(jurisdiction, as_of)
        facts = self.facts.load(subject_id) or _unknown_subject(SubjectRef(subject_id))
        context = CheckContext(INSPECTION, as_of, None, jurisdiction)
        decision = self.engine_for(bundle, as_of).check(facts, context, with_supervision=True)
        assert decision.supervision is not None  # with_supervision always grades
        return decision.supervision

    def catch_up(self, at_least: int | None) -> None:
        """Make the facts read next at least as fresh as event ``at_least`` (a consistency token); no-op for None.

        Without a feed every read is current already.
        """
        if at_least is not None and self.feed is not None and not self.feed.catch_up(at_least):
            raise TokenAhead(f"this store has no event {at_least}: send the consistency_token its POST /v1/events "
                             "returned")

    def check(self, request: CheckRequest, caller: Caller, at_least: int | None = None,
              answer: AnswerDigest | None = None) -> CheckResult:
        """A silent check: evaluated and recorded in the decision log; the subject is never told.

        ``answer`` gives the digest of the answer the caller will be returned: its receipt signs it."""
        self.catch_up(at_least)
        result = self.evaluate(request)
        receipt, = self.log.append([log_entry(result, caller, answer=answer)])
        return replace(result, receipt=receipt)

    async def check_async(self, request: CheckRequest, caller: Caller, at_least: int | None = None,
                          answer: AnswerDigest | None = None) -> CheckResult:
        """``check`` on the event loop: evaluated in place, logged together with the checks of the same tick.

        In place even where it reads the store: reading on a thread of its own while the loop
        went on was measured slower (PostgreSQL, random subjects over HTTP: 176–236 against
        273–299 req/s, p99 250–259 against 137–238 ms; the threads contend for the GIL and
        the cores the database needs).
        """
        self.catch_up(at_least)
        result = self.evaluate(request)
        receipt, = await self.log.append_async([log_entry(result, caller, answer=answer)])
        return replace(result, receipt=receipt)

    def batch(self, requests: Sequence[CheckRequest], caller: Caller, at_least: int | None = None,
              answer: AnswerDigest | None = None) -> tuple[str, list[CheckResult]]:
        """A bid list in one go: evaluations from the cache where the versions held in memory say the facts are
        unchanged, the other subjects' facts read in bulk, all decisions logged in one append."""
        self.catch_up(at_least)
        batch_id = new_time_ordered_id()
        held = self.facts.held_versions([r.subject.id for r in requests])
        cached = [self.cached(r, held[r.subject.id]) if r.subject.id in held else None for r in requests]
        preloaded = self.facts.load_many([r.subject.id for r, hit in zip(requests, cached) if hit is None])
        results = [
            hit or self.evaluate(r, preloaded.get(r.subject.id) or _unknown_subject(r.subject))
            for r, hit in zip(requests, cached)
        ]
        receipts = self.log.append([log_entry(result, caller, batch_id, answer) for result in results])
        return batch_id, [replace(result, receipt=receipt) for result, receipt in zip(results, receipts)]

    def replay(self, decision_id: str, rules: str) -> ReplayResult:
        """Re-evaluate a logged decision on its stored facts, with its own ("original") or today's rules.

        The original rules are the bundle stored when the decision was made, evaluated as
        stored; how they differ from today's files of the same versions is reported beside
        the result. Decisions older than stored bundles fall back to the files, and say so.
        """
        entry = self.log.get(decision_id)
        if entry is None:
            raise UnknownDecision(decision_id)
        request = entry["request"]
        as_of = date.fromisoformat(request["as_of"])
        jurisdiction = request["jurisdiction"]
        notes: list[RulesNote] = []
        if rules == "original":
            bundle, notes = self._original_bundle(entry)
        else:
            bundle = self.bundle_for(jurisdiction, self.today())
        facts = facts_from_json(entry["facts"])
        context = CheckContext(request["scenario"], as_of, request.get("role"), jurisdiction,
                               application_from_json(request.get("application")))
        engine = self.engine_for(bundle, as_of)
        replayed = decision_to_json(engine.check(facts, context, with_explanation=request.get("explain", False)))
        original = entry["result"]
        differences = compare(original, replayed)
        same_rules = rules != "original" or bundle.hash == entry["bundle"]["hash"]
        return ReplayResult(not differences and same_rules, original, replayed, differences, notes, bundle.hash)

    def _original_bundle(self, entry: dict[str, Any]) -> tuple[Bundle, list[RulesNote]]:
        """The bundle a decision was made with (stored by content), and how today's files of its versions differ."""
        logged = entry["bundle"]
        refs = [RulesetRef(r["id"], r["version"]) for r in logged["rulesets"]]
        stored = self.bundles.load(logged["hash"])
        if stored is not None:
            return stored, notes_on(self.library, stored, refs)
        try:  # a decision logged before bundles were stored by content
            bundle = self.library.bundle_of(logged["jurisdiction"], refs)
        except KeyError as error:
            raise RulesUnavailable(f"the rules of this decision were not stored (it predates rules by content) and "
                                   f"{error.args[0]}") from None
        return bundle, notes_on(self.library, None, refs, logged["hash"], bundle.hash)


def _key(request: CheckRequest, context: CheckContext, bundle: Bundle, version: str) -> tuple:
    """The evaluation cache's key: it names the subject as the caller did (a subject unknown to the store is
    evaluated with the caller's type and name)."""
    return (request.subject, version, bundle.hash, context.scenario, context.role, context.as_of,
            context.application, request.explain)


def _unknown_subject(ref: SubjectRef) -> SubjectFacts:
    """A subject the store has never heard of: no records, so it is allowed (not a 404)."""
    return SubjectFacts(Subject(ref.id, ref.type or SubjectType.legal_person, ref.name), version=UNKNOWN)


def log_entry(result: CheckResult, caller: Caller, batch_id: str | None = None,
              answer: AnswerDigest | None = None) -> dict[str, Any]:
    """What the decision log keeps of one check: inputs, the facts (by reference to the event log where it can,
    ``jrp.adapters.log.fact_references``, else a snapshot), bundle and result (and, for its receipt only, the
    digest of the answer returned). The result is logged compact (``jrp.compact_results``): the log rebuilds it in
    full from the facts and the bundle stored by content."""
    request = result.request
    snapshot = result.evaluation.facts_snapshot()
    entry = {
        "decision_id": result.decision_id,
        "batch_id": batch_id,
        "created_at": result.evaluated_at.isoformat(),
        "caller": {"key_id": caller.key_id, "name": caller.name, "department": caller.department},
        "purpose": request.purpose,
        "reference": request.reference,
        "request": {
            "subject": {"id": request.subject.id, "type": request.subject.type and request.subject.type.value,
                        "name": request.subject.name},
            "scenario": request.scenario,
            "role": request.role,
            "jurisdiction": request.jurisdiction,
            "as_of": result.as_of.isoformat(),
            "explain": request.explain,
            "application": application_to_json(request.application),
        },
        "bundle": {"jurisdiction": result.bundle.jurisdiction, "hash": result.bundle.hash,
                   "rulesets": [{"id": r.id, "version": r.version} for r in result.bundle.refs]},
        "subject_known": result.subject_known,
        "bundle_document": Snapshot(result.bundle.hash, result.bundle.content),  # stored once per bundle
        "facts_digest": snapshot.digest,
        "facts": snapshot,  # serialised once per evaluation; stored only where the log cannot name it by reference
        "facts_ref": {"version": result.evaluation.facts.version},  # the log adds the event heads of this version
        # compact, with the digest of the full result (jrp.adapters.log.results rebuilds it): once per evaluation
        **result.evaluation.derived("logged_result", lambda: stored_form(result.evaluation.decision_json)),
    }
    if answer is not None:
        entry[ANSWER_DIGEST] = answer(result)
    return entry
