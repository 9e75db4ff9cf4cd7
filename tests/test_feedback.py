"""Delegates' feedback (issue 20, item 4; DESIGN §4 `POST /api/feedback`) and `kb feedback export`.

Verdicts go to a real SQLite file of their own (never the index), written by the real app through Litestar's
TestClient, by several processes at once, across a real forced re-index; the export is read back as JSON lines and
checked against the gold set's own model.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from cli.app import app as cli_app
from eval.gold_set import GoldSetError, load_gold
from eval.records import GoldItem
from kb.api import FeedbackRequest, FeedbackVerdict
from kb.feedback import FeedbackStore
from kb.settings import FeedbackSettings, IndexSettings, Settings
from server.app import create_app

from .conftest import CORPUS, ROOT, STAFF_KEY, app_settings, copy_index
from .readme_commands import ReadmeShell, find, section_commands

QUESTION = "Can victims stay in the country where they were found?"
COMMENT = "It should also quote article 7(2) on humanitarian factors."


def with_feedback(settings: Settings, path: Path) -> Settings:
    return settings.model_copy(update={"feedback": FeedbackSettings(path=path)})


@contextmanager
def feedback_client(knowledge_base: Any, path: Path, **server: Any) -> Iterator[TestClient]:
    app = create_app(with_feedback(app_settings(**server), path), knowledge_base=knowledge_base)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def answer(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def verdict_body(answer: dict[str, Any], verdict: str = "down", comment: str | None = COMMENT) -> dict[str, Any]:
    """What the chat sends: the question, the answer shown and its citations as /api/ask gave them."""
    body = {"question": answer["question"], "answer": answer["answer"], "citations": answer["citations"]}
    return {**body, "verdict": verdict, **({"comment": comment} if comment is not None else {})}


def assert_error(response: Any, status: int, *needles: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status and isinstance(body["detail"], str)
    for needle in needles:
        assert needle in body["detail"], body["detail"]
    assert "Traceback" not in response.text


# -- POST /api/feedback ------------------------------------------------------------------------------------------


def test_a_verdict_is_201_and_stored_in_its_own_sqlite_file_created_on_first_write(
    knowledge_base: Any, answer: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "var" / "feedback.sqlite3"
    with feedback_client(knowledge_base, path) as client:
        assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200
        assert not path.exists()  # only a click writes
        before = dt.datetime.now(dt.UTC).replace(microsecond=0)
        first = client.post("/api/feedback", json=verdict_body(answer))
        second = client.post("/api/feedback", json=verdict_body(answer, "up", comment=None))

    assert (first.status_code, first.json()) == (201, {"id": 1}), first.text
    assert (second.status_code, second.json()) == (201, {"id": 2}), second.text
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    down, up = FeedbackStore(path).records()
    assert (down.id, down.verdict, down.comment) == (1, FeedbackVerdict.DOWN, COMMENT)
    assert (up.id, up.verdict, up.comment) == (2, FeedbackVerdict.UP, None)
    assert down.question == QUESTION and down.answer == answer["answer"]
    assert [c.model_dump() for c in down.citations] == answer["citations"]
    assert before <= dt.datetime.fromisoformat(down.created_at) <= dt.datetime.now(dt.UTC)
    assert [r.id for r in FeedbackStore(path).records(FeedbackVerdict.UP)] == [2]


def test_feedback_is_taken_without_an_index_loaded(tmp_path: Path, answer: dict[str, Any]) -> None:
    paths = IndexSettings(index_dir=tmp_path / "no-index", uploads_dir=tmp_path / "uploads")
    settings = with_feedback(app_settings(paths), tmp_path / "feedback.sqlite3")
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/ask", json={"question": QUESTION}).status_code == 503
        response = client.post("/api/feedback", json=verdict_body(answer))
    assert response.status_code == 201, response.text


def test_feedback_survives_a_forced_reindex_and_never_enters_the_index(
    tmp_path: Path, index_path: Path, embedder: Any, answer: dict[str, Any]
) -> None:
    index = copy_index(index_path, tmp_path)
    paths = IndexSettings(corpus_dir=CORPUS, index_dir=index, uploads_dir=tmp_path / "uploads")
    feedback = tmp_path / "var" / "feedback.sqlite3"
    settings = with_feedback(app_settings(paths, staff_key=STAFF_KEY), feedback)
    staff = {"Authorization": f"Bearer {STAFF_KEY}"}
    with TestClient(create_app(settings, embedder=embedder)) as client:
        assert client.post("/api/feedback", json=verdict_body(answer)).status_code == 201
        build_before = client.get("/health").json()["index"]["build_id"]
        reindex = client.post("/api/reindex?force=true", headers=staff)
        assert reindex.status_code == 200, reindex.text
        assert reindex.json()["status"] == "rebuilt" and reindex.json()["build_id"] != build_before
        after = client.post("/api/feedback", json=verdict_body(answer, "up"))

    assert (after.status_code, after.json()) == (201, {"id": 2}), after.text
    assert [r.verdict for r in FeedbackStore(feedback).records()] == [FeedbackVerdict.DOWN, FeedbackVerdict.UP]
    index_files = [p.name for p in tmp_path.glob("index*/**/*")]
    assert index_files and not [name for name in index_files if "feedback" in name]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"verdict": "sideways"}, "verdict"),
        ({"verdict": None}, "verdict"),
        ({"question": "x" * 1001}, "question"),
        ({"question": " \u200b "}, "question"),
        ({"answer": ""}, "answer"),
        ({"answer": "x" * 20_001}, "answer"),
        ({"comment": "x" * 2001}, "comment"),
        ({"citations": [{"n": 1, "doc_id": "d", "quote": "q"}]}, "chunk_id"),
        ({"citations": [{"n": "1", "chunk_id": "c", "doc_id": "d", "quote": "q"}]}, "n"),
        ({"citations": [{"n": 1, "chunk_id": "c", "doc_id": "d", "quote": "q"}] * 51}, "citations"),
        ({"rating": 5}, "rating"),
    ],
)
def test_bad_feedback_is_400_naming_the_field(
    knowledge_base: Any, answer: dict[str, Any], tmp_path: Path, change: dict[str, Any], needle: str
) -> None:
    path = tmp_path / "feedback.sqlite3"
    body = {k: v for k, v in {**verdict_body(answer), **change}.items() if v is not None}
    with feedback_client(knowledge_base, path) as client:
        assert_error(client.post("/api/feedback", json=body), 400, needle)
    assert not path.exists()


def test_a_blank_comment_is_no_comment(knowledge_base: Any, answer: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    with feedback_client(knowledge_base, path) as client:
        assert client.post("/api/feedback", json=verdict_body(answer, "up", comment="  \n ")).status_code == 201
    assert FeedbackStore(path).records()[0].comment is None


def test_feedback_is_rate_limited_like_the_other_api_routes(
    knowledge_base: Any, answer: dict[str, Any], tmp_path: Path
) -> None:
    with feedback_client(knowledge_base, tmp_path / "feedback.sqlite3", rate_limit_per_minute=2) as client:
        statuses = [client.post("/api/feedback", json=verdict_body(answer)).status_code for _ in range(3)]
        limited = client.post("/api/feedback", json=verdict_body(answer))
    assert statuses == [201, 201, 429]
    assert_error(limited, 429)
    assert int(limited.headers["retry-after"]) > 0


def test_feedback_posted_as_anything_but_json_is_415(knowledge_base: Any, tmp_path: Path) -> None:
    with feedback_client(knowledge_base, tmp_path / "feedback.sqlite3") as client:
        response = client.post("/api/feedback", content=b"verdict=up", headers={"content-type": "text/plain"})
    assert_error(response, 415)


def test_the_question_and_comment_are_never_logged_at_info(
    knowledge_base: Any, answer: dict[str, Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    question = "Quokka-marker question about article 7?"
    comment = "Wombat-marker comment"
    body = {**verdict_body(answer, comment=comment), "question": question}
    with caplog.at_level(logging.INFO), feedback_client(knowledge_base, tmp_path / "feedback.sqlite3") as client:
        assert client.post("/api/feedback", json=body).status_code == 201
    logged = [
        (r.getMessage(), json.dumps(r.__dict__, default=str)) for r in caplog.records if r.levelno >= logging.INFO
    ]
    assert any("feedback" in message for message, _ in logged), logged  # the store is logged...
    assert not [line for line in logged if "Quokka" in line[1] or "Wombat" in line[1]]  # ...its words are not


# -- several writers at once -------------------------------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from kb.api import FeedbackRequest
from kb.feedback import FeedbackStore

store = FeedbackStore(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    store.add(FeedbackRequest(question=f"{sys.argv[2]} question {i}", answer="an answer", verdict="up"))
"""


