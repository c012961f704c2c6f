"""The generic engine, fed hand-written metric values (small definitions built as dicts)."""

import math

import numpy as np
import pytest

from coach.definitions import load_definition, parse_definition, poses_dir
from coach.engine import Engine
from coach.events import (FaultEnded, FaultStarted, HoldEnded, HoldProgress, HoldStarted, PainReported,
                          PhaseEntered, RepCompleted, SetComplete, SetupOk, SetupProblem, SideComplete)
from coach.frames import MetricFrame
from coach.landmarks import Side
from metric_fakes import fake_registry, pose_frame, track

REGISTRY = fake_registry()
INCLINE, KNEE, ELBOW = "trunk_incline_deg", "knee_angle_near_deg", "upper_arm_vertical_deg"


def hinge(**prescription):
    return parse_definition({
        "title": "Test hinge", "view": "side",
        "prescription": {"reps": 3, "sides": ["both"], "targets": {"depth_deg": 45}, **prescription},
        "phase": [
            {"name": "top", "enter": {"metric": INCLINE, "below": 15, "for_s": 0.2},
             "leave": {"metric": INCLINE, "above": 20}},
            {"name": "bottom", "enter": {"metric": INCLINE, "above": 30, "for_s": 0.2},
             "leave": {"metric": INCLINE, "below": 25}},
        ],
        "rep": {"metric": INCLINE, "sequences": [["top", "bottom", "top"]]},
        "fault": [{"code": "squatting", "phases": ["bottom"], "priority": 1, "cue": "Hips back.",
                   "when": {"metric": KNEE, "below": 140, "for_s": 0.3}, "clear": {"metric": KNEE, "above": 150}}],
        "rep_check": [
            {"code": "too_shallow", "stat": "max", "metric": INCLINE, "below": "depth_deg", "priority": 2, "cue": "Further."},
            {"code": "rushing", "stat": "duration_s", "below": 2.0, "priority": 3, "cue": "Slow."},
        ],
    }, "test_hinge.toml", REGISTRY)


def plank():
    offset = "hip_offset_ratio"
    return parse_definition({
        "title": "Test plank", "view": "front", "side": {"metric": "support_side"},
        "prescription": {"reps": 1, "sides": ["left", "right"], "hold_s": 5},
        "phase": [
            {"name": "down", "enter": {"metric": offset, "above": 0.12, "for_s": 0.5},
             "leave": {"metric": offset, "below": 0.09}},
            {"name": "plank", "enter": {"metric": offset, "above": -0.15, "below": 0.04, "for_s": 0.3},
             "leave": {"metric": offset, "above": 0.10, "for_s": 1.0}},
        ],
        "rep": {"metric": "body_line_deg", "sequences": [["down", "plank", "down"]]},
        "hold": {"phase": "plank", "countdown_s": [3, 2, 1]},
        "fault": [{"code": "elbow_not_under_shoulder", "phases": ["plank"], "priority": 1, "cue": "Elbow.",
                   "when": {"metric": ELBOW, "above": 20}, "clear": {"metric": ELBOW, "below": 15}}],
    }, "test_plank.toml", REGISTRY)


def run(engine, frames):
    return [e for f in frames for e in engine.update_metrics(f)]


def of(kind, events):
    return [e for e in events if isinstance(e, kind)]


def hinge_rep(t0=0.0, depth=50.0, down_s=1.0, bottom_s=0.6, up_s=1.0, knee=170.0, stand_s=0.8):
    """Standing, hinge to `depth` and back, standing again; times in seconds from t0."""
    a = t0 + stand_s
    points = [(t0, 5.0), (a, 5.0), (a + down_s, depth), (a + down_s + bottom_s, depth),
              (a + down_s + bottom_s + up_s, 5.0), (a + down_s + bottom_s + up_s + stand_s, 5.0)]
    return track(t0=t0, **{INCLINE: points, KNEE: knee, "view_ratio": 0.2})


def test_coaching_waits_for_setup_ok_before_counting():
    events = run(Engine(hinge(), REGISTRY), hinge_rep())
    assert isinstance(events[0], SetupOk) and events[0].t_s == pytest.approx(0.5)
    assert of(PhaseEntered, events)[0].t_s > events[0].t_s


