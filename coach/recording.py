"""Session recording: each live session written to its own folder, incrementally and crash-safe.

    <data dir>/sessions/<YYYYmmdd-HHMMSS>-<name>/
      meta.json      what was run, with which software and model; rewritten with "ended" at the end
      video.mp4      the processed frames, H.264 in fragmented MP4: one fragment per keyframe (about
                     one a second), each written out whole, so a killed app leaves a playable file
      landmarks.bin  the smoothed landmarks of each frame, fixed-size records after a JSON header,
                     flushed every second of media time
      events.jsonl   every engine, cue and programme event, one JSON object a line, flushed at once

Killing the app loses at most the last second or so. `read_session` loads whatever is there and
lists what is missing or damaged. docs/session_format.md describes the format for readers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import av
import cv2
import numpy as np
import numpy.typing as npt

from coach.events import EVENT_TYPES, event_from_dict, event_to_dict
from coach.frames import PoseFrame
from coach.landmarks import N_LANDMARKS
from coach.programme import PROGRAMME_EVENT_TYPES, LiveEvent

log = logging.getLogger(__name__)

SCHEMA = 1
META_FILE, VIDEO_FILE, LANDMARKS_FILE, EVENTS_FILE = "meta.json", "video.mp4", "landmarks.bin", "events.jsonl"
LANDMARKS_MAGIC = b"COACHLM\n"                  # 8 bytes, then uint32 LE header length, then JSON header
FLUSH_EVERY_S = 1.0                              # media seconds between landmark flushes and keyframes
_MP4_OPTIONS = {"movflags": "frag_keyframe+empty_moov+default_base_moof", "flush_packets": "1"}
_X264_OPTIONS = {"preset": "ultrafast", "tune": "zerolatency", "forced-idr": "1", "g": "600"}

# One landmark record; the header repeats this layout so readers need no code from here.
LANDMARK_FIELDS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("t_s", "<f8", ()), ("people", "<i4", ()), ("xy_px", "<f4", (N_LANDMARKS, 2)),
    ("z_px", "<f4", (N_LANDMARKS,)), ("world_m", "<f4", (N_LANDMARKS, 3)),
    ("visibility", "<f4", (N_LANDMARKS,)), ("presence", "<f4", (N_LANDMARKS,)),
)
LANDMARK_DTYPE = np.dtype([(name, fmt, shape) for name, fmt, shape in LANDMARK_FIELDS])


def default_data_dir() -> Path:
    """$COACH_DATA_DIR, else $XDG_DATA_HOME/backcoach, else ~/.local/share/backcoach."""
    if os.environ.get("COACH_DATA_DIR"):
        return Path(os.environ["COACH_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "backcoach"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_session_dir(data_dir: Path, name: str, now: datetime | None = None) -> Path:
    """A new, empty folder sessions/<timestamp>-<name> under the data dir."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    sessions = Path(data_dir) / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        folder = sessions / (f"{stamp}-{name}" if n == 1 else f"{stamp}-{name}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"too many sessions named {stamp}-{name} in {sessions}")


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Readers see the old file or the new one, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------- writing


