"""One generic engine: an exercise definition in, events out. No exercise is named in this code.

Per frame: metrics are computed through the registry, the setup check runs (coaching pauses while
it fails), then the phase machine advances and holds, reps, sides, sets and faults follow from it.

- Phases: each named phase has an enter and a leave rule (hysteresis, minimum duration). While
  none is active the machine is in "between". A phase is left before another can be entered.
  Changes are dated to when they really happened, not to when the debouncing confirmed them:
  a phase is entered when its enter rule began to hold (for_s confirms, it does not delay) and
  left at the last moment its enter condition held (the position was given up then, whatever
  the leave rule's hysteresis and for_s). Rep durations and hold times use these dates;
  events carry the time a change was confirmed.
- Reps: the named phases visited (consecutive repeats merged: a half-way bend and return is not a
  visit of another phase) are matched against the definition's sequences; a match is a rep, from
  leaving its first phase to entering its last. The last phase then starts the next rep.
- Sides: votes of the side metric since the previous rep decide the side of a rep, hold or fault.
- Holds: entering the hold phase opens a hold; its good time advances only while the position is
  actually held (the hold phase's enter condition is true, not just "not yet left") and no fault
  is active; a fault confirmed after its for_s takes back the good time since it began.
- Baselines: conditions may judge a metric's change since the rep began (relative_to =
  "rep_start"): from its median while in the first phase of a rep sequence (the rest position)
  during the last BASELINE_WINDOW_S, less the last BASELINE_LAG_S; frozen when that phase is left.
- Faults: latched (when / clear) only while the machine is in one of their phases; attributed to
  the rep in progress on the current side. Rep checks are evaluated once, at the end of each rep.
All timing is media time (`t_s` of the frames); frames must not go back in time.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coach.conditions import TIME_EPS_S, Latch, Persistence, change_key, thresholds
from coach.definitions import (BETWEEN, ExerciseDefinition, Fault, Phase, Registry, RepCheck, SideRule,
                               default_registry, with_prescription)
from coach.events import (Event, FaultEnded, FaultStarted, HoldEnded, HoldProgress, HoldStarted,
                          PainReported, PhaseEntered, RepCompleted, SetComplete, SideComplete)
from coach.frames import MetricFrame, PoseFrame
from coach.metrics import compute as compute_metrics
from coach.landmarks import Side
from coach.setup_check import SetupCheck, first_problem, frame_problems, metric_problems

log = logging.getLogger(__name__)

Values = Mapping[str, float]
BASELINE_WINDOW_S = 5.0     # the resting value of relative conditions: median of the rest samples
BASELINE_LAG_S = 0.5        # of the last 5 s, but not the last half second (a movement may have begun)


class Engine:
    """Runs one exercise definition over a stream of frames and returns the events of each."""

    def __init__(self, definition: ExerciseDefinition, registry: Registry | None = None,
                 prescription: Mapping[str, Any] | None = None) -> None:
        if prescription:
            definition = with_prescription(definition, prescription, registry)
        self.definition = definition
        self._registry = registry
        d = definition
        self._setup = SetupCheck(d.setup.fail_after_s, d.setup.ok_after_s)
        self._phases = _PhaseMachine(d.phases)
        self._visits = _Visits(d.rep.sequences)
        self._side = _SideVote(d.side)
        self._faults = _Faults(d.faults)
        self._samples = _Samples(_stat_metrics(d))
        self._baseline = _Baseline(_relative_metrics(d), {seq[0] for seq in d.rep.sequences})
        self._hold_phase = next((p for p in d.phases if d.hold and p.name == d.hold.phase), None)
        self._hold: _Hold | None = None
        self._good_form = False                   # on the last frame: held position, no active fault
        self._counts: Counter[Side] = Counter()
        self._done_sides: set[Side] = set()
        self._rep_faults: dict[str, None] = {}    # codes seen since the previous rep, in order
        self._rep_hold_good_s = 0.0
        self._rep_hold_total_s = 0.0
        self._last_t_s: float | None = None       # last frame the machine ran on; None while paused
        self._seen_t_s = -math.inf
        self._stopped = False
        self.set_number = 1

    # -- public

    @property
    def phase(self) -> str:
        return self._phases.current

    @property
    def setup_ok(self) -> bool:
        return self._setup.ok

    @property
    def active_faults(self) -> tuple[str, ...]:
        return tuple(self._faults.active)

    def reps(self, side: Side = Side.BOTH) -> int:
        """Reps counted on one side in the current set."""
        return self._counts[side]

    def update(self, frame: PoseFrame) -> list[Event]:
        """Feed one pose frame (smoothed, swaps repaired); returns the events it caused."""
        if self._registry is None:
            self._registry = default_registry()
        mf = compute_metrics(frame, self.definition.metrics, self._registry)
        return self._step(mf, frame_problems(frame, self.definition))

    def update_metrics(self, mf: MetricFrame) -> list[Event]:
        """Feed metric values directly (tests, replays): the pose-only setup checks are skipped."""
        return self._step(mf, {})

    def report_pain(self, t_s: float) -> list[Event]:
        """The patient said it hurts: the set stops here; later frames produce no events."""
        events: list[Event] = [PainReported(t_s), *self._close(t_s)]
        self._stopped = True
        return events

    def finish(self, t_s: float) -> list[Event]:
        """End of input: close the open hold and faults (a rep in progress is not counted)."""
        return self._close(t_s)

    # -- per frame

    def _step(self, mf: MetricFrame, problems: dict[str, str]) -> list[Event]:
        t_s = float(mf.t_s)       # a numpy scalar would leak into every event
        if t_s < self._seen_t_s:
            raise ValueError(f"frame time went back from {self._seen_t_s} s to {t_s} s; "
                             "frames must be in media-time order")
        self._seen_t_s = t_s
        if self._stopped:
            return []
        problems = first_problem({**problems, **metric_problems(mf.values, self.definition)})
        events = self._setup.update(t_s, problems)
        if not self._setup.ok:
            self._last_t_s = None    # paused: no time passes for the open hold
            return events
        return events + self._advance(t_s, mf.values)

    def _advance(self, t_s: float, values: Values) -> list[Event]:
        dt = 0.0 if self._last_t_s is None else t_s - self._last_t_s
        self._last_t_s = t_s
        self._samples.add(t_s, values)
        self._side.sample(values)
        values = self._baseline.with_changes(values)
        events: list[Event] = []
        if self._hold is not None:   # the time since the last frame belongs to the state before it
            events += self._hold.advance(t_s, dt, good=self._good_form)
        left, entered = self._phases.update(t_s, values)
        if left is not None:
            self._visits.left(self._phases.left_at_s, left)
            if self._hold is not None and self._hold_phase and left == self._hold_phase.name:
                events.append(self._end_hold(t_s, self._phases.left_at_s))
        if left is not None or entered is not None:
            events.append(PhaseEntered(t_s, self._phases.current, self._side.current))
        # Faults before reps: a fault ending because its phases were left must not carry over
        # into the next rep, and one starting on a rep's last frame belongs to that rep.
        side = self._side.current
        for e in self._faults.update(t_s, values, self._phases.current, side, self._counts[side] + 1):
            if isinstance(e, FaultStarted):
                self._rep_faults[e.code] = None
                if self._hold is not None:
                    self._hold.revoke_good_since(self._faults.began_s[e.code])
            events.append(e)
        if entered is not None:
            events += self._entered(t_s, entered)
        self._baseline.update(t_s, self._phases.current, values)
        self._samples.prune(self._visits.earliest_start_s(t_s))
        self._good_form = self._holding_well(values)
        return events

    def _holding_well(self, values: Values) -> bool:
        if self._hold is None or self._hold_phase is None or self._faults.active:
            return False
        held = self._hold_phase.enter.condition.evaluate(values)
        return self._good_form if held is None else held   # unknown (a landmark flickering) changes nothing

    def _entered(self, t_s: float, phase: str) -> list[Event]:
        events: list[Event] = []
        at_s = self._phases.entered_at_s
        if self._hold_phase and phase == self._hold_phase.name:
            self._hold = _Hold(self._side.current, at_s, self.definition.prescription.hold_s)
            events.append(HoldStarted(t_s, self._hold.side, self._hold.target_s))
            # The position was held while for_s confirmed it: that time counts, as good form
            # unless a fault is already active.
            events += self._hold.advance(t_s, t_s - at_s, good=not self._faults.active)
        start_s = self._visits.entered(at_s, phase)
        if start_s is not None:
            events += self._complete_rep(start_s, at_s, t_s)
        return events

    # -- reps, sides, sets

    def _complete_rep(self, start_s: float, end_s: float, t_s: float) -> list[Event]:
        """The rep from start_s to end_s (dated), confirmed at t_s; its metric statistics also
        take in the confirmation, where the patient settles back into the start position."""
        d = self.definition
        side = self._side.current
        failed = [c.code for c in d.rep_checks if self._rep_check_fails(c, start_s, end_s, t_s)]
        self._counts[side] += 1
        lo, hi = self._samples.extremes(d.rep.metric, start_s, t_s)
        rep = RepCompleted(t_s, side, self._counts[side], end_s - start_s, d.rep.metric, hi - lo,
                           d.units[d.rep.metric], tuple(dict.fromkeys([*self._rep_faults, *failed])))
        self._rep_faults = dict.fromkeys(self._faults.active)   # still active: part of the next rep too
        self._rep_hold_good_s = self._rep_hold_total_s = 0.0
        self._side.reset()
        return [rep, *self._progress(t_s, side)]

    def _rep_check_fails(self, check: RepCheck, start_s: float, end_s: float, t_s: float) -> bool:
        value = self._rep_stat(check, start_s, end_s, t_s)
        return check.threshold.evaluate({check.label: value}) is True

    def _rep_stat(self, check: RepCheck, start_s: float, end_s: float, t_s: float) -> float:
        good, total = self._rep_hold_good_s, self._rep_hold_total_s
        if self._hold is not None:   # a hold still open at the rep's end counts so far
            good, total = good + self._hold.good_s, total + self._hold.total_s
        target = self.definition.prescription.hold_s
        if check.stat == "duration_s":
            return end_s - start_s
        if check.stat == "move_s":
            return end_s - start_s - total
        if check.stat == "hold_good_s":
            return good
        if check.stat in ("hold_good_ratio", "hold_total_ratio"):
            held = good if check.stat == "hold_good_ratio" else total
            return held / target if target > 0 else math.nan
        assert check.metric is not None   # the loader requires one for max / min / range
        lo, hi = self._samples.extremes(check.metric, start_s, t_s)
        return {"max": hi, "min": lo, "range": hi - lo}[check.stat]

    def _progress(self, t_s: float, side: Side) -> list[Event]:
        p = self.definition.prescription
        if side not in p.sides or self._counts[side] != p.reps:
            return []
        events: list[Event] = [SideComplete(t_s, side, p.reps)]
        self._done_sides.add(side)
        if self._done_sides.issuperset(p.sides):
            events.append(SetComplete(t_s, self.set_number, sum(self._counts.values())))
            log.info("set %d of %s complete", self.set_number, self.definition.name)
            self.set_number += 1
            self._counts.clear()
            self._done_sides.clear()
        return events

    # -- holds and closing

    def _end_hold(self, t_s: float, end_s: float | None = None) -> HoldEnded:
        """Close the hold; `end_s`: when the position was really given up (default t_s)."""
        assert self._hold is not None
        ended = self._hold.end(t_s, t_s if end_s is None else end_s)
        self._rep_hold_good_s += ended.good_s
        self._rep_hold_total_s += ended.total_s
        self._hold = None
        return ended

    def _close(self, t_s: float) -> list[Event]:
        events: list[Event] = []
        if self._hold is not None:
            events.append(self._end_hold(t_s))
        events += self._faults.close_all(t_s)
        return events


def _stat_metrics(d: ExerciseDefinition) -> tuple[str, ...]:
    """Metrics whose history a rep needs: the main metric and those of max/min/range checks."""
    return tuple(dict.fromkeys([d.rep.metric, *(c.metric for c in d.rep_checks if c.metric)]))


def _relative_metrics(d: ExerciseDefinition) -> tuple[str, ...]:
    """Metrics some condition judges by their change since the rep began."""
    rules = [r for p in d.phases for r in (p.enter, p.leave)] + [r for f in d.faults for r in (f.when, f.clear)]
    return tuple(dict.fromkeys(t.metric for r in rules for t in thresholds(r.condition) if t.relative_to))


class _PhaseMachine:
    """The current phase: named phases by their enter / leave rules, else BETWEEN.

    After `update`, `entered_at_s` / `left_at_s` date the changes it reported: when the enter
    rule began to hold, and the last moment the left phase's enter condition held."""

    def __init__(self, phases: Sequence[Phase]) -> None:
        self.phases = tuple(phases)
        self.current = BETWEEN
        self._by_name = {p.name: p for p in phases}
        self._enter = {p.name: Persistence(p.enter) for p in phases}
        self._leave = {p.name: Persistence(p.leave) for p in phases}
        self.left_at_s = self.entered_at_s = math.nan
        self._held_s = math.nan      # last moment the current phase's enter condition held

    def update(self, t_s: float, values: Values) -> tuple[str | None, str | None]:
        """(phase left, phase entered) on this sample, each None if no change."""
        # Every enter rule keeps its own streak, so a phase whose rule has already held long
        # enough is entered on the very sample the previous phase is left.
        ready = [p.name for p in self.phases if self._enter[p.name].update(t_s, values) is True]
        left = None
        if self.current != BETWEEN:
            if self._by_name[self.current].enter.condition.evaluate(values) is True:
                self._held_s = t_s
            if self._leave[self.current].update(t_s, values) is not True:
                return None, None
            left, self.current = self.current, BETWEEN
            self.left_at_s = self._held_s
        for name in ready:
            if name != left:
                self.current = name
                self._leave[name].reset()
                since_s = self._enter[name].since_s
                # Not before the previous phase was left: one phase at a time.
                self.entered_at_s = max(t_s if since_s is None else since_s,
                                        self.left_at_s if left is not None else -math.inf)
                self._held_s = t_s
                return left, name
        return left, None


