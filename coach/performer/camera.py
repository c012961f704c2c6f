"""A pinhole camera looking at the performer's scene (metres, y up, floor at y = 0)."""

from __future__ import annotations

from dataclasses import dataclass

import functools

import numpy as np
import numpy.typing as npt

from coach.performer.geometry import cross, unit


@dataclass(frozen=True, slots=True)
class Camera:
    """Pinhole camera with square pixels and the principal point at the image centre."""

    position_m: tuple[float, float, float]
    look_at_m: tuple[float, float, float]
    focal_px: float = 600.0                       # ~56 degrees horizontal field at 640 px
    image_size: tuple[int, int] = (640, 480)      # (width, height)
    up: tuple[float, float, float] = (0.0, 1.0, 0.0)

    def __post_init__(self) -> None:
        if self.focal_px <= 0 or min(self.image_size) <= 0:
            raise ValueError(f"Camera needs a positive focal length and image size; got "
                             f"{self.focal_px} px, {self.image_size}")
        if np.allclose(self.position_m, self.look_at_m):
            raise ValueError("Camera.position_m and look_at_m must differ")

    @property
    def rotation(self) -> npt.NDArray[np.float64]:
        """(3, 3) rows: camera right, down, forward in scene coordinates (MediaPipe's axes)."""
        return _rotation(self.position_m, self.look_at_m, self.up)

    def to_camera(self, points_m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """(..., 3) scene points in camera coordinates: x right, y down, z forward (depth)."""
        return (points_m - np.asarray(self.position_m)) @ self.rotation.T

    def project(self, points_m: npt.NDArray[np.float64]
                ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(..., 3) scene points -> ((..., 2) pixel xy, (...,) depth in metres)."""
        cam = self.to_camera(points_m)
        depth = cam[..., 2]
        safe = np.where(depth > 1e-6, depth, 1e-6)    # behind the camera: far off-image, not inf
        w, h = self.image_size
        xy = np.stack([w / 2.0 + self.focal_px * cam[..., 0] / safe,
                       h / 2.0 + self.focal_px * cam[..., 1] / safe], axis=-1)
        return xy, depth

    def shifted(self, ratio: float) -> "Camera":
        """The camera moved sideways (along its right axis) by `ratio` of the width it sees at
        the look-at distance: the scene slides the other way in the image."""
        distance = float(np.linalg.norm(np.subtract(self.look_at_m, self.position_m)))
        step = self.rotation[0] * ratio * distance * self.image_size[0] / self.focal_px
        return Camera(tuple(np.add(self.position_m, step)), tuple(np.add(self.look_at_m, step)),
                      self.focal_px, self.image_size, self.up)

    def turned(self, yaw_deg: float) -> "Camera":
        """The camera walked round the look-at point by `yaw_deg` about the vertical: a side view
        turned toward the front, as real footage is often filmed (up to ~45 deg off)."""
        c, s = np.cos(np.radians(yaw_deg)), np.sin(np.radians(yaw_deg))
        x, y, z = np.subtract(self.position_m, self.look_at_m)
        offset = (c * x + s * z, y, -s * x + c * z)
        return Camera(tuple(float(v) for v in np.add(self.look_at_m, offset)), self.look_at_m,
                      self.focal_px, self.image_size, self.up)

    def scaled(self, ratio: float) -> "Camera":
        """The same view of a body `ratio` times as tall (positions scale about the origin)."""
        return Camera(tuple(ratio * c for c in self.position_m), tuple(ratio * c for c in self.look_at_m),
                      self.focal_px, self.image_size, self.up)


@functools.lru_cache(maxsize=64)
def _rotation(position_m: tuple[float, ...], look_at_m: tuple[float, ...],
              up: tuple[float, ...]) -> npt.NDArray[np.float64]:
    forward = unit(np.subtract(look_at_m, position_m, dtype=np.float64))
    right = unit(cross(forward, np.asarray(up, dtype=np.float64)))
    rotation = np.vstack([right, cross(forward, right), forward])
    rotation.setflags(write=False)
    return rotation


REFERENCE_HEIGHT_M = 1.75

# Default views for a 1.75 m body (scaled with body height by `default_camera`). Side views
# look horizontally so the sagittal plane is parallel to the image and 2D angles are true;
# the floor exercises are filmed from about 0.45 m, as a phone on the floor or a low chair.
_DEFAULT_CAMERAS: dict[str, Camera] = {
    "hip_hinge": Camera((0.05, 0.90, 3.0), (0.05, 0.90, 0.0)),
    "bird_dog": Camera((0.0, 0.45, 3.0), (0.0, 0.45, 0.0)),
    "cat_cow": Camera((0.0, 0.45, 2.6), (0.0, 0.45, 0.0)),
    "glute_bridge": Camera((-0.1, 0.40, 2.8), (-0.1, 0.40, 0.0)),
    # Front view: the side plank faces the camera, lying along the image's x axis.
    "side_plank": Camera((0.0, 0.50, 3.0), (0.0, 0.40, 0.0)),
}


def default_camera(exercise: str, height_m: float) -> Camera:
    """The view an exercise is filmed from, for a body of the given height."""
    return _DEFAULT_CAMERAS[exercise].scaled(height_m / REFERENCE_HEIGHT_M)
