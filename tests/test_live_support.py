"""Fakes for the live-loop tests: sources fed by the test, and pose "inference" from the performer.

No test functions here; test_live*.py and test_ui_*.py import these.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np

from coach.frames import PoseFrame
from coach.live import LiveSource, RealTimePacer
from coach.performer import Fault, Script, perform
from coach.pose import PoseOptions
from coach.sources import SourceFrame

IMAGE_SIZE = (640, 480)


def hinge_poses(reps: int = 2, faults: tuple = (Fault("squatting", reps=(2,)),), seed: int = 1) -> list[PoseFrame]:
    """A performed hip hinge set (30 fps) with a squatting fault in rep 2."""
    return perform("hip_hinge", Script(reps=reps, faults=faults), seed=seed).frames


class ScriptedPoses:
    """Pose "inference" that returns the performer's frame for the image's time (the image is ignored).

    `gate`: while set to an unset Event, estimate() waits on it (inference slower than the camera)."""

    model_path = None

    def __init__(self, frames: list[PoseFrame], gate: threading.Event | None = None) -> None:
        self.frames = frames
        self.times = [f.t_s for f in frames]
        self.gate = gate
        self.entered = threading.Event()      # set once inference has been asked for a frame
        self.calls = 0

    def __call__(self, _options: PoseOptions) -> "ScriptedPoses":   # used as the estimator factory
        return self

    def estimate(self, image: np.ndarray, t_s: float) -> PoseFrame:
        self.entered.set()
        if self.gate is not None:
            self.gate.wait()
        self.calls += 1
        i = max(0, bisect.bisect_right(self.times, t_s + 1e-9) - 1)
        return replace(self.frames[i], t_s=t_s)

    def close(self) -> None:
        pass


class FedSource:
    """A source whose frames the test provides; `hold` keeps it open after them until interrupted."""

    pacer: RealTimePacer | None = None

    def __init__(self, times_s: Iterable[float], hold: bool = False, fail_after: int | None = None,
                 after_last: threading.Event | None = None, after_first: threading.Event | None = None) -> None:
        self.times_s = list(times_s)
        self.hold = hold
        self.fail_after = fail_after
        self.after_last = after_last
        self.after_first = after_first          # waited for after the first frame
        self.closed = threading.Event()
        self._released = threading.Event()
        self.image = np.zeros((IMAGE_SIZE[1], IMAGE_SIZE[0], 3), np.uint8)

    def __call__(self, _source: LiveSource) -> "FedSource":    # used as the open_source factory
        return self

    @property
    def frames(self) -> Iterator[SourceFrame]:
        from coach.errors import InputError

        for i, t_s in enumerate(self.times_s):
            if self.fail_after is not None and i == self.fail_after:
                raise InputError(f"The camera (index 0) stopped sending pictures after {t_s:.1f} s.",
                                 "Check its cable; what was recorded so far is kept.")
            yield SourceFrame(t_s, self.image)
            if i == 0 and self.after_first is not None:
                self.after_first.wait()
        if self.after_last is not None:
            self.after_last.set()
        if self.hold:
            self._released.wait()

    def interrupt(self) -> None:
        self._released.set()

    def close(self) -> None:
        self._released.set()
        self.closed.set()


def frame_times(duration_s: float, fps: float = 30.0, start_s: float = 0.0) -> list[float]:
    return [start_s + i / fps for i in range(int(duration_s * fps) + 1)]