@dataclass(slots=True)
class _Visit:
    phase: str
    entered_s: float
    left_s: float | None = None


class _Visits:
    """Named phases visited recently, matched against the rep sequences."""

    def __init__(self, sequences: Sequence[tuple[str, ...]]) -> None:
        self.sequences = tuple(sequences)
        self._keep = max(len(s) for s in sequences)
        self._history: list[_Visit] = []

    def left(self, t_s: float, phase: str) -> None:
        if self._history and self._history[-1].phase == phase:
            self._history[-1].left_s = t_s

    def entered(self, t_s: float, phase: str) -> float | None:
        """Record an entry; returns the start of the rep it completes, else None."""
        if self._history and self._history[-1].phase == phase:
            self._history[-1].left_s = None        # back without visiting another phase: same visit
        else:
            self._history = [*self._history, _Visit(phase, t_s)][-self._keep:]
        names = tuple(v.phase for v in self._history)
        for seq in self.sequences:
            if names[-len(seq):] == seq:
                start_s = self._history[-len(seq)].left_s
                self._history = self._history[-1:]   # the last phase of this rep starts the next
                return start_s
        return None

    def earliest_start_s(self, now_s: float) -> float:
        """No rep that can still complete started before this."""
        if not self._history or self._history[0].left_s is None:
            return now_s
        return self._history[0].left_s