def test_rep_counted_for_a_clean_hinge():
    events = run(Engine(hinge(), REGISTRY), hinge_rep(depth=50.0))
    [rep] = of(RepCompleted, events)
    assert (rep.side, rep.number, rep.fault_codes) == (Side.BOTH, 1, ())
    # Dated, not debounced: from the last moment below 15 deg (t = 0.8 + 10/45 s) to passing 15 deg on
    # the way back (t = 2.4 + 35/45 s), though top is left at 20 deg and re-entered 0.2 s later.
    assert rep.duration_s == pytest.approx(3.178 - 1.022, abs=0.05)
    assert rep.range == pytest.approx(45.0, abs=1.0) and rep.range_unit == "deg"
    assert [e.phase for e in of(PhaseEntered, events)] == ["top", "between", "bottom", "between", "top"]


def test_rep_not_counted_when_bottom_is_shorter_than_min_duration():
    # The trunk is beyond the bottom threshold (30) for about 0.1 s, below the 0.2 s minimum.
    frames = track(**{INCLINE: [(0, 5), (0.8, 5), (1.3, 31.5), (1.4, 31.5), (1.9, 5), (3.0, 5)], "view_ratio": 0.2})
    events = run(Engine(hinge(), REGISTRY), frames)
    assert of(RepCompleted, events) == []
    assert "bottom" not in [e.phase for e in of(PhaseEntered, events)]


@pytest.mark.parametrize("seed", range(5))
def test_noise_near_the_thresholds_never_double_counts(seed):
    rng = np.random.default_rng(seed)
    frames = hinge_rep(depth=50.0, bottom_s=2.0)
    noisy = []
    for f in frames:
        x = f[INCLINE]
        # Jitter of +-6 degrees around every threshold crossing: the trace flickers across 15/20 and 25/30.
        jitter = rng.uniform(-6, 6) if 12 < x < 33 else 0.0
        noisy.append(MetricFrame(f.t_s, {**f.values, INCLINE: x + jitter}))
    flat_bottom = [MetricFrame(f.t_s, {**f.values, INCLINE: 27.5 + rng.uniform(-4, 4)})
                   for f in noisy if 2.0 < f.t_s < 3.6]                # the bottom itself hovers at 23.5..31.5
    by_t = {f.t_s: f for f in flat_bottom}
    frames = [by_t.get(f.t_s, f) for f in noisy]
    reps = of(RepCompleted, run(Engine(hinge(), REGISTRY), frames))
    assert len(reps) == 1


def test_too_shallow_and_rushing_are_judged_at_rep_end():
    events = run(Engine(hinge(), REGISTRY), hinge_rep(depth=38.0, down_s=0.5, bottom_s=0.3, up_s=0.5))
    [rep] = of(RepCompleted, events)
    assert rep.fault_codes == ("too_shallow", "rushing")


def test_fault_persists_then_is_attributed_to_the_rep_in_progress():
    frames = hinge_rep(knee=170.0)
    knee = {f.t_s: (120.0 if 2.0 <= f.t_s < 2.4 else 170.0) for f in frames}
    frames = [MetricFrame(f.t_s, {**f.values, KNEE: knee[f.t_s]}) for f in frames]
    events = run(Engine(hinge(), REGISTRY), frames)
    [started] = of(FaultStarted, events)
    [ended] = of(FaultEnded, events)
    assert (started.code, started.rep, started.side) == ("squatting", 1, Side.BOTH)
    assert started.t_s == pytest.approx(2.3, abs=0.04)          # 0.3 s of persistence
    assert ended.corrected and ended.t_s == pytest.approx(2.4, abs=0.04)
    assert of(RepCompleted, events)[0].fault_codes == ("squatting",)


def test_fault_is_not_checked_outside_its_phases():
    events = run(Engine(hinge(), REGISTRY), hinge_rep(knee=100.0))   # bent knees the whole time
    assert [(type(e), e.t_s > 1.0) for e in events if isinstance(e, (FaultStarted, FaultEnded))] == \
        [(FaultStarted, True), (FaultEnded, True)]
    assert of(FaultEnded, events)[0].corrected is False           # ended because bottom was left


