"""Ranking quality by the eval's own judgments and ir-measures: the yardstick the bench shares with `kb eval`.

Used where the bench compares rankings (tipkb against its peer; one query encoder against another), so every
comparison is scored the way the gold set is.
"""

from __future__ import annotations

import ir_measures
from ir_measures import Success, nDCG

from eval.backends import LocalBackend
from eval.gold_set import load_gold
from eval.judgments import expand
from eval.records import GoldItem
from kb.api import SearchMode, SearchRequest
from kb.embedding import TextEncoder
from kb.knowledge_base import KnowledgeBase

TOP_K = 10
MEASURES = {"nDCG@10": nDCG @ 10, "hit@3": Success @ 3}  # hit@3: any judged-relevant chunk in the top 3


def judged_items(limit: int | None = None) -> list[GoldItem]:
    """Gold items with relevance judgments (unanswerable ones have nothing to rank), one per distinct question."""
    items = {item.question: item for item in reversed(load_gold()) if item.relevant}  # reversed: the first wins
    return list(reversed(items.values()))[:limit]


def quality(
    items: list[GoldItem], judged: dict[str, dict[str, int]], tops: dict[str, list[str]]
) -> dict[str, dict[str, float]]:
    """Split (all, dev, test) -> nDCG@10 and hit@3, a question with no result scoring 0 (ir-measures skips it)."""
    qrels = [ir_measures.Qrel(item.id, chunk, grade) for item in items for chunk, grade in judged[item.id].items()]
    run = [
        ir_measures.ScoredDoc(qid, chunk, float(TOP_K - i)) for qid, top in tops.items() for i, chunk in enumerate(top)
    ]
    names = {str(m): name for name, m in MEASURES.items()}
    per_query: dict[str, dict[str, float]] = {item.id: dict.fromkeys(MEASURES, 0.0) for item in items}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, run):
        per_query[metric.query_id][names[str(metric.measure)]] = metric.value
    out: dict[str, dict[str, float]] = {}
    for split in ("all", "dev", "test"):
        ids = [item.id for item in items if split in ("all", item.split)]
        if ids:
            out[split] = {name: round(sum(per_query[i][name] for i in ids) / len(ids), 4) for name in MEASURES}
    return out


def hybrid_ndcg_by_encoder(kb: KnowledgeBase, encoders: dict[str, TextEncoder]) -> dict[str, dict[str, float]]:
    """Hybrid nDCG@10 by split (all, dev, test) on the judged gold questions, the same store searched with each
    encoder: what choosing the faster encoder costs in rankings."""
    items = judged_items()
    judged = {item.id: expand(item, LocalBackend(kb)) for item in items}
    out: dict[str, dict[str, float]] = {}
    for name, encoder in encoders.items():
        searcher = KnowledgeBase(kb.store, encoder)
        tops = {
            item.id: [
                r.chunk_id
                for r in searcher.search(
                    SearchRequest(query=item.question, top_k=TOP_K, mode=SearchMode.HYBRID)
                ).results
            ]
            for item in items
        }
        out[name] = {split: scores["nDCG@10"] for split, scores in quality(items, judged, tops).items()}
    return out
