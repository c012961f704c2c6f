"""Small 3D helpers for the performer: rotations, easing, two-bone IK.

Scene frame used throughout the performer: metres, x forward along the floor (the way a
side-view subject faces), y up, z toward the default side camera; floor at y = 0.
Body (segment) frames: x anterior, y superior (along a limb: proximal end up), z to the
body's right, so that a neutral standing body has every segment frame equal to the scene's.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Vec = npt.NDArray[np.float64]   # (3,)
Mat = npt.NDArray[np.float64]   # (3, 3)

EYE3: Mat = np.eye(3)


def rot_x(angle_deg: float) -> Mat:
    """Rotation about x: +angle turns y toward z."""
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(angle_deg: float) -> Mat:
    """Rotation about y: +angle turns z toward x."""
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(angle_deg: float) -> Mat:
    """Rotation about z: +angle turns x toward y.

    For a limb pointing down (-y) it swings the limb forward (+x): `rot_z(theta)` is the
    world orientation of a limb at sagittal angle theta (0 hanging down, 90 pointing forward).
    For a trunk segment pointing up it tilts the segment backward, so flexion is `rot_z(-deg)`.
    """
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def sagittal_angle_deg(direction: Vec) -> float:
    """Angle of a direction in the x-y plane, from straight down (0) toward +x (positive)."""
    return math.degrees(math.atan2(direction[0], -direction[1]))


def cross(a: Vec, b: Vec) -> Vec:
    """Cross product of two 3-vectors (np.cross is slow for single vectors)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def unit(v: Vec) -> Vec:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-12 else v


def frame_along(direction: Vec, lateral: Vec) -> Mat:
    """Segment orientation whose -y axis points along `direction`, z as close to `lateral`.

    Matches `rot_z(sagittal_angle_deg(direction))` for directions in the x-y plane when
    `lateral` is +z, so IK-placed and angle-placed limbs share one convention.
    """
    y = -unit(direction)
    x = unit(cross(y, lateral))
    return np.column_stack([x, y, cross(x, y)])


def frame_facing(direction: Vec, anterior: Vec) -> Mat:
    """Segment orientation whose -y axis points along `direction`, x as close to `anterior`.

    For limbs whose direction is parallel to the body's lateral axis (a side plank's
    vertical upper arm), where `frame_along` would be undefined.
    """
    y = -unit(direction)
    x = unit(anterior - float(anterior @ y) * y)
    return np.column_stack([x, y, cross(x, y)])


def _rotvec(r: Mat) -> Vec:
    """Axis * angle (radians) of a rotation matrix."""
    cos_a = max(-1.0, min(1.0, (float(np.trace(r)) - 1.0) / 2.0))
    angle = math.acos(cos_a)
    if angle < 1e-9:
        return np.zeros(3)
    axis = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    if np.linalg.norm(axis) < 1e-9:   # 180 degrees: axis from the symmetric part
        sym = (r + EYE3) / 2.0
        axis = sym[:, int(np.argmax(np.diag(sym)))]
    return unit(axis) * angle


def _rotation(rotvec: Vec) -> Mat:
    """Rodrigues: rotation matrix of axis * angle."""
    angle = float(np.linalg.norm(rotvec))
    if angle < 1e-12:
        return EYE3.copy()
    k = rotvec / angle
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return EYE3 + math.sin(angle) * kx + (1.0 - math.cos(angle)) * (kx @ kx)


def slerp(r0: Mat, r1: Mat, s: float) -> Mat:
    """Orientation a fraction `s` of the way from r0 to r1 along the shortest rotation."""
    return r0 @ _rotation(_rotvec(r0.T @ r1) * s)


def min_jerk(tau: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Minimum-jerk easing 0 -> 1 on tau in [0, 1]: zero speed and acceleration at both ends."""
    t = np.clip(tau, 0.0, 1.0)
    return t * t * t * (10.0 - 15.0 * t + 6.0 * t * t)


def two_bone(root: Vec, target: Vec, upper_m: float, lower_m: float, bend_hint: Vec) -> Vec:
    """Middle joint (elbow, knee) of a two-segment limb from root to target.

    The joint bends toward `bend_hint`; a target out of reach leaves the limb straight
    toward it (the end then falls short of the target).
    """
    span = target - root
    dist = float(np.linalg.norm(span))
    along = unit(span)
    dist = min(max(dist, abs(upper_m - lower_m) + 1e-6), upper_m + lower_m)
    a = (upper_m ** 2 - lower_m ** 2 + dist ** 2) / (2.0 * dist)
    h = math.sqrt(max(upper_m ** 2 - a * a, 0.0))
    side = unit(bend_hint - float(bend_hint @ along) * along)
    return root + a * along + h * side


def lerp(a: float, b: float, s: float) -> float:
    return a + (b - a) * s
