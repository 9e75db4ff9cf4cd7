"""The retriever protocol: a query and an optional set of allowed chunk ids in, ranked hits out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Hit:
    """A chunk (by its row id in the index) and the retriever's score for it; higher is better."""

    chunk: int
    score: float


class Retriever(Protocol):
    def run(self, query: str, limit: int, allowed: set[int] | None) -> list[Hit]: ...
