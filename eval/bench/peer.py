"""The peer: txtai's hybrid search (BM25 + the same MiniLM over FAISS) on the same chunk texts as tipkb's hybrid.

Both run in this process on the judged gold questions, timed interleaved per question with the floor (bare
query encode + exact FAISS search) in a rotating order, with one torch intra-op thread as the server uses,
so the machine's noise falls on all three alike. Both are scored by the eval's own judgments and ir-measures,
so the yardstick is the one `kb eval` uses. txtai is an optional extra (`pip install -e ".[bench]"`): it loads
the verified local MiniLM folder with the hub offline, never a download.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss

from eval.backends import LocalBackend
from eval.bench.judged import judged_items, quality
from eval.bench.records import Latency, PeerBench, PeerSystem
from eval.bench.stats import latency, ratio, timed
from eval.judgments import expand
from eval.records import GoldItem
from indexer.build import embedding_text, reconstruct_all
from kb.api import SearchMode, SearchRequest
from kb.embedding import (
    DIMENSION,
    MAX_WORDPIECES,
    MODEL_PACKAGE,
    Embedder,
    keep_hub_offline,
    model_path,
    verify_model,
)
from kb.encoder_choice import SERVING_THREADS
from kb.knowledge_base import KnowledgeBase
from kb.store import IndexStore

MISSING = 'the peer section needs txtai, an optional extra: pip install -e ".[bench]"'
TOP_K = 10
SYSTEMS = ("floor", "tipkb", "txtai")
WARMUP_QUESTIONS = 3  # first calls fill catalogues, tokenizers and SQLite pages: not what we measure


def txtai_config(path: Path) -> dict[str, Any]:
    """txtai's documented hybrid set-up (BM25 + dense, convex fusion at its default weight 0.5, FAISS), on our model.

    `maxlength: True` reads max_seq_length (256) from the model folder, so txtai truncates chunks where tipkb does;
    `content: True` stores the texts, as a search service must to return passages (tipkb returns them too).
    """
    return {"path": str(path), "content": True, "hybrid": True, "backend": "faiss", "maxlength": True}


def require_txtai() -> type[Any]:
    """txtai's Embeddings, imported only with the hub offline; a clear error when the extra is missing."""
    keep_hub_offline()  # huggingface_hub reads HF_HUB_OFFLINE once, at its first import
    try:
        from txtai import Embeddings
    except ImportError:
        raise RuntimeError(MISSING) from None
    from huggingface_hub import constants

    if not constants.HF_HUB_OFFLINE:
        raise RuntimeError("huggingface_hub was imported before HF_HUB_OFFLINE=1 was set: txtai could reach a hub")
    return Embeddings


def peer_version() -> str:
    from txtai.version import __version__

    return str(__version__)


def chunk_texts(store: IndexStore) -> list[tuple[str, str]]:
    """(chunk id, text) for every chunk, the text being exactly what the indexer embedded (context line + text)."""
    rows = sorted(row for doc_id in store.documents for row in store.chunk_ids_of_document(doc_id))
    chunks = store.chunks(rows)
    return [(chunks[row].chunk_id, embedding_text(chunks[row])) for row in rows]


def build_peer(texts: list[tuple[str, str]], threads: int) -> tuple[Any, float]:
    """txtai's index over `texts`, ids the chunk ids, built with `threads` torch threads (as `kb index` builds)."""
    import torch

    embeddings_class = require_txtai()
    path = model_path()
    verify_model(path)  # the same sha256 check tipkb makes before loading these weights
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        embeddings = embeddings_class(**txtai_config(path))
        _, seconds = timed(lambda: embeddings.index([(chunk_id, text, None) for chunk_id, text in texts]))
    finally:
        torch.set_num_threads(previous)
    if embeddings.count() != len(texts) or embeddings.config.get("dimensions") != DIMENSION:
        raise RuntimeError(f"txtai indexed {embeddings.count()} of {len(texts)} chunks, config {embeddings.config}")
    return embeddings, seconds


def measure(
    index: Path, limit: int, rounds: int, seed: int = 0, log: Callable[[str], None] = lambda _: None
) -> PeerBench:
    """Open the knowledge base as the server does (one torch thread), then compare on the first `limit` questions."""
    require_txtai()  # a missing extra fails here, before seconds of loading
    kb = KnowledgeBase.open(index)
    try:
        return measure_with(kb, judged_items(limit), rounds, seed, log)
    finally:
        kb.close()


