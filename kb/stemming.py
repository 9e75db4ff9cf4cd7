"""Porter stems, as SQLite FTS5's porter tokenizer makes them, so question words meet the index vocabulary.

snowballstemmer's stemmer objects keep state between calls and break when shared between threads
(the server answers in a thread pool), so each thread gets its own. Stems are cached: answering stems the words of
every candidate passage, the same few thousand words again and again, and the pure-Python stemmer was half of an
answer's time.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_local = threading.local()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("porter")
    return str(stemmer.stemWord(word.lower()))


def stems(text: str) -> list[str]:
    return [stem(m.group(0)) for m in _WORD.finditer(text)]
