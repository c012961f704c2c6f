import math

import numpy as np
import pytest

from coach import metrics as m
from coach.frames import MetricFrame, PoseFrame
from coach.landmarks import Landmark as L
from tests.builders import (
    IMAGE_SIZE, QUADRUPED_FACING_RIGHT, STANDING_FACING_RIGHT, arc_back, mirror_x, pose_frame, rotate,
    side_view, trunk_mask,
)

pytestmark = pytest.mark.filterwarnings("error")

CONTRACT_NAMES = {
    "trunk_incline_deg", "trunk_tilt_deg", "hip_angle_near_deg", "knee_angle_near_deg", "elbow_angle_near_deg",
    "neck_angle_deg", "back_curvature_ratio", "leaning_back_deg", "arm_raise_left_deg", "arm_raise_right_deg",
    "leg_extension_left_deg", "leg_extension_right_deg", "reach_arm_side", "reach_leg_side",
    "reach_arm_raise_deg", "reach_leg_extension_deg", "opposite_limbs", "reach_elbow_angle_deg",
    "reach_knee_angle_deg", "leg_height_ratio", "pelvis_level_ratio", "body_line_deg", "hip_offset_ratio",
    "upper_arm_vertical_deg", "support_side", "stack_roll_deg", "head_angle_deg", "thigh_vertical_deg",
    "hip_extension_deg", "hip_drop_ratio", "pelvis_tilt_deg", "view_ratio", "head_drop_deg",
}
STAND, QUAD = STANDING_FACING_RIGHT, QUADRUPED_FACING_RIGHT
UPPER_BODY = ("nose", "ear", "shoulder", "elbow", "wrist")


def value(name, frame):
    return m.compute(frame, [name])[name]


def both_facings(parts, **kwargs):
    """The pose facing image right, and the same pose facing left."""
    return [side_view(parts, **kwargs), side_view(mirror_x(parts), **kwargs)]


def with_moved(parts, moved_parts, center, angle_deg):
    turned = rotate({p: parts[p] for p in moved_parts}, center, angle_deg)
    return {**parts, **turned}


# --- the registry --------------------------------------------------------------------------------

def test_registry_holds_exactly_the_contract_metrics():
    assert set(m.METRICS) == CONTRACT_NAMES


@pytest.mark.parametrize("name", sorted(CONTRACT_NAMES))
def test_each_metric_is_documented_in_one_line_with_a_unit_matching_its_name(name):
    metric = m.METRICS[name]
    assert metric.name == name
    assert metric.doc and "\n" not in metric.doc and len(metric.doc) <= 140
    suffix_unit = {"deg": "deg", "ratio": "ratio", "side": "side", "limbs": "flag"}[name.rsplit("_", 1)[1]]
    assert metric.unit == suffix_unit
    assert metric.landmarks and all(isinstance(lm, L) for lm in metric.landmarks)


def test_required_sets_offer_either_side_for_near_side_metrics_only():
    knee = m.METRICS["knee_angle_near_deg"].required_sets()
    assert set(knee) == {frozenset({L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE}),
                         frozenset({L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE})}
    assert m.METRICS["body_line_deg"].required_sets() == (frozenset(m.METRICS["body_line_deg"].landmarks),)


def test_suggest_finds_the_closest_name():
    assert m.suggest("knee_angel_near_deg") == "knee_angle_near_deg"
    assert m.suggest("trunk_incline") == "trunk_incline_deg"
    assert m.suggest("banana") is None


def test_compute_rejects_an_unknown_name_with_a_suggestion():
    with pytest.raises(KeyError, match="did you mean 'trunk_incline_deg'"):
        m.compute(side_view(STAND), ["trunk_inclin_deg"])


def test_compute_returns_floats_for_the_frame_time():
    frame = side_view(STAND, t_s=1.25)
    result = m.compute(frame, sorted(CONTRACT_NAMES))
    assert isinstance(result, MetricFrame) and result.t_s == 1.25
    assert all(type(v) is float for v in result.values.values())


def test_every_metric_is_unknown_when_nobody_is_in_view():
    result = m.compute(PoseFrame.empty(t_s=0.0, image_size=IMAGE_SIZE), sorted(CONTRACT_NAMES))
    assert all(math.isnan(v) for v in result.values.values())


# --- standing and hinging, side view ---------------------------------------------------------------

