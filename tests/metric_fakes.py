"""Test helpers: a fake metric registry holding the contract's metric names, and frame builders.

The real registry (coach.metrics.METRICS) computes metrics from landmarks; these fakes let the
definition, engine and cue tests feed hand-written metric values instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from coach.frames import MetricFrame, PoseFrame
from coach.landmarks import N_LANDMARKS, Landmark

L = Landmark
TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
LEGS = (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)
ARMS = (L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST)

# The named metrics of the shared contract, with the landmarks each one reads.
CONTRACT_METRICS: dict[str, tuple[Landmark, ...]] = {
    "trunk_incline_deg": TRUNK, "trunk_tilt_deg": TRUNK,
    "hip_angle_near_deg": TRUNK + LEGS[:2], "knee_angle_near_deg": TRUNK[2:] + LEGS,
    "elbow_angle_near_deg": TRUNK[:2] + ARMS, "neck_angle_deg": TRUNK + (L.LEFT_EAR, L.RIGHT_EAR),
    "back_curvature_ratio": TRUNK, "leaning_back_deg": TRUNK + (L.NOSE,) + LEGS[2:],
    "arm_raise_left_deg": (L.LEFT_HIP, L.LEFT_SHOULDER, L.LEFT_WRIST),
    "arm_raise_right_deg": (L.RIGHT_HIP, L.RIGHT_SHOULDER, L.RIGHT_WRIST),
    "leg_extension_left_deg": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_ANKLE),
    "leg_extension_right_deg": (L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_ANKLE),
    "reach_arm_side": TRUNK + ARMS, "reach_leg_side": TRUNK + LEGS,
    "reach_arm_raise_deg": TRUNK + ARMS, "reach_leg_extension_deg": TRUNK + LEGS,
    "opposite_limbs": TRUNK + ARMS + LEGS, "reach_elbow_angle_deg": TRUNK + ARMS,
    "reach_knee_angle_deg": TRUNK + LEGS, "leg_height_ratio": TRUNK + LEGS,
    "pelvis_level_ratio": TRUNK, "body_line_deg": TRUNK + LEGS[2:], "hip_offset_ratio": TRUNK + LEGS[2:],
    "upper_arm_vertical_deg": TRUNK[:2] + ARMS[:2], "support_side": TRUNK[:2] + ARMS[:2],
    "stack_roll_deg": TRUNK, "head_angle_deg": TRUNK[:2] + (L.LEFT_EAR, L.RIGHT_EAR),
    "thigh_vertical_deg": TRUNK[2:] + LEGS[:2], "hip_extension_deg": TRUNK + LEGS[:2],
    "hip_drop_ratio": TRUNK, "pelvis_tilt_deg": TRUNK[2:], "view_ratio": TRUNK,
    "head_drop_deg": TRUNK + (L.LEFT_EAR, L.RIGHT_EAR),
}


@dataclass(frozen=True)
class FakeMetric:
    name: str
    unit: str
    doc: str
    fn: Callable[[PoseFrame], float]
    landmarks: tuple[Landmark, ...]
    alternatives: tuple[frozenset[Landmark], ...] = ()
    needs_3d: bool = False

    def required_sets(self) -> tuple[frozenset[Landmark], ...]:
        return self.alternatives or (frozenset(self.landmarks),)


def _unit(name: str) -> str:
    return name.rsplit("_", 1)[1] if name.endswith(("_deg", "_ratio")) else "code"


def fake_registry(values: Mapping[str, float] | None = None,
                  names: Iterable[str] = CONTRACT_METRICS) -> dict[str, FakeMetric]:
    """Every contract metric; `fn` returns the constant from `values` (NaN when absent)."""
    values = dict(values or {})
    return {n: FakeMetric(n, _unit(n), "fake", lambda frame, n=n: values.get(n, math.nan), CONTRACT_METRICS[n])
            for n in names}


def frames(rows: Iterable[tuple[float, Mapping[str, float]]]) -> list[MetricFrame]:
    return [MetricFrame(t, dict(v)) for t, v in rows]


Series = float | list[tuple[float, float]]


def track(fps: float = 30.0, t0: float = 0.0, until: float | None = None, **series: Series) -> list[MetricFrame]:
    """Metric frames at `fps` from t0 to `until` (default: the last key point): each metric is a
    constant or a list of (t_s, value) key points joined by straight lines (flat outside them)."""
    ends = [pts[-1][0] for pts in series.values() if isinstance(pts, list)]
    end = max(ends, default=t0) if until is None else until
    times = t0 + np.arange(0, round((end - t0) * fps) + 1) / fps
    columns = {name: (np.full(len(times), float(pts)) if not isinstance(pts, list)
                      else np.interp(times, [p[0] for p in pts], [p[1] for p in pts]))
               for name, pts in series.items()}
    return [MetricFrame(float(t), {n: float(c[i]) for n, c in columns.items()}) for i, t in enumerate(times)]


def pose_frame(t_s: float, people: int = 1, visible: bool = True, hidden: Iterable[Landmark] = (),
               size: tuple[int, int] = (640, 480)) -> PoseFrame:
    """A person in the middle of the image, every landmark seen except `hidden` (or none if not
    `visible`); people=0 gives the empty frame."""
    if people == 0:
        return PoseFrame.empty(t_s, size)
    xy = np.tile(np.array([[320.0, 240.0]], np.float32), (N_LANDMARKS, 1))
    seen = np.full(N_LANDMARKS, 0.9 if visible else 0.0, np.float32)
    seen[list(hidden)] = 0.1
    return PoseFrame(t_s=t_s, image_size=size, xy_px=xy, z_px=np.zeros(N_LANDMARKS), world_m=np.zeros((N_LANDMARKS, 3)),
                     visibility=seen, presence=seen, people=people)
