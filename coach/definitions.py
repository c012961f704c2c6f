"""Exercise definitions: poses/*.toml read with tomllib, validated, returned as frozen objects.

Every name a file uses is resolved when it loads, so a typo fails at start, never mid-set:
metric names against the metric registry, phase names against the file's own phases, prescription
target names against [prescription.targets]. Every problem raises `DefinitionError(path, field,
problem, hint)` where field is a path into the file such as `fault[squatting].when.metric`, and
the hint says what to write instead (with a "Did you mean ...?" when a close name exists).

A patient's prescription (reps, sets, hold time, sides, rest, targets) can be overridden without
editing the shipped files: `load_overrides(patient_toml)` then `load_all(overrides=...)`, or
`with_prescription(definition, {"reps": 8})`. The format is documented key by key in poses/README.md.
"""

from __future__ import annotations

import copy
import difflib
import logging
import re
import string
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, Protocol

from coach.conditions import RELATIVE_TO, AllOf, AnyOf, Condition, Rule, Threshold, thresholds
from coach.cues import CuePolicyParams
from coach.errors import DefinitionError
from coach.landmarks import Landmark, Side

log = logging.getLogger(__name__)

BETWEEN = "between"                 # the implicit phase while no named phase is active
VIEWS = ("side", "front")
VIEW_METRIC = "view_ratio"
SETUP_CODES = ("several_people", "out_of_frame", "wrong_view", "cannot_measure")  # in order of precedence
METRIC_STATS = ("max", "min", "range")
REP_STATS = ("duration_s", "move_s", "hold_good_s", "hold_good_ratio", "hold_total_ratio", *METRIC_STATS)
HOLD_STATS = ("move_s", "hold_good_s", "hold_good_ratio", "hold_total_ratio")
METRICS_HINT = 'The metrics a definition can use are listed in poses/README.md, section "Metrics".'
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class MetricSpec(Protocol):
    """What the definitions and the engine need from a registry entry (coach.metrics.Metric)."""

    unit: str
    fn: Callable[..., float]

    def required_sets(self) -> tuple[frozenset[Landmark], ...]:
        """Alternative landmark sets, any one of which, all seen, makes the metric measurable."""
        ...


Registry = Mapping[str, MetricSpec]


def default_registry() -> Registry:
    """The product's metric registry, imported on first use so this module loads without it."""
    from coach.metrics import METRICS

    return METRICS


def poses_dir() -> Path:
    """Where the shipped definitions live (the `poses` package)."""
    return Path(str(resources.files("poses")))


# ---------------------------------------------------------------- the definition objects


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    enter: Rule
    leave: Rule


@dataclass(frozen=True, slots=True)
class RepRule:
    """A rep is counted when the named phases visited end with one of `sequences`."""

    sequences: tuple[tuple[str, ...], ...]
    metric: str                      # main metric: its range is reported with each rep


@dataclass(frozen=True, slots=True)
class HoldRule:
    phase: str
    countdown_s: tuple[int, ...]     # remaining whole seconds at which the countdown cue is said


@dataclass(frozen=True, slots=True)
class SideRule:
    metric: str | None               # side-code metric (+1 left, -1 right); None: every rep is `fixed`
    fixed: Side


