"""MediaPipe PoseLandmarker behind a small interface; the only module that imports mediapipe.

MediaPipe's result objects stop here: callers get `coach.frames.PoseFrame`s with numpy arrays.
Files run in VIDEO mode (tracking between frames, strictly increasing timestamps); cameras in
LIVE_STREAM mode, where MediaPipe drops frames it cannot keep up with and answers through a
callback.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.errors import ModelError
from coach.frames import PoseFrame
from coach.landmarks import N_LANDMARKS
from coach.sources import RgbImage

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = "pose_landmarker_full.task"
# Official bundles a user may drop into models/, tried after the default, most accurate first.
OTHER_MODELS = ("pose_landmarker_heavy.task", "pose_landmarker_lite.task")


def find_model(explicit: Path | str | None = None) -> Path:
    """The model to load: --model, else $COACH_MODEL, else the bundle in models/."""
    chosen = explicit or os.environ.get("COACH_MODEL")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise ModelError(f"Pose model not found: {path}",
                             "Give the path of a pose_landmarker_*.task file (see models/README.md).")
        return path
    for name in (DEFAULT_MODEL, *OTHER_MODELS):
        if (MODELS_DIR / name).is_file():
            return MODELS_DIR / name
    raise ModelError(f"No pose model in {MODELS_DIR}",
                     "Rebuild it with `bash models/rebuild.sh`, or pass --model PATH (see models/README.md).")


@dataclass(frozen=True, slots=True)
class PoseOptions:
    model: Path | None = None
    max_people: int = 2                 # >1 so that "only one person in view, please" can be said
    segmentation: bool = False          # the silhouette mask, for back curvature
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5


def _landmarker_options(options: PoseOptions, mode: str, callback: Callable | None = None):  # noqa: ANN202
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import pose_landmarker as pl
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode

    model = find_model(options.model)
    return pl.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=VisionTaskRunningMode[mode],
        num_poses=options.max_people,
        min_pose_detection_confidence=options.min_detection_confidence,
        min_pose_presence_confidence=options.min_presence_confidence,
        min_tracking_confidence=options.min_tracking_confidence,
        output_segmentation_masks=options.segmentation,
        result_callback=callback,
    )


@contextmanager
def native_log_to_logging() -> Iterator[None]:
    """Route what native code writes to file descriptor 2 meanwhile into Python logging.

    MediaPipe's C++ side prints setup notices straight to stderr while it builds its graph and
    runs the first image ("Created TensorFlow Lite XNNPACK delegate", "Feedback manager
    requires...", "Using NORM_RECT without IMAGE_DIMENSIONS..."); this version has no switch
    for them. They are logged at INFO (`coach -v` shows them); its errors (E/F lines) at WARNING.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines():
                if line.strip():
                    (log.warning if line[:1] in ("E", "F") else log.info)("mediapipe: %s", line)


def _create(options: PoseOptions, mode: str, callback: Callable | None = None):  # noqa: ANN202
    from mediapipe.tasks.python.vision import pose_landmarker as pl

    opts = _landmarker_options(options, mode, callback)
    try:
        with native_log_to_logging():
            return pl.PoseLandmarker.create_from_options(opts)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"Cannot load the pose model {opts.base_options.model_asset_path}: {exc}",
                         "Use a MediaPipe pose_landmarker_*.task bundle; `bash models/rebuild.sh` rebuilds ours.") from exc


def _mp_image(image: RgbImage):  # noqa: ANN202
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))


def to_pose_frame(result, t_s: float, image_size: tuple[int, int]) -> PoseFrame:  # noqa: ANN001
    """Convert MediaPipe's result for one image; the first person found is the one coached."""
    if not result.pose_landmarks:
        return PoseFrame.empty(t_s, image_size)
    w, h = image_size
    raw = np.array([(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in result.pose_landmarks[0]],
                   dtype=np.float32).reshape(N_LANDMARKS, 5)
    world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]], dtype=np.float32)
    mask = None
    if result.segmentation_masks:
        mask = np.array(result.segmentation_masks[0].numpy_view(), dtype=np.float32).reshape(h, w)
    return PoseFrame(
        t_s=t_s, image_size=image_size,
        xy_px=raw[:, :2] * np.array([w, h], dtype=np.float32),
        z_px=raw[:, 2] * w,  # MediaPipe's z shares x's scale (normalised by image width)
        world_m=world, visibility=raw[:, 3], presence=raw[:, 4],
        people=len(result.pose_landmarks), mask=mask,
    )


class VideoPoseEstimator:
    """PoseLandmarker in VIDEO mode: one call per decoded frame, in order."""

    def __init__(self, options: PoseOptions = PoseOptions()) -> None:
        self.options = options
        self.model_path = find_model(options.model)
        self._landmarker = _create(options, "VIDEO")
        self._last_ms = -1

    def estimate(self, image: RgbImage, t_s: float) -> PoseFrame:
        # MediaPipe refuses equal or decreasing timestamps; sub-millisecond steps still advance.
        t_ms = max(self._last_ms + 1, int(round(t_s * 1000)))
        first = self._last_ms < 0
        self._last_ms = t_ms
        # The graph's remaining setup notices come with the first image.
        with native_log_to_logging() if first else nullcontext():
            result = self._landmarker.detect_for_video(_mp_image(image), t_ms)
        return to_pose_frame(result, t_s, (image.shape[1], image.shape[0]))

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> "VideoPoseEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LivePoseEstimator:
    """PoseLandmarker in LIVE_STREAM mode: `submit` returns at once; results arrive on
    `on_result(frame)` from MediaPipe's thread. Frames submitted while the model is busy are
    dropped by MediaPipe, so the newest frame wins."""

    def __init__(self, on_result: Callable[[PoseFrame], None], options: PoseOptions = PoseOptions()) -> None:
        self.options = options
        self.model_path = find_model(options.model)
        self._on_result = on_result
        self._sizes: dict[int, tuple[int, int]] = {}
        self._times: dict[int, float] = {}
        self._lock = threading.Lock()
        self._last_ms = -1
        self._landmarker = _create(options, "LIVE_STREAM", self._callback)

    def submit(self, image: RgbImage, t_s: float) -> None:
        t_ms = max(self._last_ms + 1, int(round(t_s * 1000)))
        self._last_ms = t_ms
        with self._lock:
            self._sizes[t_ms] = (image.shape[1], image.shape[0])
            self._times[t_ms] = t_s
        self._landmarker.detect_async(_mp_image(image), t_ms)

    def _callback(self, result, _image, t_ms: int) -> None:  # noqa: ANN001
        with self._lock:
            size = self._sizes.pop(t_ms, None)
            t_s = self._times.pop(t_ms, t_ms / 1000)
            for stale in [k for k in self._sizes if k < t_ms]:  # frames MediaPipe dropped
                del self._sizes[stale], self._times[stale]
        if size is not None:
            self._on_result(to_pose_frame(result, t_s, size))

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> "LivePoseEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
