"""Staff authentication: one API key, sent as `Authorization: Bearer <key>`, guarding the routes that change the index.

The key comes from TIPKB_ADMIN_KEY or the file named by TIPKB_ADMIN_KEY_FILE. Only its SHA-256 digest is kept in
memory after start, and digests are compared with `hmac.compare_digest`, so neither a memory dump of the settings
nor response timing tells a client how much of a guess was right. With no key configured, staff routes answer 403
saying how to enable them: an unset key never means "open".
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_403_FORBIDDEN

from kb.settings import StaffSettings

STATE_KEY = "staff_key"
MIN_KEY_CHARS = 16
ENABLE_HINT = (
    "staff routes are disabled: set TIPKB_ADMIN_KEY (at least 16 characters) or TIPKB_ADMIN_KEY_FILE "
    "on the server, then send it as 'Authorization: Bearer <key>'"
)


class StaffKeyError(ValueError):
    """The configured key cannot be used (too short, or its file unreadable); the server refuses to start."""


@dataclass(frozen=True)
class StaffKey:
    digest: bytes | None  # None: no key configured, staff routes disabled

    @classmethod
    def from_settings(cls, settings: StaffSettings) -> StaffKey:
        key = settings.admin_key
        if key is None and settings.admin_key_file is not None:
            try:
                key = settings.admin_key_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise StaffKeyError(f"TIPKB_ADMIN_KEY_FILE {settings.admin_key_file} cannot be read: {exc}") from None
        if key is None or key == "":
            return cls(None)
        if len(key) < MIN_KEY_CHARS:
            raise StaffKeyError(f"the staff key must have at least {MIN_KEY_CHARS} characters")
        return cls(_digest(key))

    @property
    def enabled(self) -> bool:
        return self.digest is not None

    def accepts(self, presented: str) -> bool:
        return self.digest is not None and hmac.compare_digest(self.digest, _digest(presented))


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def bearer_token(authorization: str) -> str | None:
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def require_staff(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """403 when staff routes are disabled; 401 (with WWW-Authenticate) for a missing or wrong key."""
    staff_key: StaffKey = connection.app.state[STATE_KEY]
    if not staff_key.enabled:
        raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail=ENABLE_HINT)
    token = bearer_token(connection.headers.get("authorization", ""))
    if token is None:
        raise NotAuthorizedException(
            detail="authorization: staff key required ('Authorization: Bearer <key>')",
            headers={"WWW-Authenticate": 'Bearer realm="tipkb staff"'},
        )
    if not staff_key.accepts(token):
        raise NotAuthorizedException(
            detail="authorization: the staff key is not valid",
            headers={"WWW-Authenticate": 'Bearer realm="tipkb staff", error="invalid_token"'},
        )