def test_set_complete_after_the_prescribed_reps():
    frames = [f for i in range(2) for f in hinge_rep(t0=i * 4.5)]
    events = run(Engine(hinge(), REGISTRY, prescription={"reps": 2}), frames)
    assert [e.number for e in of(RepCompleted, events)] == [1, 2]
    assert [type(e) for e in events[-2:]] == [SideComplete, SetComplete]


def plank_hold(t0, side, hold_s=6.0, sag=None, elbow_out=None):
    """Down 1 s, plank `hold_s`, down again 2 s. `sag` / `elbow_out`: (start, end) from t0 of a
    sag of the hips (out of line, no fault) / an elbow away from under the shoulder (a fault)."""
    a, b = t0 + 1.0, t0 + 1.0 + hold_s
    hips = [(t0, 0.15), (a, 0.15), (a + 0.2, 0.0), (b, 0.0), (b + 0.2, 0.15), (b + 2.0, 0.15)]
    elbow = [(t0, 5.0)]
    if sag:
        s0, s1 = t0 + sag[0], t0 + sag[1]
        hips = sorted(hips + [(s0 - 0.01, 0.0), (s0, 0.08), (s1, 0.08), (s1 + 0.01, 0.0)])
    if elbow_out:
        s0, s1 = t0 + elbow_out[0], t0 + elbow_out[1]
        elbow = [(s0 - 0.01, 5.0), (s0, 30.0), (s1, 30.0), (s1 + 0.01, 5.0)]
    return track(t0=t0, until=b + 2.0, hip_offset_ratio=hips, upper_arm_vertical_deg=elbow,
                 support_side=side, body_line_deg=175.0, view_ratio=0.9)


# The hips come into line (below 0.04) at t = 1.147 s, where the hold is dated from (the plank is
# confirmed 0.3 s later), and stay in line until t = 7.053 s, where it is dated to end (the plank is
# left 1 s after they pass 0.10 on the way down, at t = 8.133 s).
PLANK_IN, PLANK_OUT, IN_LINE_UNTIL = 1.147, 8.133, 7.053


def test_hold_timer_pauses_while_a_fault_is_active():
    events = run(Engine(plank(), REGISTRY), plank_hold(0.0, side=1.0, elbow_out=(3.0, 5.0)))
    [fault] = of(FaultStarted, events)
    [hold] = of(HoldEnded, events)
    assert hold.side is Side.LEFT and fault.code == "elbow_not_under_shoulder"
    assert hold.start_s == pytest.approx(PLANK_IN, abs=0.05)
    assert hold.total_s == pytest.approx(IN_LINE_UNTIL - PLANK_IN, abs=0.05)
    assert hold.good_s == pytest.approx(IN_LINE_UNTIL - PLANK_IN - 2.0, abs=0.05)


def test_hold_timer_counts_only_while_the_line_holds():
    events = run(Engine(plank(), REGISTRY), plank_hold(0.0, side=1.0, sag=(3.0, 4.0)))
    [hold] = of(HoldEnded, events)
    assert of(FaultStarted, events) == []
    assert hold.good_s == pytest.approx(IN_LINE_UNTIL - PLANK_IN - 1.0, abs=0.05)


def test_hold_counts_down_on_good_time_only():
    events = run(Engine(plank(), REGISTRY), plank_hold(0.0, side=1.0, hold_s=8.0, elbow_out=(3.0, 5.0)))
    [start] = of(HoldStarted, events)
    marks = of(HoldProgress, events)
    assert [m.remaining_s for m in marks] == [4, 3, 2, 1, 0]
    assert start.t_s == pytest.approx(PLANK_IN + 0.3, abs=0.05)            # confirmed after for_s ...
    assert marks[-1].t_s == pytest.approx(PLANK_IN + 7.0, abs=0.07)        # ... counted from the start:
                                                                           # 5 s of good form + 2 s paused


def test_a_fault_confirmed_after_its_for_s_takes_back_the_good_time_since_it_began():
    source = plank().source
    source["fault"][0]["when"] = {**source["fault"][0]["when"], "for_s": 0.5}
    events = run(Engine(parse_definition(source, "test_plank.toml", REGISTRY), REGISTRY),
                 plank_hold(0.0, side=1.0, elbow_out=(3.0, 5.0)))
    [hold] = of(HoldEnded, events)
    assert of(FaultStarted, events)[0].t_s == pytest.approx(3.5, abs=0.04)
    assert hold.good_s == pytest.approx(IN_LINE_UNTIL - PLANK_IN - 2.0, abs=0.05)   # not 1.5 s