class _VideoWriter:
    """H.264 in fragmented MP4 on media time; a keyframe (and so a fragment) every FLUSH_EVERY_S."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._container: Any = None
        self._stream: Any = None
        self._size: tuple[int, int] | None = None   # (width, height), even
        self._last_pts = -1
        self._last_key_s = -math.inf
        self.failed = False

    def write(self, image: npt.NDArray[np.uint8], t_s: float) -> None:
        if self.failed:
            return
        try:
            self._write(image, t_s)
        except (av.error.FFmpegError, ValueError) as exc:   # the session goes on without video
            log.error("video recording stopped at %.2f s: %s", t_s, exc)
            self.failed = True

    def _write(self, image: npt.NDArray[np.uint8], t_s: float) -> None:
        if self._container is None:
            self._open(image.shape[1] // 2 * 2, image.shape[0] // 2 * 2)
        assert self._size is not None
        w, h = self._size
        if image.shape[:2] != (h, w):
            image = image[:h, :w] if image.shape[0] >= h and image.shape[1] >= w else cv2.resize(image, (w, h))
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = self._last_pts = max(self._last_pts + 1, round(t_s * 1000))
        frame.time_base = Fraction(1, 1000)
        if t_s - self._last_key_s >= FLUSH_EVERY_S:
            frame.pict_type = av.video.frame.PictureType.I
            self._last_key_s = t_s
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def _open(self, width: int, height: int) -> None:
        self._container = av.open(str(self.path), "w", format="mp4", options=_MP4_OPTIONS)
        stream = self._container.add_stream("libx264", rate=30, options=_X264_OPTIONS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        self._stream, self._size = stream, (width, height)

    def close(self) -> None:
        if self._container is None:
            return
        try:
            if not self.failed:
                for packet in self._stream.encode():
                    self._container.mux(packet)
            self._container.close()
        except av.error.FFmpegError as exc:
            log.error("closing %s: %s", self.path, exc)
        self._container = None


class _LandmarkWriter:
    """Append-only fixed-size records; the header is written with the first frame."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = None
        self._last_flush_s = -math.inf
        self.frames = 0

    def write(self, pose: PoseFrame) -> None:
        if self._file is None:
            self._file = self.path.open("wb")
            self._file.write(_landmark_header(pose.image_size))
            self._file.flush()
        record = np.zeros((), LANDMARK_DTYPE)
        record["t_s"], record["people"] = pose.t_s, pose.people
        for name in ("xy_px", "z_px", "world_m", "visibility", "presence"):
            record[name] = getattr(pose, name)
        self._file.write(record.tobytes())
        self.frames += 1
        if pose.t_s - self._last_flush_s >= FLUSH_EVERY_S:
            self._file.flush()
            self._last_flush_s = pose.t_s

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _landmark_header(image_size: tuple[int, int]) -> bytes:
    header = {"format": "coach-landmarks", "version": 1, "landmarks": N_LANDMARKS,
              "image_size": list(image_size), "record_bytes": LANDMARK_DTYPE.itemsize,
              "fields": [[name, fmt, list(shape)] for name, fmt, shape in LANDMARK_FIELDS]}
    body = json.dumps(header).encode()
    return LANDMARKS_MAGIC + struct.pack("<I", len(body)) + body


class SessionRecorder:
    """Writes one session folder. Not thread-safe: call it from the loop's processing thread."""

    def __init__(self, folder: Path, meta: Mapping[str, Any]) -> None:
        self.path = Path(folder)
        self.path.mkdir(parents=True, exist_ok=True)
        self.meta = {"schema": SCHEMA, **meta, "files": {"video": VIDEO_FILE, "landmarks": LANDMARKS_FILE,
                                                          "events": EVENTS_FILE}, "ended": None}
        write_json_atomic(self.path / META_FILE, self.meta)
        self._events: TextIO = (self.path / EVENTS_FILE).open("a", encoding="utf-8")
        self._video = _VideoWriter(self.path / VIDEO_FILE)
        self._landmarks = _LandmarkWriter(self.path / LANDMARKS_FILE)
        self._last_t_s = 0.0
        self._closed = False

    @classmethod
    def create(cls, data_dir: Path, name: str, meta: Mapping[str, Any]) -> "SessionRecorder":
        return cls(new_session_dir(data_dir, name), meta)

    def write_frame(self, image: npt.NDArray[np.uint8], pose: PoseFrame) -> None:
        """The processed image and its smoothed landmarks, at the pose's media time."""
        self._video.write(image, pose.t_s)
        self._landmarks.write(pose.with_landmarks(mask=None) if pose.mask is not None else pose)
        self._last_t_s = pose.t_s

    def write_events(self, events: Iterable[LiveEvent]) -> None:
        lines = [json.dumps(event_to_dict(e)) + "\n" for e in events]
        if lines:
            self._events.write("".join(lines))
            self._events.flush()

    def close(self, reason: str, message: str = "", summary: Mapping[str, Any] | None = None) -> None:
        """Finish the files and record how the session ended."""
        if self._closed:
            return
        self._closed = True
        self._video.close()
        self._landmarks.close()
        self._events.close()
        self.meta["ended"] = {"at": datetime.now().astimezone().isoformat(timespec="seconds"),
                              "reason": reason, "message": message, "last_t_s": round(self._last_t_s, 3),
                              "frames": self._landmarks.frames, "video_failed": self._video.failed,
                              **(summary or {})}
        write_json_atomic(self.path / META_FILE, self.meta)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class LandmarkTrack:
    """Per-frame smoothed landmarks: arrays with T rows (see LANDMARK_FIELDS for shapes)."""

    image_size: tuple[int, int]
    t_s: npt.NDArray[np.float64]            # (T,)
    people: npt.NDArray[np.int32]           # (T,)
    xy_px: npt.NDArray[np.float32]          # (T, 33, 2)
    z_px: npt.NDArray[np.float32]           # (T, 33)
    world_m: npt.NDArray[np.float32]        # (T, 33, 3)
    visibility: npt.NDArray[np.float32]     # (T, 33)
    presence: npt.NDArray[np.float32]       # (T, 33)

    def __len__(self) -> int:
        return len(self.t_s)


