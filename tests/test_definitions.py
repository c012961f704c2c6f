"""Loading and validating exercise definitions: shipped files load; each mistake is named with its fix."""

import copy
from pathlib import Path

import pytest

from coach.conditions import AllOf, Threshold
from coach.definitions import (load_all, load_definition, load_overrides, parse_definition, poses_dir,
                               with_prescription)
from coach.errors import DefinitionError
from coach.landmarks import Landmark, Side
from metric_fakes import CONTRACT_METRICS, fake_registry

REGISTRY = fake_registry()
PATH = Path("poses/test_hinge.toml")
SHIPPED = ("hip_hinge", "bird_dog", "side_plank", "cat_cow", "glute_bridge")
CONTRACT_FAULTS = {
    "hip_hinge": {"squatting", "rounded_back", "too_shallow", "leaning_back", "rushing", "neck_not_neutral"},
    "bird_dog": {"same_side_limbs", "leg_too_high", "hips_rotating", "trunk_sagging", "bent_limb",
                 "hold_too_short", "rushing"},
    "side_plank": {"hips_sagging", "piking", "elbow_not_under_shoulder", "rolling", "head_dropping"},
    "cat_cow": {"small_range_cat", "small_range_cow", "head_only", "bent_arms", "hips_back", "rushing"},
    "glute_bridge": {"too_low", "hips_dropping_side"},
}
BASE = {
    "title": "Test hinge", "view": "side",
    "setup": {"landmarks": ["left_heel"]},
    "prescription": {"reps": 10, "sides": ["both"], "targets": {"depth_deg": 45}},
    "phase": [
        {"name": "top", "enter": {"metric": "trunk_incline_deg", "below": 15, "for_s": 0.2},
         "leave": {"metric": "trunk_incline_deg", "above": 20}},
        {"name": "bottom", "enter": {"metric": "trunk_incline_deg", "above": 30, "for_s": 0.2},
         "leave": {"metric": "trunk_incline_deg", "below": 25}},
    ],
    "rep": {"metric": "trunk_incline_deg", "sequences": [["top", "bottom", "top"]]},
    "fault": [{"code": "squatting", "phases": ["bottom"], "priority": 1, "cue": "Push your hips back.",
               "when": {"metric": "knee_angle_near_deg", "below": 140, "for_s": 0.3},
               "clear": {"metric": "knee_angle_near_deg", "above": 150}}],
    "rep_check": [{"code": "too_shallow", "stat": "max", "metric": "trunk_incline_deg", "below": "depth_deg",
                   "priority": 2, "cue": "Hinge a little further."}],
    "cues": {"count": "{number}"},
}
DELETE = object()


def patched(**changes):
    """BASE with changes at dotted paths (list items by index), e.g. fault__0__cue="" -> fault[0].cue."""
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = [int(k) if k.isdigit() else k for k in dotted.split("__")]
        node = data
        for key in parents:
            node = node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


def rejected(data) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse_definition(data, PATH, REGISTRY)
    return info.value


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_definition_loads_against_the_contract_metrics(name):
    d = load_definition(poses_dir() / f"{name}.toml", REGISTRY)
    assert d.name == name and d.title
    assert set(d.metrics) <= set(CONTRACT_METRICS)
    assert {c.code for c in (*d.faults, *d.rep_checks)} == CONTRACT_FAULTS[name]


def test_every_shipped_file_is_found():
    assert set(load_all(registry=REGISTRY)) == set(SHIPPED)


def test_valid_definition_resolves_targets_landmarks_and_units():
    d = parse_definition(BASE, PATH, REGISTRY)
    assert d.rep_checks[0].threshold == Threshold("max:trunk_incline_deg", "below", 45.0)
    assert Landmark.LEFT_HEEL in d.required_landmarks and Landmark.LEFT_KNEE in d.required_landmarks
    assert d.units["trunk_incline_deg"] == "deg"
    assert d.side.fixed is Side.BOTH and d.phase_metrics == ("trunk_incline_deg",)


def test_band_and_any_conditions_are_parsed():
    d = parse_definition(patched(phase__0__enter={"metric": "trunk_incline_deg", "above": -5, "below": 15}), PATH, REGISTRY)
    assert d.phases[0].enter.condition == AllOf((Threshold("trunk_incline_deg", "above", -5.0),
                                                 Threshold("trunk_incline_deg", "below", 15.0)))


def test_condition_on_the_change_since_the_rep_began_is_parsed_and_checked_for_hysteresis():
    change = {"metric": "knee_angle_near_deg", "relative_to": "rep_start"}
    when = {**change, "below": -30, "for_s": 0.3}
    d = parse_definition(patched(fault__0__when=when, fault__0__clear={**change, "above": -20}), PATH, REGISTRY)
    assert d.faults[0].when.condition == Threshold("knee_angle_near_deg", "below", -30.0, "rep_start")
    assert d.faults[0].when.metrics == ("knee_angle_near_deg",)
    e = rejected(patched(fault__0__when=when, fault__0__clear={**change, "above": -40}))
    assert "the change of knee_angle_near_deg since the rep began" in e.problem and "no hysteresis" in e.problem


