"""Thresholds on named metrics, with minimum duration and hysteresis, on media time.

A condition evaluates to True, False or None (unknown: a metric it reads is NaN or missing).
Unknown never changes state: it neither enters nor leaves, and it neither starts nor breaks a
minimum-duration streak (the streak resumes when the value is known again). How long values stay
unknown is watched by the setup check, not here.

    rule = Rule(Threshold("trunk_incline_deg", "above", 45.0), for_s=0.2)
    latch = Latch(enter=rule, leave=Rule(Threshold("trunk_incline_deg", "below", 40.0)))
    changed = latch.update(t_s, values)   # values: Mapping[str, float]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

Op = Literal["above", "below"]
Values = Mapping[str, float]
TIME_EPS_S = 1e-6    # timestamps are sums of float frame steps: 0.3 - 0.1 must count as 0.2


@dataclass(frozen=True, slots=True)
class Threshold:
    """`metric` strictly above or below `value` (in the metric's own unit)."""

    metric: str
    op: Op
    value: float

    def evaluate(self, values: Values) -> bool | None:
        x = values.get(self.metric, math.nan)
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
        # Both streaks start afresh: the next rule must hold for its own for_s from now on.
        self._enter.reset()
        self._leave.reset()
        return True
