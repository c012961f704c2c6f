"""A patient's progress across sessions and weeks: adherence against the prescribed frequency, and
per exercise the reps, range of motion, hold time in good form and fault rate (coach.progress)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QCloseEvent, QFont
from PyQt6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from coach.progress import ExerciseProgress, PatientProgress, patient_progress
from coach.report import FAULT, MIN_SPAN, fault_label, value_span
from coach.store import Patient, Store, StoreError
from ui import theme
from ui.replay_window import REPLAY_STYLE, _Card

log = logging.getLogger(__name__)

DAY_S = 86_400.0
BAR_WIDTH_S = 4.5 * DAY_S           # a week's bar, drawn at the week's middle
HOLD_MIN_SPAN_S = 5.0               # a flat hold-time line is drawn flat, not magnified
TARGET_PEN = pg.mkPen(theme.WARNING_HEX, width=2, style=Qt.PenStyle.DashLine)


def _stamp(day: date | datetime) -> float:
    when = day if isinstance(day, datetime) else datetime.combine(day, time(12))
    return when.timestamp()


@dataclass(frozen=True)
class _Point:
    x: float                         # seconds since the epoch: a session's start, or a week's middle
    reps: int
    target: int | None
    range_mean: float
    hold_good_mean_s: float
    fault_rate: float


class ProgressView(QWidget):
    """Everything from one `PatientProgress`; pick the exercise to chart."""

    def __init__(self, progress: PatientProgress, patient: Patient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True, background=theme.PANEL, foreground=theme.MUTED_HEX)
        self.progress = progress
        self.patient = patient
        self.per = "session"             # or "week": what one point of the exercise charts stands for
        self.charts: dict[str, pg.PlotItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.setSpacing(10)
        layout.addLayout(self._build_header())
        layout.addLayout(self._build_cards())
        self.notes = QLabel("\n".join(progress.notes))
        self.notes.setObjectName("cardNote")
        self.notes.setVisible(bool(progress.notes))
        layout.addWidget(self.notes)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setSpacing(10)
        layout.addLayout(self._build_exercise_row())
        layout.addWidget(self.graphics, 1)
        self.show_exercise(next(iter(progress.exercises), None))

    def _build_header(self) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(0)
        name = f"{self.patient.name} ({self.patient.code})" if self.patient.name else self.patient.code
        title = QLabel(f"Progress: {name}")
        title.setObjectName("title")
        p = self.progress
        period = (f"{p.first:%d %b %Y} to {p.last:%d %b %Y}" if p.first and p.last else "no sessions yet")
        subtitle = QLabel(f"{p.sessions} session(s) with exercise done  ·  {period}  ·  "
                          f"prescribed {p.target_per_week:g} a week")
        subtitle.setObjectName("subtitle")
        box.addWidget(title)
        box.addWidget(subtitle)
        return box

    def _build_cards(self) -> QHBoxLayout:
        row = QHBoxLayout()
        p = self.progress
        cards = {name: _Card(name) for name in ("Sessions", "Adherence", "Last 4 weeks", "Pain")}
        cards["Sessions"].show_value(str(p.sessions), f"over {len(p.adherence)} week(s)")
        ratio = p.adherence_ratio
        cards["Adherence"].show_value(f"{ratio:.0%}" if math.isfinite(ratio) else "–",
                                      f"of {p.target_per_week:g} sessions a week",
                                      "fault" if math.isfinite(ratio) and ratio < 0.6 else "")
        recent = p.adherence[-4:]
        done, target = sum(w.sessions for w in recent), sum(w.target for w in recent)
        cards["Last 4 weeks"].show_value(f"{done} / {target:g}", "sessions done / prescribed")
        cards["Pain"].show_value(str(p.pain_sessions), "session(s) with pain reported",
                                 "danger" if p.pain_sessions else "")
        for card in cards.values():
            row.addWidget(card)
        self.cards = cards
        return row

    def _build_exercise_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel("Exercise")
        label.setObjectName("controlLabel")
        self.exercise_box = QComboBox()
        for name, item in self.progress.exercises.items():
            self.exercise_box.addItem(item.title, name)
        self.exercise_box.currentIndexChanged.connect(lambda _i: self.show_exercise(self.exercise_box.currentData()))
        self.per_box = QComboBox()
        self.per_box.addItem("Per session", "session")
        self.per_box.addItem("Per week", "week")
        self.per_box.currentIndexChanged.connect(lambda _i: self.set_per(self.per_box.currentData()))
        self.faults_label = QLabel("")
        self.faults_label.setObjectName("cardNote")
        row.addWidget(label)
        row.addWidget(self.exercise_box)
        row.addWidget(self.per_box)
        row.addSpacing(14)
        row.addWidget(self.faults_label, 1)
        return row

    # -- charts

    def set_per(self, per: str) -> None:
        self.per = per
        self.show_exercise(self.exercise_box.currentData())

    def show_exercise(self, name: str | None) -> None:
        self.graphics.clear()
        self.charts = {}
        self._adherence_chart()
        item = self.progress.exercises.get(name) if name else None
        if item is None:
            return
        common = self.faults_label
        faults = ", ".join(f"{fault_label(c)} ×{n}" for c, n in list(item.fault_codes.items())[:4])
        common.setText(f"Most frequent faults: {faults}" if faults else "No faults recorded for this exercise.")
        points = self._points(item)
        for chart in (self._reps_chart, self._range_chart, self._hold_chart, self._fault_chart):
            chart(item, points)

    def _plot(self, key: str, title: str, row: int, col: int, colspan: int = 1) -> pg.PlotItem:
        plot = self.graphics.addPlot(row=row, col=col, colspan=colspan, axisItems={"bottom": pg.DateAxisItem()})
        plot.setTitle(title, color=theme.TEXT_HEX, size="12pt")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=False, y=True, alpha=0.15)
        plot.setMouseEnabled(x=False, y=False)
        font = QFont(theme.FONT_FAMILY)
        font.setPixelSize(12)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setStyle(tickFont=font)
        plot.getAxis("left").setWidth(48)
        self.charts[key] = plot
        return plot

    def _adherence_chart(self) -> None:
        plot = self._plot("adherence", "Sessions per week (dashed: prescribed)", 0, 0, colspan=2)
        weeks = self.progress.adherence
        if not weeks:
            return
        x = np.array([_stamp(w.week_start) + 3 * DAY_S for w in weeks])
        done = np.array([w.sessions for w in weeks], float)
        brushes = [theme.ACCENT_HEX if w.sessions >= w.target else "#3f8f88" if w.sessions else "#2a303a" for w in weeks]
        plot.addItem(pg.BarGraphItem(x=x, height=done, width=BAR_WIDTH_S, brushes=brushes, pen=None))
        target = weeks[0].target
        plot.addItem(pg.InfiniteLine(pos=target, angle=0, pen=TARGET_PEN))
        plot.setYRange(0, max(target, float(done.max())) + 1, padding=0)
        plot.setXRange(x[0] - 4 * DAY_S, x[-1] + 4 * DAY_S, padding=0)

    def _points(self, item: ExerciseProgress) -> list[_Point]:
        """The exercise's values per session, or summed up per week."""
        if self.per == "week":
            return [_Point(_stamp(w.week_start) + 3 * DAY_S, w.reps, None, w.range_mean, w.hold_good_mean_s,
                           w.fault_rate) for w in item.weeks]
        return [_Point(_stamp(s.started_at), s.reps, s.target, s.range_mean, s.hold_good_mean_s, s.fault_rate)
                for s in item.sessions]

    def _reps_chart(self, item: ExerciseProgress, points: list[_Point]) -> None:
        dashed = " (dashed: prescribed)" if self.per == "session" else ""
        plot = self._plot("reps", f"Reps per {self.per}{dashed}", 1, 0)
        x, reps = np.array([p.x for p in points]), np.array([p.reps for p in points], float)
        width = (0.6 if self.per == "session" else BAR_WIDTH_S / DAY_S) * DAY_S
        plot.addItem(pg.BarGraphItem(x=x, height=reps, width=width, brush=theme.ACCENT_HEX, pen=None))
        targets = [p.target for p in points if p.target]
        if targets:
            plot.addItem(pg.InfiniteLine(pos=max(targets), angle=0, pen=TARGET_PEN))
        plot.setYRange(0, max([*reps, *targets, 1]) * 1.15, padding=0)
        self._x_range(plot, x)

    def _range_chart(self, item: ExerciseProgress, points: list[_Point]) -> None:
        unit = {"deg": "degrees", "ratio": "ratio"}.get(item.range_unit, item.range_unit)
        plot = self._plot("range", f"Range of motion, mean per {self.per} ({unit})", 1, 1)
        self._line(plot, np.array([p.x for p in points]), [p.range_mean for p in points], theme.ACCENT_HEX,
                   min_span=MIN_SPAN.get(item.range_unit, 0.1))

    def _hold_chart(self, item: ExerciseProgress, points: list[_Point]) -> None:
        plot = self._plot("hold", f"Hold time in good form, mean per {self.per} (s)", 2, 0)
        values = [p.hold_good_mean_s for p in points]
        if not any(math.isfinite(v) for v in values):
            for axis in ("left", "bottom"):
                plot.hideAxis(axis)
            plot.showGrid(x=False, y=False)
            plot.setXRange(0, 1, padding=0)
            plot.setYRange(0, 1, padding=0)
            note = pg.TextItem(f"{item.title} has no holds.", color=theme.MUTED_HEX, anchor=(0.5, 0.5))
            note.setPos(0.5, 0.5)
            plot.addItem(note)
            return
        self._line(plot, np.array([p.x for p in points]), values, theme.INFO_HEX, min_span=HOLD_MIN_SPAN_S)

    def _fault_chart(self, item: ExerciseProgress, points: list[_Point]) -> None:
        plot = self._plot("faults", f"Reps with a fault, per {self.per} (%)", 2, 1)
        self._line(plot, np.array([p.x for p in points]), [p.fault_rate * 100 for p in points], FAULT,
                   y_range=(0, 105))

    def _line(self, plot: pg.PlotItem, x: np.ndarray, values: list[float], colour: str,
              y_range: tuple[float, float] | None = None, min_span: float = 1.0) -> None:
        y = np.array(values, float)
        plot.plot(x, y, pen=pg.mkPen(colour, width=2.5), connect="finite", symbol="o", symbolSize=8,
                  symbolBrush=colour, symbolPen=None)
        plot.setYRange(*(y_range or value_span(y, min_span)), padding=0)
        self._x_range(plot, x)

    @staticmethod
    def _x_range(plot: pg.PlotItem, x: np.ndarray) -> None:
        if len(x):
            plot.setXRange(float(x.min()) - 2 * DAY_S, float(x.max()) + 2 * DAY_S, padding=0)


class ProgressWindow(QMainWindow):
    def __init__(self, progress: PatientProgress, patient: Patient) -> None:
        super().__init__()
        self.setWindowTitle(f"Back coach: progress of {patient.name or patient.code}")
        self.setStyleSheet(REPLAY_STYLE)
        self.view = ProgressView(progress, patient)
        self.setCentralWidget(self.view)
        self.resize(1400, 1000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.view.graphics.clear()          # before Qt deletes the scene: see AngleCharts.clear
        self.view.charts = {}
        super().closeEvent(event)

    @classmethod
    def for_patient(cls, store: Store, code: str, until: date | None = None) -> "ProgressWindow":
        """The patient's progress up to `until` (default: today, so weeks without sessions show)."""
        patient = store.patient(code)
        if patient is None:
            raise StoreError(f"There is no patient {code}.", "File sessions under them: coach sessions patient ID CODE")
        records = store.set_records(patient.id)
        progress = patient_progress(records, patient.sessions_per_week, until or date.today())
        return cls(progress, patient)