def test_rep_check_band_is_parsed():
    d = parse_definition(patched(rep_check__0__above=10), PATH, REGISTRY)
    assert d.rep_checks[0].threshold == AllOf((Threshold("max:trunk_incline_deg", "above", 10.0),
                                               Threshold("max:trunk_incline_deg", "below", 45.0)))


def test_definition_with_unknown_metric_is_rejected_with_a_suggestion():
    e = rejected(patched(fault__0__when__metric="knee_angel_near_deg"))
    assert e.path == PATH and e.field == "fault[squatting].when.metric"
    assert '"knee_angel_near_deg" is not a known metric' in e.problem
    assert 'Did you mean "knee_angle_near_deg"?' in e.hint
    assert str(e).startswith('poses/test_hinge.toml, field "fault[squatting].when.metric":')


@pytest.mark.parametrize("changes, field, hint", [
    ({"titel": "x"}, "titel", 'Did you mean "title"?'),
    ({"fault__0__cues": "x"}, "fault[squatting].cues", 'Did you mean "cue"?'),
    ({"phase__0__enter__for_s": 0.2, "phase__0__enter": {"all": [{"metric": "trunk_incline_deg", "below": 15, "for_s": 1}]}},
     "phase[top].enter.all[0].for_s", "for_s goes only at the top"),
])
def test_unknown_key_is_rejected(changes, field, hint):
    e = rejected(patched(**changes))
    assert e.field == field and "is not a known key" in e.problem and hint in e.hint


@pytest.mark.parametrize("changes, field, wanted", [
    ({"prescription__reps": "10"}, "prescription.reps", "should be a whole number, not text"),
    ({"prescription__reps": 2.5}, "prescription.reps", "should be a whole number"),
    ({"phase__0__enter__for_s": True}, "phase[top].enter.for_s", "should be a number, not true/false"),
    ({"phase": {"name": "top"}}, "phase", "should be a list"),
    ({"fault__0__phases": "bottom"}, "fault[squatting].phases", "should be a list"),
])
def test_wrong_type_is_rejected(changes, field, wanted):
    e = rejected(patched(**changes))
    assert e.field == field and wanted in e.problem and e.hint


@pytest.mark.parametrize("leave, problem", [
    ({"metric": "trunk_incline_deg", "below": 30}, "no hysteresis"),       # same value as enter
    ({"metric": "trunk_incline_deg", "below": 35}, "no hysteresis"),       # overlaps enter
    ({"metric": "trunk_incline_deg", "above": 50}, "never leave in the other direction"),
])
def test_leave_threshold_without_hysteresis_is_rejected(leave, problem):
    e = rejected(patched(phase__1__leave=leave))
    assert e.field == "phase[bottom].leave" and problem in e.problem
    assert "below = 27" in e.hint


def test_fault_clear_without_hysteresis_is_rejected():
    e = rejected(patched(fault__0__clear={"metric": "knee_angle_near_deg", "above": 140}))
    assert e.field == "fault[squatting].clear" and "no hysteresis" in e.problem and "above = 154" in e.hint


def test_duplicate_codes_are_rejected():
    e = rejected(patched(rep_check__0__code="squatting"))
    assert e.field == "fault[squatting].code" and "used twice" in e.problem and "its own code" in e.hint


def test_duplicate_phase_names_are_rejected():
    e = rejected(patched(phase__1__name="top"))
    assert e.field == "phase[top].name" and "used twice" in e.problem


@pytest.mark.parametrize("sequences, problem, hint", [
    ([["top", "botom", "top"]], '"botom" is not a phase', 'Did you mean "bottom"?'),
    ([["top", "between", "top"]], "only works in a fault", "Phases: bottom, top."),
    ([["top", "top", "bottom"]], "same phase twice in a row", "list it once"),
    ([["top"]], "at least two phases", '["top", "bottom", "top"]'),
])
def test_rep_sequence_with_unknown_or_impossible_phases_is_rejected(sequences, problem, hint):
    e = rejected(patched(rep__sequences=sequences))
    assert e.field == "rep.sequences[0]" and problem in e.problem and hint in e.hint


def test_fault_in_unknown_phase_is_rejected():
    e = rejected(patched(fault__0__phases=["botom"]))
    assert e.field == "fault[squatting].phases" and 'Did you mean "bottom"?' in e.hint


@pytest.mark.parametrize("changes, field", [
    ({"fault__0__cue": "  "}, "fault[squatting].cue"),
    ({"cues__praise": ""}, "cues.praise"),
    ({"cues": {"setup": {"out_of_frame": ""}}}, "cues.setup.out_of_frame"),
])
def test_empty_cue_text_is_rejected(changes, field):
    e = rejected(patched(**changes))
    assert e.field == field and "is empty" in e.problem and "Write the words" in e.hint


