"""Vectorised geometry on landmark arrays: the one place where angles and distances are computed.

Arrays in, arrays out. Points are (..., 2) image coordinates (or (..., 3) where stated) and every
function broadcasts over the leading dimensions, so one call serves a single frame (33, 2) or a
whole series (T, 33, 2).

Conventions
- Image coordinates: x to the right, y down, square pixels. Angles are in degrees.
- "Clockwise" means clockwise as seen on screen. Because y points down, that is the direction
  of positive rotation in these coordinates (counter-clockwise in the y-up convention).
- Unknown input (NaN points, zero-length segments) gives NaN, never a warning and never a guess.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from coach.landmarks import Landmark

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

# Lengths at or below this are degenerate: a direction cannot be taken from them.
_MIN_LENGTH = 1e-9


def _f64(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _scalar_if_0d(x: FloatArray) -> FloatArray:
    """0-d results become numpy scalars so `float(...)` and comparisons read naturally."""
    return x[()] if x.ndim == 0 else x


def _cross_2d(u: FloatArray, v: FloatArray) -> FloatArray:
    """z component of u x v: > 0 when v is clockwise of u on screen."""
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def _norm(v: FloatArray) -> FloatArray:
    return np.sqrt(np.sum(v * v, axis=-1))


def _nan_unless(valid: FloatArray, value: FloatArray) -> FloatArray:
    return _scalar_if_0d(np.where(valid, value, np.nan))


def _check_2d(*arrays: FloatArray) -> None:
    for array in arrays:
        if array.shape[-1:] != (2,):
            raise ValueError(f"expected 2D points (..., 2); got shape {array.shape}")


def midpoint(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Midpoint of a and b; NaN where either is unknown."""
    return _scalar_if_0d((_f64(a) + _f64(b)) / 2.0)


