"""Exports of a recorded session: CSV tables, the HTML report rendered by a real browser, the PDF,
the face-blurred video, and `coach sessions export`."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from coach.cli import main
from coach.landmarks import Landmark
from coach.performer import Script
from coach.recording import LANDMARKS_FILE, VIDEO_FILE
from coach.report import (find_browser, load_session_doc, rendered_dom, report_html, screenshot, write_blurred_video,
                          write_frames_csv, write_reps_csv, write_report_html)
from tests.test_store import copy_session, record_session

SHOTS = Path("/tmp/replay_shots")


@pytest.fixture(scope="module")
def hinge_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_session(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def browser() -> str:
    found = find_browser()
    assert found, "the report is tested in Chromium: install it (scripts/bootstrap.sh does: apt-get install chromium)"
    return found


def test_the_report_holds_the_summary_the_charts_and_the_rep_table_and_fetches_nothing(hinge_session):
    page = report_html(load_session_doc(hinge_session))
    assert "<h1>Hip hinge</h1>" in page and "Completed" in page
    assert re.search(r'<div class="cap">Reps</div><div class="big">3</div><div class="sub">of 10 prescribed', page)
    assert page.count("<svg") == 1 and "Trunk incline" in page
    table = re.search(r'<table class="reps">.*?</table>', page, re.S).group(0)
    assert table.count("<tr") == 4 and "Squatting" in table                # a header and 3 reps
    assert "Push your hips back, keep the knees soft." in page              # what to work on, in the coach's words
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page) and "<script" not in page and "@import" not in page


def test_the_report_renders_in_chromium_to_a_picture_with_the_rep_table(hinge_session, tmp_path, browser):
    html = write_report_html(load_session_doc(hinge_session), tmp_path / "report.html")
    png = screenshot(html, tmp_path / "report.png", window=(1100, 1500))
    pixels = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert pixels.shape == (1500, 1100)
    assert pixels.std() > 20 and (pixels < 100).mean() > 0.003 and (pixels < 245).mean() > 0.1   # not a blank page
    dom = rendered_dom(html)
    assert len(re.findall(r"<tr", re.search(r'<table class="reps">.*?</table>', dom, re.S).group(0))) == 4
    SHOTS.mkdir(exist_ok=True)
    png.replace(SHOTS / "test_report_chromium.png")


def test_the_report_prints_to_pdf(hinge_session, tmp_path, browser):
    assert main(["sessions", "--data-dir", str(tmp_path), "list"]) == 0
    copy_session(hinge_session, tmp_path)
    out = tmp_path / "out"
    assert main(["sessions", "--data-dir", str(tmp_path), "export", "1", "--out", str(out), "--pdf"]) == 0
    name = hinge_session.name
    assert {p.name for p in out.iterdir()} == {f"{name}.report.html", f"{name}.report.pdf", f"{name}.reps.csv",
                                               f"{name}.frames.csv"}
    assert (out / f"{name}.report.pdf").read_bytes().startswith(b"%PDF")


def test_a_damaged_session_report_says_what_is_missing_and_shows_the_rest(hinge_session, tmp_path):
    folder = copy_session(hinge_session, tmp_path)
    (folder / VIDEO_FILE).unlink()
    (folder / LANDMARKS_FILE).unlink()
    page = report_html(load_session_doc(folder))
    assert "Parts of this recording are missing or damaged" in page and "video.mp4 is missing" in page
    assert "No angles: the landmarks are missing" in page and page.count("<tr") == 4


def test_the_per_rep_csv_has_one_row_per_rep_with_range_and_faults(hinge_session, tmp_path):
    path = write_reps_csv(load_session_doc(hinge_session), tmp_path / "reps.csv")
    rows = list(csv.DictReader(path.open()))
    assert [r["number"] for r in rows] == ["1", "2", "3"] and rows[1]["faults"] == "squatting"
    assert all(float(r["range"]) > 20 for r in rows) and rows[0]["range_unit"] == "deg"


def test_the_per_frame_csv_has_one_row_per_landmark_record_with_the_key_angles(hinge_session, tmp_path):
    doc = load_session_doc(hinge_session)
    path = write_frames_csv(doc, tmp_path / "frames.csv")
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == len(doc.track)
    assert float(rows[0]["t_s"]) == pytest.approx(doc.track.t_s[0], abs=1e-4)
    assert {"trunk_incline_deg", "knee_angle_near_deg", "left_knee_deg", "nose_x_px"} <= set(rows[0])
    phases = {r["phase"] for r in rows}
    assert {"top", "bottom"} <= phases
    inclines = [float(r["trunk_incline_deg"]) for r in rows if r["trunk_incline_deg"]]
    assert max(inclines) > 40 > min(inclines)


def _checkered(frame) -> np.ndarray:  # noqa: ANN001 - a PoseFrame
    """A fine checkerboard picture: blurring shows as a loss of contrast."""
    w, h = frame.image_size
    yy, xx = np.mgrid[0:h, 0:w]
    board = (((xx // 4) + (yy // 4)) % 2 * 200 + 30).astype(np.uint8)
    return np.repeat(board[..., None], 3, axis=2)


def test_the_blurred_video_hides_the_face_and_keeps_the_rest(tmp_path):
    folder = record_session(tmp_path, "hip_hinge", Script(reps=1), picture=_checkered)
    doc = load_session_doc(folder)
    path, whole = write_blurred_video(doc, tmp_path / "blurred.mp4")
    assert whole == 0
    with av.open(str(path)) as video:
        frames = [(f.time, f.to_ndarray(format="gray")) for f in video.decode(video=0)]
    assert len(frames) == len(doc.track)
    t_s, gray = frames[len(frames) // 2]
    nose = doc.track.xy_px[doc.frame_index(t_s), Landmark.NOSE].astype(int)
    face = gray[nose[1] - 8:nose[1] + 8, nose[0] - 8:nose[0] + 8]
    corner = gray[440:470, 10:40]
    assert face.std() < 15 < corner.std()


def test_exporting_a_session_whose_folder_is_gone_says_so(hinge_session, tmp_path, capsys):
    folder = copy_session(hinge_session, tmp_path)
    assert main(["sessions", "--data-dir", str(tmp_path), "list"]) == 0
    shutil.rmtree(folder)
    assert main(["sessions", "--data-dir", str(tmp_path), "export", "1"]) == 2
    assert "folder of session 1 is missing" in capsys.readouterr().err


def test_a_set_report_names_the_faults_a_webcam_cannot_show():
    from dataclasses import replace

    from coach.definitions import load_exercise
    from coach.report import SetView, _not_watched

    bird_dog = SetView(slice=None, definition=load_exercise("bird_dog"), summary={}, rows=[], phases=[],
                       markers=[], metrics=())
    assert bird_dog.not_watched == ("hips_rotating",)
    assert "Not watched: hips rotating" in _not_watched(bird_dog)
    assert _not_watched(replace(bird_dog, definition=load_exercise("hip_hinge"))) == ""
    assert _not_watched(replace(bird_dog, definition=None)) == ""
