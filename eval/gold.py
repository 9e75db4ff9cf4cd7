"""Loads the gold set (eval/gold/gold.jsonl), refusing malformed lines with the line number and the field."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from eval.schema import GoldItem, Split

GOLD_PATH = Path(__file__).resolve().parent / "gold" / "gold.jsonl"


class GoldSetError(ValueError):
    pass


def load_gold(path: Path = GOLD_PATH, split: Split | None = None) -> list[GoldItem]:
    if not path.is_file():
        raise GoldSetError(f"no gold set at {path}")
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = GoldItem.model_validate_json(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            raise GoldSetError(f"{path}:{number}: {where}: {first['msg']}") from None
        if item.id in seen:
            raise GoldSetError(f"{path}:{number}: duplicate id {item.id!r}")
        seen.add(item.id)
        if split is None or item.split == split:
            items.append(item)
    return items
