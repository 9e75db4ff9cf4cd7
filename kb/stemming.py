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


# British "-is-" spellings stem apart from the American ones Porter knows ("specialised" → "specialis", "specialized"
# → "special"); the corpus mixes both, so they are read as "-iz-" first. Only these endings: "exercise", "promise".
_BRITISH = re.compile(r"(?<=\w{4})is(ation|ations|ed|ing)$")
_NOT_BRITISH = (
    "exercis", "promis", "compris", "supervis", "surpris", "compromis", "televis", "improvis", "premis",
    "franchis", "merchandis", "chastis", "despis", "disguis", "enterpris", "expertis", "precis", "concis",
)  # fmt: skip


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("porter")
    word = word.lower()
    if not word.startswith(_NOT_BRITISH):
        word = _BRITISH.sub(r"iz\1", word)
    return str(stemmer.stemWord(word))


def stems(text: str) -> list[str]:
    return [stem(m.group(0)) for m in _WORD.finditer(text)]


# Noun and verb of one act whose Porter stems differ ("entry"/"enter", "signature"/"sign"): the answer code reads
# them as one word family. The lexical index keeps Porter's stems; only answer scoring uses the families.
_FAMILIES = {
    "entri": "enter", "signatur": "sign", "signatori": "sign", "access": "acced", "ratif": "ratifi",
    "denunci": "denounc", "submiss": "submit", "decis": "decid", "detent": "detain", "seizur": "seiz",
    "disclosur": "disclos", "admiss": "admit", "notif": "notifi", "applic": "appli", "identif": "identifi",
    "liabil": "liabl", "criminalis": "crimin",
}  # fmt: skip


def family(word_stem: str) -> str:
    """The stem that stands for a word's family: "entri" (entry) and "enter" are both "enter"."""
    return _FAMILIES.get(word_stem, word_stem)


def families(text: str) -> set[str]:
    return {family(s) for s in stems(text)}
