"""Named metrics: the measurements exercise definitions (poses/*.toml) may refer to.

Each metric is a function PoseFrame -> float registered under its name in `METRICS`, with its
unit, a one-line description and the landmarks it needs (for setup checks). NaN = unknown.

Conventions (every metric follows them; the geometry itself lives in coach.geometry)
- Points: image coordinates in square pixels, x right, y down. Angles are degrees computed
  from 2D image points; nothing reads depth unless its description says so.
- Measured 3D (`needs_3d`): a rotation about an axis across the image (a pelvis rolling seen
  from the side, a body rolling toward the camera seen from the front) moves points only in
  depth or behind the body. A webcam pose model guesses those (measured on the rendered
  samples: an 18 deg pelvic roll read as at most 4 deg, and extending one leg moved the hidden
  hip as much as a real roll), so such metrics are unknown unless the frame's depth and hidden
  landmarks are measured (`PoseFrame.measured_3d`): faults judged by them are never raised
  on webcam video rather than raised at random.
- Joint angle a-b-c: the angle at b, 0..180, 180 = straight (a, b and c in line).
- From vertical: 0 = the segment points straight up in the image, 90 = horizontal.
  From horizontal: + when the second point is higher in the image.
- Side codes: +1.0 = left, -1.0 = right (the person's own sides, as the model labels them).
- Unknown: a landmark with visibility below VISIBILITY_MIN is unknown, and so is anything
  computed from it. Exception (`_estimated`): the bird dog's limbs and the side plank's elbows
  are read where the model places them, hidden or not, as long as that is inside the image.
- Near side: of the sides whose needed landmarks are all known, the better visible one;
  visibilities within NEAR_VISIBILITY_TIE of each other are decided by depth (smaller z_px).
  Each metric chooses for its own landmarks.
- Pair midpoints (shoulder-mid, hip-mid, ...): metrics meant for side views (trunk and head
  metrics, back curvature, leg height) use the known member alone when the other is hidden,
  since in a side view both project almost onto each other; front-view metrics need both.
- Torso length: shoulder-mid to hip-mid in the image. Every _ratio is divided by a body
  length, so it does not depend on the distance to the camera.
- Facing (for anatomical signs: flexion, leaning back, sitting back, the back's side): the
  side of the trunk line where the body's front is, voted by the knees and wrists (in front
  of or below the trunk line), the toes (ahead of the heels) and the nose (ahead of the
  ears). NaN when the votes are weak or cancel out.
- Image up (head_angle_deg, head_drop_deg, leg_height_ratio, hip_offset_ratio): "up" and "toward the floor"
  are the image's, for exercises with the trunk near horizontal; NaN when the reference line
  is within UP_REFERENCE_MIN_INCLINE_DEG of vertical, where neither side of it is up.
"""

from __future__ import annotations

import difflib
import logging
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from coach import geometry as geo
from coach.frames import MetricFrame, PoseFrame
from coach.landmarks import MIRROR_INDEX, Landmark, Side, sided

logger = logging.getLogger(__name__)

VISIBILITY_MIN = 0.5                # below: the landmark is unknown
NEAR_VISIBILITY_TIE = 0.05          # mean visibilities this close: the nearer side (z_px) wins
REACH_LEAD_MIN_DEG = 20.0           # a reaching limb leads the other by at least this much
SUPPORT_LEAD_MIN_RATIO = 0.1        # the support elbow is lower by at least this, / torso length
FACING_MIN_RATIO = 0.1              # facing votes must sum to at least this, / torso length
UP_REFERENCE_MIN_INCLINE_DEG = 30.0  # "image up" needs a reference line at least this far from vertical

LEFT, RIGHT = 1.0, -1.0             # side codes
_SIDE_CODE = {Side.LEFT: LEFT, Side.RIGHT: RIGHT}
_CODE_SIDE = {LEFT: Side.LEFT, RIGHT: Side.RIGHT}
NAN = math.nan

