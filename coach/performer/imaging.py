"""From the 3D body to what MediaPipe would report: pixels, depth, visibility, silhouette."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from coach.landmarks import Landmark
from coach.performer.camera import Camera
from coach.performer.skeleton import Capsule

FloatArray = npt.NDArray[np.float64]

HIDDEN_BEHIND_RATIO = 0.5    # a point this many radii behind a capsule's axis, under it, is hidden
_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, 24, endpoint=False)),
                    np.sin(np.linspace(0, 2 * np.pi, 24, endpoint=False))], axis=1)   # (24, 2)
_SUBPIXEL_BITS = 4


@dataclass(frozen=True, slots=True)
class Projected:
    """Landmarks of one frame as the pose model reports them (before degradation)."""

    xy_px: FloatArray        # (33, 2)
    z_px: FloatArray         # (33,) depth relative to the hip mid, pixel scale, + farther
    world_m: FloatArray      # (33, 3) camera-aligned metres, origin hip mid, y down
    inside: npt.NDArray[np.bool_]    # (33,) within the image
    hidden: npt.NDArray[np.bool_]    # (33,) behind another part of the body


def project(camera: Camera, landmarks_m: FloatArray, points_m: FloatArray,
            capsules: tuple[Capsule, ...]) -> Projected:
    xy, depth = camera.project(landmarks_m)
    hip_mid = (landmarks_m[Landmark.LEFT_HIP] + landmarks_m[Landmark.RIGHT_HIP]) / 2.0
    hip_depth = float(camera.to_camera(hip_mid)[2])
    z_px = (depth - hip_depth) * camera.focal_px / hip_depth
    world = (landmarks_m - hip_mid) @ camera.rotation.T
    w, h = camera.image_size
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h) & (depth > 0)
    bulky = tuple(c for c in capsules if c.occludes)
    return Projected(xy, z_px, world, inside, hidden_by_body(camera, xy, depth, points_m, bulky))


def hidden_by_body(camera: Camera, xy_px: FloatArray, depth_m: FloatArray, points_m: FloatArray,
                   capsules: tuple[Capsule, ...]) -> npt.NDArray[np.bool_]:
    """(N,) which image points lie under a capsule and clearly behind its axis.

    A landmark on a capsule's own axis (a joint) never hides itself, so no exclusion list is
    needed; the far shoulder, hip and ear of a side view are hidden by the trunk and head.
    """
    cxy, cdepth = camera.project(points_m)
    ia = np.array([c.a for c in capsules])
    ib = np.array([c.b for c in capsules])
    ra = np.array([c.radius_a_m for c in capsules])
    rb = np.array([c.radius_b_m for c in capsules])
    a, b = cxy[ia], cxy[ib]                                  # (C, 2)
    ab = b - a
    rel = xy_px[:, None, :] - a[None]                        # (N, C, 2)
    length2 = np.maximum((ab * ab).sum(axis=1), 1e-9)
    t = np.clip((rel * ab[None]).sum(axis=2) / length2, 0.0, 1.0)   # (N, C)
    dist = np.linalg.norm(rel - t[..., None] * ab[None], axis=2)
    axis_depth = cdepth[ia] + t * (cdepth[ib] - cdepth[ia])
    radius_m = ra + t * (rb - ra)
    radius_px = radius_m * camera.focal_px / np.maximum(axis_depth, 1e-6)
    under = dist < radius_px
    behind = depth_m[:, None] > axis_depth + HIDDEN_BEHIND_RATIO * radius_m
    return np.any(under & behind, axis=1)


def silhouette(camera: Camera, points_m: FloatArray,
               capsules: tuple[Capsule, ...]) -> npt.NDArray[np.float32]:
    """(H, W) person mask, 1 inside: every capsule drawn as the hull of its two end circles."""
    w, h = camera.image_size
    mask = np.zeros((h, w), np.uint8)
    xy, depth = camera.project(points_m)
    scale = float(1 << _SUBPIXEL_BITS)
    for cap in capsules:
        da, db = depth[cap.a], depth[cap.b]
        if da <= 0 or db <= 0:
            continue
        ends = np.vstack([xy[cap.a] + _CIRCLE * (cap.radius_a_m * camera.focal_px / da),
                          xy[cap.b] + _CIRCLE * (cap.radius_b_m * camera.focal_px / db)])
        hull = cv2.convexHull(np.round(ends * scale).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 1, lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)
    return mask.astype(np.float32)


# Visibility levels. Hidden landmarks stay above 0.5 because coach.metrics treats anything
# below as unknown, and a pose model does keep tracking a far-side limb it cannot see; a
# correct engine must be able to judge a clean clip. Dropouts below 0.5 are a degradation
# (`Degradation.low_visibility_ratio`).
SEEN_VISIBILITY = (0.93, 0.995)
HIDDEN_VISIBILITY = (0.55, 0.75)


@dataclass(frozen=True, slots=True)
class VisibilityModel:
    """Per-landmark visibility levels, drawn once per performance (seeded)."""

    seen: FloatArray      # (33,) level when in view
    hidden: FloatArray    # (33,) level when behind the trunk, head or a thigh

    @classmethod
    def draw(cls, rng: np.random.Generator) -> "VisibilityModel":
        n = len(Landmark)
        return cls(rng.uniform(*SEEN_VISIBILITY, n), rng.uniform(*HIDDEN_VISIBILITY, n))

    def of(self, frame: Projected, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """(visibility, presence) of one frame."""
        n = len(Landmark)
        vis = np.where(frame.hidden, np.maximum(self.hidden + rng.normal(0.0, 0.02, n), 0.51),
                       self.seen + rng.normal(0.0, 0.005, n))
        vis = np.where(frame.inside, np.clip(vis, 0.0, 1.0), 0.0)
        presence = np.where(frame.inside, 0.995, 0.0)
        return vis, presence
