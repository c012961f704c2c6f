from fractions import Fraction

import numpy as np
import pytest

from coach.errors import InputError
from coach.sources import VideoFileSource
from tests.videos import write_video


def _gradient(width: int, height: int, shade: int = 0) -> np.ndarray:
    x = np.linspace(0, 255, width, dtype=np.uint8)
    return np.dstack([np.tile(x, (height, 1)), np.full((height, width), shade, np.uint8),
                      np.full((height, width), 128, np.uint8)])


def test_frames_carry_presentation_times_not_index_over_fps(tmp_path):
    times = [0.0, 0.040, 0.100, 0.300, 0.310]  # a variable-frame-rate phone clip
    path = write_video(tmp_path / "vfr.mp4", [_gradient(64, 48, i * 40) for i in range(5)], fps=25, times_s=times)
    with VideoFileSource(path) as source:
        got = [f.t_s for f in source]
    assert got == pytest.approx(times, abs=0.002)


def test_frames_are_rgb_of_the_stored_size(tmp_path):
    path = write_video(tmp_path / "v.mp4", [_gradient(96, 64)] * 3)
    with VideoFileSource(path) as source:
        frame = next(iter(source))
        assert (source.info.width, source.info.height) == (96, 64)
    assert frame.image.shape == (64, 96, 3) and frame.image.dtype == np.uint8
    assert frame.image[:, -5:, 0].mean() > 200 and frame.image[:, :5, 0].mean() < 50  # red ramps left to right


def test_non_square_pixels_are_rescaled_so_angles_stay_true(tmp_path):
    path = write_video(tmp_path / "sar.mp4", [_gradient(64, 64)] * 2, sar=Fraction(2, 1))
    with VideoFileSource(path) as source:
        frame = next(iter(source))
        assert source.info.width == 128
    assert frame.image.shape == (64, 128, 3)


def test_missing_file_says_so(tmp_path):
    with pytest.raises(InputError, match="Video not found"):
        VideoFileSource(tmp_path / "nope.mp4")


def test_a_file_that_is_not_a_video_is_rejected_with_advice(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are not video frames\n" * 100)
    with pytest.raises(InputError, match="Cannot read .* as a video") as info:
        with VideoFileSource(path) as source:
            list(source)
    assert "re-export" in str(info.value)


def test_a_truncated_video_keeps_the_frames_before_the_damage(tmp_path):
    path = write_video(tmp_path / "whole.mp4", [_gradient(64, 48, i * 8) for i in range(30)])
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    try:
        with VideoFileSource(cut) as source:
            frames = list(source)
    except InputError as exc:  # the container's index was lost with the tail: rejected, with the file named
        assert "cut.mp4" in str(exc)
        return
    assert 0 < len(frames) < 30
