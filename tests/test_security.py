"""What a client on an open conference network can and cannot do: limits, staff authentication, headers, CORS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from kb.settings import StaffSettings
from server.app import create_app
from server.staff_auth import StaffKey, StaffKeyError
from tests.conftest import STAFF_KEY, app_settings

STAFF_ROUTES = [
    ("post", "/api/reindex"),
    ("delete", "/api/documents/anything"),
    ("post", "/api/documents"),
]


def _app(knowledge_base: Any, staff_key: str | None = None, **server: Any) -> Any:
    return create_app(app_settings(staff_key=staff_key, **server), knowledge_base=knowledge_base)


@pytest.fixture(scope="module")
def guarded(knowledge_base: Any) -> Iterator[TestClient]:
    with TestClient(_app(knowledge_base, staff_key=STAFF_KEY)) as client:
        yield client


def _call(client: TestClient, method: str, path: str, headers: dict[str, str] | None = None) -> Any:
    if path == "/api/documents":
        files = {"file": ("note.md", b"# Note\n\nText.", "text/markdown")}
        return client.post(path, files=files, headers=headers or {})
    return getattr(client, method)(path, headers=headers or {})


# -- staff authentication -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_staff_routes_are_403_with_how_to_enable_them_when_no_key_is_configured(
    client: TestClient, method: str, path: str
) -> None:
    response = _call(client, method, path, {"Authorization": f"Bearer {STAFF_KEY}"})
    assert response.status_code == 403
    assert "TIPKB_ADMIN_KEY" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", f"Basic {STAFF_KEY}", "Bearer wrong-key-wrong-key-wrong", f"Bearer {STAFF_KEY}x"],
)
def test_staff_routes_are_401_without_the_right_key(
    guarded: TestClient, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = _call(guarded, method, path, headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"].startswith("authorization:")


def test_the_right_key_passes_the_guard(guarded: TestClient) -> None:
    # Past authentication the route runs: an unknown uploaded document is then a 404, not a 401.
    response = guarded.delete("/api/documents/no-such-upload", headers={"Authorization": f"Bearer {STAFF_KEY}"})
    assert response.status_code == 404


def test_the_key_is_kept_hashed_and_may_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "staff.key"
    key_file.write_text(STAFF_KEY + "\n")
    staff_key = StaffKey.from_settings(StaffSettings(admin_key_file=key_file))
    assert staff_key.enabled and staff_key.accepts(STAFF_KEY) and not staff_key.accepts(STAFF_KEY[:-1])
    assert STAFF_KEY.encode() not in repr(staff_key).encode() and staff_key.digest != STAFF_KEY.encode()
    assert STAFF_KEY not in repr(StaffSettings(admin_key=STAFF_KEY))


@pytest.mark.parametrize("problem", ["short", "unreadable"])
def test_an_unusable_key_stops_the_server_from_starting(tmp_path: Path, problem: str) -> None:
    settings = (
        StaffSettings(admin_key="short")
        if problem == "short"
        else StaffSettings(admin_key_file=tmp_path / "missing.key")
    )
    with pytest.raises(StaffKeyError):
        StaffKey.from_settings(settings)


# -- limits ---------------------------------------------------------------------------------------------------------


def test_json_bodies_over_64_kib_are_413(client: TestClient) -> None:
    body = json.dumps({"query": "victims", "filters": {"country": ["x" * 70]}, "pad": "y" * (64 << 10)}).encode()
    response = client.post("/api/search", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["status_code"] == 413


def test_the_json_limit_is_configurable(knowledge_base: Any) -> None:
    with TestClient(_app(knowledge_base, max_json_bytes=2048)) as small:
        body = json.dumps({"query": "v" * 900, "top_k": 3}).encode() + b" " * 1500
        response = small.post("/api/search", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 413


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/ask", {"question": "q" * 1001}, "question"),
        ("/api/ask", {"question": "victims", "top_k": 51}, "top_k"),
        ("/api/search", {"query": "victims", "filters": {"article": ["6"] * 51}}, "filters.article"),
        ("/api/search", {"query": "victims", "filters": {"country": ["India"] * 51}}, "filters.country"),
        ("/api/search", {"query": "victims", "filters": {"category": ["prevention"] * 11}}, "filters.category"),
        ("/api/search", {"query": "victims", "filters": {"country": ["I" * 81]}}, "filters.country"),
    ],
)
def test_each_limit_is_a_400_naming_the_field(client: TestClient, path: str, body: Any, field: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert field in response.json()["detail"]


def test_uploads_over_the_configured_size_are_413(knowledge_base: Any) -> None:
    app = _app(knowledge_base, staff_key=STAFF_KEY, max_upload_bytes=4096)
    with TestClient(app) as client:
        response = client.post(
            "/api/documents",
            files={"file": ("big.txt", b"trafficking " * 1000, "text/plain")},
            headers={"Authorization": f"Bearer {STAFF_KEY}"},
        )
        assert response.status_code == 413
        assert "4096" in response.json()["detail"] or "limit" in response.json()["detail"]


# -- headers and CORS -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/search", "/coverage"])
def test_pages_send_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_api_responses_are_never_sniffed_as_html(client: TestClient) -> None:
    for response in (client.post("/api/search", json={"query": "victims"}), client.get("/api/nothing-here")):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_responses_carry_a_request_id_and_echo_a_safe_one(client: TestClient) -> None:
    generated = client.get("/api/articles").headers["x-request-id"]
    assert len(generated) == 32
    assert client.get("/api/articles", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    unsafe = client.get("/api/articles", headers={"X-Request-ID": "bad id <script>"}).headers["x-request-id"]
    assert unsafe != "bad id <script>" and len(unsafe) == 32
    too_long = client.get("/api/articles", headers={"X-Request-ID": "a" * 65}).headers["x-request-id"]
    assert too_long != "a" * 65


def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options(
        "/api/search",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    response = client.post("/api/search", json={"query": "victims"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_only_the_configured_origins(knowledge_base: Any) -> None:
    with TestClient(_app(knowledge_base, cors_origins=["https://delegates.example"])) as client:
        allowed = client.post("/api/search", json={"query": "victims"}, headers={"Origin": "https://delegates.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://delegates.example"
        other = client.post("/api/search", json={"query": "victims"}, headers={"Origin": "https://evil.example"})
        assert other.headers.get("access-control-allow-origin") != "https://evil.example"


def test_responses_that_used_the_index_name_its_build(client: TestClient) -> None:
    build = client.get("/health").json()["index"]["build_id"]
    for response in (
        client.post("/api/search", json={"query": "victims"}),
        client.post("/api/ask", json={"question": "What does article 6 say?"}),
        client.get("/api/projects"),
    ):
        assert response.headers["x-index-build"] == build
