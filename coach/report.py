"""What a recorded session shows a therapist, and its exports.

`load_session_doc(folder)` reads a session folder (whatever is left of it) into a `SessionDoc`: its
sets, each with the per-rep table, the phases, the marks for reps, faults, cues, pain and setup
problems, and the exercise's key angles over time, computed from the stored landmarks with
coach.metrics. The replay window and every export read this one model. What the coach said and
counted comes from the recorded events, never recomputed.

Exports: a per-frame CSV and a per-rep CSV; a self-contained HTML report (inline CSS and SVG
charts, no scripts, nothing fetched) fit to send to a patient or a colleague; a PDF of it printed by
headless Chromium; the video with faces blurred. `describe_session` and `session_table` give the
text `coach sessions show` and `list` print.
"""

from __future__ import annotations

import csv
import html
import logging
import math
import shutil
import subprocess
import tempfile
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from coach import __version__
from coach.analysis import STANDARD_COLUMNS, standard_angles
from coach.coaching import faults_needing_3d
from coach.definitions import ExerciseDefinition, load_exercise
from coach.errors import CoachError
from coach.events import CueDecided, PhaseEntered
from coach.frames import PoseFrame
from coach.landmarks import Landmark
from coach.metrics import METRICS, compute
from coach.programme import RestStarted
from coach.recording import LandmarkTrack, RecordedSession, read_session
from coach.store import (SessionRow, SetSlice, meta_patient, rep_rows, session_end_s, session_start_s,
                         split_sets, started_from_folder)

log = logging.getLogger(__name__)

FALLBACK_METRICS = ("trunk_incline_deg", "hip_angle_near_deg", "knee_angle_near_deg")  # exercise unknown
MAX_CHARTS = 4                       # key angles charted per exercise
END_REASONS = {"done": "Completed", "pain": "Stopped: pain", "stopped": "Stopped early",
               "source_ended": "Video ended", "source_failed": "Camera or video failed", "error": "Coach error"}

# The product's colours (ui/theme.py), and tints of them for a white page.
ACCENT, FAULT, DANGER, INFO, WARNING = "#2ec4b6", "#ff7a1a", "#e5383b", "#5aa9ff", "#ffb020"
INK, MUTED, RULE = "#18202b", "#5d6878", "#dfe4ea"
ACCENT_INK = "#13877d"               # the accent dark enough for text on white
PHASE_COLOURS = ("#2ec4b6", "#5aa9ff", "#b98cf0", "#f2c14e", "#7fd17a", "#f08cb5")


class ReportError(CoachError):
    """An export could not be written."""

    exit_code = 2


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class PhaseSpan:
    phase: str
    side: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Marker:
    """Something to mark on the timeline: an instant (end_s None) or a span."""

    kind: str                        # rep | hold | fault | cue | pain | setup
    t_s: float
    label: str
    detail: str = ""
    end_s: float | None = None
    tone: str = ""                   # for cues: the cue kind (fault, praise, count, ...)
    code: str = ""                   # for faults: the fault code

    @property
    def short(self) -> str:
        """A rep's tag on a timeline: its number, with L or R for a sided rep ("L2")."""
        words = self.label.split()
        side = words[2][0].upper() if len(words) > 2 else ""
        return f"{side}{words[1]}" if self.kind == "rep" and len(words) > 1 else self.label


@dataclass
class SetView:
    """One set of a session, ready to show."""

    slice: SetSlice
    definition: ExerciseDefinition | None
    summary: dict[str, Any]
    rows: list[dict[str, Any]]       # coach.store.rep_rows
    phases: list[PhaseSpan]
    markers: list[Marker]
    metrics: tuple[str, ...]         # the key angles charted

    @property
    def title(self) -> str:
        s = self.slice
        return f"{s.title}, set {s.set_number} of {s.sets}" if s.sets > 1 else s.title

    @property
    def active_end_s(self) -> float:
        """Where the exercise ends and the rest before the next one begins (the set's end without a rest)."""
        rest = next((m for m in self.markers if m.kind == "rest"), None)
        return rest.t_s if rest is not None else self.slice.end_s

    @property
    def phase_names(self) -> tuple[str, ...]:
        """Named phases in the definition's order (colours follow it)."""
        if self.definition is not None:
            return tuple(p.name for p in self.definition.phases)
        return tuple(dict.fromkeys(p.phase for p in self.phases if p.phase != "between"))

    def phase_colour(self, phase: str) -> str | None:
        names = self.phase_names
        return PHASE_COLOURS[names.index(phase) % len(PHASE_COLOURS)] if phase in names else None

    @property
    def not_watched(self) -> tuple[str, ...]:
        """Faults a webcam recording cannot show (they need measured 3D), so nobody watched for them."""
        return faults_needing_3d(self.definition) if self.definition is not None else ()

    def fault_text(self, code: str) -> str:
        """The cue the definition says for a fault: what the patient should do instead."""
        found = self.definition.fault_cue(code) if self.definition is not None else None
        return found[1] if found else ""

    def faults_at(self, t_s: float) -> set[str]:
        """Codes of the faults active at t_s."""
        return {m.code for m in self.markers
                if m.kind == "fault" and m.t_s <= t_s <= (m.end_s if m.end_s is not None else m.t_s)}


@dataclass
class SessionDoc:
    folder: Path
    session: RecordedSession
    title: str
    started_at: datetime | None
    end_reason: str | None
    duration_s: float
    sets: list[SetView]
    patient: tuple[str, str] | None = None        # (code, name)
    session_id: int | None = None
    _series: dict[int, dict[str, npt.NDArray[np.float64]]] = field(default_factory=dict, repr=False)

    @property
    def problems(self) -> list[str]:
        return self.session.problems

    @property
    def track(self) -> LandmarkTrack | None:
        return self.session.landmarks

    @property
    def times_s(self) -> npt.NDArray[np.float64]:
        return self.track.t_s if self.track is not None else np.zeros(0)

    def set_at(self, t_s: float) -> int:
        """Index of the set in progress at t_s."""
        starts = [s.slice.start_s for s in self.sets]
        return max(0, bisect_right(starts, t_s) - 1)

    def frame_index(self, t_s: float) -> int | None:
        """The landmark record shown at t_s: the last one at or before it."""
        if self.track is None or not len(self.track):
            return None
        return max(0, bisect_right(self.track.t_s, t_s + 1e-6) - 1)

    def pose(self, index: int) -> PoseFrame:
        return pose_from_track(self.track, index)  # type: ignore[arg-type]

    def series(self, set_index: int) -> dict[str, npt.NDArray[np.float64]]:
        """The set's key angles over its exercise time (not its rest): {"t_s": (T,), metric: (T,)}."""
        if set_index not in self._series:
            view = self.sets[set_index]
            self._series[set_index] = metric_series(self.track, view.metrics, view.slice.start_s, view.active_end_s)
        return self._series[set_index]

    @cached_property
    def fault_counts(self) -> Counter[str]:
        return Counter(f["code"] for s in self.sets for f in s.summary["faults"])


