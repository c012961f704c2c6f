"""Real-footage trouble on demand: noise, jitter, dropped frames, swaps, dropouts, variable fps.

Every option defaults to off; all randomness comes from the performance's seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Degradation:
    noise_px: float = 0.0                  # gaussian landmark noise, standard deviation
    jitter_px: float = 0.0                 # slow wander of each landmark, RMS
    jitter_hz: float = 0.5                 # highest frequency of the wander
    drop_ratio: float = 0.0                # fraction of frames missing (timestamps jump)
    low_visibility_ratio: float = 0.0      # fraction of frames where a few landmarks drop below 0.5
    swap_ratio: float = 0.0                # fraction of frames with left and right swapped
    no_person_ratio: float = 0.0           # fraction of frames where nobody is found
    frame_interval_jitter_ratio: float = 0.0   # variable frame rate: each interval varies +-this
    stretch_s: float = 0.5                 # mean length of swap / low-visibility / no-person stretches
    # Landmarks hidden behind the body get a visibility drawn afresh each frame from this range
    # (real pose models flicker ~0.3-0.9 on the far side of a side view); None: steady 0.55-0.75.
    hidden_visibility: tuple[float, float] | None = None
    # The camera is knocked aside from start_s to end_s: the view moves by camera_shift_ratio of
    # its width (+ to the image's right), so part of the body leaves the frame.
    camera_shift_s: tuple[float, float] | None = None
    camera_shift_ratio: float = 0.5

    def __post_init__(self) -> None:
        for name in ("drop_ratio", "low_visibility_ratio", "swap_ratio", "no_person_ratio"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"Degradation.{name} must be in [0, 1); got {getattr(self, name)}")
        if not 0.0 <= self.frame_interval_jitter_ratio < 1.0:
            raise ValueError("Degradation.frame_interval_jitter_ratio must be in [0, 1)")
        if min(self.noise_px, self.jitter_px, self.jitter_hz, self.stretch_s) < 0:
            raise ValueError("Degradation amounts must not be negative")
        if self.hidden_visibility is not None and not 0.0 <= self.hidden_visibility[0] <= self.hidden_visibility[1] <= 1.0:
            raise ValueError(f"Degradation.hidden_visibility must be (low, high) within [0, 1]; got {self.hidden_visibility}")
        if self.camera_shift_s is not None and not self.camera_shift_s[0] < self.camera_shift_s[1]:
            raise ValueError(f"Degradation.camera_shift_s must be (start, end) with start < end; got {self.camera_shift_s}")


def frame_times(duration_s: float, fps: float, d: Degradation, rng: np.random.Generator) -> FloatArray:
    """Presentation times of the frames the camera produced (before any are dropped)."""
    n = int(np.floor(duration_s * fps + 1e-9)) + 1
    if d.frame_interval_jitter_ratio <= 0:
        return np.arange(n) / fps
    intervals = (1.0 + d.frame_interval_jitter_ratio * rng.uniform(-1.0, 1.0, n - 1)) / fps
    t = np.concatenate([[0.0], np.cumsum(intervals)])
    return t[t <= duration_s + 1e-9]


def stretches(n: int, ratio: float, mean_len: float, rng: np.random.Generator) -> BoolArray:
    """(n,) True on random stretches covering about `ratio` of the frames."""
    marked = np.zeros(n, bool)
    want = int(round(ratio * n))
    for _ in range(10 * n):
        if marked.sum() >= want:
            break
        start = int(rng.integers(0, n))
        marked[start:start + max(1, int(rng.poisson(max(mean_len, 1.0))))] = True
    return marked


def jitter_px(t_s: FloatArray, d: Degradation, shape: tuple[int, int],
              rng: np.random.Generator) -> FloatArray:
    """(T, *shape) smooth wander: a few random sinusoids per coordinate, RMS jitter_px."""
    waves = 3
    freq = rng.uniform(0.2, 1.0, (waves, *shape)) * d.jitter_hz
    phase = rng.uniform(0.0, 2.0 * np.pi, (waves, *shape))
    s = np.sin(2.0 * np.pi * freq[None] * t_s[:, None, None, None] + phase[None]).sum(axis=1)
    return s * (d.jitter_px * np.sqrt(2.0 / waves))


def low_visibility(n: int, n_landmarks: int, d: Degradation, fps: float,
                   rng: np.random.Generator) -> FloatArray:
    """(n, n_landmarks) visibility caps: 1 normally, 0.05-0.45 for a few landmarks in stretches."""
    caps = np.ones((n, n_landmarks))
    frames = stretches(n, d.low_visibility_ratio, d.stretch_s * fps, rng)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], frames.astype(int), [0]])))
    for start, end in zip(edges[::2], edges[1::2]):
        chosen = rng.choice(n_landmarks, size=int(rng.integers(1, 5)), replace=False)
        caps[start:end, chosen] = rng.uniform(0.05, 0.45, len(chosen))
    return caps