def test_unknown_placeholder_in_a_cue_template_is_rejected():
    e = rejected(patched(cues__count="{count} done"))
    assert e.field == "cues.count" and "{count}" in e.problem and "{number}, {side}" in e.hint


def test_unknown_target_is_rejected_with_a_suggestion():
    e = rejected(patched(rep_check__0__below="depth_dg"))
    assert e.field == "rep_check[too_shallow].below" and 'Did you mean "depth_deg"?' in e.hint


@pytest.mark.parametrize("changes, field, text", [
    ({"view": "sideways"}, "view", 'Allowed: side, front.'),
    ({"prescription__hold_s": 5}, "prescription.hold_s", "Add [hold]"),
    ({"prescription__sides": ["left", "right"]}, "prescription.sides", "Add [side]"),
    ({"side": {"metric": "reach_arm_side"}}, "prescription.sides", '["left", "right"]'),
    ({"rep": {"metric": "trunk_incline_deg"}}, "rep.sequences", "README"),
    ({"rep_check__0__metric": DELETE}, "rep_check[too_shallow].metric", "Add metric"),
    ({"phase__0__enter": {"metric": "trunk_incline_deg", "above": 15, "below": 5}}, "phase[top].enter", "smaller"),
    ({"setup__landmarks": ["left_heal"]}, "setup.landmarks[0]", 'Did you mean "left_heel"?'),
    ({"cue_policy": {"min_gap": 2}}, "cue_policy.min_gap", 'Did you mean "min_gap_s"?'),
    ({"fault__0__when__relative_to": "start"}, "fault[squatting].when.relative_to", "Allowed: rep_start."),
    ({"rep_check__0__above": 50}, "rep_check[too_shallow]", '"above" must be smaller than "below"'),
    ({"phase__0__leave__relative_to": "rep_start"}, "phase[top].leave", "where the rest value it compares with"),
    ({"rep_check": [{"code": "short", "stat": "hold_total_ratio", "below": 0.8, "priority": 1, "cue": "Longer."}]},
     "rep_check[short].stat", "Add [hold]"),
])
def test_other_mistakes_name_their_field_and_fix(changes, field, text):
    e = rejected(patched(**changes))
    assert e.field == field and text in str(e)


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('title = "x\n')
    with pytest.raises(DefinitionError) as info:
        load_definition(path, REGISTRY)
    assert info.value.path == path and "not valid TOML" in info.value.problem and "line" in info.value.problem


# -- patient overrides


def test_prescription_override_changes_reps_and_targets_without_touching_the_file():
    d = parse_definition(BASE, PATH, REGISTRY)
    patient = with_prescription(d, {"reps": 6, "targets": {"depth_deg": 35}}, REGISTRY)
    assert patient.prescription.reps == 6 and patient.rep_checks[0].threshold.value == 35.0
    assert d.prescription.reps == 10 and d.rep_checks[0].threshold.value == 45.0


def test_patient_file_overrides_shipped_definitions(tmp_path):
    path = tmp_path / "patient.toml"
    path.write_text("[hip_hinge]\nreps = 5\ntargets = { depth_deg = 30 }\n[side_plank]\nhold_s = 12\n")
    defs = load_all(registry=REGISTRY, overrides=load_overrides(path), overrides_source=path)
    assert defs["hip_hinge"].prescription.reps == 5
    assert defs["hip_hinge"].prescription.targets["depth_deg"] == 30
    assert defs["side_plank"].prescription.hold_s == 12
    assert defs["bird_dog"].prescription.reps == 8


@pytest.mark.parametrize("overrides, field, hint", [
    ({"hip_hinge": {"repz": 5}}, "hip_hinge.repz", 'Did you mean "reps"?'),
    ({"hip_hinge": {"targets": {"depth": 30}}}, "hip_hinge.targets.depth", 'Did you mean "depth_deg"?'),
    ({"hip_hing": {"reps": 5}}, "hip_hing", 'Did you mean "hip_hinge"?'),
])
def test_mistake_in_a_patient_file_names_the_patient_file(overrides, field, hint):
    source = Path("patients/jane.toml")
    with pytest.raises(DefinitionError) as info:
        load_all(registry=REGISTRY, overrides=overrides, overrides_source=source)
    assert info.value.path == source and info.value.field == field and hint in info.value.hint


def test_bad_override_value_is_rejected_like_the_file_itself():
    d = parse_definition(BASE, PATH, REGISTRY)
    with pytest.raises(DefinitionError) as info:
        with_prescription(d, {"reps": 0}, REGISTRY)
    assert info.value.field == "prescription.reps" and "at least 1" in info.value.problem