def load_session_doc(folder: Path | str, row: SessionRow | None = None) -> SessionDoc:
    """A session folder as the replay and the reports show it; damage is listed, never raised."""
    session = read_session(folder)
    end_s = session_end_s(session)
    slices = split_sets(session.events, end_s, session.meta, session.path.name, session_start_s(session))
    sets = [_set_view(piece) for piece in slices]
    meta = session.meta
    title = meta.get("title") or " + ".join(dict.fromkeys(s.slice.title for s in sets)) or session.path.name
    ended = meta.get("ended") or {}
    started = row.started_at if row is not None else _started_at(session)
    patient = (row.patient.code, row.patient.name) if row is not None and row.patient else meta_patient(meta)
    return SessionDoc(session.path, session, title, started, ended.get("reason"), end_s, sets, patient,
                      row.id if row is not None else None)


def _set_view(piece: SetSlice) -> SetView:
    definition = _definition(piece.exercise)
    summary = piece.summary
    return SetView(piece, definition, summary, rep_rows(summary), _phases(piece), _markers(piece, summary),
                   chart_metrics(definition))


def _definition(exercise: str | None) -> ExerciseDefinition | None:
    if not exercise:
        return None
    try:
        return load_exercise(exercise)
    except CoachError as exc:        # a definition renamed or broken since: show the session without it
        log.warning("exercise %s cannot be loaded for replay: %s", exercise, exc)
        return None


def _started_at(session: RecordedSession) -> datetime | None:
    text = session.meta.get("started_at") or started_from_folder(session.path.name)
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _phases(piece: SetSlice) -> list[PhaseSpan]:
    entered = [e for e in piece.events if isinstance(e, PhaseEntered)]
    spans = []
    for i, e in enumerate(entered):
        end_s = entered[i + 1].t_s if i + 1 < len(entered) else piece.end_s
        if end_s > e.t_s:
            spans.append(PhaseSpan(e.phase, e.side.value, e.t_s, end_s))
    return spans


def _markers(piece: SetSlice, summary: Mapping[str, Any]) -> list[Marker]:
    marks = [Marker("rep", r["end_s"], f"Rep {r['number']}" + ("" if r["side"] == "both" else f" {r['side']}"),
                    ", ".join(fault_label(c) for c in r["faults"]))        # a rep is marked where it was counted
             for r in summary["rep_table"] if r["end_s"] is not None]
    marks += [Marker("hold", h["start_s"], f"Hold {h['side']}" if h["side"] != "both" else "Hold",
                     f"{h['good_s']:.1f} s in good form of {h['total_s']:.1f} s", h["end_s"])
              for h in summary["holds"] if h["start_s"] is not None]
    marks += [Marker("fault", f["start_s"], fault_label(f["code"]), f"rep {f['rep']}, {f['side']}", f["end_s"],
                     code=f["code"]) for f in summary["faults"] if f["start_s"] is not None]
    marks += [Marker("cue", e.t_s, e.text, e.source, tone=e.kind) for e in piece.events if isinstance(e, CueDecided)]
    marks += [Marker("pain", p["t_s"], "Pain reported", "The patient pressed \"It hurts\"; the set was stopped.")
              for p in summary["pain"]]
    marks += [Marker("setup", p["t_s"], p["message"], p["code"]) for p in summary["setup_problems"]]
    marks += _rest_marks(piece)
    return sorted(marks, key=lambda m: m.t_s)


def _rest_marks(piece: SetSlice) -> list[Marker]:
    """The rest after the set (programme sessions): the angles are not charted then."""
    rest = next((e for e in piece.events if isinstance(e, RestStarted) and e.t_s >= piece.start_s), None)
    if rest is None or rest.t_s >= piece.end_s:
        return []
    return [Marker("rest", rest.t_s, "Rest", f"{rest.rest_s:g} s, then {rest.next_title}", piece.end_s)]


def fault_label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def metric_label(name: str, unit: bool = True) -> str:
    """"knee_angle_near_deg" -> "Knee angle (°)"."""
    words = name.split("_")
    suffix = {"deg": "°", "ratio": "ratio"}.get(words[-1])
    core = [w for w in (words[:-1] if suffix else words) if w not in ("near", "reach")]
    text = " ".join(core).capitalize()
    return f"{text} ({suffix})" if unit and suffix else text


def chart_metrics(definition: ExerciseDefinition | None, limit: int = MAX_CHARTS) -> tuple[str, ...]:
    """The exercise's key angles: its main metric, then what its phases and faults read; degrees first.
    Metrics that need the silhouette mask are left out: the mask is not stored."""
    if definition is None:
        return FALLBACK_METRICS
    names = [definition.rep.metric, *definition.phase_metrics,
             *(m for f in definition.faults for m in f.when.metrics)]
    usable = [m for m in dict.fromkeys(names)
              if m in METRICS and METRICS[m].unit in ("deg", "ratio") and not METRICS[m].needs_mask]
    ordered = sorted(usable, key=lambda m: METRICS[m].unit != "deg")
    return tuple(ordered[:limit]) or FALLBACK_METRICS


def pose_from_track(track: LandmarkTrack, i: int) -> PoseFrame:
    if track.people[i] <= 0:
        return PoseFrame.empty(float(track.t_s[i]), track.image_size)
    return PoseFrame(float(track.t_s[i]), track.image_size, track.xy_px[i], track.z_px[i], track.world_m[i],
                     track.visibility[i], track.presence[i], int(track.people[i]))


