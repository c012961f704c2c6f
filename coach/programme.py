"""A guided programme: exercises with prescriptions, run in order, with rests and spoken transitions.

A programme file (poses/programmes/*.toml) lists steps; each names an exercise (poses/<name>.toml),
overrides any of its [prescription] keys and says how to get into position. The words of every
transition come from the file (defaults below), never from code paths.

`ProgrammeRun` is pure logic on media time: feed it every smoothed frame; it runs the current
exercise's `Coach` (engine + cue policy) and adds the programme's own events (`StepStarted`,
`RestStarted`, `ProgrammeFinished`, `Paused`, `Resumed`) and transition cues (`CueDecided` with
kind "transition"). A single exercise is a one-step programme (`Programme.single`).
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeAlias

from coach.coaching import Coach
from coach.cues import CuePolicy
from coach.definitions import ExerciseDefinition, load_exercise, poses_dir
from coach.errors import DefinitionError
from coach.events import CueDecided, Event, PainReported, SetComplete
from coach.frames import PoseFrame

log = logging.getLogger(__name__)

TRANSITION_KIND = "transition"      # CueDecided.kind of the programme's own cues
TRANSITION_PRIORITY = 4             # as "switch sides" / "set done" in the cue policy
_STEP_KEYS = ("exercise", "say", "rest_after_s", "reps", "sets", "hold_s", "sides", "rest_s", "targets")
_PRESCRIPTION_KEYS = ("reps", "sets", "hold_s", "sides", "rest_s", "targets")


def programmes_dir() -> Path:
    """Where the shipped programmes live: poses/programmes/."""
    return poses_dir() / "programmes"


# ---------------------------------------------------------------- events of a programme run


@dataclass(frozen=True, slots=True)
class StepStarted:
    """An exercise (or its next set) starts; carries the targets the screen shows."""

    t_s: float
    step: int                     # 1-based position in the programme
    steps: int                    # how many steps the programme has
    exercise: str                 # definition name, e.g. "bird_dog"
    title: str
    set_number: int               # 1-based
    sets: int
    reps: int                     # target reps per side
    hold_s: float                 # target good-form seconds per hold; 0 = none
    sides: tuple[str, ...]        # "left"/"right" in order, or ("both",)


@dataclass(frozen=True, slots=True)
class RestStarted:
    t_s: float
    rest_s: float
    next_title: str               # what comes after the rest


@dataclass(frozen=True, slots=True)
class Paused:
    t_s: float


@dataclass(frozen=True, slots=True)
class Resumed:
    t_s: float


@dataclass(frozen=True, slots=True)
class ProgrammeFinished:
    t_s: float
    completed: bool               # False: stopped early (pain, stop, end of input)
    reason: str                   # done | pain | stopped | source_ended | source_failed


ProgrammeEvent: TypeAlias = StepStarted | RestStarted | Paused | Resumed | ProgrammeFinished
LiveEvent: TypeAlias = Event | ProgrammeEvent
PROGRAMME_EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in
                                          (StepStarted, RestStarted, Paused, Resumed, ProgrammeFinished)}


# ---------------------------------------------------------------- the programme


@dataclass(frozen=True, slots=True)
class TransitionCues:
    """Words of the transitions; placeholders in braces are filled in."""

    first: str = "{title}. {say}"                  # {title} {say}
    next: str = "Next: {title}. {say}"             # {title} {say}
    rest: str = "Rest for {seconds} seconds."      # {seconds}
    next_set: str = "Set {set} of {sets}."         # {set} {sets}
    done: str = "That's the whole programme. Well done."


@dataclass(frozen=True, slots=True)
class Step:
    definition: ExerciseDefinition   # the step's prescription already applied
    say: str                         # how to get into position, said when the step starts
    rest_after_s: float              # rest before the next step

    @property
    def exercise(self) -> str:
        return self.definition.name


@dataclass(frozen=True, slots=True)
class Programme:
    name: str                        # file stem, or the exercise name for a single exercise
    title: str
    steps: tuple[Step, ...]
    cues: TransitionCues
    path: Path | None = None

    @classmethod
    def single(cls, definition: ExerciseDefinition, say: str = "") -> "Programme":
        """One exercise on its own: a one-step programme."""
        return cls(definition.name, definition.title, (Step(definition, say, 0.0),), TransitionCues())

    def to_dict(self) -> dict[str, Any]:
        """What the session log records: the order and each step's prescription."""
        return {"name": self.name, "title": self.title, "path": str(self.path) if self.path else None,
                "steps": [{"exercise": s.exercise, "title": s.definition.title, "say": s.say,
                           "rest_after_s": s.rest_after_s, "prescription": prescription_dict(s.definition)}
                          for s in self.steps]}


