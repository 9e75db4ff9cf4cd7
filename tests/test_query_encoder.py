"""ONNX query encoders: exported from the real MiniLM, they must match torch and keep torch out of serving."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.query_encoder_export import check_query_encoders, choose_default, export_query_encoders
from kb.embedding import Embedder, model_path
from kb.errors import IndexCorrupt
from kb.query_encoder import ENCODER_FILES, EncoderThresholds, OnnxQueryEncoder, QueryEncoderVariant
from kb.records import EncoderCheck

ROOT = Path(__file__).resolve().parents[1]
ONNX_VARIANTS = [QueryEncoderVariant.ONNX_INT8, QueryEncoderVariant.ONNX_FP32]
QUESTIONS = [
    "Can victims stay in the country where they were found?",
    "Does it matter if the victim agreed?",
    "child definition age trafficking",
    "Wich projects work in Guatamala?",
    "What must countries do to help trafficked people go back home?",
    "",
]
# Longer than MAX_WORDPIECES, so truncation (256 wordpieces, like sentence-transformers) is exercised too.
LONG_TEXT = " ".join(["States Parties shall protect the privacy and identity of victims of trafficking."] * 40)


@pytest.fixture(scope="module")
def encoder_files(tmp_path_factory: pytest.TempPathFactory) -> dict[QueryEncoderVariant, Path]:
    return export_query_encoders(model_path(), tmp_path_factory.mktemp("query-encoders"))


def test_export_writes_only_the_named_files(encoder_files: dict[QueryEncoderVariant, Path]) -> None:
    assert {v: p.name for v, p in encoder_files.items()} == ENCODER_FILES
    directory = next(iter(encoder_files.values())).parent
    assert sorted(p.name for p in directory.iterdir()) == sorted(ENCODER_FILES.values())  # no scratch left


@pytest.mark.parametrize("variant", ONNX_VARIANTS)
def test_onnx_matches_torch(
    encoder_files: dict[QueryEncoderVariant, Path], embedder: Embedder, variant: QueryEncoderVariant
) -> None:
    encoder = OnnxQueryEncoder(encoder_files[variant], variant)
    texts = [*QUESTIONS, LONG_TEXT]
    cosines = np.sum(encoder.embed(texts) * embedder.embed(texts), axis=1)
    assert cosines.min() >= 0.99, cosines
    assert [encoder.count_wordpieces(t) for t in texts] == [embedder.count_wordpieces(t) for t in texts]


@pytest.mark.parametrize("variant", ONNX_VARIANTS)
def test_embed_and_embed_query_agree(
    encoder_files: dict[QueryEncoderVariant, Path], variant: QueryEncoderVariant
) -> None:
    encoder = OnnxQueryEncoder(encoder_files[variant], variant)
    batch = encoder.embed(QUESTIONS, batch_size=4)  # padded batches of mixed lengths
    single = np.concatenate([encoder.embed_query(q) for q in QUESTIONS])
    assert batch.shape == (len(QUESTIONS), encoder.dimension) and batch.dtype == np.float32
    np.testing.assert_allclose(single, batch, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    cached = encoder.embed_query(QUESTIONS[0])
    assert cached is encoder.embed_query(QUESTIONS[0]) and not cached.flags.writeable


def test_check_passes_and_picks_an_onnx_default(
    encoder_files: dict[QueryEncoderVariant, Path], embedder: Embedder
) -> None:
    chunks = embedder.embed([*QUESTIONS, LONG_TEXT, *(f"Article {n} of the Protocol" for n in range(1, 21))])
    checks = check_query_encoders(encoder_files, QUESTIONS, chunks, embedder.embed, EncoderThresholds())
    assert {c.variant for c in checks} == set(ONNX_VARIANTS)
    assert all(isinstance(c, EncoderCheck) for c in checks)  # the manifest's own record type
    assert all(c.passed and c.probes == len(QUESTIONS) and c.p50_ms > 0 for c in checks), checks
    assert choose_default(checks) in ONNX_VARIANTS
    assert choose_default([c.model_copy(update={"passed": False}) for c in checks]) is QueryEncoderVariant.TORCH


def test_serving_never_imports_torch(encoder_files: dict[QueryEncoderVariant, Path]) -> None:
    path = encoder_files[QueryEncoderVariant.ONNX_INT8]
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kb.query_encoder import OnnxQueryEncoder, QueryEncoderVariant\n"
        f"OnnxQueryEncoder(Path({str(path)!r}), QueryEncoderVariant.ONNX_INT8).embed_query('x')\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_missing_or_broken_file_is_index_corrupt(tmp_path: Path) -> None:
    with pytest.raises(IndexCorrupt, match="missing"):
        OnnxQueryEncoder(tmp_path / "query-encoder-int8.onnx", QueryEncoderVariant.ONNX_INT8)
    broken = tmp_path / "query-encoder-fp32.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(IndexCorrupt, match="cannot be loaded"):
        OnnxQueryEncoder(broken, QueryEncoderVariant.ONNX_FP32)