def metric_series(track: LandmarkTrack | None, metrics: Sequence[str], start_s: float = -math.inf,
                  end_s: float = math.inf) -> dict[str, npt.NDArray[np.float64]]:
    """{"t_s": (T,), metric: (T,)} over the landmark records in [start_s, end_s]; NaN where unknown."""
    if track is None or not len(track):
        return {"t_s": np.zeros(0), **{m: np.zeros(0) for m in metrics}}
    rows = np.flatnonzero((track.t_s >= start_s) & (track.t_s <= end_s))
    values = np.full((len(rows), len(metrics)), np.nan)
    for k, i in enumerate(rows):
        if track.people[i] > 0:
            frame = compute(pose_from_track(track, int(i)), metrics)
            values[k] = [frame.values[m] for m in metrics]
    return {"t_s": track.t_s[rows].astype(np.float64), **{m: values[:, j] for j, m in enumerate(metrics)}}


# ---------------------------------------------------------------- text (coach sessions list / show)


def clock(t_s: float | None) -> str:
    """Media time as m:ss.s."""
    if t_s is None or not math.isfinite(t_s):
        return "-"
    minutes, seconds = divmod(max(0.0, t_s), 60)
    return f"{int(minutes)}:{seconds:04.1f}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def duration_text(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def date_text(when: datetime | None) -> str:
    return when.strftime("%a %d %b %Y, %H:%M") if when else "date unknown"


def session_table(rows: Sequence[SessionRow]) -> str:
    """The table `coach sessions list` prints."""
    if not rows:
        return "No sessions recorded yet."
    lines = [f"{'ID':>4}  {'Started':<16}  {'Patient':<18}  {'Session':<40}  {'Done':<16}  {'Length':>7}  "
             f"{'Ended':<16}  Notes"]
    for r in rows:
        counts = (plural(r.reps, "rep") if r.reps else "", plural(r.holds, "hold") if r.holds else "")
        done = ", ".join(x for x in counts if x)
        notes = [f"{r.pain} pain report(s)" if r.pain else "", f"{r.faults} fault(s)" if r.faults else "",
                 "folder missing" if not r.folder_exists else (f"{len(r.problems)} problem(s)" if r.problems else "")]
        patient = f"{r.patient.code} {r.patient.name}".strip() if r.patient else "-"
        lines.append(f"{r.id:>4}  {r.started_at.strftime('%Y-%m-%d %H:%M') if r.started_at else '-':<16}  "
                     f"{patient[:18]:<18}  {' + '.join(r.exercises) or r.title:<40.40}  {done or 'nothing':<16}  "
                     f"{clock(r.duration_s)[:-2]:>7}  {END_REASONS.get(r.end_reason or '', 'did not end cleanly'):<16}  "
                     f"{'; '.join(n for n in notes if n)}")
    return "\n".join(lines)


def describe_session(doc: SessionDoc | None, row: SessionRow, stored_sets: Sequence[Any] = ()) -> str:
    """What `coach sessions show` prints: from the folder when it is there, else from the catalogue."""
    lines = [f"Session {row.id}: {row.title}",
             f"  Started  {date_text(row.started_at)}    Length {duration_text(row.duration_s)}    "
             f"Ended: {END_REASONS.get(row.end_reason or '', 'did not end cleanly')}",
             f"  Patient  {(row.patient.code + ' ' + row.patient.name).strip() if row.patient else 'not filed'}",
             f"  Folder   {row.folder}"]
    if doc is None:
        lines += [f"  The session folder is missing: only the catalogue's summary is left.",
                  *(_stored_set_lines(s) for s in stored_sets)]
        return "\n".join(lines)
    lines.append(f"  Files    {_files_line(doc)}")
    if doc.problems:
        lines.append("  Missing or damaged (everything else is shown):")
        lines += [f"    - {p}" for p in doc.problems]
    for view in doc.sets:
        lines += _set_lines(view)
    return "\n".join(lines)


def _files_line(doc: SessionDoc) -> str:
    video = f"video to {clock(doc.session.video_end_s)}" if doc.session.video else "no video"
    marks = f"landmarks {len(doc.track)} frames" if doc.track is not None else "no landmarks"
    return f"{video}, {marks}, {len(doc.session.events)} events"


def _set_lines(view: SetView) -> list[str]:
    s, summary = view.slice, view.summary
    sided = s.sides != ("both",)
    target = f"target {s.target_reps} reps{' per side' if sided else ''}" if s.target_reps else "no target"
    reps = summary["reps"]
    lines = [f"{view.title} ({clock(s.start_s)} to {clock(s.end_s)}), {target}",
             f"  Reps: {reps['total']}" + (f" (left {reps['left']}, right {reps['right']})" if sided else "")]
    for row in view.rows:
        lines.append("    " + _row_text(row))
    for fault in summary["faults"]:
        lines.append(f"  Fault {fault['code']} ({fault['side']}, rep {fault['rep']}) "
                     f"{clock(fault['start_s'])} to {clock(fault['end_s'])}: {view.fault_text(fault['code'])}")
    if view.not_watched:
        lines.append(f"  Not watched (a webcam cannot show them): {', '.join(view.not_watched)}")
    lines += [f"  PAIN reported at {clock(p['t_s'])}" for p in summary["pain"]]
    lines += [f"  Setup at {clock(p['t_s'])}: {p['message']}" for p in summary["setup_problems"]]
    cues = [e for e in s.events if isinstance(e, CueDecided)]
    lines.append(f"  Cues said ({len(cues)}):")
    lines += [f"    {clock(c.t_s):>7}  \"{c.text}\"" for c in cues]
    return lines


def _row_text(row: Mapping[str, Any]) -> str:
    what = f"rep {row['number']}" if row["kind"] == "rep" else "hold"
    parts = [f"{what:<7}", f"{row['side']:<5}", f"at {clock(row['start_s'])}", f"{_num(row['duration_s'], 's')}"]
    if row["range"] is not None:
        parts.append(f"range {_num(row['range'], row['range_unit'])}")
    if row["hold_good_s"] is not None:
        parts.append(f"hold {row['hold_good_s']:.1f} s good of {row['hold_total_s']:.1f} s")
    parts.append(", ".join(row["faults"]) or "good form")
    return "  ".join(parts)