@pytest.mark.parametrize("frame", both_facings(STAND), ids=["facing_right", "facing_left"])
def test_standing_side_view(frame):
    assert value("trunk_incline_deg", frame) == pytest.approx(0.0, abs=1e-6)
    assert value("hip_angle_near_deg", frame) == pytest.approx(180.0)
    assert value("knee_angle_near_deg", frame) == pytest.approx(180.0)
    assert value("leaning_back_deg", frame) == pytest.approx(0.0, abs=1e-6)
    assert value("thigh_vertical_deg", frame) == pytest.approx(0.0, abs=1e-6)
    assert value("neck_angle_deg", frame) == pytest.approx(0.0, abs=1e-6)
    assert value("view_ratio", frame) == pytest.approx(3 / 200)


HINGE_45 = with_moved(STAND, UPPER_BODY, STAND["hip"], 45.0)        # clockwise: forward for facing right


@pytest.mark.parametrize("frame", both_facings(HINGE_45), ids=["facing_right", "facing_left"])
def test_hip_hinge_at_45_degrees(frame):
    assert value("trunk_incline_deg", frame) == pytest.approx(45.0)
    assert value("trunk_tilt_deg", frame) == pytest.approx(45.0)
    assert value("leaning_back_deg", frame) == pytest.approx(-45.0)
    assert value("hip_angle_near_deg", frame) == pytest.approx(135.0)
    assert value("hip_extension_deg", frame) == pytest.approx(135.0)


@pytest.mark.parametrize("frame", both_facings(with_moved(STAND, UPPER_BODY, STAND["hip"], -10.0)),
                         ids=["facing_right", "facing_left"])
def test_leaning_back_is_positive_whichever_way_the_person_faces(frame):
    assert value("leaning_back_deg", frame) == pytest.approx(10.0)
    assert value("trunk_incline_deg", frame) == pytest.approx(10.0)


@pytest.mark.parametrize("frame", both_facings(dict(STAND, knee=(340, 355))), ids=["facing_right", "facing_left"])
def test_sitting_back_makes_thigh_vertical_positive(frame):
    assert value("thigh_vertical_deg", frame) == pytest.approx(math.degrees(math.atan2(40, 95)))
    assert value("knee_angle_near_deg", frame) < 160.0


@pytest.mark.parametrize("turn_deg, expected", [(30.0, 30.0), (-20.0, -20.0)])
def test_neck_angle_is_positive_for_the_head_forward_and_down(turn_deg, expected):
    head_turned = with_moved(STAND, ("ear", "nose"), STAND["shoulder"], turn_deg)
    for frame in both_facings(head_turned):
        assert value("neck_angle_deg", frame) == pytest.approx(expected)


@pytest.mark.parametrize("turn_deg", [25.0, -30.0], ids=["dropped", "cranked_up"])
def test_neck_angle_follows_the_head_against_a_hinged_trunk(turn_deg):
    head_turned = with_moved(HINGE_45, ("ear", "nose"), HINGE_45["shoulder"], turn_deg)
    for hinged, turned in zip(both_facings(HINGE_45), both_facings(head_turned)):
        assert value("neck_angle_deg", turned) - value("neck_angle_deg", hinged) == pytest.approx(turn_deg)


def test_facing_unknown_makes_signed_metrics_unknown_not_guessed():
    frame = side_view({k: v for k, v in HINGE_45.items() if k in ("shoulder", "hip", "ear")})  # no front to see
    assert value("trunk_incline_deg", frame) == pytest.approx(45.0)
    assert math.isnan(value("leaning_back_deg", frame))


# --- hands and knees, side view ----------------------------------------------------------------------

@pytest.mark.parametrize("frame", both_facings(QUAD), ids=["facing_right", "facing_left"])
def test_quadruped_resting(frame):
    assert value("trunk_incline_deg", frame) == pytest.approx(90.0)
    assert value("trunk_tilt_deg", frame) == pytest.approx(0.0, abs=1e-6)
    assert value("arm_raise_left_deg", frame) == pytest.approx(90.0, abs=1.0)
    assert value("arm_raise_right_deg", frame) == pytest.approx(90.0, abs=1.0)
    assert value("leg_extension_left_deg", frame) == pytest.approx(90.0, abs=1.0)     # thigh vertical
    assert math.isnan(value("reach_arm_side", frame))
    assert math.isnan(value("opposite_limbs", frame))
    assert value("reach_arm_raise_deg", frame) == pytest.approx(90.0, abs=1.0)
    assert value("head_angle_deg", frame) == pytest.approx(math.degrees(math.atan2(10, 50)), abs=1.0)


