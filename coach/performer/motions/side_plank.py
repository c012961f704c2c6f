"""Side plank on the forearm, filmed from the front: the body lies along the image's x axis.

Left side plank = propped on the left forearm, head toward +x (image right by default);
right side plank is its mirror, head toward -x. The rest pose lies on the side with the hips
on the floor; a hold lifts the hips into line. Contacts: the support elbow (upper arm
vertical unless the elbow is set out) and the bottom foot; the body turns about the camera
axis so both touch the floor. Between sides the performer turns over by getting up through
standing (a rigid turn of the resting body; arms may jump at the half-way instant).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from coach.landmarks import Side
from coach.performer.geometry import (
    EYE3, Mat, frame_facing, lerp, rot_x, rot_y, rot_z, unit,
)
from coach.performer.motions.base import Drive, Motion, RepContext, fault_targets, move
from coach.performer.skeleton import Body, Posed, SkeletonPose, skeleton
from coach.performer.timeline import PhaseSpec

ELBOW_HEIGHT_H = 0.022       # elbow joint centre above the floor, forearm down
ANKLE_HEIGHT_H = 0.028       # bottom ankle above the floor, foot on its outer edge
HIP_ON_FLOOR_H = 0.045       # bottom hip joint above the floor when lying
ANKLE_X_H = 0.47             # bottom ankle this far from x = 0 (hips near the middle)
TRUNK_SHARE, LEG_SHARE = 0.45, 0.55   # how a hip bend splits between spine and hips
STACK_DEG = 5.0              # top leg adducted to rest its foot on the bottom one
SAG_DEG = 28.0               # hips_sagging: bend at the hips toward the floor
PIKE_DEG = 22.0              # piking: bend the other way, hips up
ELBOW_OUT_DEG = 30.0         # elbow_not_under_shoulder: upper arm tilted toward the head
ROLL_DEG = 30.0              # rolling: body turned about its long axis, chest toward the floor
# head_dropping: the neck and head bend sideways toward the floor (lateral flexion), which a
# front view sees in the image plane.
NECK_DROP_DEG, HEAD_DROP_DEG = 20.0, 10.0
SWITCH_S = 3.0               # turning over between sides
UP, TOWARD_CAMERA = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])


def base_rotation(side: Side) -> Mat:
    """Lying on `side` facing the camera (+z): columns are the body's x, y, z in the scene."""
    if side is Side.LEFT:     # right side up, head toward +x
        return np.column_stack([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    return np.column_stack([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])


def _top_sign(side: Side) -> float:
    """+1 when the body's +z (right) side is up, i.e. lying on the left."""
    return 1.0 if side is Side.LEFT else -1.0


class SidePlank(Motion):
    name = "side_plank"
    sided = True
    posture_faults = frozenset({"hips_sagging", "piking", "elbow_not_under_shoulder", "rolling",
                                "head_dropping"})
    holds_labelled = True

    def rep_phases(self, ctx: RepContext) -> list[PhaseSpec]:
        return [move(ctx.tempo_s, p=1.0), *self._hold(ctx), move(ctx.tempo_s, p=0.0)]

    def _hold(self, ctx: RepContext) -> list[PhaseSpec]:
        """A fault named on a hold occupies its middle: it starts a quarter of the way in."""
        codes = ctx.codes & self.posture_faults
        if not codes:
            return [PhaseSpec("hold", ctx.hold_s)]
        ramp = min(max(0.3, 0.1 * ctx.hold_s), ctx.hold_s / 4.0)
        lead = min(0.25 * ctx.hold_s, (ctx.hold_s - 2.0 * ramp) / 3.0)
        plateau = ctx.hold_s - 2.0 * lead - 2.0 * ramp
        return [PhaseSpec("hold", lead), PhaseSpec("hold", ramp, fault_targets(codes, 1.0)),
                PhaseSpec("hold", plateau), PhaseSpec("hold", ramp, fault_targets(codes, 0.0)),
                PhaseSpec("hold", lead)]

    def between_sides(self, rest_s: float) -> list[PhaseSpec]:
        return [PhaseSpec("rest", rest_s), PhaseSpec("switch", SWITCH_S, {"turn": 1.0}),
                PhaseSpec("rest", rest_s)]

    def pose(self, d: Drive) -> Posed:
        side = d.side if d.side is not Side.BOTH else Side.LEFT
        if d.kind == "switch" and 0.0 < d.turn < 1.0:
            return self._turning(side, d.turn)
        lift = d.p * d.rom
        bend = (rest_bend_deg(self.body, side) * (1.0 - min(lift, 1.0))
                + d.p * (SAG_DEG * d.w("hips_sagging") - PIKE_DEG * d.w("piking")))
        return plank(self.body, side, bend, ELBOW_OUT_DEG * d.p * d.w("elbow_not_under_shoulder"),
                     ROLL_DEG * d.p * d.w("rolling"), head_drop=d.p * d.w("head_dropping"))

    def _turning(self, side: Side, turn: float) -> Posed:
        """Turning over: the old side's rest pose swings up to standing, the new one's down."""
        old = turn < 0.5                       # `side` is the side being left
        lying_on = side if old else side.opposite
        head_up = 1.0 if lying_on is Side.LEFT else -1.0       # turn that raises the head
        angle = head_up * 180.0 * (turn if old else 1.0 - turn)   # 90: standing, facing the camera
        posed = plank(self.body, lying_on, rest_bend_deg(self.body, lying_on), 0.0, 0.0)
        pivot = posed.point("hip_mid")
        turned = posed.transformed(rot_z(angle), pivot - rot_z(angle) @ pivot)
        lowest = float(turned.points()[:, 1].min())
        return turned.transformed(EYE3, np.array([0.0, self.h(0.03) - lowest, 0.0]))


def plank(body: Body, side: Side, bend_deg: float, elbow_out_deg: float, roll_deg: float,
          head_drop: float = 0.0) -> Posed:
    """The side plank body: bend + sags the hips toward the floor, - pikes them; head_drop 0..1
    bends the neck and head sideways toward the floor."""
    sk, h = skeleton(body), body.height_m
    top = _top_sign(side)
    bottom_leg, top_leg = ("l", "r") if side is Side.LEFT else ("r", "l")
    local = {
        "lumbar": rot_x(top * bend_deg * TRUNK_SHARE * 0.55),
        "thor_low": rot_x(top * bend_deg * TRUNK_SHARE * 0.45),
        f"thigh_{bottom_leg}": rot_x(-top * bend_deg * LEG_SHARE),
        f"thigh_{top_leg}": rot_x(-top * bend_deg * LEG_SHARE + top * STACK_DEG),
        f"upper_arm_{top_leg}": rot_x(-top * 4.0),           # top arm rests along the flank
        f"forearm_{top_leg}": rot_z(20.0),
        # Lateral flexion toward the bottom side: the opposite way to the trunk's bend for a sag.
        "neck": rot_x(-top * NECK_DROP_DEG * head_drop),
        "head": rot_x(-top * HEAD_DROP_DEG * head_drop),
    }
    rot0 = base_rotation(side) @ rot_y(top * roll_deg)
    posed = sk.forward(SkeletonPose(np.zeros(3), rot0, local))
    shoulder_name, ankle_name = f"shoulder_{bottom_leg}", f"ankle_{bottom_leg}"
    upper = sk.length_m(f"upper_arm_{bottom_leg}")
    tilt = math.radians(elbow_out_deg)
    # Turn about the camera axis so shoulder and foot are at their heights above the floor.
    span = posed.point(shoulder_name) - posed.point(ankle_name)
    rise = (ELBOW_HEIGHT_H * h + upper * math.cos(tilt)) - ANKLE_HEIGHT_H * h
    now = math.atan2(span[1], span[0])
    radius = math.hypot(span[0], span[1])
    want = math.asin(max(-1.0, min(1.0, rise / radius)))
    want = want if abs(_wrap(want - now)) <= abs(_wrap(math.pi - want - now)) else math.pi - want
    rot = rot_z(math.degrees(_wrap(want - now))) @ rot0
    posed = sk.forward(SkeletonPose(np.zeros(3), rot, local))
    ankle = posed.point(ankle_name)
    x_at = -ANKLE_X_H * h if side is Side.LEFT else ANKLE_X_H * h
    root = np.array([x_at, ANKLE_HEIGHT_H * h, 0.0]) - ankle
    posed = sk.forward(SkeletonPose(root, rot, local))
    head_dir = base_rotation(side)[:, 1]
    upper_dir = unit(-UP * math.cos(tilt) + head_dir * math.sin(tilt))
    world = {f"upper_arm_{bottom_leg}": frame_facing(upper_dir, TOWARD_CAMERA),
             f"forearm_{bottom_leg}": frame_facing(TOWARD_CAMERA, UP),
             f"hand_{bottom_leg}": frame_facing(TOWARD_CAMERA, UP)}
    return sk.forward(SkeletonPose(root, rot, local, world))


def _wrap(angle_rad: float) -> float:
    return (angle_rad + math.pi) % (2.0 * math.pi) - math.pi


@functools.lru_cache(maxsize=32)
def rest_bend_deg(body: Body, side: Side) -> float:
    """The hip bend that lays the bottom hip on the floor (the rest pose before a lift)."""
    target = HIP_ON_FLOOR_H * body.height_m
    hip = "hip_l" if side is Side.LEFT else "hip_r"
    lo, hi = 0.0, 60.0
    for _ in range(40):
        mid = (lo + hi) / 2.0
        height = plank(body, side, mid, 0.0, 0.0).point(hip)[1]
        lo, hi = (mid, hi) if height > target else (lo, mid)
    return lerp(lo, hi, 0.5)
