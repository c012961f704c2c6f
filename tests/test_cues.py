"""The cue policy, fed hand-written engine events on a 10 Hz clock."""

import numpy as np
import pytest

from coach.cues import CuePolicy, CuePolicyParams
from coach.definitions import parse_definition
from coach.events import (FaultEnded, FaultStarted, HoldEnded, HoldProgress, PainReported, RepCompleted,
                          SetComplete, SetupOk, SetupProblem, SideComplete)
from coach.landmarks import Side
from metric_fakes import fake_registry

B = Side.BOTH
PARAMS = CuePolicyParams(min_gap_s=1.5, repeat_window_s=8.0, words_per_s=2.5, speech_pad_s=0.4)


def definition(**cue_policy):
    incline = "trunk_incline_deg"
    return parse_definition({
        "title": "Test", "view": "side",
        "prescription": {"reps": 3, "sides": ["both"], "hold_s": 5},
        "phase": [
            {"name": "top", "enter": {"metric": incline, "below": 15}, "leave": {"metric": incline, "above": 20}},
            {"name": "bottom", "enter": {"metric": incline, "above": 30}, "leave": {"metric": incline, "below": 25}},
        ],
        "rep": {"metric": incline, "sequences": [["top", "bottom", "top"]]},
        "hold": {"phase": "bottom", "countdown_s": [3, 2, 1]},
        "fault": [
            {"code": "rounded_back", "priority": 1, "cue": "Keep your back flat.",
             "when": {"metric": "back_curvature_ratio", "above": 0.06}, "clear": {"metric": "back_curvature_ratio", "below": 0.04}},
            {"code": "squatting", "priority": 2, "cue": "Push your hips back.",
             "when": {"metric": "knee_angle_near_deg", "below": 140}, "clear": {"metric": "knee_angle_near_deg", "above": 150}},
        ],
        "rep_check": [{"code": "rushing", "stat": "duration_s", "below": 2, "priority": 3, "cue": "Slow it down."}],
        "cues": {"hold_done": "And up."},
        "cue_policy": cue_policy,
    }, "test.toml", fake_registry())


def drive(policy, timeline, until_s):
    """Call the policy every 0.1 s; `timeline` maps a time to the events that happen then."""
    said = []
    for t in np.round(np.arange(0, until_s, 0.1), 3):
        said += policy.update(float(t), timeline.get(float(t), []))
    return [(c.t_s, c.text) for c in said]


def started(t, code):
    return FaultStarted(t, code, B, 1)


def test_most_important_active_fault_is_said_first():
    said = drive(CuePolicy(definition(), PARAMS), {1.0: [started(1.0, "squatting"), started(1.0, "rounded_back")]}, 6.0)
    assert [text for _, text in said] == ["Keep your back flat.", "Push your hips back."]


def test_next_cue_waits_for_speech_plus_the_minimum_gap():
    said = drive(CuePolicy(definition(), PARAMS), {1.0: [started(1.0, "squatting"), started(1.0, "rounded_back")]}, 6.0)
    assert said[0][0] == 1.0
    first_end = 1.0 + 0.4 + 4 / 2.5          # "Keep your back flat." takes 2.0 s
    assert said[1][0] == pytest.approx(first_end + 1.5)


def test_cue_is_not_repeated_within_the_window_while_the_fault_lasts():
    said = drive(CuePolicy(definition(), PARAMS), {1.0: [started(1.0, "rounded_back")]}, 12.0)
    assert said == [(1.0, "Keep your back flat."), (9.0, "Keep your back flat.")]


def test_gap_parameter_comes_from_the_definition():
    policy = CuePolicy(definition(min_gap_s=5.0))
    said = drive(policy, {1.0: [started(1.0, "squatting"), started(1.0, "rounded_back")]}, 9.0)
    assert said[1][0] == pytest.approx(1.0 + 2.0 + 5.0)


def test_praise_when_a_cued_fault_is_corrected():
    timeline = {1.0: [started(1.0, "rounded_back")], 4.0: [FaultEnded(4.0, "rounded_back", B, 1, corrected=True)]}
    said = drive(CuePolicy(definition(), PARAMS), timeline, 6.0)
    assert said == [(1.0, "Keep your back flat."), (4.5, "That's it.")]   # 2 s of speech + 1.5 s gap


