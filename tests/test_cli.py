"""The `kb` command as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app

from .conftest import CORPUS
from .test_api import ASK_FIELDS

runner = CliRunner()


def test_empty_query_is_refused_with_exit_code_2() -> None:
    result = runner.invoke(app, ["search", ""])
    assert result.exit_code == 2
    assert "query is empty" in result.output


def test_unknown_doc_type_lists_the_valid_ones() -> None:
    result = runner.invoke(app, ["search", "victims", "--doc-type", "blog"])
    assert result.exit_code == 2
    assert "protocol, instrument, project, practice, event" in result.output


def test_unknown_category_lists_the_valid_ones(index_path: Path) -> None:
    result = runner.invoke(
        app, ["search", "victims", "--category", "victims", "--index", str(index_path), "--corpus", str(CORPUS)]
    )
    assert result.exit_code == 2
    assert "valid categories: pre_ratification, criminal_justice" in result.output


def test_missing_index_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "victims", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "kb index" in result.output
    assert "Traceback" not in result.output


def test_an_error_message_keeps_its_square_brackets(tmp_path: Path) -> None:
    """Messages are text: a path or value with [..] in it is printed as is, not eaten as console markup."""
    result = runner.invoke(app, ["info", "--index", str(tmp_path / "[draft] index")])
    assert result.exit_code == 2
    assert "[draft] index" in result.output
    refused = runner.invoke(app, ["replicas", "start", "--replica", "a=[::1]:x", "--run-dir", str(tmp_path)])
    assert refused.exit_code == 2 and "'a=[::1]:x'" in refused.output


def test_search_json_prints_the_api_response_shape(index_path: Path) -> None:
    kb = Path(sys.executable).with_name("kb")
    completed = subprocess.run(
        [
            str(kb),
            "search",
            "Article 6(3)(b)",
            "--json",
            "--top-k",
            "2",
            "--index",
            str(index_path),
            "--corpus",
            str(CORPUS),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    data = json.loads(completed.stdout)
    assert data["mode"] == "hybrid" and data["query"] == "Article 6(3)(b)"
    assert [r["rank"] for r in data["results"]] == [1, 2]
    assert data["results"][0]["chunk_id"] == "protocol:6(3)(b)"


def test_info_shows_the_manifest(index_path: Path) -> None:
    result = runner.invoke(app, ["info", "--index", str(index_path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["chunks"] > 700


def test_kb_ask_prints_the_answer_and_its_citations(index_path: Path) -> None:
    args = ["ask", "Which projects address victim protection?", "--index", str(index_path), "--corpus", str(CORPUS)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Central America Project" in result.output and "India Project" in result.output
    assert "[1] central-america-project#2" in result.output
    assert "2(b) " in result.output  # the Articles list, with titles


def test_kb_ask_json_is_the_api_response(index_path: Path) -> None:
    args = ["ask", "What is the capital of France?", "--json", "--index", str(index_path), "--corpus", str(CORPUS)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["abstained"] is True
    assert set(body) == ASK_FIELDS


def test_kb_ask_refuses_an_empty_question() -> None:
    result = runner.invoke(app, ["ask", "   "])
    assert result.exit_code == 2
    assert "question must not be empty" in result.output


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TIPKB_LLM_TIMEOUT", "soon"), ("TIPKB_LLM_URL", "ftp://127.0.0.1/v1"), ("TIPKB_RATE_LIMIT_PER_MINUTE", "0")],
)
def test_a_bad_setting_stops_any_command_with_one_line_naming_the_variable(variable: str, value: str) -> None:
    result = runner.invoke(app, ["info"], env={variable: value})
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"error: {variable}: ") and "Traceback" not in result.output
