"""Frame sources: video files and cameras, yielding (media time, RGB image).

Nothing else in the project reads video. Times come from each frame's presentation
timestamp (variable frame rate phone videos) or, for a camera, from the capture clock;
never from frame index / fps. Frames are returned in square pixels and upright: a non-1:1
sample aspect ratio is rescaled and a rotation flag is applied, so angles measured on them
are true.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from coach.errors import InputError

log = logging.getLogger(__name__)

RgbImage = npt.NDArray[np.uint8]  # (H, W, 3)


@dataclass(frozen=True, slots=True)
class SourceFrame:
    t_s: float        # media time since the source started
    image: RgbImage   # (H, W, 3) RGB, square pixels, upright


@dataclass(frozen=True, slots=True)
class VideoInfo:
    path: Path
    width: int                 # square pixels, before any display rotation
    height: int
    duration_s: float | None   # None when the container does not say
    frame_count: int | None    # estimate, for progress bars only
    nominal_fps: float | None


class VideoFileSource:
    """Decodes a video file with PyAV (FFmpeg).

    Use as a context manager or call `close()`; iterate for `SourceFrame`s.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"Video not found: {self.path}", "Check the path and try again.")
        if not self.path.is_file():
            raise InputError(f"Not a video file: {self.path}", "Give the path of a video file, not a folder.")
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, UnicodeDecodeError) as exc:
            raise _unreadable(self.path, exc) from exc
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"No video stream in {self.path}", "Give a video file (mp4, mov, avi, webm, ...).")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._sar = _sample_aspect_ratio(self._stream)
        self.info = self._read_info()

    def _read_info(self) -> VideoInfo:
        stream = self._stream
        ctx = stream.codec_context
        width = round(ctx.width * self._sar) if self._sar > 1 else ctx.width
        height = round(ctx.height / self._sar) if self._sar < 1 else ctx.height
        duration_s = None
        if stream.duration is not None and stream.time_base is not None:
            duration_s = float(stream.duration * stream.time_base)
        elif self._container.duration is not None:
            duration_s = self._container.duration / av.time_base
        fps = float(stream.average_rate) if stream.average_rate else None
        frames = stream.frames or (round(duration_s * fps) if duration_s and fps else None)
        return VideoInfo(self.path, width, height, duration_s, frames, fps)

    def __iter__(self) -> Iterator[SourceFrame]:
        t0: float | None = None
        last_t = -np.inf
        try:
            for frame in self._container.decode(self._stream):
                t = frame.time
                if t is None:  # no timestamp at all: fall back to the nominal rate
                    t = last_t + 1.0 / (self.info.nominal_fps or 30.0) if np.isfinite(last_t) else 0.0
                t0 = t if t0 is None else t0
                t_s = float(t - t0)
                if t_s <= last_t:  # duplicate or reordered timestamp: the frame adds no time
                    continue
                last_t = t_s
                yield SourceFrame(t_s, self._upright(frame.to_ndarray(format="rgb24"), int(frame.rotation or 0)))
        except av.error.FFmpegError as exc:
            if t0 is None:
                raise _unreadable(self.path, exc) from exc
            # A damaged tail: keep what was decoded, say what happened.
            log.warning("Stopped reading %s at %.2f s: %s", self.path, last_t, exc)

    def _upright(self, image: RgbImage, rotation: int) -> RgbImage:
        """Square pixels, then the container's display rotation (degrees counter-clockwise)."""
        if self._sar != 1:
            h, w = image.shape[:2]
            size = (round(w * self._sar), h) if self._sar > 1 else (w, round(h / self._sar))
            image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
        turns = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, -90: cv2.ROTATE_90_CLOCKWISE, 270: cv2.ROTATE_90_CLOCKWISE,
                 -270: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, -180: cv2.ROTATE_180}
        return cv2.rotate(image, turns[rotation]) if rotation in turns else image

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> "VideoFileSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CameraSource:
    """A live camera through OpenCV; media time is the capture clock since opening."""

    def __init__(self, index: int = 0, width: int = 640, height: int = 480) -> None:
        self.index = index
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            self._capture.release()
            raise InputError(f"No camera at index {index}.",
                             "Plug in a camera, close other programs using it, or give a video with --source.")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def __iter__(self) -> Iterator[SourceFrame]:
        t0 = time.monotonic()
        while True:
            ok, bgr = self._capture.read()
            t_s = time.monotonic() - t0
            if not ok:
                raise InputError(f"The camera (index {self.index}) stopped sending pictures after {t_s:.1f} s.",
                                 "Check its cable; what was recorded so far is kept.")
            yield SourceFrame(t_s, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> "CameraSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def camera_available(index: int = 0) -> bool:
    capture = cv2.VideoCapture(index)
    try:
        return bool(capture.isOpened())
    finally:
        capture.release()


def _sample_aspect_ratio(stream: av.video.stream.VideoStream) -> Fraction:
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    if not sar or sar.numerator <= 0 or sar.denominator <= 0:
        return Fraction(1)
    return Fraction(sar.numerator, sar.denominator)


def _unreadable(path: Path, exc: Exception) -> InputError:
    return InputError(f"Cannot read {path} as a video ({exc.__class__.__name__}: {exc}).",
                      "The file may be damaged or not a video; re-export it as mp4 (H.264) and try again.")
