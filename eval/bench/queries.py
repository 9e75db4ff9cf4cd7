"""Benchmark queries: the gold set's real questions (eval/gold/gold.jsonl, through the gold-set loader)."""

from __future__ import annotations

from pathlib import Path

from eval.gold_set import GOLD_PATH, load_gold


def gold_questions(path: Path = GOLD_PATH) -> list[str]:
    """Every distinct question of the gold set, in file order."""
    return list(dict.fromkeys(item.question for item in load_gold(path)))
