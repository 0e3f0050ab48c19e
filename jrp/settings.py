"""Runtime settings, read once from the environment (prefix ``JRP_``) and a TOML file, and never mutated.

Sources, strongest first: values passed to ``Settings(...)``, environment variables
(``JRP_DATA_DIR``, ``DATABASE_URL``…), the TOML file named by ``JRP_CONFIG`` (``jrp --config``
sets it), then the defaults. The file uses the field names below as keys::

    database_url = "postgresql+psycopg://jrp@db/jrp"
    host = "0.0.0.0"
    workers = 4
    log_level = "warning"

An unknown key in the file is an error naming it. Tests and the CLI build their own
``Settings`` and pass it down; nothing reads the environment after start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

CONFIG_ENV = "JRP_CONFIG"


class Settings(BaseSettings):
    """Where jrp keeps its data, which rules it serves, and how its server runs."""

    model_config = SettingsConfigDict(env_prefix="JRP_", frozen=True, extra="forbid")

    data_dir: Path = Field(default=Path("data"), description="folder of the embedded SQLite store")
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="SQLAlchemy URL of the production store; SQLite in data_dir when unset",
    )
    rulesets_dir: Path | None = Field(
        default=None, description="rulesets folder; the bundled rulesets when unset"
    )
    legal_texts_dir: Path | None = Field(
        default=None, description="folder of legal texts used to verify quoted citations"
    )
    engine_backend: str = Field(
        default="indexed", description="indexed (fast path) or durable (durable_rules)"
    )
    result_cache_size: int = Field(
        default=20_000,
        description="evaluations kept per worker process, ~20 KiB each (10-record subjects): ~400 MiB when full",
    )
    feed_interval: float = Field(
        default=0.2, ge=0, le=5,
        description="seconds between polls of the store's change feed in each worker: a check without a consistency "
                    "token sees facts and key revocations committed more than this (plus one poll, a few ms) ago; "
                    "0: no feed, every check reads its versions and key from the store",
    )
    console_secret: SecretStr | None = Field(
        default=None, description="signs web console sessions; every worker of every host of one service needs the "
                                  "same (`jrp serve` makes one for its own workers when unset, and warns on PostgreSQL)"
    )
    host: str = Field(default="127.0.0.1", description="address `jrp serve` listens on (0.0.0.0 in a container)")
    advertised_url: str | None = Field(
        default=None, description="the URL this process answers at, as /readyz and `jrp hosts` name it "
                                  "(`jrp serve` sets http://<host>:<port> when unset)")
    port: int = Field(default=8000, ge=1, le=65535, description="port `jrp serve` listens on")
    workers: int = Field(default=2, ge=1, description="worker processes of `jrp serve`")
    keep_alive_timeout: float = Field(
        default=65.0, gt=0, le=3600,
        description="seconds `jrp serve` keeps an idle connection open; longer than clients keep theirs (httpx and "
                    "requests pools: 5 s), so a client never sends on a connection the server is closing, which "
                    "fails the request with no response (uvicorn's own default is those same 5 s)")
    log_level: str = Field(default="info", pattern="^(debug|info|warning|error)$",
                           description="of jrp's JSON logs (errors, warnings…) on standard output")
    access_log: bool = Field(default=False, description="one JSON line per request on standard output "
                                                        "(`jrp serve` turns it on unless set)")
    metrics_dir: Path | None = Field(
        default=None, description="where `jrp serve`'s workers keep their metrics for /metrics to sum "
                                  "(emptied at start); a fresh temporary folder when unset")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config = os.environ.get(CONFIG_ENV)
        if config and not Path(config).is_file():
            raise FileNotFoundError(2, f"no configuration file (--config / {CONFIG_ENV})", config)
        file = (TomlConfigSettingsSource(settings_cls, toml_file=config),) if config else ()
        return init_settings, env_settings, *file

    signing_key_file: Path | None = Field(
        default=None, description="Ed25519 private key (PEM) signing checkpoints and receipts; "
                                  "<data_dir>/keys/signing.pem when unset (made on first start)")
    personal_data_key_file: Path | None = Field(
        default=None, description="master secret (base64) of natural persons' pseudonyms and sealed originals; "
                                  "<data_dir>/keys/personal-data.key when unset (made on first start)")
    log_origin: str | None = Field(
        default=None, max_length=200,
        description="the log's name in its signed checkpoints, set once per store (kept in the store; a unique name "
                    "is generated at first start when unset); a setting that differs from the store's is refused")
    checkpoint_interval: float = Field(default=1.0, description="seconds between signed checkpoints while the log grows")
    personal_data_retention_months: int = Field(
        default=60, ge=1, description="months after which `jrp audit erase-personal-data` erases the originals")

    def signing_key_path(self) -> Path:
        return self.signing_key_file or self.data_dir / "keys" / "signing.pem"

    def personal_data_key_path(self) -> Path:
        return self.personal_data_key_file or self.data_dir / "keys" / "personal-data.key"

    body_limits: dict[str, int] = Field(
        default_factory=dict, description="request body limits in bytes by path prefix, e.g. "
                                          '{"/v1/events": 134217728}; added to (or overriding) jrp.api.request_guard\'s'
    )
    body_limit_default: int = Field(default=256 * 1024, description="the body limit of every other path, in bytes")
    report_verify_limit: int = Field(
        default=30, ge=1, description="verifications of a report by its code (API and console, no key needed) per "
                                      "client address and minute, in each serving process")

    # --- tracking (jrp.tracking, jrp.adapters.tracking): subscriptions, the outbox and its sinks
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list, description="hosts webhook targets may name (exact, or *.example.org); empty: any host")
    webhook_allowed_networks: list[str] = Field(
        default_factory=list, description="networks (CIDR) webhook targets may resolve to although private or loopback "
                                          "(refused otherwise: server-side request forgery), e.g. 10.20.0.0/16")
    webhook_timeout: float = Field(default=10.0, gt=0, le=60, description="seconds a webhook receiver has to answer")
    delivery_backoff_base: float = Field(default=5.0, gt=0, description="seconds before the first retry; doubles each time")
    delivery_backoff_cap: float = Field(default=3600.0, gt=0, description="the longest wait between two retries, seconds")
    delivery_retry_for: float = Field(default=86400.0, gt=0, description="seconds a delivery is retried after its first "
                                                                        "attempt before it becomes a dead letter")
    delivery_concurrency: int = Field(default=32, ge=1, description="deliveries a process sends at once")
    publication_interval: float = Field(default=5.0, ge=0, description="seconds between each worker's looks for an "
                                                                         "edition published on any host, which its "
                                                                         "checks then select; 0: only at start")
    tracking_interval: float = Field(default=1.0, ge=0, description="seconds between the tracker's rounds and the "
                                                                     "dispatchers' polls; 0: no tracking in jrp serve")
    tracking_batch: int = Field(default=1000, ge=1, description="events read, and subscriptions re-evaluated, per "
                                                                "transaction of the tracker")
    secret_rotation_grace: float = Field(default=86400.0, ge=0, description="seconds an old webhook secret keeps "
                                                                            "signing after a rotation")
    amqp_url: str | None = Field(default=None, description="RabbitMQ URL (amqp://guest:guest@127.0.0.1:5672/): "
                                                           "notifications are also published there when set")
    amqp_exchange: str = Field(default="jrp.notifications", description="the durable topic exchange notifications "
                                                                        "go to, routing key <jurisdiction>.<scenario>")

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'jrp.db').resolve()}"
