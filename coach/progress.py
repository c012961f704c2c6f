"""A patient's progress across sessions: reps, holds, range of motion and fault rates per exercise, by
session and by week, and adherence (sessions per week against the prescribed frequency).

Pure computation on `SetRecord`s (coach.store builds them from the catalogue; tests build them by
hand). Weeks start on Monday; a session belongs to the week of its local start date. A session counts
for adherence when at least one rep or hold was done in it: one opened and closed with nothing done
was not an exercise session.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

DEFAULT_SESSIONS_PER_WEEK = 7.0      # the shipped programme is a daily one; a patient record can say otherwise
NAN = math.nan


@dataclass(frozen=True)
class SetRecord:
    """One exercise set of one session, as the catalogue holds it."""

    session_id: int
    started_at: datetime                 # the session's start, local time
    exercise: str
    title: str
    reps: int                            # counted, all sides together
    holds: int
    target_reps: int | None              # per side (holds per side for hold exercises); None: no target
    sides: int                           # how many sides were prescribed (1 for "both")
    target_hold_s: float                 # good-form seconds per hold; 0 = none
    range_values: tuple[float, ...]      # each rep's range of motion, in range_unit
    range_unit: str
    hold_good_s: tuple[float, ...]       # each hold's seconds in good form
    items_with_faults: int               # reps (holds, for hold-only sets) with at least one fault
    fault_codes: tuple[str, ...]         # every fault code of those items, repeats kept
    pain: int                            # pain reports during the set

    @property
    def items(self) -> int:
        """What the set is counted in: reps, or holds when nothing was counted as a rep."""
        return self.reps or self.holds

    @property
    def target_items(self) -> int | None:
        return None if self.target_reps is None else self.target_reps * max(self.sides, 1)


@dataclass(frozen=True)
class SessionPoint:
    """One exercise in one session (its sets together)."""

    session_id: int
    started_at: datetime
    reps: int                            # reps, or holds for hold exercises
    target: int | None
    range_mean: float                    # NaN: no rep with a measured range
    hold_good_mean_s: float              # NaN: no hold
    fault_rate: float                    # share of reps (holds) with a fault; NaN: nothing done
    fault_codes: dict[str, int]
    pain: int

    @property
    def completion(self) -> float:
        """Done / prescribed, 0..1; NaN without a target."""
        return min(1.0, self.reps / self.target) if self.target else NAN


@dataclass(frozen=True)
class WeekPoint:
    week_start: date                     # a Monday
    sessions: int
    reps: int
    range_mean: float
    hold_good_mean_s: float
    fault_rate: float


@dataclass(frozen=True)
class ExerciseProgress:
    exercise: str
    title: str
    range_unit: str
    sessions: list[SessionPoint]
    weeks: list[WeekPoint]
    fault_codes: dict[str, int]          # over every session, most frequent first


@dataclass(frozen=True)
class AdherenceWeek:
    week_start: date
    sessions: int                        # sessions with something done
    target: float

    @property
    def ratio(self) -> float:
        return self.sessions / self.target if self.target > 0 else NAN


@dataclass(frozen=True)
class PatientProgress:
    target_per_week: float
    exercises: dict[str, ExerciseProgress]   # in the order first done
    adherence: list[AdherenceWeek]
    sessions: int                        # sessions with something done
    pain_sessions: int                   # sessions in which pain was reported
    first: date | None
    last: date | None
    notes: list[str] = field(default_factory=list)

    @property
    def adherence_ratio(self) -> float:
        """Sessions done / sessions prescribed over the whole period; NaN for an empty period."""
        target = sum(w.target for w in self.adherence)
        return sum(w.sessions for w in self.adherence) / target if target > 0 else NAN


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def patient_progress(records: Sequence[SetRecord], target_per_week: float | None = None,
                     until: date | None = None) -> PatientProgress:
    """Everything the progress view shows, from a patient's set records (any order).

    `until`: the last day of the adherence period (default: the last session's day); weeks with no
    session up to it count as zero."""
    target = DEFAULT_SESSIONS_PER_WEEK if target_per_week is None else float(target_per_week)
    records = sorted(records, key=lambda r: (r.started_at, r.session_id))
    done = _sessions_done(records)
    by_exercise: dict[str, list[SetRecord]] = {}
    for record in records:
        by_exercise.setdefault(record.exercise, []).append(record)
    days = [r.started_at.date() for r in records]
    first, last = (min(days), max(days)) if days else (None, None)
    end = until or last
    return PatientProgress(
        target_per_week=target,
        exercises={name: _exercise_progress(name, items) for name, items in by_exercise.items()},
        adherence=_adherence(done, target, first, end) if first and end else [],
        sessions=len(done),
        pain_sessions=len({r.session_id for r in records if r.pain}),
        first=first, last=last,
        notes=_notes(records, target_per_week),
    )


def _sessions_done(records: Iterable[SetRecord]) -> dict[int, date]:
    """Sessions in which something was done -> their local start date."""
    return {r.session_id: r.started_at.date() for r in records if r.items > 0}


def _exercise_progress(exercise: str, records: list[SetRecord]) -> ExerciseProgress:
    by_session: dict[int, list[SetRecord]] = {}
    for record in records:
        by_session.setdefault(record.session_id, []).append(record)
    points = [_session_point(sets) for sets in by_session.values()]
    by_week: dict[date, list[SetRecord]] = {}
    for record in records:
        by_week.setdefault(week_start(record.started_at.date()), []).append(record)
    weeks = [_week_point(start, sets) for start, sets in sorted(by_week.items())]
    codes = Counter(code for r in records for code in r.fault_codes)
    unit = next((r.range_unit for r in records if r.range_unit), "")
    return ExerciseProgress(exercise, records[-1].title, unit, points, weeks, dict(codes.most_common()))


def _session_point(sets: list[SetRecord]) -> SessionPoint:
    targets = [s.target_items for s in sets if s.target_items is not None]
    return SessionPoint(
        session_id=sets[0].session_id, started_at=sets[0].started_at,
        reps=sum(s.items for s in sets), target=sum(targets) if targets else None,
        range_mean=_mean(v for s in sets for v in s.range_values),
        hold_good_mean_s=_mean(v for s in sets for v in s.hold_good_s),
        fault_rate=_rate(sum(s.items_with_faults for s in sets), sum(s.items for s in sets)),
        fault_codes=dict(Counter(c for s in sets for c in s.fault_codes)),
        pain=sum(s.pain for s in sets),
    )


def _week_point(start: date, sets: list[SetRecord]) -> WeekPoint:
    return WeekPoint(
        week_start=start, sessions=len({s.session_id for s in sets if s.items > 0}),
        reps=sum(s.items for s in sets),
        range_mean=_mean(v for s in sets for v in s.range_values),
        hold_good_mean_s=_mean(v for s in sets for v in s.hold_good_s),
        fault_rate=_rate(sum(s.items_with_faults for s in sets), sum(s.items for s in sets)),
    )


def _adherence(done: dict[int, date], target: float, first: date, until: date) -> list[AdherenceWeek]:
    counts = Counter(week_start(day) for day in done.values())
    weeks, start = [], week_start(first)
    while start <= week_start(until):
        weeks.append(AdherenceWeek(start, counts.get(start, 0), target))
        start += timedelta(days=7)
    return weeks


def _notes(records: Sequence[SetRecord], target_per_week: float | None) -> list[str]:
    notes = []
    if target_per_week is None:
        notes.append(f"No prescribed frequency on the patient's record: adherence is counted against "
                     f"{DEFAULT_SESSIONS_PER_WEEK:g} sessions a week (a daily programme).")
    if not records:
        notes.append("No sessions recorded yet.")
    return notes


def _mean(values: Iterable[float]) -> float:
    known = [v for v in values if v is not None and math.isfinite(v)]
    return sum(known) / len(known) if known else NAN


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else NAN
