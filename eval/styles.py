"""Answer styles side by side: the same gold questions asked extractively and generatively, scored alike.

Reports, per requested style, the answer metrics of the runner (citation validity, article-citation F1,
abstention), latency, how many generative requests really came back generative, and the share of generated
sentences the verifier dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from eval.backends import Backend
from eval.records import AnswerResult, GoldItem, StyleComparison, StyleSummary
from eval.runner import ask_and_score, latency_summary, summarise_answers
from kb.api import AnswerStyle


def compare_styles(
    items: list[GoldItem],
    backend: Backend,
    styles: list[AnswerStyle],
    split: str,
    on_item: Callable[[int], None] | None = None,
) -> StyleComparison:
    results: dict[str, list[AnswerResult]] = {s.value: [] for s in styles}
    for number, item in enumerate(items, start=1):
        for style in styles:  # interleaved, so a slow spell of the machine falls on both styles alike
            results[style.value].append(ask_and_score(item, backend, style))
        if on_item:
            on_item(number)
    return StyleComparison(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        target=backend.name,
        split=split,
        questions=len(items),
        styles=[summarise(style, items, results[style.value]) for style in styles],
        results=results,
        question_ids=[i.id for i in items],
    )


def summarise(style: AnswerStyle, items: list[GoldItem], answers: list[AnswerResult]) -> StyleSummary:
    generated = [a for a in answers if a.style == AnswerStyle.GENERATIVE.value]
    kept = sum(a.sentences for a in generated)
    dropped = sum(a.dropped_sentences for a in answers)
    return StyleSummary(
        requested=style.value,
        answers=summarise_answers(list(zip(items, answers, strict=True))),
        latency=latency_summary([a.latency_ms for a in answers]),
        generated=len(generated),
        fell_back=len(answers) - len(generated) if style is AnswerStyle.GENERATIVE else 0,
        kept_sentences=kept,
        dropped_sentences=dropped,
        dropped_sentence_rate=round(dropped / (kept + dropped), 4) if kept + dropped else 0.0,
    )


def markdown(report: StyleComparison) -> str:
    metrics = ["citation_validity", "article_f1", "article_precision", "article_recall", "abstention_precision"]
    metrics += ["abstention_recall", "project_f1"]
    styles = report.styles

    def row(label: str, values: list[str]) -> str:
        return f"| {label} | " + " | ".join(values) + " |"

    rows = [row("measure", [s.requested for s in styles]), "|---|" + "---|" * len(styles)]
    rows += [row(metric, [f"{s.answers[metric]:.3f}" for s in styles]) for metric in metrics]
    rows += [
        row("latency p50 / p95 (ms)", [f"{s.latency.p50_ms:.0f} / {s.latency.p95_ms:.0f}" for s in styles]),
        row("answers generative", [f"{s.generated}/{report.questions}" for s in styles]),
        row("fell back to quotes", [str(s.fell_back) for s in styles]),
        row("sentences kept / dropped", [f"{s.kept_sentences} / {s.dropped_sentences}" for s in styles]),
        row("dropped-sentence rate", [f"{s.dropped_sentence_rate:.3f}" for s in styles]),
    ]
    intro = (
        f"Created {report.created_at} against {report.target}: {report.questions} gold questions "
        f"(`{report.split}`), each asked in every style."
    )
    return "\n".join(["# Answer styles side by side", "", intro, "", *rows, ""])
