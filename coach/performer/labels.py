"""Ground truth of a performance: reps, holds and fault spans, in media time.

Spans are measured from the motion itself, not declared:
- a rep runs from leaving the rest pose to being back in it (its keyframe times);
- a hold runs while the movement is within `HOLD_LEVEL` of its end position;
- a fault span runs while the fault's change to the body (the largest joint displacement
  against the same instant performed cleanly) is at least `FAULT_LEVEL` of its peak. A
  change ramps in and out around the span; an engine thresholding a metric halfway
  between clean and faulty values sees about this span. Timing faults (rushing,
  hold_too_short) cover their whole rep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from coach.landmarks import Side
from coach.performer.script import TIMING_FAULTS, Script
from coach.performer.timeline import DriveSeries, FaultInstance, RepSpan, Timeline

FloatArray = npt.NDArray[np.float64]
PointsFn = Callable[[DriveSeries], FloatArray]    # drive (T,) -> body points (T, K, 3)

HOLD_LEVEL = 0.9       # fraction of the end position that counts as held
FAULT_LEVEL = 0.5      # fraction of a fault's peak change that counts as faulty
SPAN_STEP_S = 0.04     # sampling step when measuring spans (edges are interpolated)
MIN_CHANGE_M = 0.005   # a fault moving no joint this far is not visible: no span


@dataclass(frozen=True, slots=True)
class HoldSpan:
    side: Side
    start_s: float
    end_s: float
    good_s: float          # time within the hold with no posture fault

    @property
    def total_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class FaultSpan:
    code: str
    start_s: float
    end_s: float
    side: Side             # the rep's side (Side.BOTH for sideless exercises)
    rep: int | None        # the rep (per side) it happened in; None outside any rep


@dataclass(frozen=True, slots=True)
class Labels:
    exercise: str
    reps: dict[Side, int]                 # counted reps per side; {Side.BOTH: n} if sideless
    rep_spans: tuple[RepSpan, ...]
    holds: tuple[HoldSpan, ...]
    faults: tuple[FaultSpan, ...]
    holds_labelled: bool = True           # False: the exercise's holds are not labelled at all

    def to_expected(self) -> dict[str, Any]:
        """Plain dict in the expected-result JSON shape (times rounded to ms). "holds" is left
        out when holds are not labelled: an expected key claims the truth, and only the keys
        given are judged (coach.regress.compare)."""
        if Side.BOTH in self.reps:
            reps: dict[str, int] = {"total": self.reps[Side.BOTH]}
        else:
            reps = {"left": self.reps.get(Side.LEFT, 0), "right": self.reps.get(Side.RIGHT, 0)}
            reps["total"] = reps["left"] + reps["right"]
        expected: dict[str, Any] = {"exercise": self.exercise, "reps": reps}
        if self.holds_labelled:
            expected["holds"] = [{"side": h.side.value, "start_s": _ms(h.start_s), "end_s": _ms(h.end_s),
                                  "good_s": _ms(h.good_s), "total_s": _ms(h.total_s)} for h in self.holds]
        expected["faults"] = [{"code": f.code, "start_s": _ms(f.start_s), "end_s": _ms(f.end_s),
                               "side": f.side.value, "rep": f.rep} for f in self.faults]
        return expected


def _ms(t_s: float) -> float:
    return round(float(t_s), 3)


def make_labels(exercise: str, script: Script, timeline: Timeline, points: PointsFn, *,
                sided: bool, holds_labelled: bool) -> Labels:
    if sided:
        reps = {s: script.reps for s in script.sides}
    else:
        reps = {Side.BOTH: script.reps}
    faults: list[FaultSpan] = []
    for inst in timeline.instances:
        faults += _timing_spans(inst, timeline) if inst.code in TIMING_FAULTS \
            else _posture_spans(inst, timeline, points)
    faults.sort(key=lambda f: (f.start_s, f.code))
    form = [f for f in faults if f.code not in TIMING_FAULTS]
    holds = tuple(_holds(timeline, form)) if holds_labelled else ()
    return Labels(exercise, reps, timeline.reps, holds, tuple(faults), holds_labelled)


def _timing_spans(inst: FaultInstance, timeline: Timeline) -> list[FaultSpan]:
    return [FaultSpan(inst.code, r.start_s, r.end_s, r.side, r.number)
            for r in timeline.reps if inst.covers(r.side, r.number)]


def _posture_spans(inst: FaultInstance, timeline: Timeline, points: PointsFn) -> list[FaultSpan]:
    support = timeline.support(inst)
    if support is None:
        return []
    t = np.arange(support[0], support[1] + SPAN_STEP_S, SPAN_STEP_S)
    change = np.linalg.norm(points(timeline.sample(t, only=inst))
                            - points(timeline.sample(t, clean=True)), axis=2).max(axis=1)
    peak = float(change.max())
    if peak < MIN_CHANGE_M:
        return []
    spans = []
    for start, end in _runs_above(t, change, FAULT_LEVEL * peak):
        spans += _split_by_reps(inst.code, start, end, timeline)
    return spans


def _runs_above(t: FloatArray, y: FloatArray, level: float) -> list[tuple[float, float]]:
    """Intervals where y >= level, edges interpolated between samples."""
    above = y >= level
    edges = np.flatnonzero(np.diff(np.concatenate([[False], above, [False]]).astype(int)))
    runs = []
    for i0, i1 in zip(edges[::2], edges[1::2] - 1):
        runs.append((_crossing(t, y, level, i0 - 1, i0), _crossing(t, y, level, i1, i1 + 1)))
    return runs


def _crossing(t: FloatArray, y: FloatArray, level: float, i: int, j: int) -> float:
    if i < 0:
        return float(t[j])
    if j >= len(t):
        return float(t[i])
    if y[j] == y[i]:
        return float(t[i])
    return float(t[i] + (level - y[i]) * (t[j] - t[i]) / (y[j] - y[i]))


def _split_by_reps(code: str, start: float, end: float, timeline: Timeline) -> list[FaultSpan]:
    """One span per rep it overlaps; parts outside every rep keep rep None."""
    spans, cursor = [], start
    for rep in timeline.reps:
        lo, hi = max(start, rep.start_s), min(end, rep.end_s)
        if hi <= lo:
            continue
        if lo > cursor:
            spans.append(FaultSpan(code, cursor, lo, _side_at(timeline, cursor), None))
        spans.append(FaultSpan(code, lo, hi, rep.side, rep.number))
        cursor = hi
    if end > cursor:
        spans.append(FaultSpan(code, cursor, end, _side_at(timeline, cursor), None))
    return spans


def _side_at(timeline: Timeline, t_s: float) -> Side:
    return timeline.sample(np.array([t_s]), clean=True).side[0]


def _holds(timeline: Timeline, form_faults: list[FaultSpan]) -> list[HoldSpan]:
    holds = []
    for rep in timeline.reps:
        t = np.arange(rep.start_s, rep.end_s + SPAN_STEP_S / 4, SPAN_STEP_S / 4)
        runs = _runs_above(t, np.abs(timeline.tracks["p"](t)), HOLD_LEVEL)
        if not runs:
            continue
        start, end = runs[0][0], runs[-1][1]
        faulty = sum(max(0.0, min(end, f.end_s) - max(start, f.start_s)) for f in _union(form_faults))
        holds.append(HoldSpan(rep.side, start, end, end - start - faulty))
    return holds


def _union(spans: list[FaultSpan]) -> list[FaultSpan]:
    """Overlapping spans merged (codes and reps of merged spans are not kept)."""
    merged: list[FaultSpan] = []
    for s in sorted(spans, key=lambda f: f.start_s):
        if merged and s.start_s <= merged[-1].end_s:
            last = merged[-1]
            merged[-1] = FaultSpan(last.code, last.start_s, max(last.end_s, s.end_s), last.side, last.rep)
        else:
            merged.append(s)
    return merged
