"""Hands and knees (bird dog, cat-cow): side view, knees and planted hands fixed on the floor.

The pelvis sits above the supporting knee (or behind it when sitting back); the trunk pitch
is solved so that the supporting arm, straight or bent, still reaches its planted hand, so a
rounding spine lifts the back instead of sliding the hands. Free limbs swing between their
resting direction and the trunk line.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from coach.landmarks import Side
from coach.performer.geometry import (
    EYE3, Mat, Vec, cross, frame_along, lerp, rot_y, rot_z, sagittal_angle_deg, slerp, two_bone, unit,
)
from coach.performer.skeleton import Body, Posed, Skeleton, SkeletonPose, skeleton

KNEE_HEIGHT_H = 0.030     # knee joint centre above the floor when kneeling
WRIST_HEIGHT_H = 0.020    # wrist joint centre above the floor, hand flat
KNEES_X_H = -0.14         # where the knees are, along the floor (the body is centred near x = 0)
Z = np.array([0.0, 0.0, 1.0])
BACKWARD = np.array([-1.0, 0.0, 0.0])
SIDES = (Side.LEFT, Side.RIGHT)


@dataclass(frozen=True, slots=True)
class Limb:
    """A limb's action: 0 resting (hand planted / kneeling), 1 in line with the trunk."""

    reach: float = 0.0
    lift_deg: float = 0.0     # extra raise above the trunk line
    bend_deg: float = 0.0     # elbow / knee flexion added to the limb


@dataclass(frozen=True, slots=True)
class QuadPosture:
    spine_flex_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)  # lumbar, low/up thoracic; + cat
    neck_flex_deg: float = 0.0          # + head down
    head_flex_deg: float = 0.0
    pelvis_roll_deg: float = 0.0        # + right hip up
    hips_back_deg: float = 0.0          # thighs from vertical, + hips behind the knees
    arms: dict[Side, Limb] = field(default_factory=lambda: {s: Limb() for s in SIDES})
    legs: dict[Side, Limb] = field(default_factory=lambda: {s: Limb() for s in SIDES})


@dataclass(frozen=True, slots=True)
class Anchors:
    """Fixed floor contacts of the neutral quadruped (scene frame, metres)."""

    knee: dict[Side, Vec]
    hand: dict[Side, Vec]     # wrist joint centre of the planted hand
    pitch_deg: float          # trunk elevation of the neutral pose (shoulders above hips)


def _tag(side: Side) -> str:
    return "l" if side is Side.LEFT else "r"


def flat_hand(side: Side) -> Mat:
    """Hand flat on the floor, fingers forward (+x), palm down, thumb inward."""
    lateral = -1.0 if side is Side.LEFT else 1.0
    x = np.array([0.0, 0.0, -lateral])            # thumb toward the midline
    y = np.array([-1.0, 0.0, 0.0])                # fingers point along -y
    return np.column_stack([x, y, cross(x, y)])


def base_rotation(pitch_deg: float, roll_deg: float) -> Mat:
    """Pelvis orientation: trunk along +x raised by pitch, belly down, rolled (+ right hip up)."""
    return rot_z(pitch_deg - 90.0) @ rot_y(-roll_deg)


@functools.lru_cache(maxsize=16)
def anchors(body: Body) -> Anchors:
    sk = skeleton(body)
    h = body.height_m
    thigh, arm = sk.length_m("thigh_l"), sk.length_m("upper_arm_l") + sk.length_m("forearm_l")
    hip_mid = np.array([KNEES_X_H * h, KNEE_HEIGHT_H * h + thigh, 0.0])
    trunk = sk.forward(SkeletonPose(np.zeros(3), EYE3))
    reach = float(np.linalg.norm((trunk.point("shoulder_l") + trunk.point("shoulder_r")) / 2.0))
    # Arms vertical: the shoulders sit one arm's length above the wrists.
    pitch = math.degrees(math.asin((WRIST_HEIGHT_H * h + arm - hip_mid[1]) / reach))
    posed = sk.forward(SkeletonPose(hip_mid, base_rotation(pitch, 0.0)))
    knee, hand = {}, {}
    for side in SIDES:
        hip, shoulder = posed.point(f"hip_{_tag(side)}"), posed.point(f"shoulder_{_tag(side)}")
        knee[side] = np.array([hip[0], KNEE_HEIGHT_H * h, hip[2]])
        hand[side] = np.array([shoulder[0], WRIST_HEIGHT_H * h, shoulder[2]])
    return Anchors(knee, hand, pitch)


