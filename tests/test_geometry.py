import math

import numpy as np
import pytest

from coach import geometry as geo
from coach.landmarks import N_LANDMARKS, Landmark
from tests.builders import arc_back, arc_sagitta, trunk_mask

pytestmark = pytest.mark.filterwarnings("error")

NAN2 = (math.nan, math.nan)


# --- joint angles -----------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, c, expected", [
    ((1, 0), (0, 0), (0, 1), 90.0),
    ((-5, 0), (0, 0), (7, 0), 180.0),
    ((3, 0), (0, 0), (6, 0), 0.0),
    ((1, 0), (0, 0), (1, 1), 45.0),
    ((1, 0), (0, 0), (-1, -1), 135.0),
    ((1, 0, 0), (0, 0, 0), (0, 0, 2), 90.0),
    ((1, 1, 0), (0, 0, 0), (0, 0, 1), 90.0),
    ((1, 0, 0), (0, 0, 0), (1, 0, 1), 45.0),
])
def test_joint_angle_of_known_shapes(a, b, c, expected):
    assert geo.joint_angle_deg(a, b, c) == pytest.approx(expected, abs=1e-9)


def test_joint_angle_broadcasts_over_a_time_series_of_frames():
    t = np.linspace(0, np.pi, 7)
    a = np.stack([np.cos(t), np.sin(t)], axis=-1)[:, None, :].repeat(3, axis=1)    # (7, 3, 2)
    b = np.zeros(2)
    c = np.array([1.0, 0.0])
    angles = geo.joint_angle_deg(a, b, c)
    assert angles.shape == (7, 3)
    np.testing.assert_allclose(angles[:, 0], np.degrees(t), atol=1e-9)


@pytest.mark.parametrize("a, b, c", [
    (NAN2, (0, 0), (1, 0)),
    ((0, 0), (0, 0), (1, 0)),          # zero-length arm
    ((1, 0), (1, 0), (1, 0)),
])
def test_joint_angle_of_degenerate_input_is_nan(a, b, c):
    assert math.isnan(geo.joint_angle_deg(a, b, c))


def test_joint_angle_rejects_points_that_are_neither_2d_nor_3d():
    with pytest.raises(ValueError, match="2D or 3D"):
        geo.joint_angle_deg((1, 0, 0, 0), (0, 0, 0, 0), (0, 1, 0, 0))


# --- signed angles and inclinations -------------------------------------------------------------

@pytest.mark.parametrize("u, v, expected", [
    ((1, 0), (0, 1), 90.0),        # right -> down: clockwise on screen
    ((1, 0), (0, -1), -90.0),
    ((1, 0), (1, 1), 45.0),
    ((0, -1), (1, 0), 90.0),       # up -> right: clockwise
    ((1, 0), (-1, 0), 180.0),
])
def test_signed_angle_is_positive_clockwise_on_screen(u, v, expected):
    assert geo.signed_angle_deg(u, v) == pytest.approx(expected)


def test_signed_angle_of_a_zero_vector_is_nan():
    assert math.isnan(geo.signed_angle_deg((0, 0), (1, 0)))


@pytest.mark.parametrize("b, unsigned, signed", [
    ((0, -10), 0.0, 0.0),          # straight up
    ((10, 0), 90.0, 90.0),
    ((-10, 0), 90.0, -90.0),
    ((10, -10), 45.0, 45.0),
    ((-10, -10), 45.0, -45.0),
    ((0, 10), 180.0, 180.0),       # straight down
])
def test_inclination_from_vertical(b, unsigned, signed):
    assert geo.inclination_from_vertical_deg((0, 0), b) == pytest.approx(unsigned)
    assert abs(geo.inclination_from_vertical_deg((0, 0), b, signed=True)) == pytest.approx(abs(signed))
    if abs(signed) != 180.0:
        assert geo.inclination_from_vertical_deg((0, 0), b, signed=True) == pytest.approx(signed)


