"""The meaning of a compiled rule, written once: does this evidence satisfy it in this context?

The reference and indexed evaluators call this predicate; the durable_rules backend
expresses the same conditions in its own language, and the property tests compare them.
"""

from __future__ import annotations

from jrp.engine.facts import CheckContext
from jrp.engine.types import CompiledRule, Evidence


def matches(rule: CompiledRule, evidence: Evidence, context: CheckContext) -> bool:
    """True when ``evidence`` fires ``rule`` for a check in ``context``.

    A check that names no role is asked about the subject in any role, so role-bound
    rules fire: a silent check must not let a listed debtor through for want of a role.
    Nor deny on a guess: where the scenario has roles the rule leaves out, its measure
    answers ``review`` (``role_not_stated``, ``jrp.engine.scope``). A rule for a listed unit's persons only
    (``persons_only``) never fires on the unit's own record.
    """
    return (
        rule.trigger is evidence.trigger
        and (not rule.keys or evidence.key in rule.keys)
        and evidence.severity >= rule.min_severity
        and (rule.min_value is None or evidence.value >= rule.min_value)
        and (not rule.grades or evidence.grade in rule.grades)
        and rule.window == evidence.window
        and context.scenario in rule.scenarios
        and (not rule.roles or context.role is None or context.role in rule.roles)
        and (evidence.via_role in rule.extends_to if evidence.via_role or rule.persons_only else True)
    )
