"""Causal One Euro filtering of landmarks (Casiez, Roussel and Vogel, CHI 2012).

A One Euro filter is a first-order low-pass whose cutoff rises with the signal's speed:
still landmarks are smoothed hard (little jitter), moving ones lightly (little lag). It is
driven by each frame's media time `t_s`, so variable frame rates and dropped frames are
handled by the time step itself, never by frame counts.

Every array element (one coordinate of one landmark) has its own state. An element that is
unknown (NaN) outputs NaN and forgets its state; when it comes back it starts afresh from
its new value, without touching any other element.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coach.frames import PoseFrame
from coach.geometry import torso_length

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class OneEuroConfig:
    """One Euro parameters; speeds are measured in `scale` units per second (see `OneEuroFilter.update`).

    Defaults, with speeds in torso lengths per second (LandmarkSmoother's scale):
    - min_cutoff_hz = 1.0: the cutoff of a still landmark. Time constant 0.16 s, i.e. about
      five frames' averaging at 30 fps, which removes MediaPipe's frame-to-frame jitter of a
      few pixels, while a pose held for a second has settled long before any hold timer.
    - beta = 4.0 per (torso length / s): the exercises move a landmark at roughly 0.3 to 1.5
      torso lengths per second, which lifts the cutoff to about 2 to 7 Hz, so a moving joint
      lags by a frame or two and rep turning points are not smeared.
    - d_cutoff_hz = 1.0: the speed estimate's own low-pass, the value the paper recommends;
      it keeps jitter from masquerading as speed.
    - reset_after_s = 0.5: state older than this (pose lost, long frame drop) is dropped, so a
      person re-entering the view is not dragged from where they were last seen.
    """

    min_cutoff_hz: float = 1.0
    beta: float = 4.0
    d_cutoff_hz: float = 1.0
    reset_after_s: float = 0.5

    def __post_init__(self) -> None:
        for name in ("min_cutoff_hz", "d_cutoff_hz", "reset_after_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"OneEuroConfig.{name} must be > 0; got {getattr(self, name)}")
        if not self.beta >= 0:
            raise ValueError(f"OneEuroConfig.beta must be >= 0; got {self.beta}")


def _alpha(cutoff_hz: FloatArray | float, dt_s: FloatArray) -> FloatArray:
    """Smoothing factor of a first-order low-pass with this cutoff over a step dt."""
    r = 2.0 * math.pi * np.asarray(cutoff_hz) * dt_s
    return r / (r + 1.0)


class OneEuroFilter:
    """A causal One Euro filter over a fixed-shape array of independent elements."""

    def __init__(self, config: OneEuroConfig | None = None) -> None:
        self.config = config or OneEuroConfig()
        self._value: FloatArray | None = None    # filtered value per element; NaN = no state
        self._speed: FloatArray | None = None    # filtered derivative per element, units / s
        self._t_s: FloatArray | None = None      # time of each element's last update; NaN = no state

    def reset(self) -> None:
        self._value = self._speed = self._t_s = None

    def update(self, x: npt.ArrayLike, t_s: float, scale: float = 1.0) -> FloatArray:
        """Filter one sample taken at media time t_s; returns the filtered array (same shape).

        scale: the length unit for `beta` (e.g. the body's torso length in the same units as
        x), so one configuration fits any resolution and distance from the camera.
        Time that does not move forward (a seek, a repeated timestamp) restarts the elements.
        """
        x = np.asarray(x, dtype=np.float64)
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"OneEuroFilter.update needs a positive scale; got {scale}")
        if self._value is None:
            self._value, self._speed, self._t_s = (np.full(x.shape, np.nan) for _ in range(3))
        elif x.shape != self._value.shape:
            raise ValueError(f"OneEuroFilter got shape {x.shape}; it was started with {self._value.shape}")
        cfg = self.config
        known = np.isfinite(x)
        with np.errstate(invalid="ignore"):
            dt = t_s - self._t_s
            going_on = known & (dt > 0) & (dt <= cfg.reset_after_s)
        dt = np.where(going_on, dt, 1.0)
        value, speed = np.nan_to_num(self._value), np.nan_to_num(self._speed)

        raw_speed = (x - value) / dt
        speed = speed + _alpha(cfg.d_cutoff_hz, dt) * (raw_speed - speed)
        cutoff = cfg.min_cutoff_hz + cfg.beta * np.abs(speed) / scale
        filtered = value + _alpha(cutoff, dt) * (x - value)

        out = np.where(going_on, filtered, np.where(known, x, np.nan))
        self._value = out.copy()
        self._speed = np.where(going_on, speed, np.where(known, 0.0, np.nan))
        self._t_s = np.where(known, t_s, np.nan)
        return out


# Speed scales used before the body's size has been seen.
_TYPICAL_TORSO_M = 0.5
_TORSO_FRACTION_OF_IMAGE = 0.25


class LandmarkSmoother:
    """One Euro filtering of a PoseFrame's coordinates (xy_px, z_px, world_m).

    Visibility, presence and the mask pass through untouched. Frames without a person pass
    through and leave the state as it was (`reset_after_s` decides whether it is still used).
    Speeds are measured in torso lengths per second, so the defaults suit any resolution.
    """

    def __init__(self, config: OneEuroConfig | None = None) -> None:
        self.config = config or OneEuroConfig()
        self._xy = OneEuroFilter(self.config)
        self._z = OneEuroFilter(self.config)
        self._world = OneEuroFilter(self.config)
        self._torso_px = math.nan
        self._torso_m = math.nan

    def reset(self) -> None:
        for f in (self._xy, self._z, self._world):
            f.reset()
        self._torso_px = self._torso_m = math.nan

    def update(self, frame: PoseFrame) -> PoseFrame:
        if not frame.has_pose:
            return frame
        torso_px, torso_m = self._scales(frame)
        return frame.with_landmarks(
            xy_px=self._xy.update(frame.xy_px, frame.t_s, torso_px),
            z_px=self._z.update(frame.z_px, frame.t_s, torso_px),
            world_m=self._world.update(frame.world_m, frame.t_s, torso_m),
        )

    def _scales(self, frame: PoseFrame) -> tuple[float, float]:
        """This frame's torso length in px and m, else the last one seen, else a typical one."""
        px, m = float(torso_length(frame.xy_px)), float(torso_length(frame.world_m))
        if math.isfinite(px):
            self._torso_px = px
        if math.isfinite(m):
            self._torso_m = m
        fallback_px = _TORSO_FRACTION_OF_IMAGE * max(frame.image_size)
        return (self._torso_px if math.isfinite(self._torso_px) else fallback_px,
                self._torso_m if math.isfinite(self._torso_m) else _TYPICAL_TORSO_M)
