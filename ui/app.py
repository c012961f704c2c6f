"""Start-up of the Qt application for `coach live` and `coach bench-live`.

coach/cli.py resolves this module by name only when one of those commands is chosen, so the rest
of the coach runs where PyQt6 is not installed. Errors the user can act on (CoachError) are shown
in a dialog with the CLI's text and re-raised, so the CLI prints them and sets the exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QEventLoop, QTimer
from PyQt6.QtWidgets import QApplication

from coach.definitions import load_exercise
from coach.errors import CoachError, InputError
from coach.events import CueDecided, FaultStarted
from coach.live import LiveEnded, LiveSource, LiveUpdate, LoopSettings
from coach.recording import default_data_dir
from coach.sources import VideoFileSource
from ui.live_window import Choice, LiveWindow, default_choices, show_error
from ui.speech import make_speaker

log = logging.getLogger(__name__)


def application() -> QApplication:
    """The one QApplication; offscreen when there is no display (CI, ssh)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication(sys.argv[:1])


def initial_choice(choices: list[Choice], exercise: str | None, programme: Path | None) -> int:
    """Index of --exercise / --programme in the chooser (the programme is put first by default_choices)."""
    if exercise is not None:
        load_exercise(exercise)      # a wrong name fails here, with the list of exercises
        return next(i for i, c in enumerate(choices) if c.exercise == exercise)
    return 0


def require_screen() -> None:
    """A window nobody can see would wait for a Start click forever: say so instead.
    QT_QPA_PLATFORM (offscreen, xcb under Xvfb) is an explicit choice and is respected."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        raise InputError("There is no screen to show the coach window on (DISPLAY is not set).",
                         "Run it on a desktop, or under Xvfb: xvfb-run ./coach.sh live. Without a screen, "
                         "./coach.sh analyze --exercise hip_hinge runs the same coaching on the sample video.")


def run_live(args: argparse.Namespace, source: LiveSource) -> int:
    """`coach live`: the window, until it is closed."""
    require_screen()
    app = application()
    speaker = make_speaker(mute=args.mute)
    try:
        choices = default_choices(args.programme)
        settings = LoopSettings(data_dir=args.data_dir or default_data_dir(), model=args.model)
        window = LiveWindow(choices, source, speaker, settings, mirror=False if args.no_mirror else None,
                            initial=initial_choice(choices, args.exercise, args.programme))
    except CoachError as exc:
        show_error(None, exc)
        speaker.close()
        raise
    window.set_muted(args.mute)
    window.notify("  ".join(text for text in (source.notice, "" if args.mute else speaker.problem) if text))
    window.show()
    if source.video is not None:   # a video (the no-camera demo) needs nobody to get into position
        QTimer.singleShot(0, window.start)
    code = app.exec()
    speaker.close()
    return code


# ---------------------------------------------------------------------- bench-live


@dataclass
class BenchResult:
    video: Path
    wall_s: float
    stats_captured: int
    stats_processed: int
    stats_dropped: int
    overlay_latency_s: list[float]
    cue_to_speech_s: list[float]         # any cue decided -> speaker starts it
    fault_to_cue_s: list[float]          # FaultStarted decided -> speaker starts its cue
    capture_to_cue_s: list[float]        # capture of the frame that established the fault -> same
    faults: int
    cues_started: int
    speaker: str
    ended: LiveEnded | None
    stage_ms: dict[str, float] = field(default_factory=dict)

    @property
    def processed_fps(self) -> float:
        return self.stats_processed / self.wall_s if self.wall_s > 0 else 0.0


def percentiles_ms(values_s: list[float]) -> str:
    if not values_s:
        return "n/a (none measured)"
    p50, p95 = np.percentile(np.array(values_s) * 1000, [50, 95])
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (n={len(values_s)})"


class _CueTimer:
    """Wall times of faults, cue decisions and speech starts, paired up after the run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fault_at: dict[str, tuple[float, float]] = {}     # code -> (decided, frame captured)
        self._decided: dict[CueDecided, tuple[float, tuple[float, float] | None]] = {}
        self._started: dict[CueDecided, float] = {}
        self.faults = 0

    def on_update(self, update: LiveUpdate) -> None:        # processing thread
        with self._lock:
            for event in update.events:
                if isinstance(event, FaultStarted):
                    self.faults += 1
                    self._fault_at[event.code] = (update.processed_s, update.captured_s)
                elif isinstance(event, CueDecided):
                    fault = self._fault_at.pop(event.source, None) if event.kind == "fault" else None
                    self._decided[event] = (update.processed_s, fault)

    def on_speech(self, cue: CueDecided, started_s: float) -> None:   # speech thread
        with self._lock:
            self._started[cue] = started_s

    def latencies(self) -> tuple[list[float], list[float], list[float]]:
        """(cue decided -> speech starts, fault decided -> its cue starts, fault's frame captured -> same)."""
        speech, fault, capture = [], [], []
        for cue, started_s in self._started.items():
            if cue in self._decided:
                decided_s, origin = self._decided[cue]
                speech.append(started_s - decided_s)
                if origin is not None:
                    fault.append(started_s - origin[0])
                    capture.append(started_s - origin[1])
        return speech, fault, capture

    @property
    def cues(self) -> int:
        return len(self._started)


WATCHDOG_S = 60.0


def _duration_s(video: Path) -> float:
    with VideoFileSource(video) as source:
        return source.info.duration_s or 600.0


def bench_live(video: Path, exercise: str, model: Path | None = None, seconds: float | None = None) -> BenchResult:
    """Play `video` at camera pace through the live window (offscreen when there is no display)."""
    app = application()           # referenced until the end: Qt must outlive every widget
    timer = _CueTimer()
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        speaker = make_speaker(on_started=timer.on_speech)
        if speaker.problem:       # no audio device: speak to WAV files, which still synthesises every cue
            speaker.close()
            speaker = make_speaker(wav_dir=Path(tmp) / "speech", on_started=timer.on_speech)
        choices = default_choices()
        window = LiveWindow(choices, LiveSource(video=video), speaker, LoopSettings(data_dir=Path(tmp), model=model),
                            initial=initial_choice(choices, exercise, None), probe=timer.on_update)
        window.show()
        window.start()
        if window.worker is None:
            raise CoachError(f"The live loop did not start on {video}.")
        times = window.worker.loop.times
        if seconds is not None:
            QTimer.singleShot(round(seconds * 1000), window.stop)
        loop = QEventLoop()           # a local loop: app.exec() would end the application when it returns
        window.session_ended.connect(loop.quit)
        QTimer.singleShot(round((_duration_s(video) + WATCHDOG_S) * 1000), loop.quit)   # never hang a benchmark
        t0 = time.perf_counter()
        loop.exec()
        wall_s = time.perf_counter() - t0
        speaker.close()
        ended = window.ended
        stats = ended.stats if ended else None
        window.close()
        app.processEvents()
    n = max(times.frames, 1)
    stage_ms = {"pose inference": times.pose / n * 1000, "swaps + smoothing": times.smoothing_geometry / n * 1000,
                "programme, engine, cues": times.rest / n * 1000}
    speech_s, fault_s, capture_s = timer.latencies()
    return BenchResult(video, wall_s, stats.captured if stats else 0, stats.processed if stats else 0,
                       stats.dropped if stats else 0, list(window.latencies_s), speech_s, fault_s, capture_s,
                       timer.faults, timer.cues, type(speaker).__name__, ended, stage_ms)