class _SideVote:
    """Side of the rep in progress: majority of the side metric's known signs since the last rep."""

    def __init__(self, rule: SideRule) -> None:
        self.rule = rule
        self._votes: Counter[Side] = Counter()

    def sample(self, values: Values) -> None:
        if self.rule.metric is None:
            return
        code = values.get(self.rule.metric, math.nan)
        if code > 0:            # NaN and 0 (no side leads) do not vote
            self._votes[Side.LEFT] += 1
        elif code < 0:
            self._votes[Side.RIGHT] += 1

    @property
    def current(self) -> Side:
        if self.rule.metric is None:
            return self.rule.fixed
        left, right = self._votes[Side.LEFT], self._votes[Side.RIGHT]
        return Side.LEFT if left > right else Side.RIGHT if right > left else Side.BOTH

    def reset(self) -> None:
        self._votes.clear()


class _Hold:
    """An open hold; good time advances only while no fault is active."""

    def __init__(self, side: Side, start_s: float, target_s: float) -> None:
        self.side, self.start_s, self.target_s = side, start_s, target_s
        self.good_s = self.total_s = 0.0
        self._good_log: list[tuple[float, float]] = []   # (t_s, good_s) after each advance
        # Next countdown mark, in whole seconds of good time still needed (None: no target).
        self._remaining: int | None = math.ceil(target_s) - 1 if target_s > 0 else None

    def advance(self, t_s: float, dt_s: float, good: bool) -> list[HoldProgress]:
        self.total_s += dt_s
        if good:
            self.good_s += dt_s
        self._good_log.append((t_s, self.good_s))
        marks = []
        while self._remaining is not None and self.good_s >= self.target_s - self._remaining - TIME_EPS_S:
            marks.append(HoldProgress(t_s, self.side, self.good_s, self.target_s, self._remaining))
            self._remaining = self._remaining - 1 if self._remaining > 0 else None
        return marks

    def revoke_good_since(self, since_s: float) -> None:
        """Good time after `since_s` did not count after all: a fault had begun then."""
        before = [good for t, good in self._good_log if t <= since_s]
        self.good_s = min(self.good_s, before[-1] if before else 0.0)

    def end(self, t_s: float, end_s: float) -> HoldEnded:
        """Closed at t_s; the position was last held at `end_s`: later time is not held."""
        total = max(0.0, self.total_s - max(0.0, t_s - end_s))
        return HoldEnded(t_s, self.side, self.start_s, min(self.good_s, total), total, self.target_s)


