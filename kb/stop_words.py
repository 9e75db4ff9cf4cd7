"""spaCy's English stop-word list, read from spaCy's own file without importing spaCy.

Importing `spacy` imports thinc, which imports torch when it is installed; serving must not load torch (it costs
seconds of start-up and hundreds of MB per worker), yet the query side must drop the same words as the build.
The file is a self-contained module (a literal set and a few updates), so it is executed on its own.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _load() -> frozenset[str]:
    spec = importlib.util.find_spec("spacy")  # locates the package without executing its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("spaCy is not installed: pip install spacy")
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / "en" / "stop_words.py"
    module_spec = importlib.util.spec_from_file_location("_tipkb_spacy_en_stop_words", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot read spaCy's English stop words at {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


STOP_WORDS: frozenset[str] = _load()
