"""Retrievers behind one protocol: dense (FAISS), lexical (FTS5 BM25) and hybrid (rank fusion); exact phrases and
the highlights of what was found."""

from kb.retrieval.base import Hit, Retriever
from kb.retrieval.dense import DenseRetriever
from kb.retrieval.highlights import Highlighter
from kb.retrieval.hybrid import FusionMethod, HybridRetriever
from kb.retrieval.lexical import LexicalRetriever
from kb.retrieval.phrase import ExactPhrase, PhraseRetriever

__all__ = [
    "DenseRetriever",
    "ExactPhrase",
    "FusionMethod",
    "Highlighter",
    "Hit",
    "HybridRetriever",
    "LexicalRetriever",
    "PhraseRetriever",
    "Retriever",
]
