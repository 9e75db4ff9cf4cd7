"""Where a query's words are in the passages it retrieved: [start, end) offsets into each passage's text.

The marks come from the index itself (FTS5's highlight(), the tokenizer and porter stemmer lexical search uses), so
"protecting victims" marks "protection" and "victim" in any result, a dense hit included; with exact words they are
the phrase's occurrences. Clients draw them with DOM calls: the text never carries markup.
"""

from __future__ import annotations

from kb.retrieval.lexical import any_of, query_terms
from kb.retrieval.phrase import ExactPhrase
from kb.store import IndexStore

# Characters normalised corpus text never holds (controls); a passage that did would simply go unmarked.
_OPEN, _CLOSE = "\x02", "\x03"

Span = tuple[int, int]


def highlight_terms(query: str) -> list[str]:
    """The query's terms worth marking: a single letter ("b" of "Article 6(3)(b)") would mark every stray letter."""
    return [t for t in query_terms(query) if len(t) > 1 or t.isdigit()]


def marked_spans(marked: str, text: str) -> list[Span] | None:
    """Offsets of the `_OPEN`…`_CLOSE` runs in `marked`, counted in `text`; None unless the marks are all it adds."""
    if _OPEN in text or _CLOSE in text:
        return None
    spans: list[Span] = []
    plain: list[str] = []
    position = 0
    at = 0
    while (opening := marked.find(_OPEN, at)) >= 0:
        closing = marked.find(_CLOSE, opening + 1)
        if closing < 0:
            return None
        plain.append(marked[at:opening])
        position += opening - at
        word = marked[opening + 1 : closing]
        plain.append(word)
        if word:
            spans.append((position, position + len(word)))
        position += len(word)
        at = closing + 1
    plain.append(marked[at:])
    return spans if "".join(plain) == text else None


class Highlighter:
    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def spans(self, query: str, texts: dict[int, str], phrase: ExactPhrase | None = None) -> dict[int, list[Span]]:
        """For each chunk (row id → its text): where the query's terms, or the exact phrase, occur in it."""
        if phrase is not None:
            return {chunk: phrase.spans(text) for chunk, text in texts.items()}
        terms = highlight_terms(query)
        if not terms:
            return {}
        marked = self.store.highlighted_texts(any_of(terms), sorted(texts), _OPEN, _CLOSE)
        out: dict[int, list[Span]] = {}
        for chunk, text in marked.items():
            spans = marked_spans(text, texts[chunk])
            if spans:
                out[chunk] = spans
        return out