def test_several_processes_write_at_once_without_losing_a_verdict(tmp_path: Path) -> None:
    """Server workers and replicas on one machine share the file: WAL and the busy timeout serialise their inserts."""
    path = tmp_path / "var" / "feedback.sqlite3"
    writers, each = 4, 40
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"writer{w}", str(each)], cwd=ROOT)
        for w in range(writers)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0] * writers
    records = FeedbackStore(path).records()
    assert len(records) == writers * each
    assert sorted(r.id for r in records) == list(range(1, writers * each + 1))
    assert {r.question for r in records} == {f"writer{w} question {i}" for w in range(writers) for i in range(each)}


HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def test_a_first_verdict_waits_for_a_worker_holding_the_new_file_instead_of_failing(tmp_path: Path) -> None:
    """Two workers' first verdicts race on a brand-new file: the second waits its turn, and the file ends up in WAL."""
    path = tmp_path / "feedback.sqlite3"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "1.0"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"

    number = FeedbackStore(path).add(FeedbackRequest(question=QUESTION, answer="an answer", verdict="up"))

    assert holder.wait(timeout=30) == 0
    assert number == 1 and [r.question for r in FeedbackStore(path).records()] == [QUESTION]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- kb feedback export ------------------------------------------------------------------------------------------


def stored(path: Path, answer: dict[str, Any]) -> None:
    store = FeedbackStore(path)
    store.add(FeedbackRequest.model_validate(verdict_body(answer, "down")))
    store.add(FeedbackRequest.model_validate(verdict_body(answer, "up", comment=None)))


