"""How a rendered video looks: clothing, skin, hair, room and light (`Style`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Rgb = tuple[int, int, int]      # sRGB, 0..255

FLOOR_KINDS = ("wood", "tiles", "carpet")

# Palettes `Style.random` draws from: plausible home-exercise clothes and rooms.
SKIN_TONES: tuple[Rgb, ...] = ((241, 194, 167), (224, 172, 138), (198, 134, 96), (161, 102, 71),
                               (120, 76, 50), (87, 56, 40), (232, 190, 160), (210, 160, 120))
HAIR_COLOURS: tuple[Rgb, ...] = ((40, 28, 20), (70, 45, 28), (110, 75, 40), (20, 18, 18),
                                 (160, 120, 70), (130, 130, 130), (90, 40, 25))
SHIRT_COLOURS: tuple[Rgb, ...] = ((200, 40, 45), (35, 90, 170), (40, 140, 90), (230, 230, 225),
                                  (240, 170, 40), (120, 60, 150), (20, 150, 170), (210, 95, 60),
                                  (90, 90, 95), (235, 120, 150))
TROUSER_COLOURS: tuple[Rgb, ...] = ((35, 35, 45), (40, 55, 90), (70, 70, 75), (20, 20, 22),
                                    (95, 80, 60), (55, 75, 60), (120, 125, 135))
SHOE_COLOURS: tuple[Rgb, ...] = ((240, 240, 240), (30, 30, 30), (200, 60, 50), (60, 90, 160),
                                 (150, 150, 155))
WALL_COLOURS: tuple[Rgb, ...] = ((226, 222, 210), (205, 212, 220), (222, 208, 188), (200, 215, 200),
                                 (235, 235, 232), (214, 196, 196), (180, 190, 200))
FLOOR_COLOURS: dict[str, tuple[Rgb, ...]] = {
    "wood": ((165, 120, 80), (190, 150, 105), (120, 85, 55), (200, 175, 140)),
    "tiles": ((200, 198, 190), (150, 150, 150), (185, 170, 150)),
    "carpet": ((110, 100, 95), (80, 90, 110), (140, 130, 115), (95, 105, 90)),
}
MAT_COLOURS: tuple[Rgb, ...] = ((110, 70, 140), (40, 110, 150), (60, 130, 90), (70, 70, 80),
                                (170, 60, 90), (60, 60, 140))


@dataclass(frozen=True, slots=True)
class Style:
    """Colours (sRGB 0..255), clothing cut, room and light of a rendered video.

    `sleeve_ratio` and `leg_ratio` say how far clothing reaches along a limb: 0..1 covers
    that fraction of the upper arm (thigh), 1..2 adds that fraction of the forearm (shank);
    0.5 is a T-shirt sleeve, 2.0 a long sleeve. `light_dir` points toward the key light,
    relative to the camera: x right, y up, z toward the camera. `wall_distance_m` is how far
    the wall stands behind the point the camera looks at. `texture_seed` fixes the floor
    planks or tiles, the wall's mottling and the picture on it.
    """

    skin: Rgb = (224, 172, 138)
    hair: Rgb = (70, 45, 28)
    shirt: Rgb = (35, 90, 170)
    trousers: Rgb = (35, 35, 45)
    shoes: Rgb = (240, 240, 240)
    lips: Rgb = (170, 90, 85)
    iris: Rgb = (70, 50, 35)
    sleeve_ratio: float = 0.55
    leg_ratio: float = 2.0
    wall: Rgb = (226, 222, 210)
    floor: Rgb = (165, 120, 80)
    floor_kind: str = "wood"
    mat: Rgb | None = None          # an exercise mat under the body (floor exercises)
    light_dir: tuple[float, float, float] = (-0.45, 0.75, 0.55)
    light_strength: float = 1.0
    ambient: float = 0.45
    wall_distance_m: float = 1.6
    texture_seed: int = 0

    def __post_init__(self) -> None:
        if self.floor_kind not in FLOOR_KINDS:
            raise ValueError(f"Style.floor_kind must be one of {FLOOR_KINDS}; got {self.floor_kind!r}")
        if not (0.0 <= self.sleeve_ratio <= 2.0 and 0.0 <= self.leg_ratio <= 2.0):
            raise ValueError(f"Style.sleeve_ratio and leg_ratio must be in [0, 2]; got "
                             f"{self.sleeve_ratio}, {self.leg_ratio}")
        if self.light_dir[1] <= 0.05:
            raise ValueError(f"Style.light_dir must point upward (y > 0.05); got {self.light_dir}")
        if self.wall_distance_m < 0.3:
            raise ValueError(f"Style.wall_distance_m must be at least 0.3 m; got {self.wall_distance_m}")

    @classmethod
    def random(cls, seed: int, *, mat: bool | None = None) -> "Style":
        """A plausible look drawn from the palettes; the same seed gives the same Style.

        `mat` forces an exercise mat on (True) or off (False); None lets the seed decide.
        """
        rng = np.random.default_rng([seed, 0x5717E])
        pick = lambda options: tuple(int(c) for c in options[int(rng.integers(len(options)))])  # noqa: E731
        kind = FLOOR_KINDS[int(rng.integers(len(FLOOR_KINDS)))]
        skin = pick(SKIN_TONES)
        shirt = pick(SHIRT_COLOURS)
        trousers = pick(TROUSER_COLOURS)
        with_mat = bool(rng.random() < 0.6) if mat is None else mat
        angle = np.radians(rng.uniform(-60.0, 60.0))    # light from left or right of the camera
        elevation = np.radians(rng.uniform(30.0, 60.0))
        light = (float(np.sin(angle) * np.cos(elevation)), float(np.sin(elevation)),
                 float(np.cos(angle) * np.cos(elevation)))
        return cls(
            skin=skin, hair=pick(HAIR_COLOURS), shirt=shirt, trousers=trousers, shoes=pick(SHOE_COLOURS),
            lips=tuple(int(0.75 * s + 0.25 * c) for s, c in zip(skin, (170, 70, 70))),
            iris=pick(((70, 50, 35), (60, 90, 120), (80, 100, 70), (40, 30, 25))),
            sleeve_ratio=float(rng.choice([0.15, 0.55, 0.6, 2.0])),
            leg_ratio=float(rng.choice([1.35, 2.0, 2.0, 2.0])),
            wall=pick(WALL_COLOURS), floor=pick(FLOOR_COLOURS[kind]), floor_kind=kind,
            mat=pick(MAT_COLOURS) if with_mat else None,
            light_dir=light, light_strength=float(rng.uniform(0.85, 1.1)),
            ambient=float(rng.uniform(0.38, 0.52)), wall_distance_m=float(rng.uniform(1.0, 2.5)),
            texture_seed=int(rng.integers(1 << 30)),
        )
