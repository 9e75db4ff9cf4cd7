"""Markdown body → sections → chunks.

Treaty texts (documents with an `instrument`) are cut per article, paragraph and sub-paragraph, each
chunk carrying its exact locator (`protocol:6(3)(b)`) and, as search context, its article title and
the lead-in of the paragraph it belongs to. Prose is cut by heading, then into sentence-bounded
chunks under the embedding model's word-piece budget, with a one-sentence overlap.

Every chunk's `text` is `body[start:end]` verbatim, and together the chunks cover every character of
the body that is not a heading or a thematic break.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import spacy
from spacy.language import Language

from kb.records import Chunk
from kb.refs import ArticleRef, Instrument

INSTRUMENT_NAMES = {
    Instrument.PROTOCOL: "Trafficking in Persons Protocol",
    Instrument.UNTOC: "United Nations Convention against Transnational Organized Crime",
    Instrument.COE: "Council of Europe Convention on Action against Trafficking in Human Beings",
}
SECTION_SEPARATOR = " › "
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*$")
_ARTICLE_HEADING = re.compile(r"^Article\s+(\d+)\.?\s*(.*)$", re.IGNORECASE)
_PARAGRAPH = re.compile(r"^(\d+)\.\s")
_SUBPARAGRAPH = re.compile(r"^\(?([a-z]{1,4})\)\s")
_CLOSING_CLAUSE = re.compile(r"^(?:IN WITNESS WHEREOF|DONE at|Done at)")
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"}


@dataclass
class Block:
    """A run of non-blank lines: `body[start:end]`."""

    start: int
    end: int
    text: str


@dataclass
class Section:
    titles: list[str]
    blocks: list[Block] = field(default_factory=list)

    @property
    def path(self) -> str:
        return SECTION_SEPARATOR.join(self.titles)


def clean_heading(text: str) -> str:
    return re.sub(r"[*_]{1,3}", "", text).strip()


def parse_sections(body: str) -> list[Section]:
    """Split a Markdown body into sections (by heading) made of blocks (by blank line)."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    current = Section(titles=[])
    block_start: int | None = None
    block_end = 0
    offset = 0

    def close_block() -> None:
        nonlocal block_start
        if block_start is not None:
            current.blocks.append(Block(block_start, block_end, body[block_start:block_end]))
            block_start = None

    for line in body.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        heading = _HEADING.match(stripped)
        if heading or _THEMATIC_BREAK.match(stripped) or not stripped.strip():
            close_block()
            if heading:
                if current.blocks:
                    sections.append(current)
                level, title = len(heading.group(1)), clean_heading(heading.group(2))
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
                # The single top-level title names the document; it is not part of section paths.
                titles = [t for lvl, t in stack if lvl > 1] or [t for _, t in stack]
                current = Section(titles=titles)
        else:
            if block_start is None:
                block_start = offset + (len(stripped) - len(stripped.lstrip()))
            block_end = offset + len(stripped.rstrip())
        offset += len(line)
    close_block()
    if current.blocks:
        sections.append(current)
    return sections


def sentence_spans(nlp: Language, text: str) -> list[tuple[int, int]]:
    doc = nlp(text)
    spans = [(s.start_char, s.end_char) for s in doc.sents if s.text.strip()]
    return spans or [(0, len(text))]


@dataclass
class ChunkDraft:
    start: int
    end: int
    section: str
    context: str
    ref: ArticleRef | None = None