@pytest.mark.parametrize("b, signed", [
    ((10, 0), 0.0),
    ((10, -10), 45.0),             # higher in the image
    ((-10, -10), 45.0),            # either side of a
    ((10, 10), -45.0),
    ((0, -10), 90.0),
])
def test_inclination_from_horizontal_is_elevation_of_b(b, signed):
    assert geo.inclination_from_horizontal_deg((0, 0), b, signed=True) == pytest.approx(signed)
    assert geo.inclination_from_horizontal_deg((0, 0), b) == pytest.approx(abs(signed))


def test_inclinations_of_a_zero_length_segment_are_nan():
    assert math.isnan(geo.inclination_from_vertical_deg((3, 3), (3, 3)))
    assert math.isnan(geo.inclination_from_horizontal_deg((3, 3), NAN2, signed=True))


# --- distances and points -----------------------------------------------------------------------

def test_signed_distance_is_positive_clockwise_of_the_line_direction():
    a, b = (0, 0), (10, 0)                                     # pointing right: + is below
    assert geo.signed_distance_to_line((5, 3), a, b) == pytest.approx(3.0)
    assert geo.signed_distance_to_line((5, -3), a, b) == pytest.approx(-3.0)
    assert geo.signed_distance_to_line((5, 3), b, a) == pytest.approx(-3.0)
    assert geo.signed_distance_to_line((50, 0), a, b) == pytest.approx(0.0)
    assert geo.signed_distance_to_line((1, 1), (0, 0), (3, 3)) == pytest.approx(0.0)


def test_signed_distance_to_a_degenerate_line_is_nan():
    assert math.isnan(geo.signed_distance_to_line((5, 3), (1, 1), (1, 1)))


def test_midpoints():
    np.testing.assert_allclose(geo.midpoint((0, 0), (2, 4)), (1, 2))
    assert np.isnan(geo.midpoint((0, 0), NAN2)).all()
    np.testing.assert_allclose(geo.midpoint_of_known((0, 0), NAN2), (0, 0))
    np.testing.assert_allclose(geo.midpoint_of_known(NAN2, (2, 4)), (2, 4))
    assert np.isnan(geo.midpoint_of_known(NAN2, NAN2)).all()


def test_safe_ratio_is_nan_for_zero_or_unknown_denominators():
    np.testing.assert_allclose(geo.safe_ratio([1.0, 1.0, 1.0], [2.0, 0.0, math.nan]), [0.5, math.nan, math.nan])


def test_perpendicular_cw_turns_right_into_down():
    np.testing.assert_allclose(geo.perpendicular_cw((1, 0)), (0, 1))
    np.testing.assert_allclose(geo.perpendicular_cw((0, 1)), (-1, 0))


def test_torso_length_over_a_series_with_one_side_hidden():
    xy = np.full((2, N_LANDMARKS, 2), np.nan)
    xy[:, Landmark.LEFT_SHOULDER] = (100, 100)
    xy[:, Landmark.LEFT_HIP] = (100, 300)
    xy[0, Landmark.RIGHT_SHOULDER] = (120, 100)
    xy[0, Landmark.RIGHT_HIP] = (120, 300)
    np.testing.assert_allclose(geo.torso_length(xy), [200.0, 200.0])
    assert math.isnan(geo.torso_length(np.full((N_LANDMARKS, 2), np.nan)))


# --- back curvature from a mask -------------------------------------------------------------------

SHOULDER, HIP = (450.0, 250.0), (250.0, 250.0)         # trunk 200 px, head to the right
UP = 1.0             # dorsal_sign: SHOULDER->HIP points left, its clockwise perpendicular is up
DORSAL_UP = (0.0, -1.0)
RADIUS = 150.0
EXPECTED_BOW = arc_sagitta(RADIUS, 0.6 * 200) / 200    # stations 20%..80%: a chord of 0.6 torso


def flat_back(height_px):
    return lambda s: np.full_like(s, height_px)


