"""schemathesis against the app's own OpenAPI schema: no 5xx, no undeclared status, no off-schema answer.

Every operation in /schema/openapi.json gets up to TIPKB_FUZZ_EXAMPLES generated cases (100 by default, as in
CI). The app is its own instance (sharing one with other tests hangs schemathesis), over the session's index,
with a staff key configured: the generated requests cannot authenticate, so staff routes answer 401 and no
build runs. A second pass sends the staff key with generated uploads, deletes and re-index requests over a private
copy of the index, so the write path's validation (and any build it starts) is fuzzed too. The number of requests
sent per operation is written to var/artefacts/fuzz-requests.json.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ROOT, STAFF_KEY, app_settings

EXAMPLES = int(os.environ.get("TIPKB_FUZZ_EXAMPLES", "100"))
# Authenticated staff requests can start a build (seconds each), so fewer of them.
STAFF_EXAMPLES = int(os.environ.get("TIPKB_FUZZ_STAFF_EXAMPLES", "25"))
STAFF_OPERATIONS = {"POST /api/documents", "DELETE /api/documents/{doc_id}", "POST /api/reindex"}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
ARTEFACT = ROOT / "var" / "artefacts" / "fuzz-requests.json"


@pytest.fixture(scope="module")
def api_schema(knowledge_base: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from kb.settings import IndexSettings
    from server.app import create_app

    scratch = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        app_settings(IndexSettings(index_dir=scratch / "index", uploads_dir=scratch / "uploads"), staff_key=STAFF_KEY),
        knowledge_base=knowledge_base,
    )
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app)


@pytest.fixture(scope="module")
def staff_schema(index_path: Any, embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from kb.settings import IndexSettings
    from server.app import create_app
    from tests.conftest import CORPUS, copy_index

    scratch = tmp_path_factory.mktemp("fuzz-staff")
    paths = IndexSettings(corpus_dir=CORPUS, index_dir=copy_index(index_path, scratch), uploads_dir=scratch / "up")
    app = create_app(app_settings(paths, staff_key=STAFF_KEY), embedder=embedder)
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app)


def _fuzz(
    operation: Any,
    label: str,
    requests: Counter[str],
    examples: int = EXAMPLES,
    headers: dict[str, str] | None = None,
    statuses: Counter[int] | None = None,
) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def exercise(case: Any) -> None:
        requests[label] += 1
        if headers:
            case.headers = {**(case.headers or {}), **headers}
        # A staff change runs a build (about a second alone, several under the suite's load): not a 10 s read.
        response = case.call_and_validate(checks=CHECKS, **({"timeout": 120} if headers else {}))
        if statuses is not None:
            statuses[response.status_code] += 1

    exercise()


def _described(exc: BaseException) -> str:
    """The failure and, for hypothesis's flaky or grouped failures, the exceptions inside (else the cause is lost)."""
    inner = getattr(exc, "exceptions", ())
    return "\n".join([str(exc)[:1500], *(f"  {type(e).__name__}: {str(e)[:1500]}" for e in inner)])


def test_generated_requests_never_get_a_server_error_or_an_off_schema_response(api_schema: Any) -> None:
    # Driven through hypothesis directly: schemathesis's pytest plugin (`from_fixture`) fails on pytest 9.
    requests: Counter[str] = Counter()
    failures: dict[str, str] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        try:
            _fuzz(operation, label, requests)
        except Exception as exc:  # noqa: BLE001 - every operation runs; all failures are reported together
            failures[label] = _described(exc)
    ARTEFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTEFACT.write_text(json.dumps({"total": sum(requests.values()), "per_operation": requests}, indent=2) + "\n")
    assert len(requests) >= 15, f"only {sorted(requests)} were exercised"
    assert failures == {}, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


def test_authenticated_staff_requests_never_get_a_server_error_or_an_off_schema_response(staff_schema: Any) -> None:
    requests: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    operations = {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in staff_schema.get_all_operations())}
    # One reindex first, as on a server that has been up a moment: the app's start loads the build process's model
    # in the background, and the fuzz is about validation, not about a cold start racing schemathesis's timeout.
    warmed = operations["POST /api/reindex"].Case(headers={"Authorization": f"Bearer {STAFF_KEY}"}).call(timeout=120)
    assert warmed.status_code == 200, warmed.text
    for label, operation in operations.items():
        if label not in STAFF_OPERATIONS:
            continue
        try:
            _fuzz(operation, label, requests, STAFF_EXAMPLES, {"Authorization": f"Bearer {STAFF_KEY}"}, statuses)
        except Exception as exc:  # noqa: BLE001 - every operation runs; all failures are reported together
            failures[label] = _described(exc)
    assert set(requests) == STAFF_OPERATIONS, f"only {sorted(requests)} were exercised"
    assert statuses[401] == 0 and statuses[403] == 0, statuses  # the key went with every request
    print(f"staff fuzz statuses: {dict(statuses)}")
    assert failures == {}, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