def midpoint_of_known(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Midpoint of a and b, or the one that is known when the other is NaN.

    Meant for left/right pairs in side views, where both members project almost onto each
    other and the far one is often hidden.
    """
    a, b = np.broadcast_arrays(_f64(a), _f64(b))
    a_known = np.isfinite(a).all(axis=-1, keepdims=True)
    b_known = np.isfinite(b).all(axis=-1, keepdims=True)
    both = (a + b) / 2.0
    return _scalar_if_0d(np.where(a_known & b_known, both, np.where(a_known, a, np.where(b_known, b, np.nan))))


def distance(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Euclidean distance between points (any dimension, last axis)."""
    return _scalar_if_0d(_norm(_f64(b) - _f64(a)))


def safe_ratio(numerator: ArrayLike, denominator: ArrayLike) -> FloatArray:
    """numerator / denominator, NaN where the denominator is ~0 or unknown."""
    num, den = _f64(numerator), _f64(denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nan_unless(np.abs(den) > _MIN_LENGTH, num / den)


def perpendicular_cw(v: ArrayLike) -> FloatArray:
    """v rotated by 90 degrees clockwise on screen: (x, y) -> (-y, x); (1, 0) -> (0, 1)."""
    v = _f64(v)
    _check_2d(v)
    return _scalar_if_0d(np.stack([-v[..., 1], v[..., 0]], axis=-1))


def joint_angle_deg(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> FloatArray:
    """Angle at b between b->a and b->c, 0..180 (180 = a, b, c in a straight line).

    Works for 2D (..., 2) and 3D (..., 3) points. atan2(|u x v|, u.v) stays accurate near
    0 and 180, where arccos of a normalised dot product loses precision.
    """
    u, v = _f64(a) - _f64(b), _f64(c) - _f64(b)
    if u.shape[-1] == 2:
        cross = np.abs(_cross_2d(u, v))
    elif u.shape[-1] == 3:
        cross = _norm(np.cross(u, v))
    else:
        raise ValueError(f"joint_angle_deg needs 2D or 3D points; got shape {u.shape}")
    with np.errstate(invalid="ignore"):
        angle = np.degrees(np.arctan2(cross, np.sum(u * v, axis=-1)))
        return _nan_unless((_norm(u) > _MIN_LENGTH) & (_norm(v) > _MIN_LENGTH), angle)


def signed_angle_deg(u: ArrayLike, v: ArrayLike) -> FloatArray:
    """Rotation from vector u to vector v in 2D, in (-180, 180]; + when v is clockwise of u on screen."""
    u, v = _f64(u), _f64(v)
    _check_2d(u, v)
    with np.errstate(invalid="ignore"):
        angle = np.degrees(np.arctan2(_cross_2d(u, v), np.sum(u * v, axis=-1)))
        return _nan_unless((_norm(u) > _MIN_LENGTH) & (_norm(v) > _MIN_LENGTH), angle)


def inclination_from_vertical_deg(a: ArrayLike, b: ArrayLike, *, signed: bool = False) -> FloatArray:
    """Direction of the segment a->b measured from straight up in the image.

    Unsigned: 0..180 (0 = b straight above a, 90 = horizontal, 180 = b straight below a).
    Signed: in (-180, 180], + when b leans toward +x (image right) of a.
    """
    d = _f64(b) - _f64(a)
    _check_2d(d)
    with np.errstate(invalid="ignore"):
        angle = np.degrees(np.arctan2(d[..., 0], -d[..., 1]))
        return _nan_unless(_norm(d) > _MIN_LENGTH, angle if signed else np.abs(angle))


def inclination_from_horizontal_deg(a: ArrayLike, b: ArrayLike, *, signed: bool = False) -> FloatArray:
    """Angle of the line through a and b from the image horizontal.

    Signed: elevation of b seen from a, -90..90, + when b is higher in the image than a
    (whichever side of a it lies). Unsigned: 0..90.
    """
    d = _f64(b) - _f64(a)
    _check_2d(d)
    with np.errstate(invalid="ignore"):
        angle = np.degrees(np.arctan2(-d[..., 1], np.abs(d[..., 0])))
        return _nan_unless(_norm(d) > _MIN_LENGTH, angle if signed else np.abs(angle))


def signed_distance_to_line(p: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Perpendicular distance of p from the infinite line through a and b, in the points' units.

    + when p lies clockwise of the direction a->b on screen, i.e. on the right-hand side of
    someone walking from a to b on the screen (for a->b pointing right, + is below the line).
    """
    p, a, b = _f64(p), _f64(a), _f64(b)
    _check_2d(p, a, b)
    d = b - a
    length = _norm(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nan_unless(length > _MIN_LENGTH, _cross_2d(d, p - a) / length)


def torso_length(points: ArrayLike) -> FloatArray:
    """Shoulder-mid to hip-mid distance of landmark arrays (..., 33, D); the body's length scale.

    Each pair's midpoint falls back to its known member (see `midpoint_of_known`).
    """
    pts = _f64(points)
    shoulders = midpoint_of_known(pts[..., Landmark.LEFT_SHOULDER, :], pts[..., Landmark.RIGHT_SHOULDER, :])
    hips = midpoint_of_known(pts[..., Landmark.LEFT_HIP, :], pts[..., Landmark.RIGHT_HIP, :])
    length = _f64(distance(shoulders, hips))
    return _nan_unless(length > _MIN_LENGTH, length)


# ---------------------------------------------------------------------------------------------
# Back curvature from a segmentation mask

# Where the back edge is sampled, as fractions of the way from shoulder to hip. The ends stay
# clear of the shoulder blade's top and of the buttock, which bulge whatever the spine does.
DEFAULT_STATIONS: tuple[float, ...] = tuple(round(0.2 + 0.05 * i, 2) for i in range(13))   # 0.2 .. 0.8
MASK_THRESHOLD = 0.5           # mask value above which a pixel belongs to the person
_REACH_RATIO = 0.6             # how far beyond the shoulder-hip line the edge is looked for, / torso
_DEPTH_RATIO = 0.4             # how far below the line, for a back sagging under the joint line
_STEP_PX = 0.5                 # sampling step along each ray
_MIN_TORSO_PX = 4.0            # shorter torsos carry no usable shape
_MIN_INTERIOR_STATIONS = 3     # valid stations needed between the two chord ends


def _sample_bilinear(mask: FloatArray, xy: FloatArray) -> FloatArray:
    """Mask values at sub-pixel points (..., 2); NaN outside the image. Pixel centres are integers."""
    h, w = mask.shape
    x, y = xy[..., 0], xy[..., 1]
    inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    xc, yc = np.clip(np.nan_to_num(x), 0, w - 1), np.clip(np.nan_to_num(y), 0, h - 1)
    x0, y0 = np.minimum(np.floor(xc).astype(int), w - 2), np.minimum(np.floor(yc).astype(int), h - 2)
    fx, fy = xc - x0, yc - y0
    top = mask[y0, x0] * (1 - fx) + mask[y0, x0 + 1] * fx
    bottom = mask[y0 + 1, x0] * (1 - fx) + mask[y0 + 1, x0 + 1] * fx
    return np.where(inside, top * (1 - fy) + bottom * fy, np.nan)


def _crossing(t_a: float, t_b: float, v_a: float, v_b: float) -> float:
    """Where the linearly interpolated mask value crosses MASK_THRESHOLD between two samples."""
    return float(t_a + (MASK_THRESHOLD - v_a) / (v_b - v_a) * (t_b - t_a))


def _edge_offset(values: FloatArray, t: FloatArray, i0: int) -> float:
    """Offset along a ray of the silhouette's outer edge, from samples `values` at offsets `t`.

    The ray starts at index i0 on the shoulder-hip line. Inside the silhouette: the first exit
    going outward. Outside (a back sagging below the joint line): the nearest entry inward.
    NaN when the edge is not seen: the mask is unknown (off the image) on the way, or the
    silhouette does not end within the search range.
    """
    known = np.isfinite(values)
    inside = known & (values >= MASK_THRESHOLD)
    if not known[i0]:
        return math.nan
    if inside[i0]:
        exits = np.flatnonzero(~inside[i0:])
        if exits.size == 0:
            return math.nan
        j = i0 + int(exits[0])
        return _crossing(t[j - 1], t[j], values[j - 1], values[j]) if known[j] else math.nan
    entries = np.flatnonzero(inside[:i0])
    if entries.size == 0:
        return math.nan
    k = int(entries[-1])
    if not known[k:i0 + 1].all():
        return math.nan
    return _crossing(t[k], t[k + 1], values[k], values[k + 1])


def _bow_ratio(edges: FloatArray, valid: npt.NDArray[np.bool_], dorsal: FloatArray, torso_px: float) -> float:
    """Least-squares sagitta of the edge points against the chord joining the first and last.

    Deviations d(u) from the chord (u = 0..1 along it) are fitted with k * 4u(1-u), the
    parabola through both ends whose height at the middle is k: every station contributes,
    so one ragged edge pixel moves the result little. + = bowing in the dorsal direction.
    """
    start, end = edges[0], edges[-1]
    chord = end - start
    chord_len = float(distance(start, end))
    if not chord_len > _MIN_LENGTH:
        return math.nan
    normal = perpendicular_cw(chord / chord_len)
    if np.dot(normal, dorsal) < 0:
        normal = -normal
    inner, inner_valid = edges[1:-1], valid[1:-1]
    if np.count_nonzero(inner_valid) < _MIN_INTERIOR_STATIONS:
        return math.nan
    rel = inner[inner_valid] - start
    u = rel @ chord / chord_len**2
    deviation = rel @ normal
    shape = 4.0 * u * (1.0 - u)
    return float(np.sum(shape * deviation) / np.sum(shape * shape) / torso_px)


def back_curvature_ratio(mask: ArrayLike | None, shoulder_px: ArrayLike, hip_px: ArrayLike,
                         dorsal: ArrayLike, stations: tuple[float, ...] = DEFAULT_STATIONS) -> float:
    """Signed bow of the silhouette's back edge between shoulder and hip, / torso length.

    mask: (H, W) person segmentation 0..1. shoulder_px, hip_px: (2,) image points on the
    trunk line. dorsal: (2,) direction from the trunk line toward the back (it is made
    perpendicular to the trunk line and unit length here). At each station (a fraction of
    the way from shoulder to hip) a ray is cast along `dorsal` and the silhouette's outer
    edge found with sub-pixel precision. The bow is measured against the chord joining the
    first and last edge points, so a flat back reads ~0 however thick the body is.
    + = the edge bows outward (rounded back, flexion, "cat"); - = inward (sagging, "cow").
    NaN for a missing or empty mask, unknown or coincident points, a zero dorsal direction,
    or an edge not found at the end stations or at fewer than 3 stations between them.
    One frame at a time (a mask per frame): returns a Python float.
    """
    if len(stations) < 2 + _MIN_INTERIOR_STATIONS or list(stations) != sorted(stations) \
            or not 0.0 <= stations[0] < stations[-1] <= 1.0:
        raise ValueError(f"stations must be >= 5 increasing fractions in 0..1; got {stations}")
    if mask is None:
        return math.nan
    mask = _f64(mask)
    shoulder, hip, dorsal_vec = _f64(shoulder_px), _f64(hip_px), _f64(dorsal)
    if mask.ndim != 2 or min(mask.shape) < 2 or not np.isfinite(np.r_[shoulder, hip, dorsal_vec]).all():
        return math.nan
    axis = hip - shoulder
    torso_px = float(_norm(axis))
    if torso_px < _MIN_TORSO_PX:
        return math.nan
    axis_unit = axis / torso_px
    normal = dorsal_vec - np.dot(dorsal_vec, axis_unit) * axis_unit
    if not _norm(normal) > _MIN_LENGTH:
        return math.nan
    normal = normal / _norm(normal)

    n_back = math.ceil(_DEPTH_RATIO * torso_px / _STEP_PX)
    n_out = math.ceil(_REACH_RATIO * torso_px / _STEP_PX)
    t = np.arange(-n_back, n_out + 1) * _STEP_PX                              # (N,)
    bases = shoulder + np.asarray(stations)[:, None] * axis                   # (S, 2)
    samples = _sample_bilinear(mask, bases[:, None, :] + t[:, None] * normal)  # (S, N)
    offsets = np.array([_edge_offset(row, t, n_back) for row in samples])    # (S,)
    valid = np.isfinite(offsets)
    if not (valid[0] and valid[-1]):
        return math.nan
    edges = bases + np.where(valid, offsets, 0.0)[:, None] * normal
    return _bow_ratio(edges, valid, normal, torso_px)
