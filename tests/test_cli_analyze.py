import csv
import json

import numpy as np
import pytest

from coach.analysis import STANDARD_COLUMNS
from coach.cli import main
from tests.videos import real_photo, write_video


@pytest.fixture(scope="module")
def person_video(tmp_path_factory):
    image = real_photo()[:, :, :]
    image = image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]  # H.264 wants even sizes
    return write_video(tmp_path_factory.mktemp("v") / "person.mp4", [image] * 12, fps=12)


def test_analyze_writes_per_frame_angles_and_a_summary(person_video, tmp_path, capsys):
    assert main(["analyze", str(person_video), "--out", str(tmp_path), "--quiet"]) == 0
    with (tmp_path / "person.frames.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    assert {"t_s", "nose_x_px", "left_ankle_visibility", *STANDARD_COLUMNS} <= set(rows[0])
    assert float(rows[-1]["t_s"]) == pytest.approx(11 / 12, abs=0.01)
    summary = json.loads((tmp_path / "person.summary.json").read_text())
    assert summary["frames"] == 12 and summary["frames_with_pose"] == 12
    assert summary["model"] == "pose_landmarker_full.task"
    # The photo's player stands on his left leg, which is nearly straight.
    assert 150 < summary["angles"]["left_knee_deg"]["median"] <= 180
    assert "person found in 12 of 12 frames" in capsys.readouterr().out


def test_analyze_json_prints_the_summary(person_video, tmp_path, capsys):
    assert main(["analyze", str(person_video), "--out", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["video"] == "person.mp4"


def test_missing_video_fails_with_one_line_and_exit_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.mp4"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Video not found" in err and "Traceback" not in err


def test_corrupt_video_fails_clearly(tmp_path, capsys):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(np.random.default_rng(0).bytes(5000))
    assert main(["analyze", str(bad), "--out", str(tmp_path), "--quiet"]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_video_without_a_person_fails_with_exit_3(tmp_path, capsys):
    empty = write_video(tmp_path / "empty.mp4", [np.full((120, 160, 3), 90, np.uint8)] * 5)
    assert main(["analyze", str(empty), "--out", str(tmp_path), "--quiet"]) == 3
    assert "No person found" in capsys.readouterr().err
    assert not (tmp_path / "empty.frames.csv").exists()


def test_bench_prints_each_stage_and_the_ratio_to_inference(person_video, capsys):
    assert main(["bench", str(person_video), "--frames", "6"]) == 0
    out = capsys.readouterr().out
    for stage in ("decode", "pose inference", "swaps + smoothing", "everything but inference / inference"):
        assert stage in out


def test_analyze_with_an_exercise_adds_the_engine_result(person_video, tmp_path, capsys):
    assert main(["analyze", str(person_video), "--out", str(tmp_path), "--exercise", "hip_hinge", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["exercise"] == "hip_hinge"
    assert summary["reps"] == {"left": 0, "right": 0, "total": 0}  # a still photo does no hinge
    for key in ("holds", "faults", "cues", "setup_problems", "pain", "rep_table"):
        assert isinstance(summary[key], list)


def test_an_unknown_exercise_is_named_with_the_known_ones(person_video, tmp_path, capsys):
    assert main(["analyze", str(person_video), "--out", str(tmp_path), "--exercise", "bird_dgo"]) == 2
    err = capsys.readouterr().err
    assert 'Did you mean "bird_dog"?' in err and "side_plank" in err


def test_a_patient_file_sets_the_prescription_the_video_is_coached_with(tmp_path, capsys):
    from pathlib import Path

    video = Path(__file__).resolve().parent.parent / "sample_videos" / "bird_dog" / "clean.mp4"
    patient = tmp_path / "jane.toml"
    patient.write_text("[bird_dog]\nhold_s = 2.5\n")
    assert main(["analyze", str(video), "--exercise", "bird_dog", "--patient", str(patient), "--json", "-q",
                 "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [h["target_s"] for h in summary["holds"]] == [2.5, 2.5]
    assert summary["faults"] == [] and summary["not_judged"] == ["hips_rotating"]


def test_a_patient_file_naming_an_unknown_exercise_fails_before_any_work(tmp_path, capsys):
    patient = tmp_path / "jane.toml"
    patient.write_text("[bird_dgo]\nreps = 2\n")
    assert main(["analyze", str(tmp_path / "none.mp4"), "--exercise", "bird_dog", "--patient", str(patient)]) == 2
    err = capsys.readouterr().err
    assert "jane.toml" in err and 'Did you mean "bird_dog"?' in err
