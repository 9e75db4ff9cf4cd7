"""Shared result type and body normalisation for the converters."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import StrEnum

from kb.errors import UnreadableDocument

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")
_MAX_DETAIL = 200


class DocumentFormat(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    HTML = "html"
    MARKDOWN = "markdown"
    TEXT = "text"


@dataclass(frozen=True)
class ConvertedDocument:
    """The text of one upload, ready for the chunker; offsets into `body` are what chunks record."""

    format: DocumentFormat
    body: str
    title: str | None
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """1-based page holding `body[offset]`, so a PDF chunk can cite its page; None for non-paged formats."""
        if not self.page_starts:
            return None
        # bisect_right: an empty page shares its start with the next page, which then wins.
        return max(bisect.bisect_right(self.page_starts, offset), 1)


def normalize_body(text: str) -> str:
    """LF line ends, no control characters or trailing spaces, at most one blank line in a row.

    Every converter's output goes through this so chunk offsets mean the same thing for every format.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\ufeff", "")
    text = _CONTROL.sub("", text)
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_RUN.sub("\n\n", text)
    return text.strip("\n")


def display_name(filename: str) -> str:
    """The upload's base name without control characters, for error messages."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _CONTROL.sub("", name).strip()[:200]
    return name or "(unnamed file)"


def unreadable(name: str, problem: str, error: BaseException | None = None) -> UnreadableDocument:
    """An `UnreadableDocument` naming the file, the problem and (briefly) what the parser said."""
    if error is not None:
        detail = str(error).strip().splitlines()[0][:_MAX_DETAIL] if str(error).strip() else type(error).__name__
        problem = f"{problem} ({detail})"
    return UnreadableDocument(f"{name}: {problem}")


def one_line(text: str) -> str:
    """Collapse whitespace, for headings and titles that must stay on one line."""
    return " ".join(text.split())