@pytest.mark.parametrize("bulge, expected", [(+1, EXPECTED_BOW), (-1, -EXPECTED_BOW)])
def test_back_curvature_of_a_drawn_arc_has_its_sagitta_and_sign(bulge, expected):
    mask = trunk_mask(SHOULDER, HIP, UP, arc_back(200, RADIUS, 40, bulge))
    bow = geo.back_curvature_ratio(mask, SHOULDER, HIP, DORSAL_UP)
    assert bow == pytest.approx(expected, rel=0.08)


@pytest.mark.parametrize("thickness_px", [15.0, 40.0, 90.0])
def test_back_curvature_of_a_straight_bar_is_zero_whatever_its_thickness(thickness_px):
    mask = trunk_mask(SHOULDER, HIP, UP, flat_back(thickness_px))
    assert geo.back_curvature_ratio(mask, SHOULDER, HIP, DORSAL_UP) == pytest.approx(0.0, abs=2e-3)


@pytest.mark.parametrize("angle_deg", [30.0, 75.0, 160.0, -120.0])
@pytest.mark.parametrize("bulge", [+1, -1])
def test_back_curvature_sign_follows_the_dorsal_side_at_any_trunk_orientation(angle_deg, bulge):
    a = math.radians(angle_deg)
    shoulder = (320.0, 240.0)
    hip = (320.0 + 200 * math.cos(a), 240.0 + 200 * math.sin(a))
    for dorsal_sign in (+1.0, -1.0):
        mask = trunk_mask(shoulder, hip, dorsal_sign, arc_back(200, RADIUS, 30, bulge))
        axis = np.subtract(hip, shoulder) / 200
        dorsal = dorsal_sign * geo.perpendicular_cw(axis)
        bow = geo.back_curvature_ratio(mask, shoulder, hip, dorsal + 0.3 * axis)    # not exactly perpendicular
        assert bow == pytest.approx(bulge * EXPECTED_BOW, rel=0.1)


def test_back_curvature_tolerates_a_back_sagging_below_the_joint_line():
    mask = trunk_mask(SHOULDER, HIP, UP, arc_back(200, 120.0, 10, -1))     # middle dips ~35 px below the line
    bow = geo.back_curvature_ratio(mask, SHOULDER, HIP, DORSAL_UP)
    assert bow == pytest.approx(-arc_sagitta(120.0, 120) / 200, rel=0.08)


def _bar():
    return trunk_mask(SHOULDER, HIP, UP, flat_back(40))


@pytest.mark.parametrize("case", [
    "no_mask", "empty_mask", "nan_shoulder", "same_points", "zero_dorsal", "dorsal_along_trunk",
    "mask_missing_near_shoulder", "edge_beyond_image", "silhouette_never_ends",
])
def test_back_curvature_of_degenerate_input_is_nan(case):
    mask, shoulder, hip, dorsal = _bar(), SHOULDER, HIP, DORSAL_UP
    if case == "no_mask":
        mask = None
    elif case == "empty_mask":
        mask = np.zeros_like(mask)
    elif case == "nan_shoulder":
        shoulder = NAN2
    elif case == "same_points":
        hip = SHOULDER
    elif case == "zero_dorsal":
        dorsal = (0.0, 0.0)
    elif case == "dorsal_along_trunk":
        dorsal = (1.0, 0.0)
    elif case == "mask_missing_near_shoulder":
        mask[:, 380:] = 0.0
    elif case == "edge_beyond_image":
        shoulder, hip = (450.0, 20.0), (250.0, 20.0)
        mask = trunk_mask(shoulder, hip, UP, flat_back(40))
    elif case == "silhouette_never_ends":
        mask = np.ones_like(mask)
    assert math.isnan(geo.back_curvature_ratio(mask, shoulder, hip, dorsal))


def test_back_curvature_rejects_too_few_stations():
    with pytest.raises(ValueError, match="stations"):
        geo.back_curvature_ratio(_bar(), SHOULDER, HIP, DORSAL_UP, stations=(0.2, 0.5, 0.8))
