"""Reads corpus/: one Markdown file per document, YAML front matter first (see corpus/README.md); inline HTML in a body
is reduced to its text, as in uploaded Markdown.

Every problem is reported as a CorpusError naming the file and the field, before anything is written.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from indexer.converters.inline_html import strip_inline_html
from kb.errors import CorpusError
from kb.records import DocumentMeta

CORPUS_GLOB = "*.md"
NOT_DOCUMENTS = {"README.md"}


@dataclass(frozen=True)
class SourceDocument:
    """A parsed corpus file: its metadata, its Markdown body and where that body starts in the file."""

    meta: DocumentMeta
    body: str
    path: Path
    content_hash: str
    source_key: str = ""  # its name in the corpus hash; corpus files use their file name
    page_starts: tuple[int, ...] = ()  # paged originals (PDF): offset in `body` where page i+1 begins

    @property
    def key(self) -> str:
        return self.source_key or self.path.name

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset) or 1


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in corpus_dir.glob(CORPUS_GLOB) if p.name not in NOT_DOCUMENTS)


def _combine(named_hashes: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for name, file_hash in sorted(named_hashes):
        digest.update(f"{name}\0{file_hash}\n".encode())
    return digest.hexdigest()


def corpus_hash(corpus_dir: Path, uploads: list[tuple[str, str]] | None = None) -> str:
    """One hash over every document file's name and bytes (and each upload's key and content hash): it changes
    whenever the corpus does."""
    files = [(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in corpus_files(corpus_dir)]
    return _combine(files + (uploads or []))


def documents_hash(documents: list[SourceDocument], skipped: Sequence[tuple[str, str]] = ()) -> str:
    """The corpus hash of exactly the bytes that were loaded (a file edited mid-build cannot slip in), plus the
    (key, hash) of uploads that were accepted but could not be loaded, as `corpus_hash` counts them."""
    return _combine([(d.key, d.content_hash) for d in documents] + list(skipped))


def parse_document(path: Path, text: str | None = None, raw: bytes | None = None) -> SourceDocument:
    """`raw`: the file's bytes, read elsewhere (a Ray worker may not see the driver's files)."""
    try:
        raw = path.read_bytes() if raw is None else raw
    except OSError as exc:
        raise CorpusError(str(path), "file", f"cannot be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8") if text is None else text
    except UnicodeDecodeError as exc:
        raise CorpusError(str(path), "encoding", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    # Files saved on Windows: a byte-order mark and CRLF line ends are accepted, not a reason to fail.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise CorpusError(str(path), "front matter", "file must start with a '---' line opening YAML front matter")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise CorpusError(str(path), "front matter", "no closing '---' line after the YAML front matter")
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise CorpusError(str(path), "front matter", f"invalid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise CorpusError(str(path), "front matter", "must be a YAML mapping of fields")
    try:
        meta = DocumentMeta.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "front matter"
        raise CorpusError(str(path), field, first["msg"]) from None
    body = strip_inline_html(text[end + len("\n---\n") :])  # `**<u>Protection</u>**` is indexed as `**Protection**`
    if not body.strip():
        raise CorpusError(str(path), "body", "document has no text after its front matter")
    return SourceDocument(meta=meta, body=body, path=path, content_hash=hashlib.sha256(raw).hexdigest())


def load_corpus(corpus_dir: Path, uploads: list[SourceDocument] | None = None) -> list[SourceDocument]:
    """The corpus files, then the uploaded documents; ids must be unique across both."""
    if not corpus_dir.is_dir():
        raise CorpusError(str(corpus_dir), "corpus", "directory not found")
    documents = [parse_document(p) for p in corpus_files(corpus_dir)]
    if not documents:
        raise CorpusError(str(corpus_dir), "corpus", f"no {CORPUS_GLOB} documents found")
    return check_documents(documents + (uploads or []))


def check_documents(documents: list[SourceDocument]) -> list[SourceDocument]:
    """Ids unique across corpus and uploads, at most one text per treaty: the checks that need every document."""
    seen: dict[str, Path] = {}
    treaties: dict[str, Path] = {}
    for doc in documents:
        if doc.meta.instrument is not None:
            # Treaty chunks are named by locator (protocol:6(3)); two texts of one treaty would collide.
            if doc.meta.instrument in treaties:
                other = treaties[doc.meta.instrument].name
                raise CorpusError(
                    str(doc.path), "instrument", f"{doc.meta.instrument!r} is already the text of {other}"
                )
            treaties[doc.meta.instrument] = doc.path
        if doc.meta.id in seen:
            raise CorpusError(str(doc.path), "id", f"duplicate id {doc.meta.id!r} (also in {seen[doc.meta.id].name})")
        seen[doc.meta.id] = doc.path
    return documents
