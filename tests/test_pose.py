import logging
import os
from types import SimpleNamespace

import numpy as np
import pytest

from coach.errors import ModelError
from coach.landmarks import Landmark as L
from coach.pose import PoseOptions, VideoPoseEstimator, find_model, native_log_to_logging, to_pose_frame
from tests.videos import real_photo


@pytest.fixture(scope="module")
def estimator():
    with VideoPoseEstimator(PoseOptions(segmentation=True)) as est:
        yield est


def test_the_bundled_model_finds_the_person_in_a_real_photo(estimator):
    image = real_photo()
    frame = estimator.estimate(image, 0.0)
    h, w = image.shape[:2]
    assert frame.people == 1 and frame.image_size == (w, h)
    body = [L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
    assert np.all(frame.visibility[body] > 0.8)
    assert np.all((frame.xy_px[:, 0] > -0.1 * w) & (frame.xy_px[:, 0] < 1.1 * w))
    assert frame.xy_px[L.NOSE, 1] < frame.xy_px[L.LEFT_HIP, 1] < frame.xy_px[L.LEFT_ANKLE, 1]  # upright
    # World landmarks are metres around the hips: a shoulder is a few tens of cm from the hip centre.
    assert 0.2 < np.linalg.norm(frame.world_m[L.LEFT_SHOULDER]) < 0.9
    assert frame.mask is not None and frame.mask.shape == (h, w)
    nose_x, nose_y = frame.xy_px[L.NOSE].astype(int)
    assert frame.mask[nose_y, nose_x] > 0.5 and frame.mask[5, 5] < 0.5  # person, not background


def test_an_image_without_a_person_gives_an_empty_frame_not_none(estimator):
    frame = estimator.estimate(np.full((240, 320, 3), 127, np.uint8), 1.0)
    assert frame.people == 0 and not frame.has_pose
    assert np.isnan(frame.xy_px).all() and (frame.visibility == 0).all()


def test_repeated_timestamps_do_not_break_video_mode(estimator):
    image = real_photo()
    for t_s in (2.0, 2.0, 2.0001):
        assert estimator.estimate(image, t_s).t_s == t_s


def test_conversion_scales_normalised_landmarks_to_pixels():
    lm = [SimpleNamespace(x=0.5, y=0.25, z=-0.1, visibility=0.9, presence=None)] * 33
    world = [SimpleNamespace(x=0.1, y=-0.2, z=0.3)] * 33
    result = SimpleNamespace(pose_landmarks=[lm, lm], pose_world_landmarks=[world, world], segmentation_masks=None)
    frame = to_pose_frame(result, 1.5, (640, 480))
    assert frame.xy_px[0].tolist() == [320.0, 120.0]
    assert frame.z_px[0] == pytest.approx(-64.0)
    assert frame.presence[0] == 0.0 and frame.people == 2 and frame.t_s == 1.5


def test_a_missing_model_file_is_named_with_a_way_out(tmp_path):
    with pytest.raises(ModelError, match="Pose model not found") as info:
        find_model(tmp_path / "pose_landmarker_heavy.task")
    assert "models/README.md" in str(info.value)


def test_a_file_that_is_not_a_model_is_rejected_clearly(tmp_path):
    bad = tmp_path / "pose_landmarker_full.task"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="Cannot load the pose model"):
        VideoPoseEstimator(PoseOptions(model=bad))


def test_native_notices_go_to_logging_and_native_errors_stand_out(caplog):
    caplog.set_level(logging.INFO, logger="coach.pose")
    with native_log_to_logging():
        os.write(2, b"W0000 00:00:1.0 1 some_calculator.cc:81] a setup notice\n")
        os.write(2, b"E0000 00:00:1.0 1 graph.cc:12] something broke\n")
    levels = {r.getMessage(): r.levelno for r in caplog.records}
    assert levels["mediapipe: W0000 00:00:1.0 1 some_calculator.cc:81] a setup notice"] == logging.INFO
    assert levels["mediapipe: E0000 00:00:1.0 1 graph.cc:12] something broke"] == logging.WARNING


def test_loading_the_model_and_the_first_image_leave_stderr_clean(capfd):
    with VideoPoseEstimator() as estimator:
        estimator.estimate(real_photo(), 0.0)
        estimator.estimate(real_photo(), 0.1)
    err = capfd.readouterr().err
    assert "Feedback manager" not in err and "XNNPACK" not in err and "InitGoogle" not in err, err
