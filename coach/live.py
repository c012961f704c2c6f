"""The live loop: camera or video -> pose -> swaps + smoothing -> programme (engine + cues) -> updates.

Two threads, so that nothing waits on anything slower than itself:
- capture reads the source into a one-frame slot; a frame still waiting when the next arrives is
  dropped (newest frame wins), so inference always works on the latest picture and latency stays
  one inference long. A video file is released at real-time pace, so it drops frames the same way.
- processing takes the newest frame, runs pose inference, the pipeline and the programme, hands
  cues to `on_cue` at once (speech), then the whole result to `on_update` (the window), then
  records it. Pause, stop and "it hurts" arrive as commands and are handled between frames.
Every decision is on media time; wall-clock readings (`*_s` from perf_counter) only measure latency.
No Qt here: ui/pipeline_worker.py turns the callbacks into signals.
"""

from __future__ import annotations

import logging
import math
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from coach import __version__
from coach.analysis import Pipeline, StageTimes
from coach.coaching import needs_mask
from coach.definitions import ExerciseDefinition
from coach.errors import CoachError
from coach.events import CueDecided, FaultEnded, FaultStarted, HoldEnded, HoldProgress, HoldStarted
from coach.events import PainReported, PhaseEntered, RepCompleted, SetComplete, SetupOk, SetupProblem
from coach.frames import PoseFrame
from coach.landmarks import Landmark
from coach.metrics import METRICS, compute
from coach.pose import PoseOptions, VideoPoseEstimator
from coach.programme import (LiveEvent, Paused, Programme, ProgrammeFinished, ProgrammeRun, RestStarted,
                             Resumed, StepStarted)
from coach.recording import SessionRecorder, file_sha256
from coach.sources import CameraSource, RgbImage, SourceFrame, VideoFileSource, camera_available

log = logging.getLogger(__name__)

COMMAND_POLL_S = 0.1        # how often the processing thread looks at commands while no frame comes
CUE_SHOWN_S = 4.0           # media seconds a cue stays on screen after it is said


# ---------------------------------------------------------------- sources


@dataclass(frozen=True, slots=True)
class LiveSource:
    """What to watch: a camera by index, or a video file played at real-time pace."""

    camera: int | None = None
    video: Path | None = None
    notice: str = ""          # told to the user, e.g. why a sample video plays instead of the camera

    def describe(self) -> dict[str, Any]:
        if self.camera is not None:
            return {"kind": "camera", "index": self.camera}
        return {"kind": "video", "path": str(self.video)}


def choose_source(camera: int | None, video: Path | None, fallback_video: Callable[[], Path],
                  camera_check: Callable[[int], bool] = camera_available) -> LiveSource:
    """--source wins; else the camera if it opens; else the sample video, with a notice saying why."""
    if video is not None:
        return LiveSource(video=Path(video))
    index = 0 if camera is None else camera
    if camera_check(index):
        return LiveSource(camera=index)
    sample = fallback_video()
    return LiveSource(video=sample, notice=f"No camera found (index {index}): playing the sample video "
                                           f"{sample.name} instead. Plug in a camera and start again to be coached.")


class RealTimePacer:
    """Releases video frames when their media time comes on the wall clock, as a camera would."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._origin: float | None = None     # wall time of media time 0
        self._paused_at: float | None = None
        self._stopped = False

    def pace(self, frames: Iterable[SourceFrame]) -> Iterator[SourceFrame]:
        for frame in frames:
            if not self._wait_until(frame.t_s):
                return
            yield frame

    def _wait_until(self, t_s: float) -> bool:
        with self._cond:
            while not self._stopped:
                if self._paused_at is not None:
                    self._cond.wait()
                    continue
                now = self._clock()
                if self._origin is None:
                    self._origin = now - t_s
                delay_s = self._origin + t_s - now
                if delay_s <= 0:
                    return True
                self._cond.wait(delay_s)
            return False

    def pause(self) -> None:
        with self._cond:
            if self._paused_at is None:
                self._paused_at = self._clock()
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            if self._paused_at is not None and self._origin is not None:
                self._origin += self._clock() - self._paused_at
            self._paused_at = None
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


class OpenedSource(Protocol):
    """A source being read: frames, the pacer (video only) and how to interrupt and close it."""

    frames: Iterable[SourceFrame]
    pacer: RealTimePacer | None

    def interrupt(self) -> None: ...

    def close(self) -> None: ...


class _OpenSource:
    """A camera, or a video file released at real-time pace."""

    def __init__(self, source: LiveSource) -> None:
        self.pacer: RealTimePacer | None = None
        if source.camera is not None:
            self._reader: CameraSource | VideoFileSource = CameraSource(source.camera)
            self.frames: Iterable[SourceFrame] = self._reader
        else:
            assert source.video is not None
            self._reader = VideoFileSource(source.video)
            self.pacer = RealTimePacer()
            self.frames = self.pacer.pace(self._reader)

    def interrupt(self) -> None:
        """Wake a capture thread waiting for a frame's time (the reader is left to that thread)."""
        if self.pacer is not None:
            self.pacer.stop()

    def close(self) -> None:
        """Only from the thread that reads: PyAV must not close a container another thread decodes."""
        self.interrupt()
        self._reader.close()


