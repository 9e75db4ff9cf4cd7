"""Inline HTML in Markdown → its text: tags dropped, entities decoded, code left as written.

Markdown lets authors embed HTML (`**<u>Protection</u>**`, `16<sup>th</sup>`, `&amp;`). The chunker, the index and
every client read passages as text, so markup is removed once, here, when a corpus file or an uploaded Markdown file
is read: nothing downstream ever holds a tag, and a client never has to decide whether a `<` is markup.

Only the names of HTML elements count as tags, so prose such as `3 < 5`, `<https://example.org>` (a Markdown
autolink) or `x<y and z>w` is kept. Code spans and fenced code blocks are text the author wants shown as typed and
are left alone. `<script>` and `<style>` go with their content (code, not prose), as the HTML converter drops them.
"""

from __future__ import annotations

import html
import re

# HTML elements an author may write inline in Markdown (HTML Living Standard names, the obsolete presentational ones
# included). A name not listed here is not treated as a tag.
_ELEMENTS = (
    "a abbr acronym address area article aside audio b bdi bdo big blockquote body br button caption center cite "
    "code col colgroup data dd del details dfn div dl dt em embed fieldset figcaption figure font footer form h1 h2 "
    "h3 h4 h5 h6 head header hr html i iframe img input ins kbd label legend li link main mark meta nav noscript "
    "object ol p picture pre q rp rt ruby s samp section small source span strike strong sub summary sup table "
    "tbody td template tfoot th thead time title tr tt u ul var video wbr"
)
_TAG_NAMES = "|".join(sorted(_ELEMENTS.split(), key=len, reverse=True))

_INLINE_HTML = re.compile(
    r"(?P<fence>^[ ]{0,3}(?P<marker>`{3,}|~{3,})[^\n]*\n.*?^[ ]{0,3}(?P=marker)[ \t]*$)"  # fenced code: kept
    r"|(?P<code>(?P<ticks>`+)(?!`)[^\n]*?(?<!`)(?P=ticks)(?!`))"  # a code span (one line): kept
    r"|(?P<dropped><(?P<code_tag>script|style)\b[^>]*>.*?</(?P=code_tag)\s*>|<!--.*?-->)"  # code and comments: gone
    r"|(?P<br><br\s*/?>)"  # a line break: a new line
    rf"|(?P<tag></?(?:{_TAG_NAMES})(?:\s[^<>]*)?/?>)"  # any other tag: gone, its text stays
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)",  # an entity: its character
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)


def _replace(match: re.Match[str]) -> str:
    if match.group("fence") is not None or match.group("code") is not None:
        return match.group(0)
    if match.group("br") is not None:
        return "\n"
    if match.group("entity") is not None:
        return html.unescape(match.group(0))
    return ""


def strip_inline_html(markdown: str) -> str:
    """The Markdown text with inline HTML tags and comments removed and character entities decoded.

    One pass, so a decoded `&lt;u&gt;` stays the literal text `<u>` (as in an HTML page, where it is text).
    """
    return _INLINE_HTML.sub(_replace, markdown)