Points = npt.NDArray[np.float64]    # (33, 2) known image points, NaN rows for unknown landmarks
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Metric:
    """A named measurement of one PoseFrame.

    landmarks: the landmarks it cannot do without, both sides listed for near-side metrics
    (the optional facing votes are not listed). either_side: True when one side's share of
    them is enough (near-side metrics, side-view midpoints); `required_sets` spells that out.
    """

    name: str
    unit: str                               # "deg", "ratio", "side" (+1 left, -1 right) or "flag" (1/0)
    doc: str                                # one line: points, sign, unit
    fn: Callable[[PoseFrame], float]
    landmarks: tuple[Landmark, ...]
    either_side: bool = False
    needs_mask: bool = False                # reads frame.mask: the pose model must output segmentation
    needs_3d: bool = False                  # reads depth or hidden landmarks: unknown unless frame.measured_3d

    def required_sets(self) -> tuple[frozenset[Landmark], ...]:
        """Alternative landmark sets, any one of which, all visible, makes the metric measurable."""
        if not self.either_side:
            return (frozenset(self.landmarks),)
        left = frozenset(Landmark(MIRROR_INDEX[lm]) if lm.name.startswith("RIGHT_") else lm
                         for lm in self.landmarks)
        right = frozenset(Landmark(MIRROR_INDEX[lm]) for lm in left)
        return (left,) if left == right else (left, right)


METRICS: dict[str, Metric] = {}


