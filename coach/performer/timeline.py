"""Keyframed drive signals: phases in media time, eased with minimum-jerk interpolation.

A motion is driven by a few scalar tracks rather than by joint angles directly:
  "p"       movement progress of the current rep, 0 at rest, 1 at the end position
            (cat-cow: +1 cat, -1 cow); joint angles are functions of it.
  "rom"     range of motion of the current rep (script range x per-rep variability).
  "turn"    side plank only: progress of turning over between sides.
  "w<i>"    weight 0..1 of fault instance i (see `FaultInstance`).
Exercises describe a rep as a list of `PhaseSpec`s; `TimelineBuilder` strings reps, rests
and sides together and records the rep spans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from coach.landmarks import Side
from coach.performer.geometry import min_jerk
from coach.performer.script import Fault

FloatArray = npt.NDArray[np.float64]

TIME_RAMP_S = 0.4    # a time-range fault ramps in and out over this, centred on its edges


@dataclass(frozen=True, slots=True)
class Track:
    """Piecewise minimum-jerk curve through knots; equal knot times make a step."""

    times_s: FloatArray
    values: FloatArray

    def __call__(self, t_s: FloatArray) -> FloatArray:
        if len(self.times_s) == 0:
            return np.zeros_like(t_s)
        i = np.searchsorted(self.times_s, t_s, side="right") - 1
        i0 = np.clip(i, 0, len(self.times_s) - 1)
        i1 = np.clip(i + 1, 0, len(self.times_s) - 1)
        t0, t1 = self.times_s[i0], self.times_s[i1]
        span = np.where(t1 > t0, t1 - t0, 1.0)
        ease = min_jerk((t_s - t0) / span)
        v = self.values[i0] + (self.values[i1] - self.values[i0]) * ease
        return np.where(i < 0, self.values[0], v)


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    """One phase of a rep: tracks move to `targets` over `duration_s` (min-jerk)."""

    kind: str                                   # "move", "pause", "hold", "rest", "switch"
    duration_s: float
    targets: Mapping[str, float] = field(default_factory=dict)
    # Fault codes map to their instance tracks: {"fault:rolling": 1.0} ramps every active
    # instance of "rolling" on this rep.


@dataclass(frozen=True, slots=True)
class RepSpan:
    """One rep, from leaving the rest pose to being back in it."""

    side: Side
    number: int         # 1-based, counted per side
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class FaultInstance:
    """One `Fault` of the script, with its own weight track."""

    fault: Fault
    track: str

    @property
    def code(self) -> str:
        return self.fault.code

    def covers(self, side: Side, number: int) -> bool:
        return number in self.fault.reps and self.fault.side in (None, side)


@dataclass(frozen=True, slots=True)
class Phase:
    start_s: float
    end_s: float
    kind: str
    side: Side


class TimelineBuilder:
    """Appends phases in order; `finish()` compiles the tracks."""

    def __init__(self, instances: tuple[FaultInstance, ...], first_side: Side) -> None:
        self.now_s = 0.0
        self.side = first_side
        self._instances = instances
        self._active: tuple[FaultInstance, ...] = ()
        self._knots: dict[str, list[tuple[float, float]]] = {"p": [], "rom": [], "turn": []}
        self._value: dict[str, float] = {"p": 0.0, "rom": 1.0, "turn": 0.0}
        for inst in instances:
            self._knots[inst.track], self._value[inst.track] = [], 0.0
        self.phases: list[Phase] = []
        self.reps: list[RepSpan] = []

    def step(self, track: str, value: float) -> None:
        """Set a track instantly (only where the pose does not depend on it, e.g. p == 0)."""
        knots = self._knots[track]
        knots += [(self.now_s, self._value[track]), (self.now_s, value)]
        self._value[track] = value

    def add(self, spec: PhaseSpec) -> None:
        end = self.now_s + spec.duration_s
        for name, target in spec.targets.items():
            for track in self._tracks_for(name):
                knots = self._knots[track]
                knots += [(self.now_s, self._value[track]), (end, target)]
                self._value[track] = target
        self.phases.append(Phase(self.now_s, end, spec.kind, self.side))
        self.now_s = end

    def rep(self, side: Side, number: int, phases: list[PhaseSpec], rom: float,
            envelope_codes: frozenset[str]) -> RepSpan:
        """Add one rep.

        Instances of `envelope_codes` covering this rep get weight 1 for exactly its duration:
        their pose change scales with the movement, so it is zero at both ends anyway.
        """
        self.side = side
        self._active = tuple(i for i in self._instances if i.covers(side, number))
        envelope = [i for i in self._active if i.code in envelope_codes]
        self.step("rom", rom)
        for inst in envelope:
            self.step(inst.track, 1.0)
        start = self.now_s
        span = RepSpan(side, number, start, start + sum(p.duration_s for p in phases))
        for spec in phases:
            self.add(spec)
        for inst in envelope:
            self.step(inst.track, 0.0)
        self.reps.append(span)
        self._active = ()
        return span

    def _tracks_for(self, name: str) -> list[str]:
        if name.startswith("fault:"):
            code = name.removeprefix("fault:")
            return [i.track for i in self._active if i.code == code]
        return [name]

    def finish(self) -> "Timeline":
        tracks = {name: Track(np.array([k[0] for k in knots]), np.array([k[1] for k in knots]))
                  if knots else Track(np.array([0.0]), np.array([self._value[name]]))
                  for name, knots in self._knots.items()}
        for inst in self._instances:
            if inst.fault.between_s is not None:
                tracks[inst.track] = _window_track(*inst.fault.between_s)
        return Timeline(tracks, tuple(self.phases), tuple(self.reps), self._instances, self.now_s)


def _window_track(start_s: float, end_s: float) -> Track:
    half = min(TIME_RAMP_S, end_s - start_s) / 2.0
    times = [start_s - half, start_s + half, end_s - half, end_s + half]
    return Track(np.array(times), np.array([0.0, 1.0, 1.0, 0.0]))


@dataclass(frozen=True, slots=True)
class DriveSeries:
    """The drive tracks sampled at given times (arrays of shape (T,))."""

    t_s: FloatArray
    p: FloatArray
    rom: FloatArray
    turn: FloatArray
    side: tuple[Side, ...]
    phase_kind: tuple[str, ...]
    weights: dict[str, FloatArray]      # fault code -> weight (max over its instances)

    def __len__(self) -> int:
        return len(self.t_s)


@dataclass(frozen=True, slots=True)
class Timeline:
    tracks: dict[str, Track]
    phases: tuple[Phase, ...]
    reps: tuple[RepSpan, ...]
    instances: tuple[FaultInstance, ...]
    duration_s: float

    def sample(self, t_s: FloatArray, only: FaultInstance | None = None,
               clean: bool = False) -> DriveSeries:
        """Drive at times t_s; `only` keeps a single fault instance, `clean` none."""
        starts = np.array([ph.start_s for ph in self.phases])
        idx = np.clip(np.searchsorted(starts, t_s, side="right") - 1, 0, len(self.phases) - 1)
        weights: dict[str, FloatArray] = {}
        for inst in self.instances:
            if clean or (only is not None and inst is not only):
                continue
            w = np.clip(self.tracks[inst.track](t_s), 0.0, 1.0)
            weights[inst.code] = np.maximum(weights.get(inst.code, 0.0), w)
        return DriveSeries(t_s, self.tracks["p"](t_s), self.tracks["rom"](t_s),
                           self.tracks["turn"](t_s), tuple(self.phases[i].side for i in idx),
                           tuple(self.phases[i].kind for i in idx), weights)

    def support(self, inst: FaultInstance) -> tuple[float, float] | None:
        """The time interval where an instance's weight is not zero."""
        track = self.tracks[inst.track]
        nonzero = np.flatnonzero(track.values > 0)
        if len(nonzero) == 0:
            return None
        lo = track.times_s[max(nonzero[0] - 1, 0)]
        hi = track.times_s[min(nonzero[-1] + 1, len(track.times_s) - 1)]
        return float(lo), float(hi)
