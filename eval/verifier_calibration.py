"""Calibrates the AnswerVerifier's thresholds on the gold set, so "supported" means something measured.

Supported sentences come from the gold questions' own extractive answers: each answer sentence with its `[n]`
markers (framing words plus a verbatim quote), and each cited quote shortened and framed the way a model
restates it. Unsupported ones are the same sentences pinned to a wrong passage: the most similar passage cited
for another question (the hard case: same topic, different claim) and a random one. The chosen thresholds are
the pair that keeps the most supported sentences while accepting at most `max_accept_wrong` of the hard wrong
ones; they are then measured on the other split.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable

import numpy as np

from eval.records import GoldItem, ThresholdPoint, VerifierCalibration, VerifierSample
from kb.answers.verification import claim_of, markers, split_sentences, support
from kb.api import AnswerStyle, AskRequest
from kb.knowledge_base import KnowledgeBase
from kb.quotes import display

COVERAGE_GRID = [round(0.3 + 0.05 * i, 2) for i in range(14)]  # 0.30 … 0.95
COSINE_GRID = [round(0.3 + 0.05 * i, 2) for i in range(13)]  # 0.30 … 0.90
FRAMES = ("According to the source, {}.", "The passage states that {}.", "{}.")
MAX_FRAMED_WORDS = 28


def framed(quote: str, rng: random.Random) -> str:
    """A quote restated the way a model tends to: its opening words, lower-cased into a framing clause."""
    words = display(quote).rstrip(".;: ").split()[:MAX_FRAMED_WORDS]
    body = " ".join(words)
    frame = rng.choice(FRAMES)
    return frame.format(body[0].lower() + body[1:] if frame != "{}." else body)


Pair = tuple[str, str, str, list[str]]  # (gold item id, kind, claim, the quotes it cites)
NEAR_DUPLICATE = 0.8  # a "wrong" passage this close to a cited one may say the same thing: not a wrong passage


def supported_pairs(
    items: Iterable[GoldItem], knowledge_base: KnowledgeBase, on_item: Callable[[int], None] | None = None
) -> list[Pair]:
    """Sentences and the quotes that support them, from the gold questions' extractive answers."""
    rng = random.Random(20261129)
    pairs: list[Pair] = []
    for number, item in enumerate(items, start=1):
        response = knowledge_base.ask(AskRequest(question=item.question, style=AnswerStyle.EXTRACTIVE))
        if on_item:
            on_item(number)
        if response.abstained or not response.citations:
            continue
        by_n = {c.n: c.quote for c in response.citations}
        for sentence in split_sentences(response.answer):
            cited = [by_n[n] for n in markers(sentence) if n in by_n]
            if cited and claim_of(sentence).strip():
                pairs.append((item.id, "answer_sentence", claim_of(sentence), cited))
        for citation in response.citations:
            pairs.append((item.id, "framed_quote", framed(citation.quote, rng), [citation.quote]))
    return pairs


def collect(pairs: list[Pair], knowledge_base: KnowledgeBase) -> list[VerifierSample]:
    """Each supported pair, and its sentence pinned to a wrong passage: the passage cited for another question that
    is most similar to the sentence (but not a near-duplicate of its own quotes), and a random one."""
    embed = knowledge_base.embedder.embed
    rng = random.Random(20261129)
    pool = list(dict.fromkeys(q for *_, quotes in pairs for q in quotes))
    owners: dict[str, set[str]] = {}
    for item_id, *_, quotes in pairs:
        for q in quotes:
            owners.setdefault(q, set()).add(item_id)
    position = {q: i for i, q in enumerate(pool)}
    pool_vectors = embed([display(q) for q in pool])
    claim_vectors = embed([claim for _, _, claim, _ in pairs])
    samples: list[VerifierSample] = []
    for (item_id, kind, claim, quotes), vector in zip(pairs, claim_vectors, strict=True):
        own = pool_vectors[[position[q] for q in quotes]]
        coverage, cosine = support(claim, vector, [display(q) for q in quotes], own)
        samples.append(VerifierSample(item=item_id, kind=kind, supported=True, coverage=coverage, cosine=cosine))  # type: ignore[arg-type]
        others = [
            i
            for i, q in enumerate(pool)
            if item_id not in owners[q] and float(np.max(own @ pool_vectors[i])) < NEAR_DUPLICATE
        ]
        if not others:
            continue
        similarity = pool_vectors[others] @ vector
        for wrong_kind, index in (
            ("wrong_passage", others[int(np.argmax(similarity))]),
            ("random_passage", rng.choice(others)),
        ):
            coverage, cosine = support(claim, vector, [display(pool[index])], pool_vectors[[index]])
            samples.append(
                VerifierSample(item=item_id, kind=wrong_kind, supported=False, coverage=coverage, cosine=cosine)  # type: ignore[arg-type]
            )
    return samples


