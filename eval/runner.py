"""Runs the gold set through a backend: retrieval per mode (ir-measures), then answers; per-question breakdown."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from collections.abc import Callable

import ir_measures
from ir_measures import RR, R, nDCG

from eval.backends import Backend
from eval.judgments import expand
from eval.records import (
    AnswerResult,
    EvalReport,
    GoldItem,
    LatencySummary,
    QuestionResult,
    RetrievalResult,
)
from kb.answers.verification import split_sentences
from kb.api import (
    AnswerStyle,
    AskRequest,
    AskResponse,
    ConversationTurn,
    SearchMode,
    SearchRequest,
)
from kb.quotes import display
from kb.refs import ArticleRef, InvalidArticleRef

MEASURES = {"nDCG@10": nDCG @ 10, "R@5": R @ 5, "R@10": R @ 10, "RR@10": RR @ 10}
TOP_K = 10


def article_level(ref: str) -> str:
    """'6(3)(b)' -> '6', 'untoc:18(13)' -> 'untoc:18': answers are scored by the articles they name."""
    try:
        parsed = ArticleRef.parse(ref)
    except InvalidArticleRef:
        return ref
    return str(ArticleRef(parsed.article, (), parsed.instrument))


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _set_f1(predicted: set[str], expected: set[str]) -> float:
    if not predicted and not expected:
        return 1.0
    hits = len(predicted & expected)
    return _f1(hits / len(predicted) if predicted else 0.0, hits / len(expected) if expected else 0.0)


def latency_summary(values: list[float]) -> LatencySummary:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return LatencySummary(p50_ms=round(statistics.median(ordered), 1), p95_ms=round(p95, 1))


def citations_valid(response: AskResponse, backend: Backend) -> bool:
    """Every [n] resolves and every quote occurs verbatim in its document."""
    numbers = {c.n for c in response.citations}
    if any(int(n) not in numbers for n in re.findall(r"\[(\d+)\]", response.answer)):
        return False
    for citation in response.citations:
        document = backend.document(citation.doc_id)
        if document is None or citation.quote not in document.text:
            return False
    return True


def _normal(text: str) -> str:
    return " ".join(display(text).lower().split())


def _answer_body(response: AskResponse) -> str:
    """The answer without its "(Read as: …)" line, whose quotes are the question's words."""
    return "\n".join(line for line in response.answer.splitlines() if not line.startswith("(Read as:"))


def fact_correct(item: GoldItem, response: AskResponse) -> bool | None:
    """An expected string stated before the answer's first quote (the fact first, then its evidence)."""
    if "fact" not in item.tags or not item.expected or not item.answerable:
        return None
    head = _normal(_answer_body(response).split("“")[0])
    return not response.abstained and any(_normal(e) in head for e in item.expected)


def list_complete(item: GoldItem, response: AskResponse) -> bool | None:
    """Every expected item inside the answer's quoted text."""
    if "list" not in item.tags or not item.expected or not item.answerable:
        return None
    quoted = " ".join(_normal(q) for q in re.findall(r"“([^”]*)”", _answer_body(response)))
    return not response.abstained and all(_normal(e) in quoted for e in item.expected)


def evaluate_answer(
    item: GoldItem,
    response: AskResponse,
    latency: float,
    backend: Backend,
    top_chunk: tuple[str, str] | None = None,
) -> AnswerResult:
    predicted = {article_level(a.ref) for a in response.articles}
    expected = {article_level(a) for a in item.articles}
    precision = recall = None
    if expected and item.answerable:
        hits = len(predicted & expected)
        precision = hits / len(predicted) if predicted else 0.0
        recall = hits / len(expected)
    projects = {p.id for p in response.projects}
    project_f1 = _set_f1(projects, set(item.projects)) if item.projects is not None else None
    fact = fact_correct(item, response)
    listed = list_complete(item, response)
    followup = None
    if "followup" in item.tags:
        followup = (
            response.abstained != item.answerable
            and project_f1 in (None, 1.0)
            and (recall is None or recall == 1.0)
            and fact is not False
            and listed is not False
        )
    top_cited = None
    if item.answerable and top_chunk is not None and not item.previous:
        # The first passage itself, or its text quoted from another copy (the concept note repeats each project's
        # entry word for word): either way the answer's evidence holds what search found first.
        top_id, top_text = top_chunk
        flat = _normal(top_text)
        top_cited = any(
            c.chunk_id == top_id or (len(c.quote) >= 40 and _normal(c.quote) in flat) for c in response.citations
        )
    return AnswerResult(
        intent=response.intent.value,
        abstained=response.abstained,
        articles=sorted(predicted),
        projects=sorted(projects),
        article_precision=precision,
        article_recall=recall,
        project_f1=project_f1,
        citations_valid=citations_valid(response, backend),
        latency_ms=round(latency, 1),
        style=response.style.value,
        sentences=len(split_sentences(response.answer)),
        dropped_sentences=response.dropped_sentences,
        fact_correct=fact,
        list_complete=listed,
        followup_correct=followup,
        top_passage_cited=top_cited,
        read_as=response.read_as,
    )


