"""Progress across sessions and weeks: per-exercise points, weekly aggregates and adherence."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest

from coach.performer import Fault, Script
from coach.progress import DEFAULT_SESSIONS_PER_WEEK, SetRecord, patient_progress, week_start
from coach.store import Store
from tests.test_store import MONDAY, record_session

WEEK1 = datetime(2025, 5, 5, 9, 0)              # a Monday


def hinge(session_id: int, when: datetime, reps: int = 10, ranges: tuple[float, ...] = (50.0,),
          faulty: int = 0, pain: int = 0) -> SetRecord:
    return SetRecord(session_id, when, "hip_hinge", "Hip hinge", reps, 0, 10, 1, 0.0, ranges, "deg", (),
                     faulty, ("squatting",) * faulty, pain)


def plank(session_id: int, when: datetime, holds: int = 2, good_s: tuple[float, ...] = (12.0, 14.0),
          faulty: int = 0) -> SetRecord:
    return SetRecord(session_id, when, "side_plank", "Side plank", 0, holds, 1, 2, 20.0, (), "", good_s,
                     faulty, ("hips_sagging",) * faulty, 0)


def test_each_session_gives_one_point_per_exercise_with_its_sets_together():
    records = [hinge(1, WEEK1, reps=10, ranges=(40.0, 50.0), faulty=5),
               hinge(1, WEEK1, reps=10, ranges=(60.0,), faulty=0),          # a second set, same session
               hinge(2, WEEK1 + timedelta(days=2), reps=8, ranges=(55.0,), faulty=2)]
    (first, second) = patient_progress(records, 3).exercises["hip_hinge"].sessions
    assert (first.reps, first.target, first.range_mean, first.fault_rate) == (20, 20, 50.0, 0.25)
    assert first.completion == 1.0 and second.completion == pytest.approx(0.8)
    assert math.isnan(first.hold_good_mean_s)


def test_weeks_aggregate_sessions_reps_range_and_fault_rate():
    records = [hinge(1, WEEK1, reps=10, ranges=(40.0,), faulty=4),
               hinge(2, WEEK1 + timedelta(days=3), reps=10, ranges=(50.0,), faulty=2),
               hinge(3, WEEK1 + timedelta(weeks=1), reps=10, ranges=(60.0,), faulty=0)]
    weeks = patient_progress(records, 3).exercises["hip_hinge"].weeks
    assert [w.week_start for w in weeks] == [date(2025, 5, 5), date(2025, 5, 12)]
    assert [(w.sessions, w.reps, w.range_mean, w.fault_rate) for w in weeks] == [(2, 20, 45.0, 0.3), (1, 10, 60.0, 0.0)]


def test_a_hold_exercise_is_counted_in_holds_and_its_hold_times():
    (point,) = patient_progress([plank(1, WEEK1, good_s=(10.0, 20.0), faulty=1)]).exercises["side_plank"].sessions
    assert (point.reps, point.target, point.hold_good_mean_s, point.fault_rate) == (2, 2, 15.0, 0.5)
    assert math.isnan(point.range_mean)


def test_adherence_counts_sessions_per_week_against_the_prescription_including_empty_weeks():
    records = [hinge(1, WEEK1), hinge(2, WEEK1 + timedelta(days=1)), hinge(3, WEEK1 + timedelta(days=2)),
               hinge(4, WEEK1 + timedelta(weeks=2))]
    progress = patient_progress(records, 3, until=date(2025, 5, 28))
    assert [(w.week_start, w.sessions) for w in progress.adherence] == [
        (date(2025, 5, 5), 3), (date(2025, 5, 12), 0), (date(2025, 5, 19), 1), (date(2025, 5, 26), 0)]
    assert [w.ratio for w in progress.adherence] == [1.0, 0.0, pytest.approx(1 / 3), 0.0]
    assert progress.adherence_ratio == pytest.approx(4 / 12) and progress.sessions == 4


def test_a_session_in_which_nothing_was_done_does_not_count_for_adherence():
    records = [hinge(1, WEEK1), hinge(2, WEEK1 + timedelta(days=1), reps=0, ranges=())]
    progress = patient_progress(records, 2)
    assert progress.sessions == 1 and progress.adherence[0].sessions == 1
    assert len(progress.exercises["hip_hinge"].sessions) == 2            # still shown as a point, with 0 reps


def test_without_a_prescribed_frequency_the_default_is_used_and_said():
    progress = patient_progress([hinge(1, WEEK1)])
    assert progress.target_per_week == DEFAULT_SESSIONS_PER_WEEK
    assert any("No prescribed frequency" in note for note in progress.notes)
    assert patient_progress([], 3).adherence == [] and patient_progress([], 3).first is None


def test_fault_codes_are_counted_most_frequent_first_and_pain_sessions_are_counted():
    records = [hinge(1, WEEK1, faulty=1, pain=1), plank(1, WEEK1, faulty=2), hinge(2, WEEK1 + timedelta(days=1), faulty=3)]
    progress = patient_progress(records, 5)
    assert progress.exercises["hip_hinge"].fault_codes == {"squatting": 4}
    assert progress.pain_sessions == 1 and list(progress.exercises) == ["hip_hinge", "side_plank"]
    assert week_start(date(2025, 5, 11)) == date(2025, 5, 5)


def test_progress_from_recorded_sessions_over_weeks_follows_what_was_counted(tmp_path):
    patient = ("P-0042", "Ann Example")
    scripts = [Script(reps=2, faults=(Fault("squatting", reps=(1, 2)),)), Script(reps=3, faults=(Fault("squatting", reps=(2,)),)),
               Script(reps=3)]
    for week, script in enumerate(scripts):
        record_session(tmp_path, "hip_hinge", script, started=MONDAY + timedelta(weeks=week), patient=patient,
                       seed=week, video=False)
    with Store(tmp_path) as store:
        store.sync()
        owner = store.add_patient("P-0042", sessions_per_week=2)
        progress = patient_progress(store.set_records(owner.id), owner.sessions_per_week)
    points = progress.exercises["hip_hinge"].sessions
    assert [p.reps for p in points] == [2, 3, 3]
    assert [round(p.fault_rate, 2) for p in points] == [1.0, 0.33, 0.0]
    assert [w.sessions for w in progress.adherence] == [1, 1, 1] and progress.adherence_ratio == pytest.approx(0.5)
