"""`kb bench --sections peer`: tipkb hybrid against txtai hybrid on the real index; behaviour only, never timings."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from eval.bench import peer
from eval.bench import report as bench_report
from eval.bench.records import BenchReport
from eval.bench.stats import machine
from eval.bench.targets import evaluate
from kb.knowledge_base import KnowledgeBase

needs_txtai = pytest.mark.skipif(
    importlib.util.find_spec("txtai") is None,
    reason='txtai is not installed (the optional extra: pip install -e ".[bench]")',
)


@needs_txtai
def test_peer_section_compares_both_systems_by_the_same_judgments(knowledge_base: KnowledgeBase) -> None:
    items = peer.judged_items(6)
    section = peer.measure_with(knowledge_base, items, rounds=1)
    assert section.peer.startswith("txtai 9.14.")
    assert section.questions == 6 and section.chunks == knowledge_base.store.faiss.ntotal
    assert sum(section.questions_by_split.values()) == 6
    assert set(section.systems) == {"tipkb", "txtai"}
    assert section.floor.n == 6 and section.floor.p50_ms > 0 and section.peer_build_seconds > 0
    for system in section.systems.values():
        assert system.latency.n == 6 and system.latency.p50_ms > 0 and system.ratio_to_floor_p50 > 0
        assert "all" in system.quality
        for scores in system.quality.values():
            assert set(scores) == {"nDCG@10", "hit@3"}
            assert all(0.0 <= value <= 1.0 for value in scores.values())
    assert any(s.quality["all"]["nDCG@10"] > 0 for s in section.systems.values()), "nothing relevant found at all"

    report = BenchReport(created_at="now", quick=True, seconds=1.0, machine=machine(), index="test", peer=section)
    report.targets = evaluate(report)
    target = next(t for t in report.targets if t.name.startswith("peer"))
    assert target.met is not None and "nDCG@10" in target.measured
    assert BenchReport.model_validate_json(report.model_dump_json()) == report
    markdown = bench_report.markdown(report)
    assert "## Peer: tipkb hybrid against txtai 9.14" in markdown
    assert f"| tipkb hybrid (kb.search, {section.tipkb_query_encoder}) | all |" in markdown


def test_peer_texts_are_what_the_indexer_embedded(knowledge_base: KnowledgeBase) -> None:
    texts = peer.chunk_texts(knowledge_base.store)
    assert len(texts) == knowledge_base.store.faiss.ntotal
    assert len({chunk_id for chunk_id, _ in texts}) == len(texts)
    vectors = knowledge_base.embedder.embed([text for _, text in texts[:4]])
    stored = knowledge_base.store.faiss.reconstruct_n(0, 4)  # row i is chunk i: texts are in row order
    assert (vectors * stored).sum(axis=1).min() > 0.999


def test_peer_without_txtai_names_the_extra(index_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "txtai", None)  # what a missing package looks like to `import`
    with pytest.raises(RuntimeError, match=r'pip install -e "\.\[bench\]"'):
        peer.require_txtai()
    result = CliRunner().invoke(app, ["bench", "--quick", "--sections", "peer", "--index", str(index_path)])
    assert result.exit_code == 2
    assert 'pip install -e ".[bench]"' in " ".join(result.output.split())