def ask_and_score(
    item: GoldItem,
    backend: Backend,
    style: AnswerStyle | None = None,
    top_chunk: tuple[str, str] | None = None,
    conversation_sent: bool = True,
) -> AnswerResult:
    """Ask one gold question (in `style`, or the server's default) and score the answer, timed. A follow-up's
    earlier turns are asked first, and their answers sent as its conversation, as the chat does (unless
    `conversation_sent` is False: what a client that keeps no conversation, or a server before the field, gets)."""
    conversation: list[ConversationTurn] = []
    for earlier in item.previous if conversation_sent else []:
        reply = backend.ask(AskRequest(question=earlier, conversation=conversation))
        conversation.append(ConversationTurn.of(earlier, reply))
    started = time.perf_counter()
    reply = backend.ask(AskRequest(question=item.question, style=style, conversation=conversation))
    return evaluate_answer(item, reply, (time.perf_counter() - started) * 1000, backend, top_chunk)


def _failures(item: GoldItem, retrieval: list[RetrievalResult], answer: AnswerResult | None) -> list[str]:
    out = []
    for r in retrieval:
        if item.relevant and r.metrics.get("R@10", 1.0) == 0.0:
            wanted = ", ".join(sorted(item.relevant, key=lambda k: -item.relevant[k])[:3])
            out.append(f"{r.mode}: nothing relevant in the top 10 (wanted {wanted}; got {', '.join(r.top[:3])})")
    if answer is None:
        return out
    if answer.abstained and item.answerable:
        out.append("abstained on an answerable question")
    if not answer.abstained and not item.answerable:
        out.append("answered a question the corpus cannot answer")
    missing = sorted({article_level(a) for a in item.articles} - set(answer.articles))
    if item.answerable and missing:
        out.append(f"answer misses articles {missing}")
    if answer.project_f1 is not None and answer.project_f1 < 1.0:
        out.append(f"projects {answer.projects}, expected {sorted(item.projects or [])}")
    if not answer.citations_valid:
        out.append("invalid citations (unresolved marker or quote not verbatim)")
    if answer.fact_correct is False:
        out.append(f"fact not stated first (expected one of {item.expected})")
    if answer.list_complete is False:
        out.append("list incomplete (an expected item is not quoted)")
    if answer.followup_correct is False:
        out.append(f"follow-up misread (read as {answer.read_as!r})")
    if answer.top_passage_cited is False:
        out.append("the answer does not cite hybrid search's first passage")
    return out


