"""The summary of an analysis as plain JSON-able data: the contract that `coach regress`,
the therapist's tools and scripts read. Its schema is documented in README.md ("Summary JSON").
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from coach import __version__
from coach.analysis import STANDARD_COLUMNS, AnalysisResult
from coach.events import (CueDecided, Event, FaultEnded, FaultStarted, HoldEnded, PainReported,
                          RepCompleted, SetupProblem)
from coach.landmarks import Side

SCHEMA_VERSION = 1


def _stats(column: np.ndarray) -> dict[str, float | None]:
    known = column[np.isfinite(column)]
    if known.size == 0:
        return {"min": None, "median": None, "max": None}
    return {"min": round(float(known.min()), 1), "median": round(float(np.median(known)), 1),
            "max": round(float(known.max()), 1)}


def _r(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 3)


def summarize(result: AnalysisResult) -> dict[str, Any]:
    angles = result.angles()
    summary: dict[str, Any] = {
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
    if result.exercise is not None:
        summary["exercise"] = result.exercise
        summary.update(summarize_events(result.events, result.duration_s))
        summary["not_judged"] = list(result.not_judged)
    return summary


def summarize_events(events: list[Event], end_s: float) -> dict[str, Any]:
    """Reps, holds, faults, cues, setup problems and pain from an event stream."""
    reps = [e for e in events if isinstance(e, RepCompleted)]
    counts = Counter(e.side for e in reps)
    return {
        "reps": {"left": counts[Side.LEFT], "right": counts[Side.RIGHT], "total": len(reps)},
        "rep_table": [{"side": e.side.value, "number": e.number, "start_s": _r(e.t_s - e.duration_s),
                       "end_s": _r(e.t_s), "duration_s": _r(e.duration_s), "metric": e.metric,
                       "range": _r(e.range), "range_unit": e.range_unit, "faults": list(e.fault_codes)}
                      for e in reps],
        "holds": [{"side": e.side.value, "start_s": _r(e.start_s), "end_s": _r(e.t_s), "good_s": _r(e.good_s),
                   "total_s": _r(e.total_s), "target_s": _r(e.target_s)}
                  for e in events if isinstance(e, HoldEnded)],
        "faults": _fault_spans(events, reps, end_s),
        "cues": [{"t_s": _r(e.t_s), "text": e.text, "kind": e.kind} for e in events if isinstance(e, CueDecided)],
        "setup_problems": [{"t_s": _r(e.t_s), "code": e.code, "message": e.message}
                           for e in events if isinstance(e, SetupProblem)],
        "pain": [{"t_s": _r(e.t_s)} for e in events if isinstance(e, PainReported)],
    }


def _fault_spans(events: list[Event], reps: list[RepCompleted], end_s: float) -> list[dict[str, Any]]:
    """Continuous faults as start..end spans; faults judged at a rep's end span that rep."""
    spans: list[dict[str, Any]] = []
    open_faults: dict[str, dict[str, Any]] = {}
    for e in events:
        if isinstance(e, FaultStarted):
            open_faults[e.code] = {"code": e.code, "start_s": _r(e.t_s), "end_s": None,
                                   "side": e.side.value, "rep": e.rep}
            spans.append(open_faults[e.code])
        elif isinstance(e, FaultEnded) and e.code in open_faults:
            open_faults.pop(e.code)["end_s"] = _r(e.t_s)
    for span in open_faults.values():
        span["end_s"] = _r(end_s)
    continuous = {s["code"] for s in spans}
    for rep in reps:
        for code in rep.fault_codes:
            if code not in continuous:
                spans.append({"code": code, "start_s": _r(rep.t_s - rep.duration_s), "end_s": _r(rep.t_s),
                              "side": rep.side.value, "rep": rep.number})
    return sorted(spans, key=lambda s: (s["start_s"] if s["start_s"] is not None else 0.0, s["code"]))
