"""Which converter reads an upload: by content where the format has magic bytes, then by name and type."""

from __future__ import annotations

import io
import os
import zipfile

from indexer.converters._common import DocumentFormat, display_name
from kb.errors import UnsupportedDocumentType

SUPPORTED_TYPES = "PDF (.pdf), Word (.docx), HTML (.html, .htm), Markdown (.md, .markdown), plain text (.txt)"

_EXTENSIONS = {
    ".pdf": DocumentFormat.PDF,
    ".docx": DocumentFormat.DOCX,
    ".html": DocumentFormat.HTML,
    ".htm": DocumentFormat.HTML,
    ".md": DocumentFormat.MARKDOWN,
    ".markdown": DocumentFormat.MARKDOWN,
    ".txt": DocumentFormat.TEXT,
}
_CONTENT_TYPES = {
    "application/pdf": DocumentFormat.PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DocumentFormat.DOCX,
    "text/html": DocumentFormat.HTML,
    "application/xhtml+xml": DocumentFormat.HTML,
    "text/markdown": DocumentFormat.MARKDOWN,
    "text/x-markdown": DocumentFormat.MARKDOWN,
    "text/plain": DocumentFormat.TEXT,
}
# Binary formats uploaded without an extension: named in the message rather than guessed from the content type.
_FOREIGN_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "legacy Office file (.doc/.xls/.ppt)",
    b"{\\rtf": "RTF document",
    b"MZ": "Windows executable",
    b"\x7fELF": "executable",
    b"\x1f\x8b": "gzip archive",
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf\x27\x1c": "7-Zip archive",
}


def detect_format(filename: str, data: bytes, content_type: str | None = None) -> DocumentFormat:
    """The format to convert `data` as, or `UnsupportedDocumentType` naming the file and the supported types.

    Content wins over the name where the format is recognisable (a PDF named .txt is read as PDF); a
    file whose name says PDF or DOCX but whose bytes are not is left to that converter to call unreadable.
    """
    name = display_name(filename)
    extension = os.path.splitext(name)[1].lower()
    if b"%PDF-" in data[:1024]:
        return DocumentFormat.PDF
    if data.startswith(b"PK\x03\x04"):
        if _is_docx(data) or extension == ".docx":
            return DocumentFormat.DOCX
        raise _unsupported(name, "a ZIP archive that is not a Word .docx document")
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    if extension:
        raise _unsupported(name, f"'{extension}' files")
    for magic, kind in _FOREIGN_MAGIC.items():
        if data.startswith(magic):
            raise _unsupported(name, f"a {kind}")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in _CONTENT_TYPES:
        return _CONTENT_TYPES[media_type]
    raise _unsupported(name, f"content type '{media_type}'" if media_type else "no file extension or content type")


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except Exception:  # BadZipFile, NotImplementedError for odd zip versions…: not a DOCX we can read
        return False


def _unsupported(name: str, what: str) -> UnsupportedDocumentType:
    return UnsupportedDocumentType(f"{name}: unsupported document type ({what}); supported types: {SUPPORTED_TYPES}")