def run(
    items: list[GoldItem],
    backend: Backend,
    modes: list[SearchMode],
    split: str,
    answers: bool = True,
    on_item: Callable[[int], None] | None = None,
    conversation_sent: bool = True,
) -> EvalReport:
    qrels: list[ir_measures.Qrel] = []
    judged = {item.id: expand(item, backend) for item in items}
    for item in items:
        qrels.extend(ir_measures.Qrel(item.id, chunk, grade) for chunk, grade in judged[item.id].items())
    per_item: dict[str, list[RetrievalResult]] = {item.id: [] for item in items}
    retrieval: dict[str, dict[str, float]] = {}
    retrieval_latency: dict[str, LatencySummary] = {}
    # Unanswerable items have no relevant passages to rank; a follow-up's words alone are not its search query.
    answered = [i for i in items if i.relevant and not i.previous]
    first_passage: dict[str, tuple[str, str]] = {}  # hybrid search's first result per item: id and text
    for mode in modes:
        run_docs: list[ir_measures.ScoredDoc] = []
        latencies: list[float] = []
        tops: dict[str, list[str]] = {}
        for item in answered:
            started = time.perf_counter()
            response = backend.search(SearchRequest(query=item.question, top_k=TOP_K, mode=mode))
            latencies.append((time.perf_counter() - started) * 1000)
            tops[item.id] = [r.chunk_id for r in response.results]
            if mode is SearchMode.HYBRID and response.results:
                first_passage[item.id] = (response.results[0].chunk_id, response.results[0].text)
            run_docs.extend(
                ir_measures.ScoredDoc(item.id, r.chunk_id, float(TOP_K - i)) for i, r in enumerate(response.results)
            )
        per_query: dict[str, dict[str, float]] = {}
        names = {str(m): name for name, m in MEASURES.items()}
        for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, run_docs):
            per_query.setdefault(metric.query_id, {})[names[str(metric.measure)]] = round(metric.value, 4)
        aggregate = ir_measures.calc_aggregate(list(MEASURES.values()), qrels, run_docs)
        retrieval[mode.value] = {name: round(aggregate[m], 4) for name, m in MEASURES.items()}
        retrieval_latency[mode.value] = latency_summary(latencies)
        for item, latency in zip(answered, latencies, strict=True):
            metrics = {name: per_query.get(item.id, {}).get(name, 0.0) for name in MEASURES}
            per_item[item.id].append(
                RetrievalResult(mode=mode.value, metrics=metrics, top=tops[item.id], latency_ms=round(latency, 1))
            )

    results: list[QuestionResult] = []
    answer_results: list[tuple[GoldItem, AnswerResult]] = []
    for number, item in enumerate(items, start=1):
        answer = None
        if answers:
            top = first_passage.get(item.id)
            answer = ask_and_score(item, backend, top_chunk=top, conversation_sent=conversation_sent)
            answer_results.append((item, answer))
        results.append(
            QuestionResult(
                id=item.id,
                kind=item.kind,
                tags=item.tags,
                question=item.question,
                answerable=item.answerable,
                retrieval=per_item[item.id],
                answer=answer,
                failures=_failures(item, per_item[item.id], answer),
            )
        )
        if on_item:
            on_item(number)
    return EvalReport(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        target=backend.name,
        split=split,
        questions=len(items),
        retrieval=retrieval,
        retrieval_latency=retrieval_latency,
        answers=summarise_answers(answer_results) if answers else {},
        answer_latency=latency_summary([a.latency_ms for _, a in answer_results]) if answer_results else None,
        results=results,
    )


def summarise_answers(pairs: list[tuple[GoldItem, AnswerResult]]) -> dict[str, float]:
    precisions = [a.article_precision for _, a in pairs if a.article_precision is not None]
    recalls = [a.article_recall for _, a in pairs if a.article_recall is not None]
    projects = [a.project_f1 for _, a in pairs if a.project_f1 is not None]
    abstained_right = sum(1 for i, a in pairs if a.abstained and not i.answerable)
    abstained = sum(1 for _, a in pairs if a.abstained)
    unanswerable = sum(1 for i, _ in pairs if not i.answerable)
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    reading: dict[str, float] = {}
    for metric, field in (
        ("fact_accuracy", "fact_correct"),
        ("list_completeness", "list_complete"),
        ("followup_accuracy", "followup_correct"),
        ("top_passage_in_evidence", "top_passage_cited"),
    ):
        values = [getattr(a, field) for _, a in pairs if getattr(a, field) is not None]
        if values:
            reading[metric] = round(sum(values) / len(values), 4)
    return reading | {
        "article_precision": round(p, 4),
        "article_recall": round(r, 4),
        "article_f1": round(_f1(p, r), 4),
        "project_f1": round(statistics.mean(projects), 4) if projects else 0.0,
        "abstention_precision": round(abstained_right / abstained, 4) if abstained else 1.0,
        "abstention_recall": round(abstained_right / unanswerable, 4) if unanswerable else 1.0,
        "citation_validity": round(sum(a.citations_valid for _, a in pairs) / len(pairs), 4) if pairs else 0.0,
    }
