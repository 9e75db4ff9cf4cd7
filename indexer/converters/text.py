"""Plain text and Markdown: decoded strictly (UTF-8, or UTF-16 with a BOM) and normalised, never guessed; Markdown
loses its inline HTML (`indexer.converters.inline_html`), plain text is kept as typed."""

from __future__ import annotations

import codecs
import re

from indexer.converters._common import ConvertedDocument, DocumentFormat, normalize_body, one_line, unreadable
from indexer.converters.inline_html import strip_inline_html

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX_HEADING = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def decode_text(name: str, data: bytes, encoding: str | None = None) -> str:
    """Bytes → str. A BOM decides; else a declared `encoding` (HTML meta/charset); else UTF-8 or an error.

    Latin-1 would decode anything, so it is never assumed: mis-decoded text would be indexed as mojibake.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        codec = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    else:
        codec = _known_codec(encoding) or "utf-8-sig"
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        if codec.startswith("utf-8"):
            raise unreadable(
                name,
                f"the text is not UTF-8 (invalid byte 0x{data[error.start]:02x} at position {error.start});"
                " save it as UTF-8 and upload it again",
            ) from None
        raise unreadable(name, f"the text does not decode as its declared encoding {codec}", error) from None


def _known_codec(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        codec = codecs.lookup(encoding.strip().strip("\"'")).name
    except LookupError:
        return None
    return "utf-8-sig" if codec == "utf-8" else codec


def strip_front_matter(text: str) -> str:
    """Drop a leading YAML front-matter block: metadata comes from the upload form, not the file."""
    return _FRONT_MATTER.sub("", text, count=1)


def markdown_title(body: str) -> str | None:
    """The first `# ` heading outside code fences, or None."""
    fence: str | None = None
    for line in body.split("\n"):
        opening = _FENCE.match(line)
        if opening:
            fence = None if fence == opening.group(1) else (fence or opening.group(1))
            continue
        if fence is None and (match := _ATX_HEADING.match(line)):
            return one_line(match.group(1)) or None
    return None


def convert_markdown(name: str, data: bytes, content_type: str | None = None) -> ConvertedDocument:
    """Markdown is already what the chunker reads: decoding, line ends, front matter and inline HTML change."""
    text = decode_text(name, data).replace("\r\n", "\n").replace("\r", "\n")
    body = normalize_body(strip_inline_html(strip_front_matter(text)))
    return ConvertedDocument(DocumentFormat.MARKDOWN, body, markdown_title(body))


def convert_text(name: str, data: bytes, content_type: str | None = None) -> ConvertedDocument:
    """Plain text: decoded and normalised; it has no title of its own."""
    return ConvertedDocument(DocumentFormat.TEXT, normalize_body(decode_text(name, data)), None)