# ---------------------------------------------------------------- the frame slot


@dataclass(frozen=True, slots=True)
class Captured:
    frame: SourceFrame
    captured_s: float          # perf_counter() when the frame was read: latency only


class FrameSlot:
    """One-frame mailbox from capture to processing.

    drop=True (live): put() replaces a frame not yet taken and counts it as dropped.
    drop=False: put() waits until the frame is taken, so every frame is processed (tests, replays).
    """

    def __init__(self, drop: bool = True) -> None:
        self.drop = drop
        self._cond = threading.Condition()
        self._item: Captured | None = None
        self._closed = False
        self.captured = 0
        self.dropped = 0

    def put(self, item: Captured) -> bool:
        """False once the slot is closed (the consumer has stopped)."""
        with self._cond:
            while not self.drop and self._item is not None and not self._closed:
                self._cond.wait()
            if self._closed:
                return False
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self.captured += 1
            self._cond.notify_all()
            return True

    def take(self, timeout_s: float) -> Captured | None:
        """The newest frame, or None after timeout_s or once closed and empty."""
        with self._cond:
            self._cond.wait_for(lambda: self._item is not None or self._closed, timeout_s)
            item, self._item = self._item, None
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed and self._item is None


# ---------------------------------------------------------------- what the loop reports


@dataclass(frozen=True, slots=True)
class LiveStats:
    captured: int = 0          # frames read from the source
    processed: int = 0         # frames that went through pose inference
    dropped: int = 0           # frames replaced by a newer one before inference could take them


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """One processed frame (or, with image None, events that came without a frame: pain, the end)."""

    t_s: float
    image: RgbImage | None              # (H, W, 3) RGB as captured, not mirrored
    pose: PoseFrame | None              # smoothed, swaps repaired
    angles_deg: Mapping[str, float]     # the current exercise's angle metrics, NaN = unknown
    events: tuple[LiveEvent, ...]
    exercise: str                       # definition name of the current step
    captured_s: float                   # perf_counter() at capture
    processed_s: float                  # perf_counter() when the events were decided
    stats: LiveStats


@dataclass(frozen=True, slots=True)
class LiveEnded:
    reason: str                # done | pain | stopped | source_ended | source_failed | error
    message: str               # for the user
    session_dir: Path | None
    stats: LiveStats


class PoseEstimator(Protocol):
    def estimate(self, image: RgbImage, t_s: float) -> PoseFrame: ...

    def close(self) -> None: ...


def pose_options(programme: Programme, model: Path | None = None) -> PoseOptions:
    """The pose model's options for a programme: segmentation only if some step needs the mask."""
    return PoseOptions(model=model, segmentation=any(needs_mask(s.definition) for s in programme.steps))


# ---------------------------------------------------------------- the loop


@dataclass(frozen=True)
class LoopSettings:
    """How a live loop runs, apart from what it coaches and watches."""

    data_dir: Path | None = None                  # sessions are saved under it; None: nothing recorded
    model: Path | None = None                     # pose model (default: the bundled one)
    estimator_factory: Callable[[PoseOptions], PoseEstimator] = VideoPoseEstimator
    open_source: Callable[[LiveSource], OpenedSource] = _OpenSource
    drop_frames: bool = True                      # False: every frame is processed (tests)


