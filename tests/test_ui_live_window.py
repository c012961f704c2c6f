"""The live window, offscreen: what it shows for an event list, its controls, and a real run end to end."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from coach.definitions import load_exercise
from coach.errors import CoachError
from coach.events import (CueDecided, FaultStarted, HoldProgress, HoldStarted, PainReported, PhaseEntered,
                          RepCompleted, SetupProblem)
from coach.landmarks import Side
from coach.live import LiveSource, LiveUpdate, LiveStats, LoopSettings, angle_metrics
from coach.pose import PoseOptions, VideoPoseEstimator
from coach.programme import ProgrammeFinished, RestStarted, StepStarted
from coach.recording import read_session
from tests.test_live_support import FedSource, ScriptedPoses, hinge_poses
from tests.videos import real_photo, write_video
from ui.live_window import LiveWindow, default_choices
from ui.pipeline_worker import Taken
from ui.speech import RecordingSpeaker

RUN_TIMEOUT_MS = 120_000      # an upper bound for a whole run; tests wait on signals, never sleep
SHOTS = Path(os.environ.get("COACH_UI_SHOTS", "/tmp/ui_shots"))


def make_window(qtbot, exercise: str = "hip_hinge", source: LiveSource | None = None,
                settings: LoopSettings = LoopSettings(), speaker: RecordingSpeaker | None = None) -> LiveWindow:
    choices = default_choices()
    index = next(i for i, c in enumerate(choices) if c.exercise == exercise)
    window = LiveWindow(choices, source or LiveSource(camera=0), speaker or RecordingSpeaker(), settings,
                        initial=index)
    qtbot.addWidget(window)
    window.show()
    return window


def bird_dog_start(t_s: float = 0.0) -> StepStarted:
    return StepStarted(t_s, 1, 1, "bird_dog", "Bird dog", 1, 1, 8, 5.0, ("left", "right"))


# ---------------------------------------------------------------- built from an event list


def test_counts_hold_timer_phase_and_banner_follow_the_events(qtbot):
    window = make_window(qtbot, "bird_dog")
    window.apply_events(12.0, [
        bird_dog_start(),
        RepCompleted(6.0, Side.LEFT, 1, 5.0, "reach_arm_raise_deg", 80.0, "deg", ()),
        RepCompleted(11.0, Side.RIGHT, 1, 5.0, "reach_arm_raise_deg", 80.0, "deg", ()),
        RepCompleted(11.5, Side.LEFT, 2, 5.0, "reach_arm_raise_deg", 80.0, "deg", ()),
        HoldStarted(8.0, Side.LEFT, 5.0), HoldProgress(10.0, Side.LEFT, 2.0, 5.0, 3),
        HoldProgress(11.0, Side.LEFT, 3.0, 5.0, 2), PhaseEntered(11.0, "held", Side.LEFT),
        CueDecided(11.8, "Keep your hips level, as if balancing a cup on your back.", "fault", 12, "hips_rotating"),
    ])
    left, right = window.rep_cards
    assert (left.caption.text(), left.value.text(), left.target.text()) == ("LEFT REPS", "2", "/ 8")
    assert (right.caption.text(), right.value.text()) == ("RIGHT REPS", "1")
    assert (window.hold_card.value.text(), window.hold_card.target.text()) == ("3", "/ 5 s")
    assert window.hold_bar.value() == 600
    assert window.phase_card.value.text() == "Held"
    assert window.banner.text() == "Keep your hips level, as if balancing a cup on your back."
    assert window.title.text() == "Bird dog" and "Set 1 of 1" in window.subtitle.text()


def test_a_sideless_exercise_shows_one_rep_count(qtbot):
    window = make_window(qtbot, "hip_hinge")
    window.apply_events(3.0, [StepStarted(0.0, 1, 1, "hip_hinge", "Hip hinge", 1, 2, 10, 0.0, ("both",)),
                              RepCompleted(3.0, Side.BOTH, 1, 3.0, "trunk_incline_deg", 50.0, "deg", ())])
    assert window.rep_cards[0].caption.text() == "REPS" and window.rep_cards[0].value.text() == "1"
    assert window.rep_cards[1].isHidden() and window.hold_card.isHidden()


def test_setup_problem_shows_the_definitions_guidance_over_the_video(qtbot):
    window = make_window(qtbot, "bird_dog")
    window.apply_events(2.0, [bird_dog_start(), SetupProblem(2.0, "wrong_view", "view_ratio 0.9")])
    assert window.video.message.title == load_exercise("bird_dog").cues.setup["wrong_view"]
    assert window.video.message.tone == "warning"


def test_rest_shows_a_countdown_and_what_comes_next(qtbot):
    window = make_window(qtbot, "bird_dog")
    window.apply_events(40.0, [bird_dog_start(), RestStarted(30.0, 30.0, "Hip hinge")])
    assert window.video.message.title == "Rest  0:20" and window.video.message.detail == "Next: Hip hinge"


def test_old_cues_fade_from_the_banner(qtbot):
    window = make_window(qtbot, "bird_dog")
    window.apply_events(1.0, [bird_dog_start(), CueDecided(1.0, "Slowly.", "fault", 14, "rushing")])
    assert "#ffb020" in window.banner.styleSheet()
    window.apply_events(10.0, [])
    assert window.banner.text() == "Slowly." and "#ffb020" not in window.banner.styleSheet()


def test_errors_are_shown_with_the_clis_text(qtbot, monkeypatch, tmp_path):
    shown: list[CoachError] = []
    monkeypatch.setattr("ui.live_window.show_error", lambda _parent, error: shown.append(error))
    window = make_window(qtbot, source=LiveSource(video=tmp_path / "missing.mp4"))
    window.start()
    assert not window.running and len(shown) == 1
    assert str(shown[0]).startswith(f"Video not found: {tmp_path / 'missing.mp4'}")


# ---------------------------------------------------------------- controls on a running session


def fed_settings(tmp_path: Path, source: FedSource) -> LoopSettings:
    return LoopSettings(data_dir=tmp_path, estimator_factory=ScriptedPoses(hinge_poses(reps=1, faults=())),
                        open_source=source, drop_frames=False)


@pytest.mark.parametrize("press", ["button", "key_h", "space"])
def test_it_hurts_stops_the_set_says_the_pain_cue_and_records_it(qtbot, tmp_path, press):
    source = FedSource([i / 30 for i in range(45)], hold=True)
    speaker = RecordingSpeaker()
    window = make_window(qtbot, settings=fed_settings(tmp_path, source), speaker=speaker)
    window.start()
    assert window.pain_button.isEnabled()
    qtbot.waitUntil(lambda: window.video.frames_painted > 0, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(window.session_ended, timeout=RUN_TIMEOUT_MS) as ended:
        if press == "button":
            qtbot.mouseClick(window.pain_button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(window, Qt.Key.Key_H if press == "key_h" else Qt.Key.Key_Space)
    pain_text = load_exercise("hip_hinge").cues.pain
    assert ended.args[0].reason == "pain" and not window.running
    assert window.banner.text() == pain_text and speaker.texts[-1] == pain_text
    assert window.video.message.tone == "danger" and not window.pain_button.isEnabled()
    events = read_session(ended.args[0].session_dir).events
    assert sum(isinstance(e, PainReported) for e in events) == 1
    assert events[-1] == ProgrammeFinished(events[-1].t_s, False, "pain")


def test_pause_then_stop_saves_the_session_and_re_enables_the_choices(qtbot, tmp_path):
    source = FedSource([i / 30 for i in range(30)], hold=True)
    window = make_window(qtbot, settings=fed_settings(tmp_path, source))
    window.start()
    assert not window.chooser.isEnabled()
    qtbot.waitUntil(lambda: window.video.frames_painted > 0, timeout=RUN_TIMEOUT_MS)
    qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.scoreboard.paused, timeout=RUN_TIMEOUT_MS)
    assert window.pause_button.text() == "Resume" and window.video.message.title == "Paused"
    with qtbot.waitSignal(window.session_ended, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    assert window.chooser.isEnabled() and window.start_button.isEnabled()
    assert "The session is saved in" in window.notice.text()
    assert read_session(window.ended.session_dir).ended_cleanly


# ---------------------------------------------------------------- end to end: real video, real model


@pytest.fixture(scope="module")
def person_video(tmp_path_factory) -> Path:
    photo = real_photo()
    photo = photo[: photo.shape[0] // 2 * 2, : photo.shape[1] // 2 * 2]
    frames = [np.roll(photo, 2 * i, axis=1) for i in range(36)]        # 1.2 s, the person drifting
    return write_video(tmp_path_factory.mktemp("v") / "person.mp4", frames, fps=30)


def test_a_video_runs_end_to_end_through_the_window_and_is_saved(qtbot, tmp_path, person_video):
    speaker = RecordingSpeaker()
    window = make_window(qtbot, source=LiveSource(video=person_video), speaker=speaker,
                         settings=LoopSettings(data_dir=tmp_path))
    with qtbot.waitSignal(window.session_ended, timeout=RUN_TIMEOUT_MS) as ended:
        window.start()
        qtbot.waitUntil(lambda: window.video.frames_painted > 0, timeout=RUN_TIMEOUT_MS)
        bones, labels = window.video.last_overlay
        assert bones > 8                                   # the skeleton was drawn over the frame
    result = ended.args[0]
    assert result.reason == "source_ended" and result.stats.processed > 0
    assert "The video ended." in window.notice.text()
    assert len(window.latencies_s) == window.video.frames_painted > 0
    assert speaker.texts[0] == "Hip hinge."
    session = read_session(result.session_dir)
    assert session.ended_cleanly and session.problems == []
    assert len(session.landmarks) == result.stats.processed and session.video_end_s > 0.5
    assert isinstance(session.events[0], StepStarted) and isinstance(session.events[-1], ProgrammeFinished)
    assert session.meta["model"]["file"] == "pose_landmarker_full.task"


# ---------------------------------------------------------------- screenshots (looked at by people)


@pytest.fixture(scope="module")
def photo_pose():
    photo = real_photo()
    with VideoPoseEstimator(PoseOptions()) as estimator:
        return photo, estimator.estimate(photo, 0.0)


def running_on_photo(qtbot, tmp_path: Path, exercise: str, photo_pose) -> LiveWindow:
    """A window coaching a live session whose camera shows one real photo, posed by the real model."""
    photo, pose = photo_pose
    source = FedSource([0.0], hold=True)
    source.image = photo
    settings = LoopSettings(data_dir=tmp_path, estimator_factory=ScriptedPoses([pose]), open_source=source,
                            drop_frames=False)
    window = make_window(qtbot, exercise, settings=settings)
    window.start()
    qtbot.waitUntil(lambda: window.video.frames_painted > 0, timeout=RUN_TIMEOUT_MS)
    return window


def photo_frame(photo_pose, exercise: str, t_s: float) -> LiveUpdate:
    from coach.metrics import compute

    photo, pose = photo_pose
    angles = compute(pose, angle_metrics(load_exercise(exercise))).values
    return LiveUpdate(t_s, photo, pose, angles, (), exercise, 0.0, 0.0, LiveStats())


def test_screenshots_of_each_state(qtbot, tmp_path, photo_pose):
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = []

    def shot(window: LiveWindow, name: str) -> None:
        window.grab().save(str(SHOTS / name))
        shots.append(SHOTS / name)

    ready = make_window(qtbot, "bird_dog")
    shot(ready, "1_ready.png")
    ready.close()

    hinge = running_on_photo(qtbot, tmp_path / "a", "hip_hinge", photo_pose)
    painted = hinge.video.frames_painted
    hinge.show_taken(Taken(photo_frame(photo_pose, "hip_hinge", 5.0), [
        RepCompleted(3.0, Side.BOTH, 1, 3.0, "trunk_incline_deg", 50.0, "deg", ()),
        RepCompleted(4.5, Side.BOTH, 2, 3.0, "trunk_incline_deg", 50.0, "deg", ()),
        RepCompleted(4.9, Side.BOTH, 3, 3.0, "trunk_incline_deg", 50.0, "deg", ()),
        PhaseEntered(4.0, "bottom", Side.BOTH), FaultStarted(4.8, "squatting", Side.BOTH, 4),
        CueDecided(4.8, "Push your hips back, keep the knees soft.", "fault", 11, "squatting")], 5.0))
    qtbot.waitUntil(lambda: hinge.video.frames_painted > painted)
    assert hinge.video.last_overlay[0] > 8 and hinge.video.last_overlay[1] >= 1
    shot(hinge, "2_coaching_fault.png")
    hinge.show_taken(Taken(None, [SetupProblem(6.0, "wrong_view", "view_ratio 0.66, needs to be below 0.6"),
                                  CueDecided(6.0, "Turn sideways to the camera.", "setup", 1, "wrong_view")], 6.0))
    shot(hinge, "3_setup_guidance.png")
    hinge.close()

    bird = running_on_photo(qtbot, tmp_path / "b", "bird_dog", photo_pose)
    bird.show_taken(Taken(photo_frame(photo_pose, "bird_dog", 12.0), [
        RepCompleted(6.0, Side.LEFT, 3, 5.0, "reach_arm_raise_deg", 80.0, "deg", ()),
        RepCompleted(9.0, Side.RIGHT, 2, 5.0, "reach_arm_raise_deg", 80.0, "deg", ()),
        HoldStarted(9.0, Side.LEFT, 5.0), HoldProgress(12.0, Side.LEFT, 3.0, 5.0, 2),
        PhaseEntered(9.5, "held", Side.LEFT), CueDecided(12.0, "2", "countdown", 2, "HoldProgress")], 12.0))
    shot(bird, "4_bird_dog_hold.png")
    bird.show_taken(Taken(None, [RestStarted(12.0, 30.0, "Hip hinge"),
                                 CueDecided(12.0, "Rest for 30 seconds.", "transition", 4, "programme")], 19.0))
    shot(bird, "5_rest.png")
    with qtbot.waitSignal(bird.session_ended, timeout=RUN_TIMEOUT_MS):
        bird.report_pain()
    shot(bird, "6_pain.png")
    assert all(path.stat().st_size > 10_000 for path in shots)
