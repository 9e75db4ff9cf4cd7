"""Retrievers behind one protocol: dense (FAISS), lexical (FTS5 BM25) and hybrid (rank fusion)."""

from kb.retrieval.base import Hit, Retriever
from kb.retrieval.dense import DenseRetriever
from kb.retrieval.hybrid import FusionMethod, HybridRetriever
from kb.retrieval.lexical import LexicalRetriever

__all__ = ["DenseRetriever", "FusionMethod", "Hit", "HybridRetriever", "LexicalRetriever", "Retriever"]
