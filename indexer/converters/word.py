"""Word .docx → text: paragraphs and tables in document order, Heading/Title styles as Markdown headings."""

from __future__ import annotations

import io
import re

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from indexer.converters._common import ConvertedDocument, DocumentFormat, normalize_body, one_line, unreadable
from indexer.converters.archive import check_zip_limits
from kb.errors import UnreadableDocument

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def convert_docx(name: str, data: bytes, content_type: str | None = None) -> ConvertedDocument:
    """Headings become `#` lines (the chunker's section boundaries); table rows become `a | b` lines."""
    check_zip_limits(name, data)  # before python-docx inflates anything
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # BadZipFile, KeyError, ValueError, lxml errors…: all mean "not a docx"
        raise unreadable(name, "not a valid Word .docx file", error) from None
    try:
        blocks, first_heading = _blocks(document)
        core_title = one_line(document.core_properties.title or "")
    except UnreadableDocument:
        raise
    except Exception as error:
        raise unreadable(name, "the Word document could not be read", error) from None
    return ConvertedDocument(DocumentFormat.DOCX, normalize_body("\n\n".join(blocks)), core_title or first_heading)


def _blocks(document: Document) -> tuple[list[str], str | None]:
    blocks: list[str] = []
    first_heading: str | None = None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            if rows := _table_rows(item):
                blocks.append("\n".join(rows))
            continue
        level = _heading_level(item)
        if level:
            text = one_line(item.text)
            if text:
                blocks.append(f"{'#' * level} {text}")
                first_heading = first_heading or text
            continue
        text = item.text.replace("\t", " ").strip()
        if text:
            blocks.append(f"- {text}" if _is_list(item) else text)
    return blocks, first_heading


def _heading_level(paragraph: Paragraph) -> int:
    """1–6 for Title and Heading N styles (also custom styles based on them), else 0."""
    style = paragraph.style
    for _ in range(10):  # base-style chains are short; a cyclic one must not hang the upload
        if style is None:
            break
        if style.name == "Title":
            return 1
        if match := _HEADING_STYLE.match(style.name or ""):
            return min(int(match.group(1)), 6)
        style = style.base_style
    return 0


def _is_list(paragraph: Paragraph) -> bool:
    style_name = paragraph.style.name if paragraph.style is not None else ""
    return (style_name or "").startswith("List") or paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None


def _table_rows(table: Table) -> list[str]:
    """Each row as `cell | cell`, merged cells once, so table text is searchable in one line per row."""
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            if cell._tc is previous:  # a horizontally merged cell is repeated once per grid column
                continue
            previous = cell._tc
            if text := one_line(cell.text):
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows
