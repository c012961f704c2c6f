"""Session recording: folder layout, round trips, what read_session reports, and surviving SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from coach.events import CueDecided, FaultStarted, PainReported, RepCompleted
from coach.landmarks import Side
from coach.programme import RestStarted, StepStarted
from coach.recording import (EVENTS_FILE, LANDMARKS_FILE, META_FILE, VIDEO_FILE, SessionRecorder,
                             default_data_dir, new_session_dir, read_session)
from coach.sources import VideoFileSource
from tests.test_live_support import hinge_poses

ROOT = Path(__file__).resolve().parent.parent


def _image(i: int) -> np.ndarray:
    image = np.zeros((480, 640, 3), np.uint8)
    image[:, (i * 7) % 640] = 255          # a moving line, so frames differ
    image[100:200, 100:300] = (30, 160, 90)
    return image


EVENTS = [
    StepStarted(0.0, 1, 1, "hip_hinge", "Hip hinge", 1, 1, 8, 0.0, ("both",)),
    CueDecided(0.0, "Hip hinge.", "transition", 4, "programme"),
    FaultStarted(1.2, "squatting", Side.BOTH, 1),
    CueDecided(1.2, "Push your hips back, keep the knees soft.", "fault", 11, "squatting"),
    RepCompleted(2.0, Side.BOTH, 1, 2.0, "trunk_incline_deg", float("nan"), "deg", ("squatting",)),
    RestStarted(2.1, 30.0, "Bird dog"),
    PainReported(2.5),
]


def test_a_session_holds_meta_video_landmarks_and_events_that_read_back(tmp_path):
    poses = hinge_poses(reps=1, faults=())[:60]
    recorder = SessionRecorder.create(tmp_path, "hip_hinge", {"name": "hip_hinge", "model": {"file": "m.task"}})
    for i, pose in enumerate(poses):
        recorder.write_frame(_image(i), pose)
    recorder.write_events(EVENTS)
    recorder.close("stopped", "Stopped.")
    session = read_session(recorder.path)
    assert session.problems == []
    assert {p.name for p in recorder.path.iterdir()} == {META_FILE, VIDEO_FILE, LANDMARKS_FILE, EVENTS_FILE}
    assert recorder.path.parent == tmp_path / "sessions" and recorder.path.name.endswith("-hip_hinge")
    assert session.meta["model"] == {"file": "m.task"} and session.meta["ended"]["reason"] == "stopped"
    assert len(session.landmarks) == 60 and session.landmarks.image_size == (640, 480)
    np.testing.assert_allclose(session.landmarks.xy_px[7], poses[7].xy_px)
    np.testing.assert_allclose(session.landmarks.t_s, [p.t_s for p in poses])
    assert session.events[:4] == EVENTS[:4] and session.events[5:] == EVENTS[5:]
    assert np.isnan(session.events[4].range)           # NaN survives as null
    with VideoFileSource(session.video) as video:
        times = [f.t_s for f in video]
    np.testing.assert_allclose(times, [p.t_s for p in poses], atol=0.002)   # video frames on media time


def test_read_session_lists_what_is_missing_or_damaged(tmp_path):
    recorder = SessionRecorder.create(tmp_path, "bird_dog", {"name": "bird_dog"})
    for i, pose in enumerate(hinge_poses(reps=1, faults=())[:20]):
        recorder.write_frame(_image(i), pose)
    recorder.write_events(EVENTS[:3])
    recorder.close("stopped")
    folder = recorder.path
    (folder / VIDEO_FILE).unlink()
    with (folder / LANDMARKS_FILE).open("ab") as f:
        f.write(b"\x00" * 100)                          # half a record
    with (folder / EVENTS_FILE).open("a") as f:
        f.write('{"event": "RepCompl')                   # a line cut short
    session = read_session(folder)
    assert len(session.landmarks) == 20 and len(session.events) == 3
    text = "\n".join(session.problems)
    assert "video.mp4 is missing" in text and "partial record" in text and "line 4 is cut short" in text


def test_a_folder_without_meta_still_gives_what_is_there(tmp_path):
    session = read_session(tmp_path)
    assert session.meta == {} and session.events == [] and session.landmarks is None
    assert len(session.problems) == 4


def test_data_dir_follows_coach_data_dir_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "c"))
    assert default_data_dir() == tmp_path / "c"
    monkeypatch.delenv("COACH_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "x" / "backcoach"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert default_data_dir() == tmp_path / "h" / ".local" / "share" / "backcoach"


def test_two_sessions_in_the_same_second_get_their_own_folders(tmp_path):
    now = datetime(2025, 1, 2, 3, 4, 5)
    first, second = new_session_dir(tmp_path, "x", now), new_session_dir(tmp_path, "x", now)
    assert first.name == "20250102-030405-x" and second.name == "20250102-030405-x-2"


# A recorder that writes 3 s of media at 20 frames/s, then waits to be killed.
_KILLED_RECORDER = textwrap.dedent('''
    import sys
    import numpy as np
    from coach.events import CueDecided
    from coach.recording import SessionRecorder
    from tests.test_live_support import hinge_poses
    from tests.test_recording import _image

    recorder = SessionRecorder.create(sys.argv[1], "hip_hinge", {"name": "hip_hinge"})
    poses = [p for p in hinge_poses(reps=1, faults=()) if round(p.t_s * 30) % 3 == 0 and p.t_s <= 3.0]
    for i, pose in enumerate(poses):
        recorder.write_frame(_image(i), pose)
        if i % 10 == 0:
            recorder.write_events([CueDecided(pose.t_s, f"cue {i}", "count", 2, "RepCompleted")])
    print(f"{poses[-1].t_s:.3f} {len(poses)}", flush=True)
    sys.stdin.read()                 # killed while waiting here, with every file still open
''')


def test_a_session_killed_mid_set_keeps_everything_up_to_the_last_second(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", _KILLED_RECORDER, str(tmp_path)], cwd=ROOT, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        last_s, frames = child.stdout.readline().split()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    folder = next((tmp_path / "sessions").iterdir())
    session = read_session(folder)
    last_s = float(last_s)
    assert not session.ended_cleanly and any("did not end cleanly" in p for p in session.problems)
    assert session.meta["name"] == "hip_hinge"
    assert [e.text for e in session.events] == [f"cue {i}" for i in range(0, int(frames), 10)]
    assert session.landmarks.t_s[-1] >= last_s - 1.05            # flushed every media second
    assert session.video_end_s is not None and session.video_end_s >= last_s - 1.05   # one fragment a second
    with VideoFileSource(session.video) as video:
        decoded = [f.t_s for f in video]
    assert decoded[-1] >= last_s - 1.05
    assert json.loads((folder / META_FILE).read_text())["ended"] is None


@pytest.mark.parametrize("kind", ["Nonsense", "HoldStarted"])
def test_bad_event_lines_are_reported_not_raised(tmp_path, kind):
    recorder = SessionRecorder.create(tmp_path, "x", {})
    recorder.close("stopped")
    (recorder.path / EVENTS_FILE).write_text(json.dumps({"event": kind, "t_s": 1.0}) + "\n" + "{}\n")
    session = read_session(recorder.path)
    assert session.events == [] and sum("events.jsonl line" in p for p in session.problems) == 2
