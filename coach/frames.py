"""The values that flow between pipeline stages.

Arrays are numpy, read-only once a frame is built, indexed by `coach.landmarks.Landmark`.
A frame in which nobody was found is still a frame (`PoseFrame.empty`): downstream stages
need to know that time passed with no person in view.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from coach.landmarks import N_LANDMARKS

FloatArray = npt.NDArray[np.float32]


def _check_shape(name: str, array: np.ndarray, shape: tuple[int, ...]) -> None:
    if array.shape != shape:
        raise ValueError(f"PoseFrame.{name} needs shape {shape}; got {array.shape}")


@dataclass(frozen=True, slots=True)
class PoseFrame:
    """One person's pose at one instant of media time.

    Unknown values are NaN (coordinates) or 0 (visibility, presence); `people == 0` means
    no person was found and every landmark is unknown.
    """

    t_s: float                      # media time since the source started, seconds
    image_size: tuple[int, int]     # (width, height) in square pixels
    xy_px: FloatArray               # (33, 2) image x right, y down, square pixels
    z_px: FloatArray                # (33,) MediaPipe's relative depth, pixel scale; smaller = nearer the camera
    world_m: FloatArray             # (33, 3) metres, origin between the hips, y down
    visibility: FloatArray          # (33,) 0..1, likelihood the landmark is visible (not occluded)
    presence: FloatArray            # (33,) 0..1, likelihood the landmark is inside the image
    people: int = 1                 # how many people the pose model found (this frame is the first)
    # True when depth and hidden landmarks are measured (motion capture, a depth camera, the
    # performer's ground truth); False when a model guessed them from one image, as MediaPipe
    # does from a webcam. Metrics that need them (`Metric.needs_3d`) are unknown otherwise.
    measured_3d: bool = False
    mask: FloatArray | None = field(default=None, compare=False)  # (H, W) 0..1 person segmentation

    def __post_init__(self) -> None:
        n = N_LANDMARKS
        for name, shape in (("xy_px", (n, 2)), ("z_px", (n,)), ("world_m", (n, 3)),
                            ("visibility", (n,)), ("presence", (n,))):
            array = np.asarray(getattr(self, name), dtype=np.float32)
            _check_shape(name, array, shape)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if self.mask is not None:
            mask = np.asarray(self.mask, dtype=np.float32)
            w, h = self.image_size
            _check_shape("mask", mask, (h, w))
            mask.setflags(write=False)
            object.__setattr__(self, "mask", mask)

    @classmethod
    def empty(cls, t_s: float, image_size: tuple[int, int]) -> "PoseFrame":
        """A frame in which no person was found."""
        n = N_LANDMARKS
        nan = np.full
        return cls(t_s=t_s, image_size=image_size, xy_px=nan((n, 2), np.nan), z_px=nan(n, np.nan),
                   world_m=nan((n, 3), np.nan), visibility=np.zeros(n), presence=np.zeros(n), people=0)

    @property
    def has_pose(self) -> bool:
        return self.people > 0

    def with_landmarks(self, **arrays: np.ndarray) -> "PoseFrame":
        """A copy with some arrays replaced (e.g. smoothed or swap-repaired coordinates)."""
        return replace(self, **arrays)


@dataclass(frozen=True, slots=True)
class MetricFrame:
    """Named metric values at one instant; NaN means unknown (not measurable in this frame)."""

    t_s: float
    values: dict[str, float]

    def __getitem__(self, name: str) -> float:
        return self.values[name]
