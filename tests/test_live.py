"""The live loop without Qt: threads, newest-frame-wins, media time, the end of a set, recording."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from coach.definitions import load_exercise
from coach.events import (CueDecided, FaultStarted, HoldEnded, HoldProgress, HoldStarted, PainReported,
                          PhaseEntered, RepCompleted, SetupOk, SetupProblem)
from coach.landmarks import Landmark, Side
from coach.live import (Captured, FrameSlot, LiveEnded, LiveLoop, LiveSource, LiveUpdate, LoopSettings,
                        RealTimePacer, Scoreboard, angle_metrics, choose_source, fault_landmarks)
from coach.programme import Paused, Programme, ProgrammeFinished, RestStarted, Resumed, StepStarted
from coach.performer import perform
from coach.recording import read_session
from coach.sources import SourceFrame
from tests.test_live_support import FedSource, ScriptedPoses, frame_times, hinge_poses

WAIT_S = 60.0     # generous upper bound for a thread to finish; never a timing assertion


class Collected:
    def __init__(self) -> None:
        self.updates: list[LiveUpdate] = []
        self.cues: list[CueDecided] = []
        self.ended: LiveEnded | None = None
        self.done = threading.Event()

    @property
    def events(self) -> list:
        return [e for u in self.updates for e in u.events]

    def on_ended(self, ended: LiveEnded) -> None:
        self.ended = ended
        self.done.set()


def run_loop(source: FedSource, poses: ScriptedPoses, tmp_path: Path | None, *, drop: bool = False,
             programme: Programme | None = None) -> tuple[LiveLoop, Collected]:
    got = Collected()
    loop = LiveLoop(programme or Programme.single(load_exercise("hip_hinge", {"reps": 2, "sets": 1})), LiveSource(camera=0),
                    on_update=got.updates.append, on_ended=got.on_ended, on_cue=got.cues.append,
                    settings=LoopSettings(data_dir=tmp_path, estimator_factory=poses, open_source=source,
                                          drop_frames=drop))
    loop.start()
    return loop, got


def finish(loop: LiveLoop, got: Collected) -> LiveEnded:
    assert got.done.wait(WAIT_S) and loop.join(WAIT_S)
    assert got.ended is not None
    return got.ended


# ---------------------------------------------------------------- the frame slot and the pacer


def _captured(t_s: float) -> Captured:
    return Captured(SourceFrame(t_s, None), 0.0)   # type: ignore[arg-type]


def test_slot_keeps_the_newest_frame_and_counts_the_ones_it_replaced():
    slot = FrameSlot(drop=True)
    for t in (0.0, 0.1, 0.2):
        assert slot.put(_captured(t))
    taken = slot.take(0)
    assert taken is not None and taken.frame.t_s == 0.2
    assert (slot.captured, slot.dropped) == (3, 2)
    assert slot.take(0) is None


def test_closed_slot_refuses_frames_and_reports_closed_once_empty():
    slot = FrameSlot()
    slot.put(_captured(0.0))
    slot.close()
    assert not slot.put(_captured(0.1))
    assert not slot.closed                  # the last frame is still to be taken
    assert slot.take(0) is not None and slot.closed


def test_lossless_slot_hands_over_every_frame():
    slot = FrameSlot(drop=False)
    times = [i / 10 for i in range(20)]
    producer = threading.Thread(target=lambda: [slot.put(_captured(t)) for t in times] and slot.close())
    producer.start()
    got = []
    while (item := slot.take(WAIT_S)) is not None:
        got.append(item.frame.t_s)
    producer.join(WAIT_S)
    assert got == times and slot.dropped == 0


def test_pacer_stop_releases_a_thread_waiting_for_a_late_frame():
    pacer = RealTimePacer()
    frames = [SourceFrame(0.0, None), SourceFrame(3600.0, None)]   # type: ignore[arg-type]
    seen: list[float] = []
    first = threading.Event()
    reader = threading.Thread(target=lambda: [seen.append(f.t_s) or first.set() for f in pacer.pace(frames)])
    reader.start()
    assert first.wait(WAIT_S)
    pacer.stop()
    reader.join(WAIT_S)
    assert not reader.is_alive() and seen == [0.0]


def test_pacer_resume_shifts_the_clock_by_the_pause():
    now = [100.0]
    pacer = RealTimePacer(clock=lambda: now[0])
    frames = iter(pacer.pace([SourceFrame(0.0, None), SourceFrame(1.0, None)]))   # type: ignore[arg-type]
    assert next(frames).t_s == 0.0          # media 0 is wall 100
    pacer.pause()
    now[0] = 130.0                          # 30 s paused
    pacer.resume()
    now[0] = 131.0                          # media 1.0 is now due at wall 131
    assert next(frames).t_s == 1.0


# ---------------------------------------------------------------- choosing a source


def test_source_is_the_given_video_even_when_a_camera_exists(tmp_path):
    source = choose_source(None, tmp_path / "v.mp4", lambda: tmp_path / "sample.mp4", camera_check=lambda i: True)
    assert source.video == tmp_path / "v.mp4" and not source.notice


def test_camera_is_used_when_it_opens():
    assert choose_source(2, None, lambda: Path("x"), camera_check=lambda i: i == 2).camera == 2


def test_no_camera_falls_back_to_the_sample_video_and_says_why(tmp_path):
    source = choose_source(None, None, lambda: tmp_path / "hinge_clean.mp4", camera_check=lambda i: False)
    assert source.video == tmp_path / "hinge_clean.mp4"
    assert "No camera found" in source.notice and "hinge_clean.mp4" in source.notice


# ---------------------------------------------------------------- the loop


def test_loop_counts_reps_finds_faults_and_says_cues_on_media_time(tmp_path):
    poses = hinge_poses()
    still = frame_times(15.0, start_s=poses[-1].t_s + 1 / 30)     # standing still after the set
    loop, got = run_loop(FedSource([*(f.t_s for f in poses), *still]), ScriptedPoses(poses), tmp_path)
    ended = finish(loop, got)
    reps = [e for e in got.events if isinstance(e, RepCompleted)]
    assert [r.number for r in reps] == [1, 2]
    assert any(isinstance(e, FaultStarted) and e.code == "squatting" for e in got.events)
    definition = load_exercise("hip_hinge")
    assert definition.fault_cue("squatting")[1] in [c.text for c in got.cues]
    assert got.cues[0].text == "Hip hinge."                          # the programme announces the exercise
    assert got.cues[-1].kind == "set_done"                          # the set is over when that is said
    assert ended.reason == "done" and ended.stats.dropped == 0
    frames = [u.t_s for u in got.updates if u.image is not None]
    assert frames[:len(poses)] == [f.t_s for f in poses] and frames[-1] >= got.cues[-1].t_s


def test_loop_drops_frames_while_inference_is_busy_and_keeps_the_newest(tmp_path):
    poses = hinge_poses(reps=1, faults=())
    gate, all_put = threading.Event(), threading.Event()
    estimator = ScriptedPoses(poses, gate=gate)
    source = FedSource(frame_times(0.5), after_last=all_put, after_first=estimator.entered)
    loop, got = run_loop(source, estimator, None, drop=True)
    assert all_put.wait(WAIT_S)              # every frame was captured while inference was stuck
    gate.set()
    ended = finish(loop, got)
    n = len(source.times_s)
    assert (ended.stats.captured, ended.stats.processed, ended.stats.dropped) == (n, 2, n - 2)
    assert got.updates[-2].t_s == source.times_s[-1]     # the newest frame won


def test_video_ending_mid_hold_closes_the_set_and_says_so(tmp_path):
    plank = perform("side_plank", seed=1)
    cut_s = plank.labels.holds[0].start_s + 2.0               # the video ends inside the first hold
    source = FedSource(f.t_s for f in plank.frames if f.t_s <= cut_s)
    loop, got = run_loop(source, ScriptedPoses(plank.frames), tmp_path,
                         programme=Programme.single(load_exercise("side_plank")))
    ended = finish(loop, got)
    holds = [e for e in got.events if isinstance(e, (HoldStarted, HoldEnded))]
    assert isinstance(holds[0], HoldStarted) and isinstance(holds[-1], HoldEnded)
    assert holds[-1].t_s == pytest.approx(source.times_s[-1])
    assert ended.reason == "source_ended" and ended.message.startswith("The video ended.")
    finished = [e for e in got.events if isinstance(e, ProgrammeFinished)]
    assert finished == [ProgrammeFinished(source.times_s[-1], False, "source_ended")]
    session = read_session(ended.session_dir)
    assert session.meta["ended"]["reason"] == "source_ended"
    assert session.events[-1] == finished[0]


def test_camera_unplugged_mid_set_ends_the_session_cleanly_with_the_reason(tmp_path):
    poses = hinge_poses(reps=1, faults=())
    source = FedSource([f.t_s for f in poses], fail_after=90)
    loop, got = run_loop(source, ScriptedPoses(poses), tmp_path)
    ended = finish(loop, got)
    assert ended.reason == "source_failed"
    assert "stopped sending pictures" in ended.message and str(ended.session_dir) in ended.message
    session = read_session(ended.session_dir)
    assert session.ended_cleanly and len(session.landmarks) == 90
    assert isinstance(session.events[-1], ProgrammeFinished) and session.events[-1].reason == "source_failed"


def test_it_hurts_records_pain_says_the_pain_cue_and_stops(tmp_path):
    poses = hinge_poses(reps=1, faults=())
    all_put = threading.Event()
    source = FedSource([f.t_s for f in poses[:60]], hold=True, after_last=all_put)
    loop, got = run_loop(source, ScriptedPoses(poses), tmp_path)
    assert all_put.wait(WAIT_S)
    loop.report_pain()
    ended = finish(loop, got)
    assert ended.reason == "pain"
    pain = [e for e in got.events if isinstance(e, PainReported)]
    last_frame_s = max(u.t_s for u in got.updates if u.image is not None and u.t_s <= pain[0].t_s)
    assert len(pain) == 1 and pain[0].t_s == last_frame_s              # the time of the last frame seen
    assert got.cues[-1].kind == "pain" and got.cues[-1].text == load_exercise("hip_hinge").cues.pain
    assert source.closed.is_set()
    recorded = read_session(ended.session_dir).events
    assert PainReported(pain[0].t_s) in recorded


def test_pause_and_resume_are_recorded_and_nothing_is_coached_in_between(tmp_path):
    poses = hinge_poses(reps=1, faults=())
    first_part = threading.Event()
    source = FedSource([f.t_s for f in poses[:30]], hold=True, after_last=first_part)
    loop, got = run_loop(source, ScriptedPoses(poses), tmp_path)
    assert first_part.wait(WAIT_S)
    loop.pause()
    loop.resume()
    loop.stop()
    ended = finish(loop, got)
    kinds = [type(e) for e in got.events]
    assert kinds.index(Paused) < kinds.index(Resumed) < kinds.index(ProgrammeFinished)
    assert ended.reason == "stopped"


# ---------------------------------------------------------------- what the screen shows


def test_scoreboard_follows_reps_per_side_holds_cues_and_rests():
    sb = Scoreboard()
    sb.apply(0.0, [StepStarted(0.0, 1, 2, "bird_dog", "Bird dog", 1, 1, 8, 5.0, ("left", "right"))])
    sb.apply(3.0, [HoldStarted(3.0, Side.LEFT, 5.0), HoldProgress(4.0, Side.LEFT, 1.0, 5.0, 4),
                   HoldProgress(5.0, Side.LEFT, 2.0, 5.0, 3), PhaseEntered(5.0, "held", Side.LEFT)])
    assert sb.hold_shown_s() == 2.0 and sb.phase == "held"
    sb.apply(9.0, [HoldEnded(9.0, Side.LEFT, 3.0, 4.5, 6.0, 5.0),
                   RepCompleted(9.0, Side.LEFT, 1, 6.0, "reach_arm_raise_deg", 80.0, "deg", ()),
                   CueDecided(9.0, "left 1", "count", 2, "RepCompleted")])
    assert sb.reps == {"left": 1} and sb.hold_shown_s() == 4.5 and sb.shown_cue() == "left 1"
    sb.apply(20.0, [])
    assert sb.shown_cue() == ""                          # old cues leave the banner
    sb.apply(20.0, [RestStarted(20.0, 30.0, "Hip hinge")])
    sb.apply(25.0, [])
    assert sb.resting and sb.rest_left_s() == 25.0 and sb.next_title == "Hip hinge"


def test_scoreboard_setup_problem_until_setup_ok():
    sb = Scoreboard()
    sb.apply(1.0, [SetupProblem(1.0, "wrong_view", "view_ratio 0.9")])
    assert sb.setup_problem == "wrong_view"
    sb.apply(2.0, [SetupOk(2.0)])
    assert sb.setup_problem is None


def test_angles_shown_are_the_degree_metrics_of_phases_and_faults():
    names = angle_metrics(load_exercise("hip_hinge"))
    assert "trunk_incline_deg" in names and "knee_angle_near_deg" in names
    assert all(n.endswith("_deg") for n in names)


def test_faulty_landmarks_are_those_of_the_active_faults_metrics():
    landmarks = fault_landmarks(load_exercise("hip_hinge"), ["squatting"])
    assert {Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE} <= landmarks
    assert fault_landmarks(load_exercise("hip_hinge"), []) == frozenset()


def test_session_meta_names_software_model_checksum_and_programme(tmp_path):
    from coach.live import session_meta

    model = tmp_path / "pose.task"
    model.write_bytes(b"model bytes")
    meta = session_meta(Programme.single(load_exercise("bird_dog")), LiveSource(camera=1), model)
    assert meta["model"]["file"] == "pose.task" and len(meta["model"]["sha256"]) == 64
    assert meta["source"] == {"kind": "camera", "index": 1}
    assert meta["programme"]["steps"][0]["prescription"]["sides"] == ["left", "right"]
    assert meta["coach_version"] and "python" in meta["software"]
    assert len(meta["definitions"]["bird_dog"]["sha256"]) == 64