@dataclass(frozen=True, slots=True)
class Prescription:
    reps: int                        # per side, per set
    sets: int
    hold_s: float                    # good-form target of each hold; 0 = no target
    sides: tuple[Side, ...]          # LEFT/RIGHT in the order done, or (BOTH,)
    rest_s: float
    targets: Mapping[str, float]     # named thresholds conditions and rep checks may refer to


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault watched continuously while the machine is in one of `phases` (None = all)."""

    code: str
    when: Rule
    clear: Rule
    phases: frozenset[str] | None
    priority: int                    # 1 is said first
    cue: str


@dataclass(frozen=True, slots=True)
class RepCheck:
    """A fault decided once per rep, at its end, from a statistic of the rep."""

    code: str
    stat: str                        # one of REP_STATS
    metric: str | None               # for max / min / range
    threshold: Threshold | AllOf     # on the stat's `label`; AllOf of two for a band (above and below)
    priority: int
    cue: str

    @property
    def label(self) -> str:
        """The name the threshold reads the statistic under, e.g. "max:trunk_incline_deg"."""
        return f"{self.stat}:{self.metric}" if self.metric else self.stat


@dataclass(frozen=True, slots=True)
class Cues:
    praise: str
    count: str                       # template: {number}, {side}
    countdown: str                   # template: {remaining}
    hold_done: str
    switch_sides: str
    set_done: str
    pain: str
    setup_ok: str
    setup: Mapping[str, str]         # one text per SETUP_CODES entry


@dataclass(frozen=True, slots=True)
class SetupRule:
    view_ratio_limit: float          # side view: view_ratio must stay below; front view: above
    min_visibility: float
    fail_after_s: float
    ok_after_s: float
    # "Whole body in frame": each requirement is met when one of its alternative landmark sets is
    # all seen (either side will do for near-side metrics). One per metric, one per listed extra.
    requirements: tuple[tuple[frozenset[Landmark], ...], ...]

    @property
    def landmarks(self) -> tuple[Landmark, ...]:
        """Every landmark some requirement may use, in index order."""
        return tuple(sorted({lm for alts in self.requirements for alt in alts for lm in alt}))


@dataclass(frozen=True, slots=True)
class ExerciseDefinition:
    name: str                        # file stem, e.g. "hip_hinge"
    title: str
    path: Path
    view: str                        # "side" | "front"
    metrics: tuple[str, ...]         # every metric the engine computes for this exercise
    units: Mapping[str, str]         # metric -> unit
    phases: tuple[Phase, ...]
    rep: RepRule
    hold: HoldRule | None
    side: SideRule
    prescription: Prescription
    faults: tuple[Fault, ...]
    rep_checks: tuple[RepCheck, ...]
    cues: Cues
    cue_policy: CuePolicyParams
    setup: SetupRule
    source: Mapping[str, Any] = field(repr=False, compare=False)   # parsed TOML, to re-apply prescriptions

    @property
    def required_landmarks(self) -> tuple[Landmark, ...]:
        return self.setup.landmarks

    @property
    def phase_metrics(self) -> tuple[str, ...]:
        """Metrics the phase machine reads: without them nothing can be counted."""
        rules = [r for p in self.phases for r in (p.enter, p.leave)]
        return tuple(dict.fromkeys(m for r in rules for m in r.metrics))

    def fault_cue(self, code: str) -> tuple[int, str] | None:
        """(priority, cue text) of a fault or rep check, None for an unknown code."""
        for item in (*self.faults, *self.rep_checks):
            if item.code == code:
                return item.priority, item.cue
        return None


# ---------------------------------------------------------------- loading


def load_definition(path: Path | str, registry: Registry | None = None,
                    prescription: Mapping[str, Any] | None = None,
                    prescription_source: Path | str = "<overrides>") -> ExerciseDefinition:
    """Read and validate one poses/*.toml file; `prescription` overrides its [prescription] keys."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise DefinitionError(path, "", f"is not valid TOML: {e}.",
                              "Fix the line named above; poses/README.md shows the format.") from e
    except OSError as e:
        raise DefinitionError(path, "", f"cannot be read: {e.strerror}.", "Check the file name.") from e
    return parse_definition(data, path, registry, prescription, prescription_source)


def parse_definition(data: Mapping[str, Any], path: Path | str, registry: Registry | None = None,
                     prescription: Mapping[str, Any] | None = None,
                     prescription_source: Path | str = "<overrides>") -> ExerciseDefinition:
    """Validate a definition already parsed from TOML (tests and tools build these as dicts)."""
    registry = default_registry() if registry is None else registry
    data = copy.deepcopy(dict(data))
    if prescription:
        data["prescription"] = _merge_prescription(data, prescription, Path(prescription_source), Path(path))
    return _Parser(Path(path), registry).definition(data)


def with_prescription(definition: ExerciseDefinition, prescription: Mapping[str, Any],
                      registry: Registry | None = None,
                      source: Path | str = "<overrides>") -> ExerciseDefinition:
    """The same exercise with some prescription keys replaced (validated like the file itself)."""
    return parse_definition(definition.source, definition.path, registry, prescription, source)


def load_overrides(path: Path | str) -> dict[str, dict[str, Any]]:
    """A patient file: one table per exercise name holding prescription keys, e.g. [hip_hinge] reps = 8."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, OSError) as e:
        raise DefinitionError(path, "", f"cannot be read as TOML: {e}.", "Check the file name and its syntax.") from e
    for name, table in data.items():
        if not isinstance(table, dict):
            raise DefinitionError(path, name, f'"{name}" should be a table of prescription keys.',
                                  f'Write it as [{name}] followed by lines such as reps = 8.')
    return data


def load_exercise(name: str, prescription: Mapping[str, Any] | None = None,
                  registry: Registry | None = None, directory: Path | str | None = None) -> ExerciseDefinition:
    """The definition `<directory>/<name>.toml` (default: the shipped poses/), e.g. "hip_hinge";
    a wrong name lists the known ones."""
    directory = poses_dir() if directory is None else Path(directory)
    path = directory / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.toml"))
        raise DefinitionError(directory, "", f'there is no exercise "{name}".',
                              _join(_did_you_mean(name, known), f"Exercises: {', '.join(known)}."))
    return load_definition(path, registry, prescription)


def load_all(directory: Path | str | None = None, registry: Registry | None = None,
             overrides: Mapping[str, Mapping[str, Any]] | None = None,
             overrides_source: Path | str = "<overrides>") -> dict[str, ExerciseDefinition]:
    """Every *.toml in `directory` (default: the shipped poses/), keyed by file stem."""
    directory = poses_dir() if directory is None else Path(directory)
    registry = default_registry() if registry is None else registry
    paths = {p.stem: p for p in sorted(directory.glob("*.toml"))}
    overrides = overrides or {}
    for name in overrides:
        if name not in paths:
            raise DefinitionError(overrides_source, name, f'"{name}" is not an exercise in {directory}.',
                                  _did_you_mean(name, paths) + f" Exercises: {', '.join(paths)}.")
    return {name: load_definition(p, registry, overrides.get(name), overrides_source)
            for name, p in paths.items()}


def _merge_prescription(data: Mapping[str, Any], override: Mapping[str, Any], source: Path,
                        path: Path) -> dict[str, Any]:
    base = dict(data.get("prescription", {}))
    label = path.stem
    for key, value in override.items():
        if key not in _PRESCRIPTION_KEYS:
            raise DefinitionError(source, f"{label}.{key}", f'"{key}" is not a prescription key.',
                                  _did_you_mean(key, _PRESCRIPTION_KEYS)
                                  + f" Prescription keys: {', '.join(_PRESCRIPTION_KEYS)}.")
        if key == "targets" and isinstance(value, Mapping):
            targets = dict(base.get("targets", {}))
            for name, number in value.items():
                if name not in targets:
                    raise DefinitionError(source, f"{label}.targets.{name}",
                                          f'"{name}" is not a target of {path.name}.',
                                          _did_you_mean(name, targets) + f" Targets: {', '.join(targets) or 'none'}.")
                targets[name] = number
            value = targets
        base[key] = value
    return base


# ---------------------------------------------------------------- validation

_TOP_KEYS = ("title", "view", "setup", "side", "prescription", "phase", "rep", "hold", "fault",
             "rep_check", "cues", "cue_policy")
_PRESCRIPTION_KEYS = ("reps", "sets", "hold_s", "sides", "rest_s", "targets")
_SETUP_KEYS = ("view_ratio_limit", "min_visibility", "fail_after_s", "ok_after_s", "landmarks")
_DEFAULT_VIEW_LIMIT = {"side": 0.6, "front": 0.5}   # ~45 degrees off the ideal view still passes
_DEFAULT_CUES = {
    "praise": "That's it.", "count": "{number}", "countdown": "{remaining}", "hold_done": "Done.",
    "switch_sides": "Switch sides.", "set_done": "Set done. Rest.",
    "pain": "Stop and rest. Tell your therapist about it.", "setup_ok": "Good, I can see you.",
}
_DEFAULT_SETUP_CUES = {
    "several_people": "Only one person in view, please.",
    "out_of_frame": "Step back so I can see your whole body.",
    "wrong_view": {"side": "Turn sideways to the camera.", "front": "Turn to face the camera."},
    "cannot_measure": "Move so the camera can see you clearly.",
}
_TEMPLATE_FIELDS = {"count": {"number", "side"}, "countdown": {"remaining"}}


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'Did you mean "{close[0]}"?' if close else ""


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


class _Parser:
    """Walks one parsed TOML document; every check raises DefinitionError naming the field."""

    def __init__(self, path: Path, registry: Registry) -> None:
        self.path = path
        self.registry = registry
        self.targets: Mapping[str, float] = {}
        self.used: dict[str, None] = {}            # metrics referenced, in order of first use

    def fail(self, field_: str, problem: str, hint: str = "") -> NoReturn:
        raise DefinitionError(self.path, field_, problem, hint)

    # -- document

    def definition(self, data: dict[str, Any]) -> ExerciseDefinition:
        self.keys(data, "", _TOP_KEYS, required=("title", "view", "prescription", "phase", "rep"))
        view = self.choice(data["view"], "view", VIEWS)
        prescription = self.prescription(data["prescription"])
        side = self.side(data.get("side"), prescription)
        phases = self.phases(data["phase"])
        names = {p.name for p in phases}
        rep = self.rep(data["rep"], names)
        self.start_phases_absolute(phases, rep)
        hold = self.hold(data.get("hold"), names, prescription)
        faults = tuple(self.fault(t, f"fault[{_label(t, 'code', i)}]", names)
                       for i, t in enumerate(self.table_list(data.get("fault", []), "fault")))
        checks = tuple(self.rep_check(t, f"rep_check[{_label(t, 'code', i)}]", hold)
                       for i, t in enumerate(self.table_list(data.get("rep_check", []), "rep_check")))
        self.unique([f.code for f in faults] + [c.code for c in checks], "fault", "code",
                    hint="Each fault and rep_check needs its own code: the events and the session log use it.")
        self.metric(VIEW_METRIC, "view")
        metrics = tuple(self.used)
        setup = self.setup(data.get("setup", {}), view, metrics)
        return ExerciseDefinition(
            name=self.path.stem, title=self.text(data["title"], "title"), path=self.path, view=view,
            metrics=metrics, units=MappingProxyType({m: self.registry[m].unit for m in metrics}),
            phases=phases, rep=rep, hold=hold, side=side, prescription=prescription, faults=faults,
            rep_checks=checks, cues=self.cues(data.get("cues", {}), view),
            cue_policy=self.cue_policy(data.get("cue_policy", {})), setup=setup, source=data)

    def prescription(self, value: Any) -> Prescription:
        t = self.table(value, "prescription")
        self.keys(t, "prescription", _PRESCRIPTION_KEYS, required=("reps", "sides"))
        targets = self.table(t.get("targets", {}), "prescription.targets")
        self.targets = {name: self.number(v, f"prescription.targets.{name}") for name, v in targets.items()}
        sides = tuple(Side(self.choice(s, f"prescription.sides[{i}]", [x.value for x in Side]))
                      for i, s in enumerate(self.str_list(t["sides"], "prescription.sides")))
        if not sides or (Side.BOTH in sides and len(sides) > 1) or len(set(sides)) != len(sides):
            self.fail("prescription.sides", f"{list(s.value for s in sides)} is not a valid list of sides.",
                      'Write ["both"] for exercises done with both sides at once, or ["left", "right"].')
        return Prescription(
            reps=self.integer(t["reps"], "prescription.reps", minimum=1),
            sets=self.integer(t.get("sets", 1), "prescription.sets", minimum=1),
            hold_s=self.number(t.get("hold_s", 0.0), "prescription.hold_s", minimum=0.0),
            sides=sides, rest_s=self.number(t.get("rest_s", 60.0), "prescription.rest_s", minimum=0.0),
            targets=MappingProxyType(self.targets))

    def side(self, value: Any, prescription: Prescription) -> SideRule:
        if value is None:
            if len(prescription.sides) != 1:
                self.fail("prescription.sides", "lists two sides, but the file has no [side] table to tell them apart.",
                          'Add [side] with metric = "<a side-code metric>", or write sides = ["both"].')
            return SideRule(None, prescription.sides[0])
        t = self.table(value, "side")
        self.keys(t, "side", ("metric",), required=("metric",))
        if Side.BOTH in prescription.sides:
            self.fail("prescription.sides", 'is ["both"] but [side] decides a side for every rep.',
                      'Write sides = ["left", "right"] (in the order they are done), or remove [side].')
        return SideRule(self.metric(t["metric"], "side.metric"), Side.BOTH)

    def phases(self, value: Any) -> tuple[Phase, ...]:
        tables = self.table_list(value, "phase")
        if not tables:
            self.fail("phase", "has no phases.", "Add at least two [[phase]] tables (e.g. top and bottom).")
        phases = []
        for i, t in enumerate(tables):
            where = f"phase[{_label(t, 'name', i)}]"
            self.keys(t, where, ("name", "enter", "leave"), required=("name", "enter", "leave"))
            name = self.identifier(t["name"], f"{where}.name")
            if name == BETWEEN:
                self.fail(f"{where}.name", f'"{BETWEEN}" is reserved for the time between named phases.',
                          "Choose another name.")
            enter, leave = self.rule(t["enter"], f"{where}.enter"), self.rule(t["leave"], f"{where}.leave")
            self.hysteresis(enter, leave, f"{where}.leave")
            phases.append(Phase(name, enter, leave))
        self.unique([p.name for p in phases], "phase", "name", hint="Give each phase its own name.")
        return tuple(phases)

    def rep(self, value: Any, phases: set[str]) -> RepRule:
        t = self.table(value, "rep")
        self.keys(t, "rep", ("metric", "sequences"), required=("metric", "sequences"))
        seqs = self.array(t["sequences"], "rep.sequences")
        if not seqs:
            self.fail("rep.sequences", "is empty.", 'Write e.g. sequences = [["top", "bottom", "top"]].')
        out = []
        for i, seq in enumerate(seqs):
            where = f"rep.sequences[{i}]"
            names = self.str_list(seq, where)
            if len(names) < 2:
                self.fail(where, "needs at least two phases.",
                          'A rep leaves one phase and enters another, e.g. ["top", "bottom", "top"].')
            for name in names:
                self.phase_ref(name, where, phases, allow_between=False)
            if any(a == b for a, b in zip(names, names[1:])):
                self.fail(where, f"{names} names the same phase twice in a row.",
                          "Going back into a phase without visiting another is the same visit: list it once.")
            out.append(tuple(names))
        return RepRule(tuple(out), self.metric(t["metric"], "rep.metric"))

    def start_phases_absolute(self, phases: tuple[Phase, ...], rep: RepRule) -> None:
        """A rep's first phase is where the baseline of relative_to = "rep_start" is taken: its
        own rules cannot be relative to it."""
        starts = {seq[0] for seq in rep.sequences}
        for phase in (p for p in phases if p.name in starts):
            for key, rule in (("enter", phase.enter), ("leave", phase.leave)):
                if any(t.relative_to for t in thresholds(rule.condition)):
                    self.fail(f"phase[{phase.name}].{key}", 'uses relative_to = "rep_start", but reps start '
                              f'in "{phase.name}": that is where the rest value it compares with is taken.',
                              "Give this phase absolute thresholds; relative ones suit the phases and faults after it.")

    def hold(self, value: Any, phases: set[str], prescription: Prescription) -> HoldRule | None:
        if value is None:
            if prescription.hold_s > 0:
                self.fail("prescription.hold_s", "is set but the file has no [hold] table.",
                          'Add [hold] with phase = "<the phase that is held>", or set hold_s = 0.')
            return None
        t = self.table(value, "hold")
        self.keys(t, "hold", ("phase", "countdown_s"), required=("phase",))
        phase = self.phase_ref(t["phase"], "hold.phase", phases, allow_between=False)
        countdown = self.array(t.get("countdown_s", []), "hold.countdown_s")
        return HoldRule(phase, tuple(self.integer(n, f"hold.countdown_s[{i}]", minimum=1)
                                     for i, n in enumerate(countdown)))

    def fault(self, t: dict[str, Any], where: str, phases: set[str]) -> Fault:
        self.keys(t, where, ("code", "phases", "when", "clear", "priority", "cue"),
                  required=("code", "when", "clear", "priority", "cue"))
        when, clear = self.rule(t["when"], f"{where}.when"), self.rule(t["clear"], f"{where}.clear")
        self.hysteresis(when, clear, f"{where}.clear")
        only = None
        if "phases" in t:
            only = frozenset(self.phase_ref(p, f"{where}.phases", phases, allow_between=True)
                             for p in self.str_list(t["phases"], f"{where}.phases"))
            if not only:
                self.fail(f"{where}.phases", "is empty, so the fault would never be checked.",
                          "List the phases where it applies, or remove the key to check it in every phase.")
        return Fault(code=self.identifier(t["code"], f"{where}.code"), when=when, clear=clear, phases=only,
                     priority=self.integer(t["priority"], f"{where}.priority", minimum=1),
                     cue=self.text(t["cue"], f"{where}.cue"))

    def rep_check(self, t: dict[str, Any], where: str, hold: HoldRule | None) -> RepCheck:
        self.keys(t, where, ("code", "stat", "metric", "above", "below", "priority", "cue"),
                  required=("code", "stat", "priority", "cue"))
        stat = self.choice(t["stat"], f"{where}.stat", REP_STATS)
        metric = None
        if stat in METRIC_STATS:
            if "metric" not in t:
                self.fail(f"{where}.metric", f'is missing: stat "{stat}" is taken over a metric.',
                          'Add metric = "<metric name>".')
            metric = self.metric(t["metric"], f"{where}.metric")
        elif "metric" in t:
            self.fail(f"{where}.metric", f'is not used by stat "{stat}".', "Remove it.")
        if stat in HOLD_STATS and hold is None:
            self.fail(f"{where}.stat", f'"{stat}" needs a [hold] table.', 'Add [hold] with phase = "...".')
        ops = [op for op in ("above", "below") if op in t]
        if not ops:
            self.fail(where, 'needs "above" or "below" (both for a band).',
                      "The rep has the fault when its statistic is beyond it (or, with both, between them).")
        label = f"{stat}:{metric}" if metric else stat
        parts = tuple(Threshold(label, op, self.threshold_value(t[op], f"{where}.{op}")) for op in ops)
        if len(parts) == 2 and parts[0].value >= parts[1].value:
            self.fail(where, f"above {parts[0].value:g} and below {parts[1].value:g} leaves no value that passes.",
                      '"above" must be smaller than "below" for a band.')
        return RepCheck(code=self.identifier(t["code"], f"{where}.code"), stat=stat, metric=metric,
                        threshold=parts[0] if len(parts) == 1 else AllOf(parts),
                        priority=self.integer(t["priority"], f"{where}.priority", minimum=1),
                        cue=self.text(t["cue"], f"{where}.cue"))

    def setup(self, value: Any, view: str, metrics: tuple[str, ...]) -> SetupRule:
        t = self.table(value, "setup")
        self.keys(t, "setup", _SETUP_KEYS)
        extra = []
        for i, name in enumerate(self.str_list(t.get("landmarks", []), "setup.landmarks")):
            if name.upper() not in Landmark.__members__:
                self.fail(f"setup.landmarks[{i}]", f'"{name}" is not a landmark name.',
                          _did_you_mean(name, [lm.name.lower() for lm in Landmark]))
            extra.append(Landmark[name.upper()])
        # The view check's own metric adds none: in a side view the far shoulder may well be hidden.
        derived = [self.registry[m].required_sets() for m in metrics if m != VIEW_METRIC]
        extras = [(frozenset({lm}),) for lm in extra]
        return SetupRule(
            view_ratio_limit=self.number(t.get("view_ratio_limit", _DEFAULT_VIEW_LIMIT[view]),
                                         "setup.view_ratio_limit"),
            min_visibility=self.number(t.get("min_visibility", 0.5), "setup.min_visibility", minimum=0.0),
            fail_after_s=self.number(t.get("fail_after_s", 1.0), "setup.fail_after_s", minimum=0.0),
            ok_after_s=self.number(t.get("ok_after_s", 0.5), "setup.ok_after_s", minimum=0.0),
            requirements=tuple(dict.fromkeys([*derived, *extras])))

    def cues(self, value: Any, view: str) -> Cues:
        t = self.table(value, "cues")
        self.keys(t, "cues", (*_DEFAULT_CUES, "setup"))
        texts = {k: self.template(t.get(k, default), f"cues.{k}", _TEMPLATE_FIELDS.get(k, set()))
                 for k, default in _DEFAULT_CUES.items()}
        s = self.table(t.get("setup", {}), "cues.setup")
        self.keys(s, "cues.setup", SETUP_CODES)
        defaults = {k: (v[view] if isinstance(v, dict) else v) for k, v in _DEFAULT_SETUP_CUES.items()}
        setup = {k: self.text(s.get(k, d), f"cues.setup.{k}") for k, d in defaults.items()}
        return Cues(**texts, setup=MappingProxyType(setup))

    def cue_policy(self, value: Any) -> CuePolicyParams:
        t = self.table(value, "cue_policy")
        names = tuple(f.name for f in fields(CuePolicyParams))
        self.keys(t, "cue_policy", names)
        return CuePolicyParams(**{k: self.number(v, f"cue_policy.{k}", minimum=0.0) for k, v in t.items()})

    # -- conditions

    def rule(self, value: Any, where: str) -> Rule:
        t = self.table(value, where)
        for_s = self.number(t.get("for_s", 0.0), f"{where}.for_s", minimum=0.0)
        return Rule(self.condition(t, where, top=True), for_s)

    def condition(self, t: dict[str, Any], where: str, top: bool = False) -> Condition:
        extra = ("for_s",) if top else ()
        if "all" in t or "any" in t:
            key = "all" if "all" in t else "any"
            self.keys(t, where, (key, *extra), required=(key,),
                      hint_extra="Combine conditions with either all or any, not both; for_s goes only at the top.")
            items = self.table_list(t[key], f"{where}.{key}")
            if not items:
                self.fail(f"{where}.{key}", "is empty.", "List at least one condition.")
            parts = tuple(self.condition(item, f"{where}.{key}[{i}]") for i, item in enumerate(items))
            return AllOf(parts) if key == "all" else AnyOf(parts)
        self.keys(t, where, ("metric", "above", "below", "relative_to", *extra), required=("metric",),
                  hint_extra="" if top else "for_s goes only at the top of a condition, next to all/any.")
        metric = self.metric(t["metric"], f"{where}.metric")
        relative = self.choice(t["relative_to"], f"{where}.relative_to", RELATIVE_TO) if "relative_to" in t else None
        ops = [op for op in ("above", "below") if op in t]
        if not ops:
            self.fail(where, 'needs "above" or "below" (both for a band).',
                      f'Write e.g. {{ metric = "{metric}", above = 10 }}.')
        parts = tuple(Threshold(metric, op, self.threshold_value(t[op], f"{where}.{op}"), relative) for op in ops)
        if len(parts) == 2 and parts[0].value >= parts[1].value:
            self.fail(where, f"above {parts[0].value} and below {parts[1].value} leaves no value that passes.",
                      '"above" must be smaller than "below" for a band.')
        return parts[0] if len(parts) == 1 else AllOf(parts)

    def hysteresis(self, enter: Rule, leave: Rule, where: str) -> None:
        """Leaving must need the value to move back past the entry threshold, or noise toggles it."""
        ins, outs = list(thresholds(enter.condition)), list(thresholds(leave.condition))
        for key in dict.fromkeys(t.key for t in ins):
            e = [t for t in ins if t.key == key]
            out = [t for t in outs if t.key == key]
            subject = _subject(e[0])
            pairs = [(a, b) for a in e for b in out if a.op != b.op]
            for a, b in pairs:
                if (b.value < a.value) if a.op == "above" else (b.value > a.value):
                    continue
                self.fail(where, f"leaves at {subject} {b.op} {b.value:g} but enters at {a.op} {a.value:g}: "
                          "there is no hysteresis, so noise near the threshold would flip it back and forth.",
                          _hysteresis_hint(a))
            if out and not pairs:
                self.fail(where, f"enters and leaves with {subject} {e[0].op} a threshold: "
                          "it can never leave in the other direction.", _hysteresis_hint(e[0]))

    # -- references

    def metric(self, value: Any, where: str) -> str:
        name = self.str_value(value, where)
        if name not in self.registry:
            self.fail(where, f'"{name}" is not a known metric.',
                      _join(_did_you_mean(name, self.registry), METRICS_HINT))
        self.used[name] = None
        return name

    def phase_ref(self, value: Any, where: str, phases: set[str], allow_between: bool) -> str:
        name = self.str_value(value, where)
        known = phases | ({BETWEEN} if allow_between else set())
        if name not in known:
            note = f' "{BETWEEN}" only works in a fault\'s phases.' if name == BETWEEN else ""
            self.fail(where, f'"{name}" is not a phase of this file.{note}',
                      _join(_did_you_mean(name, known), f"Phases: {', '.join(sorted(known))}."))
        return name

    def threshold_value(self, value: Any, where: str) -> float:
        if isinstance(value, str):
            if value not in self.targets:
                self.fail(where, f'"{value}" is not a target in [prescription.targets].',
                          _join(_did_you_mean(value, self.targets), "Use a number, or add the target there."))
            return self.targets[value]
        return self.number(value, where)

    # -- plain values

    def keys(self, t: Mapping[str, Any], where: str, allowed: Sequence[str], required: Sequence[str] = (),
             hint_extra: str = "") -> None:
        prefix = f"{where}." if where else ""
        for key in t:
            if key not in allowed:
                self.fail(f"{prefix}{key}", f'"{key}" is not a known key here.',
                          _join(_did_you_mean(key, allowed), f"Allowed keys: {', '.join(allowed)}.", hint_extra))
        for key in required:
            if key not in t:
                self.fail(f"{prefix}{key}", "is missing.", "poses/README.md describes it.")

    def unique(self, values: list[str], table: str, key: str, hint: str) -> None:
        seen: set[str] = set()
        for v in values:
            if v in seen:
                self.fail(f"{table}[{v}].{key}", f'"{v}" is used twice.', hint)
            seen.add(v)

    def table(self, value: Any, where: str) -> dict[str, Any]:
        return self.typed(value, where, dict, "a table, e.g. { metric = \"...\", above = 10 }")

    def array(self, value: Any, where: str) -> list[Any]:
        return self.typed(value, where, list, "a list in square brackets")

    def table_list(self, value: Any, where: str) -> list[dict[str, Any]]:
        items = self.array(value, where)
        return [self.table(item, f"{where}[{i}]") for i, item in enumerate(items)]

    def str_list(self, value: Any, where: str) -> list[str]:
        return [self.str_value(v, f"{where}[{i}]") for i, v in enumerate(self.array(value, where))]

    def str_value(self, value: Any, where: str) -> str:
        return self.typed(value, where, str, "text in double quotes")

    def text(self, value: Any, where: str) -> str:
        s = self.str_value(value, where)
        if not s.strip():
            self.fail(where, "is empty.", "Write the words the coach should say.")
        return s.strip()

    def template(self, value: Any, where: str, allowed: set[str]) -> str:
        s = self.text(value, where)
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}
        except ValueError as e:
            self.fail(where, f"{s!r} has unbalanced braces ({e}).", "Write {{ or }} for a literal brace.")
        for name in names:
            if name not in allowed:
                self.fail(where, f'"{{{name}}}" cannot be filled in here.',
                          f"Placeholders here: {', '.join('{' + a + '}' for a in sorted(allowed)) or 'none'}.")
        return s

    def identifier(self, value: Any, where: str) -> str:
        s = self.str_value(value, where)
        if not _NAME.match(s):
            self.fail(where, f'"{s}" is not a valid name.',
                      "Use lower-case letters, digits and underscores, e.g. rounded_back.")
        return s

    def choice(self, value: Any, where: str, allowed: Sequence[str]) -> str:
        s = self.str_value(value, where)
        if s not in allowed:
            self.fail(where, f'"{s}" is not allowed here.',
                      _join(_did_you_mean(s, allowed), f"Allowed: {', '.join(allowed)}."))
        return s

    def number(self, value: Any, where: str, minimum: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"should be a number, not {_describe(value)}.", "Write e.g. 0.5 (no quotes).")
        if minimum is not None and value < minimum:
            self.fail(where, f"is {value} but must be at least {minimum:g}.", f"Write a value of {minimum:g} or more.")
        return float(value)

    def integer(self, value: Any, where: str, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"should be a whole number, not {_describe(value)}.", "Write e.g. 10 (no quotes).")
        if value < minimum:
            self.fail(where, f"is {value} but must be at least {minimum}.", f"Write {minimum} or more.")
        return value

    def typed(self, value: Any, where: str, kind: type, wanted: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, kind):
            self.fail(where, f"should be {wanted}, not {_describe(value)}.", "poses/README.md shows the format.")
        return value


def _label(t: Any, key: str, index: int) -> str:
    """How an array item is named in error fields: its name/code, else its 1-based position."""
    value = t.get(key) if isinstance(t, dict) else None
    return value if isinstance(value, str) and value else str(index + 1)


def _subject(t: Threshold) -> str:
    """How error messages name what a threshold reads."""
    return t.metric if t.relative_to is None else f"the change of {t.metric} since the rep began"


def _hysteresis_hint(enter: Threshold) -> str:
    """Suggest a leave threshold ~10% back from the enter one."""
    step = max(abs(enter.value) * 0.1, 0.01)
    op, value = ("below", enter.value - step) if enter.op == "above" else ("above", enter.value + step)
    return (f"Leave with {op} = {round(value, 3):g} or another value on the far side of the enter "
            f"threshold ({enter.op} {enter.value:g}), so that small wobbles do not count.")


def _describe(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a whole number", float: "a number",
             list: "a list", dict: "a table"}
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"
