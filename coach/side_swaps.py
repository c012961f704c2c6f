"""Repair of the left/right swaps MediaPipe makes in side views.

Seen from the side, the two halves of the body overlap and the pose model now and then
labels the whole pose the other way round for a few frames: the near arm becomes "right"
although it was "left" a moment ago. Every sided metric then jumps. A body cannot jump like
that between two frames, so each frame is compared with the previous repaired frame: if the
mirrored labelling fits it clearly better than the labelling as given, the frame is mirrored.

What it does not do
- It never judges a single frame on its own: left and right are only made consistent over time.
- A person who really turns round turns continuously, so frame-to-frame comparison follows
  them. Should a turn still read as a jump (frames dropped mid-turn), or the model's labels
  disagree with ours for longer than `trust_model_after_s`, the model's labels are accepted
  again: MediaPipe's swaps are short bursts, a lasting disagreement is more likely ours.
- After a gap without a pose (`max_gap_s`) it starts afresh from the model's labels.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coach.frames import PoseFrame
from coach.geometry import distance, torso_length
from coach.landmarks import MIRROR_INDEX, Landmark

logger = logging.getLogger(__name__)

_L = Landmark
# The landmarks compared between frames: the limbs, whose left and right differ most.
LIMB_LANDMARKS: tuple[Landmark, ...] = (
    _L.LEFT_SHOULDER, _L.RIGHT_SHOULDER, _L.LEFT_ELBOW, _L.RIGHT_ELBOW, _L.LEFT_WRIST, _L.RIGHT_WRIST,
    _L.LEFT_HIP, _L.RIGHT_HIP, _L.LEFT_KNEE, _L.RIGHT_KNEE, _L.LEFT_ANKLE, _L.RIGHT_ANKLE,
)
_LIMBS = np.array(LIMB_LANDMARKS, dtype=int)
_MIRROR = np.array(MIRROR_INDEX, dtype=int)
_MIN_COMPARED = 4      # fewer limb landmarks known in both frames: no judgement, keep the state


@dataclass(frozen=True, slots=True)
class SwapConfig:
    """Costs are mean landmark distances between frames in torso lengths (x, y and z_px).

    margin_ratio: the other labelling must be closer by this much (hysteresis: no flicker
    when both fit about as well, e.g. a side view with the limbs together).
    max_cost_fraction: ... and cost at most this fraction of the current labelling's cost.
    max_gap_s: a longer time without a pose starts afresh.
    trust_model_after_s: mirrored for this long without a break: accept the model's labels.
    """

    margin_ratio: float = 0.1
    max_cost_fraction: float = 0.5
    max_gap_s: float = 0.5
    trust_model_after_s: float = 3.0


def mirror_labels(frame: PoseFrame) -> PoseFrame:
    """The same pose with every left and right label exchanged (coordinates, depth, scores)."""
    return frame.with_landmarks(
        xy_px=frame.xy_px[_MIRROR], z_px=frame.z_px[_MIRROR], world_m=frame.world_m[_MIRROR],
        visibility=frame.visibility[_MIRROR], presence=frame.presence[_MIRROR],
    )


def _points_3d(frame: PoseFrame) -> npt.NDArray[np.float64]:
    """(33, 3) x, y, z_px; unknown depth counts as 0 so that 2D still decides."""
    z = np.nan_to_num(frame.z_px.astype(np.float64), nan=0.0)
    return np.column_stack([frame.xy_px.astype(np.float64), z])


def labelling_costs(frame: PoseFrame, previous: PoseFrame) -> tuple[float, float]:
    """(as given, mirrored): mean limb-landmark distance to `previous`, in its torso lengths.

    NaN, NaN when the two frames share too few known limb landmarks or the torso is unknown.
    """
    current, reference = _points_3d(frame), _points_3d(previous)
    as_given = np.asarray(distance(current[_LIMBS], reference[_LIMBS]))
    mirrored = np.asarray(distance(current[_MIRROR[_LIMBS]], reference[_LIMBS]))
    known = np.isfinite(as_given) & np.isfinite(mirrored)
    torso_px = float(torso_length(previous.xy_px))
    if np.count_nonzero(known) < _MIN_COMPARED or not math.isfinite(torso_px):
        return math.nan, math.nan
    return float(as_given[known].mean() / torso_px), float(mirrored[known].mean() / torso_px)


class SwapRepairer:
    """Causal left/right swap repair: `update(frame)` returns the frame, mirrored when needed."""

    def __init__(self, config: SwapConfig | None = None) -> None:
        self.config = config or SwapConfig()
        self._previous: PoseFrame | None = None
        self._mirroring = False
        self._mirroring_since_s = math.nan

    @property
    def mirroring(self) -> bool:
        """True while the model's labels are being exchanged."""
        return self._mirroring

    def reset(self) -> None:
        self._previous = None
        self._mirroring = False
        self._mirroring_since_s = math.nan

    def update(self, frame: PoseFrame) -> PoseFrame:
        previous = self._previous
        if not frame.has_pose:
            self.reset()
            return frame
        if previous is None or not 0 < frame.t_s - previous.t_s <= self.config.max_gap_s:
            self.reset()
        else:
            self._decide(frame, previous)
        repaired = mirror_labels(frame) if self._mirroring else frame
        self._previous = repaired
        return repaired

    def _decide(self, frame: PoseFrame, previous: PoseFrame) -> None:
        cfg = self.config
        as_given, mirrored = labelling_costs(frame, previous)
        current, other = (mirrored, as_given) if self._mirroring else (as_given, mirrored)
        if other < current - cfg.margin_ratio and other < cfg.max_cost_fraction * current:
            self._mirroring = not self._mirroring
            self._mirroring_since_s = frame.t_s
            logger.debug("t=%.3f s: left/right %s", frame.t_s, "swap repaired" if self._mirroring else "back in order")
        if self._mirroring and frame.t_s - self._mirroring_since_s >= cfg.trust_model_after_s:
            self._mirroring = False
            logger.info("t=%.3f s: model's left/right kept for %.1f s; accepting it", frame.t_s,
                        cfg.trust_model_after_s)
