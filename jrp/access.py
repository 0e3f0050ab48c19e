"""Who may do what: API key roles, checker scopes and the permission table.

A checker key is scoped: it may only ask about the scenarios and jurisdictions it was
issued for (empty = any). A jurisdiction scope covers the levels below it, so a key for
``CN-JS`` may check in ``CN-JS-NT``. An ingester key is scoped by the authorities, lists
and regions it writes for (:class:`IngestScope`; ``jrp.adapters.access.ingest_scope``
applies it). Other roles are limited by the actions their role grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from jrp.vocabulary.jurisdictions import chain_of

if TYPE_CHECKING:
    from jrp.service import Caller


class Role(StrEnum):
    checker = "checker"  # approval systems running silent checks
    ingester = "ingester"  # authorities sending events
    maintainer = "maintainer"  # ruleset maintainers: replays under current rules
    auditor = "auditor"  # reads the decision log, verifies the chain, reads credit files
    approver = "approver"  # officials who approve a ruleset edition for publication (their name goes on record)
    admin = "admin"


class Action(StrEnum):
    check = "check"
    read_decision = "read_decision"
    search_decisions = "search_decisions"
    replay = "replay"
    verify = "verify"
    ingest = "ingest"
    read_subject = "read_subject"
    read_catalogue = "read_catalogue"
    read_supervision = "read_supervision"
    diff_rulesets = "diff_rulesets"
    preview_impact = "preview_impact"
    give_feedback = "give_feedback"
    read_stats = "read_stats"
    publish_ruleset = "publish_ruleset"


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.check: frozenset({Role.checker, Role.admin}),
    Action.read_decision: frozenset({Role.checker, Role.maintainer, Role.auditor, Role.admin}),  # checkers: own only
    Action.search_decisions: frozenset({Role.auditor, Role.admin}),
    Action.replay: frozenset({Role.maintainer, Role.auditor, Role.admin}),
    Action.verify: frozenset({Role.auditor, Role.admin}),
    Action.ingest: frozenset({Role.ingester, Role.admin}),
    Action.read_subject: frozenset({Role.ingester, Role.auditor, Role.admin}),
    Action.read_catalogue: frozenset(Role),
    Action.read_supervision: frozenset({Role.checker, Role.auditor, Role.admin}),  # checkers: inspection scope
    Action.diff_rulesets: frozenset({Role.maintainer, Role.auditor, Role.approver, Role.admin}),
    Action.preview_impact: frozenset({Role.maintainer, Role.admin}),
    Action.give_feedback: frozenset({Role.checker, Role.admin}),  # checkers: on their own decisions
    Action.read_stats: frozenset({Role.auditor, Role.admin}),
    Action.publish_ruleset: frozenset({Role.approver, Role.admin}),  # maintainers draft, approvers approve
}

SEES_RESIDENT_IDS = frozenset({Role.auditor, Role.admin})
"""Roles shown natural persons' full resident IDs where a response names a third party."""


@dataclass(frozen=True)
class IngestScope:
    """What an ingester key may write: records of these issuing authorities or on these lists, in these regions.

    A record is in scope when its ``source.authority`` is one of ``authorities`` or its list one of
    ``lists``; ``regions``, when given, further limit new records to those regions. Empty ``regions``:
    any region.
    """

    authorities: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def covers(self, authority: str, list_id: str | None) -> bool:
        return authority in self.authorities or (list_id is not None and list_id in self.lists)

    def covers_region(self, region: str | None) -> bool:
        return not self.regions or region in self.regions

    def describe(self) -> str:
        parts = [f"authorities {', '.join(self.authorities)}" if self.authorities else "",
                 f"lists {', '.join(self.lists)}" if self.lists else "",
                 f"regions {', '.join(self.regions)}" if self.regions else ""]
        return "; ".join(filter(None, parts)) or "nothing"


BEFORE_ATTRIBUTION = "before attribution"
"""The key id of the events stored before events named the key that sent them (migration 0013)."""


@dataclass(frozen=True)
class ApiKey:
    """A stored API key (never its plaintext).

    ``ingest_scope`` None: the key writes for any authority — admin keys, the terminal operator, and
    ingester keys created before scopes existed (see README, *Ingest keys*).
    """

    key_id: str
    name: str
    role: Role
    scenarios: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    department: str = ""
    ingest_scope: IngestScope | None = None

    def may(self, action: Action) -> bool:
        return self.role in PERMISSIONS[action]

    def may_use_scenario(self, scenario: str) -> bool:
        return not self.scenarios or scenario in self.scenarios

    def may_use_jurisdiction(self, jurisdiction: str) -> bool:
        return not self.jurisdictions or any(j in chain_of(jurisdiction) for j in self.jurisdictions)

    @property
    def default_jurisdiction(self) -> str:
        """Where a check without ``jurisdiction`` runs: the key's only jurisdiction, else national."""
        return self.jurisdictions[0] if len(self.jurisdictions) == 1 else "CN"

    @property
    def sees_resident_ids(self) -> bool:
        return self.role in SEES_RESIDENT_IDS

    def caller(self) -> Caller:
        from jrp.service import Caller  # the service layer imports the engine: not needed to parse a role

        return Caller(self.key_id, self.name, self.department)


def terminal_operator() -> ApiKey:
    """The person at the terminal: acts with full rights, recorded under their login name."""
    import getpass

    return ApiKey(f"cli:{getpass.getuser()}", getpass.getuser(), Role.admin, department="command line")
