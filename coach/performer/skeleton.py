"""The performer's body: segments with realistic proportions, forward kinematics, landmarks.

Proportions are fractions of body height after Drillis & Contini (as tabled by Winter,
"Biomechanics and Motor Control of Human Movement"): hip joint at 0.530 H, shoulder joint
at 0.818 H, thigh 0.245 H, shank 0.246 H, ankle 0.039 H, upper arm 0.186 H, forearm
0.146 H; the spine is split into pelvis, lumbar, lower and upper thoracic, neck and head so
that the back can round (cat, rounded back) and sag (cow) along its length.

The trunk is modelled along its centre line (not the vertebrae), so its capsules are
symmetric front to back and the top edge of a side-view silhouette follows the spine's bow.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from coach.landmarks import N_LANDMARKS, Landmark
from coach.performer.geometry import EYE3, Mat, Vec

L = Landmark


@dataclass(frozen=True, slots=True)
class Body:
    """Body size. Lengths scale with height; girth scales every capsule radius."""

    height_m: float = 1.75
    shoulder_width_ratio: float = 0.20   # between the shoulder joint centres, / height
    hip_width_ratio: float = 0.105       # between the hip landmarks, / height
    girth_ratio: float = 1.0             # < 1 slim, > 1 heavy

    def __post_init__(self) -> None:
        if not 0.5 <= self.height_m <= 2.5:
            raise ValueError(f"Body.height_m must be between 0.5 and 2.5; got {self.height_m}")


@dataclass(frozen=True, slots=True)
class SegmentDef:
    """A rigid segment: its frame sits at its proximal joint, `origin` in the parent's frame."""

    name: str
    parent: str | None
    origin_h: tuple[float, float, float]   # in parent frame, fractions of height
    axis: tuple[float, float, float]       # unit direction proximal -> distal, own frame
    length_h: float


UP, DOWN, FWD = (0.0, 1.0, 0.0), (0.0, -1.0, 0.0), (1.0, 0.0, 0.0)


def _segment_defs(shoulder_half_h: float, hip_half_h: float) -> tuple[SegmentDef, ...]:
    s = SegmentDef
    defs = [
        s("pelvis", None, (0.0, 0.0, 0.0), UP, 0.050),        # hip mid -> L5/S1
        s("lumbar", "pelvis", (0.0, 0.050, 0.0), UP, 0.100),  # L5 -> L1
        s("thor_low", "lumbar", (0.0, 0.100, 0.0), UP, 0.080),  # L1 -> T7
        s("thor_up", "thor_low", (0.0, 0.080, 0.0), UP, 0.075),  # T7 -> C7
        s("neck", "thor_up", (0.0, 0.075, 0.0), UP, 0.055),   # C7 -> skull base
        s("head", "neck", (0.0, 0.055, 0.0), UP, 0.110),
    ]
    for side, sign in (("l", -1.0), ("r", 1.0)):              # z points to the body's right
        defs += [
            s(f"upper_arm_{side}", "thor_up", (0.0, 0.058, sign * shoulder_half_h), DOWN, 0.186),
            s(f"forearm_{side}", f"upper_arm_{side}", (0.0, -0.186, 0.0), DOWN, 0.146),
            s(f"hand_{side}", f"forearm_{side}", (0.0, -0.146, 0.0), DOWN, 0.075),
            s(f"thigh_{side}", "pelvis", (0.0, 0.0, sign * hip_half_h), DOWN, 0.245),
            s(f"shank_{side}", f"thigh_{side}", (0.0, -0.245, 0.0), DOWN, 0.246),
            s(f"foot_{side}", f"shank_{side}", (0.0, -0.246, 0.0), FWD, 0.118),
        ]
    return tuple(defs)


