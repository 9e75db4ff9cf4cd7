"""Uploaded document bytes (PDF, DOCX, HTML, Markdown, plain text) → a Markdown-ish text body for the chunker.

Staff upload best-practice documents and project descriptions in whatever format they have; the chunker
only reads Markdown-ish text (headings as `#` lines, paragraphs separated by blank lines). This package
detects the format, extracts plain text (never markup: HTML output is text, not HTML), keeps PDF page
offsets so a chunk can cite its page, and turns every parser failure into `UnreadableDocument` or
`UnsupportedDocumentType` with a message naming the file, so no parser traceback reaches a user.
"""

from __future__ import annotations

from indexer.converters._common import ConvertedDocument, DocumentFormat, display_name, normalize_body
from indexer.converters.detect import SUPPORTED_TYPES, detect_format
from indexer.converters.markup import convert_html
from indexer.converters.pdf import convert_pdf
from indexer.converters.text import convert_markdown, convert_text
from indexer.converters.word import convert_docx
from kb.errors import UnreadableDocument

__all__ = [
    "SUPPORTED_TYPES",
    "ConvertedDocument",
    "DocumentFormat",
    "convert_document",
    "detect_format",
    "normalize_body",
]

_CONVERTERS = {
    DocumentFormat.PDF: convert_pdf,
    DocumentFormat.DOCX: convert_docx,
    DocumentFormat.HTML: convert_html,
    DocumentFormat.MARKDOWN: convert_markdown,
    DocumentFormat.TEXT: convert_text,
}


def convert_document(
    filename: str, data: bytes, content_type: str | None = None, fmt: DocumentFormat | None = None
) -> ConvertedDocument:
    """Detect the format of an upload (unless `fmt`, the format recorded when it was accepted, says it) and convert
    it to a body the chunker can index.

    Raises `UnsupportedDocumentType` for formats we do not read and `UnreadableDocument` for files in a
    supported format that yield no text (corrupt, encrypted, scanned, wrong encoding, empty) or that would expand
    past the decompression limits (`indexer.converters.archive`).
    """
    fmt = fmt or detect_format(filename, data, content_type)
    name = display_name(filename)
    if not data.strip():
        raise UnreadableDocument(f"{name}: the file is empty")
    document = _CONVERTERS[fmt](name, data, content_type)
    if not document.body.strip():
        raise UnreadableDocument(f"{name}: the document contains no text")
    return document