def _stored_set_lines(stored: Any) -> str:
    faults = ", ".join(f["code"] for f in stored.faults) or "none"
    return (f"{stored.title}: Reps: {len(stored.reps)}, holds {len(stored.holds)}, faults {faults}, "
            f"pain {len(stored.pain)}")


def _num(value: float | None, unit: str | None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    if unit == "deg":
        return f"{value:.0f}°"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:.2f} {unit or ''}".strip()


# ---------------------------------------------------------------- CSV


def write_reps_csv(doc: SessionDoc, path: Path) -> Path:
    """One row per rep (and per hold outside any rep), every set of the session."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["set", "exercise", "kind", "side", "number", "start_s", "end_s", "duration_s", "metric",
                         "range", "range_unit", "hold_good_s", "hold_total_s", "faults"])
        for view in doc.sets:
            for r in view.rows:
                writer.writerow([view.slice.position + 1, view.slice.exercise or "", r["kind"], r["side"],
                                 r["number"] or "", *(_cell(r[k]) for k in ("start_s", "end_s", "duration_s")),
                                 r["metric"] or "", _cell(r["range"]), r["range_unit"] or "",
                                 _cell(r["hold_good_s"]), _cell(r["hold_total_s"]), ";".join(r["faults"])])
    return path


def write_frames_csv(doc: SessionDoc, path: Path) -> Path:
    """One row per landmark record: time, set, exercise, phase, the set's key angles, the standard
    angles, then every landmark's x, y, z and visibility (as `coach analyze` writes them)."""
    track = doc.track
    if track is None:
        raise ReportError(f"{doc.folder} has no landmarks, so there is no per-frame table.",
                          "The per-rep table and the report can still be exported.")
    metrics = list(dict.fromkeys(m for view in doc.sets for m in view.metrics))
    standard = standard_angles(track.xy_px, track.visibility)
    header = ["t_s", "people", "set", "exercise", "phase", *metrics, *STANDARD_COLUMNS]
    header += [f"{lm.name.lower()}_{axis}" for lm in Landmark for axis in ("x_px", "y_px", "z_px", "visibility")]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i, set_index, values in _frame_metric_rows(doc, metrics):
            view = doc.sets[set_index]
            phase = _phase_at(view.phases, float(track.t_s[i]))
            landmarks = np.column_stack([track.xy_px[i], track.z_px[i], track.visibility[i]]).ravel()
            writer.writerow([f"{track.t_s[i]:.4f}", int(track.people[i]), set_index + 1, view.slice.exercise or "",
                             phase, *(_fmt(v, 3) for v in values), *(_fmt(v, 2) for v in standard[i]),
                             *(_fmt(v, 2) for v in landmarks)])
    return path


def _frame_metric_rows(doc: SessionDoc, metrics: list[str]) -> Iterable[tuple[int, int, list[float]]]:
    for set_index, view in enumerate(doc.sets):
        series = doc.series(set_index)
        first = int(np.searchsorted(doc.times_s, view.slice.start_s))
        for k in range(len(series["t_s"])):
            if set_index + 1 < len(doc.sets) and series["t_s"][k] >= doc.sets[set_index + 1].slice.start_s:
                break
            yield first + k, set_index, [float(series[m][k]) if m in series else math.nan for m in metrics]


def _phase_at(phases: Sequence[PhaseSpan], t_s: float) -> str:
    for span in phases:
        if span.start_s <= t_s < span.end_s:
            return span.phase
    return ""


def _cell(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.3f}"


def _fmt(value: float, decimals: int) -> str:
    return "" if not math.isfinite(value) else f"{value:.{decimals}f}"


# ---------------------------------------------------------------- HTML report


def write_report_html(doc: SessionDoc, path: Path) -> Path:
    """A self-contained report: summary, charts (inline SVG) and the per-rep table of every set."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(doc), encoding="utf-8")
    return path


def report_html(doc: SessionDoc) -> str:
    sections = "\n".join(_set_section(doc, i) for i in range(len(doc.sets)))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(doc.title)}: exercise session report</title>
<style>{_CSS}</style></head>
<body><main>
{_header(doc)}
{_summary_cards(doc)}
{_problems_box(doc)}
{_work_on(doc)}
{sections}
{_footer(doc)}
</main></body></html>
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _header(doc: SessionDoc) -> str:
    patient = f"{doc.patient[1]} ({doc.patient[0]})" if doc.patient and doc.patient[1] else \
        (doc.patient[0] if doc.patient else "not filed under a patient")
    reason = doc.end_reason
    chip_tone = "danger" if reason == "pain" else "good" if reason == "done" else "neutral"
    chip = END_REASONS.get(reason or "", "Did not end cleanly")
    return f"""<header class="top">
  <div class="brand">Back coach <span>Exercise session report</span></div>
  <div class="title-row"><h1>{_e(doc.title)}</h1><span class="chip {chip_tone}">{_e(chip)}</span></div>
  <dl class="facts">
    <div><dt>Date</dt><dd>{_e(date_text(doc.started_at))}</dd></div>
    <div><dt>Length</dt><dd>{_e(duration_text(doc.duration_s))}</dd></div>
    <div><dt>Patient</dt><dd>{_e(patient)}</dd></div>
    <div><dt>Exercises</dt><dd>{_e(", ".join(dict.fromkeys(s.slice.title for s in doc.sets)))}</dd></div>
  </dl>
