"""The tracker: on a trigger, check each affected subscription again; when its answer changed, log the
re-evaluation as a decision and write the notification to the outbox, in one transaction.

Triggers (run by one process of the service at a time, the holder of the tracker's lease):

- **events**: the change feed's new events (``jrp.adapters.tracking.event_tail``) reach the subscriptions
  of their subject and of every person or organisation related to it;
- **rules**: at start, each day and on the round after an edition is published (``published``: on any
  host, read from the decision log), subscriptions evaluated with another bundle than the one in force
  for their jurisdiction today (a version published, taking effect or lapsing);
- **time**: subscriptions whose ``next_change`` (``jrp.tracking.next_change``) has come, one index range.

A re-evaluation that finds the same answer only moves ``next_change`` (and the bundle hash); one that
finds another answer is logged with the subscriber's key as caller, so the subscriber reads it, its
proof and its replay like any decision of its own. The subject is never told.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import orjson

from jrp.adapters.facts.change_feed import latest_seq
from jrp.adapters.log.host_writer import HostAppends
from jrp.adapters.tracking import outbox, subscriptions
from jrp.adapters.tracking.event_tail import CURSOR, EventTail, SeenEvent
from jrp.adapters.tracking.subscriptions import Statement, SubscriptionStore
from jrp.rulesets.bundle import RulesetRef
from jrp.service import Caller, CheckResult, CheckService, log_entry
from jrp.tracking.answers import answer_of, changes
from jrp.tracking.next_change import dates_in, next_change
from jrp.tracking.questions import question_of, reanswer
from jrp.tracking.watches import Subscription, Watch
from jrp.vocabulary.jurisdictions import chain_of

DAY_CURSOR = "day"
NOTIFICATION_TYPE = "answer.changed"


@dataclass(frozen=True)
class NewSubscription:
    """What a subscriber asks to watch, and until when and where to."""

    watch: Watch
    owner: Caller
    watch_until: date | None = None
    webhook_url: str | None = None


def tracking_caller(owner_key_id: str) -> Caller:
    """The caller a re-evaluation is logged under: the subscriber's key, so it reads its own news."""
    return Caller(owner_key_id, "jrp tracking", "跟踪监测")


