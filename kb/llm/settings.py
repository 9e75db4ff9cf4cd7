"""LLMSettings: where the optional LLM server is and how long to wait for it (environment `TIPKB_LLM_*`).

Unset `TIPKB_LLM_URL` means no LLM: every answer stays extractive.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class LLMSettings(BaseSettings):
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
