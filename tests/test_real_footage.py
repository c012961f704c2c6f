"""What real footage looks like (../shared/EXERCISES.md): filmed off the prescribed view, cut in
the middle of a rep. Measured on the performer, whose ground truth says what is right."""

import pytest

from coach.analysis import Pipeline, StageTimes
from coach.coaching import Coach, needs_mask
from coach.definitions import load_exercise
from coach.performer import Script, perform
from coach.performer.camera import default_camera
from coach.regress import compare
from coach.summary import summarize_events


SCRIPT = Script(reps=2, tempo_s=1.2, hold_s=2.0, rest_s=0.6, lead_in_s=1.0, lead_out_s=1.0)


def coach_frames(definition, script: Script, frames) -> dict:
    coach = Coach(definition, {"hold_s": script.hold_s} if definition.hold else None)
    events: list = []
    pipeline = Pipeline(lambda frame: events.extend(coach.update(frame)))
    for frame in frames:
        pipeline.process(frame, StageTimes())
    events += coach.finish()
    return summarize_events(events, float(frames[-1].t_s))


def coach_turned(exercise: str, script: Script, yaw_deg: float) -> tuple[dict, dict]:
    definition = load_exercise(exercise)
    camera = default_camera(exercise, 1.75).turned(yaw_deg)
    perf = perform(exercise, script, camera=camera, mask=needs_mask(definition))
    return perf.labels.to_expected(), coach_frames(definition, script, perf.frames)


def test_turning_the_camera_keeps_the_distance_and_the_target():
    camera = default_camera("bird_dog", 1.75)
    turned = camera.turned(45.0)
    assert turned.look_at_m == camera.look_at_m
    distance = lambda c: sum((a - b) ** 2 for a, b in zip(c.position_m, c.look_at_m)) ** 0.5  # noqa: E731
    assert distance(turned) == pytest.approx(distance(camera))
    assert turned.position_m[0] != pytest.approx(camera.position_m[0], abs=0.5)


@pytest.mark.parametrize("exercise, yaw_deg", [("hip_hinge", 45.0), ("bird_dog", 45.0), ("cat_cow", 30.0),
                                               ("glute_bridge", 30.0), ("side_plank", 30.0)])
def test_a_camera_turned_off_the_prescribed_view_still_coaches(exercise, yaw_deg):
    expected, summary = coach_turned(exercise, SCRIPT, yaw_deg)
    assert not summary["setup_problems"]
    assert compare(expected, summary) == []


@pytest.mark.parametrize("exercise", ["cat_cow", "glute_bridge"])
def test_a_view_too_far_off_is_reported_and_nothing_is_counted(exercise):
    _, summary = coach_turned(exercise, SCRIPT, 45.0)
    assert [p["code"] for p in summary["setup_problems"]] == ["wrong_view"]
    assert summary["reps"]["total"] == 0


@pytest.mark.parametrize("exercise", ["hip_hinge", "bird_dog", "cat_cow", "glute_bridge"])
def test_a_clip_cut_in_the_middle_of_reps_counts_only_the_whole_reps_inside_it(exercise):
    definition = load_exercise(exercise)
    script = Script(reps=3, tempo_s=1.2, hold_s=1.5, rest_s=0.6, lead_in_s=1.0, lead_out_s=1.0)
    perf = perform(exercise, script, camera=default_camera(exercise, 1.75), mask=needs_mask(definition))
    spans = perf.labels.rep_spans
    start_s = (spans[0].start_s + spans[0].end_s) / 2            # half-way through the first rep
    end_s = (spans[-1].start_s + spans[-1].end_s) / 2            # ... and through the last one
    whole = [r for r in spans if r.start_s >= start_s and r.end_s <= end_s]
    summary = coach_frames(definition, script, [f for f in perf.frames if start_s <= f.t_s <= end_s])
    assert len(whole) >= 1 and summary["reps"]["total"] == len(whole)
