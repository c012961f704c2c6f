"""Small builders for tests: PoseFrames from a few named points, and drawn silhouette masks.

    frame = pose_frame({Landmark.LEFT_HIP: (300, 260), Landmark.LEFT_KNEE: (300, 360)})
    frame = side_view(STANDING_FACING_RIGHT)                 # near side left, far side slightly off
    frame = side_view(mirror_x(STANDING_FACING_RIGHT))      # the same pose facing left

Landmarks not given are unknown: NaN coordinates, visibility and presence 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from coach.frames import PoseFrame
from coach.landmarks import N_LANDMARKS, Landmark, Side, sided

IMAGE_SIZE = (640, 480)          # (width, height)
VISIBLE = 0.99
PX_PER_M = 500.0                 # world_m is derived from the image at this scale

Point = tuple[float, float]

# Side views in image pixels (x right, y down), torso 200 px. Keys are body parts without a
# side ("shoulder", "foot_index") or central landmarks ("nose").
STANDING_FACING_RIGHT: dict[str, Point] = {
    "nose": (325, 15), "ear": (300, 20), "shoulder": (300, 60), "elbow": (300, 150),
    "wrist": (305, 230), "hip": (300, 260), "knee": (300, 360), "ankle": (300, 455),
    "heel": (290, 465), "foot_index": (340, 465),
}
# On hands and knees, head to the right; arms and thighs vertical.
QUADRUPED_FACING_RIGHT: dict[str, Point] = {
    "nose": (495, 265), "ear": (470, 240), "shoulder": (420, 250), "elbow": (420, 325),
    "wrist": (420, 400), "hip": (220, 250), "knee": (220, 400), "ankle": (120, 400),
    "heel": (120, 385), "foot_index": (95, 400),
}


def mirror_x(parts: Mapping[str, Point], width: float = IMAGE_SIZE[0]) -> dict[str, Point]:
    """The same pose mirrored in the image (facing the other way)."""
    return {part: (width - x, y) for part, (x, y) in parts.items()}


def rotate(parts: Mapping[str, Point], center: Point, angle_deg: float) -> dict[str, Point]:
    """Parts rotated about `center`, clockwise on screen for positive angles."""
    a = np.radians(angle_deg)
    c, s = np.cos(a), np.sin(a)
    cx, cy = center
    return {part: (cx + c * (x - cx) - s * (y - cy), cy + s * (x - cx) + c * (y - cy))
            for part, (x, y) in parts.items()}


def pose_frame(points: Mapping[Landmark, Point], *, t_s: float = 0.0, image_size: tuple[int, int] = IMAGE_SIZE,
               visibility: Mapping[Landmark, float] | float = VISIBLE, z_px: Mapping[Landmark, float] | None = None,
               mask: np.ndarray | None = None, people: int = 1) -> PoseFrame:
    """A PoseFrame with the given landmarks known (visibility VISIBLE unless given, z 0 unless given).

    world_m is the image position (and z) at PX_PER_M, origin at the hip-mid when known.
    """
    xy = np.full((N_LANDMARKS, 2), np.nan)
    z = np.full(N_LANDMARKS, np.nan)
    vis = np.zeros(N_LANDMARKS)
    for lm, point in points.items():
        xy[lm] = point
        z[lm] = (z_px or {}).get(lm, 0.0)
        vis[lm] = visibility if isinstance(visibility, float) else visibility.get(lm, VISIBLE)
    world = np.column_stack([xy, z]) / PX_PER_M
    hips = world[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]]
    if np.isfinite(hips).all():
        world = world - hips.mean(axis=0)
    return PoseFrame(t_s=t_s, image_size=image_size, xy_px=xy, z_px=z, world_m=world,
                     visibility=vis, presence=(vis > 0).astype(float), people=people, mask=mask)


def side_view(parts: Mapping[str, Point], *, near: Side = Side.LEFT, far: Mapping[str, Point] | None = None,
              far_offset_px: Point = (3.0, 0.0), far_visibility: float = 0.7, depth_px: float = 40.0,
              t_s: float = 0.0, mask: np.ndarray | None = None,
              visibility: Mapping[Landmark, float] | None = None) -> PoseFrame:
    """A side view: the near side at `parts`, the far side `far_offset_px` away (or at `far`),
    less visible and `depth_px` deeper; `visibility` overrides single landmarks."""
    points: dict[Landmark, Point] = {}
    vis: dict[Landmark, float] = {}
    z: dict[Landmark, float] = {}
    far = far or {}
    for part, (x, y) in parts.items():
        if part.upper() in Landmark.__members__:
            points[Landmark[part.upper()]] = (x, y)
            continue
        near_lm, far_lm = sided(near, part), sided(near.opposite, part)
        points[near_lm] = (x, y)
        points[far_lm] = far.get(part, (x + far_offset_px[0], y + far_offset_px[1]))
        vis[near_lm], vis[far_lm] = VISIBLE, far_visibility
        z[near_lm], z[far_lm] = -depth_px / 2, depth_px / 2
    vis.update(visibility or {})
    return pose_frame(points, t_s=t_s, visibility=vis, z_px=z, mask=mask)


def trunk_mask(shoulder: Point, hip: Point, dorsal_sign: float, back_height: Callable[[np.ndarray], np.ndarray],
               *, belly_px: float = 60.0, overhang_px: float = 30.0,
               image_size: tuple[int, int] = IMAGE_SIZE) -> np.ndarray:
    """A (H, W) 0/1 silhouette of a trunk between `shoulder` and `hip`.

    Pixels are described in the trunk's frame: s along shoulder->hip (px, 0 at the shoulder),
    n across it toward the back (dorsal = the clockwise perpendicular times `dorsal_sign`).
    The body fills -belly_px <= n <= back_height(s) for s within the trunk +- overhang_px.
    """
    w, h = image_size
    ys, xs = np.mgrid[0:h, 0:w].astype(float)
    sh, hp = np.asarray(shoulder, float), np.asarray(hip, float)
    axis = (hp - sh) / np.linalg.norm(hp - sh)
    dorsal = dorsal_sign * np.array([-axis[1], axis[0]])
    rel_x, rel_y = xs - sh[0], ys - sh[1]
    s = rel_x * axis[0] + rel_y * axis[1]
    n = rel_x * dorsal[0] + rel_y * dorsal[1]
    length = np.linalg.norm(hp - sh)
    along = (s >= -overhang_px) & (s <= length + overhang_px)
    return (along & (n >= -belly_px) & (n <= back_height(s))).astype(np.float32)


def arc_back(length_px: float, radius_px: float, base_px: float, bulge: float) -> Callable[[np.ndarray], np.ndarray]:
    """Back height along the trunk: a circle arc of `radius_px` through base_px at both ends,
    bowing outward (bulge=+1, rounded) or inward (bulge=-1, sagging) in the middle."""
    half = length_px / 2

    def height(s: np.ndarray) -> np.ndarray:
        arc = np.sqrt(np.clip(radius_px**2 - (s - half) ** 2, 0, None)) - np.sqrt(radius_px**2 - half**2)
        return base_px + bulge * arc
    return height


def arc_sagitta(radius_px: float, chord_px: float) -> float:
    """Height of a circle arc of this radius over a chord of this length."""
    return radius_px - float(np.sqrt(radius_px**2 - (chord_px / 2) ** 2))
