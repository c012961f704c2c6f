"""What every exercise motion provides, and the generic set planner (reps, sides, rests)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from coach.landmarks import Side
from coach.performer.script import FAULT_CODES, RUSH_FACTOR, SHORT_HOLD_S, TIMING_FAULTS, Script
from coach.performer.skeleton import Body, Posed, Skeleton, skeleton
from coach.performer.timeline import DriveSeries, FaultInstance, PhaseSpec, Timeline, TimelineBuilder


@dataclass(frozen=True, slots=True)
class Drive:
    """The drive at one instant (see `coach.performer.timeline` for the tracks)."""

    t_s: float
    p: float
    rom: float
    turn: float
    side: Side
    kind: str
    weights: Mapping[str, float]

    def w(self, code: str) -> float:
        """How fully a fault is present now, 0..1."""
        return float(self.weights.get(code, 0.0))

    @staticmethod
    def at(series: DriveSeries, i: int) -> "Drive":
        return Drive(float(series.t_s[i]), float(series.p[i]), float(series.rom[i]),
                     float(series.turn[i]), series.side[i], series.phase_kind[i],
                     {code: float(w[i]) for code, w in series.weights.items()})


@dataclass(frozen=True, slots=True)
class RepContext:
    side: Side
    number: int
    tempo_s: float      # one movement phase, after rushing and variability
    hold_s: float       # after hold_too_short / rushing
    codes: frozenset[str]


def move(duration_s: float, **targets: float) -> PhaseSpec:
    return PhaseSpec("move", duration_s, targets)


def fault_targets(codes: frozenset[str], value: float) -> dict[str, float]:
    """Phase targets that ramp these faults' weights (only instances active on the rep move)."""
    return {f"fault:{code}": value for code in codes}


class Motion(ABC):
    """One exercise: how a rep unfolds in time and which pose each instant shows."""

    name: str
    sided: bool
    posture_faults: frozenset[str] = frozenset()   # weights keyframed by rep_phases
    hold_is_pause: bool = False                     # rushing also shortens the hold
    holds_labelled: bool = False                    # labels report holds

    def __init__(self, body: Body, script: Script) -> None:
        self.body = body
        self.script = script
        self.sk: Skeleton = skeleton(body)

    def h(self, fraction: float) -> float:
        """A length given as a fraction of body height, in metres."""
        return fraction * self.body.height_m

    @abstractmethod
    def rep_phases(self, ctx: RepContext) -> list[PhaseSpec]:
        """The phases of one rep, from leaving the rest pose to being back in it."""

    def between_sides(self, rest_s: float) -> list[PhaseSpec]:
        """Phases between the last rep of one side and the first of the next.

        Phases up to a "switch" phase belong to the old side, later ones to the new side.
        """
        return [PhaseSpec("rest", rest_s)]

    @abstractmethod
    def pose(self, d: Drive) -> Posed:
        """The body at one instant, in the scene frame."""

    def envelope_faults(self) -> frozenset[str]:
        """Faults whose pose change scales with the movement: on for their whole rep."""
        return FAULT_CODES[self.name] - self.posture_faults - TIMING_FAULTS


def rep_order(motion: Motion, script: Script) -> list[tuple[Side, int]]:
    if not motion.sided:
        return [(Side.BOTH, n) for n in range(1, script.reps + 1)]
    if script.alternate:
        return [(s, n) for n in range(1, script.reps + 1) for s in script.sides]
    return [(s, n) for s in script.sides for n in range(1, script.reps + 1)]


def build_timeline(motion: Motion, script: Script, rng: np.random.Generator) -> Timeline:
    """Lead-in, reps with their rests and side changes, lead-out."""
    instances = tuple(FaultInstance(f, f"w{i}") for i, f in enumerate(script.faults))
    order = rep_order(motion, script)
    builder = TimelineBuilder(instances, order[0][0] if order else Side.BOTH)
    builder.add(PhaseSpec("rest", script.lead_in_s))
    envelope = motion.envelope_faults()
    for k, (side, number) in enumerate(order):
        if k > 0:
            changed = side != order[k - 1][0]
            for spec in (motion.between_sides(script.rest_s) if changed
                         else [PhaseSpec("rest", script.rest_s)]):
                builder.add(spec)
                if spec.kind == "switch":     # the body now rests on the new side
                    builder.side = side
                    builder.step("turn", 0.0)
            builder.side = side
        codes = frozenset(i.code for i in instances if i.covers(side, number))
        spread = script.variability_ratio * rng.uniform(-1.0, 1.0, size=2)
        tempo = script.tempo_s * (1.0 + spread[0]) * (RUSH_FACTOR if "rushing" in codes else 1.0)
        hold = script.hold_s
        if "hold_too_short" in codes:
            hold = min(hold, SHORT_HOLD_S)
        if "rushing" in codes and motion.hold_is_pause:
            hold *= RUSH_FACTOR
        ctx = RepContext(side, number, tempo, hold, codes)
        builder.rep(side, number, motion.rep_phases(ctx), script.rom_ratio * (1.0 + spread[1]),
                    envelope)
    builder.add(PhaseSpec("rest", script.lead_out_s))
    return builder.finish()
