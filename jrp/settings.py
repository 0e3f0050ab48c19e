"""Runtime settings, read once from the environment (prefix ``JRP_``) and never mutated.

Tests and the CLI build their own ``Settings`` and pass it down; nothing reads the
environment after start-up.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where jrp keeps its data and which rules it serves."""

    model_config = SettingsConfigDict(env_prefix="JRP_", frozen=True)

    data_dir: Path = Field(default=Path("data"), description="folder of the embedded SQLite store")
    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
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
    console_secret: SecretStr | None = Field(
        default=None, description="signs web console sessions; every worker of one service needs the same "
                                  "(`jrp serve` makes one for its workers when unset)"
    )

    body_limits: dict[str, int] = Field(
        default_factory=dict, description="request body limits in bytes by path prefix, e.g. "
                                          '{"/v1/events": 134217728}; added to (or overriding) jrp.api.request_guard\'s'
    )
    body_limit_default: int = Field(default=256 * 1024, description="the body limit of every other path, in bytes")

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'jrp.db').resolve()}"
