"""The 33 BlazePose landmarks, the skeleton drawn between them and body sides.

Indices are MediaPipe's, so arrays of shape (33, ...) are indexed by `Landmark`.
"""

from __future__ import annotations

from enum import Enum, IntEnum


class Landmark(IntEnum):
    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


N_LANDMARKS = len(Landmark)


class Side(str, Enum):
    """A body side. BOTH is for events that concern no side in particular."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"

    @property
    def opposite(self) -> "Side":
        return {Side.LEFT: Side.RIGHT, Side.RIGHT: Side.LEFT}.get(self, Side.BOTH)


def _pairs() -> tuple[tuple[Landmark, Landmark], ...]:
    pairs = []
    for lm in Landmark:
        if lm.name.startswith("LEFT_"):
            pairs.append((lm, Landmark[lm.name.replace("LEFT_", "RIGHT_", 1)]))
    pairs.append((Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT))
    return tuple(pairs)


# (left, right) pairs; swapping every pair mirrors a pose.
LEFT_RIGHT_PAIRS: tuple[tuple[Landmark, Landmark], ...] = _pairs()

# Index permutation that swaps left and right: mirrored = array[MIRROR_INDEX].
MIRROR_INDEX: tuple[int, ...] = tuple(
    int({**{a: b for a, b in LEFT_RIGHT_PAIRS}, **{b: a for a, b in LEFT_RIGHT_PAIRS}}.get(lm, lm))
    for lm in Landmark
)

L = Landmark
# Bones drawn by overlays, as (from, to).
SKELETON_EDGES: tuple[tuple[Landmark, Landmark], ...] = (
    (L.LEFT_EAR, L.LEFT_EYE), (L.LEFT_EYE, L.NOSE), (L.NOSE, L.RIGHT_EYE), (L.RIGHT_EYE, L.RIGHT_EAR),
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_HIP), (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW), (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    (L.LEFT_WRIST, L.LEFT_INDEX), (L.RIGHT_WRIST, L.RIGHT_INDEX),
    (L.LEFT_HIP, L.LEFT_KNEE), (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE), (L.RIGHT_KNEE, L.RIGHT_ANKLE),
    (L.LEFT_ANKLE, L.LEFT_HEEL), (L.LEFT_HEEL, L.LEFT_FOOT_INDEX), (L.LEFT_ANKLE, L.LEFT_FOOT_INDEX),
    (L.RIGHT_ANKLE, L.RIGHT_HEEL), (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX), (L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX),
)
del L


def sided(side: Side, name: str) -> Landmark:
    """`sided(Side.LEFT, "knee")` -> Landmark.LEFT_KNEE."""
    if side is Side.BOTH:
        raise ValueError("sided() needs Side.LEFT or Side.RIGHT")
    return Landmark[f"{side.name}_{name.upper()}"]