class LiveLoop:
    """Runs a programme live on a source; see the module docstring. Call start(), then commands."""

    def __init__(self, programme: Programme, source: LiveSource, on_update: Callable[[LiveUpdate], None],
                 on_ended: Callable[[LiveEnded], None], on_cue: Callable[[CueDecided], None] | None = None,
                 settings: LoopSettings = LoopSettings()) -> None:
        self.programme = programme
        self.source = source
        self.on_update = on_update
        self.on_ended = on_ended
        self.on_cue = on_cue or (lambda cue: None)
        self.settings = settings
        self.times = StageTimes()
        self.recorder: SessionRecorder | None = None
        self._commands: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._slot = FrameSlot(settings.drop_frames)
        self._run = ProgrammeRun(programme)
        self._pipeline = Pipeline()
        self._end: tuple[str, str] | None = None      # why capture stopped: (reason, message)
        self._last_t_s = 0.0
        self._processed = 0
        self._capture_thread = threading.Thread(target=self._capture, name="coach-capture", daemon=True)
        self._process_thread = threading.Thread(target=self._process_all, name="coach-process", daemon=True)

    def start(self) -> None:
        """Open source, model and session folder (CoachError if one fails), then start the threads."""
        self._source = self.settings.open_source(self.source)
        try:
            self._estimator = self.settings.estimator_factory(pose_options(self.programme, self.settings.model))
            self.recorder = self._open_recorder()
        except BaseException:
            self._source.close()
            raise
        self._capture_thread.start()
        self._process_thread.start()

    def pause(self) -> None:
        self._commands.put("pause")

    def resume(self) -> None:
        self._commands.put("resume")

    def stop(self) -> None:
        self._commands.put("stop")

    def report_pain(self) -> None:
        self._commands.put("pain")

    def join(self, timeout_s: float | None = None) -> bool:
        """True once both threads have ended (or never started)."""
        threads = [t for t in (self._process_thread, self._capture_thread) if t.ident is not None]
        for thread in threads:
            thread.join(timeout_s)
        return not any(t.is_alive() for t in threads)

    @property
    def stats(self) -> LiveStats:
        return LiveStats(self._slot.captured, self._processed, self._slot.dropped)

    # -- capture thread

    def _capture(self) -> None:
        reason, message = "source_ended", "The video ended."
        try:
            for frame in self._source.frames:
                if not self._slot.put(Captured(frame, time.perf_counter())):
                    break
        except CoachError as exc:          # the camera was unplugged, the file is damaged
            reason, message = "source_failed", str(exc)
        except Exception as exc:           # never leave the processing thread waiting for frames
            log.exception("capture failed")
            reason, message = "source_failed", f"Reading the video stopped: {exc}"
        finally:
            self._end = self._end or (reason, message)
            self._slot.close()
            self._source.close()

    # -- processing thread

    def _process_all(self) -> None:
        reason, message = "error", "The coach stopped unexpectedly; the session so far is saved."
        try:
            reason, message = self._loop()
        except Exception:
            log.exception("live loop failed")
        finally:
            self._shutdown(reason, message)

    def _loop(self) -> tuple[str, str]:
        while True:
            command_end = self._handle_commands()
            if command_end is not None:
                return command_end
            item = self._slot.take(COMMAND_POLL_S)
            if item is not None:
                self._process(item)
                if self._run.done:
                    return "done", "Well done: that's everything for today."
            elif self._slot.closed:
                assert self._end is not None
                return self._end

    def _handle_commands(self) -> tuple[str, str] | None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return None
            if command == "stop":
                return "stopped", "Stopped."
            if command == "pain":
                self._emit_events(self._run.report_pain(self._last_t_s))
                return "pain", "Stopped because it hurts. Rest, and tell your therapist about it."
            if command == "pause":
                self._set_paused(True)
            elif command == "resume":
                self._set_paused(False)

    def _set_paused(self, paused: bool) -> None:
        if self._source.pacer is not None:
            (self._source.pacer.pause if paused else self._source.pacer.resume)()
        self._emit_events((self._run.pause if paused else self._run.resume)(self._last_t_s))

    def _process(self, item: Captured) -> None:
        frame = item.frame
        t0 = time.perf_counter()
        pose = self._estimator.estimate(frame.image, frame.t_s)
        self.times.pose += time.perf_counter() - t0
        smoothed = self._pipeline.process(pose, self.times)
        t1 = time.perf_counter()
        events = self._run.update(smoothed)
        angles = compute(smoothed, angle_metrics(self._run.definition)).values
        self.times.rest += time.perf_counter() - t1
        self._processed += 1
        self.times.frames += 1
        self._last_t_s = frame.t_s
        self._publish(LiveUpdate(frame.t_s, frame.image, smoothed, angles, tuple(events), self._run.definition.name,
                                 item.captured_s, time.perf_counter(), self.stats))
        self._record(events, frame.image, smoothed)

    def _emit_events(self, events: list[LiveEvent]) -> None:
        """Events that come without a frame (pain, pause, the end): told and recorded like the others."""
        if not events:
            return
        now = time.perf_counter()
        self._publish(LiveUpdate(self._last_t_s, None, None, {}, tuple(events), self._run.definition.name,
                                 now, now, self.stats))
        self._record(events)

    def _record(self, events: list[LiveEvent], image: RgbImage | None = None, pose: PoseFrame | None = None) -> None:
        """A full disk or a removed drive ends the recording, not the coaching."""
        if self.recorder is None:
            return
        try:
            if image is not None and pose is not None:
                self.recorder.write_frame(image, pose)
            self.recorder.write_events(events)
        except OSError as exc:
            log.error("recording stopped: %s", exc)
            self.recorder = None

    def _publish(self, update: LiveUpdate) -> None:
        for event in update.events:
            if isinstance(event, CueDecided):
                self.on_cue(event)
        self.on_update(update)

    def _shutdown(self, reason: str, message: str) -> None:
        """Close the set, the session folder and the model; whatever fails, on_ended is called."""
        folder = None
        try:
            self._slot.close()
            self._source.interrupt()
            self._emit_events(self._run.finish(self._last_t_s, reason))
            folder = self._close_recording(reason, message)
            self._estimator.close()
        except Exception:
            log.exception("closing the live session failed")
        finally:
            if folder is not None:
                message = f"{message}\nThe session is saved in {folder}."
            log.info("live session ended: %s (%s)", reason, self.stats)
            self.on_ended(LiveEnded(reason, message, folder, self.stats))

    def _close_recording(self, reason: str, message: str) -> Path | None:
        if self.recorder is None:
            return None
        try:
            self.recorder.close(reason, message, {"stats": _stats_dict(self.stats)})
        except OSError as exc:
            log.error("closing the session folder failed: %s", exc)
            return None
        return self.recorder.path

    def _open_recorder(self) -> SessionRecorder | None:
        if self.settings.data_dir is None:
            return None
        model_path = getattr(self._estimator, "model_path", None)
        return SessionRecorder.create(self.settings.data_dir, self.programme.name,
                                      session_meta(self.programme, self.source, model_path))


