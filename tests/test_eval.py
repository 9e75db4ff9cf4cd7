"""The evaluation harness on the real gold set and index: judgments resolve, metrics come out, the CI gate holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app
from eval import gate, report
from eval.backends import HttpBackend, LocalBackend
from eval.gold_set import load_gold
from eval.judgments import expand
from eval.records import EvalReport
from eval.runner import run
from kb.api import SearchMode
from kb.knowledge_base import KnowledgeBase

runner = CliRunner()


@pytest.fixture(scope="module")
def test_report(knowledge_base: KnowledgeBase) -> EvalReport:
    return run(load_gold(split="test"), LocalBackend(knowledge_base), [SearchMode.HYBRID], "test")


def test_gold_set_has_the_documented_shape() -> None:
    items = load_gold()
    assert len(items) >= 80
    assert sum(not i.answerable for i in items) >= 12
    assert {i.split for i in items} == {"dev", "test"}
    kinds = {i.kind for i in items}
    assert {"protocol", "project", "taxonomy", "coverage", "practice", "event", "unanswerable"} <= kinds


def test_every_gold_judgment_resolves_to_indexed_chunks(knowledge_base: KnowledgeBase) -> None:
    backend = LocalBackend(knowledge_base)
    for item in load_gold():
        grades = expand(item, backend)
        assert bool(grades) == bool(item.relevant), item.id
        if item.projects:
            assert set(item.projects) <= {p.id for p in knowledge_base.projects()}, item.id


def test_test_split_stays_above_the_floors(test_report: EvalReport) -> None:
    problems = gate.check(test_report)
    assert not problems, "below the floors in eval/floors.json:\n" + "\n".join(problems)


def test_reports_are_written_as_json_markdown_and_png(test_report: EvalReport, tmp_path: Path) -> None:
    paths = report.write(test_report, tmp_path, "run")
    assert [p.suffix for p in paths] == [".json", ".md", ".png"]
    assert report.load(paths[0]) == test_report
    assert "| hybrid |" in paths[1].read_text()
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_prints_both_reports_side_by_side(test_report: EvalReport, tmp_path: Path) -> None:
    worse = test_report.model_copy(deep=True)
    worse.retrieval["hybrid"]["nDCG@10"] -= 0.1
    a, b = report.write(test_report, tmp_path, "a")[0], report.write(worse, tmp_path, "b")[0]
    result = runner.invoke(app, ["eval", "--compare", str(a), "--compare", str(b)])
    assert result.exit_code == 0, result.output
    assert "hybrid nDCG@10" in result.output and "-0.100" in result.output


def test_the_gate_names_each_metric_below_its_floor(test_report: EvalReport) -> None:
    worse = test_report.model_copy(deep=True)
    worse.retrieval["hybrid"]["R@10"] = 0.0
    assert any(line.startswith("hybrid R@10") and "< floor" in line for line in gate.check(worse))


def test_http_backend_gives_the_same_metrics_as_in_process(knowledge_base: KnowledgeBase, client: Any) -> None:
    items = load_gold(split="dev")[:6]
    local = run(items, LocalBackend(knowledge_base), [SearchMode.LEXICAL], "dev")
    remote = run(items, HttpBackend("http://testserver", client=client), [SearchMode.LEXICAL], "dev")
    assert remote.retrieval == local.retrieval
    assert remote.answers == local.answers


def test_kb_eval_refuses_an_unknown_split() -> None:
    result = runner.invoke(app, ["eval", "--split", "train"])
    assert result.exit_code == 2
    assert "unknown split 'train'" in result.output


# -- round 2: facts, lists, follow-ups, and the six languages ----------------------------------------------------


@pytest.fixture(scope="module")
def round2_report(knowledge_base: KnowledgeBase) -> EvalReport:
    from eval.gold_set import load_gold_set

    return run(load_gold_set("round2", "test"), LocalBackend(knowledge_base), [SearchMode.HYBRID], "round2-test")


def test_round2_gold_set_has_what_the_issue_asks_for() -> None:
    from eval.gold_set import load_gold_set

    items = load_gold_set("round2")
    tags = [t for i in items for t in i.tags]
    for tag, least in {"fact": 15, "list": 10, "followup": 10, "misspelled": 10, "prose": 10, "unfamiliar": 10,
                       "instrument": 10, "keyword": 8}.items():  # fmt: skip
        assert tags.count(tag) >= least, tag
    assert sum("comparison" in i.tags for i in items) >= 4
    assert all(i.expected for i in items if ("fact" in i.tags or "list" in i.tags) and i.answerable)
    assert all(i.previous for i in items if "followup" in i.tags)
    for language in ("ar", "zh", "fr", "ru", "es"):
        assert len(load_gold_set("round2", language=language)) == len(items), language


def test_every_round2_judgment_resolves_to_indexed_chunks(knowledge_base: KnowledgeBase) -> None:
    from eval.gold_set import load_gold_set

    backend = LocalBackend(knowledge_base)
    for item in load_gold_set("round2"):
        assert bool(expand(item, backend)) == bool(item.relevant), item.id


def test_round2_test_split_stays_above_its_floors(round2_report: EvalReport) -> None:
    problems = gate.check(round2_report, gate.FLOORS_PATHS["round2"])
    assert not problems, "below the floors in eval/floors-round2.json:\n" + "\n".join(problems)
    for metric in ("fact_accuracy", "list_completeness", "followup_accuracy", "top_passage_in_evidence"):
        assert metric in round2_report.answers, metric


def test_the_six_languages_agree_at_least_as_often_as_the_floor(knowledge_base: KnowledgeBase) -> None:
    from eval.agreement import agreement

    report = agreement("round2", "test", LocalBackend(knowledge_base))
    assert report.items >= 40
    problems = gate.check_agreement(report.agreement, gate.FLOORS_PATHS["round2"])
    assert not problems, "\n".join(problems)