def quadruped(body: Body, q: QuadPosture) -> Posed:
    """The quadruped body for a posture, with floor contacts honoured."""
    sk, anc = skeleton(body), anchors(body)
    local = _spine_locals(q)
    support_arm = min(SIDES, key=lambda s: q.arms[s].reach)
    kneel = min(SIDES, key=lambda s: q.legs[s].reach)
    reach_m = _arm_span(sk, q.arms[support_arm].bend_deg)
    thigh = sk.length_m("thigh_l")
    back = math.radians(q.hips_back_deg)
    hip_kneel = anc.knee[kneel] + thigh * np.array([-math.sin(back), math.cos(back), 0.0])
    hip_offset = sk.offset_m[sk.index[f"thigh_{_tag(kneel)}"]]

    pitch = anc.pitch_deg
    for _ in range(5):   # exact in one step unless a rolled pelvis moves the hip mid with pitch
        rot = base_rotation(pitch, q.pelvis_roll_deg)
        hip_mid = hip_kneel - rot @ hip_offset
        trunk = sk.forward(SkeletonPose(hip_mid, rot, local))
        shoulder = trunk.point(f"shoulder_{_tag(support_arm)}")
        step = _pitch_to_reach(hip_mid, shoulder, anc.hand[support_arm], reach_m)
        if abs(step) < 1e-6:
            break
        pitch += step

    line = unit((trunk.point("shoulder_l") + trunk.point("shoulder_r")) / 2.0 - hip_mid)
    world: dict[str, Mat] = {}
    limbs_local = dict(local)
    for side in SIDES:
        world |= _arm(sk, trunk, side, q.arms[side], anc.hand[side], sagittal_angle_deg(line))
        leg_world, leg_local = _leg(side, q.legs[side], q.hips_back_deg, sagittal_angle_deg(-line))
        world |= leg_world
        limbs_local |= leg_local
    return sk.forward(SkeletonPose(hip_mid, rot, limbs_local, world))


def _spine_locals(q: QuadPosture) -> dict[str, Mat]:
    lumbar, low, up = q.spine_flex_deg
    return {
        "lumbar": rot_y(q.pelvis_roll_deg) @ rot_z(-lumbar),   # the pelvis rolls, the chest does not
        "thor_low": rot_z(-low), "thor_up": rot_z(-up),
        "neck": rot_z(-q.neck_flex_deg), "head": rot_z(-q.head_flex_deg),
    }


def _arm_span(sk: Skeleton, elbow_flex_deg: float) -> float:
    upper, fore = sk.length_m("upper_arm_l"), sk.length_m("forearm_l")
    c = math.cos(math.radians(elbow_flex_deg))
    return math.sqrt(upper * upper + fore * fore + 2.0 * upper * fore * c)


def _pitch_to_reach(hip: Vec, shoulder: Vec, hand: Vec, reach_m: float) -> float:
    """Turn (degrees, about z through the hip) that puts the shoulder `reach_m` from the hand."""
    a, d = (shoulder - hip)[:2], (hand - hip)[:2]
    dz = shoulder[2] - hand[2]
    na, nd = float(np.linalg.norm(a)), float(np.linalg.norm(d))
    c = (na * na + nd * nd + dz * dz - reach_m * reach_m) / 2.0
    spread = math.acos(max(-1.0, min(1.0, c / (na * nd))))
    angle_a, angle_d = math.atan2(a[1], a[0]), math.atan2(d[1], d[0])
    # Two solutions, shoulder on either side of the hip-hand line: keep the one above it.
    return math.degrees(angle_d + spread - angle_a)


def _arm(sk: Skeleton, trunk: Posed, side: Side, limb: Limb, hand: Vec,
         line_deg: float) -> dict[str, Mat]:
    """World orientations of the arm: planted (IK to the hand) or swinging toward the line."""
    t = _tag(side)
    shoulder = trunk.point(f"shoulder_{t}")
    upper, fore = sk.length_m(f"upper_arm_{t}"), sk.length_m(f"forearm_{t}")
    if limb.reach <= 0.0:   # planted: the elbow goes where the hand and shoulder allow
        elbow = two_bone(shoulder, hand, upper, fore, BACKWARD)
        return {f"upper_arm_{t}": frame_along(elbow - shoulder, Z),
                f"forearm_{t}": frame_along(hand - elbow, Z), f"hand_{t}": flat_hand(side)}
    rest_deg = sagittal_angle_deg(hand - shoulder)
    upper_rot = rot_z(lerp(rest_deg, line_deg, limb.reach) + limb.lift_deg)
    fore_rot = upper_rot @ rot_z(limb.bend_deg)         # elbow flexion lifts the hand
    hand_rot = slerp(flat_hand(side), fore_rot, min(limb.reach, 1.0))
    return {f"upper_arm_{t}": upper_rot, f"forearm_{t}": fore_rot, f"hand_{t}": hand_rot}


def _leg(side: Side, limb: Limb, hips_back_deg: float,
         line_deg: float) -> tuple[dict[str, Mat], dict[str, Mat]]:
    """(world, local) orientations of the leg.

    Kneeling (reach 0): thigh down to the knee, shin and top of the foot on the floor. On the
    way out the knee lifts first and the shin straightens late, as people do, so the toes
    clear the floor.
    """
    t = _tag(side)
    reach = min(limb.reach, 1.0)
    thigh_deg = lerp(hips_back_deg, line_deg, limb.reach) - limb.lift_deg
    shank_deg = lerp(-90.0, line_deg, reach * reach) - limb.lift_deg
    foot_flex = lerp(90.0, 5.0, reach ** 3)     # in line with the shin -> reaching through the heel
    knee_flex = thigh_deg - shank_deg + limb.bend_deg
    return ({f"thigh_{t}": rot_z(thigh_deg)},
            {f"shank_{t}": rot_z(-knee_flex), f"foot_{t}": rot_z(-foot_flex)})