</header>"""


def _summary_cards(doc: SessionDoc) -> str:
    reps = sum(s.summary["reps"]["total"] for s in doc.sets)
    targets = [s.slice.target_reps * len(s.slice.sides) for s in doc.sets if s.slice.target_reps]
    holds = [h for s in doc.sets for h in s.summary["holds"]]
    good_s = sum(h["good_s"] or 0.0 for h in holds)
    faulty = sum(bool(r["faults"]) for s in doc.sets for r in s.rows)
    items = sum(len(s.rows) for s in doc.sets)
    pain = [p for s in doc.sets for p in s.summary["pain"]]
    cards = [
        ("Reps", f"{reps}", f"of {sum(targets)} prescribed" if targets else "counted"),
        ("Holds", f"{len(holds)}", f"{good_s:.0f} s in good form" if holds else "none in this session"),
        ("Good form", f"{(items - faulty) / items:.0%}" if items else "-", f"{items - faulty} of {items} without a fault"
         if items else "nothing counted"),
        ("Pain", "Reported" if pain else "None", f"at {', '.join(clock(p['t_s']) for p in pain)}" if pain
         else "no pain reported", "danger" if pain else ""),
    ]
    return '<section class="cards">' + "".join(
        f'<div class="card {c[3] if len(c) > 3 else ""}"><div class="cap">{_e(c[0])}</div>'
        f'<div class="big">{_e(c[1])}</div><div class="sub">{_e(c[2])}</div></div>' for c in cards) + "</section>"


def _problems_box(doc: SessionDoc) -> str:
    if not doc.problems:
        return ""
    items = "".join(f"<li>{_e(p)}</li>" for p in doc.problems)
    return (f'<section class="notice"><h3>Parts of this recording are missing or damaged</h3>'
            f"<ul>{items}</ul><p>Everything that could be read is shown below.</p></section>")


def _work_on(doc: SessionDoc) -> str:
    if not doc.fault_counts:
        return ('<section class="workon good"><h3>Form</h3><p>No form faults were seen in this session.</p>'
                "</section>")
    items = []
    for code, count in doc.fault_counts.most_common():
        advice = next((v.fault_text(code) for v in doc.sets if v.fault_text(code)), "")
        items.append(f"<li><b>{_e(fault_label(code))}</b> <span class='count'>{count}&times;</span>"
                     f"{' &mdash; ' + _e(advice) if advice else ''}</li>")
    return f'<section class="workon"><h3>What to work on</h3><ul>{"".join(items)}</ul></section>'


def _set_section(doc: SessionDoc, index: int) -> str:
    view = doc.sets[index]
    s = view.slice
    per_side = " per side" if s.sides != ("both",) else ""
    target = (f"{plural(s.target_reps, 'rep')}{per_side}" if s.target_reps else "no rep target") + \
             (f", holds of {s.target_hold_s:g} s" if s.target_hold_s else "")
    sides = ", ".join(s.sides) if s.sides != ("both",) else "both sides together"
    return f"""<section class="set">
  <h2>{_e(view.title)}</h2>
  <p class="meta">{_e(clock(s.start_s))} to {_e(clock(s.end_s))} &middot; prescribed: {_e(target)} &middot; {_e(sides)}
   &middot; counted: <b>{view.summary['reps']['total']} reps</b>{f", {len(view.summary['holds'])} holds" if view.summary['holds'] else ""}</p>
  {svg_chart(view, doc.series(index))}
  {_legend(view)}
  {_rep_table(view)}
  {_not_watched(view)}
  {_cue_list(view)}
</section>"""


def _not_watched(view: SetView) -> str:
    if not view.not_watched:
        return ""
    names = ", ".join(fault_label(c).lower() for c in view.not_watched)
    return (f'<p class="meta">Not watched: {_e(names)}. A turn toward or away from a webcam is not '
            f"visible enough to judge; check it yourself in the video.</p>")


def _legend(view: SetView) -> str:
    phases = "".join(f'<span class="key"><i style="background:{view.phase_colour(p)}33;border-color:{view.phase_colour(p)}">'
                     f"</i>{_e(p.replace('_', ' '))}</span>" for p in view.phase_names)
    marks = (f'<span class="key"><i class="line" style="border-color:{MUTED}"></i>rep counted</span>'
             f'<span class="key"><i style="background:{FAULT}"></i>form fault</span>'
             f'<span class="key"><i style="background:{ACCENT}"></i>hold</span>'
             f'<span class="key"><i class="dot" style="background:{INFO}"></i>cue said</span>'
             f'<span class="key"><i style="background:{DANGER}"></i>pain</span>')
    return f'<div class="legend">{phases}{marks}</div>'


def _rep_table(view: SetView) -> str:
    if not view.rows:
        return '<p class="empty">No rep or hold was counted in this set.</p>'
    unit = next((r["range_unit"] for r in view.rows if r["range_unit"]), "")
    metric = next((r["metric"] for r in view.rows if r["metric"]), "")
    body = []
    for r in view.rows:
        faults = ", ".join(fault_label(c) for c in r["faults"])
        hold = f"{r['hold_good_s']:.1f} s of {r['hold_total_s']:.1f} s" if r["hold_good_s"] is not None else "&ndash;"
        number = r["number"] if r["kind"] == "rep" else "hold"
        body.append(f"<tr class='{'fault' if faults else ''}'><td>{number}</td><td>{_e(r['side'])}</td>"
                    f"<td>{clock(r['start_s'])}</td><td>{_num(r['duration_s'], 's')}</td>"
                    f"<td>{_e(_num(r['range'], r['range_unit']))}</td><td>{hold}</td>"
                    f"<td>{_e(faults) if faults else '<span class=ok>good form</span>'}</td></tr>")
    range_head = f"Range of motion<small>{_e(metric_label(metric, unit=False))}</small>" if metric else "Range"
    return (f'<table class="reps"><thead><tr><th>Rep</th><th>Side</th><th>Start</th><th>Duration</th>'
            f"<th>{range_head}</th><th>Hold in good form</th><th>Faults</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _cue_list(view: SetView) -> str:
    cues = [m for m in view.markers if m.kind == "cue"]
    if not cues:
        return ""
    items = "".join(f"<li><span class='t'>{clock(m.t_s)}</span><span class='k {m.tone}'>{_e(m.tone.replace('_', ' '))}"
                    f"</span>{_e(m.label)}</li>" for m in cues)
    return f'<details class="cues"><summary>What the coach said ({len(cues)})</summary><ul>{items}</ul></details>'


def _footer(doc: SessionDoc) -> str:
    made = datetime.now().astimezone().strftime("%d %b %Y, %H:%M")
    return (f'<footer>Made by Back coach {_e(__version__)} on {_e(made)} from the recording '
            f"<code>{_e(doc.folder.name)}</code>. Angles are measured from a single camera and are estimates: "
            "they support the therapist's judgement and do not replace it.</footer>")


# -- SVG charts

_W, _LEFT, _RIGHT, _ROW_H, _TRACK_H, _GAP = 880, 172, 16, 92, 52, 10


def svg_chart(view: SetView, series: Mapping[str, npt.NDArray[np.float64]]) -> str:
    """The set's key angles over time, stacked, with its phases, reps, faults, holds, cues and pain."""
    x0, x1 = view.slice.start_s, max(view.slice.end_s, view.slice.start_s + 1.0)
    metrics = [m for m in view.metrics if m in series and np.isfinite(series[m]).any()]
    height = _TRACK_H + len(metrics) * (_ROW_H + _GAP) + 28
    sx = _x_scale(x0, x1)
    parts = [f'<svg class="chart" viewBox="0 0 {_W} {height}" width="100%" role="img" '
             f'aria-label="Key angles of {_e(view.title)} over time" xmlns="http://www.w3.org/2000/svg">',
             _svg_track(view, sx)]
    for k, metric in enumerate(metrics):
        top = _TRACK_H + k * (_ROW_H + _GAP)
        parts.append(_svg_row(view, series["t_s"], series[metric], metric, top, sx))
    parts.append(_svg_time_axis(x0, x1, sx, height - 22))
    if not metrics:
        parts.append(f'<text x="{_LEFT}" y="{_TRACK_H + 20}" class="note">No angles: the landmarks are missing '
                     f"for this part of the session.</text>")
    return "".join(parts) + "</svg>"


