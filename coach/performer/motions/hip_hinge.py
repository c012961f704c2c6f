"""Hip hinge: standing, side view, feet fixed on the floor, trunk tilting forward from the hips."""

from __future__ import annotations

import math

import numpy as np

from coach.performer.geometry import EYE3, lerp, rot_z
from coach.performer.motions.base import Drive, Motion, RepContext, fault_targets, move
from coach.performer.skeleton import Posed, SkeletonPose
from coach.performer.timeline import PhaseSpec

# Clean bottom position at full range: long back, soft knees, hips pushed back.
INCLINE_DEG = 60.0          # hip-mid -> shoulder-mid from vertical
KNEE_FLEX_DEG = 20.0        # knee angle 160
SHANK_TILT_DEG = 5.0        # knees slightly ahead of the ankles
# squatting: knees bend much more, the trunk tilts less.
SQUAT_INCLINE_DEG, SQUAT_KNEE_FLEX_DEG, SQUAT_SHANK_TILT_DEG = 45.0, 70.0, 28.0
SHALLOW_INCLINE_DEG = 25.0  # too_shallow: the hinge stops here
ROUNDED_SPINE_DEG = (30.0, 28.0, 22.0)   # rounded_back: lumbar, lower and upper thoracic flexion
LEAN_BACK_DEG = -14.0       # leaning_back: trunk behind vertical at the top
LEAN_S = (0.7, 0.6, 0.7)    # leaning_back: lean, stay, come back
# neck_not_neutral: the head cranked up (neck and head extended) to keep looking ahead as the
# trunk tips forward, the common form of the fault (a mirror or a screen in front).
NECK_CRANK_DEG, HEAD_CRANK_DEG = 25.0, 10.0


class HipHinge(Motion):
    name = "hip_hinge"
    sided = False
    posture_faults = frozenset({"leaning_back"})
    hold_is_pause = True

    def rep_phases(self, ctx: RepContext) -> list[PhaseSpec]:
        phases = [move(ctx.tempo_s, p=1.0), PhaseSpec("pause", ctx.hold_s), move(ctx.tempo_s, p=0.0)]
        if "leaning_back" in ctx.codes:   # overshoot into extension on the way up
            lean = fault_targets(frozenset({"leaning_back"}), 1.0)
            back = fault_targets(frozenset({"leaning_back"}), 0.0)
            phases += [PhaseSpec("move", LEAN_S[0], lean), PhaseSpec("pause", LEAN_S[1]),
                       PhaseSpec("move", LEAN_S[2], back)]
        return phases

    def pose(self, d: Drive) -> Posed:
        incline, knee, shank, spine = self._angles(d)
        crank = d.p * d.w("neck_not_neutral")       # extension: rot_z(+deg), see rot_z
        local = {"lumbar": rot_z(-spine[0]), "thor_low": rot_z(-spine[1]), "thor_up": rot_z(-spine[2]),
                 "neck": rot_z(NECK_CRANK_DEG * crank), "head": rot_z(HEAD_CRANK_DEG * crank)}
        # Pitch the pelvis so the hip -> shoulder line has the wanted incline, whatever the spine shape.
        trunk = self.sk.forward(SkeletonPose(np.zeros(3), EYE3, local))
        gamma = _line_incline_deg(trunk)
        world = {}
        for s in ("l", "r"):
            world |= {f"thigh_{s}": rot_z(knee - shank), f"shank_{s}": rot_z(-shank), f"foot_{s}": EYE3,
                      f"upper_arm_{s}": EYE3, f"forearm_{s}": EYE3, f"hand_{s}": EYE3}
        posed = self.sk.forward(SkeletonPose(np.zeros(3), rot_z(-(incline - gamma)), local, world))
        ankles = (posed.point("ankle_l") + posed.point("ankle_r")) / 2.0
        feet_at = np.array([0.0, self.h(0.039), 0.0])   # ankles stay over the same spot
        return posed.transformed(EYE3, feet_at - ankles)

    def _angles(self, d: Drive) -> tuple[float, float, float, tuple[float, float, float]]:
        """Trunk incline, knee flexion, shank tilt and spine flexions (degrees) at this instant."""
        squat = d.w("squatting")
        incline_full = lerp(INCLINE_DEG * d.rom, SQUAT_INCLINE_DEG, squat)
        knee_full = lerp(KNEE_FLEX_DEG * d.rom, SQUAT_KNEE_FLEX_DEG, squat)
        shank_full = lerp(SHANK_TILT_DEG * d.rom, SQUAT_SHANK_TILT_DEG, squat)
        # too_shallow stops the whole movement early, knees included.
        depth = d.p * lerp(1.0, min(1.0, SHALLOW_INCLINE_DEG / incline_full), d.w("too_shallow"))
        incline = incline_full * depth + LEAN_BACK_DEG * d.w("leaning_back")
        lumbar, low, up = (f * d.p * d.w("rounded_back") for f in ROUNDED_SPINE_DEG)
        return incline, knee_full * depth, shank_full * depth, (lumbar, low, up)


def _line_incline_deg(posed: Posed) -> float:
    """Hip-mid -> shoulder-mid from vertical, + forward (x), in the scene's x-y plane."""
    v = (posed.point("shoulder_l") + posed.point("shoulder_r")) / 2.0 - posed.point("hip_mid")
    return math.degrees(math.atan2(v[0], v[1]))

