"""PDF → text per page with pypdf, lines re-joined into paragraphs, page offsets kept for citations."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PasswordType, PdfReader

from indexer.converters._common import ConvertedDocument, DocumentFormat, normalize_body, one_line, unreadable
from kb.errors import UnreadableDocument

# pypdf warns on stderr about every damaged file it recovers from ("EOF marker not found"); a file it cannot
# recover from becomes our UnreadableDocument, so its warnings are noise in the server log.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE)
_HYPHENATED = re.compile(r"[^\W\d_]-$")
_SPACES = re.compile(r"[ \t\u00a0]+")
# Decompression bombs: pypdf caps each stream (75 MB inflated); these cap the document as a whole.
MAX_PAGES = 2_000
MAX_TEXT_CHARS = 20_000_000


def convert_pdf(name: str, data: bytes, content_type: str | None = None) -> ConvertedDocument:
    """Text of every page; `page_starts[i]` is where page i+1 begins in the body."""
    if b"%PDF-" not in data[:1024]:
        raise unreadable(name, "not a PDF file (no %PDF- header); is the file name's extension right?")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise unreadable(name, "the PDF is encrypted and needs a password; upload an unprotected copy")
        if len(reader.pages) > MAX_PAGES:
            raise unreadable(name, f"the PDF has {len(reader.pages)} pages, over the limit of {MAX_PAGES}")
        pages, extracted = [], 0
        for page in reader.pages:
            pages.append(_page_paragraphs(page.extract_text() or ""))
            extracted += len(pages[-1])
            if extracted > MAX_TEXT_CHARS:
                raise unreadable(name, f"the PDF's text is over the limit of {MAX_TEXT_CHARS:,} characters")
        metadata = reader.metadata
        title = one_line(str(metadata.title)) if metadata is not None and metadata.title else ""
    except UnreadableDocument:
        raise
    except Exception as error:  # pypdf raises many types on damaged files; none may escape as a traceback
        problem = "the PDF is encrypted and cannot be decrypted" if "crypt" in str(error).lower() else None
        raise unreadable(name, problem or "corrupt or truncated PDF", error) from None
    body, page_starts = "", []
    for text in pages:
        if text and body:
            body += "\n\n"
        page_starts.append(len(body))
        body += text
    if not body.strip():
        raise unreadable(name, "the PDF has no extractable text (scanned? OCR is not supported)")
    return ConvertedDocument(DocumentFormat.PDF, body, title or None, tuple(page_starts))


def _page_paragraphs(text: str) -> str:
    """pypdf's hard-wrapped lines → paragraphs; a bare page-number first/last line is dropped.

    The result is already normalised, so joining pages with one blank line keeps offsets exact.
    """
    lines = [_SPACES.sub(" ", line).strip() for line in normalize_body(text).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    if lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    paragraphs: list[str] = []
    current = ""
    for line in [*lines, ""]:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
        elif not current:
            current = line
        elif _HYPHENATED.search(current) and line[0].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}"
    return "\n\n".join(paragraphs)
