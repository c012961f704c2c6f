"""The kinematic performer: geometry a pose model would see, and honest labels.

Angles here are computed with plain numpy from the frames' pixels, independently of
coach.metrics, so these tests check the performer, not the metric code.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.frames import PoseFrame
from coach.landmarks import MIRROR_INDEX, Landmark as L, Side
from coach.performer import (
    EXERCISES, FAULT_CODES, Degradation, Fault, Performance, Script, perform,
)

FAST = dict(lead_in_s=0.5, lead_out_s=0.5)


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle a-b-c at b, degrees."""
    u, v = a - b, c - b
    cos = float(u @ v) / float(np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def mid(frame: PoseFrame, left: L, right: L) -> np.ndarray:
    return (frame.xy_px[left] + frame.xy_px[right]) / 2.0


def trunk_incline_deg(frame: PoseFrame) -> float:
    v = mid(frame, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - mid(frame, L.LEFT_HIP, L.RIGHT_HIP)
    return float(np.degrees(np.arctan2(abs(v[0]), -v[1])))


def near(frame: PoseFrame, name: str) -> np.ndarray:
    """The near-side landmark (smaller depth) of a left/right pair."""
    left, right = L[f"LEFT_{name}"], L[f"RIGHT_{name}"]
    return frame.xy_px[left if frame.z_px[left] < frame.z_px[right] else right]


def torso_px(frame: PoseFrame) -> float:
    shoulders, hips = mid(frame, L.LEFT_SHOULDER, L.RIGHT_SHOULDER), mid(frame, L.LEFT_HIP, L.RIGHT_HIP)
    return float(np.linalg.norm(shoulders - hips))


def view_ratio(frame: PoseFrame) -> float:
    width = np.linalg.norm(frame.xy_px[L.LEFT_SHOULDER] - frame.xy_px[L.RIGHT_SHOULDER])
    return float(width / torso_px(frame))


def frame_at(perf: Performance, t_s: float) -> PoseFrame:
    return perf.frames[int(np.argmin(np.abs(perf.t_s - t_s)))]


def back_bow_ratio(frame: PoseFrame) -> float:
    """Bow of the silhouette's top edge between shoulder and hip columns, / torso length.

    + the middle of the back is above the straight line joining the edge at both ends.
    """
    assert frame.mask is not None
    xs = sorted([mid(frame, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)[0], mid(frame, L.LEFT_HIP, L.RIGHT_HIP)[0]])
    cols = np.arange(int(xs[0] + 0.15 * (xs[1] - xs[0])), int(xs[1] - 0.15 * (xs[1] - xs[0])))
    top = np.array([np.argmax(frame.mask[:, c] > 0.5) for c in cols], dtype=float)
    line = np.interp(cols, [cols[0], cols[-1]], [top[0], top[-1]])
    bow = line - top                     # image y grows downward
    return float(bow[np.argmax(np.abs(bow))] / torso_px(frame))


# --- frames ----------------------------------------------------------------------------

@pytest.mark.parametrize("exercise", EXERCISES)
def test_frames_have_mediapipe_shapes_and_dtypes(exercise: str) -> None:
    perf = perform(exercise, Script(reps=1, **FAST), fps=10)
    frame = perf.frames[0]
    assert frame.xy_px.shape == (33, 2) and frame.xy_px.dtype == np.float32
    assert frame.z_px.shape == (33,) and frame.world_m.shape == (33, 3)
    assert frame.visibility.shape == (33,) and frame.presence.shape == (33,)
    assert frame.people == 1 and frame.mask is None
    assert perf.joints_m.shape == (len(perf.frames), len(perf.skeleton.point_names), 3)
    assert perf.segment_rot.shape == (len(perf.frames), len(perf.skeleton.segments), 3, 3)
    assert np.all(np.diff(perf.t_s) > 0)
    hips = (frame.world_m[L.LEFT_HIP] + frame.world_m[L.RIGHT_HIP]) / 2.0
    np.testing.assert_allclose(hips, 0.0, atol=1e-5)           # world origin between the hips
    assert abs(frame.z_px[L.LEFT_HIP] + frame.z_px[L.RIGHT_HIP]) < 1e-3


def test_same_seed_gives_identical_frames_and_another_seed_does_not() -> None:
    degrade = Degradation(noise_px=1.0, jitter_px=2.0, drop_ratio=0.1, swap_ratio=0.1,
                          low_visibility_ratio=0.1, frame_interval_jitter_ratio=0.2)
    script = Script(reps=1, variability_ratio=0.1, **FAST)
    a, b = (perform("bird_dog", script, degrade=degrade, fps=15, seed=3) for _ in range(2))
    c = perform("bird_dog", script, degrade=degrade, fps=15, seed=4)
    assert len(a.frames) == len(b.frames)
    for fa, fb in zip(a.frames, b.frames):
        assert fa.t_s == fb.t_s
        np.testing.assert_array_equal(fa.xy_px, fb.xy_px)
        np.testing.assert_array_equal(fa.visibility, fb.visibility)
    assert a.labels == b.labels
    assert len(c.frames) != len(a.frames) or not np.array_equal(c.frames[5].xy_px, a.frames[5].xy_px)


def test_side_view_near_landmarks_are_visible_and_far_ones_partly_hidden() -> None:
    frame = perform("hip_hinge", Script(reps=1, **FAST), fps=10).frames[0]
    near_side = [L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_EAR]
    assert frame.z_px[L.RIGHT_SHOULDER] < frame.z_px[L.LEFT_SHOULDER]   # default camera sees the right
    assert all(frame.visibility[lm] > 0.9 for lm in near_side)
    assert 0.5 < frame.visibility[L.LEFT_HIP] < 0.8       # hidden, yet still tracked
    assert 0.5 < frame.visibility[L.LEFT_SHOULDER] < 0.8


# --- geometry --------------------------------------------------------------------------

def test_hip_hinge_starts_standing_with_straight_hips_and_knees() -> None:
    frame = perform("hip_hinge", Script(reps=1, **FAST), fps=10).frames[0]
    assert angle_deg(near(frame, "SHOULDER"), near(frame, "HIP"), near(frame, "KNEE")) > 177.0
    assert angle_deg(near(frame, "HIP"), near(frame, "KNEE"), near(frame, "ANKLE")) > 177.0
    assert trunk_incline_deg(frame) < 1.0


@pytest.mark.parametrize("rom_ratio", [1.0, 0.75])
def test_hip_hinge_trunk_incline_reaches_target_at_bottom(rom_ratio: float) -> None:
    perf = perform("hip_hinge", Script(reps=1, rom_ratio=rom_ratio, **FAST), fps=30)
    inclines = [trunk_incline_deg(f) for f in perf.frames]
    assert max(inclines) == pytest.approx(60.0 * rom_ratio, abs=1.0)
    bottom = perf.frames[int(np.argmax(inclines))]
    assert angle_deg(near(bottom, "HIP"), near(bottom, "KNEE"), near(bottom, "ANKLE")) > 155.0


def test_side_views_show_narrow_shoulders_and_the_side_plank_front_view_wide_ones() -> None:
    for exercise in ("hip_hinge", "bird_dog", "cat_cow", "glute_bridge"):
        frame = perform(exercise, Script(reps=1, **FAST), fps=5).frames[0]
        assert view_ratio(frame) < 0.2, exercise
    plank = perform("side_plank", Script(reps=1, hold_s=2.0, **FAST), fps=5)
    assert view_ratio(frame_at(plank, plank.labels.holds[0].start_s + 1.0)) > 0.5


def test_bird_dog_reaching_arm_and_opposite_leg_come_into_line() -> None:
    perf = perform("bird_dog", Script(reps=1, sides=(Side.LEFT,), **FAST), fps=10)
    hold = perf.labels.holds[0]
    frame = frame_at(perf, (hold.start_s + hold.end_s) / 2.0)
    xy = frame.xy_px
    arm_raise = angle_deg(xy[L.LEFT_HIP], xy[L.LEFT_SHOULDER], xy[L.LEFT_WRIST])
    leg_extension = angle_deg(xy[L.RIGHT_SHOULDER], xy[L.RIGHT_HIP], xy[L.RIGHT_ANKLE])
    resting_arm = angle_deg(xy[L.RIGHT_HIP], xy[L.RIGHT_SHOULDER], xy[L.RIGHT_WRIST])
    assert arm_raise > 172.0 and leg_extension > 172.0
    assert 70.0 < resting_arm < 100.0


def test_cat_and_cow_bow_the_silhouette_top_edge_opposite_ways() -> None:
    perf = perform("cat_cow", Script(reps=1, **FAST), fps=10, mask=True)
    rep = perf.labels.rep_spans[0]
    tempo, hold = perf.script.tempo_s, perf.script.hold_s
    cat = back_bow_ratio(frame_at(perf, rep.start_s + tempo + hold / 2))
    cow = back_bow_ratio(frame_at(perf, rep.start_s + 3 * tempo + 1.5 * hold))
    neutral = back_bow_ratio(perf.frames[0])
    assert cat > 0.04 and cow < -0.025
    assert abs(neutral) < 0.02


def test_glute_bridge_lifts_hips_into_line_with_shoulders_and_knees() -> None:
    perf = perform("glute_bridge", Script(reps=1, **FAST), fps=10)
    top = frame_at(perf, perf.labels.rep_spans[0].start_s + perf.script.tempo_s + 0.5)
    down = perf.frames[0]

    def hip(f: PoseFrame) -> float:
        return angle_deg(near(f, "SHOULDER"), near(f, "HIP"), near(f, "KNEE"))

    assert 120.0 < hip(down) < 140.0 and hip(top) > 170.0


# --- labels ----------------------------------------------------------------------------

def test_reps_per_side_and_expected_shape_follow_the_script() -> None:
    bird = perform("bird_dog", Script(reps=2, **FAST), fps=5).labels
    assert bird.reps == {Side.LEFT: 2, Side.RIGHT: 2}
    assert [(r.side, r.number) for r in bird.rep_spans] == [
        (Side.LEFT, 1), (Side.RIGHT, 1), (Side.LEFT, 2), (Side.RIGHT, 2)]
    assert bird.to_expected()["reps"] == {"left": 2, "right": 2, "total": 4}
    assert len(bird.to_expected()["holds"]) == 4
    hinge = perform("hip_hinge", Script(reps=3, **FAST), fps=5).labels.to_expected()
    assert hinge == {"exercise": "hip_hinge", "reps": {"total": 3}, "faults": []}   # holds not labelled: not claimed


def test_side_plank_reports_holds_per_side_and_sagging_costs_good_time() -> None:
    sagging = Fault("hips_sagging", reps=(1,), side=Side.RIGHT)
    script = Script(reps=1, hold_s=8.0, faults=(sagging,), **FAST)
    labels = perform("side_plank", script, fps=5).labels
    left, right = labels.holds
    assert (left.side, right.side) == (Side.LEFT, Side.RIGHT)
    assert left.good_s == pytest.approx(left.total_s) and left.total_s > 8.0
    assert 0.0 < right.good_s < right.total_s - 3.0
    assert labels.to_expected()["reps"] == {"left": 1, "right": 1, "total": 2}     # each hold is its rep
    (sag,) = labels.faults
    assert sag.side is Side.RIGHT and right.start_s < sag.start_s < sag.end_s < right.end_s


@pytest.mark.parametrize(("exercise", "code"), sorted(
    (exercise, code) for exercise, codes in FAULT_CODES.items() for code in codes))
def test_each_fault_gets_spans_inside_the_rep_it_was_injected_in(exercise: str, code: str) -> None:
    perf = perform(exercise, Script(reps=2, sides=(Side.LEFT,), **FAST,
                                    faults=(Fault(code, reps=(2,)),)), fps=5)
    spans = [f for f in perf.labels.faults if f.code == code]
    assert spans, f"{exercise}/{code} left no fault span"
    second = perf.labels.rep_spans[1] if perf.labels.rep_spans else None
    for span in spans:
        assert span.rep == 2
        if second is not None:
            assert second.start_s <= span.start_s < span.end_s <= second.end_s
    for hold in perf.labels.holds:
        assert hold.good_s <= hold.total_s + 1e-9


def test_time_range_fault_span_follows_the_range() -> None:
    script = Script(reps=1, sides=(Side.LEFT,), hold_s=8.0, faults=(("piking", (5.0, 8.0)),), **FAST)
    (span,) = perform("side_plank", script, fps=5).labels.faults
    assert span.start_s == pytest.approx(5.0, abs=0.1) and span.end_s == pytest.approx(8.0, abs=0.1)
    assert (span.side, span.rep) == (Side.LEFT, 1)


def test_squatting_span_is_when_the_knees_are_bent() -> None:
    perf = perform("hip_hinge", Script(reps=3, faults=(("squatting", 2),), **FAST), fps=30)
    (span,) = perf.labels.faults
    knee = np.array([angle_deg(near(f, "HIP"), near(f, "KNEE"), near(f, "ANKLE")) for f in perf.frames])
    inside = (perf.t_s > span.start_s) & (perf.t_s < span.end_s)
    # A clean hinge never bends the knees past 160; the squat reaches 110, and the span is
    # where the knees are well past clean and the rest of the set is not near the squat.
    assert knee[inside].max() < 155.0
    assert knee[~inside].min() > 140.0
    assert knee.min() < 115.0


def test_rushing_makes_the_rep_short_and_covers_it() -> None:
    perf = perform("hip_hinge", Script(reps=2, faults=(("rushing", 1),), **FAST), fps=5)
    first, second = perf.labels.rep_spans
    assert first.end_s - first.start_s < 2.0 < second.end_s - second.start_s
    (span,) = perf.labels.faults
    assert (span.start_s, span.end_s, span.rep) == (first.start_s, first.end_s, 1)


def test_unknown_fault_code_is_rejected_with_the_valid_codes() -> None:
    with pytest.raises(ValueError, match="squatting"):
        perform("hip_hinge", Script(faults=(("sagging", 1),)))


# --- degradation -----------------------------------------------------------------------

def test_dropped_frames_make_timestamps_jump() -> None:
    clean = perform("glute_bridge", Script(reps=1, **FAST), fps=30)
    dropped = perform("glute_bridge", Script(reps=1, **FAST), fps=30,
                      degrade=Degradation(drop_ratio=0.2))
    gaps = np.diff(dropped.t_s)
    assert len(dropped.frames) < 0.9 * len(clean.frames)
    assert gaps.max() > 1.9 / 30 and gaps.min() == pytest.approx(1 / 30)


def test_swaps_mirror_left_and_right_in_some_frames() -> None:
    script = Script(reps=1, **FAST)
    clean = perform("bird_dog", script, fps=15)
    swapped = perform("bird_dog", script, fps=15, degrade=Degradation(swap_ratio=0.2))
    flagged = np.flatnonzero(swapped.swapped)
    assert 0 < len(flagged) < len(swapped.frames)
    for i in flagged:
        np.testing.assert_array_equal(swapped.frames[i].xy_px, clean.frames[i].xy_px[list(MIRROR_INDEX)])
    i = int(np.flatnonzero(~swapped.swapped)[0])
    np.testing.assert_array_equal(swapped.frames[i].xy_px, clean.frames[i].xy_px)


def test_no_person_frames_are_empty_and_low_visibility_drops_below_half() -> None:
    degrade = Degradation(no_person_ratio=0.1, low_visibility_ratio=0.2)
    perf = perform("cat_cow", Script(reps=1, **FAST), fps=10, degrade=degrade)
    empty = [f for f in perf.frames if not f.has_pose]
    assert empty and all(np.isnan(f.xy_px).all() for f in empty)
    clean = perform("cat_cow", Script(reps=1, **FAST), fps=10)
    more_dim = [(a.visibility < 0.5).sum() > (b.visibility < 0.5).sum()
                for a, b in zip(perf.frames, clean.frames) if a.has_pose]
    assert sum(more_dim) > 0.08 * len(more_dim)


def test_far_side_visibility_flickers_when_asked() -> None:
    script = Script(reps=1, **FAST)
    steady = perform("bird_dog", script, fps=10)
    flicker = perform("bird_dog", script, fps=10, degrade=Degradation(hidden_visibility=(0.3, 0.9)))
    far = [L.LEFT_SHOULDER, L.LEFT_HIP]                     # hidden behind the trunk (right side near)
    steady_vis = np.array([f.visibility[far] for f in steady.frames])
    flicker_vis = np.array([f.visibility[far] for f in flicker.frames])
    assert steady_vis.min() > 0.5
    assert 0.3 <= flicker_vis.min() < 0.4 and 0.8 < flicker_vis.max() <= 0.9
    near = [L.RIGHT_SHOULDER, L.RIGHT_HIP]
    assert min(f.visibility[near].min() for f in flicker.frames) > 0.9


def test_knocked_camera_moves_the_body_partly_out_of_the_picture_for_a_while() -> None:
    script = Script(reps=1, **FAST)
    steady = perform("hip_hinge", script, fps=10)
    knocked = perform("hip_hinge", script, fps=10, degrade=Degradation(camera_shift_s=(1.0, 2.0), camera_shift_ratio=0.6))
    during, unmoved = frame_at(knocked, 1.5), frame_at(steady, 1.5)
    assert (unmoved.visibility > 0.5).all() and (during.visibility == 0.0).any()   # some left the image
    shift = during.xy_px[:, 0] - unmoved.xy_px[:, 0]
    assert float(np.median(shift)) == pytest.approx(-0.6 * 640, rel=0.05)       # the picture slides the other way
    np.testing.assert_array_equal(frame_at(knocked, 2.5).xy_px, frame_at(steady, 2.5).xy_px)
