"""Article references: the `ArticleRef` model and the grammars that read them in the six UN languages.

`kb.refs.article_ref` holds the model; `english`, `un_languages` (Spanish, French, Russian, Arabic) and `chinese` one
grammar each; `instruments` which treaty a reference belongs to; `finder` runs them over running text.
"""

from kb.refs.article_ref import ArticleRef, Instrument, InvalidArticleRef, sort_refs
from kb.refs.english import parse_refs
from kb.refs.finder import FoundReference, find_references, iter_references

__all__ = [
    "ArticleRef",
    "FoundReference",
    "Instrument",
    "InvalidArticleRef",
    "find_references",
    "iter_references",
    "parse_refs",
    "sort_refs",
]
