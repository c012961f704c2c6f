"""Speech: cues said on one worker thread, behind a small `Speaker` protocol.

- pyttsx3 is driven from ONE thread fed by a queue (two threads in runAndWait hang), so saying a
  cue returns at once and never blocks the live loop.
- One utterance at a time, in order; a cue that waited longer than `STALE_S` is dropped (its moment
  has passed). A "pain" cue empties the queue and cuts the current utterance.
- No speech engine (or no audio player): `problem` says why, once; cues stay on screen.
- `WavSpeaker` speaks to WAV files with the espeak-ng command line (pyttsx3's save_to_file cuts
  audio), so tests can check that real audio was produced; `RecordingSpeaker` is the test fake.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from coach.events import CueDecided

log = logging.getLogger(__name__)

STALE_S = 5.0                    # wall seconds a cue may wait for the voice before it is dropped
READY_TIMEOUT_S = 5.0            # how long start-up waits for the speech engine to load
PAIN_KIND = "pain"

StartedCallback = Callable[[CueDecided, float], None]    # the cue, perf_counter() as speaking starts


class Speaker(Protocol):
    problem: str                 # why nothing is heard ("" when speech works)

    def say(self, cue: CueDecided) -> None:
        """Queue a cue; returns at once. Callable from any thread."""

    def set_muted(self, muted: bool) -> None: ...

    def close(self) -> None: ...


class QueuedSpeaker:
    """One worker thread saying queued cues in order; subclasses say one text (`_speak`)."""

    def __init__(self, on_started: StartedCallback | None = None) -> None:
        self.problem = ""
        self.on_started = on_started
        self._queue: deque[tuple[CueDecided, float]] = deque()
        self._cond = threading.Condition()
        self._muted = False
        self._closed = False
        self._busy = False               # an utterance is being said
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"speech-{type(self).__name__}", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> bool:
        """True once the engine has loaded (or failed: then `problem` says why)."""
        return self._ready.wait(timeout_s)

    def say(self, cue: CueDecided) -> None:
        with self._cond:
            if self._closed or self._muted or self.problem:
                return
            if cue.kind == PAIN_KIND:
                self._queue.clear()
                self._cut()
            self._queue.append((cue, time.perf_counter()))
            self._cond.notify_all()

    def set_muted(self, muted: bool) -> None:
        with self._cond:
            self._muted = muted
            if muted:
                self._queue.clear()
                self._cut()

    def wait_idle(self, timeout_s: float) -> bool:
        """True once the queue is empty and nothing is being said (tests, shutdown)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout_s)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cut()
            self._cond.notify_all()
        self._thread.join(READY_TIMEOUT_S)

    # -- the worker thread

    def _run(self) -> None:
        try:
            self._open()
        except Exception as exc:   # any failure to load means: no voice, cues on screen only
            self.problem = f"Speech is off ({exc}); cues are shown on screen."
            log.warning("%s", self.problem)
        finally:
            self._ready.set()
        while not self.problem and (item := self._next()) is not None:
            cue, _queued_s = item
            if self.on_started is not None:
                self.on_started(cue, time.perf_counter())
            try:
                self._speak(cue.text)
            except Exception:
                log.exception("speaking %r failed", cue.text)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
        self._shutdown()

    def _next(self) -> tuple[CueDecided, float] | None:
        with self._cond:
            while True:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if self._closed:
                    return None
                cue, queued_s = self._queue.popleft()
                if cue.kind == PAIN_KIND or time.perf_counter() - queued_s <= STALE_S:
                    self._busy = True
                    return cue, queued_s
                log.info("dropped stale cue %r", cue.text)

    # -- what subclasses provide

    def _open(self) -> None:
        """Load the engine, on the worker thread; raise to say speech is unavailable."""

    def _speak(self, text: str) -> None:
        raise NotImplementedError

    def _cut(self) -> None:
        """Stop the current utterance now; called with the queue lock held, from any thread."""

    def _shutdown(self) -> None:
        """Release the engine, on the worker thread."""


class Pyttsx3Speaker(QueuedSpeaker):
    """pyttsx3 (espeak-ng on Linux). Its espeak driver plays each utterance with `aplay`, so cutting
    also ends the aplay this process started."""

    def __init__(self, driver: str | None = None, on_started: StartedCallback | None = None) -> None:
        self._driver = driver
        self._engine: Any = None
        super().__init__(on_started)

    def _open(self) -> None:
        if self._driver is None and sys.platform.startswith("linux") and shutil.which("aplay") is None:
            raise RuntimeError("no audio player: install alsa-utils for aplay")
        import pyttsx3

        self._engine = pyttsx3.init(self._driver) if self._driver else pyttsx3.init()

    def _speak(self, text: str) -> None:
        self._engine.say(text)
        self._engine.runAndWait()

    def _cut(self) -> None:
        if self._engine is not None and self._busy:
            self._engine.stop()
            _terminate_own_children("aplay")

    def _shutdown(self) -> None:
        self._engine = None


class WavSpeaker(QueuedSpeaker):
    """Says each cue into a numbered WAV file in `folder` with `espeak-ng -w FILE TEXT`."""

    def __init__(self, folder: Path, on_started: StartedCallback | None = None) -> None:
        self.folder = Path(folder)
        self.files: list[Path] = []
        self._process: subprocess.Popen[bytes] | None = None
        super().__init__(on_started)

    def _open(self) -> None:
        if shutil.which("espeak-ng") is None:
            raise RuntimeError("espeak-ng is not installed")
        self.folder.mkdir(parents=True, exist_ok=True)

    def _speak(self, text: str) -> None:
        path = self.folder / f"cue_{len(self.files) + 1:03d}.wav"
        with self._cond:
            self._process = subprocess.Popen(["espeak-ng", "-w", str(path), text],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._process.wait()
        if self._process.returncode == 0:
            self.files.append(path)
        with self._cond:
            self._process = None

    def _cut(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()


class RecordingSpeaker:
    """Test fake: remembers what it was asked to say, synchronously."""

    def __init__(self) -> None:
        self.problem = ""
        self.said: list[CueDecided] = []
        self.muted = False
        self._lock = threading.Lock()

    def say(self, cue: CueDecided) -> None:
        with self._lock:
            if not self.muted:
                self.said.append(cue)

    @property
    def texts(self) -> list[str]:
        with self._lock:
            return [c.text for c in self.said]

    def set_muted(self, muted: bool) -> None:
        self.muted = muted

    def close(self) -> None:
        pass


def make_speaker(mute: bool = False, wav_dir: Path | None = None,
                 on_started: StartedCallback | None = None) -> Speaker:
    """The product's speaker: pyttsx3 (or WAV files in `wav_dir`); `problem` set if it cannot speak."""
    speaker: QueuedSpeaker = WavSpeaker(wav_dir, on_started) if wav_dir else Pyttsx3Speaker(on_started=on_started)
    if not speaker.wait_ready():
        speaker.problem = "Speech is off (the speech engine did not start); cues are shown on screen."
    speaker.set_muted(mute)
    return speaker


def _terminate_own_children(name: str) -> None:
    """End the `name` processes this process started (directly or through a shell), by pid."""
    for pid in _descendants(os.getpid()):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            continue


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found