def _x_scale(x0: float, x1: float):  # noqa: ANN202 - a small closure
    return lambda t: _LEFT + (min(max(t, x0), x1) - x0) / (x1 - x0) * (_W - _LEFT - _RIGHT)


def _svg_track(view: SetView, sx: Any) -> str:
    """The event track above the charts: holds and faults as bars, reps as ticks, cues and pain as marks."""
    out = [f'<text x="8" y="16" class="lab">Events</text>']
    for m in view.markers:
        x = sx(m.t_s)
        if m.kind in ("hold", "fault") and m.end_s is not None:
            y, colour = (6, ACCENT) if m.kind == "hold" else (18, FAULT)
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{max(sx(m.end_s) - x, 2):.1f}" height="9" rx="3" '
                       f'fill="{colour}"><title>{_e(m.label)}: {_e(m.detail)}</title></rect>')
        elif m.kind == "rep":
            out.append(f'<text x="{x:.1f}" y="44" class="rep">{_e(m.short)}</text>')
        elif m.kind == "cue":
            colour = FAULT if m.tone == "fault" else ACCENT if m.tone == "praise" else INFO
            out.append(f'<circle cx="{x:.1f}" cy="{31}" r="3" fill="{colour}"><title>{_e(clock(m.t_s))} '
                       f'"{_e(m.label)}"</title></circle>')
        elif m.kind == "pain":
            out.append(f'<path d="M{x:.1f},4 l6,11 h-12 z" fill="{DANGER}"><title>Pain reported at '
                       f'{_e(clock(m.t_s))}</title></path>')
        elif m.kind == "rest":
            out.append(f'<text x="{_W - _RIGHT - 4}" y="16" class="restlab" text-anchor="end">'
                       f'Rest ({_e(m.detail)})</text>')
    return "".join(out)


def _svg_row(view: SetView, t_s: npt.NDArray, values: npt.NDArray, metric: str, top: float, sx: Any) -> str:
    unit = METRICS[metric].unit if metric in METRICS else ""
    lo, hi = value_span(values, MIN_SPAN.get(unit, 0.1))
    sy = lambda v: top + _ROW_H - (v - lo) / (hi - lo) * _ROW_H  # noqa: E731
    out = [f'<rect x="{_LEFT}" y="{top}" width="{_W - _LEFT - _RIGHT}" height="{_ROW_H}" class="plot"/>']
    for m in view.markers:
        if m.kind == "rest" and m.end_s is not None:
            out.append(f'<rect x="{sx(m.t_s):.1f}" y="{top}" width="{max(sx(m.end_s) - sx(m.t_s), 0):.1f}" '
                       f'height="{_ROW_H}" class="rest"/>')
    for span in view.phases:
        if span.start_s >= view.active_end_s:
            continue
        colour = view.phase_colour(span.phase)
        if colour:
            out.append(f'<rect x="{sx(span.start_s):.1f}" y="{top}" width="{max(sx(span.end_s) - sx(span.start_s), 0):.1f}"'
                       f' height="{_ROW_H}" fill="{colour}" fill-opacity="0.16"/>')
    for m in view.markers:
        if m.kind == "fault" and m.end_s is not None:
            out.append(f'<rect x="{sx(m.t_s):.1f}" y="{top}" width="{max(sx(m.end_s) - sx(m.t_s), 2):.1f}" height="4" '
                       f'fill="{FAULT}"/>')
        elif m.kind in ("rep", "pain"):
            colour, dash = (DANGER, "") if m.kind == "pain" else (MUTED, ' stroke-dasharray="3 3"')
            out.append(f'<line x1="{sx(m.t_s):.1f}" x2="{sx(m.t_s):.1f}" y1="{top}" y2="{top + _ROW_H}" '
                       f'stroke="{colour}" stroke-width="1"{dash}/>')
    for tick in _ticks(lo, hi, 4):
        out.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{sy(tick):.1f}" y2="{sy(tick):.1f}" class="grid"/>'
                   f'<text x="{_LEFT - 6}" y="{sy(tick) + 4:.1f}" class="tick" text-anchor="end">{tick:g}</text>')
    out.append(f'<path d="{_path(t_s, values, sx, sy)}" fill="none" stroke="{ACCENT_INK}" stroke-width="2" '
               f'stroke-linejoin="round"/>')
    out.append(f'<text x="8" y="{top + 16}" class="lab">{_e(metric_label(metric, unit=False))}</text>'
               f'<text x="8" y="{top + 32}" class="unit">{_e(_unit_text(metric))}</text>')
    return "".join(out)


def _unit_text(metric: str) -> str:
    unit = METRICS[metric].unit if metric in METRICS else ""
    return {"deg": "degrees", "ratio": "ratio"}.get(unit, unit)


MIN_SPAN = {"deg": 20.0, "ratio": 0.1}   # a chart's y span at least: a flat line stays flat, not magnified noise