def measure(samples: list[VerifierSample], min_coverage: float, min_cosine: float) -> ThresholdPoint:
    def accepted(kind: set[str]) -> float:
        chosen = [s for s in samples if s.kind in kind]
        kept = sum(1 for s in chosen if s.coverage >= min_coverage and s.cosine >= min_cosine)
        return round(kept / len(chosen), 4) if chosen else 0.0

    return ThresholdPoint(
        min_coverage=min_coverage,
        min_cosine=min_cosine,
        accept_supported=accepted({"answer_sentence", "framed_quote"}),
        accept_wrong=accepted({"wrong_passage"}),
        accept_random=accepted({"random_passage"}),
    )


def choose(grid: list[ThresholdPoint], max_accept_wrong: float) -> ThresholdPoint:
    """Most supported sentences kept within the wrong-passage budget; ties go to the stricter pair."""
    allowed = [p for p in grid if p.accept_wrong <= max_accept_wrong]
    if not allowed:
        raise ValueError(f"no thresholds keep wrong-passage acceptance at or below {max_accept_wrong}")
    return max(allowed, key=lambda p: (p.accept_supported, -p.accept_wrong, p.min_coverage + p.min_cosine))


def calibrate(
    calibration: list[VerifierSample],
    held_out: list[VerifierSample] | None,
    split: str,
    questions: int,
    max_accept_wrong: float = 0.05,
) -> VerifierCalibration:
    grid = [measure(calibration, c, s) for c in COVERAGE_GRID for s in COSINE_GRID]
    chosen = choose(grid, max_accept_wrong)
    return VerifierCalibration(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        split=split,
        questions=questions,
        samples=len(calibration),
        max_accept_wrong=max_accept_wrong,
        chosen=chosen,
        held_out=measure(held_out, chosen.min_coverage, chosen.min_cosine) if held_out else None,
        grid=grid,
    )


def markdown(report: VerifierCalibration) -> str:
    c, h = report.chosen, report.held_out
    lines = [
        "# Verifier calibration",
        "",
        f"Created {report.created_at} by `kb calibrate-verifier`: {report.questions} gold questions of the "
        f"`{report.split}` split, {report.samples} sentence/passage pairs. Supported pairs are the extractive answers' "
        "own sentences and their quotes restated; unsupported pairs pin the same sentences to the most similar "
        "passage cited for another question (hard) or to a random one.",
        "",
        f"Chosen: **coverage ≥ {c.min_coverage}, cosine ≥ {c.min_cosine}**, the pair that keeps the most supported "
        f"sentences while accepting at most {report.max_accept_wrong:.0%} of hard wrong-passage sentences.",
        "",
        "| split | supported kept | wrong (similar) passage kept | random passage kept |",
        "|---|---|---|---|",
        f"| {report.split} (calibration) | {c.accept_supported:.3f} | {c.accept_wrong:.3f} | {c.accept_random:.3f} |",
    ]
    if h is not None:
        lines.append(f"| held out | {h.accept_supported:.3f} | {h.accept_wrong:.3f} | {h.accept_random:.3f} |")
    lines += [
        "",
        "Numbers and article references a sentence states must also appear in its cited passages; that check is "
        "exact and not part of this grid.",
        "",
        f"## Grid (calibration split, cosine ≥ {c.min_cosine})",
        "",
        "| min coverage | supported kept | wrong kept | random kept |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {p.min_coverage} | {p.accept_supported:.3f} | {p.accept_wrong:.3f} | {p.accept_random:.3f} |"
        for p in report.grid
        if p.min_cosine == c.min_cosine
    ]
    return "\n".join(lines) + "\n"