def prescription_dict(definition: ExerciseDefinition) -> dict[str, Any]:
    p = definition.prescription
    return {"reps": p.reps, "sets": p.sets, "hold_s": p.hold_s, "sides": [s.value for s in p.sides],
            "rest_s": p.rest_s, "targets": dict(p.targets)}


def load_programme(path: Path | str,
                   load: Callable[[str, Mapping[str, Any]], ExerciseDefinition] | None = None) -> Programme:
    """Read and check a programme file; every exercise is loaded (and validated) now, not mid-session."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, OSError) as e:
        raise DefinitionError(path, "", f"cannot be read as a programme: {e}.",
                              "Check the file name and its TOML syntax; poses/programmes/README.md shows the format.") from e
    return _parse_programme(data, path, load or (lambda name, p: load_exercise(name, p)))


def _parse_programme(data: Mapping[str, Any], path: Path,
                     load: Callable[[str, Mapping[str, Any]], ExerciseDefinition]) -> Programme:
    _check_keys(data, path, "", ("title", "rest_between_s", "cues", "step"))
    rest_between_s = _number(data.get("rest_between_s", 30), path, "rest_between_s")
    items = data.get("step")
    if not isinstance(items, list) or not items:
        raise DefinitionError(path, "step", "has no [[step]] tables.", 'Add [[step]] with exercise = "...".')
    steps = tuple(_parse_step(item, i, path, rest_between_s, load) for i, item in enumerate(items))
    cue_table = data.get("cues", {})
    _check_keys(cue_table, path, "cues", tuple(f.name for f in fields(TransitionCues)))
    cues = TransitionCues(**{k: str(v) for k, v in cue_table.items()})
    return Programme(path.stem, str(data.get("title", path.stem)), steps, cues, path)


def _parse_step(item: Any, index: int, path: Path, rest_between_s: float,
                load: Callable[[str, Mapping[str, Any]], ExerciseDefinition]) -> Step:
    where = f"step[{index + 1}]"
    if not isinstance(item, dict) or "exercise" not in item:
        raise DefinitionError(path, where, "needs an exercise name.", 'Write exercise = "bird_dog".')
    _check_keys(item, path, where, _STEP_KEYS)
    prescription = {k: v for k, v in item.items() if k in _PRESCRIPTION_KEYS}
    definition = load(str(item["exercise"]), prescription)
    rest_after_s = _number(item.get("rest_after_s", rest_between_s), path, f"{where}.rest_after_s")
    return Step(definition, str(item.get("say", "")).strip(), rest_after_s)


def _check_keys(table: Any, path: Path, where: str, allowed: Sequence[str]) -> None:
    if not isinstance(table, dict):
        raise DefinitionError(path, where, "should be a table.", "poses/programmes/README.md shows the format.")
    for key in table:
        if key not in allowed:
            raise DefinitionError(path, f"{where}.{key}" if where else key, f'"{key}" is not a known key here.',
                                  f"Allowed keys: {', '.join(allowed)}.")


def _number(value: Any, path: Path, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise DefinitionError(path, where, f"should be a number of seconds, 0 or more, not {value!r}.",
                              "Write e.g. 30 (no quotes).")
    return float(value)


# ---------------------------------------------------------------- running it


class ProgrammeRun:
    """Runs a programme over a stream of smoothed frames, on their media time.

    Transition words wait their turn: they are said when the exercise's cue policy has nothing to
    say and the voice is free (the policy's own estimate of speaking time), so "2", "Set done" and
    "Rest for 30 seconds" come in that order and never on top of each other. After the last set
    the run is "finishing" until its last words are said, then "done".
    """

    def __init__(self, programme: Programme,
                 coach_factory: Callable[[ExerciseDefinition], Coach] = Coach) -> None:
        self.programme = programme
        self._coach_factory = coach_factory
        self.state = "ready"                  # ready | exercise | rest | paused | finishing | done
        self.step_index = 0
        self.set_number = 1
        self.coach: Coach | None = None
        self._rest_until_s = math.inf
        self._next: tuple[int, int] | None = None   # (step index, set) after the rest
        self._paused_from = "ready"
        self._paused_at_s = 0.0
        self._to_say: deque[str] = deque()          # transition words not yet said
        self._voice_free_s = -math.inf              # when the last cue is estimated to end
        self._finishing_until_s = math.inf          # the exercise's "set done" may come until then

    @property
    def step(self) -> Step:
        return self.programme.steps[self.step_index]

    @property
    def definition(self) -> ExerciseDefinition:
        return self.step.definition

    @property
    def done(self) -> bool:
        return self.state == "done"

    def rest_left_s(self, t_s: float) -> float:
        return max(0.0, self._rest_until_s - t_s) if self.state == "rest" else 0.0

    def update(self, frame: PoseFrame) -> list[LiveEvent]:
        """One frame of media time: starts, rests and exercises as due; returns what happened."""
        t_s = frame.t_s
        events: list[LiveEvent] = []
        if self.state == "ready":
            events += self._start_step(t_s, 0, 1)
        elif self.state == "rest" and t_s >= self._rest_until_s:
            assert self._next is not None
            events += self._start_step(t_s, *self._next)
        if self.state == "exercise":
            assert self.coach is not None
            coached = self.coach.update(frame)
            set_done = next((e for e in coached if isinstance(e, SetComplete)), None)
            events += coached
            if set_done is not None:
                events += self._after_set(t_s, set_done.number)
        elif self.state in ("rest", "finishing") and self.coach is not None:
            events += self.coach.cues.update(t_s)       # what the exercise still has to say
        events += self._say_next(t_s, events)
        if self.state == "finishing" and self._all_said(t_s, events):
            self.state = "done"
        return events

    def _all_said(self, t_s: float, events: list[LiveEvent]) -> bool:
        if any(isinstance(e, CueDecided) and e.kind == "set_done" for e in events):
            self._finishing_until_s = t_s
        return not self._to_say and t_s >= max(self._voice_free_s, self._finishing_until_s)

    def pause(self, t_s: float) -> list[LiveEvent]:
        """Coaching stops until `resume`: the open hold and faults are closed, rest time stops."""
        if self.state in ("paused", "finishing", "done"):
            return []
        self._paused_from, self._paused_at_s, self.state = self.state, t_s, "paused"
        closed = self.coach.finish(t_s) if self.coach is not None and self._paused_from == "exercise" else []
        return [*closed, Paused(t_s)]

    def resume(self, t_s: float) -> list[LiveEvent]:
        if self.state != "paused":
            return []
        self.state = self._paused_from
        self._rest_until_s += t_s - self._paused_at_s
        return [Resumed(t_s)]

    def report_pain(self, t_s: float) -> list[LiveEvent]:
        """The set stops and so does the programme: pain is for the therapist to look at."""
        if self.done:
            return []
        self._to_say.clear()
        coach = self.coach or self._coach_factory(self.definition)
        events: list[LiveEvent] = list(coach.report_pain(t_s))
        if not any(isinstance(e, PainReported) for e in events):
            events.insert(0, PainReported(t_s))
        finished = self._finish(t_s, "pain") if self.state != "finishing" else []
        self.state = "done"
        return [*events, *finished]

    def finish(self, t_s: float, reason: str = "stopped") -> list[LiveEvent]:
        """End of input or stop: open holds and faults are closed; nothing more is said."""
        if self.state in ("finishing", "done"):
            self.state = "done"
            return []
        closed = self.coach.finish(t_s) if self.coach is not None and self.state == "exercise" else []
        finished = self._finish(t_s, reason)
        self.state = "done"
        return [*closed, *finished]

    # -- transitions

    def _start_step(self, t_s: float, index: int, set_number: int) -> list[LiveEvent]:
        same_step = self.coach is not None and index == self.step_index
        first = self.coach is None
        self.step_index, self.set_number, self.state = index, set_number, "exercise"
        self._rest_until_s, self._next = math.inf, None
        if not same_step:
            self.coach = self._coach_factory(self.definition)
        d = self.definition
        p = d.prescription
        cues = self.programme.cues
        if same_step:
            self._to_say.append(cues.next_set.format(set=set_number, sets=p.sets))
        else:
            self._to_say.append((cues.first if first else cues.next).format(title=d.title, say=self.step.say))
        return [StepStarted(t_s, index + 1, len(self.programme.steps), d.name, d.title, set_number, p.sets,
                            p.reps, p.hold_s, tuple(s.value for s in p.sides))]

    def _after_set(self, t_s: float, number: int) -> list[LiveEvent]:
        p = self.definition.prescription
        if number < p.sets:
            return self._rest(t_s, p.rest_s, (self.step_index, number + 1), self.definition.title)
        if self.step_index + 1 < len(self.programme.steps):
            following = self.programme.steps[self.step_index + 1]
            return self._rest(t_s, self.step.rest_after_s, (self.step_index + 1, 1), following.definition.title)
        if len(self.programme.steps) > 1:
            self._to_say.append(self.programme.cues.done)
        finished = self._finish(t_s, "done")
        self.state = "finishing"
        self._finishing_until_s = t_s + self.definition.cue_policy.announce_s
        return finished

    def _rest(self, t_s: float, rest_s: float, next_step: tuple[int, int], next_title: str) -> list[LiveEvent]:
        if rest_s <= 0:
            return self._start_step(t_s, *next_step)
        self.state, self._rest_until_s, self._next = "rest", t_s + rest_s, next_step
        self._to_say.append(self.programme.cues.rest.format(seconds=f"{rest_s:g}"))
        return [RestStarted(t_s, rest_s, next_title)]

    def _say_next(self, t_s: float, events: list[LiveEvent]) -> list[LiveEvent]:
        """Track the voice; say the next transition when nothing else is said and the voice is free."""
        said = [e for e in events if isinstance(e, CueDecided)]
        for cue in said:
            self._voice_free_s = max(self._voice_free_s, cue.t_s + self._speaking_s(cue.text))
        if said or not self._to_say or t_s < self._voice_free_s + self._gap_s():
            return []
        cue = _transition(t_s, self._to_say.popleft())
        self._voice_free_s = t_s + self._speaking_s(cue.text)
        return [cue]

    def _speaking_s(self, text: str) -> float:
        policy = self.coach.cues if self.coach is not None else CuePolicy(self.definition)
        return policy.speaking_s(text)

    def _gap_s(self) -> float:
        return self.definition.cue_policy.min_gap_s if self._voice_free_s > -math.inf else 0.0

    def _finish(self, t_s: float, reason: str) -> list[LiveEvent]:
        log.info("programme %s finished at %.1f s: %s", self.programme.name, t_s, reason)
        return [ProgrammeFinished(t_s, reason == "done", reason)]


def _transition(t_s: float, text: str) -> CueDecided:
    return CueDecided(t_s, " ".join(text.split()), TRANSITION_KIND, TRANSITION_PRIORITY, "programme")
