"""The durable_rules backend: the only module that imports durable_rules.

durable_rules (unmaintained since 2020) has sharp edges, and this module is written
around each of them:

- batch asserts can silently fire nothing or abort the process: facts are asserted one
  at a time with ``assert_fact``;
- identical facts raise ``MessageObservedException``: every fact carries a unique id;
- a fact no rule matches raises ``MessageNotHandledException``: caught, it means "no firing";
  a session whose facts were all unhandled has no state: deleting it fails (error 309) or
  segfaults, and not deleting it leaked until ``MemoryError`` after ~1,400 checks. So
  every session first asserts a fact that a no-op rule always matches, and is always deleted;
- exceptions inside actions are swallowed: actions only append (rule index, evidence id);
- state lives in a process-global C core and is not thread-safe: one lock per process,
  one session id per evaluation, ``delete_state`` afterwards;
- ruleset names are global: each compiled bundle is registered under its content hash;
- ``Host()`` starts two timer threads that call ``dispatch`` and ``dispatch_timers`` on
  every ruleset, unlocked, concurrently with asserts: that race segfaulted the property
  tests within a few dozen examples. jrp uses neither timers nor queued events, so its
  host does not start them (``_SynchronousHost``); actions still run inside ``assert_fact``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from typing import Any

from durable import engine as durable_engine

from jrp.engine.compile import CompiledBundle
from jrp.engine.facts import CheckContext
from jrp.engine.types import CompiledRule, Evidence, Firing

_LOCK = threading.Lock()
_HOST: _SynchronousHost | None = None
_SESSIONS = itertools.count(1)
_FIRED: dict[str, list[tuple[int, str]]] = {}
SESSION_RULE = "session"
SESSION_FACT = "__session__"


class _SynchronousHost(durable_engine.Host):
    """A host without the background dispatch threads (see the module docstring)."""

    def _run(self) -> None:
        return None


def _host() -> durable_engine.Host:
    global _HOST
    if _HOST is None:
        _HOST = _SynchronousHost()
    return _HOST


def _any_of(field: str, values: Sequence[Any]) -> dict:
    options = [{field: value} for value in sorted(values)]
    return options[0] if len(options) == 1 else {"$or": options}


def condition(rule: CompiledRule) -> dict:
    """The durable_rules JSON condition equivalent to ``jrp.engine.matching.matches``."""
    terms: list[dict] = [{"trigger": rule.trigger.value}, {"$gte": {"severity": rule.min_severity}}]
    if rule.keys:
        terms.append(_any_of("key", rule.keys))
    if rule.min_value is not None:
        terms.append({"$gte": {"value": rule.min_value}})
    if rule.grades:
        terms.append(_any_of("grade", rule.grades))
    terms.append({"window": rule.window})
    terms.append(_any_of("scenario", rule.scenarios))
    if rule.roles:
        terms.append(_any_of("role", ("", *rule.roles)))  # "" = no role named: any role
    terms.append(_any_of("via_role", rule.extends_to if rule.persons_only else ("", *rule.extends_to)))
    return {"$and": terms}


def _record(index: int):
    def action(c: Any) -> None:
        _FIRED[c.s.sid].append((index, c.m.eid))

    return action


class DurableEvaluator:
    """Evaluates compiled rules with durable_rules."""

    name = "durable"

    def __init__(self, bundle: CompiledBundle):
        self._rules = tuple(rule for rule in bundle.rules if rule.scenarios)
        self._name = f"jrp_{bundle.hash[:32]}"
        definition = {
            f"r{index}": {"all": [{"m": condition(rule)}], "run": _record(index)}
            for index, rule in enumerate(self._rules)
        }
        definition[SESSION_RULE] = {"all": [{"m": {"trigger": SESSION_FACT}}], "run": _record(-1)}
        with _LOCK:
            host = _host()
            if self._name not in host._ruleset_directory:  # a bundle compiled twice shares its ruleset
                host.register_rulesets({self._name: definition})

    def fire(self, evidence: Sequence[Evidence], context: CheckContext) -> list[Firing]:
        by_id = {item.evidence_id: item for item in evidence}
        with _LOCK:
            host = _host()
            sid = f"s{next(_SESSIONS)}"
            _FIRED[sid] = []
            try:
                # The session fact always matches, so the session always has state to delete.
                host.assert_fact(self._name, {"sid": sid, "id": f"{sid}-session", "trigger": SESSION_FACT, "eid": ""})
                for number, item in enumerate(evidence):
                    fact = {
                        "sid": sid,
                        "id": f"{sid}-{number}",
                        "eid": item.evidence_id,
                        "trigger": item.trigger.value,
                        "key": item.key,
                        "severity": item.severity,
                        "value": item.value,
                        "grade": item.grade,
                        "window": item.window,
                        "via_role": item.via_role,
                        "scenario": context.scenario,
                        "role": context.role or "",
                    }
                    try:
                        host.assert_fact(self._name, fact)
                    except durable_engine.MessageNotHandledException:
                        pass
                fired = _FIRED[sid]
            finally:
                _FIRED.pop(sid, None)
                host.delete_state(self._name, sid)
        return [Firing(self._rules[index], by_id[eid]) for index, eid in fired if index >= 0]