# Named points of the 3D body (joints_m columns): (segment, point in its frame, fractions of H).
def _point_defs() -> tuple[tuple[str, str, tuple[float, float, float]], ...]:
    pts: list[tuple[str, str, tuple[float, float, float]]] = [
        ("hip_mid", "pelvis", (0.0, 0.0, 0.0)),
        ("l5", "lumbar", (0.0, 0.0, 0.0)),
        ("l1", "thor_low", (0.0, 0.0, 0.0)),
        ("t7", "thor_up", (0.0, 0.0, 0.0)),
        ("upper_back", "thor_up", (0.0, 0.050, 0.0)),
        ("c7", "neck", (0.0, 0.0, 0.0)),
        ("skull", "head", (0.0, 0.0, 0.0)),
        ("head_centre", "head", (0.020, 0.050, 0.0)),
        ("head_top", "head", (0.010, 0.108, 0.0)),
    ]
    for side, sign in (("l", -1.0), ("r", 1.0)):
        pts += [
            (f"shoulder_{side}", f"upper_arm_{side}", (0.0, 0.0, 0.0)),
            (f"elbow_{side}", f"forearm_{side}", (0.0, 0.0, 0.0)),
            (f"wrist_{side}", f"hand_{side}", (0.0, 0.0, 0.0)),
            (f"knuckles_{side}", f"hand_{side}", (0.0, -0.060, 0.0)),
            (f"hip_{side}", f"thigh_{side}", (0.0, 0.0, 0.0)),
            (f"knee_{side}", f"shank_{side}", (0.0, 0.0, 0.0)),
            (f"ankle_{side}", f"foot_{side}", (0.0, 0.0, 0.0)),
            (f"heel_{side}", f"foot_{side}", (-0.030, -0.032, 0.0)),
            (f"toe_{side}", f"foot_{side}", (0.118, -0.030, 0.0)),
            # Flanks of the trunk, so a front view is as wide as a person and bends with the spine.
            (f"l5_{side}", "lumbar", (0.0, 0.0, sign * 0.058)),
            (f"l1_{side}", "thor_low", (0.0, 0.0, sign * 0.050)),
            (f"t7_{side}", "thor_up", (0.0, 0.0, sign * 0.075)),
        ]
    return tuple(pts)


@dataclass(frozen=True, slots=True)
class Capsule:
    """A tapered capsule between two named points (a sphere when a == b), radii in metres."""

    name: str
    a: int          # index into Skeleton.point_names / joints_m columns
    b: int
    radius_a_m: float
    radius_b_m: float
    occludes: bool  # bulky enough to hide landmarks behind it (trunk, head, thighs)


# Pose models see through a forearm or a shin (a near hip behind a hanging hand stays
# visible); only capsules at least this thick (trunk, head, thighs) hide landmarks.
OCCLUDER_MIN_RADIUS_H = 0.04

# (name, point a, point b, radius a, radius b) in fractions of H.
_CAPSULE_DEFS: tuple[tuple[str, str, str, float, float], ...] = (
    ("pelvis", "hip_mid", "l5", 0.064, 0.062),
    ("lumbar", "l5", "l1", 0.062, 0.062),
    ("thorax_low", "l1", "t7", 0.062, 0.062),
    ("thorax_up", "t7", "upper_back", 0.062, 0.058),
    ("shoulders", "shoulder_l", "shoulder_r", 0.040, 0.040),
    ("neck", "c7", "skull", 0.030, 0.030),
    ("head", "head_centre", "head_centre", 0.058, 0.058),
    *(item for side in ("l", "r") for item in (
        (f"flank_hip_{side}", f"hip_{side}", f"l5_{side}", 0.045, 0.040),
        (f"flank_waist_{side}", f"l5_{side}", f"l1_{side}", 0.040, 0.038),
        (f"flank_ribs_{side}", f"l1_{side}", f"t7_{side}", 0.038, 0.040),
        (f"flank_chest_{side}", f"t7_{side}", f"shoulder_{side}", 0.040, 0.040),
        (f"upper_arm_{side}", f"shoulder_{side}", f"elbow_{side}", 0.027, 0.023),
        (f"forearm_{side}", f"elbow_{side}", f"wrist_{side}", 0.021, 0.016),
        (f"hand_{side}", f"wrist_{side}", f"knuckles_{side}", 0.015, 0.013),
        (f"thigh_{side}", f"hip_{side}", f"knee_{side}", 0.045, 0.030),
        (f"shank_{side}", f"knee_{side}", f"ankle_{side}", 0.030, 0.020),
        (f"foot_{side}", f"heel_{side}", f"toe_{side}", 0.020, 0.018),
    )),
)


