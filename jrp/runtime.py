"""The composition root: settings → store, ruleset library, catalogue, keys and check service.

The API (``create_app``) and every CLI command build their collaborators here, so both
run exactly the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from jrp.adapters.api_keys import KeyStore
from jrp.adapters.database import make_engine, upgrade_database
from jrp.adapters.decision_log import DecisionLogStore
from jrp.adapters.event_rules import EventContext
from jrp.adapters.facts_source import FactsStore
from jrp.adapters.feedback import FeedbackStore
from jrp.adapters.sign_outs import SignOutStore
from jrp.group_commit import GroupCommitLog
from jrp.measures_catalog.catalog import Catalog
from jrp.rulesets.library import Library
from jrp.service import CheckService
from jrp.settings import Settings


@dataclass
class Runtime:
    """Everything a request or a command needs, built lazily from ``settings``."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url())

    @cached_property
    def library(self) -> Library:
        return Library.load(self.settings.rulesets_dir)

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog.of(self.library)

    @cached_property
    def event_context(self) -> EventContext:
        """What incoming events are checked against: today's date and every list the rulesets define."""
        return EventContext(list_ids=frozenset(item.id for f in self.library.files for item in f.ruleset.lists))

    @cached_property
    def facts(self) -> FactsStore:
        return FactsStore(self.engine)

    @cached_property
    def log(self) -> DecisionLogStore:
        return DecisionLogStore(self.engine)

    @cached_property
    def keys(self) -> KeyStore:
        return KeyStore(self.engine)

    @cached_property
    def sign_outs(self) -> SignOutStore:
        return SignOutStore(self.engine)

    @cached_property
    def feedback(self) -> FeedbackStore:
        return FeedbackStore(self.engine)

    @cached_property
    def service(self) -> CheckService:
        return CheckService(self.library, self.facts, GroupCommitLog(self.log), backend=self.settings.engine_backend,
                            cache_size=self.settings.result_cache_size)

    def migrate(self) -> None:
        """Bring the database schema up to date (facts store, decision log, API keys, feedback, sign-outs)."""
        upgrade_database(self.engine)

    def close(self) -> None:
        if "keys" in self.__dict__:
            self.keys.close()
        if "engine" in self.__dict__:
            self.engine.dispose()
