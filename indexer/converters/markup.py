"""HTML → plain text with Markdown headings; page chrome (scripts, navigation, headers, footers) dropped.

The output is text, never markup: tags are gone and entities decoded, so `&lt;script&gt;` in a page
becomes the literal characters `<script>` (the web UI escapes them when showing a snippet).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from indexer.converters._common import ConvertedDocument, DocumentFormat, normalize_body, one_line, unreadable
from indexer.converters.text import decode_text
from kb.errors import UnreadableDocument

_DROPPED = ["script", "style", "noscript", "template", "svg", "nav", "iframe", "object", "embed", "canvas", "head"]
_CHROME = ("header", "footer")  # page banners; kept inside <article>/<main>/<section>, where they hold the title
_BLOCK_TAGS = (  # their text is a paragraph of its own
    "p li td th blockquote pre div section article main aside ul ol dl dt dd table tr tbody thead tfoot"
    " caption figure figcaption form fieldset address details summary hr br body html"
)
_BLOCKS = frozenset(_BLOCK_TAGS.split())
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def convert_html(name: str, data: bytes, content_type: str | None = None) -> ConvertedDocument:
    """Headings → `#` lines, block elements → paragraphs, everything else → their text."""
    text = decode_text(name, data, _declared_charset(data, content_type))
    try:
        tree = LexborHTMLParser(text)
        title_node = tree.css_first("title")
        title = one_line(title_node.text()) if title_node is not None else ""
        if not title and (h1 := tree.css_first("h1")) is not None:
            title = one_line(h1.text())
        tree.strip_tags(_DROPPED, recursive=True)
        for node in tree.css(", ".join(_CHROME)):
            if not _inside_content(node):
                node.decompose()
        root = tree.body or tree.root
        body = _render(root) if root is not None else ""
    except UnreadableDocument:
        raise
    except Exception as error:
        raise unreadable(name, "the HTML could not be parsed", error) from None
    return ConvertedDocument(DocumentFormat.HTML, body, title or None)


def _declared_charset(data: bytes, content_type: str | None) -> str | None:
    if content_type and "charset=" in content_type.lower():
        return content_type.lower().split("charset=", 1)[1].split(";")[0].strip()
    match = _META_CHARSET.search(data[:2048])
    return match.group(1).decode("ascii", "replace") if match else None


def _inside_content(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("article", "main", "section"):
            return True
        parent = parent.parent
    return False


def _render(root: LexborNode) -> str:
    """Walk the tree without recursion (deeply nested pages must not hit the recursion limit)."""
    paragraphs: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = _WHITESPACE.sub(" ", "".join(inline)).strip()
        if text:
            paragraphs.append(text)
        inline.clear()

    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag or ""
        if leaving:
            if tag in _BLOCKS:
                flush()
            continue
        if node.is_text_node:
            inline.append(node.text_content or "")
            continue
        if tag in _HEADINGS:
            flush()
            heading = one_line(node.text())
            if heading:
                paragraphs.append(f"{'#' * _HEADINGS[tag]} {heading}")
            continue
        if tag == "pre":
            flush()
            if preformatted := node.text().strip("\n"):
                paragraphs.append(preformatted)
            continue
        if not node.is_element_node and not node.is_document_node:
            continue  # comments, doctype
        if tag in _BLOCKS:
            flush()
            stack.append((node, True))
        children = list(node.iter(include_text=True))
        stack.extend((child, False) for child in reversed(children))
    flush()
    return normalize_body("\n\n".join(paragraphs))
