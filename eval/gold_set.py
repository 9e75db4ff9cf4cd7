"""Loads the gold set (eval/gold/gold.jsonl), refusing malformed lines with the line number and the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eval.records import GoldItem, Split

GOLD_PATH = Path(__file__).resolve().parent / "gold" / "gold.jsonl"


class GoldSetError(ValueError):
    pass


Record = TypeVar("Record", bound=BaseModel)


def _records(path: Path, model: type[Record]) -> Iterator[tuple[int, Record]]:
    """(line number, record) for each non-blank JSONL line; a malformed one names its line and field."""
    if not path.is_file():
        raise GoldSetError(f"no gold set at {path}")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, model.model_validate_json(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            raise GoldSetError(f"{path}:{number}: {where}: {first['msg']}") from None


def load_gold(path: Path = GOLD_PATH, split: Split | None = None) -> list[GoldItem]:
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, item in _records(path, GoldItem):
        if item.id in seen:
            raise GoldSetError(f"{path}:{number}: duplicate id {item.id!r}")
        seen.add(item.id)
        if split is None or item.split == split:
            items.append(item)
    return items


MULTILINGUAL_PATH = GOLD_PATH.with_name("multilingual.jsonl")
LANGUAGES = ("ar", "zh", "fr", "ru", "es")


class TranslatedItem(BaseModel):
    """A gold question in another UN language; its judgments are those of its English `source` item."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source: str
    lang: Literal["ar", "zh", "fr", "ru", "es"]
    split: Split
    question: str = Field(min_length=1, max_length=1000)
    previous: list[str] = Field(default=[], max_length=5)  # the source's earlier turns, translated


def load_translated(
    language: str, split: Split | None = None, path: Path = MULTILINGUAL_PATH, gold: Path = GOLD_PATH
) -> list[GoldItem]:
    """The translated questions of one language as GoldItems: the source's judgments, the translated question."""
    if language not in LANGUAGES:
        raise GoldSetError(f"unknown language {language!r}; translated gold sets: {', '.join(LANGUAGES)}")
    sources = {item.id: item for item in load_gold(gold)}
    items: list[GoldItem] = []
    for number, translated in _records(path, TranslatedItem):
        source = sources.get(translated.source)
        if source is None or source.split != translated.split:
            raise GoldSetError(f"{path}:{number}: source {translated.source!r} missing or in another split")
        if translated.lang == language and (split is None or translated.split == split):
            update = {"id": translated.id, "question": translated.question, "previous": translated.previous}
            items.append(source.model_copy(update=update))
    return items


ROUND2_PATH = GOLD_PATH.with_name("round2.jsonl")
ROUND2_MULTILINGUAL_PATH = GOLD_PATH.with_name("round2-multilingual.jsonl")
# The gold sets `kb eval --gold` names: the original 118 questions, and round 2 (facts, lists, follow-ups, typos,
# unfamiliar words, prose documents, other instruments and comparisons; eval/gold/README-round2.md).
GOLD_SETS: dict[str, tuple[Path, Path]] = {
    "original": (GOLD_PATH, MULTILINGUAL_PATH),
    "round2": (ROUND2_PATH, ROUND2_MULTILINGUAL_PATH),
}


def load_gold_set(name: str, split: Split | None = None, language: str = "en") -> list[GoldItem]:
    """A named gold set ("original", "round2" or "all"), English or translated."""
    names = list(GOLD_SETS) if name == "all" else [name]
    items: list[GoldItem] = []
    for each in names:
        if each not in GOLD_SETS:
            raise GoldSetError(f"unknown gold set {each!r}; valid: {', '.join(GOLD_SETS)}, all")
        gold, translated = GOLD_SETS[each]
        if language == "en":
            items += load_gold(gold, split)
        else:
            items += load_translated(language, split, path=translated, gold=gold)
    return items
