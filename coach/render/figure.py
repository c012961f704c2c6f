"""The rendered body: the performer's capsules dressed, plus a head with a face, per frame.

The trunk and limbs are the performer's own capsules (`Performance.capsules_at`), so the
picture and the ground-truth landmarks come from one body. The performer's ball head is
replaced by a cranium and a jaw (ellipsoids) with a nose, ears and eyeballs placed on its
face landmarks; the feet get an instep, the hands a thumb. Every primitive is returned in
camera coordinates (x right, y down, z forward, metres), ready for ray casting.

Materials are indices into `MATERIAL_NAMES`; a capsule may change material part way along
its axis (a sleeve's hem, shorts), at `split_t` (0 at end a, 1 at end b).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coach.performer import Camera, Performance
from coach.render.style import Style

FloatArray = npt.NDArray[np.float64]

MATERIAL_NAMES = ("skin", "hair", "shirt", "trousers", "shoes", "lips", "iris", "eye_white")
SKIN, HAIR, SHIRT, TROUSERS, SHOES, LIPS, IRIS, EYE_WHITE = range(len(MATERIAL_NAMES))
NO_SPLIT = 2.0                   # split_t beyond the capsule: one material along its length

# Head parts in the head segment's frame (x forward, y up, z right), fractions of body height.
# The performer's face landmarks (eyes at x 0.062, y 0.046; nose tip 0.080, 0.026; ears at
# z +-0.045; mouth at y 0.006) sit on these surfaces.
CRANIUM = ((0.008, 0.052, 0.0), (0.056, 0.058, 0.046))            # centre, semi-axes
JAW = ((0.030, 0.018, 0.0), (0.040, 0.036, 0.037))
EAR_CENTRE, EAR_AXES = (-0.002, 0.040, 0.044), (0.013, 0.019, 0.007)
EYE_CENTRE, EYE_RADIUS = (0.055, 0.046, 0.018), 0.0072
NOSE = ((0.058, 0.040, 0.0), (0.0735, 0.027, 0.0), 0.0060, 0.0065)  # a, b, radius a, radius b

# Extra capsules: (segment, point a, point b, radius a, radius b, material) in the segment's
# frame, fractions of height. The instep joins the ankle to the forefoot; the thumb the hand.
_EXTRA_CAPSULES = tuple(
    item for side in ("l", "r") for item in (
        (f"foot_{side}", (0.0, -0.004, 0.0), (0.070, -0.022, 0.0), 0.021, 0.019, SHOES),
        (f"hand_{side}", (0.008, -0.012, 0.0), (0.024, -0.034, 0.0), 0.0075, 0.0065, SKIN),
    ))


@dataclass(frozen=True, slots=True)
class Figure:
    """One frame's primitives in camera coordinates. Ids: capsules 0..C-1, then ellipsoids."""

    cap_a: FloatArray            # (C, 3) end a
    cap_b: FloatArray            # (C, 3) end b
    cap_ra: FloatArray           # (C,) radius at a
    cap_rb: FloatArray           # (C,) radius at b
    cap_material: npt.NDArray[np.intp]        # (C,)
    cap_split_t: FloatArray                   # (C,) where material_after starts
    cap_material_after: npt.NDArray[np.intp]  # (C,)
    ell_centre: FloatArray       # (E, 3)
    ell_inv: FloatArray          # (E, 3, 3) camera offset -> unit-sphere coordinates
    ell_radius: FloatArray       # (E,) largest semi-axis (bounding sphere)
    ell_material: npt.NDArray[np.intp]       # (E,)
    blend: npt.NDArray[np.bool_]             # (C + E,) smooth its shading into neighbours
    head_origin: FloatArray      # (3,) head segment origin
    head_axes: FloatArray        # (3, 3) columns: head x, y, z in camera coordinates
    height_m: float

    @property
    def n_capsules(self) -> int:
        return len(self.cap_a)

    @property
    def n_primitives(self) -> int:
        return len(self.cap_a) + len(self.ell_centre)

    def head_local_h(self, points: FloatArray) -> FloatArray:
        """(N, 3) camera points -> head frame, fractions of body height."""
        return (points - self.head_origin) @ self.head_axes / self.height_m


def _clothing(name: str, style: Style) -> tuple[int, float, int]:
    """(material, split_t, material after the split) of one performer capsule."""
    sleeve, leg = style.sleeve_ratio, style.leg_ratio
    limb = name.rsplit("_", 1)[0]
    if limb == "upper_arm":
        return (SHIRT, sleeve, SKIN) if sleeve < 1.0 else (SHIRT, NO_SPLIT, SHIRT)
    if limb == "forearm":
        return (SHIRT, sleeve - 1.0, SKIN) if sleeve > 1.0 else (SKIN, NO_SPLIT, SKIN)
    if limb == "thigh":
        return (TROUSERS, leg, SKIN) if leg < 1.0 else (TROUSERS, NO_SPLIT, TROUSERS)
    if limb == "shank":
        return (TROUSERS, leg - 1.0, SKIN) if leg > 1.0 else (SKIN, NO_SPLIT, SKIN)
    material = {"hand": SKIN, "foot": SHOES, "neck": SKIN, "pelvis": TROUSERS,
                "flank_hip": TROUSERS}.get(limb, SHIRT)
    return material, NO_SPLIT, material


