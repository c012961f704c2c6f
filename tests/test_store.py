"""The session store: indexing recorded folders, patients, deleting, migrations, crashes and concurrency.

`record_session` (also used by test_report, test_progress and test_ui_replay) writes a real session
folder with the recorder, from performer frames run through the programme as `coach live` runs them,
with a cheap drawn picture standing in for the camera.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from coach import __version__
from coach.analysis import AnalysisResult, StageTimes
from coach.cli import main
from coach.coaching import Coach
from coach.definitions import load_exercise
from coach.frames import PoseFrame
from coach.landmarks import SKELETON_EDGES
from coach.performer import Fault, Performance, Script, perform
from coach.programme import Programme, ProgrammeRun
from coach.recording import (EVENTS_FILE, LANDMARKS_FILE, META_FILE, VIDEO_FILE, SessionRecorder, new_session_dir,
                             read_session)
from coach.sources import VideoInfo
from coach.store import (CATALOGUE_FILE, MIGRATIONS, SCHEMA_VERSION, Store, StoreError, migrate, rep_rows,
                         save_analysis, split_sets)
from tests.videos import write_video

ROOT = Path(__file__).resolve().parent.parent
MONDAY = datetime(2025, 5, 5, 9, 30)          # a Monday morning
HINGE_SCRIPT = Script(reps=3, faults=(Fault("squatting", reps=(2,)),))


# ---------------------------------------------------------------- building sessions


def drawn_image(frame: PoseFrame) -> np.ndarray:
    """A stand-in camera picture: a wall and floor with the pose drawn as a thick-limbed figure."""
    w, h = frame.image_size
    image = np.empty((h, w, 3), np.uint8)
    image[:] = (196, 188, 176)
    image[int(h * 0.78):] = (122, 98, 78)
    if frame.has_pose:
        xy = frame.xy_px
        for a, b in SKELETON_EDGES:
            if np.all(np.isfinite(xy[[a, b]])):
                cv2.line(image, tuple(int(v) for v in xy[a]), tuple(int(v) for v in xy[b]), (52, 84, 140), 16,
                         cv2.LINE_AA)
        if np.all(np.isfinite(xy[0])):
            cv2.circle(image, tuple(int(v) for v in xy[0]), 20, (226, 182, 150), -1, cv2.LINE_AA)
    return image


def record_session(data_dir: Path, exercise: str = "hip_hinge", script: Script | None = HINGE_SCRIPT, *,
                   started: datetime = MONDAY, seed: int = 1, fps: float = 15.0, pain_at_s: float | None = None,
                   patient: tuple[str, str] | None = None, video: bool = True, rendered: bool = False,
                   picture: Callable[[PoseFrame], np.ndarray] = drawn_image, mask: bool = False) -> Path:
    """A session folder as `coach live --exercise` writes it, from a performed set; the camera's
    picture is `picture(frame)`, or with `rendered` the 3D-rendered person (slower: for screenshots)."""
    perf = perform(exercise, script, fps=fps, seed=seed, mask=mask)
    image = _renderer(perf, seed) if rendered else lambda _i, frame: picture(frame)
    programme = Programme.single(load_exercise(exercise))
    run = ProgrammeRun(programme)
    meta = {"coach_version": __version__, "started_at": started.astimezone().isoformat(timespec="seconds"),
            "name": exercise, "title": programme.title, "programme": programme.to_dict(),
            "source": {"kind": "camera", "index": 0}}
    if patient is not None:
        meta["patient"] = {"id": patient[0], "name": patient[1]}
    recorder = SessionRecorder(new_session_dir(data_dir, exercise, started), meta)
    last_t_s = 0.0
    for i, frame in enumerate(perf.frames):
        events = run.update(frame)
        if pain_at_s is not None and frame.t_s >= pain_at_s and not run.done:
            events += run.report_pain(frame.t_s)
        if video:
            recorder.write_frame(image(i, frame), frame.with_landmarks(mask=None))
        else:
            recorder._landmarks.write(frame.with_landmarks(mask=None))      # a camera-less recording
        recorder.write_events(events)
        last_t_s = frame.t_s
        if run.done:
            break
    recorder.write_events(run.finish(last_t_s, "source_ended"))
    reason = "pain" if pain_at_s is not None else ("done" if run.done else "source_ended")
    recorder.close(reason, "")
    return recorder.path


def _renderer(perf: Performance, seed: int) -> Callable[[int, PoseFrame], np.ndarray]:
    from coach.render import FrameRenderer, Style

    renderer = FrameRenderer(perf, Style.random(seed), perf.camera)
    return lambda i, _frame: renderer.frame(i)


@pytest.fixture(scope="module")
def hinge_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recorded 3-rep hip hinge set with a squatting fault in rep 2 (read-only: copy it to change it)."""
    return record_session(tmp_path_factory.mktemp("hinge"))