BIRD_DOG_NEAR = dict(QUAD, elbow=(495, 250), wrist=(570, 250))          # near (left) arm forward
BIRD_DOG_FAR_LEG = {"knee": (120, 252), "ankle": (20, 255)}              # far (right) leg back
FAR_ARM_DOWN = {"elbow": (423, 325), "wrist": (423, 400)}
FAR_LEG_DOWN = {"knee": (223, 400), "ankle": (123, 400)}


@pytest.mark.parametrize("mirror", [False, True], ids=["facing_right", "facing_left"])
def test_bird_dog_with_opposite_arm_and_leg(mirror):
    near, far = BIRD_DOG_NEAR, {**FAR_ARM_DOWN, **BIRD_DOG_FAR_LEG}
    if mirror:
        near, far = mirror_x(near), mirror_x(far)
    frame = side_view(near, far=far)
    assert value("reach_arm_side", frame) == m.LEFT
    assert value("reach_leg_side", frame) == m.RIGHT
    assert value("opposite_limbs", frame) == 1.0
    assert value("reach_arm_raise_deg", frame) == pytest.approx(180.0, abs=1.5)
    assert value("reach_leg_extension_deg", frame) == pytest.approx(180.0, abs=3.0)
    assert value("reach_elbow_angle_deg", frame) == pytest.approx(180.0, abs=1.0)
    assert value("reach_knee_angle_deg", frame) > 175.0
    assert value("leg_height_ratio", frame) == pytest.approx(-2 / 200, abs=0.01)     # the knee, 2 px below
    assert value("pelvis_level_ratio", frame) == pytest.approx(0.0, abs=1e-6)


def test_bird_dog_leg_lifted_above_the_trunk_line_is_positive():
    frame = side_view(BIRD_DOG_NEAR, far={**FAR_ARM_DOWN, "knee": (125, 215), "ankle": (30, 180)})
    assert value("leg_height_ratio", frame) == pytest.approx(35 / 200, abs=0.01)      # the knee, 35 px above


def test_a_limb_lifted_above_the_trunk_line_reads_past_180_not_short_of_it():
    lifted = side_view(BIRD_DOG_NEAR, far={**FAR_ARM_DOWN, "knee": (125, 215), "ankle": (30, 180)})
    lowered = side_view(BIRD_DOG_NEAR, far={**FAR_ARM_DOWN, "knee": (125, 285), "ankle": (30, 320)})
    above = 180.0 + math.degrees(math.atan2(35, 97))        # far hip at (223, 250): 35 px up, 98 px back
    assert value("leg_extension_right_deg", lifted) == pytest.approx(above, abs=1.0)
    assert value("leg_extension_right_deg", lowered) == pytest.approx(360.0 - above, abs=1.0)
    assert value("reach_leg_side", lifted) == m.RIGHT


def test_a_bent_elbow_or_knee_does_not_shorten_the_reach():
    bent = side_view(dict(BIRD_DOG_NEAR, wrist=(540, 200)), far={**FAR_ARM_DOWN, **BIRD_DOG_FAR_LEG, "ankle": (60, 180)})
    assert value("reach_arm_raise_deg", bent) == pytest.approx(180.0, abs=1.5)      # upper arm in line
    assert value("reach_leg_extension_deg", bent) == pytest.approx(180.0, abs=3.0)  # thigh in line
    assert value("reach_elbow_angle_deg", bent) < 150.0 and value("reach_knee_angle_deg", bent) < 150.0


def test_reach_survives_a_hidden_far_shoulder_and_hip():
    far = {**FAR_ARM_DOWN, **BIRD_DOG_FAR_LEG}
    seen = side_view(BIRD_DOG_NEAR, far=far)
    hidden = side_view(BIRD_DOG_NEAR, far=far, visibility={L.RIGHT_SHOULDER: 0.3, L.RIGHT_HIP: 0.3})
    for name in ("reach_arm_raise_deg", "reach_leg_extension_deg", "arm_raise_right_deg", "leg_extension_right_deg"):
        assert value(name, hidden) == pytest.approx(value(name, seen), abs=3.0), name   # 3 px apart
    assert value("opposite_limbs", hidden) == 1.0