class Tracker:
    def __init__(self, service: CheckService, log: HostAppends, store: SubscriptionStore, *,
                 amqp: bool = False, today: Callable[[], date] | None = None, batch: int = 1000):
        self.service = service
        self.log = log
        self.store = store
        self.amqp = amqp
        self.today = today or service.today
        self.batch = batch
        self.before_batch: Callable[[], None] = lambda: None  # the tracker's loop checks it still leads
        # the service with the rules as published now, if an edition was published since ``service``'s were read
        self.published: Callable[[CheckService], CheckService | None] = lambda _service: None
        self._tail: EventTail | None = None
        self._rules_seen = False  # whether this process compared the subscriptions' rules with its own yet
        self._rule_dates: dict[str, set[date]] = {}
        self._bundle_refs: dict[str, frozenset[RulesetRef]] = {}

    # --- subscriptions made --------------------------------------------------------------------

    def subscribe(self, asked: Sequence[NewSubscription]) -> list[Subscription]:
        """Check each watch now and keep its answer as the baseline: the decisions logged and the subscriptions
        stored in one transaction."""
        self._start_events()
        today = self.today()
        made: list[Subscription] = []
        entries: list[dict[str, Any]] = []
        for new in asked:
            result = self.service.evaluate(new.watch.request(today))
            entries.append(log_entry(result, new.owner))
            made.append(Subscription(uuid.uuid4().hex, new.owner.key_id, new.watch, answer_of(result.evaluation.decision_json),
                                     result.decision_id, result.bundle.hash, time.time(), new.watch_until,
                                     new.webhook_url, self._next_change(result, today)))
        for start in range(0, len(made), 10_000):
            chunk = made[start:start + 10_000]
            self.log.append(entries[start:start + 10_000], also=lambda _receipts, chunk=chunk: [self.store.inserts(chunk)])
        return made

    def watch_decision(self, entry: Mapping[str, Any], owner_key_id: str, watch_until: date | None,
                       webhook_url: str | None) -> Subscription:
        """A subscription whose baseline is a logged decision (its answer as logged). It is due today, so the
        next time pass tells the subscriber what changed since that decision, if anything did."""
        self._start_events()
        watch = Watch.from_json({**entry["request"], "purpose": entry["purpose"], "reference": entry.get("reference", "")})
        made = Subscription(uuid.uuid4().hex, owner_key_id, watch, answer_of(entry["result"]), entry["decision_id"],
                            entry["bundle"]["hash"], time.time(), watch_until, webhook_url, self.today())
        self.log.append([], also=lambda _receipts: [self.store.inserts([made])])
        return made

    # --- triggers --------------------------------------------------------------------------------

    def run_once(self) -> int:
        """One round of every trigger; the notifications written."""
        today = self.today()
        republished = self.published(self.service)
        if republished is not None:
            self.service, self._rule_dates = republished, {}
        written = self.events_pass()
        day = self.store.cursor(DAY_CURSOR)
        new_day = day is None or day.get("day") != today.isoformat()
        if new_day or not self._rules_seen or republished is not None:  # each day, once a process, on a publication
            written += self.rules_pass(today)
            self._rules_seen = True
        written += self.time_pass(today)
        if new_day:
            self._commit([], [subscriptions.cursor_set(DAY_CURSOR, {"day": today.isoformat()})])
        return written

    def events_pass(self) -> int:
        """Re-evaluate the subscriptions the new events reach, a page of events at a time."""
        if self._tail is None:
            self._start_events()
            self._tail = EventTail(self.store.engine, self.store.cursor(CURSOR), self.batch)
        written = 0
        while True:
            events, position = self._tail.read()
            try:
                written += self._after_events(events, position)
            except BaseException:
                self._tail.rewind()
                raise
            self._tail.advanced(position)
            if len(events) < self.batch:
                return written

    def _after_events(self, events: list[SeenEvent], position: dict[str, Any]) -> int:
        if not events:
            return 0 if position == self._tail.committed else self._commit([], [subscriptions.cursor_set(CURSOR, position)])
        touching: dict[str, list[int]] = {}  # the events (their places in the page) naming each subject or organisation
        for place, event in enumerate(events):
            for subject_id in filter(None, (event.subject_id, event.organisation)):
                touching.setdefault(subject_id, []).append(place)
        related = self.store.related(touching)
        causes: dict[str, dict[str, Any]] = {}
        found = self.store.of_subjects(related)
        for sub in found:
            reach = related.get(sub.watch.subject.id, set()) | {sub.watch.subject.id}
            seen = [events[place] for place in sorted({p for subject_id in reach for p in touching.get(subject_id, ())})]
            causes[sub.subscription_id] = {"kind": "event", "events": [{"seq": e.seq, "id": e.event_id} for e in seen]}
        return self.reevaluate(found, causes, [subscriptions.cursor_set(CURSOR, position)])

    def rules_pass(self, today: date) -> int:
        """Re-evaluate subscriptions evaluated with other rules than those in force today."""
        current = {j: self.service.bundle_for(j, today).hash for j in self.store.jurisdictions()}
        written = 0
        while stale := self.store.stale_rules(current, self.batch):
            written += self.reevaluate(stale, {})
        return written

    def time_pass(self, today: date) -> int:
        """Re-evaluate the subscriptions whose next date has come."""
        written = 0
        while due := self.store.due(today, self.batch):
            written += self.reevaluate(due, {s.subscription_id: {"kind": "date", "date": today.isoformat()} for s in due})
        return written

    # --- re-evaluation ---------------------------------------------------------------------------

    def reevaluate(self, subs: Iterable[Subscription], causes: Mapping[str, dict[str, Any]],
                   extra: Sequence[Statement] = ()) -> int:
        """Check ``subs`` again today (the bulk path: ``jrp.tracking.questions``); log and notify those whose
        answer changed, reschedule the others, all in one transaction."""
        self.before_batch()
        today = self.today()
        subs = list(subs)
        watching = [sub for sub in subs if sub.watched_on(today)]
        answered = reanswer(self.service, watching, today, self._next_change)
        same = [replace(sub, next_change=None) for sub in subs if not sub.watched_on(today)]  # over: never due again
        moved: list[tuple[Subscription, Subscription, CheckResult, dict[str, Any]]] = []
        for sub in watching:
            now = answered[question_of(sub.watch)]
            after = replace(sub, answer=now.answer, bundle_hash=now.result.bundle.hash, next_change=now.next_change)
            if now.answer.same(sub.answer):
                same.append(after)
                continue
            result = now.decision_for(sub, today)
            cause = causes.get(sub.subscription_id) or {"kind": "date", "date": today.isoformat()}
            if result.bundle.hash != sub.bundle_hash and cause["kind"] == "date":
                cause = self._rules_cause(sub.bundle_hash, result)
            moved.append((sub, replace(after, decision_id=result.decision_id), result, cause))
        entries = [log_entry(result, tracking_caller(sub.owner_key_id)) for sub, _, result, _ in moved]

        def also(receipts: list[dict[str, Any]]) -> list[Statement]:
            now = time.time()
            outgoing = [self._outgoing(before, after, cause, receipt, now)
                        for (before, after, _, cause), receipt in zip(moved, receipts)]
            return [subscriptions.rescheduled(same), subscriptions.moved_on([after for _, after, _, _ in moved]),
                    *outbox.writes(outgoing, now), *extra]

        self.log.append(entries, also=also)
        return len(moved)

    def _start_events(self) -> None:
        """The events' position, if none is kept yet: the newest event now (a subscription made from here on
        hears of every later event, whichever process tracks)."""
        if self.store.cursor(CURSOR) is None:
            self._commit([], [subscriptions.cursor_init(CURSOR, {"last": latest_seq(self.store.engine), "gaps": {}})])

    def _commit(self, entries: list[dict[str, Any]], statements: list[Statement]) -> int:
        self.log.append(entries, also=lambda _receipts: statements)
        return 0

    def _outgoing(self, before: Subscription, after: Subscription, cause: dict[str, Any], receipt: dict[str, Any],
                  now: float) -> outbox.Outgoing:
        notification_id = outbox.new_notification_id()
        watch = after.watch
        data = {
            "notification_id": notification_id,
            "subscription_id": after.subscription_id,
            "subject": {"id": watch.subject.id, "name": watch.subject.name},
            "scenario": watch.scenario, "role": watch.role, "jurisdiction": watch.jurisdiction,
            "purpose": watch.purpose, "reference": watch.reference,
            **changes(before.answer, after.answer),
            "cause": cause,
        }
        data["before"]["decision_id"] = before.decision_id
        data["after"]["decision_id"] = after.decision_id
        data["after"]["receipt"] = receipt
        body = orjson.dumps({"type": NOTIFICATION_TYPE,
                             "timestamp": datetime.fromtimestamp(now, UTC).isoformat(), "data": data})
        targets = [("webhook", after.webhook_url)] if after.webhook_url else []
        if self.amqp:
            targets.append(("amqp", f"{watch.jurisdiction}.{watch.scenario}"))
        return outbox.Outgoing(notification_id, after.subscription_id, after.owner_key_id, body, tuple(targets))

    def _rules_cause(self, old_hash: str, result: CheckResult) -> dict[str, Any]:
        """The ruleset versions of the new bundle the old one lacked (its stored content read once per hash)."""
        before = self._bundle_refs.get(old_hash)
        if before is None:
            old = self.service.bundles.load(old_hash)
            before = self._bundle_refs[old_hash] = frozenset(old.refs) if old is not None else frozenset()
        return {"kind": "ruleset", "bundle_hash": result.bundle.hash,
                "rulesets": [{"id": r.id, "version": r.version} for r in result.bundle.refs if r not in before]}

    def _next_change(self, result: CheckResult, today: date) -> date | None:
        documents = (orjson.dumps(result.facts), orjson.dumps(result.decision))  # their JSON, as logged: the same dates
        return next_change(today, dates_in(*documents) | self._rules_dates(result.request.jurisdiction))

    def _rules_dates(self, jurisdiction: str) -> set[date]:
        """The days rulesets of the jurisdiction's chain take effect or lapse."""
        known = self._rule_dates.get(jurisdiction)
        if known is None:
            chain = chain_of(jurisdiction)
            headers = [f.ruleset.ruleset for f in self.service.library.files if f.ruleset.ruleset.jurisdiction in chain]
            known = {h.effective_from for h in headers} | {h.effective_to for h in headers if h.effective_to}
            self._rule_dates[jurisdiction] = known
        return known
