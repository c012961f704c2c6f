"""One exercise being coached: the engine and the cue policy together, frame by frame.

Live coaching, `coach analyze --exercise` and `coach regress` all use this, so what the patient
hears live is exactly what an analysis of the same frames reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coach.cues import CuePolicy
from coach.definitions import ExerciseDefinition
from coach.engine import Engine
from coach.events import Event
from coach.frames import PoseFrame
from coach.metrics import METRICS


class Coach:
    """Feed smoothed, swap-repaired frames; get the engine's events followed by the cues they caused."""

    def __init__(self, definition: ExerciseDefinition, prescription: Mapping[str, Any] | None = None) -> None:
        self.engine = Engine(definition, prescription=prescription)
        self.definition = self.engine.definition
        self.cues = CuePolicy(self.definition)
        self._last_t_s = 0.0

    def update(self, frame: PoseFrame) -> list[Event]:
        self._last_t_s = frame.t_s
        return self._with_cues(frame.t_s, self.engine.update(frame))

    def report_pain(self, t_s: float) -> list[Event]:
        return self._with_cues(t_s, self.engine.report_pain(t_s))

    def finish(self, t_s: float | None = None) -> list[Event]:
        """End of input: closes open holds and faults (no cue is said after the end)."""
        return self.engine.finish(self._last_t_s if t_s is None else t_s)

    def _with_cues(self, t_s: float, events: list[Event]) -> list[Event]:
        return [*events, *self.cues.update(t_s, events)]


def needs_mask(definition: ExerciseDefinition) -> bool:
    """Whether any metric of the definition reads the segmentation mask."""
    return any(METRICS[name].needs_mask for name in definition.metrics)


def faults_needing_3d(definition: ExerciseDefinition) -> tuple[str, ...]:
    """Codes of the faults judged by a metric that needs measured 3D (`Metric.needs_3d`):
    never raised from a webcam's pose, whose depth and hidden landmarks are guesses."""
    return tuple(f.code for f in definition.faults
                 if any(METRICS[m].needs_3d for rule in (f.when, f.clear) for m in rule.metrics))
