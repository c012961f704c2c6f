"""Bird dog: from hands and knees, reach one arm forward and the opposite leg back, hold, return.

A rep's side is the side of the reaching arm (the leg is the opposite one when done well).
"""

from __future__ import annotations

from coach.landmarks import Side
from coach.performer.motions.base import Drive, Motion, RepContext, move
from coach.performer.motions.quadruped import Limb, QuadPosture, quadruped
from coach.performer.skeleton import Posed
from coach.performer.timeline import PhaseSpec

# leg_too_high: thigh raised this far above the trunk line (knee ~0.3 torso lengths above it),
# the lumbar arching a therapist corrects.
LEG_TOO_HIGH_DEG = 20.0
HIPS_ROLL_DEG = 18.0                     # hips_rotating: the reaching leg's hip hikes / rolls open
SAG_SPINE_DEG = (-20.0, -12.0, -4.0)     # trunk_sagging: lumbar sinks (extension) ...
SAG_ELBOW_DEG = 40.0                     # ... and the shoulders sink between bent support arms
# bent_limb: reaching elbow and knee flexion, upper arm and thigh still in line with the trunk
# (knee flexion lifts the foot toward the ceiling).
BENT_LIMB_DEG = 45.0


class BirdDog(Motion):
    name = "bird_dog"
    sided = True
    holds_labelled = True

    def rep_phases(self, ctx: RepContext) -> list[PhaseSpec]:
        return [move(ctx.tempo_s, p=1.0), PhaseSpec("hold", ctx.hold_s), move(ctx.tempo_s, p=0.0)]

    def pose(self, d: Drive) -> Posed:
        return quadruped(self.body, self.posture(d))

    def posture(self, d: Drive) -> QuadPosture:
        arm_side = d.side if d.side is not Side.BOTH else Side.LEFT
        p = d.p * d.rom
        same = d.w("same_side_limbs")
        leg_reach = {arm_side.opposite: p * (1.0 - same), arm_side: p * same}
        leg_side = max(leg_reach, key=lambda s: leg_reach[s])
        lift = LEG_TOO_HIGH_DEG * d.p * d.w("leg_too_high")
        bent = BENT_LIMB_DEG * d.p * d.w("bent_limb")
        sag = d.p * d.w("trunk_sagging")
        roll = HIPS_ROLL_DEG * d.p * d.w("hips_rotating") * (1.0 if leg_side is Side.RIGHT else -1.0)
        arms = {arm_side: Limb(reach=p, bend_deg=bent),
                arm_side.opposite: Limb(bend_deg=SAG_ELBOW_DEG * sag)}
        legs = {s: Limb(reach=r, lift_deg=lift if s is leg_side else 0.0,
                        bend_deg=bent if s is leg_side else 0.0) for s, r in leg_reach.items()}
        spine = (SAG_SPINE_DEG[0] * sag, SAG_SPINE_DEG[1] * sag, SAG_SPINE_DEG[2] * sag)
        return QuadPosture(spine_flex_deg=spine, pelvis_roll_deg=roll, arms=arms, legs=legs)
