"""Cat-cow: on hands and knees, round the whole back up with the head down (cat), then let
the belly sink and lift the chest and head (cow). One cycle: cat and cow, back to neutral.
"""

from __future__ import annotations

from coach.performer.geometry import lerp
from coach.performer.motions.base import Drive, Motion, RepContext, fault_targets, move
from coach.performer.motions.quadruped import Limb, QuadPosture, SIDES, quadruped
from coach.performer.skeleton import Posed
from coach.performer.timeline import PhaseSpec

# Full range, spread along the spine (lumbar, lower thoracic, upper thoracic), and the head.
CAT_SPINE_DEG = (28.0, 24.0, 16.0)
COW_SPINE_DEG = (-28.0, -18.0, -10.0)
CAT_NECK_DEG, CAT_HEAD_DEG = 25.0, 10.0      # head drops
COW_NECK_DEG, COW_HEAD_DEG = -25.0, -10.0    # head lifts
SMALL_RANGE_RATIO = 0.35     # small_range_cat / _cow: this fraction of the full range
HEAD_ONLY_GAIN = 1.6         # head_only: the spine stays, the head makes up the range
BENT_ARMS_DEG = 40.0         # bent_arms: elbow flexion through the cycle
HIPS_BACK_DEG = 30.0         # hips_back: thighs lean back toward the heels


class CatCow(Motion):
    name = "cat_cow"
    sided = False
    posture_faults = frozenset({"bent_arms", "hips_back"})
    hold_is_pause = True

    def rep_phases(self, ctx: RepContext) -> list[PhaseSpec]:
        first = 1.0 if self.script.cat_first else -1.0
        on = fault_targets(self.posture_faults, 1.0)   # sustained faults last the whole cycle
        off = fault_targets(self.posture_faults, 0.0)
        return [PhaseSpec("move", ctx.tempo_s, {"p": first, **on}), PhaseSpec("pause", ctx.hold_s),
                move(2.0 * ctx.tempo_s, p=-first), PhaseSpec("pause", ctx.hold_s),
                PhaseSpec("move", ctx.tempo_s, {"p": 0.0, **off})]

    def pose(self, d: Drive) -> Posed:
        return quadruped(self.body, self.posture(d))

    def posture(self, d: Drive) -> QuadPosture:
        cat = max(d.p, 0.0) * d.rom * lerp(1.0, SMALL_RANGE_RATIO, d.w("small_range_cat"))
        cow = max(-d.p, 0.0) * d.rom * lerp(1.0, SMALL_RANGE_RATIO, d.w("small_range_cow"))
        spine_gain = 1.0 - d.w("head_only")
        head_gain = lerp(1.0, HEAD_ONLY_GAIN, d.w("head_only"))
        lumbar, low, up = (spine_gain * (c * cat + w * cow) for c, w in zip(CAT_SPINE_DEG, COW_SPINE_DEG))
        bend = BENT_ARMS_DEG * d.w("bent_arms")
        return QuadPosture(
            spine_flex_deg=(lumbar, low, up),
            neck_flex_deg=head_gain * (CAT_NECK_DEG * cat + COW_NECK_DEG * cow),
            head_flex_deg=head_gain * (CAT_HEAD_DEG * cat + COW_HEAD_DEG * cow),
            hips_back_deg=HIPS_BACK_DEG * d.w("hips_back"),
            arms={s: Limb(bend_deg=bend) for s in SIDES},
        )
