"""Small test media: real photos from Debian's opencv-doc package and videos written on the fly."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")


def real_photo(name: str = "messi5.jpg") -> np.ndarray:
    """An RGB photo of a person (opencv-doc; scripts/bootstrap.sh installs it)."""
    path = OPENCV_DATA / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: install Debian's opencv-doc (scripts/bootstrap.sh does)")
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def write_video(path: Path, frames: list[np.ndarray], *, fps: int = 30,
                times_s: list[float] | None = None, sar: Fraction | None = None) -> Path:
    """H.264 mp4 of RGB frames; `times_s` gives variable frame timing, `sar` a non-square pixel shape."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        if sar is not None:
            stream.codec_context.sample_aspect_ratio = sar
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = round((times_s[i] if times_s else i / fps) * 1000)
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
