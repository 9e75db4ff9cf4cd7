"""A bounded pool for answers written by the LLM, so slow generations never hold the threads search and health use.

Each generative request claims one of `TIPKB_LLM_MAX_CONCURRENT` slots (per worker) and does its LLM work (the
whole reply for /api/ask, each draft piece for /api/ask/stream) on the pool's own thread limiter. When every slot
is taken the request is answered at once with the quoted (extractive) answer and a note saying the writer is busy,
the same fallback as an LLM that is down: a delegate still gets a cited answer, and the server stays responsive.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar, cast

import anyio
import anyio.to_thread

T = TypeVar("T")
BUSY_NOTE = "The answer writer is busy with other questions, so this is the quoted answer; ask again for a paragraph."
_DONE = object()


class Claim:
    """One slot, released once (after the reply, when the stream ends or is abandoned, whichever comes first)."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release = release
        self._lock = threading.Lock()
        self._held = True

    def release(self) -> None:
        with self._lock:
            if self._held:
                self._held = False
                self._release()


class GenerationPool:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._slots = threading.BoundedSemaphore(capacity)
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        """The pool's threads (created in the event loop on first use); never the default limiter's."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.capacity)
        return self._limiter

    def claim(self) -> Claim | None:
        """A slot, or None when all are taken (the caller answers extractively with BUSY_NOTE)."""
        return Claim(self._slots.release) if self._slots.acquire(blocking=False) else None

    async def run(self, claim: Claim, work: Callable[[], T]) -> T:
        try:
            return await anyio.to_thread.run_sync(work, limiter=self.limiter)
        finally:
            claim.release()

    async def drain(self, claim: Claim, items: Iterator[T]) -> AsyncIterator[T]:
        """The items of a blocking iterator (the LLM's draft), each fetched on the pool's threads."""
        try:
            while True:
                item = await anyio.to_thread.run_sync(next, items, _DONE, limiter=self.limiter)
                if item is _DONE:
                    return
                yield cast(T, item)
        finally:
            claim.release()
            close = getattr(items, "close", None)
            if close is not None:
                with anyio.CancelScope(shield=True):  # a client that left cancels us: still end the LLM's HTTP stream
                    await anyio.to_thread.run_sync(close, limiter=self.limiter)
