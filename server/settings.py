"""Settings of the HTTP layer only (environment variables prefixed TIPKB_), read once by the app factory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

KIB = 1 << 10
MIB = 1 << 20


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIPKB_")

    # Requests per minute and client on /api/*; /health, /metrics, /schema and / are not limited.
    rate_limit_per_minute: int = Field(default=600, ge=1)
    # JSON bodies are small: a question is at most 1000 characters, filters at most 50 values each.
    max_json_bytes: int = Field(default=64 * KIB, ge=1 * KIB)
    # Uploaded documents (POST /api/documents): the file itself; the form around it may add a little.
    max_upload_bytes: int = Field(default=20 * MIB, ge=1 * KIB)
    # Staff key (POST/DELETE /api/documents, POST /api/reindex): the key itself, or a file holding it.
    admin_key: str | None = Field(default=None, repr=False)
    admin_key_file: Path | None = None
    # Origins allowed to call the API from a browser; empty means CORS stays closed (same origin only).
    # TIPKB_CORS_ORIGINS=https://a.example,https://b.example
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        return [o.strip() for o in value.split(",") if o.strip()] if isinstance(value, str) else value
