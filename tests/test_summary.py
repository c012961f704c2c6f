from coach.events import (CueDecided, FaultEnded, FaultStarted, HoldEnded, PainReported, RepCompleted,
                          SetupProblem)
from coach.landmarks import Side
from coach.summary import summarize_events


def _rep(t_s, side, number, faults=()):
    return RepCompleted(t_s, side, number, 3.0, "arm_raise_left_deg", 80.0, "deg", tuple(faults))


def test_reps_are_counted_per_side_and_in_total():
    events = [_rep(4.0, Side.LEFT, 1), _rep(8.0, Side.RIGHT, 1), _rep(12.0, Side.LEFT, 2)]
    assert summarize_events(events, 15.0)["reps"] == {"left": 2, "right": 1, "total": 3}


def test_a_continuous_fault_becomes_one_span_and_an_open_one_ends_with_the_video():
    events = [FaultStarted(2.0, "hips_rotating", Side.LEFT, 1), FaultEnded(3.5, "hips_rotating", Side.LEFT, 1, True),
              FaultStarted(9.0, "trunk_sagging", Side.RIGHT, 2)]
    faults = summarize_events(events, 10.0)["faults"]
    assert faults == [{"code": "hips_rotating", "start_s": 2.0, "end_s": 3.5, "side": "left", "rep": 1},
                      {"code": "trunk_sagging", "start_s": 9.0, "end_s": 10.0, "side": "right", "rep": 2}]


def test_a_fault_judged_at_rep_end_spans_that_rep():
    events = [_rep(6.0, Side.LEFT, 1, faults=["rushing"])]
    (fault,) = summarize_events(events, 10.0)["faults"]
    assert fault == {"code": "rushing", "start_s": 3.0, "end_s": 6.0, "side": "left", "rep": 1}


def test_holds_cues_setup_problems_and_pain_are_listed_with_their_times():
    events = [SetupProblem(0.5, "out_of_frame", "left ankle not visible"),
              HoldEnded(14.0, Side.RIGHT, 4.0, 8.5, 10.0, 10.0),
              CueDecided(14.1, "Done, rest.", "hold_done", 3, "HoldEnded"), PainReported(15.0)]
    summary = summarize_events(events, 16.0)
    assert summary["holds"] == [{"side": "right", "start_s": 4.0, "end_s": 14.0, "good_s": 8.5,
                                 "total_s": 10.0, "target_s": 10.0}]
    assert summary["cues"] == [{"t_s": 14.1, "text": "Done, rest.", "kind": "hold_done"}]
    assert summary["setup_problems"][0]["code"] == "out_of_frame"
    assert summary["pain"] == [{"t_s": 15.0}]
