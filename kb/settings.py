"""The one settings object: every `TIPKB_*` environment variable, read once at start and passed down.

`Settings()` reads the environment when it is built (the CLI at the start of a command, `create_app` at the start
of each server worker) and nothing else in the code reads `os.environ` for its configuration. Each section is its
own pydantic-settings class so that the variable names stay flat (`TIPKB_INDEX_DIR`, `TIPKB_ADMIN_KEY`,
`TIPKB_LLM_URL`) and a test can build one section by hand and leave the others to their defaults.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kb.records import QueryEncoderVariant

KIB = 1 << 10
MIB = 1 << 20


class IndexSettings(BaseSettings):
    """Where the documents are and where the index goes (`kb index`, `kb serve`, the upload routes)."""

    model_config = SettingsConfigDict(env_prefix="TIPKB_")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("var/index")
    # Documents added by staff (`kb add`, POST /api/documents): originals and metadata, indexed with the corpus.
    uploads_dir: Path = Path("var/uploads")
    # How questions are encoded (`kb serve`, `kb search`, `kb ask`): onnx-int8, onnx-fp32 or torch. Unset: the
    # build's default, the fastest ONNX variant that matched torch on the probe questions (DESIGN §5).
    query_encoder: QueryEncoderVariant | None = None


class ServerSettings(BaseSettings):
    """The HTTP layer's limits and identity."""

    model_config = SettingsConfigDict(env_prefix="TIPKB_")

    # Requests per minute and client on /api/*; /health, /metrics, /schema and / are not limited.
    rate_limit_per_minute: int = Field(default=600, ge=1)
    # JSON bodies are small: a question is at most 1000 characters, filters at most 50 values each.
    max_json_bytes: int = Field(default=64 * KIB, ge=1 * KIB)
    # Uploaded documents (POST /api/documents): the file itself; the form around it may add a little.
    max_upload_bytes: int = Field(default=20 * MIB, ge=1 * KIB)
    # Origins allowed to call the API from a browser; empty means CORS stays closed (same origin only).
    # TIPKB_CORS_ORIGINS=https://a.example,https://b.example
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A replica behind a load balancer names itself in the X-Replica response header.
    replica_name: str = ""
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (the client address for rate limits and logs);
    # none by default, so a client cannot claim another address. TIPKB_TRUSTED_PROXIES=127.0.0.1 behind local nginx.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Seconds a client has to send its whole request body (uploads included) before it gets a 408.
    body_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return [o.strip() for o in value.split(",") if o.strip()] if isinstance(value, str) else value


class StaffSettings(BaseSettings):
    """The staff key guarding the routes that change the index: the key itself, or a file holding it."""

    model_config = SettingsConfigDict(env_prefix="TIPKB_")

    admin_key: str | None = Field(default=None, repr=False)
    admin_key_file: Path | None = None


class LLMSettings(BaseSettings):
    """The optional OpenAI-compatible LLM for generative answers; an unset URL keeps every answer extractive."""

    model_config = SettingsConfigDict(env_prefix="TIPKB_LLM_")

    # The OpenAI-compatible base URL, e.g. http://127.0.0.1:8001/v1 (`/chat/completions` is appended).
    url: str | None = None
    model: str = "default"
    api_key: SecretStr | None = None
    timeout: float = Field(default=30.0, gt=0, le=600)  # seconds for the whole generation, first byte to last
    max_tokens: int = Field(default=320, ge=16, le=4096)
    temperature: float = Field(default=0.0, ge=0, le=2)
    # Further request fields the server understands (JSON), e.g. {"top_k": 20} for vLLM or a llama.cpp grammar.
    extra_body: dict[str, Any] = Field(default_factory=dict)
    # Answers being written at once per server worker; more get the quoted answer with a note (never a wait).
    max_concurrent: int = Field(default=4, ge=1, le=256)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// base URL, got {value!r}")
        return value

    @property
    def configured(self) -> bool:
        return self.url is not None


class LoggingSettings(BaseSettings):
    """The level of the `server.*` and `kb.*` loggers (JSON lines); questions are never logged at INFO."""

    model_config = SettingsConfigDict(env_prefix="TIPKB_LOG_")

    level: str = "INFO"

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r}; valid: DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


class FeedbackSettings(BaseSettings):
    """Where delegates' verdicts on answers are kept (POST /api/feedback, `kb feedback export`): a SQLite file of its
    own, outside the index directory, so that no re-index or new build ever touches it."""

    model_config = SettingsConfigDict(env_prefix="TIPKB_FEEDBACK_")

    path: Path = Path("var/feedback.sqlite3")  # TIPKB_FEEDBACK_PATH; created on the first verdict


class Settings(BaseModel):
    """Every section; building it reads the environment once."""

    index: IndexSettings = Field(default_factory=IndexSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)


SECTIONS: tuple[type[BaseSettings], ...] = (
    IndexSettings,
    ServerSettings,
    StaffSettings,
    LLMSettings,
    LoggingSettings,
    FeedbackSettings,
)


def variable_name(section: str, field: str) -> str:
    """The environment variable behind a section's field (`LLMSettings`, `timeout` → `TIPKB_LLM_TIMEOUT`), so that a
    bad value is reported by the name the operator set."""
    for cls in SECTIONS:
        if cls.__name__ == section:
            return f"{cls.model_config.get('env_prefix', '')}{field}".upper()
    return field