def test_bird_dog_with_same_side_arm_and_leg():
    frame = side_view(dict(BIRD_DOG_NEAR, **BIRD_DOG_FAR_LEG), far={**FAR_ARM_DOWN, **FAR_LEG_DOWN})  # both left
    assert value("reach_arm_side", frame) == m.LEFT
    assert value("reach_leg_side", frame) == m.LEFT
    assert value("opposite_limbs", frame) == 0.0


def test_hip_hiking_shows_in_pelvis_level_and_hip_drop():
    frame = side_view(BIRD_DOG_NEAR, far={**FAR_ARM_DOWN, **BIRD_DOG_FAR_LEG, "hip": (223, 235)})
    assert value("pelvis_level_ratio", frame) == pytest.approx(15 / 200, rel=0.02)
    assert value("hip_drop_ratio", frame) == pytest.approx(15 / 200, rel=0.02)          # + left (near) lower


def quad_with_back(bulge, mirror):
    parts = mirror_x(QUAD) if mirror else QUAD
    sh, hp = parts["shoulder"], parts["hip"]
    dorsal_sign = -1.0 if mirror else 1.0          # the clockwise perpendicular of shoulder->hip, made to point up
    mask = trunk_mask(sh, hp, dorsal_sign, arc_back(200, 150, 40, bulge))
    return side_view(parts, mask=mask)


@pytest.mark.parametrize("mirror", [False, True], ids=["facing_right", "facing_left"])
def test_back_curvature_is_positive_for_cat_and_negative_for_cow(mirror):
    assert value("back_curvature_ratio", quad_with_back(+1, mirror)) > 0.04
    assert value("back_curvature_ratio", quad_with_back(-1, mirror)) < -0.04
    assert math.isnan(value("back_curvature_ratio", side_view(QUAD)))                  # no mask


@pytest.mark.parametrize("turn_deg, sign", [(-25.0, +1), (30.0, -1)])
def test_head_angle_positive_when_raised_negative_when_dropped(turn_deg, sign):
    for parts in (QUAD, mirror_x(QUAD)):
        facing_right = parts["nose"][0] > parts["shoulder"][0]
        turned = with_moved(parts, ("ear", "nose"), parts["shoulder"], turn_deg if facing_right else -turn_deg)
        rest = value("head_angle_deg", side_view(parts))
        assert sign * (value("head_angle_deg", side_view(turned)) - rest) == pytest.approx(abs(turn_deg), abs=0.5)


def test_head_angle_is_unknown_when_the_trunk_is_upright():
    assert math.isnan(value("head_angle_deg", side_view(STAND)))


# --- side plank, front view ---------------------------------------------------------------------

def side_plank(hip_shift_px=0.0, head_left=True, shoulder_roll_px=0.0):
    """Lying on the left side facing the camera, left forearm on the floor; line slope 0.15."""
    pts = {
        L.LEFT_SHOULDER: (150, 300), L.RIGHT_SHOULDER: (150 + shoulder_roll_px, 240),
        L.LEFT_ELBOW: (150, 360), L.RIGHT_ELBOW: (250, 250), L.LEFT_WRIST: (60, 365), L.RIGHT_WRIST: (330, 280),
        L.LEFT_HIP: (350, 325 + hip_shift_px), L.RIGHT_HIP: (350, 275 + hip_shift_px),
        L.LEFT_ANKLE: (550, 340), L.RIGHT_ANKLE: (550, 320),
    }
    if not head_left:
        pts = {lm: (IMAGE_SIZE[0] - x, y) for lm, (x, y) in pts.items()}
    return pose_frame(pts)


@pytest.mark.parametrize("head_left", [True, False])
def test_side_plank_in_line(head_left):
    frame = side_plank(head_left=head_left)
    assert value("body_line_deg", frame) == pytest.approx(180.0)
    assert value("hip_offset_ratio", frame) == pytest.approx(0.0, abs=1e-9)
    assert value("support_side", frame) == m.LEFT
    assert value("upper_arm_vertical_deg", frame) == pytest.approx(0.0)
    assert value("stack_roll_deg", frame.with_landmarks(measured_3d=True)) == pytest.approx(0.0)


