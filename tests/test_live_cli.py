"""`coach live` and `coach bench-live` from the command line."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from coach.cli import build_parser, main
from tests.videos import real_photo, write_video


@pytest.fixture(scope="module")
def person_video(tmp_path_factory):
    photo = real_photo()
    photo = photo[: photo.shape[0] // 2 * 2, : photo.shape[1] // 2 * 2]
    return write_video(tmp_path_factory.mktemp("v") / "person.mp4", [np.roll(photo, i, 1) for i in range(24)], fps=24)


def test_live_without_a_camera_says_so_and_plays_the_sample_video(monkeypatch, capsys, tmp_path):
    sample = tmp_path / "sample.mp4"
    monkeypatch.setattr("coach.cli.default_video", lambda exercise=None: sample)
    seen = {}
    monkeypatch.setattr("ui.app.run_live", lambda args, source: seen.update(args=args, source=source) or 0)
    assert main(["live", "--camera", "99", "--exercise", "bird_dog", "--mute"]) == 0
    assert seen["source"].video == sample and seen["args"].exercise == "bird_dog"
    err = capsys.readouterr().err
    assert "No camera found (index 99)" in err and "sample.mp4" in err


def test_the_no_camera_demo_coaches_the_exercise_its_sample_video_shows(monkeypatch):
    seen = {}
    monkeypatch.setattr("ui.app.run_live", lambda args, source: seen.update(args=args, source=source) or 0)
    assert main(["live", "--camera", "99", "--mute"]) == 0
    assert seen["args"].exercise == "hip_hinge"
    assert seen["source"].video.parent.name == "hip_hinge" and "clean" in seen["source"].video.stem


def test_live_without_a_screen_says_how_to_get_one(monkeypatch, capsys, person_video):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["live", "--source", str(person_video), "--mute"]) == 2
    assert "no screen" in capsys.readouterr().err


def test_live_options_parse():
    args = build_parser().parse_args(["live", "--programme", "p.toml", "--source", "v.mp4", "--no-mirror",
                                      "--data-dir", "/d"])
    assert (str(args.programme), str(args.source), args.no_mirror, str(args.data_dir)) == ("p.toml", "v.mp4", True, "/d")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["live", "--exercise", "x", "--programme", "p.toml"])


def test_live_opens_the_window_and_returns_when_it_is_closed(qtbot, person_video, tmp_path):
    def close_all() -> None:
        for widget in QApplication.topLevelWidgets():
            widget.close()

    QTimer.singleShot(0, close_all)
    assert main(["live", "--source", str(person_video), "--mute", "--data-dir", str(tmp_path)]) == 0


def test_live_with_a_wrong_exercise_fails_like_the_other_commands(qtbot, monkeypatch, capsys, person_video):
    shown = []
    monkeypatch.setattr("ui.app.show_error", lambda _parent, error: shown.append(str(error)))
    assert main(["live", "--source", str(person_video), "--exercise", "burd_dog", "--mute"]) == 2
    err = capsys.readouterr().err
    assert 'there is no exercise "burd_dog"' in err and shown and shown[0] in err


def test_bench_live_prints_fps_drops_and_latencies(qtbot, person_video, capsys):
    assert main(["bench-live", str(person_video), "--exercise", "side_plank"]) == 0
    out = capsys.readouterr().out
    assert "captured" in out and "processed" in out and "dropped" in out
    assert "capture -> overlay drawn: p50" in out and "cue decided -> speaker starts" in out
    assert "fault started -> its cue starts" in out
    assert "ended: source_ended" in out
