"""What the performer is asked to do: `Script` (reps, sides, tempo, faults) and `Fault`."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from coach.landmarks import Side

# The fault codes of /tmp/plan/CONTRACT.md, per exercise.
FAULT_CODES: dict[str, frozenset[str]] = {
    "hip_hinge": frozenset({"squatting", "rounded_back", "too_shallow", "leaning_back", "rushing",
                           "neck_not_neutral"}),
    "bird_dog": frozenset({"same_side_limbs", "leg_too_high", "hips_rotating", "trunk_sagging",
                           "bent_limb", "hold_too_short", "rushing"}),
    "side_plank": frozenset({"hips_sagging", "piking", "elbow_not_under_shoulder", "rolling",
                            "head_dropping"}),
    "cat_cow": frozenset({"small_range_cat", "small_range_cow", "head_only", "bent_arms",
                          "hips_back", "rushing"}),
    "glute_bridge": frozenset({"too_low", "hips_dropping_side"}),
}

# Faults that change timing, not posture: they apply to whole reps, never to a time range.
TIMING_FAULTS = frozenset({"rushing", "hold_too_short"})
RUSH_FACTOR = 0.35          # a rushed rep's movement phases take this fraction of the tempo
SHORT_HOLD_S = 0.3          # hold_too_short: the hold at the end position lasts this long


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault to inject: on rep numbers (1-based, per side) or over a time range.

    `side` limits rep numbers to one side (None: those reps on every side). A time range
    applies the fault's posture change from `between_s[0]` to `between_s[1]` (ramping in and
    out around those instants), whatever the performer is doing then.
    """

    code: str
    reps: tuple[int, ...] = ()
    between_s: tuple[float, float] | None = None
    side: Side | None = None

    def __post_init__(self) -> None:
        if bool(self.reps) == (self.between_s is not None):
            raise ValueError(f"Fault {self.code!r} needs rep numbers or a time range (one of them)")
        if any(r < 1 for r in self.reps):
            raise ValueError(f"Fault {self.code!r}: rep numbers start at 1; got {self.reps}")
        if self.between_s is not None and not self.between_s[0] < self.between_s[1]:
            raise ValueError(f"Fault {self.code!r}: between_s must be (start, end) with start < end")
        if self.between_s is not None and self.code in TIMING_FAULTS:
            raise ValueError(f"Fault {self.code!r} changes a rep's timing: give rep numbers, "
                             "not a time range")

    @classmethod
    def parse(cls, item: "Fault | tuple[Any, ...]") -> "Fault":
        """("squatting", 2), ("squatting", (1, 3)) or ("hips_sagging", (8.0, 12.5))."""
        if isinstance(item, Fault):
            return item
        code, where, *rest = item
        side = Side(rest[0]) if rest else None
        if isinstance(where, int):
            return cls(code, reps=(where,), side=side)
        where = tuple(where)
        if where and all(isinstance(x, int) for x in where):
            return cls(code, reps=where, side=side)
        if len(where) == 2:
            return cls(code, between_s=(float(where[0]), float(where[1])), side=side)
        raise ValueError(f"Fault {code!r}: give rep numbers (ints) or a (start_s, end_s) pair; got {where}")


@dataclass(frozen=True, slots=True)
class Script:
    """A set to perform. None means the exercise's default (see `DEFAULTS`).

    Timing: each rep is made of movement phases of `tempo_s` each (down and up; reach and
    return; lift and lower; each cat-cow transition), a `hold_s` at the end position (the
    pause at the bottom of a hinge, each end of a cat-cow), and `rest_s` still between reps.
    """

    reps: int | None = None               # per side for sided exercises; holds for side_plank
    sides: tuple[Side, ...] = (Side.LEFT, Side.RIGHT)   # order; ignored by sideless exercises
    alternate: bool | None = None         # L, R, L, R... (bird dog) or all of one side first
    tempo_s: float | None = None
    hold_s: float | None = None
    rest_s: float | None = None
    rom_ratio: float = 1.0                # fraction of the full movement
    lead_in_s: float = 1.5                # still at the start pose before the first rep
    lead_out_s: float = 1.5               # still after the last rep
    cat_first: bool = True                # cat-cow: round up first, then sag
    variability_ratio: float = 0.0        # per-rep random spread of tempo and range (seeded)
    faults: tuple[Fault, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sides", tuple(Side(s) for s in self.sides))
        object.__setattr__(self, "faults", tuple(Fault.parse(f) for f in self.faults))
        if any(s is Side.BOTH for s in self.sides) or len(set(self.sides)) != len(self.sides):
            raise ValueError(f"Script.sides must list left and/or right once each; got {self.sides}")
        for name in ("tempo_s", "hold_s", "rest_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"Script.{name} must be >= 0; got {value}")
        if self.tempo_s is not None and self.tempo_s < 0.1:
            raise ValueError(f"Script.tempo_s must be at least 0.1 s; got {self.tempo_s}")
        if not 0.0 < self.rom_ratio <= 1.5:
            raise ValueError(f"Script.rom_ratio must be in (0, 1.5]; got {self.rom_ratio}")
        if not 0.0 <= self.variability_ratio <= 0.3:
            raise ValueError(f"Script.variability_ratio must be in [0, 0.3]; got {self.variability_ratio}")

    def with_defaults(self, defaults: "Script") -> "Script":
        """This script with every None field taken from `defaults`."""
        filled = {f.name: getattr(defaults, f.name) for f in fields(self)
                  if getattr(self, f.name) is None}
        return replace(self, **filled)

    def check_faults(self, exercise: str, sided: bool) -> None:
        """Reject faults the exercise does not have or that could never happen in this set."""
        known = FAULT_CODES[exercise]
        for fault in self.faults:
            if fault.code not in known:
                raise ValueError(f"{exercise} has no fault {fault.code!r}; "
                                 f"its faults are {sorted(known)}")
            too_high = [r for r in fault.reps if r > (self.reps or 0)]
            if too_high:
                raise ValueError(f"Fault {fault.code!r} names rep {too_high[0]}, but the script "
                                 f"has {self.reps} rep(s) per side")
            if fault.side is not None and (not sided or fault.side not in self.sides):
                raise ValueError(f"Fault {fault.code!r} is limited to side {fault.side.value!r}, "
                                 f"but this {exercise} set has sides "
                                 f"{[s.value for s in self.sides] if sided else 'none'}")


# Per-exercise defaults: a plausible home-programme set that keeps test clips short.
DEFAULTS: dict[str, Script] = {
    "hip_hinge": Script(reps=5, alternate=False, tempo_s=2.0, hold_s=0.5, rest_s=1.0),
    "bird_dog": Script(reps=3, alternate=True, tempo_s=1.5, hold_s=3.0, rest_s=1.0),
    "side_plank": Script(reps=1, alternate=False, tempo_s=1.5, hold_s=10.0, rest_s=2.0),
    "cat_cow": Script(reps=3, alternate=False, tempo_s=1.5, hold_s=1.0, rest_s=0.5),
    "glute_bridge": Script(reps=5, alternate=False, tempo_s=1.5, hold_s=2.0, rest_s=1.0),
}