@dataclass(slots=True)
class _ActiveFault:
    side: Side
    rep: int


class _Faults:
    """Latches of the continuous faults; a fault is watched only in its phases."""

    def __init__(self, faults: Sequence[Fault]) -> None:
        self.faults = tuple(faults)
        self._latches = {f.code: Latch(f.when, f.clear) for f in faults}
        self.active: dict[str, _ActiveFault] = {}
        self.began_s: dict[str, float] = {}      # when each active fault's `when` began to hold

    def update(self, t_s: float, values: Values, phase: str, side: Side, rep: int) -> list[Event]:
        events: list[Event] = []
        for f in self.faults:
            latch = self._latches[f.code]
            if f.phases is not None and phase not in f.phases:
                if f.code in self.active:
                    events.append(self._end(t_s, f.code, corrected=False))
                latch.reset()      # a streak must not carry over from one visit of its phases to the next
            elif latch.update(t_s, values):
                if latch.active:
                    self.active[f.code] = _ActiveFault(side, rep)
                    self.began_s[f.code] = latch.changed_at_s
                    events.append(FaultStarted(t_s, f.code, side, rep))
                else:
                    events.append(self._end(t_s, f.code, corrected=True))
        return events

    def close_all(self, t_s: float) -> list[Event]:
        events: list[Event] = [self._end(t_s, code, corrected=False) for code in list(self.active)]
        for latch in self._latches.values():
            latch.reset()
        return events

    def _end(self, t_s: float, code: str, corrected: bool) -> FaultEnded:
        a = self.active.pop(code)
        return FaultEnded(t_s, code, a.side, a.rep, corrected)


