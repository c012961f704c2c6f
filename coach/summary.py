"""The summary of an analysis as plain JSON-able data: the contract that `coach regress`,
the therapist's tools and scripts read. Its schema is documented in README.md ("Summary JSON").
"""

from __future__ import annotations

import numpy as np

from coach import __version__
from coach.analysis import STANDARD_COLUMNS, AnalysisResult

SCHEMA_VERSION = 1


def _stats(column: np.ndarray) -> dict[str, float | None]:
    known = column[np.isfinite(column)]
    if known.size == 0:
        return {"min": None, "median": None, "max": None}
    return {"min": round(float(known.min()), 1), "median": round(float(np.median(known)), 1),
            "max": round(float(known.max()), 1)}


def summarize(result: AnalysisResult) -> dict:
    angles = result.angles()
    return {
        "schema": SCHEMA_VERSION,
        "coach_version": __version__,
        "video": result.info.path.name,
        "model": result.model.name,
        "width": result.info.width,
        "height": result.info.height,
        "duration_s": round(result.duration_s, 3),
        "frames": len(result.frames),
        "frames_with_pose": result.frames_with_pose,
        "angles": {name: _stats(angles[:, i]) for i, name in enumerate(STANDARD_COLUMNS)},
    }
