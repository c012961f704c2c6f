"""The offline pipeline: a video file in, per-frame poses and angles (and, with an exercise,
the engine's events) out.

    source -> pose -> side swaps repaired -> smoothed -> angles / engine -> events

`coach analyze`, `coach bench` and `coach regress` all run `Pipeline`; only what they do
with the result differs. Stage times are measured here, once, for the benchmark.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from coach.coaching import Coach, faults_needing_3d, needs_mask
from coach.errors import InputError, NoPersonError
from coach.events import Event
from coach.frames import PoseFrame
from coach.geometry import inclination_from_vertical_deg, joint_angle_deg, midpoint
from coach.landmarks import Landmark as L
from coach.metrics import VISIBILITY_MIN
from coach.pose import PoseOptions, VideoPoseEstimator, find_model
from coach.side_swaps import SwapRepairer
from coach.smoothing import LandmarkSmoother
from coach.sources import VideoFileSource, VideoInfo

log = logging.getLogger(__name__)

# The angles every analysis reports, whatever the exercise: name -> (a, vertex, c), angle at the vertex.
STANDARD_ANGLES: dict[str, tuple[L, L, L]] = {
    "left_elbow_deg": (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
    "right_elbow_deg": (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST),
    "left_shoulder_deg": (L.LEFT_HIP, L.LEFT_SHOULDER, L.LEFT_ELBOW),
    "right_shoulder_deg": (L.RIGHT_HIP, L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
    "left_hip_deg": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE),
    "right_hip_deg": (L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE),
    "left_knee_deg": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right_knee_deg": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
}
STANDARD_COLUMNS = (*STANDARD_ANGLES, "trunk_incline_deg")


def standard_angles(xy_px: npt.NDArray, visibility: npt.NDArray) -> npt.NDArray[np.float64]:
    """(T, 33, 2) points and (T, 33) visibility -> (T, len(STANDARD_COLUMNS)) degrees, NaN = unknown.

    2D image angles: true only in the view each exercise prescribes (side or front)."""
    xy = np.where((visibility >= VISIBILITY_MIN)[..., None], xy_px, np.nan)
    columns = [joint_angle_deg(xy[:, a], xy[:, b], xy[:, c]) for a, b, c in STANDARD_ANGLES.values()]
    hips = midpoint(xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP])
    shoulders = midpoint(xy[:, L.LEFT_SHOULDER], xy[:, L.RIGHT_SHOULDER])
    columns.append(inclination_from_vertical_deg(hips, shoulders))
    return np.stack(columns, axis=-1)


@dataclass
class StageTimes:
    """Seconds spent per stage, summed over frames: what `coach bench` reports."""

    decode: float = 0.0
    pose: float = 0.0
    smoothing_geometry: float = 0.0
    rest: float = 0.0
    frames: int = 0


@dataclass
class AnalysisResult:
    info: VideoInfo
    model: Path
    frames: list[PoseFrame]                         # smoothed, swap-repaired; masks dropped
    times: StageTimes
    events: list[Event] = field(default_factory=list)   # engine and cue events, when an exercise was given
    exercise: str | None = None
    not_judged: tuple[str, ...] = ()    # fault codes this input cannot show (they need measured 3D)

    @property
    def frames_with_pose(self) -> int:
        return sum(f.has_pose for f in self.frames)

    @property
    def duration_s(self) -> float:
        return self.frames[-1].t_s if self.frames else 0.0

    def angles(self) -> npt.NDArray[np.float64]:
        """(T, len(STANDARD_COLUMNS)) degrees."""
        xy = np.stack([f.xy_px for f in self.frames])
        vis = np.stack([f.visibility for f in self.frames])
        return standard_angles(xy, vis)


class Pipeline:
    """Per-frame processing after pose estimation: swap repair, smoothing, then any consumer
    (the engine) that wants the smoothed frame."""

    def __init__(self, consumer: Callable[[PoseFrame], object] | None = None) -> None:
        self._swaps = SwapRepairer()
        self._smoother = LandmarkSmoother()
        self._consumer = consumer

    def process(self, frame: PoseFrame, times: StageTimes) -> PoseFrame:
        t0 = time.perf_counter()
        frame = self._smoother.update(self._swaps.update(frame))
        t1 = time.perf_counter()
        times.smoothing_geometry += t1 - t0
        if self._consumer is not None:
            self._consumer(frame)
            times.rest += time.perf_counter() - t1
        return frame


def iter_poses(path: Path, options: PoseOptions, times: StageTimes,
               max_frames: int | None = None) -> Iterator[tuple[VideoInfo, PoseFrame]]:
    """Decode and estimate, timing both stages."""
    with VideoFileSource(path) as source, VideoPoseEstimator(options) as estimator:
        frames = iter(source)
        while max_frames is None or times.frames < max_frames:
            t0 = time.perf_counter()
            item = next(frames, None)
            t1 = time.perf_counter()
            if item is None:
                return
            pose = estimator.estimate(item.image, item.t_s)
            times.decode += t1 - t0
            times.pose += time.perf_counter() - t1
            times.frames += 1
            yield source.info, pose


def analyze(path: Path | str, *, options: PoseOptions = PoseOptions(), coach: Coach | None = None,
            progress: Callable[[float, VideoInfo], None] | None = None,
            max_frames: int | None = None, require_person: bool = True) -> AnalysisResult:
    """Run the pipeline over a whole video. `progress(t_s, info)` is called after each frame;
    with `require_person`, a video in which nobody is found raises NoPersonError. With a `coach`,
    every frame goes through it and `result.events` holds what it said and saw."""
    path = Path(path)
    options = replace(options, model=find_model(options.model))  # fail on a bad model before decoding
    if coach is not None and needs_mask(coach.definition):
        options = replace(options, segmentation=True)
    times = StageTimes()
    events: list[Event] = []
    pipeline = Pipeline(None if coach is None else lambda frame: events.extend(coach.update(frame)))
    frames: list[PoseFrame] = []
    info = None
    for info, pose in iter_poses(path, options, times, max_frames):
        smoothed = pipeline.process(pose, times)
        frames.append(smoothed.with_landmarks(mask=None) if smoothed.mask is not None else smoothed)
        if progress is not None:
            progress(pose.t_s, info)
    if info is None:
        raise InputError(f"{path} holds no video frames.", "Check that the file plays in a video player.")
    if coach is not None:
        events.extend(coach.finish())
    blind = () if coach is None or any(f.measured_3d for f in frames) else faults_needing_3d(coach.definition)
    result = AnalysisResult(info=info, model=options.model, frames=frames, times=times, events=events,
                            exercise=None if coach is None else coach.definition.name, not_judged=blind)
    if require_person and result.frames_with_pose == 0:
        raise NoPersonError(f"No person found in {path} ({len(frames)} frames, {result.duration_s:.1f} s).",
                            "The whole body should be in view, lit from the front, not too small in the picture.")
    return result


def write_frames_csv(result: AnalysisResult, path: Path) -> None:
    """One row per frame: time, the standard angles, then every landmark's x, y, z and visibility."""
    angles = result.angles()
    header = ["t_s", "people", *STANDARD_COLUMNS]
    for lm in L:
        name = lm.name.lower()
        header += [f"{name}_x_px", f"{name}_y_px", f"{name}_z_px", f"{name}_visibility"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for frame, row_angles in zip(result.frames, angles):
            landmarks = np.column_stack([frame.xy_px, frame.z_px, frame.visibility]).ravel()
            writer.writerow([f"{frame.t_s:.4f}", frame.people, *_fmt(row_angles, 2), *_fmt(landmarks, 3)])


def _fmt(values: npt.NDArray, decimals: int) -> list[str]:
    return ["" if not np.isfinite(v) else f"{v:.{decimals}f}" for v in values]