class _Baseline:
    """Each relative metric's resting value, and changes from it.

    The resting value is the median of the samples taken in a rep's first phase during the last
    BASELINE_WINDOW_S (short rests between reps pool together), leaving out the last
    BASELINE_LAG_S: a rest phase is left only once the movement is well under way (hysteresis),
    and its start must not be the baseline."""

    def __init__(self, metrics: Sequence[str], start_phases: set[str]) -> None:
        self.metrics = tuple(metrics)
        self.start_phases = start_phases
        self._rows: deque[tuple[float, tuple[float, ...]]] = deque()
        self._values: dict[str, float] = {}

    def with_changes(self, values: Values) -> Values:
        """`values` plus change_key(m) -> change since the baseline (NaN before one exists)."""
        if not self.metrics:
            return values
        changes = {change_key(m): values.get(m, math.nan) - self._values.get(m, math.nan) for m in self.metrics}
        return {**values, **changes}

    def update(self, t_s: float, phase: str, values: Values) -> None:
        if not self.metrics:
            return
        if phase not in self.start_phases:
            return
        self._rows.append((t_s, tuple(values.get(m, math.nan) for m in self.metrics)))
        while self._rows[0][0] < t_s - BASELINE_WINDOW_S:
            self._rows.popleft()
        settled = [row for t, row in self._rows if t <= t_s - BASELINE_LAG_S]
        for i, m in enumerate(self.metrics):
            known = [row[i] for row in settled if not math.isnan(row[i])]
            if known:
                self._values[m] = statistics.median(known)


class _Samples:
    """Recent values of the metrics rep statistics need, for extremes over a rep's time span."""

    def __init__(self, metrics: Sequence[str]) -> None:
        self.metrics = tuple(metrics)
        self._rows: deque[tuple[float, tuple[float, ...]]] = deque()

    def add(self, t_s: float, values: Values) -> None:
        self._rows.append((t_s, tuple(values.get(m, math.nan) for m in self.metrics)))

    def prune(self, before_s: float) -> None:
        while self._rows and self._rows[0][0] < before_s:
            self._rows.popleft()

    def extremes(self, metric: str, start_s: float, end_s: float) -> tuple[float, float]:
        """(min, max) of the known values in [start_s, end_s]; (NaN, NaN) if none is known."""
        i = self.metrics.index(metric)
        known = [row[i] for t, row in self._rows if start_s <= t <= end_s and not math.isnan(row[i])]
        return (min(known), max(known)) if known else (math.nan, math.nan)