def _stats_dict(stats: LiveStats) -> dict[str, int]:
    return {"captured": stats.captured, "processed": stats.processed, "dropped": stats.dropped}


# ---------------------------------------------------------------- session meta


def session_meta(programme: Programme, source: LiveSource, model_path: Path | None) -> dict[str, Any]:
    """What meta.json records at the start: software, model, source and the programme run."""
    definitions = {s.exercise: {"path": str(s.definition.path), "sha256": _sha256(s.definition.path)}
                   for s in programme.steps}
    model = None if model_path is None else {"file": Path(model_path).name, "path": str(model_path),
                                             "sha256": _sha256(Path(model_path))}
    return {"coach_version": __version__, "started_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "name": programme.name, "title": programme.title, "programme": programme.to_dict(),
            "definitions": definitions, "model": model, "source": source.describe(), "software": _software()}


@lru_cache(maxsize=16)
def _sha256(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except OSError:
        return None


def _software() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for package in ("mediapipe", "av", "numpy", "opencv-contrib-python"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


# ---------------------------------------------------------------- what the screen shows


def angle_metrics(definition: ExerciseDefinition) -> tuple[str, ...]:
    """The angles worth showing for an exercise: the degree metrics its phases and faults read."""
    names = [*definition.phase_metrics, *(m for f in definition.faults for m in f.when.metrics)]
    return tuple(m for m in dict.fromkeys(names) if definition.units.get(m) == "deg")


def fault_landmarks(definition: ExerciseDefinition, codes: Iterable[str]) -> frozenset[Landmark]:
    """Landmarks the active faults' metrics are measured on: their segments are drawn as faulty."""
    wanted = set(codes)
    metrics = {m for f in definition.faults if f.code in wanted for m in f.when.metrics}
    return frozenset(lm for m in metrics if m in METRICS for lm in METRICS[m].landmarks)


@dataclass(slots=True)
class HoldView:
    side: str
    started_t_s: float
    target_s: float
    good_s: float = 0.0
    open: bool = True


@dataclass
class Scoreboard:
    """What the screen shows, folded from the event stream alone (live, tests and replays alike)."""

    t_s: float = 0.0
    title: str = ""
    exercise: str = ""
    step: int = 0
    steps: int = 0
    set_number: int = 1
    sets: int = 1
    reps_target: int = 0
    hold_target_s: float = 0.0
    sides: tuple[str, ...] = ("both",)
    reps: dict[str, int] = field(default_factory=dict)
    phase: str = ""
    hold: HoldView | None = None
    faults: list[str] = field(default_factory=list)        # active fault codes, oldest first
    setup_problem: str | None = None                       # SetupProblem code while coaching is paused
    setup_message: str = ""
    cue: CueDecided | None = None
    rest_until_s: float | None = None
    next_title: str = ""
    paused: bool = False
    paused_at_s: float = 0.0
    pain: bool = False
    finished: ProgrammeFinished | None = None

    def apply(self, t_s: float, events: Iterable[LiveEvent]) -> None:
        if not math.isnan(t_s):
            self.t_s = max(self.t_s, t_s)
        for event in events:
            self._apply(event)

    def _apply(self, e: LiveEvent) -> None:   # noqa: C901 - one branch per event kind
        if isinstance(e, StepStarted):
            self._step_started(e)
        elif isinstance(e, RepCompleted):
            self.reps[e.side.value] = e.number
        elif isinstance(e, SetComplete):
            self.reps = {}
        elif isinstance(e, PhaseEntered):
            self.phase = e.phase
        elif isinstance(e, HoldStarted):
            self.hold = HoldView(e.side.value, e.t_s, e.target_s)
        elif isinstance(e, HoldProgress) and self.hold is not None:
            self.hold.good_s = e.good_s
        elif isinstance(e, HoldEnded) and self.hold is not None:
            self.hold.good_s, self.hold.open = e.good_s, False
        elif isinstance(e, FaultStarted) and e.code not in self.faults:
            self.faults.append(e.code)
        elif isinstance(e, FaultEnded) and e.code in self.faults:
            self.faults.remove(e.code)
        elif isinstance(e, SetupProblem):
            self.setup_problem, self.setup_message = e.code, e.message
        elif isinstance(e, SetupOk):
            self.setup_problem, self.setup_message = None, ""
        elif isinstance(e, CueDecided):
            self.cue = e
        else:
            self._apply_session(e)

    def _apply_session(self, e: LiveEvent) -> None:
        if isinstance(e, RestStarted):
            self.rest_until_s, self.next_title, self.hold, self.faults = e.t_s + e.rest_s, e.next_title, None, []
            self.phase = ""
        elif isinstance(e, Paused):
            self.paused, self.paused_at_s = True, e.t_s
        elif isinstance(e, Resumed):
            self.paused = False
            if self.rest_until_s is not None:      # as ProgrammeRun: rest time stops while paused
                self.rest_until_s += e.t_s - self.paused_at_s
        elif isinstance(e, PainReported):
            self.pain = True
        elif isinstance(e, ProgrammeFinished):
            self.finished, self.rest_until_s = e, None

    def _step_started(self, e: StepStarted) -> None:
        self.title, self.exercise, self.step, self.steps = e.title, e.exercise, e.step, e.steps
        self.set_number, self.sets, self.reps_target, self.hold_target_s = e.set_number, e.sets, e.reps, e.hold_s
        self.sides, self.reps, self.phase, self.hold, self.faults = e.sides, {}, "", None, []
        self.rest_until_s, self.next_title = None, ""

    # -- derived, for display

    @property
    def resting(self) -> bool:
        return self.rest_until_s is not None and self.finished is None

    def rest_left_s(self) -> float:
        return 0.0 if self.rest_until_s is None else max(0.0, self.rest_until_s - self.t_s)

    def hold_shown_s(self) -> float | None:
        """Good-form seconds of the current (or last) hold; elapsed time when there is no target."""
        if self.hold is None:
            return None
        if self.hold.open and self.hold.target_s <= 0:
            return self.t_s - self.hold.started_t_s
        return self.hold.good_s

    def shown_cue(self) -> str:
        """The cue on the banner: the last one for CUE_SHOWN_S, the pain cue until the end."""
        if self.cue is None:
            return ""
        if self.pain or self.t_s - self.cue.t_s <= CUE_SHOWN_S:
            return self.cue.text
        return ""

