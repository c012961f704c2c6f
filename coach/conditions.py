"""Thresholds on named metrics, with minimum duration and hysteresis, on media time.

A condition evaluates to True, False or None (unknown: a metric it reads is NaN or missing).
Unknown never changes state: it neither enters nor leaves, and it neither starts nor breaks a
minimum-duration streak (the streak resumes when the value is known again). How long values stay
unknown is watched by the setup check, not here.

    rule = Rule(Threshold("trunk_incline_deg", "above", 45.0), for_s=0.2)
    latch = Latch(enter=rule, leave=Rule(Threshold("trunk_incline_deg", "below", 40.0)))
    changed = latch.update(t_s, values)   # values: Mapping[str, float]

A threshold may compare the change of a metric since the current rep began instead of its value
(`relative_to="rep_start"`): it then reads `values[change_key(metric)]`, which the engine fills
in. Such thresholds judge movement against the patient's own starting posture, so they do not
depend on body shape or camera height the way an absolute angle does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

Op = Literal["above", "below"]
Values = Mapping[str, float]
TIME_EPS_S = 1e-6    # timestamps are sums of float frame steps: 0.3 - 0.1 must count as 0.2


RELATIVE_TO = ("rep_start",)   # what a threshold's change may be measured from


def change_key(metric: str) -> str:
    """The values key holding the change of `metric` since the current rep began."""
    return f"{metric}@rep_start"


@dataclass(frozen=True, slots=True)
class Threshold:
    """`metric` (or, with relative_to, its change since then) strictly above or below `value`."""

    metric: str
    op: Op
    value: float
    relative_to: str | None = None

    @property
    def key(self) -> str:
        """The values key this threshold reads."""
        return self.metric if self.relative_to is None else change_key(self.metric)

    def evaluate(self, values: Values) -> bool | None:
        x = values.get(self.key, math.nan)
        if math.isnan(x):
            return None
        return x > self.value if self.op == "above" else x < self.value


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]

    def evaluate(self, values: Values) -> bool | None:
        # Kleene logic: one known False decides; otherwise any unknown makes the whole unknown.
        results = [p.evaluate(values) for p in self.parts]
        if False in results:
            return False
        return None if None in results else True


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def evaluate(self, values: Values) -> bool | None:
        results = [p.evaluate(values) for p in self.parts]
        if True in results:
            return True
        return None if None in results else False


Condition: TypeAlias = Threshold | AllOf | AnyOf


def thresholds(condition: Condition) -> Iterator[Threshold]:
    """Every Threshold inside a condition, depth first."""
    if isinstance(condition, Threshold):
        yield condition
    else:
        for part in condition.parts:
            yield from thresholds(part)


@dataclass(frozen=True, slots=True)
class Rule:
    """A condition that must hold without a known break for `for_s` seconds of media time."""

    condition: Condition
    for_s: float = 0.0

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.metric for t in thresholds(self.condition)))


class Persistence:
    """Tracks how long a rule's condition has held; fires once it has held for `for_s`."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self._since_s: float | None = None   # start of the current streak of True

    def reset(self) -> None:
        self._since_s = None

    @property
    def since_s(self) -> float | None:
        """Start of the current streak of True (when a change it confirms really began)."""
        return self._since_s

    def update(self, t_s: float, values: Values) -> bool | None:
        """True when the condition has held for for_s, False when it is known false, None if unknown."""
        state = self.rule.condition.evaluate(values)
        if state is None:
            return None
        if not state:
            self._since_s = None
            return False
        if self._since_s is None:
            self._since_s = t_s
        return t_s - self._since_s >= self.rule.for_s - TIME_EPS_S


class Latch:
    """A two-state switch: turns on when `enter` fires, off when `leave` fires (hysteresis)."""

    def __init__(self, enter: Rule, leave: Rule) -> None:
        self._enter = Persistence(enter)
        self._leave = Persistence(leave)
        self.active = False
        self.changed_at_s = math.nan   # when the rule behind the last flip began to hold

    def reset(self) -> None:
        self.active = False
        self._enter.reset()
        self._leave.reset()

    def update(self, t_s: float, values: Values) -> bool:
        """Feed one sample; returns True when the state flipped on this sample."""
        tracker = self._leave if self.active else self._enter
        if tracker.update(t_s, values) is not True:
            return False
        self.active = not self.active
        self.changed_at_s = t_s if tracker.since_s is None else tracker.since_s
        # Both streaks start afresh: the next rule must hold for its own for_s from now on.
        self._enter.reset()
        self._leave.reset()
        return True
