"""The guided programme: order, sets, rests and spoken transitions, on media time, without Qt."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.cues import CuePolicy
from coach.definitions import ExerciseDefinition, load_exercise
from coach.errors import DefinitionError
from coach.events import CueDecided, PainReported, SetComplete
from coach.frames import PoseFrame
from coach.programme import (Paused, Programme, ProgrammeFinished, ProgrammeRun, RestStarted, Resumed,
                             StepStarted, load_programme, programmes_dir)
from tests.test_live_support import hinge_poses

FPS = 10.0


class FakeCoach:
    """Completes a set every `set_s` seconds of coaching; says nothing else."""

    def __init__(self, definition: ExerciseDefinition, set_s: float = 5.0) -> None:
        self.definition = definition
        self.cues = CuePolicy(definition)
        self.set_s = set_s
        self.started_s: float | None = None
        self.sets = 0

    def update(self, frame: PoseFrame) -> list:
        self.started_s = frame.t_s if self.started_s is None else self.started_s
        if frame.t_s - self.started_s >= self.set_s * (self.sets + 1):
            self.sets += 1
            return [SetComplete(frame.t_s, self.sets, self.definition.prescription.reps)]
        return []

    def report_pain(self, t_s: float) -> list:
        return [PainReported(t_s), CueDecided(t_s, self.definition.cues.pain, "pain", 0, "PainReported")]

    def finish(self, t_s: float) -> list:
        return []


def run(programme: Programme, until_s: float, run_: ProgrammeRun | None = None) -> tuple[ProgrammeRun, list]:
    run_ = run_ or ProgrammeRun(programme, coach_factory=FakeCoach)
    events = []
    for i in range(int(until_s * FPS) + 1):
        events += run_.update(PoseFrame.empty(i / FPS, (640, 480)))
        if run_.done:
            break
    return run_, events


def said(events: list) -> list[str]:
    return [e.text for e in events if isinstance(e, CueDecided)]


def two_step_programme(tmp_path: Path) -> Programme:
    path = tmp_path / "two.toml"
    path.write_text('''
title = "Two"
rest_between_s = 12
[[step]]
exercise = "hip_hinge"
say = "Stand side on."
sets = 2
rest_s = 8
[[step]]
exercise = "bird_dog"
say = "Get on your hands and knees, side on to the camera."
reps = 3
''')
    return load_programme(path)


def test_steps_and_sets_run_in_order_with_rests_and_spoken_transitions(tmp_path):
    programme = two_step_programme(tmp_path)
    run_, events = run(programme, 120)
    started = [(e.exercise, e.set_number) for e in events if isinstance(e, StepStarted)]
    assert started == [("hip_hinge", 1), ("hip_hinge", 2), ("bird_dog", 1)]
    assert [e.rest_s for e in events if isinstance(e, RestStarted)] == [8.0, 12.0]
    assert said(events) == ["Hip hinge. Stand side on.", "Rest for 8 seconds.", "Set 2 of 2.",
                            "Rest for 12 seconds.",
                            "Next: Bird dog. Get on your hands and knees, side on to the camera.",
                            "That's the whole programme. Well done."]
    assert run_.done and [e for e in events if isinstance(e, ProgrammeFinished)][-1].completed


def test_rest_lasts_its_media_time_and_the_next_step_starts_after_it(tmp_path):
    _, events = run(two_step_programme(tmp_path), 120)
    rest = next(e for e in events if isinstance(e, RestStarted))
    second = [e for e in events if isinstance(e, StepStarted)][1]
    assert second.t_s == pytest.approx(rest.t_s + rest.rest_s)


def test_the_next_steps_prescription_comes_from_the_programme(tmp_path):
    _, events = run(two_step_programme(tmp_path), 120)
    bird = next(e for e in events if isinstance(e, StepStarted) and e.exercise == "bird_dog")
    assert (bird.reps, bird.sides, bird.steps, bird.step) == (3, ("left", "right"), 2, 2)


def test_pausing_during_a_rest_stops_the_rest_clock(tmp_path):
    programme = two_step_programme(tmp_path)
    run_ = ProgrammeRun(programme, coach_factory=FakeCoach)
    events = []
    for i in range(int(7 * FPS)):
        events += run_.update(PoseFrame.empty(i / FPS, (640, 480)))
    rest = next(e for e in events if isinstance(e, RestStarted))
    assert run_.state == "rest"
    assert run_.pause(6.0)[-1] == Paused(6.0)
    assert run_.resume(16.0) == [Resumed(16.0)]          # 10 s paused
    assert run_.rest_left_s(16.0) == pytest.approx(rest.t_s + 8.0 - 6.0)


def test_pain_stops_the_programme_and_only_the_pain_cue_follows(tmp_path):
    run_, events = run(two_step_programme(tmp_path), 3)
    events = run_.report_pain(3.0)
    assert isinstance(events[0], PainReported) and said(events) == [load_exercise("hip_hinge").cues.pain]
    assert events[-1] == ProgrammeFinished(3.0, False, "pain") and run_.done
    assert run_.update(PoseFrame.empty(3.1, (640, 480))) == []      # nothing more is said or done


def test_a_single_exercise_is_a_one_step_programme_that_ends_after_its_sets():
    definition = load_exercise("hip_hinge", {"sets": 1})
    run_, events = run(Programme.single(definition), 60)
    assert said(events)[0] == "Hip hinge."
    assert run_.done and not any(isinstance(e, RestStarted) for e in events)


def test_with_the_real_engine_a_performed_set_completes_the_programme():
    frames = hinge_poses(reps=2, faults=())
    run_ = ProgrammeRun(Programme.single(load_exercise("hip_hinge", {"reps": 2, "sets": 1})))
    events = [e for f in frames for e in run_.update(f)]
    last = frames[-1]
    t = last.t_s
    while not run_.done and t < last.t_s + 20:                # standing still while the last words are said
        t += 1 / 30
        events += run_.update(PoseFrame(t, last.image_size, last.xy_px, last.z_px, last.world_m,
                                        last.visibility, last.presence))
    assert run_.done
    assert said(events)[-1] == load_exercise("hip_hinge").cues.set_done
    assert [e.completed for e in events if isinstance(e, ProgrammeFinished)] == [True]


def test_shipped_programme_loads_with_a_setup_sentence_for_every_step():
    programme = load_programme(programmes_dir() / "low_back_default.toml")
    assert [s.exercise for s in programme.steps] == ["cat_cow", "bird_dog", "hip_hinge", "side_plank"]
    assert all(s.say for s in programme.steps)
    assert programme.steps[1].definition.prescription.hold_s == 5.0


def test_programme_with_an_unknown_key_names_the_file_and_the_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[step]]\nexercise = "bird_dog"\nrepz = 3\n')
    with pytest.raises(DefinitionError) as error:
        load_programme(path)
    assert "bad.toml" in str(error.value) and "step[1].repz" in str(error.value)


def test_programme_with_an_unknown_exercise_fails_when_loaded(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[step]]\nexercise = "burd_dog"\n')
    with pytest.raises(DefinitionError, match="bird_dog"):
        load_programme(path)