def test_kb_feedback_export_writes_candidate_gold_items_as_json_lines(tmp_path: Path, answer: dict[str, Any]) -> None:
    path, out = tmp_path / "feedback.sqlite3", tmp_path / "candidates.jsonl"
    stored(path, answer)

    result = CliRunner().invoke(
        cli_app, ["feedback", "export", "--out", str(out)], env={"TIPKB_FEEDBACK_PATH": str(path)}
    )

    assert result.exit_code == 0, result.output
    assert "2 feedback items written" in result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["feedback"]["verdict"] for line in lines] == ["down", "up"]
    down = lines[0]
    assert down["judged"] is False
    assert down["question"] == QUESTION
    assert down["feedback"]["answer"] == answer["answer"] and down["feedback"]["comment"] == COMMENT
    assert down["feedback"]["citations"] == answer["citations"]
    assert dt.datetime.fromisoformat(down["feedback"]["created_at"]).tzinfo is not None
    # Shaped like a gold item: the cited passages are proposed for grading, the articles from the citations.
    assert set(down["relevant"]) == {c["chunk_id"] for c in answer["citations"]}
    assert set(down["relevant"].values()) == {None}
    assert set(down["articles"]) == {a for c in answer["citations"] for a in c["articles"]}
    assert set(GoldItem.model_fields) <= set(down)


def test_an_exported_candidate_becomes_a_gold_item_only_once_judged(tmp_path: Path, answer: dict[str, Any]) -> None:
    path, out = tmp_path / "feedback.sqlite3", tmp_path / "candidates.jsonl"
    stored(path, answer)
    result = CliRunner().invoke(cli_app, ["feedback", "export", "--feedback", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    candidate = json.loads(out.read_text(encoding="utf-8").splitlines()[0])

    with pytest.raises(ValidationError):  # pasted unjudged, it is refused
        GoldItem.model_validate(candidate)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(candidate) + "\n", encoding="utf-8")
    with pytest.raises(GoldSetError, match="gold.jsonl:1"):
        load_gold(gold)

    judged = {k: v for k, v in candidate.items() if k not in ("judged", "feedback")}
    judged |= {"split": "dev", "kind": "protocol", "answerable": True}
    judged["relevant"] = {key: 3 if key == "protocol:7(1)" else 1 for key in candidate["relevant"]}
    gold.write_text(json.dumps(judged) + "\n", encoding="utf-8")
    [item] = load_gold(gold)
    assert item.question == QUESTION and item.relevant["protocol:7(1)"] == 3


def test_kb_feedback_export_filters_by_verdict_and_writes_stdout_without_out(
    tmp_path: Path, answer: dict[str, Any]
) -> None:
    path = tmp_path / "feedback.sqlite3"
    stored(path, answer)
    result = CliRunner().invoke(cli_app, ["feedback", "export", "--feedback", str(path), "--verdict", "up"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [(line["id"], line["feedback"]["verdict"]) for line in lines] == [("feedback-2", "up")]
    assert "1 feedback item written" in result.stderr

    bad = CliRunner().invoke(cli_app, ["feedback", "export", "--feedback", str(path), "--verdict", "meh"])
    assert bad.exit_code == 2 and "meh" in bad.output


def test_the_readme_export_commands_run_as_written(tmp_path: Path, answer: dict[str, Any]) -> None:
    path, out = tmp_path / "var" / "feedback.sqlite3", tmp_path / "candidates.jsonl"
    stored(path, answer)
    commands = section_commands("Briefing notes and feedback")
    shell = ReadmeShell({"var/feedback.sqlite3": str(path), "candidates.jsonl": str(out)})
    shell.env["TIPKB_FEEDBACK_PATH"] = str(path)

    every = shell.run(find(commands, "kb feedback export", "--out"))
    assert "2 feedback items written" in every.stderr
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == [
        "feedback-1",
        "feedback-2",
    ]
    shell.env.pop("TIPKB_FEEDBACK_PATH")  # the second command names the file itself
    down = shell.run(find(commands, "kb feedback export", "--verdict down"))
    assert [json.loads(line)["feedback"]["verdict"] for line in down.stdout.splitlines()] == ["down"]


def test_kb_feedback_export_without_a_feedback_file_writes_nothing_and_says_why(tmp_path: Path) -> None:
    missing, out = tmp_path / "var" / "feedback.sqlite3", tmp_path / "candidates.jsonl"
    result = CliRunner().invoke(cli_app, ["feedback", "export", "--feedback", str(missing), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "0 feedback items written" in result.output and "no feedback yet" in result.output
    assert out.read_text() == "" and not missing.exists()


def test_kb_feedback_export_refuses_a_file_that_is_not_a_feedback_database(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    path.write_text("not a database")
    result = CliRunner().invoke(cli_app, ["feedback", "export", "--feedback", str(path)])
    assert result.exit_code == 2, result.output
    assert "feedback.sqlite3" in result.output and "Traceback" not in result.output
