"""Writing rendered frames to an H.264 mp4 (PyAV, libx264, yuv420p)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from coach.performer import Camera, Performance
from coach.render.renderer import FrameRenderer, fit_camera
from coach.render.style import Style


def frame_rate(t_s: np.ndarray) -> Fraction:
    """The frame rate of a performance's evenly spaced frame times (dropped frames allowed)."""
    if len(t_s) < 2:
        return Fraction(30)
    step = float(np.min(np.diff(t_s)))
    return Fraction(1.0 / step).limit_denominator(1001)


def render_video(performance: Performance, path: Path | str, style: Style = Style(),
                 size: tuple[int, int] | None = None, *, camera: Camera | None = None,
                 crf: int = 26, preset: str = "slow",
                 progress: Callable[[int, int], None] | None = None) -> Path:
    """Render every frame of `performance` into an mp4 at its own frame times.

    Deterministic: the same performance, style, size and encoder settings give the same bytes
    (x264 single-threaded, without mb-tree). `progress(done, total)` is called after each frame.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    camera = fit_camera(camera or performance.camera, size)
    renderer = FrameRenderer(performance, style, camera)
    width, height = camera.image_size
    if width % 2 or height % 2:
        raise ValueError(f"yuv420p needs an even image size; got {width}x{height}")
    rate = frame_rate(performance.t_s)
    total = len(performance.t_s)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        time_base = 1 / rate              # the muxer may change stream.time_base after the header
        stream.time_base = stream.codec_context.time_base = time_base
        stream.codec_context.thread_count = 1
        # Single-threaded, and no macroblock tree: with it, x264 (core 165, preset slow) coded the
        # bottom-right macroblock differently from run to run (it reads memory it never wrote).
        stream.options = {"crf": str(crf), "preset": preset,
                          "x264-params": "threads=1:lookahead-threads=1:no-mbtree=1"}
        for i in range(total):
            frame = av.VideoFrame.from_ndarray(renderer.frame(i), format="rgb24").reformat(format="yuv420p")
            frame.pts = int(round(float(performance.t_s[i]) * rate))
            frame.time_base = time_base
            container.mux(stream.encode(frame))
            if progress is not None:
                progress(i + 1, total)
        container.mux(stream.encode())
    return path