def test_support_side_reads_a_hidden_top_elbow_where_the_model_places_it():
    frame = side_plank().with_landmarks(visibility=np.where(np.arange(33) == L.RIGHT_ELBOW, 0.1, 1.0))
    assert value("support_side", frame) == m.LEFT
    assert value("upper_arm_vertical_deg", frame) == pytest.approx(0.0)


@pytest.mark.parametrize("head_left", [True, False])
@pytest.mark.parametrize("shift_px, sign", [(20.0, +1), (-20.0, -1)], ids=["sag", "pike"])
def test_hip_offset_is_positive_for_sagging_and_negative_for_piking(head_left, shift_px, sign):
    frame = side_plank(hip_shift_px=shift_px, head_left=head_left)
    line_length = math.hypot(400, 60)
    assert value("hip_offset_ratio", frame) == pytest.approx(sign * 20 * 400 / line_length / line_length, rel=1e-6)
    assert value("body_line_deg", frame) < 176.0


def test_rolling_tips_the_stacked_shoulders_and_hips_out_of_the_vertical_in_3d():
    stacked, twisted = (f.with_landmarks(measured_3d=True) for f in (side_plank(), side_plank(shoulder_roll_px=40.0)))
    assert value("stack_roll_deg", stacked) == pytest.approx(0.0, abs=1e-6)
    assert value("stack_roll_deg", twisted) == pytest.approx(0.0, abs=1e-6)    # tilted in the image: no roll
    # Rolled 30 degrees toward the camera: the top shoulder (60 px above the bottom one) and the
    # top hip (50 px above) come nearer by tan(30) of that.
    nearer = {L.RIGHT_SHOULDER: -60 * math.tan(math.radians(30)), L.RIGHT_HIP: -50 * math.tan(math.radians(30))}
    rolled = stacked.with_landmarks(z_px=np.array([nearer.get(L(i), 0.0) for i in range(33)]))
    assert value("stack_roll_deg", rolled) == pytest.approx(30.0, abs=0.5)
    assert math.isnan(value("stack_roll_deg", rolled.with_landmarks(measured_3d=False)))


def side_plank_head(drop_deg, head_left=True, ear_visibility=None):
    """side_plank() with the ears in line with the trunk (stacked, 30 px apart), the head then
    bent `drop_deg` about the shoulder-mid toward the floor (image down)."""
    shoulder_mid, hip_mid = np.array([150.0, 270.0]), np.array([350.0, 300.0])
    ear_mid = shoulder_mid + 0.3 * (shoulder_mid - hip_mid)
    ears = {L.LEFT_EAR: tuple(ear_mid + (0, 15)), L.RIGHT_EAR: tuple(ear_mid - (0, 15))}   # left side down
    # The head points to image left: turning it toward image down is counter-clockwise on screen.
    ears = rotate(ears, tuple(shoulder_mid), -drop_deg)
    frame = side_plank()
    xy = frame.xy_px.copy()
    visibility = frame.visibility.copy()
    for lm, point in ears.items():
        xy[lm] = point
        visibility[lm] = (ear_visibility or {}).get(lm, 0.99)
    if not head_left:
        xy[:, 0] = IMAGE_SIZE[0] - xy[:, 0]
    return frame.with_landmarks(xy_px=xy, visibility=visibility)


@pytest.mark.parametrize("head_left", [True, False])
@pytest.mark.parametrize("drop_deg", [0.0, 20.0, -15.0])
def test_head_drop_is_positive_toward_the_floor_whichever_way_the_head_points(head_left, drop_deg):
    frame = side_plank_head(drop_deg, head_left=head_left)
    assert value("head_drop_deg", frame) == pytest.approx(drop_deg, abs=1e-3)


def test_head_drop_needs_both_ears_where_the_side_view_head_angle_takes_one():
    # A lone ear sits half a head's width off the body's axis: in a front view it would read as tilt.
    frame = side_plank_head(0.0, ear_visibility={L.LEFT_EAR: 0.2})
    assert math.isnan(value("head_drop_deg", frame))
    assert abs(value("head_angle_deg", frame)) > 10.0


# --- visibility -------------------------------------------------------------------------------------

