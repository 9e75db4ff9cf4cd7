"""The loaded KnowledgeBase behind the app: loaded once at start, retried lazily, injected into handlers.

When loading fails (no index, stale, corrupt, bad model) the app still starts; routes that need the index
answer 503 with the loader's message, which says how to build the index. The holder retries on a later
request only when the index's manifest has changed since the failed attempt (one `stat`, so it is cheap).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from litestar.datastructures import State
from litestar.exceptions import ServiceUnavailableException

from kb import index_layout
from kb.embedding import Embedder
from kb.errors import KbError
from kb.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)

STATE_KEY = "knowledge_base_holder"
BUILD_HINT = "build it with `kb index`"

ManifestStamp = tuple[int, int, int] | None


def _manifest_stamp(index_dir: Path) -> ManifestStamp:
    try:
        st = os.stat(index_dir / index_layout.MANIFEST)  # follows the index link: a new build is a new file
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


class KnowledgeBaseHolder:
    """Owns the app's one KnowledgeBase, or the reason there is none."""

    def __init__(
        self, index_dir: Path, knowledge_base: KnowledgeBase | None = None, embedder: Embedder | None = None
    ) -> None:
        self.index_dir = index_dir
        self._kb = knowledge_base
        self._owned = False  # a knowledge base passed in belongs to the caller, who closes it
        self._embedder = embedder
        self._error: str | None = None
        self._failed_stamp: ManifestStamp = None
        self._lock = threading.Lock()

    @property
    def error(self) -> str | None:
        return self._error

    def load(self) -> None:
        """Open the index once; on a KbError remember the message instead of failing the app."""
        with self._lock:
            if self._kb is None:
                self._load_locked()

    def _load_locked(self) -> None:
        stamp = _manifest_stamp(self.index_dir)
        try:
            self._kb = KnowledgeBase.open(self.index_dir, self._embedder)
        except KbError as exc:
            message = str(exc)
            self._error = message if "kb index" in message else f"{message}; {BUILD_HINT}"
            self._failed_stamp = stamp
            logger.warning("knowledge base not loaded: %s", self._error)
            return
        self._owned, self._error = True, None
        logger.info("knowledge base loaded from %s", self.index_dir)

    def get(self) -> KnowledgeBase | None:
        """The knowledge base, retrying a failed load if the index has changed since."""
        if self._kb is not None:
            return self._kb
        if _manifest_stamp(self.index_dir) != self._failed_stamp:
            with self._lock:
                if self._kb is None and _manifest_stamp(self.index_dir) != self._failed_stamp:
                    self._load_locked()
        return self._kb

    def require(self) -> KnowledgeBase:
        kb = self.get()
        if kb is None:
            raise ServiceUnavailableException(detail=self._error or f"no index loaded; {BUILD_HINT}")
        return kb

    def close(self) -> None:
        with self._lock:
            if self._kb is not None and self._owned:
                self._kb.close()
                self._kb = None


# -- dependencies (registered with Provide in server.app) ------------------------------------


def provide_holder(state: State) -> KnowledgeBaseHolder:
    holder: KnowledgeBaseHolder = state[STATE_KEY]
    return holder


def provide_knowledge_base(state: State) -> KnowledgeBase:
    """The loaded knowledge base, or 503 with the reason and how to build the index."""
    return provide_holder(state).require()
