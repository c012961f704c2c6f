"""Glute bridge: lying on the back, knees bent, feet flat; lift the hips into line, lower.

Shoulders and feet stay on the floor: the trunk pivots about the shoulders and each knee
goes where its hip and planted foot put it (two-bone IK, knees up).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from coach.landmarks import Side
from coach.performer.geometry import EYE3, Mat, Vec, frame_along, lerp, rot_y, rot_z, two_bone, unit
from coach.performer.motions.base import Drive, Motion, RepContext, move
from coach.performer.motions.quadruped import SIDES, flat_hand
from coach.performer.skeleton import Body, Posed, SkeletonPose, skeleton
from coach.performer.timeline import PhaseSpec

TOP_KNEE_DEG = 90.0          # knee angle at the top, hips in line with shoulders and knees
ANKLE_HEIGHT_H = 0.039
TOO_LOW_RATIO = 0.4          # too_low: the hips rise this fraction of the way
HIP_DROP_DEG = 20.0          # hips_dropping_side: pelvis roll, the left hip lower
ARM_DOWN_DEG, ARM_OUT_DEG = 6.0, 10.0   # arms on the floor beside the body
Z, UP = np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True, slots=True)
class BridgeAnchors:
    shoulder_mid: Vec           # fixed on the floor
    ankle: dict[Side, Vec]      # feet flat, fixed
    rest_deg: float             # trunk elevation lying down (pelvis on the floor)
    top_deg: float              # trunk elevation at full lift


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    for _ in range(60):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if f(lo) * f(mid) > 0 else (lo, mid)
    return (lo + hi) / 2.0


@functools.lru_cache(maxsize=16)
def bridge_anchors(body: Body) -> BridgeAnchors:
    sk, h = skeleton(body), body.height_m
    trunk = sk.forward(SkeletonPose(np.zeros(3), EYE3))
    trunk_m = float(np.linalg.norm((trunk.point("shoulder_l") + trunk.point("shoulder_r")) / 2.0))
    thigh, shank = sk.length_m("thigh_l"), sk.length_m("shank_l")
    back_r = sk.capsules[2].radius_a_m      # lying on the thorax ...
    pelvis_r = sk.capsules[0].radius_a_m    # ... and on the pelvis
    rest = math.asin((pelvis_r - back_r) / trunk_m)
    # Top: shoulder, hip and knee in line at elevation a; the shank leaves the knee at
    # TOP_KNEE_DEG to the thigh and ends at ankle height.
    knee = math.radians(TOP_KNEE_DEG)

    def shank_dir(a: float) -> Vec:
        return np.array([-math.cos(a + knee), -math.sin(a + knee), 0.0])

    def ankle_height_error(a: float) -> float:
        return back_r + (trunk_m + thigh) * math.sin(a) + shank * shank_dir(a)[1] - ANKLE_HEIGHT_H * h

    top = _bisect(ankle_height_error, 0.0, math.radians(60.0))
    shoulder = np.array([-trunk_m * math.cos(rest), back_r, 0.0])   # hips start at x = 0
    line = np.array([math.cos(top), math.sin(top), 0.0])
    ankle_mid = shoulder + (trunk_m + thigh) * line + shank * shank_dir(top)
    hip_half = float(sk.offset_m[sk.index["thigh_r"]][2])
    ankle = {Side.LEFT: ankle_mid - hip_half * Z, Side.RIGHT: ankle_mid + hip_half * Z}
    return BridgeAnchors(shoulder, ankle, math.degrees(rest), math.degrees(top))


class GluteBridge(Motion):
    name = "glute_bridge"
    sided = False

    def rep_phases(self, ctx: RepContext) -> list[PhaseSpec]:
        return [move(ctx.tempo_s, p=1.0), PhaseSpec("hold", ctx.hold_s), move(ctx.tempo_s, p=0.0)]

    def pose(self, d: Drive) -> Posed:
        anc = bridge_anchors(self.body)
        lift = d.p * d.rom * lerp(1.0, TOO_LOW_RATIO, d.w("too_low"))
        roll = HIP_DROP_DEG * d.p * d.w("hips_dropping_side")      # + right hip up
        rot = rot_z(90.0 + lerp(anc.rest_deg, anc.top_deg, lift)) @ rot_y(roll)
        local = {"lumbar": rot_y(-roll)}                            # the chest stays flat
        trunk = self.sk.forward(SkeletonPose(np.zeros(3), rot, local))
        shoulder_mid = (trunk.point("shoulder_l") + trunk.point("shoulder_r")) / 2.0
        hip_mid = anc.shoulder_mid - shoulder_mid
        trunk = self.sk.forward(SkeletonPose(hip_mid, rot, local))
        lying = rot_z(90.0)                 # face up, head resting on the floor
        world: dict[str, Mat] = {"neck": lying, "head": lying}
        for side in SIDES:
            world |= self._leg(trunk, side, anc.ankle[side]) | self._arm(side)
        return self.sk.forward(SkeletonPose(hip_mid, rot, local, world))

    def _leg(self, trunk: Posed, side: Side, ankle: Vec) -> dict[str, Mat]:
        t = "l" if side is Side.LEFT else "r"
        hip = trunk.point(f"hip_{t}")
        knee = two_bone(hip, ankle, self.sk.length_m(f"thigh_{t}"), self.sk.length_m(f"shank_{t}"), UP)
        return {f"thigh_{t}": frame_along(knee - hip, Z), f"shank_{t}": frame_along(ankle - knee, Z),
                f"foot_{t}": EYE3}

    def _arm(self, side: Side) -> dict[str, Mat]:
        t, out = ("l", -1.0) if side is Side.LEFT else ("r", 1.0)
        down, spread = math.radians(ARM_DOWN_DEG), math.radians(ARM_OUT_DEG)
        arm = frame_along(unit(np.array([math.cos(down), -math.sin(down), out * math.sin(spread)])), Z)
        return {f"upper_arm_{t}": arm, f"forearm_{t}": arm, f"hand_{t}": flat_hand(side)}