class FigureBuilder:
    """Turns a performance's frames into `Figure`s for one camera and style."""

    def __init__(self, performance: Performance, style: Style, camera: Camera) -> None:
        sk = performance.skeleton
        self.perf = performance
        self.height_m = sk.body.height_m
        self.cam_pos = np.asarray(camera.position_m, dtype=np.float64)
        self.cam_rot = camera.rotation
        caps = [c for c in sk.capsules if c.name != "head"]     # replaced by the head parts
        self.ia = np.array([c.a for c in caps])
        self.ib = np.array([c.b for c in caps])
        self.ra = np.array([c.radius_a_m for c in caps])
        self.rb = np.array([c.radius_b_m for c in caps])
        dress = [_clothing(c.name, style) for c in caps]
        self.material = np.array([d[0] for d in dress] + [e[5] for e in _EXTRA_CAPSULES] + [SKIN])
        self.split_t = np.array([d[1] for d in dress] + [NO_SPLIT] * (len(_EXTRA_CAPSULES) + 1))
        self.after = np.array([d[2] for d in dress] + [e[5] for e in _EXTRA_CAPSULES] + [SKIN])
        # Each segment's origin is one of the named points (its proximal joint).
        self.seg_origin = np.array([int(np.flatnonzero((sk.point_seg == s)
                                                       & ~sk.point_local.any(axis=1))[0])
                                    for s in range(len(sk.segments))])
        self.head = sk.index["head"]
        self.extra_seg = np.array([sk.index[e[0]] for e in _EXTRA_CAPSULES])
        h = self.height_m
        self.extra_a = np.array([e[1] for e in _EXTRA_CAPSULES]) * h
        self.extra_b = np.array([e[2] for e in _EXTRA_CAPSULES]) * h
        self.extra_ra = np.array([e[3] for e in _EXTRA_CAPSULES]) * h * sk.body.girth_ratio
        self.extra_rb = np.array([e[4] for e in _EXTRA_CAPSULES]) * h * sk.body.girth_ratio
        self.n_caps = len(caps) + len(_EXTRA_CAPSULES) + 1                  # + the nose
        # Ellipsoids in the head frame: cranium, jaw, ears, eyeballs.
        mirror = np.array([1.0, 1.0, -1.0])
        centres = [CRANIUM[0], JAW[0], EAR_CENTRE, tuple(np.multiply(EAR_CENTRE, mirror)),
                   EYE_CENTRE, tuple(np.multiply(EYE_CENTRE, mirror))]
        axes = [CRANIUM[1], JAW[1], EAR_AXES, EAR_AXES, (EYE_RADIUS,) * 3, (EYE_RADIUS,) * 3]
        self.ell_centre_h = np.array(centres) * h
        self.ell_axes = np.array(axes) * h
        self.ell_material = np.array([SKIN, SKIN, SKIN, SKIN, EYE_WHITE, EYE_WHITE])
        self.blend = np.concatenate([np.ones(self.n_caps, bool), [True, True, True, True, False, False]])

    def at(self, i: int) -> Figure:
        """Frame i of the performance as primitives in camera coordinates."""
        joints, rots = self.perf.joints_m[i], self.perf.segment_rot[i]
        origins = joints[self.seg_origin]                               # (S, 3)
        h = self.height_m
        extra_a = origins[self.extra_seg] + np.einsum("kij,kj->ki", rots[self.extra_seg], self.extra_a)
        extra_b = origins[self.extra_seg] + np.einsum("kij,kj->ki", rots[self.extra_seg], self.extra_b)
        head_o, head_r = origins[self.head], rots[self.head]
        nose_a = head_o + head_r @ (np.array(NOSE[0]) * h)
        nose_b = head_o + head_r @ (np.array(NOSE[1]) * h)
        a = np.vstack([joints[self.ia], extra_a, nose_a])
        b = np.vstack([joints[self.ib], extra_b, nose_b])
        ra = np.concatenate([self.ra, self.extra_ra, [NOSE[2] * h]])
        rb = np.concatenate([self.rb, self.extra_rb, [NOSE[3] * h]])
        ell_c = head_o + self.ell_centre_h @ head_r.T
        # unit sphere -> camera: cam_rot @ head_r @ diag(axes); the inverse maps back.
        to_cam = self.cam_rot @ head_r
        ell_inv = (to_cam.T)[None, :, :] / self.ell_axes[:, :, None]
        return Figure(
            cap_a=self._cam(a), cap_b=self._cam(b), cap_ra=ra, cap_rb=rb,
            cap_material=self.material, cap_split_t=self.split_t, cap_material_after=self.after,
            ell_centre=self._cam(ell_c), ell_inv=ell_inv, ell_radius=self.ell_axes.max(axis=1),
            ell_material=self.ell_material, blend=self.blend,
            head_origin=self._cam(head_o), head_axes=to_cam, height_m=h)

    def _cam(self, points: FloatArray) -> FloatArray:
        return (points - self.cam_pos) @ self.cam_rot.T