def _landmark_defs() -> dict[Landmark, tuple[str, tuple[float, float, float]]]:
    defs: dict[Landmark, tuple[str, tuple[float, float, float]]] = {
        L.NOSE: ("head", (0.080, 0.026, 0.0)),
    }
    for side, sign in (("l", -1.0), ("r", 1.0)):
        name = "LEFT" if side == "l" else "RIGHT"
        defs |= {
            L[f"{name}_EYE_INNER"]: ("head", (0.064, 0.046, sign * 0.009)),
            L[f"{name}_EYE"]: ("head", (0.062, 0.046, sign * 0.018)),
            L[f"{name}_EYE_OUTER"]: ("head", (0.058, 0.046, sign * 0.026)),
            L[f"{name}_EAR"]: ("head", (-0.004, 0.040, sign * 0.045)),
            L[f"MOUTH_{name}"]: ("head", (0.064, 0.006, sign * 0.014)),
            L[f"{name}_SHOULDER"]: (f"upper_arm_{side}", (0.0, 0.0, 0.0)),
            L[f"{name}_ELBOW"]: (f"forearm_{side}", (0.0, 0.0, 0.0)),
            L[f"{name}_WRIST"]: (f"hand_{side}", (0.0, 0.0, 0.0)),
            # Hand frame: -y along the fingers, +x toward the thumb (forward when arms hang).
            L[f"{name}_PINKY"]: (f"hand_{side}", (-0.012, -0.052, 0.0)),
            L[f"{name}_INDEX"]: (f"hand_{side}", (0.010, -0.060, 0.0)),
            L[f"{name}_THUMB"]: (f"hand_{side}", (0.025, -0.035, 0.0)),
            L[f"{name}_HIP"]: (f"thigh_{side}", (0.0, 0.0, 0.0)),
            L[f"{name}_KNEE"]: (f"shank_{side}", (0.0, 0.0, 0.0)),
            L[f"{name}_ANKLE"]: (f"foot_{side}", (0.0, 0.0, 0.0)),
            L[f"{name}_HEEL"]: (f"foot_{side}", (-0.030, -0.032, 0.0)),
            L[f"{name}_FOOT_INDEX"]: (f"foot_{side}", (0.118, -0.030, 0.0)),
        }
    return defs


@dataclass(frozen=True, slots=True)
class SkeletonPose:
    """Input of forward kinematics.

    Each segment's world orientation is `world[name]` when given (a limb placed by angle or
    IK in the scene), else its parent's orientation times `local[name]` (identity if absent).
    """

    root_pos_m: Vec                                   # (3,) pelvis origin = hip mid, scene frame
    root_rot: Mat                                     # (3, 3) pelvis frame -> scene
    local: dict[str, Mat] = field(default_factory=dict)
    world: dict[str, Mat] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Posed:
    """Result of forward kinematics: every segment's frame in the scene."""

    origins_m: npt.NDArray[np.float64]   # (S, 3)
    rots: npt.NDArray[np.float64]        # (S, 3, 3)
    skeleton: "Skeleton"

    def points(self) -> npt.NDArray[np.float64]:
        """(K, 3) the named points (see `Skeleton.point_names`)."""
        return self.skeleton.place(self.skeleton.point_seg, self.skeleton.point_local, self)

    def landmarks(self) -> npt.NDArray[np.float64]:
        """(33, 3) the MediaPipe landmarks in the scene frame."""
        return self.skeleton.place(self.skeleton.landmark_seg, self.skeleton.landmark_local, self)

    def point(self, name: str) -> Vec:
        i = self.skeleton.point_index[name]
        seg = self.skeleton.point_seg[i]
        return self.origins_m[seg] + self.rots[seg] @ self.skeleton.point_local[i]

    def transformed(self, rotation: Mat, translation_m: Vec) -> "Posed":
        """The same pose moved rigidly: x -> rotation @ x + translation."""
        return Posed(self.origins_m @ rotation.T + translation_m,
                     np.einsum("ij,sjk->sik", rotation, self.rots), self.skeleton)