def value_span(values: npt.NDArray, min_span: float) -> tuple[float, float]:
    """The y range to chart values in: the known values with a margin, at least `min_span` tall."""
    known = values[np.isfinite(values)]
    if not known.size:
        return 0.0, min_span
    lo, hi = float(known.min()), float(known.max())
    pad = max((hi - lo) * 0.08, (min_span - (hi - lo)) / 2)
    return lo - pad, hi + pad


def _ticks(lo: float, hi: float, count: int) -> list[float]:
    """Round values for about `count` grid lines between lo and hi."""
    raw = (hi - lo) / count
    step = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= step * factor:
            step *= factor
            break
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 6) for i in range(count + 2) if first + i * step <= hi]


def _path(t_s: npt.NDArray, values: npt.NDArray, sx: Any, sy: Any) -> str:
    """Polyline with a break wherever the value is unknown."""
    out, pen_down = [], False
    for t, v in zip(t_s, values):
        if not math.isfinite(v):
            pen_down = False
            continue
        out.append(f"{'L' if pen_down else 'M'}{sx(t):.1f},{sy(v):.1f}")
        pen_down = True
    return "".join(out)


def _svg_time_axis(x0: float, x1: float, sx: Any, y: float) -> str:
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1e9) if (x1 - x0) / s <= 12)
    out = []
    t = math.ceil(x0 / step) * step
    while t <= x1:
        out.append(f'<text x="{sx(t):.1f}" y="{y + 14}" class="tick" text-anchor="middle">{clock(t)[:-2]}</text>')
        t += step
    return "".join(out)


_CSS = f"""
*{{box-sizing:border-box}} body{{margin:0;background:#f4f6f8;color:{INK};font:15px/1.45 "DejaVu Sans",
"Segoe UI",Arial,sans-serif}} main{{max-width:960px;margin:0 auto;padding:28px 32px 40px;background:#fff}}
.top{{border-bottom:4px solid {ACCENT};padding-bottom:14px;margin-bottom:18px}}
.brand{{font-weight:700;color:{ACCENT_INK};letter-spacing:.5px}} .brand span{{color:{MUTED};font-weight:400;margin-left:8px}}
.title-row{{display:flex;align-items:center;gap:14px;margin:6px 0 8px}} h1{{font-size:30px;margin:0}}
.chip{{border-radius:14px;padding:3px 12px;font-size:13px;font-weight:700;background:#e9edf2;color:{MUTED}}}
.chip.good{{background:#dff6f3;color:{ACCENT_INK}}} .chip.danger{{background:#fde4e4;color:#b3191c}}
.facts{{display:flex;flex-wrap:wrap;gap:6px 30px;margin:0}} .facts div{{display:flex;gap:8px}}
dt{{color:{MUTED}}} dd{{margin:0;font-weight:600}}
.cards{{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:16px 0}}
.card{{border:1px solid {RULE};border-radius:12px;padding:12px 14px}} .card.danger{{border-color:{DANGER};background:#fff5f5}}
.cap{{font-size:12px;font-weight:700;color:{MUTED};letter-spacing:1.5px;text-transform:uppercase}}
.big{{font-size:30px;font-weight:700}} .card.danger .big{{color:#b3191c}} .sub{{color:{MUTED};font-size:13px}}
.notice{{border-left:6px solid {WARNING};background:#fff7e6;padding:10px 16px;border-radius:8px;margin:12px 0}}
.notice h3,.workon h3{{margin:2px 0 6px;font-size:16px}} .notice ul,.workon ul{{margin:4px 0;padding-left:20px}}
.workon{{border-left:6px solid {FAULT};background:#fff4ec;padding:10px 16px;border-radius:8px;margin:12px 0}}
.workon.good{{border-color:{ACCENT};background:#eefaf8}} .count{{color:{MUTED};margin-left:4px}}
.set{{margin-top:26px;page-break-inside:avoid}} h2{{font-size:21px;margin:0 0 2px;border-bottom:1px solid {RULE};padding-bottom:4px}}
.meta{{color:{MUTED};margin:4px 0 8px}} .meta b{{color:{INK}}}
.chart{{display:block;margin:6px 0}} .chart .plot{{fill:#fbfcfd;stroke:{RULE}}} .chart .grid{{stroke:{RULE};stroke-width:1}}
.chart .tick{{font-size:11px;fill:{MUTED}}} .chart .lab{{font-size:13px;font-weight:700;fill:{INK}}}
.chart .unit{{font-size:11px;fill:{MUTED}}} .chart .rep{{font-size:10px;fill:{MUTED};text-anchor:middle}}
.chart .note{{font-size:13px;fill:{MUTED}}} .chart .rest{{fill:#eef1f4}} .chart .restlab{{font-size:11px;fill:{MUTED}}}
.legend{{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:{MUTED};margin:0 0 10px 172px}}
.key i{{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px;border:1px solid transparent}}
.key i.line{{width:0;height:12px;border:0;border-left:1px dashed}} .key i.dot{{width:8px;height:8px;border-radius:50%}}
table.reps{{width:100%;border-collapse:collapse;font-size:14px;margin:6px 0 8px}}
.reps th{{text-align:left;font-size:12px;color:{MUTED};text-transform:uppercase;letter-spacing:1px;border-bottom:2px solid {RULE};padding:6px 8px}}
.reps th small{{display:block;text-transform:none;letter-spacing:0;font-weight:400}}
.reps td{{padding:6px 8px;border-bottom:1px solid {RULE}}} .reps tr.fault td:last-child{{color:#c0520b;font-weight:600}}
.ok{{color:{ACCENT_INK}}} .empty{{color:{MUTED}}}
.cues summary{{cursor:pointer;color:{MUTED};font-weight:600}} .cues ul{{list-style:none;padding:0;columns:2;font-size:13px}}
.cues li{{break-inside:avoid;padding:2px 0}} .cues .t{{color:{MUTED};display:inline-block;width:52px}}
.cues .k{{font-size:11px;border-radius:8px;padding:0 6px;margin-right:6px;background:#e9edf2;color:{MUTED}}}
.cues .k.fault{{background:#ffe9d9;color:#b3540f}} .cues .k.praise{{background:#dff6f3;color:{ACCENT_INK}}}
footer{{margin-top:30px;border-top:1px solid {RULE};padding-top:10px;color:{MUTED};font-size:12px}}
@media print{{body{{background:#fff}} main{{padding:0;max-width:none}} .cues{{display:none}}
@page{{size:A4;margin:14mm}}}}
"""