def test_low_visibility_makes_a_metric_unknown():
    frame = side_view(STAND, visibility={L.LEFT_KNEE: 0.3, L.RIGHT_KNEE: 0.4})
    assert math.isnan(value("knee_angle_near_deg", frame))
    assert math.isnan(value("hip_angle_near_deg", frame))
    assert value("trunk_incline_deg", frame) == pytest.approx(0.0, abs=1e-6)


BENT_FAR_KNEE = {"knee": (340, 355)}


def test_near_side_is_the_better_visible_one():
    frame = side_view(STAND, far=BENT_FAR_KNEE, far_visibility=0.7)          # left near and straight
    assert value("knee_angle_near_deg", frame) == pytest.approx(180.0)


def test_near_side_falls_back_to_the_other_side_when_a_needed_landmark_is_hidden():
    frame = side_view(STAND, far=BENT_FAR_KNEE, far_visibility=0.7, visibility={L.LEFT_ANKLE: 0.2})
    assert value("knee_angle_near_deg", frame) < 160.0


def test_near_side_is_decided_by_depth_when_visibilities_tie():
    frame = side_view(STAND, far=BENT_FAR_KNEE, far_visibility=0.98)         # far side deeper (larger z)
    assert value("knee_angle_near_deg", frame) == pytest.approx(180.0)
    z = frame.z_px.copy()
    z[[L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]] = 50.0                          # now the left side is deeper
    assert value("knee_angle_near_deg", frame.with_landmarks(z_px=z)) < 160.0


def test_side_view_trunk_survives_a_hidden_far_side_but_front_view_metrics_do_not():
    frame = side_view(STAND, far_visibility=0.2)
    assert value("trunk_incline_deg", frame) == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(value("body_line_deg", frame))
    assert math.isnan(value("view_ratio", frame))


def test_a_hidden_far_limb_is_read_where_the_model_places_it():
    # On all fours the far arm hangs behind the near one: hidden (visibility 0.1), still resting.
    frame = side_view(BIRD_DOG_NEAR, far={**FAR_ARM_DOWN, **BIRD_DOG_FAR_LEG}, visibility={L.RIGHT_ELBOW: 0.1})
    assert value("reach_arm_side", frame) == m.LEFT
    assert value("reach_arm_raise_deg", frame) == pytest.approx(value("arm_raise_left_deg", frame))
    assert value("arm_raise_right_deg", frame) < 110.0
    assert value("reach_leg_side", frame) == m.RIGHT


def test_a_limb_outside_the_image_makes_reach_metrics_unknown():
    frame = side_view(BIRD_DOG_NEAR, far={**FAR_ARM_DOWN, **BIRD_DOG_FAR_LEG, "elbow": (423, 900)})
    assert math.isnan(value("reach_arm_side", frame))
    assert math.isnan(value("reach_arm_raise_deg", frame))
    assert math.isnan(value("reach_elbow_angle_deg", frame))
    assert value("reach_leg_side", frame) == m.RIGHT


def test_metrics_needing_3d_are_unknown_on_a_webcam_frame_and_measured_on_a_3d_one():
    level = side_view(QUAD)                          # far hip 40 px deeper, 3 px aside, same height
    hiked = side_view(QUAD, far={"hip": (QUAD["hip"][0] + 3, QUAD["hip"][1] - 40)})   # far (right) hip 40 px up
    assert math.isnan(value("pelvis_tilt_deg", hiked))
    assert value("pelvis_tilt_deg", level.with_landmarks(measured_3d=True)) == pytest.approx(0.0, abs=1e-9)
    # + left hip lower: the right one is 40 px higher, 40 px deeper and 3 px aside.
    assert value("pelvis_tilt_deg", hiked.with_landmarks(measured_3d=True)) == pytest.approx(
        math.degrees(math.atan2(40, math.hypot(3, 40))))
    assert m.METRICS["pelvis_tilt_deg"].needs_3d and m.METRICS["stack_roll_deg"].needs_3d


def test_trunk_incline_follows_a_hinge_through_its_range_without_warnings():
    for angle in np.linspace(-20, 100, 13):
        frame = side_view(with_moved(STAND, UPPER_BODY, STAND["hip"], float(angle)))
        assert value("trunk_incline_deg", frame) == pytest.approx(abs(angle), abs=1e-4)
        m.compute(frame, sorted(CONTRACT_NAMES))
