"""The replay window, session list and progress view, offscreen, on session folders made in the test.

Sessions are written with the recorder from performer frames (tests/test_store.py `record_session`).
Tests wait on signals or conditions, never sleep, and close every window they open.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtTest import QTest

from coach.performer import Script, perform
from coach.recording import EVENTS_FILE, LANDMARKS_FILE, META_FILE, VIDEO_FILE, SessionRecorder
from coach.report import load_session_doc
from coach.store import Store
from tests.test_store import MONDAY, copy_session, drawn_image, record_session
from ui.progress_view import ProgressWindow
from ui.replay_window import ReplayApp, ReplayWindow
from ui.session_list import SessionListWindow

SHOTS = os.environ.get("COACH_REPLAY_SHOTS")       # set to a folder to keep screenshots of these windows


@pytest.fixture(scope="module")
def hinge_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 hip hinge reps, squatting in rep 2, with video, landmarks and events (read-only)."""
    return record_session(tmp_path_factory.mktemp("replay"))


_OPEN: list = []      # windows of the running test, held until it ends (see _close_windows)


@pytest.fixture(autouse=True)
def _close_windows():  # noqa: ANN202
    """qtbot keeps only weak references: a window collected mid-test would be deleted by Qt without
    being closed, and pyqtgraph items dying inside Qt's destructor crash PyQt. Close them in order."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def open_window(qtbot, folder: Path) -> ReplayWindow:
    window = ReplayWindow.open(folder)
    qtbot.addWidget(window)
    _OPEN.append(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def shot(window, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        window.grab().save(str(Path(SHOTS) / f"{name}.png"))


def click_table_row(qtbot, table, row: int) -> None:
    rect = table.visualItemRect(table.item(row, 1))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def click_scene(charts, scene_xy: tuple[float, float]) -> None:
    view = charts.graphics
    point = view.mapFromScene(QPointF(*scene_xy))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(point.x(), point.y()))


# ---------------------------------------------------------------- what it shows


def test_the_rep_table_and_the_charts_show_the_recorded_reps_faults_and_cues(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    table = window.rep_table
    assert table.rowCount() == 3
    assert [table.item(r, 6).text() for r in range(3)] == ["good form", "Squatting", "good form"]
    assert table.item(1, 4).text().endswith("°")                       # range of motion in degrees
    view = window.doc.sets[0]
    assert len(window.charts.plots) == 1 + len(view.metrics) and "trunk_incline_deg" in window.charts.curves
    assert len(window.charts.marks.data) == len(view.markers)            # every mark is on the track
    events = [window.event_table.item(r, 2).text() for r in range(window.event_table.rowCount())]
    assert "“Push your hips back, keep the knees soft.”" in events
    assert window.cards["Reps"].value.text() == "3" and window.cards["Faults"].value.text() == "1"
    assert not window.notice.isVisible()
    shot(window, "test_replay_hinge")


def test_the_overlay_is_redrawn_from_the_landmarks_and_can_be_turned_off(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    window.seek(8.0)
    window.view.grab()
    bones, labels = window.view.last_overlay
    assert bones > 10 and labels >= 1
    window.overlay_box.setChecked(False)
    window.view.grab()
    assert window.view.last_overlay == (0, 0) and window.view.has_frame


def test_a_fault_in_progress_draws_its_bones_as_faulty(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    fault = next(m for m in window.doc.sets[0].markers if m.kind == "fault")
    window.seek((fault.t_s + fault.end_s) / 2)
    assert window.view._faulty                                            # the knee's bones, in the fault colour
    window.seek(0.5)
    assert not window.view._faulty


# ---------------------------------------------------------------- seeking


def test_clicking_a_rep_row_seeks_the_video_and_the_cursor_to_the_rep(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    start = window.doc.sets[0].rows[1]["start_s"]
    with qtbot.waitSignal(window.position_changed) as moved:
        click_table_row(qtbot, window.rep_table, 1)
    assert moved.args[0] == pytest.approx(start)
    assert window.position_s == pytest.approx(start) and window.charts.cursor_t_s == pytest.approx(start)
    frame_s = window.doc.times_s
    assert window.shown_frame_s == pytest.approx(frame_s[frame_s <= start + 1e-6][-1], abs=2e-3)  # the video frame
    assert window.slider.value() == round(start * 1000)


def test_clicking_a_chart_seeks_to_the_time_clicked(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    target_s = 11.0
    with qtbot.waitSignal(window.position_changed) as moved:
        click_scene(window.charts, window.charts.x_to_scene(target_s, plot_index=1))
    step_s = 20.0 / window.charts.plots[1].getViewBox().width()           # one pixel of the chart in seconds
    assert moved.args[0] == pytest.approx(target_s, abs=2 * step_s)
    assert window.charts.cursor_t_s == pytest.approx(moved.args[0])


def test_clicking_a_mark_seeks_to_its_event(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    cue = next(m for m in window.doc.sets[0].markers if m.kind == "cue" and m.tone == "fault")
    spot = next(p for p in window.charts.marks.points() if p.data() is cue)
    scene = window.charts.plots[0].getViewBox().mapViewToScene(spot.pos())
    with qtbot.waitSignal(window.position_changed) as moved:
        click_scene(window.charts, (scene.x(), scene.y()))
    assert moved.args[0] == pytest.approx(cue.t_s)


def test_dragging_the_cursor_seeks_the_video(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    cursor = window.charts.cursors[2]
    cursor.setValue(6.5)
    with qtbot.waitSignal(window.position_changed) as moved:
        cursor.sigDragged.emit(cursor)                                   # what a mouse drag emits
    assert moved.args[0] == pytest.approx(6.5)
    assert all(c.value() == pytest.approx(6.5) for c in window.charts.cursors)


def test_clicking_an_event_row_seeks_to_it(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    window.tabs.setCurrentIndex(1)
    row = next(r for r in range(window.event_table.rowCount()) if window.event_table.item(r, 1).text() == "Fault")
    fault = next(m for m in window.doc.sets[0].markers if m.kind == "fault")
    with qtbot.waitSignal(window.position_changed):
        click_table_row(qtbot, window.event_table, row)
    assert window.position_s == pytest.approx(fault.t_s)


# ---------------------------------------------------------------- playing


def test_frame_steps_move_one_recorded_frame(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    times = window.doc.times_s
    window.seek(float(times[40]))
    window.step(1)
    assert window.position_s == pytest.approx(times[41]) and window.shown_frame_s == pytest.approx(times[41], abs=2e-3)
    window.step(-2)
    assert window.position_s == pytest.approx(times[39])


def test_play_moves_the_clock_forward_and_pause_stops_it(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    window.set_speed(2.0)
    window.play()
    qtbot.waitUntil(lambda: window.position_s > 0.5, timeout=10_000)
    window.pause()
    stopped_at = window.position_s
    assert not window.playing and window.play_button.text().endswith("Play")
    window.seek(stopped_at)
    assert window.position_s == stopped_at and window.charts.cursor_t_s == stopped_at


def test_playing_to_the_end_stops_there(qtbot, hinge_session):
    window = open_window(qtbot, hinge_session)
    window.set_speed(2.0)
    window.seek(window.duration_s - 0.4)
    window.play()
    qtbot.waitUntil(lambda: not window.playing, timeout=10_000)
    assert window.position_s == pytest.approx(window.duration_s)


# ---------------------------------------------------------------- damaged sessions


def test_a_session_without_video_plays_its_skeleton_and_says_the_video_is_missing(qtbot, hinge_session, tmp_path):
    folder = copy_session(hinge_session, tmp_path)
    (folder / VIDEO_FILE).unlink()
    window = open_window(qtbot, folder)
    window.seek(8.0)
    assert window.notice.isVisible() and "video.mp4 is missing" in window.notice.text()
    assert window.landmarks_only and window.view.message is None and window.view.has_frame
    window.view.grab()
    assert window.view.last_overlay[0] > 10                              # skeleton from the stored landmarks
    assert window.rep_table.rowCount() == 3


def test_a_damaged_session_opens_with_what_is_there_and_lists_every_problem(qtbot, hinge_session, tmp_path):
    folder = copy_session(hinge_session, tmp_path)
    (folder / META_FILE).unlink()
    with (folder / EVENTS_FILE).open("a") as f:
        f.write("\x00garbage\n")
    data = (folder / LANDMARKS_FILE).read_bytes()
    (folder / LANDMARKS_FILE).write_bytes(data[:len(data) // 2 + 7])        # cut mid-record
    window = open_window(qtbot, folder)
    text = window.notice.text()
    for problem in ("meta.json is missing", "events.jsonl line", "partial record"):
        assert problem in text
    assert window.rep_table.rowCount() == 3 and window.title.text() == "Hip hinge"
    window.seek(window.duration_s - 0.5)                                 # past the landmarks: video only
    assert window.view.has_frame
    shot(window, "test_replay_damaged")


def test_a_session_with_neither_video_nor_landmarks_says_there_is_nothing_to_play(qtbot, hinge_session, tmp_path):
    folder = copy_session(hinge_session, tmp_path)
    (folder / VIDEO_FILE).unlink()
    (folder / LANDMARKS_FILE).unlink()
    window = open_window(qtbot, folder)
    assert window.view.message.title == "Nothing to play" and not window.view.has_frame
    assert window.rep_table.rowCount() == 3                              # the events still tell what happened
    assert not window.overlay_box.isEnabled()


# ---------------------------------------------------------------- the list, progress, and working alongside recording


def test_the_session_list_opens_a_replay_and_a_patient_progress(qtbot, tmp_path):
    for week in range(3):
        record_session(tmp_path, "side_plank", Script(reps=1), started=MONDAY + timedelta(weeks=week),
                       patient=("P-0042", "Ann Example"), seed=week)
    app = ReplayApp(tmp_path)
    try:
        listing = app.open_list()
        qtbot.addWidget(listing)
        assert isinstance(listing, SessionListWindow) and listing.list.table.rowCount() == 3
        with qtbot.waitSignal(listing.session_chosen) as chosen:
            listing.list.open_button.click()
        replay = app.windows[-1]
        qtbot.addWidget(replay)
        assert isinstance(replay, ReplayWindow) and replay.doc.session_id == chosen.args[0]
        with qtbot.waitSignal(replay.progress_requested):
            replay.progress_button.click()
        progress = app.windows[-1]
        qtbot.addWidget(progress)
        assert isinstance(progress, ProgressWindow)
        view = progress.view
        assert view.progress.sessions == 3 and {"adherence", "reps", "range", "hold", "faults"} <= set(view.charts)
        assert view.cards["Sessions"].value.text() == "3"
        view.per_box.setCurrentIndex(1)
        bars = next(i for i in view.charts["reps"].items if hasattr(i, "opts") and "height" in i.opts)
        assert list(bars.opts["height"]) == [2, 2, 2]                        # one bar a week, both sides' holds
        shot(progress, "test_progress")
    finally:
        app.close()


def test_a_session_recorded_while_another_is_replayed_appears_in_the_list(qtbot, hinge_session, tmp_path):
    copy_session(hinge_session, tmp_path)
    app = ReplayApp(tmp_path)
    try:
        listing = app.open_list()
        qtbot.addWidget(listing)
        replay = app.open_session(listing.list.rows[0].id)
        qtbot.addWidget(replay)
        replay.play()
        recorder = SessionRecorder.create(tmp_path, "bird_dog", {"name": "bird_dog", "title": "Bird dog"})
        for frame in perform("bird_dog", Script(reps=1), fps=10).frames[:30]:
            recorder.write_frame(drawn_image(frame), frame)
        with Store(tmp_path) as other:                                    # the live coach's own connection
            other.index_session(recorder.path)
        qtbot.waitUntil(lambda: replay.position_s > 0.2, timeout=10_000)  # the replay kept playing
        listing.list.refresh()
        assert listing.list.table.rowCount() == 2
        recorder.close("stopped")
        listing.list.refresh()
        assert {r.end_reason for r in listing.list.rows} >= {"stopped"}
        replay.seek(5.0)
        assert replay.position_s == 5.0
    finally:
        app.close()


def test_a_replay_built_from_the_catalogue_row_shows_the_patient(qtbot, tmp_path):
    folder = record_session(tmp_path, "hip_hinge", Script(reps=1), patient=("P-9", "Kim Lee"))
    with Store(tmp_path) as store:
        row = store.session(store.index_session(folder))
    window = ReplayWindow(load_session_doc(folder, row))
    qtbot.addWidget(window)
    _OPEN.append(window)
    assert "Kim Lee (P-9)" in window.subtitle.text() and window.progress_button.isEnabled()
    assert np.all(np.diff(window.doc.times_s) > 0)
