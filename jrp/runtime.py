"""The composition root: settings → store, ruleset library, catalogue, keys and check service.

The API (``create_app``) and every CLI command build their collaborators here, so both
run exactly the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from jrp.settings import Settings

if TYPE_CHECKING:  # the collaborators are imported when first built: a CLI command loads only what it uses
    from sqlalchemy import Engine

    from jrp.adapters.api_keys import KeyStore
    from jrp.adapters.decision_log import DecisionLogStore
    from jrp.adapters.facts_source import FactsStore
    from jrp.adapters.feedback import FeedbackStore
    from jrp.adapters.sign_outs import SignOutStore
    from jrp.measures_catalog.catalog import Catalog
    from jrp.rulesets.library import Library
    from jrp.service import CheckService


@dataclass
class Runtime:
    """Everything a request or a command needs, built lazily from ``settings``."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        from jrp.adapters.database import make_engine

        return make_engine(self.settings.resolved_database_url())

    @cached_property
    def library(self) -> Library:
        from jrp.rulesets.library import Library

        return Library.load(self.settings.rulesets_dir)

    @cached_property
    def catalog(self) -> Catalog:
        from jrp.measures_catalog.catalog import Catalog

        return Catalog.of(self.library)

    @cached_property
    def facts(self) -> FactsStore:
        from jrp.adapters.facts_source import FactsStore

        return FactsStore(self.engine)

    @cached_property
    def log(self) -> DecisionLogStore:
        from jrp.adapters.decision_log import DecisionLogStore

        return DecisionLogStore(self.engine)

    @cached_property
    def keys(self) -> KeyStore:
        from jrp.adapters.api_keys import KeyStore

        return KeyStore(self.engine)

    @cached_property
    def sign_outs(self) -> SignOutStore:
        from jrp.adapters.sign_outs import SignOutStore

        return SignOutStore(self.engine)

    @cached_property
    def feedback(self) -> FeedbackStore:
        from jrp.adapters.feedback import FeedbackStore

        return FeedbackStore(self.engine)

    @cached_property
    def service(self) -> CheckService:
        from jrp.group_commit import GroupCommitLog
        from jrp.metrics import MeteredLog
        from jrp.service import CheckService

        return CheckService(self.library, self.facts, GroupCommitLog(MeteredLog(self.log)), backend=self.settings.engine_backend,
                            cache_size=self.settings.result_cache_size)

    def migrate(self) -> None:
        """Bring the database schema up to date (facts store, decision log, API keys, feedback, sign-outs)."""
        from jrp.adapters.database import upgrade_database

        upgrade_database(self.engine)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
