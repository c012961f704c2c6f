import math

import numpy as np
import pytest

from coach.frames import PoseFrame
from coach.landmarks import Landmark, Side, sided
from coach.side_swaps import SwapConfig, SwapRepairer, labelling_costs, mirror_labels
from tests.builders import QUADRUPED_FACING_RIGHT, STANDING_FACING_RIGHT, pose_frame, side_view

pytestmark = pytest.mark.filterwarnings("error")

FPS = 30.0
Q = QUADRUPED_FACING_RIGHT


def lerp(a, b, p):
    return (a[0] + (b[0] - a[0]) * p, a[1] + (b[1] - a[1]) * p)


def bird_dog(i, n=60, t_s=None):
    """Side view, left side near: the left arm reaches forward while the right leg extends back."""
    p = min(i / n, 1.0)
    phi = math.radians(90 * p)                                     # arm from hanging to forward
    sx, sy = Q["shoulder"]
    near = dict(Q, elbow=(sx + 75 * math.sin(phi), sy + 75 * math.cos(phi)),
                wrist=(sx + 150 * math.sin(phi), sy + 150 * math.cos(phi)))
    far = {"knee": lerp(Q["knee"], (100, 255), p), "ankle": lerp(Q["ankle"], (10, 260), p)}
    return side_view(near, far=far, t_s=i / FPS if t_s is None else t_s)


def standing(i):
    return side_view(STANDING_FACING_RIGHT, t_s=i / FPS)


def front_view(i):
    x0, step = 320.0, 1.0 * i                                      # drifting slowly to the right
    pts = {}
    for part, (dx, y) in {"shoulder": (45, 100), "elbow": (55, 180), "wrist": (60, 250), "hip": (35, 300),
                          "knee": (35, 390), "ankle": (35, 470)}.items():
        pts[sided(Side.LEFT, part)] = (x0 + step + dx, y)          # the person's left is image right
        pts[sided(Side.RIGHT, part)] = (x0 + step - dx, y)
    return pose_frame(pts, t_s=i / FPS)


def assert_same_labels(a: PoseFrame, b: PoseFrame):
    for name in ("xy_px", "z_px", "world_m", "visibility", "presence"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("make", [bird_dog, standing, front_view], ids=["bird_dog", "standing_side", "front"])
def test_frames_swapped_for_a_moment_are_repaired(make):
    truth = [make(i) for i in range(60)]
    seen = [mirror_labels(f) if 20 <= i < 25 else f for i, f in enumerate(truth)]
    repairer = SwapRepairer()
    for i, (frame, expected) in enumerate(zip(seen, truth)):
        assert_same_labels(repairer.update(frame), expected)


def test_repair_swaps_depth_and_scores_with_the_coordinates():
    frame = bird_dog(30)
    mirrored = mirror_labels(frame)
    left, right = Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST
    assert tuple(mirrored.xy_px[left]) == tuple(frame.xy_px[right])
    assert mirrored.visibility[left] == frame.visibility[right]
    assert mirrored.z_px[left] == frame.z_px[right]
    assert tuple(mirrored.world_m[left]) == tuple(frame.world_m[right])
    assert_same_labels(mirror_labels(mirrored), frame)


def test_a_genuine_fast_movement_is_not_swapped():
    # Resting for 10 frames, then arm forward and leg back within one frame.
    sequence = [bird_dog(0 if i < 10 else 60, t_s=i / FPS) for i in range(20)]
    as_given, mirrored = labelling_costs(sequence[10], sequence[9])
    assert as_given > 0.1                                           # a big jump, yet...
    repairer = SwapRepairer()
    for frame in sequence:
        assert_same_labels(repairer.update(frame), frame)          # ...kept as it is
    assert not repairer.mirroring


def turning(i, n=45):
    """Standing, turning round in place from the left side to the right side facing the camera."""
    theta = math.pi * min(i / n, 1.0)
    pts, z, vis = {}, {}, {}
    for part, (half_width, y) in {"shoulder": (40, 60), "elbow": (45, 150), "wrist": (45, 230), "hip": (30, 260),
                                  "knee": (25, 360), "ankle": (25, 455)}.items():
        for side, sign in ((Side.LEFT, 1.0), (Side.RIGHT, -1.0)):
            lm = sided(side, part)
            pts[lm] = (300 + sign * half_width * math.sin(theta), y)
            z[lm] = -sign * half_width * math.cos(theta)
            vis[lm] = 0.99 if z[lm] <= 0 else 0.7
    return pose_frame(pts, t_s=i / FPS, z_px=z, visibility=vis)


def test_a_person_turning_round_is_followed_not_repaired():
    repairer = SwapRepairer()
    for i in range(60):
        frame = turning(i)
        assert_same_labels(repairer.update(frame), frame)


def test_a_lasting_disagreement_is_eventually_settled_in_the_models_favour():
    config = SwapConfig(trust_model_after_s=3.0)
    truth = [bird_dog(i, n=200) for i in range(150)]
    seen = [mirror_labels(f) if i >= 20 else f for i, f in enumerate(truth)]
    repairer = SwapRepairer(config)
    out = [repairer.update(f) for f in seen]
    first_trusted = 20 + round(config.trust_model_after_s * FPS)
    for i in range(20, first_trusted):
        assert_same_labels(out[i], truth[i])
    for i in range(first_trusted, 150):
        assert_same_labels(out[i], seen[i])


@pytest.mark.parametrize("gap", ["empty_frame", "time_gap"])
def test_after_a_gap_it_starts_afresh_from_the_models_labels(gap):
    before = [bird_dog(i) for i in range(30)]
    delay_s = 1.0 if gap == "time_gap" else 0.0
    after = [mirror_labels(bird_dog(i, t_s=i / FPS + delay_s)) for i in range(31, 60)]
    repairer = SwapRepairer()
    for frame in before:
        repairer.update(frame)
    if gap == "empty_frame":
        empty = PoseFrame.empty(t_s=30 / FPS, image_size=before[0].image_size)
        assert repairer.update(empty) is empty
    for frame in after:
        assert_same_labels(repairer.update(frame), frame)


def test_costs_prefer_the_labelling_closer_to_the_previous_frame():
    previous, frame = bird_dog(30), bird_dog(31)
    as_given, mirrored = labelling_costs(frame, previous)
    assert as_given < 0.05 < 0.3 < mirrored
    assert labelling_costs(mirror_labels(frame), previous) == pytest.approx((mirrored, as_given))


def test_costs_are_unknown_without_enough_shared_landmarks():
    frame = pose_frame({Landmark.LEFT_SHOULDER: (10, 10), Landmark.LEFT_HIP: (10, 200)})
    assert all(math.isnan(c) for c in labelling_costs(frame, frame))
