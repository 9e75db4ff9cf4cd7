"""What a build reports back: where it went, its manifest, and how long each stage took.

A module of its own, importing nothing heavy: the server's document service receives it from its build process, and
unpickling it must not import the build (spaCy, torch) into the serving process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb.records import Manifest


@dataclass
class BuildReport:
    index_dir: Path
    manifest: Manifest
    skipped: bool = False
    stage_seconds: dict[str, float] = field(default_factory=dict)  # STAGES -> wall seconds (empty when skipped)

    @property
    def encoded_chunks(self) -> int:
        return 0 if self.skipped else self.manifest.encoded_chunks