# ---------------------------------------------------------------- headless Chromium: PDF and pictures


def find_browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_browser(html_path: Path, *outputs: str, window: tuple[int, int] = (1100, 1600),
                timeout_s: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on a local file, with no network: `outputs` are flags such as --screenshot=..."""
    browser = find_browser()
    if browser is None:
        raise ReportError("Chromium is needed for this and is not installed.",
                          "Install it (Debian: apt-get install chromium), or open the HTML report and print it.")
    with tempfile.TemporaryDirectory(prefix="coach-browser-") as profile:
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--disable-extensions", "--hide-scrollbars", "--proxy-server=127.0.0.1:9",
                   "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
                   f"--window-size={window[0]},{window[1]}", *outputs, Path(html_path).resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"Chromium did not finish within {timeout_s:.0f} s.", "Try again.") from exc
    if done.returncode != 0:
        raise ReportError(f"Chromium failed ({done.returncode}): {done.stderr.strip()[-300:]}",
                          "Open the HTML report in a browser instead.")
    return done


def print_pdf(html_path: Path, pdf_path: Path) -> Path:
    run_browser(html_path, f"--print-to-pdf={pdf_path.resolve()}", "--no-pdf-header-footer")
    if not pdf_path.is_file():
        raise ReportError(f"Chromium wrote no PDF for {html_path}.", "Open the HTML report and print it.")
    return pdf_path


def screenshot(html_path: Path, png_path: Path, window: tuple[int, int] = (1100, 1600)) -> Path:
    run_browser(html_path, f"--screenshot={png_path.resolve()}", window=window)
    if not png_path.is_file():
        raise ReportError(f"Chromium wrote no screenshot for {html_path}.", "Open the HTML report instead.")
    return png_path


def rendered_dom(html_path: Path) -> str:
    """The page as the browser built it (what a reader sees, as HTML)."""
    return run_browser(html_path, "--dump-dom").stdout


# ---------------------------------------------------------------- video with faces blurred

FACE = tuple(range(Landmark.NOSE, Landmark.MOUTH_RIGHT + 1))   # nose, eyes, ears, mouth
FACE_MARGIN_RATIO = 0.9              # the head reaches this far beyond the face landmarks' box, / its size
FACE_MIN_PX = 24
FACE_MEMORY_S = 0.5                  # a face lost for a moment keeps its last place this long


def write_blurred_video(doc: SessionDoc, path: Path) -> tuple[Path, int]:
    """The session video with every face blurred; frames where the face cannot be placed are blurred
    whole (privacy first). Returns the path and how many frames were blurred whole."""
    import av

    if doc.session.video is None:
        raise ReportError(f"{doc.folder} has no readable video.", "Export the report and tables instead.")
    path.parent.mkdir(parents=True, exist_ok=True)
    whole = 0
    with av.open(str(doc.session.video)) as source, av.open(str(path), "w") as target:
        stream_in = source.streams.video[0]
        stream = target.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = stream_in.codec_context.width, stream_in.codec_context.height, "yuv420p"
        stream.time_base = stream.codec_context.time_base = stream_in.time_base
        last_box: tuple[float, tuple[int, int, int, int]] | None = None
        try:
            for frame in source.decode(stream_in):
                image = frame.to_ndarray(format="rgb24")
                box, last_box = _face_box(doc, float(frame.time or 0.0), image.shape, last_box)
                whole += box is None
                out = av.VideoFrame.from_ndarray(_blur(image, box), format="rgb24")
                out.pts, out.time_base = frame.pts, frame.time_base
                target.mux(stream.encode(out))
        except av.error.FFmpegError as exc:
            log.warning("the video of %s is damaged after a point; the part before is exported (%s)", doc.folder, exc)
        target.mux(stream.encode())
    return path, whole


def _face_box(doc: SessionDoc, t_s: float, shape: tuple[int, ...], last: Any) -> tuple[Any, Any]:
    i = doc.frame_index(t_s)
    box = None
    if i is not None and doc.track is not None and doc.track.people[i] > 0:
        xy = doc.track.xy_px[i, list(FACE)]
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if len(xy):
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            size = max(float(np.max(hi - lo)), FACE_MIN_PX)
            margin = size * FACE_MARGIN_RATIO
            x0, y0 = (lo - margin).astype(int)
            x1, y1 = (hi + margin).astype(int)
            box = (max(0, x0), max(0, y0), min(shape[1], x1), min(shape[0], y1))
    if box is not None:
        return box, (t_s, box)
    if last is not None and t_s - last[0] <= FACE_MEMORY_S:
        return last[1], last
    return None, last


def _blur(image: npt.NDArray[np.uint8], box: tuple[int, int, int, int] | None) -> npt.NDArray[np.uint8]:
    import cv2

    if box is None:
        return cv2.GaussianBlur(image, (0, 0), 25)
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return image
    out = image.copy()
    region = out[y0:y1, x0:x1].astype(np.float32)
    h, w = region.shape[:2]
    small = cv2.resize(region, (max(1, w // 12), max(1, h // 12)), interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), (0, 0), 6)
    # An oval with a soft edge: it covers the head without a hard rectangle around it.
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (w // 2, h // 2), (w // 2, h // 2), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, min(w, h) / 12))[..., None]
    out[y0:y1, x0:x1] = (region * (1 - mask) + blurred * mask).astype(np.uint8)
    return out


# ---------------------------------------------------------------- everything at once


def export_session(doc: SessionDoc, out_dir: Path, *, pdf: bool = False, blur_faces: bool = False) -> list[Path]:
    """The tables, the HTML report and, on request, its PDF and the face-blurred video, into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = doc.folder.name
    written = [write_report_html(doc, out_dir / f"{stem}.report.html"),
               write_reps_csv(doc, out_dir / f"{stem}.reps.csv")]
    if doc.track is not None:
        written.append(write_frames_csv(doc, out_dir / f"{stem}.frames.csv"))
    if pdf:
        written.append(print_pdf(written[0], out_dir / f"{stem}.report.pdf"))
    if blur_faces:
        written.append(write_blurred_video(doc, out_dir / f"{stem}.faces-blurred.mp4")[0])
    return written
