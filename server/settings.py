"""Settings of the HTTP layer only (environment variables prefixed TIPKB_), read once by the app factory."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIPKB_")

    # Requests per minute and client on /api/*; /health, /metrics, /schema and / are not limited.
    rate_limit_per_minute: int = Field(default=600, ge=1)