class DocumentChunker:
    """Chunks one document body; `count_tokens` is the embedding model's word-piece counter."""

    def __init__(self, count_tokens: Callable[[str], int], budget: int = 180, overlap_sentences: int = 1):
        self.count_tokens = count_tokens
        self.budget = budget
        self.overlap_sentences = overlap_sentences
        self._nlp = spacy.blank("en")
        self._nlp.add_pipe("sentencizer")

    def chunk(
        self,
        doc_id: str,
        doc_title: str,
        body: str,
        instrument: Instrument | None,
        page_starts: Sequence[int] = (),
    ) -> list[Chunk]:
        """`page_starts` (paged originals): no prose chunk crosses a page break, so each cites one page."""
        drafts: list[ChunkDraft] = []
        for section in parse_sections(body):
            article = _ARTICLE_HEADING.match(section.titles[-1]) if section.titles else None
            if instrument is not None and article is not None:
                drafts.extend(self._legal(section, instrument, int(article.group(1)), section.titles[-1], body))
            else:
                context = SECTION_SEPARATOR.join([doc_title, *section.titles]) if section.titles else doc_title
                drafts.extend(self._prose(section, context, body, page_starts))
        return self._finalise(doc_id, doc_title, body, drafts)

    # -- treaty text -----------------------------------------------------------------------
    def _legal(
        self, section: Section, instrument: Instrument, article: int, heading: str, body: str
    ) -> Iterator[ChunkDraft]:
        title = f"{INSTRUMENT_NAMES[instrument]}, {heading}"
        paragraph: str | None = None
        paragraph_lead = ""
        letters: list[str] = []  # labels seen at the sub-paragraph level of the current paragraph
        subparagraph: str | None = None
        for block in section.blocks:
            path: tuple[str, ...]
            lead = ""
            if _CLOSING_CLAUSE.match(block.text):
                # The testimonium follows the last article but is not part of it.
                yield ChunkDraft(block.start, block.end, "Testimonium", INSTRUMENT_NAMES[instrument])
                continue
            if m := _PARAGRAPH.match(block.text):
                paragraph, letters, subparagraph = m.group(1), [], None
                paragraph_lead = block.text
                path = (paragraph,)
            elif m := _SUBPARAGRAPH.match(block.text):
                label = m.group(1)
                is_roman = label in _ROMAN and subparagraph is not None and not _next_letter(letters, label)
                base = (paragraph,) if paragraph else ()
                if is_roman and subparagraph is not None:
                    path = (*base, subparagraph, label)
                else:
                    subparagraph = label
                    letters.append(label)
                    path = (*base, label)
                lead = paragraph_lead if paragraph else ""
            else:
                # A lead-in before any paragraph, or closing words after sub-paragraphs.
                path = (paragraph,) if paragraph else ()
                lead = paragraph_lead if paragraph and block.text != paragraph_lead else ""
            ref = ArticleRef(article, path, instrument)
            context = title + (f"\n{_shorten(lead)}" if lead else "")
            yield ChunkDraft(block.start, block.end, section.path, context, ref)

    # -- prose -----------------------------------------------------------------------------
    def _prose(
        self, section: Section, context: str, body: str, page_starts: Sequence[int] = ()
    ) -> Iterator[ChunkDraft]:
        """Pack blocks into chunks under the budget (and within one page); split an oversized block at sentences."""
        pending: list[Block] = []
        used = 0
        for block in section.blocks:
            cost = self.count_tokens(block.text)
            new_page = bool(pending) and bisect.bisect_right(page_starts, block.start) != bisect.bisect_right(
                page_starts, pending[0].start
            )
            if pending and (used + cost > self.budget or new_page):
                yield ChunkDraft(pending[0].start, pending[-1].end, section.path, context)
                pending, used = [], 0
            if cost > self.budget:
                yield from self._split_block(block, section.path, context)
                continue
            pending.append(block)
            used += cost
        if pending:
            yield ChunkDraft(pending[0].start, pending[-1].end, section.path, context)

    def _split_block(self, block: Block, section: str, context: str) -> Iterator[ChunkDraft]:
        sentences = sentence_spans(self._nlp, block.text)
        costs = [self.count_tokens(block.text[a:b]) for a, b in sentences]
        first = 0
        while first < len(sentences):
            last, used = first, costs[first]
            while last + 1 < len(sentences) and used + costs[last + 1] <= self.budget:
                last += 1
                used += costs[last]
            yield ChunkDraft(block.start + sentences[first][0], block.start + sentences[last][1], section, context)
            if last + 1 >= len(sentences):
                break
            # Start the next chunk with the last sentence(s) of this one, unless that makes no progress.
            first = max(first + 1, last + 1 - self.overlap_sentences)

    # -- ids -------------------------------------------------------------------------------
    def _finalise(self, doc_id: str, doc_title: str, body: str, drafts: list[ChunkDraft]) -> list[Chunk]:
        chunks: list[Chunk] = []
        used: dict[str, int] = {}
        for ordinal, draft in enumerate(drafts):
            base = draft.ref.locator if draft.ref else f"{doc_id}#{ordinal + 1}"
            used[base] = used.get(base, 0) + 1
            chunk_id = base if used[base] == 1 else f"{base}~{used[base]}"
            chunks.append(
                Chunk(
                    chunk_id=chunk_id,
                    doc_id=doc_id,
                    ordinal=ordinal,
                    section=draft.section or doc_title,
                    ref=draft.ref.locator if draft.ref else None,
                    start=draft.start,
                    end=draft.end,
                    text=body[draft.start : draft.end],
                    context=draft.context,
                )
            )
        return chunks


def _next_letter(letters: list[str], label: str) -> bool:
    """True when `label` continues the letter sequence: `(i)` after `(h)` is a letter, not a numeral."""
    return bool(letters) and len(label) == 1 and ord(label) == ord(letters[-1][-1]) + 1


def _shorten(text: str, words: int = 60) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
