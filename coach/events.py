"""Typed events: the one stream that live coaching, analysis, session logs and replay share.

The engine emits facts (a rep was completed, a fault started); the cue policy turns facts into
`CueDecided` events (what to say). Every event is a frozen dataclass whose first field is the
media time `t_s` at which it happened. `event_to_dict` / `event_from_dict` give the JSON form
used in session logs: `{"event": "<class name>", <field>: <value>, ...}`; NaN is written as null.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass, fields
from collections.abc import Mapping
from typing import Any, TypeAlias

from coach.landmarks import Side


@dataclass(frozen=True, slots=True)
class SetupProblem:
    """The setup has failed for a while (body out of frame, wrong view, ...); coaching pauses."""

    t_s: float
    code: str        # out_of_frame | several_people | wrong_view | cannot_measure
    message: str     # what exactly failed, for logs and the therapist; the spoken words are a cue


@dataclass(frozen=True, slots=True)
class SetupOk:
    """Every setup check passes again (or for the first time); coaching runs."""

    t_s: float


@dataclass(frozen=True, slots=True)
class PhaseEntered:
    t_s: float
    phase: str       # a phase name from the definition, or "between"
    side: Side


@dataclass(frozen=True, slots=True)
class RepCompleted:
    t_s: float
    side: Side                    # LEFT / RIGHT, or BOTH when the exercise has no side (or it was unknown)
    number: int                   # 1-based, counted per side within the set
    duration_s: float             # from leaving the first phase of the rep to entering its last
    metric: str                   # the definition's main metric
    range: float                  # max - min of that metric during the rep; NaN if never measured
    range_unit: str               # the metric's unit, e.g. "deg", "ratio"
    fault_codes: tuple[str, ...]  # faults seen since the previous rep, then failed rep checks


@dataclass(frozen=True, slots=True)
class HoldStarted:
    t_s: float
    side: Side
    target_s: float               # good-form time the patient should reach (0 = no target)


@dataclass(frozen=True, slots=True)
class HoldProgress:
    """Good-form time of the open hold has reached a whole number of seconds before its target."""

    t_s: float
    side: Side
    good_s: float
    target_s: float
    remaining_s: int              # whole seconds of good form still needed; 0 = target reached


@dataclass(frozen=True, slots=True)
class HoldEnded:
    t_s: float
    side: Side
    start_s: float
    good_s: float                 # time in the hold phase with no active fault
    total_s: float                # time in the hold phase
    target_s: float


@dataclass(frozen=True, slots=True)
class FaultStarted:
    t_s: float
    code: str
    side: Side
    rep: int                      # the rep (per side) the fault belongs to: the one in progress


@dataclass(frozen=True, slots=True)
class FaultEnded:
    t_s: float
    code: str
    side: Side
    rep: int
    corrected: bool               # False when it ended because its phases were left, or at finish/pain


@dataclass(frozen=True, slots=True)
class SideComplete:
    """The prescribed reps for one side of the current set are done."""

    t_s: float
    side: Side
    reps: int


@dataclass(frozen=True, slots=True)
class SetComplete:
    t_s: float
    number: int                   # 1-based set number
    reps: int                     # reps counted in the set, all sides together


@dataclass(frozen=True, slots=True)
class PainReported:
    t_s: float


@dataclass(frozen=True, slots=True)
class CueDecided:
    """Something to say. Speakers cut the current utterance only for kind "pain"."""

    t_s: float
    text: str
    kind: str                     # pain | setup | count | countdown | hold_done | switch_sides
                                  # | set_done | fault | praise
    priority: int                 # lower is more important
    source: str                   # the fault or setup code, or the kind of the event that caused it


Event: TypeAlias = (
    SetupProblem | SetupOk | PhaseEntered | RepCompleted | HoldStarted | HoldProgress | HoldEnded
    | FaultStarted | FaultEnded | SideComplete | SetComplete | PainReported | CueDecided
)

EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in typing.get_args(Event)}


def event_to_dict(event: Event) -> dict[str, Any]:
    """JSON-ready form: kind name plus fields; Side as its value, tuples as lists, NaN as None."""
    out: dict[str, Any] = {"event": type(event).__name__}
    for f in fields(event):
        out[f.name] = _to_json(getattr(event, f.name))
    return out


def event_from_dict(data: Mapping[str, Any], types: Mapping[str, type] = EVENT_TYPES) -> Any:
    """Inverse of `event_to_dict` for the event classes in `types` (default: the engine's);
    raises ValueError naming the kind or field that is wrong."""
    kind = data.get("event")
    cls = types.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(f"unknown event kind {kind!r}; known kinds: {', '.join(types)}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    missing = [n for n in names if n not in data]
    extra = [k for k in data if k != "event" and k not in names]
    if missing or extra:
        raise ValueError(f"{kind} event: missing fields {missing}, unexpected fields {extra}")
    return cls(**{n: _from_json(hints[n], data[n]) for n in names})


def _to_json(value: Any) -> Any:
    if isinstance(value, Side):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _from_json(hint: Any, value: Any) -> Any:
    if hint is Side:
        return Side(value)
    if hint is float:
        return math.nan if value is None else float(value)
    if typing.get_origin(hint) is tuple:
        return tuple(value)
    return hint(value)
