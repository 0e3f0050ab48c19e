"""The bulk path of re-evaluation: subscriptions grouped by the question they ask, each question answered once.

A subscription's purpose and reference are logged with its decision but play no part in the evaluation,
so every subscription asking about the same subject (as named) in the same scenario, role, jurisdiction
and application on the same day has the same answer: a bid list watched by ten departments, a portfolio
watched under several contracts. Their subjects' facts are read in one ``load_many``, each distinct
question is evaluated once, and its answer and next date serve every subscription that asks it. A
notification still logs a decision of its own (``Reanswered.decision_for``): the shared evaluation
under an id of its own, with that subscription's purpose and reference, exactly what a check of its
own would have logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

from jrp.engine.facts import Application
from jrp.service import CheckResult, CheckService, SubjectRef
from jrp.time_ordered_ids import new_time_ordered_id
from jrp.tracking.answers import Answer, answer_of
from jrp.tracking.watches import Subscription, Watch

Question = tuple[SubjectRef, str, str | None, str, Application]
NextChange = Callable[[CheckResult, date], "date | None"]


def question_of(watch: Watch) -> Question:
    """What the evaluation of ``watch`` depends on besides the day and the store."""
    return watch.subject, watch.scenario, watch.role, watch.jurisdiction, watch.application


@dataclass(frozen=True)
class Reanswered:
    """One question's evaluation today, its answer as a subscriber sees it, and the next date time may change it."""

    result: CheckResult
    answer: Answer
    next_change: date | None

    def decision_for(self, subscription: Subscription, today: date) -> CheckResult:
        """The decision a notification to ``subscription`` logs: this evaluation, under an id of its own and with
        the subscription's purpose and reference."""
        return replace(self.result, decision_id=new_time_ordered_id(), request=subscription.watch.request(today))


def reanswer(service: CheckService, subscriptions: Iterable[Subscription], today: date,
             next_change: NextChange) -> dict[Question, Reanswered]:
    """Every distinct question of ``subscriptions`` answered on ``today``: facts read in bulk, each evaluated once."""
    asked: dict[Question, Watch] = {}
    for subscription in subscriptions:
        asked.setdefault(question_of(subscription.watch), subscription.watch)
    facts = service.facts.load_many([watch.subject.id for watch in asked.values()])
    answered: dict[Question, Reanswered] = {}
    for question, watch in asked.items():
        result = service.evaluate(watch.request(today), facts.get(watch.subject.id))
        answered[question] = Reanswered(result, answer_of(result.evaluation.decision_json), next_change(result, today))
    return answered