def metric(name: str, unit: str, landmarks: Iterable[Landmark], *, either_side: bool = False,
           needs_mask: bool = False, needs_3d: bool = False,
           ) -> Callable[[Callable[[PoseFrame], float]], Callable[[PoseFrame], float]]:
    """Register `fn` under `name`; its docstring's first line becomes the metric's `doc`."""
    def register(fn: Callable[[PoseFrame], float]) -> Callable[[PoseFrame], float]:
        if name in METRICS:
            raise ValueError(f"metric {name!r} registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        if not doc:
            raise ValueError(f"metric {name!r} needs a one-line docstring")
        METRICS[name] = Metric(name, unit, doc[0], fn, tuple(landmarks), either_side, needs_mask, needs_3d)
        return fn
    return register


def suggest(name: str) -> str | None:
    """The known metric name closest to `name` (for "did you mean" messages), or None."""
    matches = difflib.get_close_matches(name, METRICS, n=1, cutoff=0.6)
    return matches[0] if matches else None


def compute(frame: PoseFrame, names: Iterable[str], registry: Mapping[str, Metric] | None = None) -> MetricFrame:
    """The named metrics of one frame (NaN where unknown), from `registry` (default: METRICS).
    Unknown names raise KeyError (definitions check them at load)."""
    registry = METRICS if registry is None else registry
    values = {}
    for name in names:
        if name not in registry:
            hint = suggest(name)
            raise KeyError(f"unknown metric {name!r}" + (f"; did you mean {hint!r}?" if hint else ""))
        m = registry[name]
        values[name] = NAN if m.needs_3d and not frame.measured_3d else float(m.fn(frame))
    return MetricFrame(t_s=frame.t_s, values=values)


# ---------------------------------------------------------------------------------------------
# Building blocks


# Intermediate results several metrics share, kept for the latest frame only (per thread): a bird
# dog's arm and leg angles feed eight metrics, which would otherwise recompute them on every frame.
_per_frame = threading.local()


def _memo(frame: PoseFrame, key: tuple[object, ...], fn: Callable[[], T]) -> T:
    if getattr(_per_frame, "frame", None) is not frame:   # identity: the cached frame stays alive
        _per_frame.frame, _per_frame.results = frame, {}
    results: dict[tuple[object, ...], object] = _per_frame.results
    if key not in results:
        results[key] = fn()
    return results[key]          # type: ignore[return-value]


def _known(frame: PoseFrame) -> Points:
    """The frame's image points with unknown (low-visibility) landmarks set to NaN (read-only)."""
    def known() -> Points:
        xy = frame.xy_px.astype(np.float64)
        xy[frame.visibility < VISIBILITY_MIN] = np.nan
        xy.setflags(write=False)
        return xy
    return _memo(frame, ("known",), known)


def _estimated(frame: PoseFrame) -> Points:
    """Every landmark where the pose model places it, seen or hidden; NaN outside the image.

    On all fours in a side view, the far arm and leg hang behind the near ones and the model
    gives them visibility 0.1-0.45 while placing them, correctly, right behind their partners
    (measured on the rendered bird dogs: hidden resting limbs read 64-76 deg arm raise and
    101-114 deg leg extension, like the seen ones). A limb reaching out is seen (0.6-1.0).
    Treating hidden limbs as unknown left the rest position unknown whenever one limb was
    behind another, so no bird dog rep could be counted on video."""
    def estimated() -> Points:
        xy = frame.xy_px.astype(np.float64)
        w, h = frame.image_size
        outside = ~((xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h))
        xy[outside] = np.nan
        xy.setflags(write=False)
        return xy
    return _memo(frame, ("estimated",), estimated)


def _known_3d(frame: PoseFrame) -> Points:
    """(33, 3) known image points with their depth (z_px, on the pixel scale of x and y)."""
    def known_3d() -> Points:
        xyz = np.column_stack([_known(frame), frame.z_px.astype(np.float64)])
        xyz.setflags(write=False)
        return xyz
    return _memo(frame, ("known_3d",), known_3d)


def _pt(points: Points, side: Side, part: str) -> Points:
    return points[sided(side, part)]


def _mid(points: Points, part: str, *, side_view: bool) -> Points:
    """Midpoint of the left/right pair `part`; side_view: the known member alone will do."""
    left, right = _pt(points, Side.LEFT, part), _pt(points, Side.RIGHT, part)
    return geo.midpoint_of_known(left, right) if side_view else geo.midpoint(left, right)


def _near_side(frame: PoseFrame, parts: tuple[str, ...]) -> Side | None:
    """The near side for these parts: all known, better visible, ties to the nearer (smaller z_px)."""
    scored = []
    for side in (Side.LEFT, Side.RIGHT):
        idx = [sided(side, part) for part in parts]
        visibility = frame.visibility[idx]
        if np.all(visibility >= VISIBILITY_MIN):
            z = float(np.mean(frame.z_px[idx]))
            scored.append((float(np.mean(visibility)), -z if math.isfinite(z) else -math.inf, side))
    if not scored:
        return None
    if len(scored) == 2 and abs(scored[0][0] - scored[1][0]) < NEAR_VISIBILITY_TIE \
            and scored[0][1] != scored[1][1]:
        return max(scored, key=lambda s: s[1])[2]
    return max(scored, key=lambda s: s[0])[2]


def _near_joint_angle(frame: PoseFrame, a: str, b: str, c: str) -> float:
    side = _near_side(frame, (a, b, c))
    if side is None:
        return NAN
    points = _known(frame)
    return float(geo.joint_angle_deg(_pt(points, side, a), _pt(points, side, b), _pt(points, side, c)))


def _trunk(points: Points) -> tuple[Points, Points]:
    """(hip-mid, shoulder-mid) for side views."""
    return _mid(points, "hip", side_view=True), _mid(points, "shoulder", side_view=True)


def _torso_px(points: Points) -> float:
    return float(geo.torso_length(points))


def _facing(points: Points) -> float:
    """+1 when the body's front is clockwise (on screen) of the hip->shoulder line, -1 when
    counter-clockwise, NaN when unclear. Standing, +1 means facing image right; on all fours
    with the head to the right, +1 as well (the front faces the floor)."""
    hip, shoulder = _trunk(points)
    trunk = shoulder - hip
    votes = []
    for side in (Side.LEFT, Side.RIGHT):
        for part in ("knee", "wrist"):
            votes.append(geo.signed_distance_to_line(_pt(points, side, part), hip, shoulder))
        heel = _pt(points, side, "heel")
        votes.append(geo.signed_distance_to_line(_pt(points, side, "foot_index"), heel, heel + trunk))
    ear = _mid(points, "ear", side_view=True)
    votes.append(geo.signed_distance_to_line(points[Landmark.NOSE], ear, ear + trunk))
    votes = np.asarray(votes, dtype=np.float64)
    if not np.isfinite(votes).any():
        return NAN
    total = float(geo.safe_ratio(np.nansum(votes), _torso_px(points)))
    return math.copysign(1.0, total) if abs(total) >= FACING_MIN_RATIO else NAN


def _up_sign(a: Points, b: Points) -> float:
    """+1 when turning the line a->b clockwise (on screen) points it up the image, -1 when
    counter-clockwise does; NaN when the line is too near vertical for either to be "up"."""
    if not float(geo.inclination_from_horizontal_deg(a, b)) <= 90.0 - UP_REFERENCE_MIN_INCLINE_DEG:
        return NAN
    return -math.copysign(1.0, float(b[0] - a[0]))


def _height_above_line(p: Points, a: Points, b: Points) -> float:
    """Distance of p from the line a-b, + on the image-up side."""
    return _up_sign(a, b) * float(geo.signed_distance_to_line(p, a, b))


def _lead_side(left: float, right: float, margin: float) -> float:
    """Side code of the clearly larger value, NaN when neither leads by `margin` or one is unknown."""
    if left - right >= margin:
        return LEFT
    if right - left >= margin:
        return RIGHT
    return NAN


def _sided_value(code: float, fn: Callable[[Side], float]) -> float:
    side = _CODE_SIDE.get(code)
    return fn(side) if side is not None else NAN


def _both(*parts: str) -> tuple[Landmark, ...]:
    return tuple(sided(side, part) for part in parts for side in (Side.LEFT, Side.RIGHT))


# ---------------------------------------------------------------------------------------------
# Trunk, hips and head, side views


@metric("trunk_incline_deg", "deg", _both("shoulder", "hip"), either_side=True)
def trunk_incline_deg(frame: PoseFrame) -> float:
    """Hip-mid -> shoulder-mid from vertical: 0 upright, 90 horizontal; deg."""
    return float(geo.inclination_from_vertical_deg(*_trunk(_known(frame))))


@metric("trunk_tilt_deg", "deg", _both("shoulder", "hip"), either_side=True)
def trunk_tilt_deg(frame: PoseFrame) -> float:
    """Hip-mid -> shoulder-mid from horizontal: + shoulders higher than hips in the image; deg."""
    return float(geo.inclination_from_horizontal_deg(*_trunk(_known(frame)), signed=True))


@metric("leaning_back_deg", "deg", _both("shoulder", "hip"), either_side=True)
def leaning_back_deg(frame: PoseFrame) -> float:
    """Hip-mid -> shoulder-mid from vertical, by facing: 0 upright, + shoulders behind hips, - leaning forward; deg."""
    points = _known(frame)
    lean_right = float(geo.inclination_from_vertical_deg(*_trunk(points), signed=True))
    return -_facing(points) * lean_right


@metric("hip_angle_near_deg", "deg", _both("shoulder", "hip", "knee"), either_side=True)
def hip_angle_near_deg(frame: PoseFrame) -> float:
    """Shoulder-hip-knee on the near side: 180 straight, smaller = hips more flexed; deg."""
    return _near_joint_angle(frame, "shoulder", "hip", "knee")


@metric("hip_extension_deg", "deg", _both("shoulder", "hip", "knee"), either_side=True)
def hip_extension_deg(frame: PoseFrame) -> float:
    """Shoulder-hip-knee on the near side (bridge: ~130 down, ~170-180 up); deg."""
    return _near_joint_angle(frame, "shoulder", "hip", "knee")


@metric("knee_angle_near_deg", "deg", _both("hip", "knee", "ankle"), either_side=True)
def knee_angle_near_deg(frame: PoseFrame) -> float:
    """Hip-knee-ankle on the near side: 180 straight; deg."""
    return _near_joint_angle(frame, "hip", "knee", "ankle")


@metric("elbow_angle_near_deg", "deg", _both("shoulder", "elbow", "wrist"), either_side=True)
def elbow_angle_near_deg(frame: PoseFrame) -> float:
    """Shoulder-elbow-wrist on the near side: 180 straight; deg."""
    return _near_joint_angle(frame, "shoulder", "elbow", "wrist")


@metric("thigh_vertical_deg", "deg", _both("hip", "knee", "shoulder"), either_side=True)
def thigh_vertical_deg(frame: PoseFrame) -> float:
    """Near-side hip -> knee from vertical (down), by facing: + hips behind the knees (sitting back); deg."""
    side = _near_side(frame, ("hip", "knee"))
    if side is None:
        return NAN
    points = _known(frame)
    hip_right_of_knee = float(geo.inclination_from_vertical_deg(
        _pt(points, side, "knee"), _pt(points, side, "hip"), signed=True))
    return -_facing(points) * hip_right_of_knee


@metric("neck_angle_deg", "deg", _both("hip", "shoulder", "ear"), either_side=True)
def neck_angle_deg(frame: PoseFrame) -> float:
    """Near-side hip->shoulder vs shoulder->ear, by facing: 0 in line, + head forward/down (flexed), - back; deg."""
    side = _near_side(frame, ("hip", "shoulder", "ear"))
    if side is None:
        return NAN
    points = _known(frame)
    hip, shoulder, ear = (_pt(points, side, part) for part in ("hip", "shoulder", "ear"))
    return _facing(points) * float(geo.signed_angle_deg(shoulder - hip, ear - shoulder))


@metric("head_angle_deg", "deg", _both("hip", "shoulder", "ear"), either_side=True)
def head_angle_deg(frame: PoseFrame) -> float:
    """Shoulder-mid->ear-mid vs hip-mid->shoulder-mid: 0 in line, + head raised (toward image top), - dropped; deg."""
    points = _known(frame)
    hip, shoulder = _trunk(points)
    ear = _mid(points, "ear", side_view=True)
    return _up_sign(hip, shoulder) * float(geo.signed_angle_deg(shoulder - hip, ear - shoulder))


@metric("back_curvature_ratio", "ratio", _both("shoulder", "hip", "knee"), either_side=True, needs_mask=True)
def back_curvature_ratio(frame: PoseFrame) -> float:
    """Silhouette back edge's bow from its chord / torso: + rounded (cat), - sagging (cow); needs a mask."""
    if frame.mask is None:
        return NAN
    points = _known(frame)
    hip, shoulder = _trunk(points)
    dorsal = -_facing(points) * geo.perpendicular_cw(shoulder - hip)
    return geo.back_curvature_ratio(frame.mask, shoulder, hip, dorsal)


# ---------------------------------------------------------------------------------------------
# Bird dog: arm and leg reach


def _reach_angle(frame: PoseFrame, side: Side, a: str, b: str, c: str) -> float:
    """Joint angle a-b-c of the limb's estimate, continued past 180 while c is above the a->b
    line (image up): a limb lifted 10 deg above the trunk line reads 190, not 170 like one 10 deg
    short of it, so an over-lifted limb still counts as extended. Unsigned when "up" is unclear."""
    points = _estimated(frame)
    pa, pb, pc = (_pt(points, side, part) for part in (a, b, c))
    angle = float(geo.joint_angle_deg(pa, pb, pc))
    return 360.0 - angle if _height_above_line(pc, pa, pb) > 0.0 else angle


def _arm_raise(frame: PoseFrame, side: Side) -> float:
    return _memo(frame, ("arm_raise", side), lambda: _reach_angle(frame, side, "hip", "shoulder", "elbow"))


def _leg_extension(frame: PoseFrame, side: Side) -> float:
    return _memo(frame, ("leg_extension", side), lambda: _reach_angle(frame, side, "shoulder", "hip", "knee"))


def _limb_joint_angle(frame: PoseFrame, side: Side, a: str, b: str, c: str) -> float:
    points = _estimated(frame)
    return float(geo.joint_angle_deg(_pt(points, side, a), _pt(points, side, b), _pt(points, side, c)))


# Shoulder flexion and hip extension are read from the upper arm and the thigh, as a goniometer
# does: a bent elbow or knee is judged on its own (reach_elbow / reach_knee), not as a short reach.
_ARM = (Landmark.LEFT_HIP, Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW)
_LEG = (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP, Landmark.LEFT_KNEE)
_ARMS, _LEGS = _both("hip", "shoulder", "elbow"), _both("shoulder", "hip", "knee")


@metric("arm_raise_left_deg", "deg", _ARM)
def arm_raise_left_deg(frame: PoseFrame) -> float:
    """Left hip-shoulder-elbow: ~75-90 arm hanging on all fours, 180 in line with the trunk, more above it; deg."""
    return _arm_raise(frame, Side.LEFT)


@metric("arm_raise_right_deg", "deg", tuple(Landmark(MIRROR_INDEX[lm]) for lm in _ARM))
def arm_raise_right_deg(frame: PoseFrame) -> float:
    """Right hip-shoulder-elbow: ~75-90 arm hanging on all fours, 180 in line with the trunk, more above it; deg."""
    return _arm_raise(frame, Side.RIGHT)


@metric("leg_extension_left_deg", "deg", _LEG)
def leg_extension_left_deg(frame: PoseFrame) -> float:
    """Left shoulder-hip-knee: ~90-110 kneeling on all fours, 180 thigh in line with the trunk, more above it; deg."""
    return _leg_extension(frame, Side.LEFT)


@metric("leg_extension_right_deg", "deg", tuple(Landmark(MIRROR_INDEX[lm]) for lm in _LEG))
def leg_extension_right_deg(frame: PoseFrame) -> float:
    """Right shoulder-hip-knee: ~90-110 kneeling on all fours, 180 thigh in line with the trunk, more above it; deg."""
    return _leg_extension(frame, Side.RIGHT)


@metric("reach_arm_side", "side", _ARMS)
def reach_arm_side(frame: PoseFrame) -> float:
    """Side of the arm raised clearly more (by REACH_LEAD_MIN_DEG): +1 left, -1 right, NaN if neither leads."""
    return _lead_side(_arm_raise(frame, Side.LEFT), _arm_raise(frame, Side.RIGHT), REACH_LEAD_MIN_DEG)


@metric("reach_leg_side", "side", _LEGS)
def reach_leg_side(frame: PoseFrame) -> float:
    """Side of the leg extended clearly more (by REACH_LEAD_MIN_DEG): +1 left, -1 right, NaN if neither leads."""
    return _lead_side(_leg_extension(frame, Side.LEFT), _leg_extension(frame, Side.RIGHT), REACH_LEAD_MIN_DEG)


@metric("reach_arm_raise_deg", "deg", _ARMS)
def reach_arm_raise_deg(frame: PoseFrame) -> float:
    """The larger of the two arm raises (hip-shoulder-elbow), hidden arms included; NaN if either is out of the image; deg."""
    return max(_arm_raise(frame, Side.LEFT), _arm_raise(frame, Side.RIGHT), key=_nan_first)


@metric("reach_leg_extension_deg", "deg", _LEGS)
def reach_leg_extension_deg(frame: PoseFrame) -> float:
    """The larger of the two leg extensions (shoulder-hip-knee), hidden legs included; NaN if either is out of the image; deg."""
    return max(_leg_extension(frame, Side.LEFT), _leg_extension(frame, Side.RIGHT), key=_nan_first)


def _nan_first(value: float) -> float:
    """Sort key making NaN the maximum, so max() of values with an unknown one is NaN."""
    return math.inf if math.isnan(value) else value


@metric("opposite_limbs", "flag", _ARMS + _LEGS)
def opposite_limbs(frame: PoseFrame) -> float:
    """1 when the reaching arm and leg are on opposite sides, 0 on the same side, NaN unless both lead."""
    arm, leg = reach_arm_side(frame), reach_leg_side(frame)
    return NAN if math.isnan(arm) or math.isnan(leg) else float(arm != leg)


@metric("reach_elbow_angle_deg", "deg", _ARMS + _both("wrist"))
def reach_elbow_angle_deg(frame: PoseFrame) -> float:
    """Shoulder-elbow-wrist of the reaching arm: 180 straight; NaN when no arm leads; deg."""
    return _sided_value(reach_arm_side(frame),
                        lambda side: _limb_joint_angle(frame, side, "shoulder", "elbow", "wrist"))


@metric("reach_knee_angle_deg", "deg", _LEGS + _both("ankle"))
def reach_knee_angle_deg(frame: PoseFrame) -> float:
    """Hip-knee-ankle of the reaching leg: 180 straight; NaN when no leg leads; deg."""
    return _sided_value(reach_leg_side(frame), lambda side: _limb_joint_angle(frame, side, "hip", "knee", "ankle"))


@metric("leg_height_ratio", "ratio", _LEGS)
def leg_height_ratio(frame: PoseFrame) -> float:
    """Reaching knee's distance from the hip-shoulder line / torso: + above it (image up, lumbar arching), - below."""
    # The knee, not the ankle: a bent knee lifts the foot without arching the back.
    def height(side: Side) -> float:
        points = _known(frame)
        hip, shoulder = _trunk(points)
        knee = _pt(_estimated(frame), side, "knee")
        return float(geo.safe_ratio(_height_above_line(knee, hip, shoulder),
                                    _torso_px(points)))
    return _sided_value(reach_leg_side(frame), height)


@metric("pelvis_level_ratio", "ratio", _both("hip", "shoulder"))
def pelvis_level_ratio(frame: PoseFrame) -> float:
    """|Image height difference of the two hips| / torso: 0 level (rolling or hiking shows as more)."""
    return abs(hip_drop_ratio(frame))


@metric("pelvis_tilt_deg", "deg", _both("hip"), needs_3d=True)
def pelvis_tilt_deg(frame: PoseFrame) -> float:
    """The hip-to-hip line's 3D angle from horizontal: 0 level, + left hip lower (image down); needs 3D; deg."""
    # In 3D the tilt does not depend on the view: seen from the side the two hips are apart in
    # depth, from the front across the image.
    points = _known_3d(frame)
    dx, dy, dz = _pt(points, Side.LEFT, "hip") - _pt(points, Side.RIGHT, "hip")
    return math.degrees(math.atan2(float(dy), math.hypot(float(dx), float(dz))))


@metric("hip_drop_ratio", "ratio", _both("hip", "shoulder"))
def hip_drop_ratio(frame: PoseFrame) -> float:
    """(Left hip y - right hip y) in the image / torso: + left hip lower, - right hip lower."""
    points = _known(frame)
    drop = _pt(points, Side.LEFT, "hip")[1] - _pt(points, Side.RIGHT, "hip")[1]
    return float(geo.safe_ratio(drop, _torso_px(points)))


# ---------------------------------------------------------------------------------------------
# Side plank, front view


@metric("body_line_deg", "deg", _both("shoulder", "hip", "ankle"))
def body_line_deg(frame: PoseFrame) -> float:
    """Shoulder-mid, hip-mid, ankle-mid joint angle: 180 straight body line; deg."""
    points = _known(frame)
    return float(geo.joint_angle_deg(*(_mid(points, part, side_view=False) for part in ("shoulder", "hip", "ankle"))))


@metric("hip_offset_ratio", "ratio", _both("shoulder", "hip", "ankle"))
def hip_offset_ratio(frame: PoseFrame) -> float:
    """Hip-mid's distance from the shoulder-mid -> ankle-mid line / its length: + toward the floor (sag), - pike."""
    points = _known(frame)
    shoulder, hip, ankle = (_mid(points, part, side_view=False) for part in ("shoulder", "hip", "ankle"))
    return float(geo.safe_ratio(-_height_above_line(hip, shoulder, ankle), geo.distance(shoulder, ankle)))


@metric("support_side", "side", _both("shoulder", "hip"))
def support_side(frame: PoseFrame) -> float:
    """Side of the clearly lower elbow (the forearm on the floor), hidden elbows included: +1 left, -1 right, NaN if unclear."""
    # The top arm often rests on the body, its elbow hidden (visibility < 0.5 for seconds on the
    # rendered side planks, which paused coaching mid-hold); where the model places it, it is
    # still far above the elbow on the floor. So the elbows are read as estimated, and they are
    # not required in view: an elbow out of the image leaves the side unknown, nothing more.
    points = _estimated(frame)
    left_lower_px = _pt(points, Side.LEFT, "elbow")[1] - _pt(points, Side.RIGHT, "elbow")[1]
    left_lower = float(geo.safe_ratio(left_lower_px, _torso_px(_known(frame))))
    return _lead_side(left_lower, 0.0, SUPPORT_LEAD_MIN_RATIO)


@metric("upper_arm_vertical_deg", "deg", _both("elbow", "shoulder"), either_side=True)
def upper_arm_vertical_deg(frame: PoseFrame) -> float:
    """Support-side elbow -> shoulder from vertical: 0 elbow straight under the shoulder; deg."""
    def angle(side: Side) -> float:
        points = _known(frame)
        return float(geo.inclination_from_vertical_deg(_pt(points, side, "elbow"), _pt(points, side, "shoulder")))
    return _sided_value(support_side(frame), angle)


@metric("stack_roll_deg", "deg", _both("shoulder", "hip"), needs_3d=True)
def stack_roll_deg(frame: PoseFrame) -> float:
    """How far the shoulders and the hips have rolled out of stacking, in 3D: 0 stacked one above the other; needs 3D; deg."""
    # Lying on the side, the left-right line of the shoulders (and of the hips) is vertical when
    # stacked. A roll about the body's long axis L tips it out of the vertical plane through L,
    # toward the floor in front or behind: the angle between the pair's line and that plane. A
    # body line tilted in the image, or a camera turned round the body, leaves it at 0. Seen
    # from the front the roll is almost all depth, which a webcam's pose does not measure (the
    # rendered side planks' depth gap read larger stacked than rolled), hence needs_3d.
    points = _known_3d(frame)
    mids = {part: (_pt(points, Side.LEFT, part) + _pt(points, Side.RIGHT, part)) / 2.0 for part in ("shoulder", "hip")}
    normal = np.cross(mids["shoulder"] - mids["hip"], (0.0, -1.0, 0.0))   # horizontal, across the body
    if not np.linalg.norm(normal) > 0:
        return NAN
    normal = normal / np.linalg.norm(normal)
    rolls = []
    for part in ("shoulder", "hip"):
        pair = _pt(points, Side.RIGHT, part) - _pt(points, Side.LEFT, part)
        rolls.append(math.degrees(math.asin(min(1.0, abs(float(pair @ normal)) / float(np.linalg.norm(pair))))))
    return float(np.mean(rolls))


@metric("head_drop_deg", "deg", _both("hip", "shoulder", "ear"))
def head_drop_deg(frame: PoseFrame) -> float:
    """Front view: shoulder-mid->ear-mid vs hip-mid->shoulder-mid, 0 in line, + head bent toward the floor (image down); deg."""
    # Seen from the front, a side plank's neck bends sideways in the image plane, so the head
    # line against the trunk line shows it (on the performer: in line 0, 30 degrees of lateral
    # neck flexion 21). Unlike head_angle_deg, meant for side views where one ear will do, both
    # ears, shoulders and hips are needed: a lone ear sits half a head's width off the body's
    # axis, which reads as a tilt as large as the fault (+-22 degrees on the performer's plank).
    points = _known(frame)
    hip, shoulder, ear = (_mid(points, part, side_view=False) for part in ("hip", "shoulder", "ear"))
    return -_up_sign(hip, shoulder) * float(geo.signed_angle_deg(shoulder - hip, ear - shoulder))


@metric("view_ratio", "ratio", _both("shoulder", "hip"))
def view_ratio(frame: PoseFrame) -> float:
    """Shoulder width / torso length in the image: small = side view, large (~0.7+) = front view."""
    points = _known(frame)
    width = geo.distance(_pt(points, Side.LEFT, "shoulder"), _pt(points, Side.RIGHT, "shoulder"))
    return float(geo.safe_ratio(width, _torso_px(points)))
