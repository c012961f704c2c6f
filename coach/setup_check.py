"""Is the patient set up so the coach can judge the exercise? Checked on every frame.

Checks, in order of precedence (only the first failing one counts, because the later ones are
usually its consequence: with the feet out of frame the view and the metrics are unreliable too):
  several_people   more than one person in view
  out_of_frame     a landmark some metric needs is outside the image or not visible (for near-side
                   metrics one whole side will do; in a side view, for other metrics, either
                   member of each left/right pair: the far side is often hidden, not out of frame)
  wrong_view       view_ratio on the wrong side of the definition's limit for its view
  cannot_measure   a metric the phase machine needs is unknown (NaN)
`SetupCheck` debounces them: a problem is reported after failing for `fail_after_s`, and SetupOk
after every check has passed for `ok_after_s` (also at the start, before coaching begins).
Failures shorter than BLIP_S (a far-side landmark flickering below the visibility threshold, as a
pose model's far side does at 0.3-0.9) do not hold coaching back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from coach.conditions import TIME_EPS_S
from coach.definitions import SETUP_CODES, VIEW_METRIC
from coach.events import Event, SetupOk, SetupProblem
from coach.frames import PoseFrame
from coach.landmarks import MIRROR_INDEX, Landmark

if TYPE_CHECKING:
    from coach.definitions import ExerciseDefinition

BLIP_S = 0.5    # a check failing for less than this does not stop coaching from (re)starting


def frame_problems(frame: PoseFrame, definition: ExerciseDefinition) -> dict[str, str]:
    """Problems visible in the pose itself: people count and required landmarks in frame."""
    if frame.people > 1:
        return {"several_people": f"{frame.people} people in view"}
    if frame.people == 0:
        return {"out_of_frame": "nobody in view"}
    rule = definition.setup
    seen = {lm for lm in rule.landmarks if landmark_seen(frame, lm, rule.min_visibility)}
    # In a side view the far side is often hidden, which is not being out of frame: a requirement
    # with no either-side alternative is met by either member of each left/right pair.
    either = seen | {Landmark(MIRROR_INDEX[lm]) for lm in seen} if definition.view == "side" else seen
    missing: set[Landmark] = set()
    for alternatives in rule.requirements:
        known = either if len(alternatives) == 1 else seen
        gaps = [alt - known for alt in alternatives]
        if all(gaps):
            missing |= min(gaps, key=len)
    if missing:
        return {"out_of_frame": "not seen: " + ", ".join(lm.name.lower() for lm in sorted(missing))}
    return {}


def landmark_seen(frame: PoseFrame, lm: Landmark, min_visibility: float) -> bool:
    """Inside the image and visible enough, the same test the metrics use for a known landmark."""
    x, y = (float(v) for v in frame.xy_px[lm])
    w, h = frame.image_size
    inside = 0.0 <= x < w and 0.0 <= y < h      # NaN compares False: unknown is not inside
    return inside and float(frame.visibility[lm]) >= min_visibility


def metric_problems(values: Mapping[str, float], definition: ExerciseDefinition) -> dict[str, str]:
    """Problems visible in the metrics: camera view, and metrics the phases cannot do without."""
    problems = {}
    ratio = values.get(VIEW_METRIC, math.nan)
    limit = definition.setup.view_ratio_limit
    wrong = ratio > limit if definition.view == "side" else ratio < limit   # NaN: no verdict
    if wrong:
        side = "below" if definition.view == "side" else "above"
        problems["wrong_view"] = f"{VIEW_METRIC} {ratio:.2f}, needs to be {side} {limit:g} for a {definition.view} view"
    unknown = [m for m in definition.phase_metrics if math.isnan(values.get(m, math.nan))]
    if unknown:
        problems["cannot_measure"] = "unknown: " + ", ".join(unknown)
    return problems


def first_problem(problems: Mapping[str, str]) -> dict[str, str]:
    """Keep only the problem with the highest precedence."""
    for code in SETUP_CODES:
        if code in problems:
            return {code: problems[code]}
    return {}


class SetupCheck:
    """Debounces setup problems into SetupProblem / SetupOk events on media time."""

    def __init__(self, fail_after_s: float, ok_after_s: float) -> None:
        self.fail_after_s = fail_after_s
        self.ok_after_s = ok_after_s
        self.ok = False                           # coaching waits for the first SetupOk
        self._failing_since: dict[str, float] = {}
        self._reported: set[str] = set()
        self._passing_since: float | None = None

    def update(self, t_s: float, problems: Mapping[str, str]) -> list[Event]:
        """`problems`: code -> detail for the checks failing on this frame."""
        for code in list(self._failing_since):
            if code not in problems:
                del self._failing_since[code]
        events: list[Event] = []
        for code, detail in problems.items():
            since = self._failing_since.setdefault(code, t_s)
            if code not in self._reported and t_s - since >= self.fail_after_s - TIME_EPS_S:
                self._reported.add(code)
                self.ok = False
                events.append(SetupProblem(t_s, code, detail))
        blip_s = min(BLIP_S, self.fail_after_s)
        if any(t_s - since >= blip_s - TIME_EPS_S for since in self._failing_since.values()):
            self._passing_since = None
        elif not self.ok:
            self._passing_since = t_s if self._passing_since is None else self._passing_since
            if not problems and t_s - self._passing_since >= self.ok_after_s - TIME_EPS_S:
                self.ok = True
                self._reported.clear()
                events.append(SetupOk(t_s))
        return events
