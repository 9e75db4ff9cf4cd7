"""Benchmark queries: the gold set's real questions, read straight from eval/gold/gold.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

GOLD_PATH = Path(__file__).resolve().parents[2] / "eval" / "gold" / "gold.jsonl"


def gold_questions(path: Path = GOLD_PATH) -> list[str]:
    """Every distinct question of the gold set, in file order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    questions = [str(json.loads(line)["question"]) for line in lines if line.strip()]
    return list(dict.fromkeys(questions))
