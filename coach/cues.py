"""The cue policy: engine events in, `CueDecided` events out. Pure: no clock, no I/O.

Call `update(t_s, events)` once per frame, also when there are no events, so a waiting cue can be
said as soon as the voice is free. Rules, in order:
- pain is said at once (speakers cut the current utterance for it) and everything queued is dropped;
- one cue at a time: a cue's speaking time is estimated from its word count and blocks the next;
- while a setup problem is active only setup cues are said (coaching is paused);
- the most important candidate goes first: setup, then counts and countdowns, then switch sides /
  set done, then active faults by their priority, then praise;
- corrections, praise and announcements need `min_gap_s` of silence first and are not repeated
  within `repeat_window_s`; counts, countdowns and "hold done" are exempt (they are short and only
  make sense on time), and are dropped instead when they could not be said within a short time;
- praise ("That's it") follows only the correction of a fault that was cued while it was active.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.conditions import TIME_EPS_S
from coach.events import (CueDecided, Event, FaultEnded, FaultStarted, HoldEnded, HoldProgress,
                          PainReported, RepCompleted, SetComplete, SetupOk, SetupProblem, SideComplete)

if TYPE_CHECKING:
    from coach.definitions import ExerciseDefinition


@dataclass(frozen=True, slots=True)
class CuePolicyParams:
    """Timing of the cue policy; a definition's [cue_policy] table overrides any of these."""

    min_gap_s: float = 1.5          # silence after a cue before a correction or praise
    repeat_window_s: float = 8.0    # the same text is not said again within this window
    words_per_s: float = 2.5        # speaking rate used to estimate how long a cue lasts
    speech_pad_s: float = 0.4       # added to each estimate: voice start-up and trailing pause
    timely_s: float = 1.5           # a count, hold done or praise not said within this is dropped
    countdown_late_s: float = 0.8   # a countdown number not said within this is dropped (the next one comes)
    rep_fault_s: float = 4.0        # a fault found at rep end (e.g. rushing) is dropped after this
    announce_s: float = 10.0        # switch sides, set done and setup ok stay pending this long


# Base priority of each kind; lower is said first. A fault's is FAULT_BASE + its own priority.
_RANK = {"pain": 0, "setup": 1, "count": 2, "countdown": 2, "hold_done": 3, "switch_sides": 4, "set_done": 4}
FAULT_BASE = 10
PRAISE_RANK = 100
_ON_TIME_KINDS = frozenset({"pain", "count", "countdown", "hold_done"})   # exempt from the gap and the repeat window


@dataclass(slots=True)
class _Candidate:
    priority: int
    since_s: float        # ties go to the older candidate
    expires_s: float
    kind: str
    text: str
    source: str