@dataclass
class RecordedSession:
    path: Path
    meta: dict[str, Any]
    events: list[LiveEvent] = field(default_factory=list)
    landmarks: LandmarkTrack | None = None
    video: Path | None = None
    video_end_s: float | None = None        # media time of the last readable video packet
    problems: list[str] = field(default_factory=list)   # what is missing or damaged, for people

    @property
    def ended_cleanly(self) -> bool:
        return bool(self.meta.get("ended"))


def read_session(path: Path | str) -> RecordedSession:
    """Everything readable in a session folder; damage is listed in `problems`, never raised."""
    folder = Path(path)
    problems: list[str] = []
    session = RecordedSession(folder, _read_meta(folder / META_FILE, problems), problems=problems)
    session.events = _read_events(folder / EVENTS_FILE, problems)
    session.landmarks = _read_landmarks(folder / LANDMARKS_FILE, problems)
    session.video, session.video_end_s = _check_video(folder / VIDEO_FILE, problems)
    if session.meta and not session.ended_cleanly:
        problems.append("The session did not end cleanly (the app stopped or was killed); "
                        "everything up to the last second or so before that is kept.")
    return session


def _read_meta(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        problems.append(f"{path.name} is missing: what was run and with which model is unknown.")
    except (json.JSONDecodeError, ValueError) as exc:
        problems.append(f"{path.name} is damaged ({exc}).")
    return {}


def _read_events(path: Path, problems: list[str]) -> list[LiveEvent]:
    if not path.is_file():
        problems.append(f"{path.name} is missing: no events were recorded.")
        return []
    events: list[LiveEvent] = []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for number, line in enumerate(lines, 1):
        try:
            events.append(event_from_dict(json.loads(line), LOG_EVENT_TYPES))
        except (json.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
            last = number == len(lines)
            problems.append(f"{path.name} line {number} is {'cut short' if last else 'damaged'} ({exc}); skipped.")
    return events


# Every kind of line events.jsonl may hold: the engine's events and the programme's.
LOG_EVENT_TYPES: dict[str, type] = {**EVENT_TYPES, **PROGRAMME_EVENT_TYPES}


def _read_landmarks(path: Path, problems: list[str]) -> LandmarkTrack | None:
    if not path.is_file():
        problems.append(f"{path.name} is missing: no landmarks were recorded.")
        return None
    data = path.read_bytes()
    try:
        header, offset = _parse_landmark_header(data)
    except ValueError as exc:
        problems.append(f"{path.name} has no readable header ({exc}).")
        return None
    dtype = np.dtype([(name, fmt, tuple(shape)) for name, fmt, shape in header["fields"]])
    count, extra = divmod(len(data) - offset, dtype.itemsize)
    if extra:
        problems.append(f"{path.name} ends in a partial record ({extra} bytes, the app stopped while writing); "
                        f"{count} whole frames kept.")
    rows = np.frombuffer(data, dtype, count=count, offset=offset)
    return LandmarkTrack(tuple(header["image_size"]), rows["t_s"].copy(), rows["people"].copy(),
                         rows["xy_px"].copy(), rows["z_px"].copy(), rows["world_m"].copy(),
                         rows["visibility"].copy(), rows["presence"].copy())


def _parse_landmark_header(data: bytes) -> tuple[dict[str, Any], int]:
    if len(data) < 12 or not data.startswith(LANDMARKS_MAGIC):
        raise ValueError("not a coach landmarks file")
    (length,) = struct.unpack_from("<I", data, len(LANDMARKS_MAGIC))
    start = len(LANDMARKS_MAGIC) + 4
    if len(data) < start + length:
        raise ValueError("header cut short")
    return json.loads(data[start:start + length]), start + length


def _check_video(path: Path, problems: list[str]) -> tuple[Path | None, float | None]:
    """Demux (no decoding) to find how far the video is readable."""
    if not path.is_file():
        problems.append(f"{path.name} is missing: no video was recorded.")
        return None, None
    end_s: float | None = None
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.pts is not None and packet.time_base is not None:
                    end_s = max(end_s or 0.0, float(packet.pts * packet.time_base))
    except (av.error.FFmpegError, IndexError) as exc:
        if end_s is None:
            problems.append(f"{path.name} cannot be read ({exc}).")
            return None, None
        problems.append(f"{path.name} is damaged after {end_s:.1f} s ({exc}); the part before plays.")
    if end_s is None:
        problems.append(f"{path.name} holds no frames.")
        return None, None
    return path, end_s