def test_coaching_starts_although_a_landmark_flickers_below_the_visibility_threshold():
    from coach.landmarks import Landmark as L
    registry = fake_registry({INCLINE: 5.0, KNEE: 170.0, "view_ratio": 0.2})
    engine = Engine(hinge(), registry)
    flicker = (L.LEFT_KNEE, L.RIGHT_KNEE)                # below the threshold on every third frame
    frames = [pose_frame(s, hidden=flicker if i % 3 == 0 else ()) for i, s in enumerate(np.arange(0, 2, 1 / 30))]
    events = [e for f in frames for e in engine.update(f)]
    assert [type(e) for e in events if isinstance(e, (SetupOk, SetupProblem))] == [SetupOk]


def test_hold_ends_only_after_hips_drop_for_over_a_second():
    events = run(Engine(plank(), REGISTRY), plank_hold(0.0, side=-1.0, hold_s=6.0))
    [hold] = of(HoldEnded, events)
    assert hold.t_s == pytest.approx(PLANK_OUT, abs=0.04)


def test_sides_are_counted_separately_and_switch_is_reported():
    frames = plank_hold(0.0, side=1.0) + plank_hold(9.5, side=-1.0)[1:]
    events = run(Engine(plank(), REGISTRY), frames)
    reps = of(RepCompleted, events)
    assert [(r.side, r.number) for r in reps] == [(Side.LEFT, 1), (Side.RIGHT, 1)]
    assert [(type(e), getattr(e, "side", None)) for e in events if isinstance(e, (SideComplete, SetComplete))] == \
        [(SideComplete, Side.LEFT), (SideComplete, Side.RIGHT), (SetComplete, None)]


def test_fault_is_attributed_to_the_side_of_the_rep():
    frames = plank_hold(0.0, side=1.0) + plank_hold(9.5, side=-1.0, elbow_out=(3.0, 4.0))[1:]
    events = run(Engine(plank(), REGISTRY), frames)
    [fault] = of(FaultStarted, events)
    assert (fault.side, fault.rep) == (Side.RIGHT, 1)
    assert [(r.side, r.fault_codes) for r in of(RepCompleted, events)] == \
        [(Side.LEFT, ()), (Side.RIGHT, ("elbow_not_under_shoulder",))]


def test_setup_problem_after_the_body_leaves_the_frame():
    registry = fake_registry({INCLINE: 5.0, KNEE: 170.0, "view_ratio": 0.2})
    engine = Engine(hinge(), registry)
    t = np.arange(0, 5, 1 / 30)
    frames = [pose_frame(s, people=0 if 2.0 <= s < 3.5 else 1) for s in t]
    events = [e for f in frames for e in engine.update(f)]
    setup = [e for e in events if isinstance(e, (SetupOk, SetupProblem))]
    assert [type(e) for e in setup] == [SetupOk, SetupProblem, SetupOk]
    assert setup[1].code == "out_of_frame" and setup[1].t_s == pytest.approx(3.0, abs=0.04)
    assert setup[2].t_s == pytest.approx(4.0, abs=0.04)


def test_unseen_landmarks_are_out_of_frame_and_two_people_are_reported():
    registry = fake_registry({INCLINE: 5.0, "view_ratio": 0.2})
    for frame_args, code in [({"visible": False}, "out_of_frame"), ({"people": 2}, "several_people")]:
        engine = Engine(hinge(), registry)
        events = [e for s in np.arange(0, 1.5, 1 / 30) for e in engine.update(pose_frame(s, **frame_args))]
        assert [(type(e), e.code) for e in events] == [(SetupProblem, code)]