@dataclass(frozen=True)
class Skeleton:
    """Segments, named points, landmarks and capsules of one `Body`, in metres."""

    body: Body
    segments: tuple[SegmentDef, ...]
    index: dict[str, int]
    parent: tuple[int, ...]              # -1 for the root
    offset_m: npt.NDArray[np.float64]    # (S, 3) origin in the parent's frame
    end_m: npt.NDArray[np.float64]       # (S, 3) distal end in the segment's own frame
    point_names: tuple[str, ...]
    point_index: dict[str, int]
    point_seg: npt.NDArray[np.intp]      # (K,)
    point_local: npt.NDArray[np.float64]  # (K, 3)
    landmark_seg: npt.NDArray[np.intp]   # (33,)
    landmark_local: npt.NDArray[np.float64]  # (33, 3)
    capsules: tuple[Capsule, ...]

    def length_m(self, segment: str) -> float:
        return float(np.linalg.norm(self.end_m[self.index[segment]]))

    def forward(self, pose: SkeletonPose) -> Posed:
        """Forward kinematics: segment frames in the scene."""
        n = len(self.segments)
        origins = np.empty((n, 3))
        rots = np.empty((n, 3, 3))
        for i, seg in enumerate(self.segments):
            p = self.parent[i]
            if p < 0:
                origins[i], rots[i] = pose.root_pos_m, pose.root_rot
                continue
            origins[i] = origins[p] + rots[p] @ self.offset_m[i]
            world = pose.world.get(seg.name)
            rots[i] = world if world is not None else rots[p] @ pose.local.get(seg.name, EYE3)
        return Posed(origins, rots, self)

    @staticmethod
    def place(seg: npt.NDArray[np.intp], local: npt.NDArray[np.float64],
              posed: Posed) -> npt.NDArray[np.float64]:
        """Scene positions of points given in their segments' frames."""
        return posed.origins_m[seg] + np.einsum("kij,kj->ki", posed.rots[seg], local)


@functools.lru_cache(maxsize=16)
def skeleton(body: Body) -> Skeleton:
    """The skeleton of a body (cached: bodies are immutable)."""
    h = body.height_m
    shoulder_half, hip_half = body.shoulder_width_ratio / 2.0, body.hip_width_ratio / 2.0
    defs = _segment_defs(shoulder_half, hip_half)
    index = {d.name: i for i, d in enumerate(defs)}
    parent = tuple(index[d.parent] if d.parent else -1 for d in defs)
    offset = np.array([d.origin_h for d in defs]) * h
    end = np.array([np.array(d.axis) * d.length_h for d in defs]) * h

    pts = _point_defs()
    point_names = tuple(p[0] for p in pts)
    point_index = {name: i for i, name in enumerate(point_names)}
    # The chest flank follows the shoulder width (inside the shoulders); others keep the table.
    point_local = np.array([p[2] for p in pts]) * h
    point_seg = np.array([index[p[1]] for p in pts], dtype=np.intp)
    for side, sign in (("l", -1.0), ("r", 1.0)):
        point_local[point_index[f"t7_{side}"], 2] = sign * min(0.075, shoulder_half * 0.75) * h

    lm_defs = _landmark_defs()
    landmark_seg = np.array([index[lm_defs[lm][0]] for lm in Landmark], dtype=np.intp)
    landmark_local = np.array([lm_defs[lm][1] for lm in Landmark]) * h
    assert landmark_local.shape == (N_LANDMARKS, 3)

    for array in (offset, end, point_local, point_seg, landmark_seg, landmark_local):
        array.setflags(write=False)      # shared through the cache
    g = body.girth_ratio * h
    capsules = tuple(Capsule(name, point_index[a], point_index[b], ra * g, rb * g,
                             max(ra, rb) >= OCCLUDER_MIN_RADIUS_H)
                     for name, a, b, ra, rb in _CAPSULE_DEFS)
    return Skeleton(body, defs, index, parent, offset, end, point_names, point_index,
                    point_seg, point_local, landmark_seg, landmark_local, capsules)
