"""The CI gate: the test split's hybrid retrieval and answer metrics may not fall below the floors kept here.

Floors are the measured values minus a small margin (`eval/floors.json`); `kb eval --write-floors`
records new ones after a deliberate improvement.
"""

from __future__ import annotations

import json
from pathlib import Path

from eval.records import EvalReport

FLOORS_PATH = Path(__file__).resolve().parent / "floors.json"
MARGIN = 0.03  # one question changing outcome moves a test-split mean by about 0.02
GATED_MODE = "hybrid"


def current_values(report: EvalReport) -> dict[str, float]:
    values = {f"{GATED_MODE} {k}": v for k, v in report.retrieval.get(GATED_MODE, {}).items()}
    values.update(report.answers)
    return values


def floors_from(report: EvalReport, margin: float = MARGIN) -> dict[str, float]:
    return {k: round(max(0.0, v - margin), 3) for k, v in current_values(report).items()}


def write_floors(report: EvalReport, path: Path = FLOORS_PATH) -> dict[str, float]:
    floors = floors_from(report)
    path.write_text(json.dumps({"split": report.split, "floors": floors}, indent=2) + "\n", encoding="utf-8")
    return floors


def check(report: EvalReport, path: Path = FLOORS_PATH) -> list[str]:
    """Readable lines for every metric below its floor; empty when the gate passes."""
    data = json.loads(path.read_text(encoding="utf-8"))
    values = current_values(report)
    problems = []
    for metric, floor in data["floors"].items():
        value = values.get(metric)
        if value is None:
            problems.append(f"{metric:<28} missing from the report (floor {floor:.3f})")
        elif value < floor:
            problems.append(f"{metric:<28} {value:.3f} < floor {floor:.3f} ({value - floor:+.3f})")
    return problems
