"""The renderer: deterministic pictures of the performer, where its landmarks say the body is,
looking different per Style, and a person the real pose model finds."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from coach.analysis import STANDARD_COLUMNS, standard_angles
from coach.landmarks import MIRROR_INDEX, Landmark as L
from coach.performer import EXERCISES, Script, perform
from coach.pose import VideoPoseEstimator
from coach.render import FrameRenderer, Style, fit_camera, render, render_video

SMALL = (160, 120)
SHORT = dict(reps=1, lead_in_s=0.3, lead_out_s=0.3)
TRUNK_LANDMARKS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)


def first_frames(perf, style: Style, size: tuple[int, int] | None, n: int) -> list[np.ndarray]:
    frames = render(perf, style, size)
    return [next(frames) for _ in range(n)]


def test_same_parameters_give_identical_frames():
    perf = perform("bird_dog", Script(**SHORT), fps=5)
    a = first_frames(perf, Style.random(7), SMALL, 3)
    b = first_frames(perform("bird_dog", Script(**SHORT), fps=5), Style.random(7), SMALL, 3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert a[0].shape == (SMALL[1], SMALL[0], 3) and a[0].dtype == np.uint8


def test_same_parameters_give_identical_video_files(tmp_path):
    # Three encodes in one process: x264's mb-tree once made the last macroblock differ between runs.
    perf = perform("cat_cow", Script(reps=1, tempo_s=0.6, hold_s=0.0, rest_s=0.0, lead_in_s=0.2, lead_out_s=0.2),
                   fps=10)
    digests = {hashlib.sha256(render_video(perf, tmp_path / f"{k}.mp4", Style.random(1), (320, 240)).read_bytes())
               .hexdigest() for k in range(3)}
    assert len(digests) == 1


@pytest.mark.parametrize("exercise", EXERCISES)
def test_figure_covers_the_performers_hip_and_shoulder_landmarks(exercise):
    perf = perform(exercise, Script(**SHORT), fps=4)
    renderer = FrameRenderer(perf, Style.random(3), perf.camera)
    for i in np.linspace(0, len(perf.frames) - 1, 4).astype(int):
        mask = renderer.silhouette(int(i))
        for lm in TRUNK_LANDMARKS:
            x, y = perf.frames[i].xy_px[lm].astype(int)
            assert mask[y, x], f"{exercise} frame {i}: {lm.name} at ({x}, {y}) is off the figure"
        assert mask.mean() < 0.25                 # the figure, not the whole picture


def test_a_smaller_size_scales_the_picture_about_its_centre():
    perf = perform("side_plank", Script(**SHORT), fps=2)
    camera = fit_camera(perf.camera, (320, 240))
    mask = FrameRenderer(perf, Style(), camera).silhouette(2)
    for lm in TRUNK_LANDMARKS:
        x, y = (perf.frames[2].xy_px[lm] * 0.5).astype(int)
        assert mask[y, x]


def test_different_styles_give_different_pictures():
    perf = perform("cat_cow", Script(**SHORT), fps=2)
    one, other = (first_frames(perf, Style.random(seed), SMALL, 1)[0].astype(int) for seed in (1, 2))
    assert np.abs(one - other).mean() > 10
    assert Style.random(5) == Style.random(5) and Style.random(5) != Style.random(6)


def test_style_rejects_an_unknown_floor():
    with pytest.raises(ValueError, match="floor_kind"):
        Style(floor_kind="lava")


def test_a_rendered_standing_person_is_found_with_straight_knees_and_hips():
    """Issue 2's check on a rendered clip: the still lead-in of a hip hinge, side view."""
    perf = perform("hip_hinge", Script(reps=1, lead_in_s=1.2), fps=10)
    frames = first_frames(perf, Style.random(11), (320, 240), 10)
    with VideoPoseEstimator() as estimator:
        poses = [estimator.estimate(image, float(t)) for image, t in zip(frames, perf.t_s)]
    assert all(p.has_pose for p in poses)
    xy = np.stack([p.xy_px for p in poses]) * 2.0                 # 320x240 -> the performer's 640x480
    angles = standard_angles(xy, np.stack([p.visibility for p in poses]))
    # The far side is hidden in a side view (visibility < 0.5: no angle); the near side is known.
    col = {name: STANDARD_COLUMNS.index(name) for name in STANDARD_COLUMNS}
    for joint in ("hip", "knee"):
        pair = angles[:, [col[f"left_{joint}_deg"], col[f"right_{joint}_deg"]]]
        assert np.isfinite(pair).any(axis=1).all(), f"no {joint} angle in some frames"
        assert np.nanmin(np.nanmax(pair, axis=1)) > 165, f"{joint}: {np.nanmax(pair, axis=1).round(1)}"
    # Where the model puts the trunk and legs: within 3 % of body height (~350 px at 640x480)
    # of the truth, allowing for the left/right swaps MediaPipe makes in side views.
    joints = [L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE]
    truth = np.stack([f.xy_px for f in perf.frames[:10]])[:, joints]
    error = np.minimum(np.linalg.norm(xy[:, joints] - truth, axis=2),
                       np.linalg.norm(xy[:, list(MIRROR_INDEX)][:, joints] - truth, axis=2))
    assert np.median(error) < 0.03 * 350
