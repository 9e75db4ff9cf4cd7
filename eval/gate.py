"""The CI gate: the test split's hybrid retrieval and answer metrics may not fall below the floors kept here.

Floors are the measured values minus a small margin (`eval/floors.json`); `kb eval --write-floors`
records new ones after a deliberate improvement.
"""

from __future__ import annotations

import json
from pathlib import Path

from eval.records import EvalReport

FLOORS_PATH = Path(__file__).resolve().parent / "floors.json"
# Per gold set (`kb eval --gold`): the original 118 questions, and round 2 (facts, lists, follow-ups, …), whose file
# also holds the floor of the six languages' agreement (`kb eval --agreement`).
FLOORS_PATHS = {"original": FLOORS_PATH, "round2": FLOORS_PATH.with_name("floors-round2.json")}
AGREEMENT = "language_agreement"
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
    kept = {}
    if path.is_file():  # the agreement floor is written by its own run
        kept = {k: v for k, v in json.loads(path.read_text(encoding="utf-8"))["floors"].items() if k == AGREEMENT}
    data = {"split": report.split, "floors": floors | kept}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return floors


def check_agreement(agreement: float, path: Path) -> list[str]:
    """The six languages' agreement against its floor, when the file has one."""
    floor = json.loads(path.read_text(encoding="utf-8"))["floors"].get(AGREEMENT)
    if floor is None or agreement >= floor:
        return []
    return [f"{AGREEMENT:<28} {agreement:.3f} < floor {floor:.3f} ({agreement - floor:+.3f})"]


def check(report: EvalReport, path: Path = FLOORS_PATH) -> list[str]:
    """Readable lines for every metric below its floor; empty when the gate passes."""
    data = json.loads(path.read_text(encoding="utf-8"))
    values = current_values(report)
    problems = []
    for metric, floor in data["floors"].items():
        if metric == AGREEMENT:
            continue  # checked on its own run (check_agreement)
        value = values.get(metric)
        if value is None:
            problems.append(f"{metric:<28} missing from the report (floor {floor:.3f})")
        elif value < floor:
            problems.append(f"{metric:<28} {value:.3f} < floor {floor:.3f} ({value - floor:+.3f})")
    return problems