def copy_session(folder: Path, data_dir: Path) -> Path:
    target = data_dir / "sessions" / folder.name
    shutil.copytree(folder, target)
    return target


# ---------------------------------------------------------------- indexing


def test_indexing_a_session_catalogues_its_reps_faults_and_cues(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    with Store(tmp_path) as store:
        session_id = store.index_session(folder)
        detail = store.detail(session_id)
    row = detail.row
    assert row.name == "hip_hinge" and row.title == "Hip hinge" and row.end_reason is not None
    assert row.started_at is not None and row.started_at.replace(tzinfo=None) == MONDAY
    assert row.reps == 3 and row.problems == () and row.exercises == ("Hip hinge",)
    (only,) = detail.sets
    assert only.exercise == "hip_hinge" and only.target_reps == 10 and [r["number"] for r in only.reps] == [1, 2, 3]
    assert only.reps[1]["faults"] == ["squatting"] and only.reps[0]["faults"] == []
    assert [f["code"] for f in only.faults] == ["squatting"] and only.faults[0]["rep"] == 2
    assert any(c["text"] == "Push your hips back, keep the knees soft." for c in only.cues)
    assert detail.programme is not None and detail.programme["name"] == "hip_hinge"


def test_indexing_the_same_folder_twice_changes_nothing(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    with Store(tmp_path) as store:
        first = store.index_session(folder)
        before = store.db.execute("SELECT COUNT(*), MAX(id) FROM reps").fetchone()[:]
        indexed_at = store.db.execute("SELECT indexed_at FROM sessions").fetchone()[0]
        assert store.index_session(folder) == first
        assert store.sync().unchanged == 1
        assert store.db.execute("SELECT COUNT(*), MAX(id) FROM reps").fetchone()[:] == before
        assert store.db.execute("SELECT indexed_at FROM sessions").fetchone()[0] == indexed_at
        assert len(store.sessions()) == 1


def test_a_folder_that_grew_is_indexed_again_under_the_same_id(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    with Store(tmp_path) as store:
        session_id = store.index_session(folder)
        with (folder / EVENTS_FILE).open("a") as f:
            f.write(json.dumps({"event": "PainReported", "t_s": 30.0}) + "\n")
        assert store.sync().indexed == [session_id]
        assert store.session(session_id).pain == 1 and store.session(session_id).reps == 3


def test_the_patient_in_meta_is_filed_and_an_assignment_survives_reindexing(tmp_path):
    folder = record_session(tmp_path, "side_plank", Script(reps=1), patient=("P-0042", "Ann Example"))
    with Store(tmp_path) as store:
        session_id = store.index_session(folder)
        assert store.session(session_id).patient.code == "P-0042"
        assert store.patient("P-0042").name == "Ann Example"
        store.assign_patient(session_id, "P-0007", "Bob Example")
        store.index_session(folder, force=True)
        assert store.session(session_id).patient.code == "P-0007"
        assert [p.code for p in store.patients()] == ["P-0007", "P-0042"]
        assert [s.id for s in store.sessions(store.patient("P-0007").id)] == [session_id]


def test_a_hold_exercise_stores_holds_with_good_form_time_in_the_rep_rows(tmp_path):
    folder = record_session(tmp_path, "side_plank", Script(reps=1))
    with Store(tmp_path) as store:
        (plank,) = store.detail(store.index_session(folder)).sets
    assert [h["side"] for h in plank.holds] == ["left", "right"]
    assert all(h["good_s"] > 5 for h in plank.holds)
    assert [r["hold_good_s"] for r in plank.reps] == [h["good_s"] for h in plank.holds]


def test_sets_split_at_each_step_and_rows_pair_reps_with_their_holds(hinge_folder):
    session = read_session(hinge_folder)
    (only,) = split_sets(session.events, 20.0, session.meta)
    assert only.exercise == "hip_hinge" and only.start_s == 0.0 and only.end_s == 20.0
    rows = rep_rows({"rep_table": [{"side": "left", "number": 1, "start_s": 1.0, "end_s": 6.0, "duration_s": 5.0,
                                    "metric": "m", "range": 80.0, "range_unit": "deg", "faults": []}],
                     "holds": [{"side": "left", "start_s": 2.0, "end_s": 5.5, "good_s": 3.0, "total_s": 3.5,
                                "target_s": 5.0},
                               {"side": "right", "start_s": 8.0, "end_s": 9.0, "good_s": 1.0, "total_s": 1.0,
                                "target_s": 5.0}],
                     "faults": [{"code": "bent_limb", "start_s": 8.5, "end_s": 9.5, "side": "right", "rep": 1}]})
    assert [(r["kind"], r["hold_good_s"], r["faults"]) for r in rows] == [("rep", 3.0, []),
                                                                         ("hold", 1.0, ["bent_limb"])]


# ---------------------------------------------------------------- damaged folders


def test_a_damaged_session_is_catalogued_with_what_is_there_and_what_is_wrong(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    (folder / VIDEO_FILE).unlink()
    (folder / META_FILE).unlink()
    with (folder / EVENTS_FILE).open("a") as f:
        f.write("garbage that is not json\n")
    data = (folder / LANDMARKS_FILE).read_bytes()
    (folder / LANDMARKS_FILE).write_bytes(data[:-500])
    with Store(tmp_path) as store:
        row = store.session(store.index_session(folder))
    problems = "\n".join(row.problems)
    assert row.reps == 3 and row.name == "hip_hinge" and row.started_at == MONDAY
    assert "meta.json is missing" in problems and "video.mp4 is missing" in problems
    assert "partial record" in problems and "events.jsonl line" in problems


def test_a_folder_without_events_still_takes_its_exercise_from_the_folder_name(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    for name in (EVENTS_FILE, META_FILE):
        (folder / name).unlink()
    with Store(tmp_path) as store:
        detail = store.detail(store.index_session(folder))
    assert detail.sets[0].exercise == "hip_hinge" and detail.row.reps == 0
    assert any("events.jsonl is missing" in p for p in detail.row.problems)


# ---------------------------------------------------------------- deleting


def test_deleting_a_session_removes_its_rows_and_its_folder(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    with Store(tmp_path) as store:
        session_id = store.index_session(folder)
        store.delete_session(session_id)
        assert not folder.exists() and store.sessions() == []
        assert store.db.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 0
        assert store.integrity_problems() == []
        with pytest.raises(StoreError, match="no session"):
            store.session(session_id)


def test_a_delete_interrupted_after_the_catalogue_let_go_is_finished_by_the_next_sync(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    (folder / ".deleted").touch()
    with Store(tmp_path) as store:
        assert store.sync().indexed == [] and not folder.exists()


def test_sync_lists_catalogued_sessions_whose_folder_is_gone_and_keeps_their_summary(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    with Store(tmp_path) as store:
        session_id = store.index_session(folder)
        shutil.rmtree(folder)
        assert store.sync().missing == [session_id]
        assert store.session(session_id).reps == 3


# ---------------------------------------------------------------- schema versions


def _v1_catalogue(data_dir: Path) -> None:
    """A catalogue as the first version wrote it, with one session."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(data_dir / CATALOGUE_FILE, isolation_level=None)
    migrate(db, target=1)
    db.execute("INSERT INTO sessions (folder, name, title, started_at, duration_s, fingerprint, indexed_at) "
               "VALUES ('sessions/old', 'bird_dog', 'Bird dog', '2024-01-02T10:00:00', 60, 'x', 'then')")
    db.execute("INSERT INTO sets (session_id, position, step, exercise, title, set_number, sets, start_s, end_s) "
               "VALUES (1, 0, 1, 'bird_dog', 'Bird dog', 1, 1, 0, 60)")
    db.execute("INSERT INTO reps (set_id, side, number, range, faults) VALUES (1, 'left', 1, 80.5, '[]')")
    db.close()


def test_a_version_1_catalogue_is_migrated_and_keeps_its_sessions(tmp_path):
    _v1_catalogue(tmp_path)
    with Store(tmp_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
        row = store.session(1)
        assert (row.title, row.reps, row.patient) == ("Bird dog", 1, None)
        assert store.db.execute("SELECT fingerprint FROM sessions").fetchone()[0] == ""   # re-read on next sync
        assert store.db.execute("SELECT faults FROM holds").fetchall() == []               # v3 column exists
        store.add_patient("P-1", "New patient")
        assert store.integrity_problems() == []


def test_a_catalogue_from_a_newer_coach_is_refused_with_what_to_do(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    db = sqlite3.connect(tmp_path / CATALOGUE_FILE)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this coach") as error:
        Store(tmp_path)
    assert "Update the coach" in str(error.value)


# ---------------------------------------------------------------- crashes and concurrency

# Indexes a session, then a second one, stopping inside the second one's transaction (after its reps
# are written) until it is killed.
_KILLED_INDEXER = textwrap.dedent('''
    import sys
    from coach import store as store_module
    from coach.store import Store

    data_dir, first, second = sys.argv[1:4]
    store = Store(data_dir)
    store.index_session(first)
    original = store_module.Store._insert_reps

    def insert_then_wait(self, set_id, reps):
        original(self, set_id, reps)
        print("inside", flush=True)
        sys.stdin.read()

    store_module.Store._insert_reps = insert_then_wait
    store.index_session(second, force=True)
''')


def test_a_process_killed_mid_import_leaves_the_catalogue_as_it_was_before(tmp_path, hinge_folder):
    first = copy_session(hinge_folder, tmp_path)
    second = record_session(tmp_path, "side_plank", Script(reps=1), started=MONDAY + timedelta(days=1))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", _KILLED_INDEXER, str(tmp_path), str(first), str(second)],
                             cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "inside"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    with Store(tmp_path) as store:
        assert store.integrity_problems() == []
        assert [(row.name, row.reps) for row in store.sessions()] == [("hip_hinge", 3)]
        assert store.db.execute("SELECT COUNT(*) FROM sets").fetchone()[0] == 1
        assert store.sync().indexed != []                        # the interrupted one is indexed on the next look
        assert sorted(row.name for row in store.sessions()) == ["hip_hinge", "side_plank"]


def test_a_reader_keeps_its_snapshot_while_another_connection_writes(tmp_path, hinge_folder):
    folder = copy_session(hinge_folder, tmp_path)
    with Store(tmp_path) as reader, Store(tmp_path) as writer:
        assert reader.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        reader.db.execute("BEGIN")
        assert reader.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
        writer.index_session(folder)                             # not blocked by the open read
        assert reader.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
        reader.db.execute("COMMIT")
        assert len(reader.sessions()) == 1


def test_a_session_being_recorded_can_be_indexed_and_is_indexed_again_when_it_ends(tmp_path, hinge_folder):
    recorder = SessionRecorder.create(tmp_path, "hip_hinge", {"name": "hip_hinge", "title": "Hip hinge"})
    frames = perform("hip_hinge", Script(reps=1), fps=10).frames
    for frame in frames[:20]:
        recorder.write_frame(drawn_image(frame), frame)
    with Store(tmp_path) as store:
        session_id = store.index_session(recorder.path)
        assert store.session(session_id).end_reason is None
        assert any("did not end cleanly" in p for p in store.session(session_id).problems)
        recorder.close("stopped")
        assert store.sync().indexed == [session_id]
        assert store.session(session_id).end_reason == "stopped"


# ---------------------------------------------------------------- coach analyze --save


def test_an_analysed_video_is_saved_as_a_session_folder_and_catalogued(tmp_path):
    perf = perform("hip_hinge", HINGE_SCRIPT, fps=15, seed=1)
    video = tmp_path / "clip.mp4"
    write_video(video, [drawn_image(f) for f in perf.frames], fps=15)
    coach = Coach(load_exercise("hip_hinge"))
    events = [e for f in perf.frames for e in coach.update(f)] + coach.finish()
    info = VideoInfo(video, 640, 480, perf.frames[-1].t_s, len(perf.frames), 15.0)
    result = AnalysisResult(info, Path("pose_landmarker_full.task"), perf.frames, StageTimes(), events, "hip_hinge")
    saved = save_analysis(result, tmp_path / "data")
    session = read_session(saved.folder)
    assert session.problems == [] and len(session.landmarks) == len(perf.frames)
    assert session.meta["source"]["path"] == str(video) and session.meta["ended"]["reason"] == "source_ended"
    with Store(tmp_path / "data") as store:
        row = store.session(saved.session_id)
    assert row.reps == 3 and row.title == "Hip hinge" and row.folder == saved.folder


@pytest.mark.slow
def test_coach_analyze_save_keeps_the_video_as_a_session_that_replays(tmp_path, capsys):
    video = ROOT / "sample_videos" / "bird_dog" / "clean.mp4"
    assert main(["analyze", str(video), "--exercise", "bird_dog", "--save", "--data-dir", str(tmp_path / "data"),
                 "--out", str(tmp_path / "out"), "-q"]) == 0
    assert "Saved as session 1:" in capsys.readouterr().out
    with Store(tmp_path / "data") as store:
        row = store.session(1)
    session = read_session(row.folder)
    assert session.problems == [] and session.meta["source"]["path"] == str(video)
    assert session.video_end_s == pytest.approx(session.landmarks.t_s[-1], abs=0.01)
    assert row.title == "Bird dog" and row.end_reason in ("done", "source_ended")


# ---------------------------------------------------------------- coach sessions


def test_sessions_list_show_and_delete_from_the_command_line(tmp_path, hinge_folder, capsys):
    folder = copy_session(hinge_folder, tmp_path)
    (folder / VIDEO_FILE).unlink()
    assert main(["sessions", "--data-dir", str(tmp_path), "list"]) == 0
    listing = capsys.readouterr().out
    assert "Hip hinge" in listing and "2025-05-05 09:30" in listing and "3 reps" in listing
    assert main(["sessions", "--data-dir", str(tmp_path), "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "video.mp4 is missing" in shown and "squatting" in shown and "Push your hips back" in shown
    assert main(["sessions", "--data-dir", str(tmp_path), "delete", "1"]) == 2      # not without --yes
    assert folder.exists() and "--yes" in capsys.readouterr().err
    assert main(["sessions", "--data-dir", str(tmp_path), "delete", "1", "--yes"]) == 0
    assert not folder.exists()
    assert main(["sessions", "--data-dir", str(tmp_path), "show", "1"]) == 2
    assert "coach sessions list" in capsys.readouterr().err


def test_sessions_show_of_a_session_whose_folder_is_gone_says_so_and_shows_the_catalogue(tmp_path, hinge_folder,
                                                                                        capsys):
    folder = copy_session(hinge_folder, tmp_path)
    with Store(tmp_path) as store:
        store.index_session(folder)
    shutil.rmtree(folder)
    assert main(["sessions", "--data-dir", str(tmp_path), "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "folder is missing" in shown and "Reps: 3" in shown
