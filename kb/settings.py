"""Settings read once at start (environment variables prefixed TIPKB_) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIPKB_")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("var/index")
    # Documents added by staff (`kb add`, POST /api/documents): originals and metadata, indexed with the corpus.
    uploads_dir: Path = Path("var/uploads")
