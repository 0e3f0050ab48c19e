"""The composition root: settings → store, ruleset library, catalogue, keys and check service.

The API (``create_app``) and every CLI command build their collaborators here, so both
run exactly the same objects.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from jrp.settings import Settings

if TYPE_CHECKING:  # the collaborators are imported when first built: a CLI command loads only what it uses
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from sqlalchemy import Engine

    from jrp.adapters.access.api_keys import KeyStore
    from jrp.adapters.access.sign_outs import SignOutStore
    from jrp.adapters.facts.change_feed import ChangeFeed
    from jrp.adapters.facts.event_rules import EventContext
    from jrp.adapters.facts.source import FactsStore
    from jrp.adapters.feedback import FeedbackStore
    from jrp.adapters.hosts import HostRegistry
    from jrp.adapters.log.audit_keys import AuditKeys
    from jrp.adapters.log.bundle_store import BundleStore
    from jrp.adapters.log.crypto.signing import Checkpoint
    from jrp.adapters.log.entries import DecisionLogStore
    from jrp.adapters.log.event_leaves import EventSealer
    from jrp.adapters.log.host_writer import HostAppends, HostWriter
    from jrp.adapters.log.publications import PublicationLog
    from jrp.adapters.log.sequencer import Sequencer
    from jrp.adapters.log.tree import LogTree
    from jrp.adapters.log.verify import Verification
    from jrp.adapters.tracking.dispatch import Dispatcher
    from jrp.adapters.tracking.lease import TrackerLoop
    from jrp.adapters.tracking.outbox import Outbox
    from jrp.adapters.tracking.secrets import SecretStore
    from jrp.adapters.tracking.subscriptions import SubscriptionStore
    from jrp.hosts import Heartbeat
    from jrp.measures_catalog.catalog import Catalog
    from jrp.publishing import EditionFollower
    from jrp.rulesets.library import Library
    from jrp.service import CheckService
    from jrp.tracking.outbound import OutboundPolicy
    from jrp.tracking.tracker import Tracker

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything a request or a command needs, built lazily from ``settings``."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        from jrp.adapters.log import event_leaves
        from jrp.adapters.store.database import make_engine

        engine = make_engine(self.settings.resolved_database_url())
        event_leaves.bind(engine, partial(_event_sealer, self.settings))  # settings, not self: keeps no runtime
        return engine

    @cached_property
    def library(self) -> Library:
        """The rulesets as the service uses them, read at the first use."""
        return self.load_library()

    def load_library(self) -> Library:
        """The rulesets as the service uses them: a check selects only published editions
        (``Library.for_checks``), approved on file or in the decision log as it stands now."""
        from sqlalchemy.exc import SQLAlchemyError

        from jrp.adapters.log.publications import logged_approvals
        from jrp.rulesets.library import Library

        library = Library.load(self.settings.rulesets_dir)
        try:
            return library.for_checks(logged_approvals(self.engine) if self.has_store else ())
        except SQLAlchemyError as error:  # the store is down: readiness says so; the records on file still hold
            log.warning("approvals in the decision log not read (%s): only those on file are selected", error)
            return library.for_checks()

    @property
    def has_store(self) -> bool:
        """Whether the settings name a store that exists (a database URL, or the SQLite file in the data dir)."""
        return bool(self.settings.database_url) or self.sqlite_file.exists()

    @property
    def sqlite_file(self) -> Path:
        return self.settings.data_dir / "jrp.db"

    @cached_property
    def catalog(self) -> Catalog:
        from jrp.measures_catalog.catalog import Catalog

        return Catalog.of(self.library)

    @cached_property
    def event_context(self) -> EventContext:
        """What incoming events are checked against: today's date, every list the rulesets define and every other
        region's list type they recognise."""
        from jrp.adapters.facts.event_rules import EventContext

        rulesets = [f.ruleset for f in self.library.files]
        regional_lists = frozenset((m.region, m.list_type) for r in rulesets for m in r.cross_region)
        return EventContext(list_ids=frozenset(item.id for r in rulesets for item in r.lists),
                            regional_lists=regional_lists,
                            regions=frozenset(self.library.jurisdictions) | {region for region, _ in regional_lists})

    @cached_property
    def facts(self) -> FactsStore:
        from jrp.adapters.facts.source import FactsStore

        return FactsStore(self.engine)

    @cached_property
    def feed(self) -> ChangeFeed | None:
        """This worker's view of the store's changes (``jrp.adapters.facts.change_feed``).

        None if ``feed_interval`` is 0.
        """
        from jrp.adapters.facts.change_feed import ChangeFeed

        return ChangeFeed(self.engine, self.settings.feed_interval) if self.settings.feed_interval > 0 else None

    @cached_property
    def audit_keys(self) -> AuditKeys:
        from jrp.adapters.log.audit_keys import load_or_create

        return load_or_create(self.settings.signing_key_path(), self.settings.personal_data_key_path())

    @cached_property
    def log(self) -> DecisionLogStore:
        from jrp.adapters.log.entries import DecisionLogStore

        return DecisionLogStore(self.engine, self.audit_keys.signing, self.audit_keys.personal)

    @cached_property
    def host_writer(self) -> HostWriter | None:
        """This process's candidate for its host's log writer (SQLite files; ``jrp.adapters.log.host_writer``);
        ``jrp serve`` with several workers starts it in each."""
        from jrp.adapters.log.host_writer import HostWriter, socket_path

        path = socket_path(self.engine)
        return HostWriter(self.log, path) if path else None

    @cached_property
    def appends(self) -> HostAppends:
        """The log's appends, committed by the host's writer when one answers, else directly."""
        from jrp.adapters.log.host_writer import HostAppends

        return HostAppends(self.log, self.host_writer)

    @cached_property
    def tree(self) -> LogTree:
        from jrp.adapters.log.log_origin import resolve
        from jrp.adapters.log.tree import LogTree

        return LogTree(self.engine, lambda: resolve(self.engine, self.settings.log_origin), self.log.appender_lock)

    @cached_property
    def publications(self) -> PublicationLog:
        from jrp.adapters.log.publications import PublicationLog

        return PublicationLog(self.engine, self.audit_keys.signing, self.log.appender_lock)

    @cached_property
    def bundles(self) -> BundleStore:
        from jrp.adapters.log.bundle_store import BundleStore

        return BundleStore(self.engine)

    def sequencer(self) -> Sequencer:
        """A sequencer for this process (``jrp.adapters.log.sequencer``); the server starts one per worker."""
        from jrp.adapters.log.sequencer import Sequencer

        return Sequencer(self.tree, self.audit_keys.signing, checkpoint_interval=self.settings.checkpoint_interval)

    @cached_property
    def hosts(self) -> HostRegistry:
        from jrp.adapters.hosts import HostRegistry
        from jrp.adapters.log.entries import AppenderLock

        return HostRegistry(self.engine, AppenderLock(self.engine))  # SQLite: writes wait behind the log's appenders

    def heartbeat(self, console_fingerprint: str) -> Heartbeat:
        """This process's entry among the service's hosts (``jrp.hosts``); the server starts one per worker."""
        from jrp.hosts import Heartbeat, profile_of

        keys = self.audit_keys
        return Heartbeat(self.hosts, self.settings.advertised_url or "",
                         lambda on: profile_of(self.library, on, keys.signing.key_id, keys.personal.pseudonym_key,
                                               console_fingerprint))

    @cached_property
    def keys(self) -> KeyStore:
        from jrp.adapters.access.api_keys import KeyStore

        keys = KeyStore(self.engine)
        if self.feed is not None:
            keys.follow(self.feed)
        return keys

    @cached_property
    def sign_outs(self) -> SignOutStore:
        from jrp.adapters.access.sign_outs import SignOutStore

        return SignOutStore(self.engine)

    @cached_property
    def feedback(self) -> FeedbackStore:
        from jrp.adapters.feedback import FeedbackStore

        return FeedbackStore(self.engine)

    @cached_property
    def service(self) -> CheckService:
        from jrp.adapters.facts.subject_versions import SubjectVersions
        from jrp.adapters.log.group_commit import GroupCommitLog
        from jrp.metrics import MeteredLog
        from jrp.service import CheckService

        facts = self.facts if self.feed is None else SubjectVersions(self.facts, self.feed)
        return CheckService(self.library, facts, GroupCommitLog(MeteredLog(self.appends)), self.bundles,
                            feed=self.feed, backend=self.settings.engine_backend,
                            cache_size=self.settings.result_cache_size)

    # --- tracking (jrp.tracking, jrp.adapters.tracking) ----------------------------------------

    @cached_property
    def subscriptions(self) -> SubscriptionStore:
        from jrp.adapters.tracking.subscriptions import SubscriptionStore

        return SubscriptionStore(self.engine, self.audit_keys.personal)

    @cached_property
    def outbox(self) -> Outbox:
        from jrp.adapters.tracking.outbox import Backoff, Outbox

        s = self.settings
        return Outbox(self.engine, Backoff(s.delivery_backoff_base, s.delivery_backoff_cap, s.delivery_retry_for))

    @cached_property
    def webhook_secrets(self) -> SecretStore:
        from jrp.adapters.tracking.secrets import SecretStore

        return SecretStore(self.engine, self.audit_keys.personal)

    @cached_property
    def outbound(self) -> OutboundPolicy:
        from jrp.tracking.outbound import policy_of

        return policy_of(self.settings.webhook_allowed_hosts, self.settings.webhook_allowed_networks)

    @cached_property
    def tracker(self) -> Tracker:
        """Re-evaluations on their own check service: facts read from the store each time, never a cached version
        the change feed has not caught up with."""
        from jrp.adapters.log.publication_watch import PublicationWatch
        from jrp.service import CheckService
        from jrp.tracking.tracker import Tracker

        def service_of(library: Library) -> CheckService:
            return CheckService(library, self.facts, self.log, self.bundles, backend=self.settings.engine_backend,
                                cache_size=1000)

        def published(service: CheckService) -> CheckService | None:  # an edition published on any host
            library = watch.newer(service.library)
            return None if library is None else service_of(library)

        watch = PublicationWatch(self.engine, self.load_library)
        tracker = Tracker(service_of(self.library), self.appends, self.subscriptions, amqp=bool(self.settings.amqp_url),
                          batch=self.settings.tracking_batch)
        tracker.published = published
        return tracker

    def edition_follower(self) -> EditionFollower:
        """This worker's checks following the editions published on any host (``jrp.publishing``)."""
        from jrp.adapters.log.publication_watch import PublicationWatch
        from jrp.publishing import EditionFollower

        return EditionFollower(PublicationWatch(self.engine, self.load_library), self.service,
                               self.settings.publication_interval)

    def tracker_loop(self) -> TrackerLoop:
        """The tracker under its lease (``jrp.adapters.tracking.lease``); the server starts one per worker."""
        from jrp.adapters.store.dbapi import Driver
        from jrp.adapters.tracking.lease import TrackerLoop

        loop = TrackerLoop(Driver(self.engine), self.tracker.run_once, interval=self.settings.tracking_interval)
        self.tracker.before_batch = loop.still_leading
        return loop

    def dispatcher(self) -> Dispatcher:
        """Deliveries of the outbox (``jrp.adapters.tracking.dispatch``); the server starts one per worker."""
        from jrp.adapters.tracking.amqp import AmqpSink
        from jrp.adapters.tracking.dispatch import Dispatcher

        s = self.settings
        amqp = AmqpSink(s.amqp_url, s.amqp_exchange, s.webhook_timeout) if s.amqp_url else None
        return Dispatcher(self.outbox, self.webhook_secrets, self.outbound, timeout=s.webhook_timeout,
                          concurrency=s.delivery_concurrency, interval=min(s.tracking_interval, 0.2) or 0.2, amqp=amqp)

    def verify_log(self, witness: Checkpoint | None = None,
                   keys: Mapping[str, Ed25519PublicKey] | None = None) -> Verification:
        """Verify the whole log (``jrp.adapters.log.verify``) trusting only the pinned ``keys`` when given (an
        auditor's), else this service's own key."""
        from jrp.adapters.log.verify import verify_log

        signing = self.audit_keys.signing
        return verify_log(self.engine, self.tree, keys or {signing.key_id: signing.public}, witness,
                          originals=self.log.originals)

    def migrate(self) -> None:
        """Bring the database schema up to date (facts store, decision log, API keys, feedback, sign-outs),
        publish the signing key's public half and carry events stored before they were leaves into the log (their
        subjects' heads change: the facts rows holding them are rebuilt)."""
        from jrp.adapters.facts import facts_rows
        from jrp.adapters.log import event_leaves
        from jrp.adapters.store.database import upgrade_database

        upgrade_database(self.engine)
        self.tree.publish_key(self.audit_keys.signing)
        if event_leaves.carry(self.engine, event_leaves.sealer_for(self.engine)):  # events stored before 0013
            facts_rows.rebuild_all(self.engine)
        self.webhook_secrets.seal_clear()  # secrets stored in clear before they were sealed
        self.subscriptions.protect_existing()  # subscriptions stored before 0018 kept subject ids in clear

    def close(self) -> None:
        if "keys" in self.__dict__:
            self.keys.close()
        if self.__dict__.get("feed") is not None:
            self.feed.stop()
        if "appends" in self.__dict__:
            self.appends.close()
        if "engine" in self.__dict__:
            self.engine.dispose()


def _event_sealer(settings: Settings) -> EventSealer:
    """The sealer of a store's events: the personal-data key's pseudonyms and the signing key of ``settings``."""
    from jrp.adapters.log.audit_keys import load_or_create
    from jrp.adapters.log.event_leaves import EventSealer

    keys = load_or_create(settings.signing_key_path(), settings.personal_data_key_path())
    return EventSealer(keys.personal.pseudonymiser(), keys.signing)