def measure_with(
    kb: KnowledgeBase,
    items: list[GoldItem],
    rounds: int,
    seed: int = 0,
    log: Callable[[str], None] = lambda _: None,
) -> PeerBench:
    """Build the peer over `kb`'s chunks, time floor, tipkb and txtai per question in turn, judge both the same way."""
    import torch

    texts = chunk_texts(kb.store)
    build_threads = os.cpu_count() or 1
    embeddings, build_seconds = build_peer(texts, build_threads)
    log(f"peer: txtai {peer_version()} indexed {len(texts)} chunks in {build_seconds:.1f} s")
    backend = LocalBackend(kb)
    judged = {item.id: expand(item, backend) for item in items}
    exact = _exact(kb.store.faiss)
    # The floor is torch's fp32 MiniLM whatever encoder tipkb's search is given; the model call itself, no cache.
    bare_encode = (kb.embedder if isinstance(kb.embedder, Embedder) else Embedder())._embed_query
    clear_cache = getattr(kb.embedder.embed_query, "cache_clear", None)
    if clear_cache is None:
        raise RuntimeError(f"{type(kb.embedder).__name__}.embed_query has no cache_clear: timings would mix cache hits")

    def floor(q: str) -> list[str]:
        exact.search(bare_encode(q), TOP_K)
        return []

    def tipkb(q: str) -> list[str]:
        clear_cache()  # pay the same encode as the floor
        return [r.chunk_id for r in kb.search(SearchRequest(query=q, top_k=TOP_K, mode=SearchMode.HYBRID)).results]

    def txtai(q: str) -> list[str]:
        return [str(r["id"]) for r in embeddings.search(q, TOP_K)]

    systems: dict[str, Callable[[str], list[str]]] = {"floor": floor, "tipkb": tipkb, "txtai": txtai}
    samples: dict[str, list[float]] = {name: [] for name in SYSTEMS}
    tops: dict[str, dict[str, list[str]]] = {"tipkb": {}, "txtai": {}}
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(SERVING_THREADS)
    try:
        for item in items[:WARMUP_QUESTIONS]:
            for run in systems.values():
                run(item.question)
        rng = random.Random(seed)
        for _ in range(rounds):
            order = list(items)
            rng.shuffle(order)
            for turn, item in enumerate(order):
                for name in SYSTEMS[turn % 3 :] + SYSTEMS[: turn % 3]:  # rotate who goes first
                    started = time.perf_counter()
                    top = systems[name](item.question)
                    samples[name].append(time.perf_counter() - started)
                    if name in tops:
                        tops[name].setdefault(item.id, top)
    finally:
        torch.set_num_threads(previous_threads)
        embeddings.close()
    floor_latency = latency(samples["floor"])
    encoder = type(kb.embedder).__name__
    labels = {
        "tipkb": f"tipkb hybrid (kb.search, {encoder})",
        "txtai": f"txtai {peer_version()} hybrid (Embeddings.search)",
    }
    results = {
        name: _system(labels[name], latency(samples[name]), floor_latency, quality(items, judged, tops[name]))
        for name in tops
    }
    return PeerBench(
        peer=f"txtai {peer_version()}",
        peer_config=json.dumps({**txtai_config(Path()), "path": f"the {MODEL_PACKAGE} folder"}),
        questions=len(items),
        questions_by_split={s: sum(1 for i in items if i.split == s) for s in ("dev", "test")},
        rounds=rounds,
        chunks=len(texts),
        query_torch_threads=SERVING_THREADS,
        build_torch_threads=build_threads,
        peer_build_seconds=round(build_seconds, 2),
        tipkb_query_encoder=encoder,
        floor=floor_latency,
        systems=results,
        note=(
            "Same process, same chunk texts (context line + text, as tipkb embeds them), same MiniLM "
            f"(max {MAX_WORDPIECES} wordpieces), same judgments; the three calls alternate per question in a "
            f"rotating order. tipkb encodes queries with its serving encoder ({encoder}), the floor and txtai with "
            "torch fp32. tipkb's query embedding cache is cleared before each call; txtai keeps none. "
            "tipkb's retrieval constants were tuned on the dev split, so the test split is the fair comparison; "
            "txtai runs its documented defaults."
        ),
    )


def _system(name: str, lat: Latency, floor: Latency, scores: dict[str, dict[str, float]]) -> PeerSystem:
    return PeerSystem(name=name, latency=lat, ratio_to_floor_p50=ratio(lat.p50_ms, floor.p50_ms), quality=scores)


def _exact(index: faiss.Index) -> faiss.Index:
    """The index itself when it is exact (flat), else an exact copy of its vectors: the floor never approximates."""
    if isinstance(index, faiss.IndexFlat):
        return index
    flat = faiss.IndexFlatIP(index.d)
    flat.add(reconstruct_all(index))
    return flat