def test_whole_body_in_frame_accepts_either_side_for_near_side_metrics():
    from coach.landmarks import Landmark as L
    from metric_fakes import FakeMetric
    near = (frozenset({L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE}), frozenset({L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE}))
    registry = fake_registry({INCLINE: 5.0, KNEE: 170.0, "view_ratio": 0.2})
    registry[KNEE] = FakeMetric(KNEE, "deg", "fake", lambda f: 170.0, (), near)
    d = parse_definition(hinge().source, "test_hinge.toml", registry)
    for hidden, problems in [((L.RIGHT_KNEE, L.RIGHT_ANKLE), []),                 # far side hidden: fine
                             ((L.RIGHT_KNEE, L.LEFT_ANKLE), ["out_of_frame"])]:   # neither side complete
        engine = Engine(d, registry)
        events = [e for s in np.arange(0, 1.5, 1 / 30) for e in engine.update(pose_frame(s, hidden=hidden))]
        assert [e.code for e in of(SetupProblem, events)] == problems
    assert "left_ankle" in of(SetupProblem, events)[0].message


def test_wrong_view_and_unmeasurable_metrics_are_setup_problems():
    wrong_view = track(until=1.5, **{INCLINE: 5.0, "view_ratio": 0.9})
    unknown = track(until=1.5, **{INCLINE: math.nan, "view_ratio": 0.2})
    for frames, code in [(wrong_view, "wrong_view"), (unknown, "cannot_measure")]:
        events = run(Engine(hinge(), REGISTRY), frames)
        assert [(type(e), e.code) for e in events] == [(SetupProblem, code)]


def test_pain_stops_the_set_and_closes_what_is_open():
    engine = Engine(plank(), REGISTRY)
    frames = plank_hold(0.0, side=1.0)
    run(engine, frames[:90])                           # inside the hold at t = 3 s
    events = engine.report_pain(3.0)
    assert [type(e) for e in events] == [PainReported, HoldEnded]
    assert run(engine, frames[90:]) == []


def test_finish_closes_open_hold_and_faults_without_counting_a_rep():
    engine = Engine(plank(), REGISTRY)
    run(engine, plank_hold(0.0, side=1.0, elbow_out=(3.0, 9.0))[:120])
    events = engine.finish(4.0)
    assert [type(e) for e in events] == [HoldEnded, FaultEnded]
    assert of(FaultEnded, events)[0].corrected is False


def test_frames_going_back_in_time_are_refused():
    engine = Engine(hinge(), REGISTRY)
    engine.update_metrics(MetricFrame(1.0, {}))
    with pytest.raises(ValueError, match="back"):
        engine.update_metrics(MetricFrame(0.5, {}))


def test_shipped_hip_hinge_counts_a_rep_and_flags_a_shallow_one():
    d = load_definition(poses_dir() / "hip_hinge.toml", REGISTRY)
    const = {KNEE: 170.0, "leaning_back_deg": 0.0, "back_curvature_ratio": 0.0, "view_ratio": 0.2}
    deep = track(**{INCLINE: [(0, 5), (1, 5), (2.2, 55), (2.8, 55), (4.0, 5), (5, 5)]}, **const)
    shallow = track(t0=5.0, **{INCLINE: [(5, 5), (6.2, 38), (6.8, 38), (8.0, 5), (9, 5)]}, **const)
    reps = of(RepCompleted, run(Engine(d, REGISTRY), deep + shallow[1:]))
    assert [r.fault_codes for r in reps] == [(), ("too_shallow",)]


def test_every_event_survives_the_json_round_trip():
    import json

    from coach.events import event_from_dict, event_to_dict
    frames = plank_hold(0.0, side=1.0, elbow_out=(3.0, 4.0)) + plank_hold(9.5, side=-1.0)[1:]
    engine = Engine(plank(), REGISTRY)
    events = run(engine, frames) + engine.report_pain(20.0)
    events.append(RepCompleted(21.0, Side.LEFT, 1, 2.0, INCLINE, math.nan, "deg", ()))   # NaN -> null
    assert len({type(e) for e in events}) >= 10
    for event in events:
        data = json.loads(json.dumps(event_to_dict(event), allow_nan=False))
        back = event_from_dict(data)
        assert back == event or (math.isnan(back.range) and back.t_s == event.t_s)


def test_unknown_event_kind_is_refused():
    from coach.events import event_from_dict
    with pytest.raises(ValueError, match="unknown event kind 'Repcompleted'"):
        event_from_dict({"event": "Repcompleted", "t_s": 1.0})


