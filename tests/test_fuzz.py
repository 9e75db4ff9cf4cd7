"""schemathesis against the app's own OpenAPI schema: no 5xx, no undeclared status, no off-schema answer.

Every operation in /schema/openapi.json gets up to TIPKB_FUZZ_EXAMPLES generated cases (100 by default, as in
CI). The app is its own instance (sharing one with other tests hangs schemathesis), over the session's index,
with a staff key configured: the generated requests cannot authenticate, so staff routes answer 401 and no
build runs. The number of requests sent per operation is written to var/artefacts/fuzz-requests.json.
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


def _fuzz(operation: Any, label: str, requests: Counter[str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def exercise(case: Any) -> None:
        requests[label] += 1
        case.call_and_validate(checks=CHECKS)

    exercise()


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
            failures[label] = str(exc)[:1500]
    ARTEFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTEFACT.write_text(json.dumps({"total": sum(requests.values()), "per_operation": requests}, indent=2) + "\n")
    assert len(requests) >= 15, f"only {sorted(requests)} were exercised"
    assert failures == {}, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
