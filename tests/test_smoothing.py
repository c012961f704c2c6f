import math

import numpy as np
import pytest

from coach.frames import PoseFrame
from coach.landmarks import Landmark
from coach.smoothing import LandmarkSmoother, OneEuroConfig, OneEuroFilter
from tests.builders import STANDING_FACING_RIGHT, side_view

pytestmark = pytest.mark.filterwarnings("error")

FPS = 30.0
TORSO_PX = 200.0


def run(filter_: OneEuroFilter, times, values, scale=TORSO_PX):
    return np.array([filter_.update(np.atleast_1d(v), t, scale) for t, v in zip(times, values)])


def moving_average(values, window):
    """Causal moving average (the baseline a One Euro filter should beat on moving signals)."""
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = values[max(0, i - window + 1): i + 1].mean(axis=0)
    return out


def test_still_noisy_landmark_jitters_less_than_raw():
    rng = np.random.default_rng(1)
    t = np.arange(300) / FPS
    raw = 320.0 + rng.normal(0, 2.0, t.size)
    smooth = run(OneEuroFilter(), t, raw)[:, 0]
    settled = t > 1.0
    assert np.std(smooth[settled]) < 0.5 * np.std(raw[settled])
    assert abs(np.mean(smooth[settled]) - 320.0) < 0.5


def test_moving_landmark_lags_less_than_a_moving_average_that_smooths_less_at_rest():
    rng = np.random.default_rng(2)
    t = np.arange(240) / FPS
    truth = np.where(t < 2.0, 300.0, 300.0 + TORSO_PX * (t - 2.0))        # still, then 1 torso/s
    raw = truth + rng.normal(0, 1.5, t.size)
    one_euro = run(OneEuroFilter(), t, raw)[:, 0]
    average = moving_average(raw, 5)
    still, moving = (t > 1.0) & (t < 2.0), t > 2.5
    assert np.std(one_euro[still]) < np.std(average[still])                    # smoother when still
    assert np.mean(np.abs(one_euro[moving] - truth[moving])) < 0.7 * np.mean(np.abs(average[moving] - truth[moving]))


def test_response_follows_media_time_not_frame_count():
    def filtered(fps):
        t = np.arange(int(3 * fps)) / fps
        return t, run(OneEuroFilter(), t, 300.0 + 60.0 * np.sin(2 * np.pi * 0.7 * t))[:, 0]
    t30, y30 = filtered(30.0)
    t60, y60 = filtered(60.0)
    # A filter counting frames instead of seconds differs here by more than 5 px.
    assert np.max(np.abs(y30 - np.interp(t30, t60, y60))[30:]) < 3.5


def test_dropped_frames_and_irregular_time_steps_keep_tracking():
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.015, 0.12, 120))                           # 8..60 fps, with drops
    truth = 300.0 + 100.0 * np.sin(t)
    smooth = run(OneEuroFilter(), t, truth)[:, 0]
    assert np.all(np.isfinite(smooth))
    assert np.max(np.abs(smooth[10:] - truth[10:])) < 10.0


def test_a_gap_longer_than_reset_after_restarts_from_the_new_value():
    f = OneEuroFilter(OneEuroConfig(reset_after_s=0.5))
    run(f, [0.0, 0.033, 0.066], [0.0, 0.0, 0.0])
    assert f.update(np.array([100.0]), 0.3, TORSO_PX)[0] < 100.0            # short gap: still filtering
    assert f.update(np.array([50.0]), 1.0, TORSO_PX)[0] == 50.0             # long gap: fresh start


def test_time_going_backwards_restarts_the_filter():
    f = OneEuroFilter()
    run(f, [1.0, 1.033], [0.0, 0.0])
    assert f.update(np.array([80.0]), 0.5, TORSO_PX)[0] == 80.0


def test_nan_element_resets_only_itself():
    t = np.arange(30) / FPS
    values = np.column_stack([np.linspace(0, 50, 30), np.linspace(100, 200, 30)])
    values[10:13, 0] = np.nan
    both = run(OneEuroFilter(), t, values)
    alone = run(OneEuroFilter(), t, values[:, 1:])
    np.testing.assert_array_equal(both[:, 1], alone[:, 0])                  # the other element is untouched
    assert np.isnan(both[10:13, 0]).all()
    assert both[13, 0] == values[13, 0]                                     # back: starts from its new value
    assert np.isfinite(both[14:, 0]).all()


def test_filter_refuses_a_change_of_shape_and_a_bad_config():
    f = OneEuroFilter()
    f.update(np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="shape"):
        f.update(np.zeros(4), 0.1)
    with pytest.raises(ValueError, match="min_cutoff_hz"):
        OneEuroConfig(min_cutoff_hz=0.0)
    with pytest.raises(ValueError, match="scale"):
        f.update(np.zeros(3), 0.2, scale=0.0)


# --- LandmarkSmoother ---------------------------------------------------------------------------

def noisy_standing(n, seed=4):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        parts = {k: (x + rng.normal(0, 2.0), y + rng.normal(0, 2.0)) for k, (x, y) in STANDING_FACING_RIGHT.items()}
        frames.append(side_view(parts, t_s=i / FPS))
    return frames


def test_smoother_reduces_jitter_and_leaves_visibility_alone():
    frames = noisy_standing(90)
    smoother = LandmarkSmoother()
    out = [smoother.update(f) for f in frames]
    assert all(isinstance(f, PoseFrame) for f in out)
    raw_knee = np.array([f.xy_px[Landmark.LEFT_KNEE] for f in frames[30:]])
    smooth_knee = np.array([f.xy_px[Landmark.LEFT_KNEE] for f in out[30:]])
    assert smooth_knee.std(axis=0).max() < 0.5 * raw_knee.std(axis=0).min()
    np.testing.assert_array_equal(out[-1].visibility, frames[-1].visibility)
    np.testing.assert_array_equal(out[-1].presence, frames[-1].presence)
    assert out[-1].t_s == frames[-1].t_s
    assert np.isnan(out[-1].xy_px[Landmark.LEFT_THUMB]).all()                # unknown stays unknown


def test_empty_frame_passes_through_and_leaves_the_state_unchanged():
    frames = noisy_standing(10)
    empty = PoseFrame.empty(t_s=frames[-1].t_s + 0.01, image_size=frames[0].image_size)
    nxt = side_view(STANDING_FACING_RIGHT, t_s=frames[-1].t_s + 1 / FPS)
    with_gap, without_gap = LandmarkSmoother(), LandmarkSmoother()
    for f in frames:
        with_gap.update(f)
        without_gap.update(f)
    assert with_gap.update(empty) is empty
    np.testing.assert_array_equal(with_gap.update(nxt).xy_px, without_gap.update(nxt).xy_px)


def test_smoother_smooths_depth_and_world_coordinates_too():
    frames = noisy_standing(60)
    rng = np.random.default_rng(5)
    frames = [f.with_landmarks(z_px=f.z_px + rng.normal(0, 3.0, f.z_px.shape),
                               world_m=f.world_m + rng.normal(0, 0.01, f.world_m.shape)) for f in frames]
    smoother = LandmarkSmoother()
    out = [smoother.update(f) for f in frames]
    i = Landmark.LEFT_HIP
    assert np.std([f.z_px[i] for f in out[20:]]) < 0.5 * np.std([f.z_px[i] for f in frames[20:]])
    assert np.std([f.world_m[i, 0] for f in out[20:]]) < 0.5 * np.std([f.world_m[i, 0] for f in frames[20:]])
    assert math.isfinite(float(out[-1].world_m[i, 0]))