def test_shipped_cat_cow_counts_cycles_in_either_order():
    d = load_definition(poses_dir() / "cat_cow.toml", REGISTRY)
    still = {"head_angle_deg": 0.0, "elbow_angle_near_deg": 175.0, "thigh_vertical_deg": 0.0, "view_ratio": 0.2}
    curve = [(0, 0.0), (1, 0.0), (3.5, 0.10), (6, -0.08), (7.5, 0.0), (9, 0.0),     # cat, flowing into cow
             (11.5, -0.08), (14, 0.10), (15.5, 0.0), (17, 0.0),                     # cow first, then cat
             (18, 0.025), (19, 0.0), (20, -0.025), (21, 0.0), (22, 0.0)]            # a small, quick cycle
    events = run(Engine(d, REGISTRY), track(back_curvature_ratio=curve, **still))
    assert [r.fault_codes for r in of(RepCompleted, events)] == \
        [(), (), ("small_range_cat", "small_range_cow", "rushing")]


BIRD_DOG_GOOD = {"opposite_limbs": 1.0, "leg_height_ratio": 0.0, "hip_drop_ratio": 0.02, "trunk_tilt_deg": 15.0,
                 "back_curvature_ratio": 0.01, "reach_elbow_angle_deg": 175.0, "reach_knee_angle_deg": 175.0,
                 "view_ratio": 0.2}


def bird_dog_reach(t0, side, hold_s, **changes):
    """Rest, reach arm and leg out to 175 degrees, hold, return; `changes` replace good values."""
    limb = [(t0, 90), (t0 + 1, 90), (t0 + 2.5, 175), (t0 + 2.5 + hold_s, 175), (t0 + 4 + hold_s, 90),
            (t0 + 5 + hold_s, 90)]
    arm_side = [(t0, math.nan), (t0 + 1.1, math.nan), (t0 + 1.2, side), (t0 + 3.9 + hold_s, side),
                (t0 + 4 + hold_s, math.nan)]
    return track(t0=t0, reach_arm_raise_deg=limb, reach_leg_extension_deg=limb, reach_arm_side=arm_side,
                 **{**BIRD_DOG_GOOD, **changes})


def test_shipped_bird_dog_judges_faults_against_the_rest_position_and_time_held():
    d = load_definition(poses_dir() / "bird_dog.toml", REGISTRY)
    t0, hold_s = 11.0, 6.0
    bent_knee = [(t0, 175), (t0 + 3.0, 175), (t0 + 3.1, 130), (t0 + 2.5 + hold_s, 130), (t0 + 2.6 + hold_s, 175)]
    sagging = [(t0, 0.01), (t0 + 3.0, 0.01), (t0 + 3.5, -0.02), (t0 + 5.0, -0.02), (t0 + 5.5, 0.01)]
    frames = bird_dog_reach(0.0, 1.0, hold_s) + bird_dog_reach(t0, -1.0, hold_s, reach_knee_angle_deg=bent_knee,
                                                               back_curvature_ratio=sagging)[1:]
    events = run(Engine(d, REGISTRY), frames)
    # The rest position's own values (a hip 0.02 lower, trunk tilted 15, back bowed 0.01) are no fault;
    # holding 6 s with a bent knee is a bent limb, not a short hold.
    assert [(r.side, r.fault_codes) for r in of(RepCompleted, events)] == \
        [(Side.LEFT, ()), (Side.RIGHT, ("bent_limb", "trunk_sagging"))]


def test_shipped_bird_dog_counts_per_side_and_checks_the_hold():
    d = load_definition(poses_dir() / "bird_dog.toml", REGISTRY)
    frames = bird_dog_reach(0.0, 1.0, 6.0) + bird_dog_reach(11.0, -1.0, 6.0)[1:] + bird_dog_reach(22.0, 1.0, 2.0)[1:]
    events = run(Engine(d, REGISTRY), frames)
    assert [(r.side, r.number, r.fault_codes) for r in of(RepCompleted, events)] == \
        [(Side.LEFT, 1, ()), (Side.RIGHT, 1, ()), (Side.LEFT, 2, ("hold_too_short",))]
    assert [h.side for h in of(HoldEnded, events)] == [Side.LEFT, Side.RIGHT, Side.LEFT]
