import math

import pytest

from coach.conditions import AllOf, AnyOf, Latch, Persistence, Rule, Threshold, thresholds

NAN = math.nan
above_45 = Threshold("incline_deg", "above", 45.0)
below_40 = Threshold("incline_deg", "below", 40.0)


@pytest.mark.parametrize("value, expected", [(50.0, True), (45.0, False), (10.0, False), (NAN, None)])
def test_threshold_is_strict_and_unknown_for_nan(value, expected):
    assert above_45.evaluate({"incline_deg": value}) is expected


def test_missing_metric_is_unknown():
    assert above_45.evaluate({}) is None


@pytest.mark.parametrize("a, b, all_, any_", [
    (True, True, True, True), (True, False, False, True), (False, None, False, None),
    (True, None, None, True), (None, None, None, None),
])
def test_all_and_any_follow_three_valued_logic(a, b, all_, any_):
    values = {"a": {True: 1.0, False: -1.0, None: NAN}[a], "b": {True: 1.0, False: -1.0, None: NAN}[b]}
    parts = (Threshold("a", "above", 0.0), Threshold("b", "above", 0.0))
    assert AllOf(parts).evaluate(values) is all_
    assert AnyOf(parts).evaluate(values) is any_


def test_thresholds_lists_nested_parts():
    cond = AnyOf((above_45, AllOf((below_40, Threshold("knee_deg", "above", 1.0)))))
    assert [t.metric for t in thresholds(cond)] == ["incline_deg", "incline_deg", "knee_deg"]
    assert Rule(cond).metrics == ("incline_deg", "knee_deg")


def feed(tracker, samples):
    return [tracker.update(t, {"incline_deg": v}) for t, v in samples]


def test_persistence_fires_only_after_for_s_of_media_time():
    p = Persistence(Rule(above_45, for_s=0.2))
    assert feed(p, [(0.0, 50), (0.1, 50), (0.19, 50), (0.2, 50)]) == [False, False, False, True]


def test_persistence_restarts_after_a_known_false_sample():
    p = Persistence(Rule(above_45, for_s=0.2))
    assert feed(p, [(0.0, 50), (0.15, 10), (0.2, 50), (0.35, 50), (0.4, 50)]) == [False, False, False, False, True]


def test_unknown_neither_starts_nor_breaks_a_streak():
    p = Persistence(Rule(above_45, for_s=0.2))
    assert feed(p, [(0.0, NAN), (0.1, 50), (0.2, NAN), (0.25, NAN), (0.3, 50)]) == [None, False, None, None, True]


def test_latch_needs_the_leave_threshold_to_switch_off():
    latch = Latch(Rule(above_45), Rule(below_40))
    flips = feed(latch, [(0, 50), (1, 42), (2, 44), (3, 46), (4, 39), (5, 44)])
    assert flips == [True, False, False, False, True, False]
    assert latch.active is False


def test_latch_holds_its_state_while_the_value_is_unknown():
    latch = Latch(Rule(above_45), Rule(below_40))
    feed(latch, [(0, 50), (1, NAN), (2, NAN)])
    assert latch.active is True


def test_latch_leave_streak_starts_fresh_after_entering():
    latch = Latch(Rule(above_45), Rule(below_40, for_s=1.0))
    feed(latch, [(0, 50), (0.5, 30), (1.0, 30), (1.4, 30)])
    assert latch.active is True          # 0.9 s below 40 is not enough
    feed(latch, [(1.5, 30)])
    assert latch.active is False