@pytest.mark.parametrize("corrected, cued", [(True, False), (False, True)])
def test_no_praise_for_a_fault_never_cued_or_not_corrected(corrected, cued):
    # A fault that ends before it could be said (or ends because its phase was left) earns no praise.
    start = 0.5 if cued else 1.0
    timeline = {0.0: [started(0.0, "squatting")], start: [started(start, "rounded_back")],
                1.2: [FaultEnded(1.2, "rounded_back", B, 1, corrected=corrected)]}
    said = drive(CuePolicy(definition(), PARAMS), timeline, 6.0)
    assert "That's it." not in [text for _, text in said]


def test_count_at_rep_end_then_the_rep_fault():
    rep = RepCompleted(2.0, B, 3, 1.5, "trunk_incline_deg", 40.0, "deg", ("rushing",))
    said = drive(CuePolicy(definition(), PARAMS), {2.0: [rep]}, 6.0)
    assert said == [(2.0, "3"), (pytest.approx(2.0 + 0.8 + 1.5), "Slow it down.")]


def test_countdown_is_said_on_time_even_right_after_another_cue():
    timeline = {1.0: [started(1.0, "squatting")], 2.0: [HoldProgress(2.0, B, 2.0, 5.0, 3)],
                3.0: [HoldProgress(3.0, B, 3.0, 5.0, 2)], 4.0: [HoldProgress(4.0, B, 4.0, 5.0, 1)],
                5.0: [HoldProgress(5.0, B, 5.0, 5.0, 0)]}
    said = drive(CuePolicy(definition(), PARAMS), timeline, 6.0)
    assert said[1:] == [(3.0, "2"), (4.0, "1"), (5.0, "And up.")]   # "3" fell inside "Push your hips back."
    assert said[0] == (1.0, "Push your hips back.")


def test_countdown_not_said_for_remaining_seconds_not_listed_or_after_the_hold_ended():
    timeline = {1.0: [HoldProgress(1.0, B, 1.0, 5.0, 4)],
                2.0: [HoldEnded(2.0, B, 0.0, 2.0, 2.0, 5.0), HoldProgress(2.0, B, 2.0, 5.0, 3)]}
    assert drive(CuePolicy(definition(), PARAMS), timeline, 3.0) == [(2.0, "3")]
    timeline = {1.0: [HoldProgress(1.0, B, 1.0, 5.0, 3), HoldEnded(1.0, B, 0.0, 1.0, 1.0, 5.0)]}
    assert drive(CuePolicy(definition(), PARAMS), timeline, 3.0) == []


def test_switch_sides_when_a_side_is_done_and_set_done_at_the_end():
    said = drive(CuePolicy(definition(), PARAMS), {1.0: [SideComplete(1.0, Side.LEFT, 3)],
                                                 5.0: [SideComplete(5.0, Side.RIGHT, 3), SetComplete(5.0, 1, 6)]}, 8.0)
    assert said == [(1.0, "Switch sides."), (5.0, "Set done. Rest.")]


def test_pain_is_said_at_once_and_silences_everything_queued():
    timeline = {1.0: [started(1.0, "rounded_back"), started(1.0, "squatting")], 1.5: [PainReported(1.5)]}
    said = drive(CuePolicy(definition(), PARAMS), timeline, 8.0)
    assert said == [(1.0, "Keep your back flat."), (1.5, "Stop and rest. Tell your therapist about it.")]


def test_only_the_setup_cue_while_setup_fails():
    timeline = {1.0: [started(1.0, "rounded_back"), SetupProblem(1.0, "out_of_frame", "nobody in view")],
                5.0: [SetupOk(5.0)]}
    said = drive(CuePolicy(definition(), PARAMS), timeline, 12.0)
    # The setup cue takes 0.4 + 9 / 2.5 = 4 s; then the 1.5 s gap. The fault waited all along.
    assert said[:2] == [(1.0, "Step back so I can see your whole body."), (6.5, "Good, I can see you.")]
    assert said[2][1] == "Keep your back flat."


def test_cue_decided_names_its_kind_priority_and_source():
    [cue] = CuePolicy(definition(), PARAMS).update(1.0, [started(1.0, "squatting")])
    assert (cue.kind, cue.source, cue.priority) == ("fault", "squatting", 12)
