"""The loaded KnowledgeBase behind the app: loaded at start, swapped when a new build is published, injected.

A request takes the knowledge base current when it starts and keeps it to the end, so a re-index never changes
the index under a running request; the old one is released when its last request finishes. A new build is noticed
by one `stat` of the index link's manifest per request: the first load, and a reload asked for by
`POST /api/reindex`, happen in the caller's thread; a build published by another process (`kb index`, another
worker) is loaded in a background thread while requests keep using the previous one.

When loading fails (no index, stale, corrupt, bad model) the app still starts: routes that need the index answer
503 with the loader's message, which says how to build the index. A damaged current build never replaces a good one
already loaded, and at start the newest complete build that loads is served instead, with the reason in /health.

A build older than the documents (corpus/ or uploads changed before it was served) is served, and /health says so:
the check is the CLI's own (`kb.store.corpus_stale_reason` over the sources hash the write path computes), made once
per build, the CLI refusing where a running server keeps answering.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import ServiceUnavailableException

from kb import index_layout
from kb.embedding import TextEncoder
from kb.errors import IndexCorrupt, IndexNotBuilt, KbError
from kb.knowledge_base import KnowledgeBase
from kb.records import QueryEncoderVariant
from kb.store import corpus_stale_reason
from server.request_log import set_index_build

logger = logging.getLogger(__name__)

STATE_KEY = "knowledge_base_holder"
BUILD_HINT = "build it with `kb index`"

ManifestStamp = tuple[int, int, int] | None


def manifest_stamp(index_dir: Path) -> ManifestStamp:
    try:
        st = os.stat(index_dir / index_layout.MANIFEST)  # follows the index link: a new build is a new file
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


class KnowledgeBaseHolder:
    """Owns the app's current KnowledgeBase, or the reason there is none."""

    def __init__(
        self,
        index_dir: Path,
        knowledge_base: KnowledgeBase | None = None,
        embedder: TextEncoder | None = None,
        sources_hash: Callable[[], str | None] | None = None,
        query_encoder: QueryEncoderVariant | None = None,
    ) -> None:
        """`sources_hash`: the corpus hash a build made now would carry (None: no staleness check). Without an
        `embedder`, each build is served with its own `query_encoder` (None: the build's default)."""
        self.index_dir = index_dir
        self._query_encoder = query_encoder
        self._sources_hash = sources_hash
        self._staleness: tuple[str, str | None] | None = None  # (build id, why it is stale) of the last build checked
        self._kb = knowledge_base
        self._embedder = embedder or (knowledge_base.embedder if knowledge_base is not None else None)
        # A knowledge base passed in belongs to the caller: it is served as is, never swapped or closed here.
        self._pinned = knowledge_base is not None
        self._error: str | None = None
        self._seen_stamp: ManifestStamp = None  # the manifest last loaded, or last failed to load
        self._lock = threading.Lock()
        self._background: threading.Thread | None = None
        self._closing = False

    @property
    def error(self) -> str | None:
        """Why there is no knowledge base, or why an older build is being served."""
        return self._error

    def stale_reason(self, kb: KnowledgeBase) -> str | None:
        """Why `kb` did not match the documents when it was first served, if it did not. Checked once per build,
        never per /health call (hashing the corpus grows with it). Document changes reach the uploads folder before
        their build is published, so a build loaded after a change is checked against the folder it was built from.
        """
        if self._sources_hash is None:
            return None
        if self._staleness is None or self._staleness[0] != kb.build_id:
            try:
                reason = corpus_stale_reason(self.index_dir, kb.store.manifest, self._sources_hash())
            except KbError as exc:
                reason = f"cannot tell whether the index is current: {exc}"
            self._staleness = (kb.build_id, reason)
        return self._staleness[1]

    def load(self) -> None:
        """Open the index (at start); on a KbError remember the message instead of failing the app."""
        with self._lock:
            if self._kb is None:
                self._load_locked()

    def refresh(self) -> KnowledgeBase | None:
        """Load the current build now if it is not the one being served (after a re-index in this process)."""
        if not self._pinned:
            with self._lock:
                if manifest_stamp(self.index_dir) != self._seen_stamp:
                    self._load_locked()
        return self._kb

    def _load_locked(self) -> None:
        stamp = manifest_stamp(self.index_dir)
        self._seen_stamp = stamp
        try:
            new = KnowledgeBase.open(self.index_dir, self._embedder, query_encoder=self._query_encoder)
        except KbError as exc:
            self._keep_or_fall_back(exc)
            return
        self._install(new, error=None)
        logger.info("knowledge base loaded", extra={"index_build": new.build_id})

    def _keep_or_fall_back(self, exc: KbError) -> None:
        message = str(exc)
        if self._kb is not None:
            self._error = f"the newest build could not be loaded ({message}); serving build {self._kb.build_id}"
            logger.error("new index build not loaded, previous one kept: %s", message)
            return
        if isinstance(exc, IndexCorrupt | IndexNotBuilt):  # damaged, or its manifest or link gone: an older build
            current = self.index_dir.resolve()
            for build in index_layout.finished_builds(self.index_dir):
                if build == current:
                    continue
                try:
                    fallback = KnowledgeBase.open(build, self._embedder, query_encoder=self._query_encoder)
                except KbError:
                    continue
                self._install(fallback, error=f"the current build is damaged ({message}); serving build {build.name}")
                logger.error("current index build damaged, serving %s: %s", build.name, message)
                return
        self._error = message if "kb index" in message else f"{message}; {BUILD_HINT}"
        logger.warning("knowledge base not loaded: %s", self._error)

    def _install(self, new: KnowledgeBase, error: str | None) -> None:
        # The previous knowledge base is not closed: requests that started on it finish on it, and it is freed
        # (its SQLite connection closed) when the last of them drops its reference.
        _warm(new)  # before it serves: no request pays for a build's first query
        self._kb, self._error = new, error
        self._embedder = new.embedder

    @property
    def build_id(self) -> str:
        """The build being served now ("none" before one is loaded), without looking for a newer one."""
        kb = self._kb
        return kb.build_id if kb is not None else "none"

    @property
    def ready(self) -> bool:
        """Loaded and warmed (every build is warmed before it is installed), and not shutting down."""
        return self._kb is not None and not self._closing

    def get(self) -> KnowledgeBase | None:
        """The knowledge base, noticing a build published since the last look."""
        if self._pinned:
            return self._kb
        if manifest_stamp(self.index_dir) != self._seen_stamp:
            if self._kb is None:
                with self._lock:
                    if self._kb is None and manifest_stamp(self.index_dir) != self._seen_stamp:
                        self._load_locked()
            else:
                self._reload_in_background()
        return self._kb

    def _reload_in_background(self) -> None:
        with self._lock:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(target=self.refresh, name="index-reload", daemon=True)
            self._background.start()

    def wait_for_reload(self, timeout: float = 60.0) -> None:
        """Tests and `POST /api/reindex`: let a background reload finish."""
        background = self._background
        if background is not None:
            background.join(timeout)

    def require(self) -> KnowledgeBase:
        kb = self.get()
        if kb is None:
            raise ServiceUnavailableException(detail=self._error or f"no index loaded; {BUILD_HINT}")
        return kb

    def close(self) -> None:
        self._closing = True
        self.wait_for_reload(timeout=5.0)
        with self._lock:
            if self._kb is not None and not self._pinned:
                self._kb.close()
                self._kb = None


def _warm(kb: KnowledgeBase) -> None:
    try:
        kb.warm()
    except Exception:  # a warm-up that fails must not keep a loaded index from serving; the request will say why
        logger.exception("warming the knowledge base failed")


# -- dependencies (registered with Provide in server.app) ------------------------------------


def provide_holder(state: State) -> KnowledgeBaseHolder:
    holder: KnowledgeBaseHolder = state[STATE_KEY]
    return holder


def provide_knowledge_base(state: State, request: Request) -> KnowledgeBase:  # type: ignore[type-arg]
    """The knowledge base current at the start of the request (503 with the reason when there is none)."""
    knowledge_base = provide_holder(state).require()
    set_index_build(request.scope, knowledge_base.build_id)
    return knowledge_base