class CuePolicy:
    """Decides what to say and when, for one exercise definition."""

    def __init__(self, definition: ExerciseDefinition, params: CuePolicyParams | None = None) -> None:
        self.definition = definition
        self.params = definition.cue_policy if params is None else params
        self._pending: list[_Candidate] = []
        self._faults: dict[str, float] = {}       # active continuous faults: code -> start
        self._setup: dict[str, float] = {}        # active setup problems: code -> start
        self._cued_faults: set[str] = set()       # active faults that have been spoken about
        self._said: dict[str, float] = {}         # text -> when last said
        self._busy_until_s = -math.inf
        self._last_end_s = -math.inf

    def speaking_s(self, text: str) -> float:
        return self.params.speech_pad_s + len(text.split()) / self.params.words_per_s

    def update(self, t_s: float, events: Iterable[Event] = ()) -> list[CueDecided]:
        for event in events:
            if isinstance(event, PainReported):
                return [self._pain(t_s, event)]
            self._ingest(event)
        if t_s < self._busy_until_s - TIME_EPS_S:
            return []
        self._pending = [c for c in self._pending if c.expires_s >= t_s]
        chosen = min((c for c in self._candidates() if self._may_say(c, t_s)),
                     key=lambda c: (c.priority, c.since_s), default=None)
        return [] if chosen is None else [self._say(t_s, chosen)]

    # -- events to candidates

    def _ingest(self, e: Event) -> None:
        cues, p = self.definition.cues, self.params
        if isinstance(e, SetupProblem):
            self._setup.setdefault(e.code, e.t_s)
        elif isinstance(e, SetupOk):
            self._setup.clear()
            self._drop("setup")
            self._queue(e.t_s, p.announce_s, "setup", cues.setup_ok, "setup_ok")
        elif isinstance(e, FaultStarted):
            self._faults[e.code] = e.t_s
        elif isinstance(e, FaultEnded):
            self._faults.pop(e.code, None)
            if e.code in self._cued_faults and e.corrected:
                self._queue(e.t_s, p.timely_s, "praise", cues.praise, e.code)
            self._cued_faults.discard(e.code)
        elif isinstance(e, RepCompleted):
            count = cues.count.format(number=e.number, side=e.side.value)
            self._queue(e.t_s, p.timely_s, "count", count, "RepCompleted")
            for code in e.fault_codes:
                if code in {c.code for c in self.definition.rep_checks}:
                    self._queue_fault(e.t_s, p.rep_fault_s, code)
        elif isinstance(e, HoldProgress):
            self._hold_progress(e)
        elif isinstance(e, HoldEnded):
            self._drop("countdown")
        elif isinstance(e, SideComplete):
            self._queue(e.t_s, p.announce_s, "switch_sides", cues.switch_sides, "SideComplete")
        elif isinstance(e, SetComplete):
            self._drop("switch_sides")        # the last side's completion ends the set: no switch
            self._queue(e.t_s, p.announce_s, "set_done", cues.set_done, "SetComplete")

    def _hold_progress(self, e: HoldProgress) -> None:
        hold, cues = self.definition.hold, self.definition.cues
        if hold is None:
            return
        if e.remaining_s == 0:
            self._drop("countdown")
            self._queue(e.t_s, self.params.timely_s, "hold_done", cues.hold_done, "HoldProgress")
        elif e.remaining_s in hold.countdown_s:
            self._queue(e.t_s, self.params.countdown_late_s, "countdown",
                        cues.countdown.format(remaining=e.remaining_s), "HoldProgress")

    def _queue(self, t_s: float, keep_s: float, kind: str, text: str, source: str) -> None:
        rank = PRAISE_RANK if kind == "praise" else _RANK[kind]
        self._pending.append(_Candidate(rank, t_s, t_s + keep_s, kind, text, source))

    def _queue_fault(self, t_s: float, keep_s: float, code: str) -> None:
        found = self.definition.fault_cue(code)
        if found is not None:
            priority, text = found
            self._pending.append(_Candidate(FAULT_BASE + priority, t_s, t_s + keep_s, "fault", text, code))

    def _drop(self, kind: str) -> None:
        self._pending = [c for c in self._pending if c.kind != kind]

    # -- choosing

    def _candidates(self) -> list[_Candidate]:
        if self._setup:   # coaching is paused: only the setup problem matters
            texts = self.definition.cues.setup
            return [_Candidate(_RANK["setup"], since, math.inf, "setup", texts[code], code)
                    for code, since in self._setup.items() if code in texts]
        active = []
        for code, since in self._faults.items():
            found = self.definition.fault_cue(code)
            if found is not None:
                active.append(_Candidate(FAULT_BASE + found[0], since, math.inf, "fault", found[1], code))
        return self._pending + active

    def _may_say(self, c: _Candidate, t_s: float) -> bool:
        if c.kind in _ON_TIME_KINDS:
            return True
        return (t_s - self._last_end_s >= self.params.min_gap_s - TIME_EPS_S
                and t_s - self._said.get(c.text, -math.inf) >= self.params.repeat_window_s - TIME_EPS_S)

    def _say(self, t_s: float, c: _Candidate) -> CueDecided:
        self._pending = [p for p in self._pending if p is not c]
        if c.kind == "fault" and c.source in self._faults:
            self._cued_faults.add(c.source)
        self._said[c.text] = t_s
        self._busy_until_s = self._last_end_s = t_s + self.speaking_s(c.text)
        return CueDecided(t_s, c.text, c.kind, c.priority, c.source)

    def _pain(self, t_s: float, e: PainReported) -> CueDecided:
        self._pending.clear()
        self._faults.clear()
        self._setup.clear()
        self._cued_faults.clear()
        return self._say(t_s, _Candidate(_RANK["pain"], e.t_s, math.inf, "pain",
                                         self.definition.cues.pain, "PainReported"))
