"""The replay window: a recorded session for the therapist.

The recorded video (decoded here with PyAV and painted by ui.video_view, with the skeleton redrawn
from the stored landmarks), the exercise's key angles over time (ui.angle_charts) with the phases,
reps, faults, cues and pain marked, a per-rep table and the list of everything that happened. One
clock: the video position. Clicking a chart, a mark or a table row seeks the video there, and the
chart cursor and the tables follow the video. What was counted and said comes from the recorded
events (coach.report.load_session_doc); nothing is recomputed but the angles drawn.

`run_replay` is what `coach replay` runs: a session, the session list, or a patient's progress.
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from PyQt6.QtCore import QElapsedTimer, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QColor, QKeySequence, QShortcut
from PyQt6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QFrame, QHBoxLayout,
                             QHeaderView, QLabel, QMainWindow, QMessageBox, QPushButton, QSizePolicy, QSlider,
                             QSplitter, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from coach.errors import CoachError, InputError
from coach.live import fault_landmarks
from coach.metrics import METRICS, compute
from coach.report import (END_REASONS, Marker, SessionDoc, SetView, clock, date_text, duration_text, export_session,
                          fault_label, load_session_doc)
from coach.sources import RgbImage
from ui import theme
from ui.angle_charts import AngleCharts
from ui.video_view import Message, VideoView, angle_labels

log = logging.getLogger(__name__)

TICK_MS = 30                       # playback timer; the frame shown is the one due at the video clock
SEEK_AHEAD_S = 2.0                 # a jump forward this small is decoded through rather than seeked
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0)
KIND_NAMES = {"cue": "Said", "fault": "Fault", "pain": "PAIN", "setup": "Setup", "hold": "Hold", "rep": "Rep",
              "rest": "Rest"}

REPLAY_STYLE = theme.STYLE + f"""
QWidget {{ font-size: 15px; }}
QLabel#title {{ font-size: 30px; font-weight: bold; }}
QLabel#subtitle {{ font-size: 16px; }}
QLabel#status {{ font-size: 14px; padding: 4px 14px; border-radius: 13px; }}
QLabel#status[state="pain"] {{ background: #3d1414; color: #ff8a8a; }}
QLabel#status[state="done"] {{ background: #123d2a; color: #7cf0b4; }}
QLabel#status[state="neutral"] {{ background: #262c36; color: {theme.MUTED_HEX}; }}
QLabel#status[state="unclean"] {{ background: #3d3212; color: {theme.WARNING_HEX}; }}
QLabel#notice {{ font-size: 15px; padding: 8px 14px; }}
QLabel#clock {{ font-size: 17px; font-weight: bold; color: {theme.TEXT_HEX}; padding: 0 8px; }}
QFrame#card {{ border-radius: 12px; }}
QLabel#cardTitle {{ font-size: 12px; letter-spacing: 1.5px; }}
QLabel#cardValue {{ background: transparent; font-size: 30px; font-weight: bold; }}
QLabel#cardValue[tone="danger"] {{ color: {theme.DANGER_HEX}; }}
QLabel#cardValue[tone="fault"] {{ color: #ff9a4d; }}
QLabel#cardNote {{ background: transparent; color: {theme.MUTED_HEX}; font-size: 13px; }}
QPushButton {{ font-size: 15px; padding: 7px 14px; border-radius: 9px; }}
QPushButton#play {{ background: #1f8f62; border-color: #27b47b; min-width: 92px; }}
QComboBox {{ font-size: 15px; padding: 4px 10px; min-height: 26px; border-radius: 8px; }}
QComboBox QAbstractItemView {{ font-size: 15px; }}
QCheckBox {{ font-size: 15px; spacing: 6px; }}
QTabWidget::pane {{ border: 1px solid {theme.PANEL_EDGE}; border-radius: 10px; top: -1px; }}
QTabBar::tab {{ background: {theme.PANEL}; color: {theme.MUTED_HEX}; padding: 7px 16px; font-size: 14px;
               border-top-left-radius: 8px; border-top-right-radius: 8px; margin-right: 2px; }}
QTabBar::tab:selected {{ background: #262c36; color: {theme.TEXT_HEX}; font-weight: bold; }}
QTableWidget {{ background: {theme.PANEL}; alternate-background-color: #1e232b; gridline-color: {theme.PANEL_EDGE};
               font-size: 14px; border: none; selection-background-color: #1d4a46; selection-color: #ffffff; }}
QHeaderView::section {{ background: #222831; color: {theme.MUTED_HEX}; font-size: 12px; font-weight: bold;
                       padding: 6px 8px; border: none; border-bottom: 1px solid {theme.PANEL_EDGE}; }}
QSlider::groove:horizontal {{ height: 6px; background: #2a303a; border-radius: 3px; }}
QSlider::sub-page:horizontal {{ background: {theme.ACCENT_HEX}; border-radius: 3px; }}
QSlider::handle:horizontal {{ background: {theme.TEXT_HEX}; width: 14px; margin: -5px 0; border-radius: 7px; }}
QSplitter::handle {{ background: {theme.BG}; }}
"""


class SessionVideo:
    """The session video decoded on demand: frame_at(t) is the frame on screen at media time t.

    Playing forward decodes through; a jump backward or far ahead seeks to the keyframe before it
    (one a second in recorded sessions). A damaged tail ends the video where it breaks."""

    def __init__(self, path: Path) -> None:
        self._container = av.open(str(path))
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._frames: Any = None
        self._current: tuple[float, Any] | None = None       # (t_s, av.VideoFrame)
        self._next: tuple[float, Any] | None = None
        self._image: tuple[float, RgbImage] | None = None
        self.broken = False

    def frame_at(self, t_s: float) -> tuple[float, RgbImage] | None:
        """(t_s of the frame, RGB image) shown at t_s; None before the first frame or without video."""
        if self._current is None or t_s < self._current[0] - 1e-6 or t_s > self._current[0] + SEEK_AHEAD_S:
            self._seek(t_s)
        while self._next is not None and self._next[0] <= t_s + 1e-6:
            self._current, self._next = self._next, self._read()
        if self._current is None:
            return None
        if self._image is None or self._image[0] != self._current[0]:
            self._image = (self._current[0], self._current[1].to_ndarray(format="rgb24"))
        return self._image

    def _seek(self, t_s: float) -> None:
        try:
            self._container.seek(max(0, int(t_s / float(self._stream.time_base))), stream=self._stream,
                                 backward=True, any_frame=False)
        except av.error.FFmpegError as exc:
            log.warning("seek to %.2f s failed: %s", t_s, exc)
        self._frames = self._container.decode(self._stream)
        self._current, self._next = self._read(), None
        self._next = self._read()

    def _read(self) -> tuple[float, Any] | None:
        try:
            frame = next(self._frames)
        except StopIteration:
            return None
        except av.error.FFmpegError as exc:          # a damaged tail: the video ends here
            log.warning("video ends early: %s", exc)
            self.broken = True
            return None
        return (float(frame.time) if frame.time is not None else 0.0), frame

    def close(self) -> None:
        self._container.close()


class _Card(QFrame):
    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(0)
        title = QLabel(caption.upper())
        title.setObjectName("cardTitle")
        self.value = QLabel("-")
        self.value.setObjectName("cardValue")
        self.note = QLabel("")
        self.note.setObjectName("cardNote")
        for widget in (title, self.value, self.note):
            layout.addWidget(widget)

    def show_value(self, value: str, note: str = "", tone: str = "") -> None:
        self.value.setText(value)
        self.note.setText(note)
        self.value.setProperty("tone", tone)
        self.value.style().unpolish(self.value)
        self.value.style().polish(self.value)


class ReplayWindow(QMainWindow):
    """One recorded session. `seek(t)` moves everything; the clock is the video position."""

    position_changed = pyqtSignal(float)      # media seconds, after every seek and playback step
    progress_requested = pyqtSignal(str)      # a patient code: show their progress

    def __init__(self, doc: SessionDoc, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.video = self._open_video(doc)
        self.position_s = 0.0
        self.speed = 1.0
        self.playing = False
        self.overlay = True
        self.set_index = -1
        self.shown_frame_s: float | None = None      # media time of the video or landmark frame on screen
        self.landmarks_only = False                  # no video frame at this time: skeleton on a blank canvas
        self._clock = QElapsedTimer()
        self._play_from_s = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.setWindowTitle(f"Back coach: replay of {doc.title}")
        self.setStyleSheet(REPLAY_STYLE)
        self._build()
        self._shortcuts()
        self.resize(1600, 1000)
        self._show_set(0)
        self.seek(self.start_s)

    @classmethod
    def open(cls, folder: Path | str, row: Any = None) -> "ReplayWindow":
        return cls(load_session_doc(folder, row))

    @staticmethod
    def _open_video(doc: SessionDoc) -> SessionVideo | None:
        if doc.session.video is None:
            return None
        try:
            return SessionVideo(doc.session.video)
        except (av.error.FFmpegError, IndexError) as exc:
            doc.problems.append(f"The video cannot be opened for replay ({exc}).")
            return None

    @property
    def duration_s(self) -> float:
        return self.doc.duration_s

    @property
    def start_s(self) -> float:
        return self.doc.sets[0].slice.start_s if self.doc.sets else 0.0

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(20, 14, 20, 14)
        outer.setSpacing(10)
        outer.addLayout(self._build_header())
        self.notice = QLabel(self._problems_text())
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(bool(self.doc.problems))
        outer.addWidget(self.notice)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        top = QWidget()
        row = QHBoxLayout(top)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(14)
        row.addLayout(self._build_video_column(), 3)
        row.addLayout(self._build_side_column(), 2)
        split.addWidget(top)
        split.addWidget(self._build_chart_area())
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        outer.addWidget(split, 1)
        self.setCentralWidget(root)

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title = QLabel(self.doc.title)
        self.title.setObjectName("title")
        patient = self.doc.patient
        who = f"{patient[1]} ({patient[0]})" if patient and patient[1] else (patient[0] if patient else "No patient")
        self.subtitle = QLabel(f"{date_text(self.doc.started_at)}  ·  {duration_text(self.duration_s)}  ·  {who}")
        self.subtitle.setObjectName("subtitle")
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
        reason = self.doc.end_reason
        self.status = QLabel(END_REASONS.get(reason or "", "Did not end cleanly").upper())
        self.status.setObjectName("status")
        self.status.setProperty("state", {"pain": "pain", "done": "done", None: "unclean"}.get(reason, "neutral"))
        header.addWidget(self.status, 0, Qt.AlignmentFlag.AlignVCenter)
        self.progress_button = QPushButton("Progress")
        self.progress_button.setToolTip("This patient's sessions over the weeks")
        self.progress_button.setEnabled(patient is not None)
        self.progress_button.clicked.connect(lambda: self.progress_requested.emit(patient[0]) if patient else None)
        self.export_button = QPushButton("Export report…")
        self.export_button.clicked.connect(self._export_clicked)
        header.addWidget(self.progress_button, 0, Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignVCenter)
        return header

    def _problems_text(self) -> str:
        if not self.doc.problems:
            return ""
        return "Part of this recording is missing or damaged; everything else is shown.\n" + \
            "\n".join(f"•  {p}" for p in self.doc.problems)

    def _build_video_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(8)
        self.view = VideoView()
        self.view.setMinimumSize(400, 300)
        column.addWidget(self.view, 1)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(self.start_s * 1000), max(1, round(self.duration_s * 1000)))
        self.slider.sliderMoved.connect(lambda ms: self.seek(ms / 1000))
        column.addWidget(self.slider)
        column.addLayout(self._build_transport())
        return column

    def _build_transport(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.back_button = QPushButton("◀︎ Frame")
        self.back_button.setToolTip("One frame back (Left arrow)")
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.play_button = QPushButton("▶  Play")
        self.play_button.setObjectName("play")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.forward_button = QPushButton("Frame ▶︎")
        self.forward_button.setToolTip("One frame forward (Right arrow)")
        self.forward_button.clicked.connect(lambda: self.step(1))
        self.clock = QLabel("")
        self.clock.setObjectName("clock")
        self.speed_box = QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed:g}×", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.currentIndexChanged.connect(lambda i: self.set_speed(SPEEDS[i]))
        self.overlay_box = QCheckBox("Skeleton and angles")
        self.overlay_box.setChecked(True)
        self.overlay_box.toggled.connect(self.set_overlay)
        self.overlay_box.setEnabled(self.doc.track is not None)
        for widget in (self.back_button, self.play_button, self.forward_button, self.clock):
            bar.addWidget(widget)
        bar.addStretch(1)
        speed_label = QLabel("Speed")
        speed_label.setObjectName("controlLabel")
        for widget in (speed_label, self.speed_box, self.overlay_box):
            bar.addWidget(widget)
        return bar

    def _build_side_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(10)
        cards = QHBoxLayout()
        cards.setSpacing(10)
        self.cards = {name: _Card(name) for name in ("Reps", "Holds", "Faults", "Pain")}
        for card in self.cards.values():
            cards.addWidget(card)
        column.addLayout(cards)
        self.tabs = QTabWidget()
        self.rep_table = self._table(["Rep", "Side", "Start", "Duration", "Range", "Hold good", "Faults"])
        self.rep_table.cellClicked.connect(self._rep_clicked)
        self.event_table = self._table(["Time", "What", "Detail"])
        self.event_table.cellClicked.connect(self._event_clicked)
        self.tabs.addTab(self.rep_table, "Reps")
        self.tabs.addTab(self.event_table, "Events and cues")
        column.addWidget(self.tabs, 1)
        self._fill_cards()
        return column

    def _table(self, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().hide()
        table.setAlternatingRowColors(True)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        table.setShowGrid(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return table

    def _build_chart_area(self) -> QWidget:
        area = QWidget()
        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)
        row = QHBoxLayout()
        label = QLabel("Exercise")
        label.setObjectName("controlLabel")
        self.set_box = QComboBox()
        for view in self.doc.sets:
            self.set_box.addItem(f"{view.title}   ({clock(view.slice.start_s)[:-2]} – {clock(view.slice.end_s)[:-2]})")
        self.set_box.currentIndexChanged.connect(self._set_chosen)
        self.set_box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.phase_legend = QLabel("")
        self.phase_legend.setObjectName("cardNote")
        row.addWidget(label)
        row.addWidget(self.set_box)
        row.addSpacing(12)
        row.addWidget(self.phase_legend, 1)
        layout.addLayout(row)
        self.charts = AngleCharts()
        self.charts.seek_requested.connect(self.seek)
        layout.addWidget(self.charts, 1)
        return area

    def _shortcuts(self) -> None:
        for key, action in ((Qt.Key.Key_Space, self.toggle_play), (Qt.Key.Key_Left, lambda: self.step(-1)),
                            (Qt.Key.Key_Right, lambda: self.step(1)), (Qt.Key.Key_Home, lambda: self.seek(0.0)),
                            (Qt.Key.Key_End, lambda: self.seek(self.duration_s))):
            QShortcut(QKeySequence(key), self, activated=action)

    # ------------------------------------------------------------------ content

    def _fill_cards(self) -> None:
        sets = self.doc.sets
        reps = sum(v.summary["reps"]["total"] for v in sets)
        targets = [v.slice.target_reps * len(v.slice.sides) for v in sets if v.slice.target_reps]
        self.cards["Reps"].show_value(str(reps), f"of {sum(targets)} prescribed" if targets else "counted")
        holds = [h for v in sets for h in v.summary["holds"]]
        good_s = sum(h["good_s"] or 0.0 for h in holds)
        self.cards["Holds"].show_value(str(len(holds)), f"{good_s:.0f} s in good form" if holds else "none")
        faults = sum(len(v.summary["faults"]) for v in sets)
        top = self.doc.fault_counts.most_common(1)
        self.cards["Faults"].show_value(str(faults), fault_label(top[0][0]) if top else "good form",
                                        "fault" if faults else "")
        pain = [p["t_s"] for v in sets for p in v.summary["pain"]]
        self.cards["Pain"].show_value("Yes" if pain else "None", f"at {', '.join(clock(t) for t in pain)}" if pain
                                      else "not reported", "danger" if pain else "")

    def _show_set(self, index: int) -> None:
        if not self.doc.sets or index == self.set_index:
            return
        self.set_index = index
        view = self.doc.sets[index]
        self.set_box.blockSignals(True)
        self.set_box.setCurrentIndex(index)
        self.set_box.blockSignals(False)
        self.charts.set_set(view, self.doc.series(index))
        self._fill_rep_table(view)
        self._fill_event_table(view)
        self.phase_legend.setText(self._phase_legend(view))

    def _phase_legend(self, view: SetView) -> str:
        parts = [f'<span style="color:{view.phase_colour(p)}">■</span> {p.replace("_", " ")}' for p in view.phase_names]
        marks = (f'<span style="color:{theme.ACCENT_HEX}">▬</span> hold  '
                 f'<span style="color:#ff7a1a">▬</span> fault  <span style="color:{theme.INFO_HEX}">◆</span> cue  '
                 f'<span style="color:{theme.DANGER_HEX}">▲</span> pain  ┊ rep counted')
        return "Phases: " + "  ".join(parts) + "      " + marks if parts else marks

    def _fill_rep_table(self, view: SetView) -> None:
        table = self.rep_table
        table.setRowCount(len(view.rows))
        for r, row in enumerate(view.rows):
            faults = ", ".join(fault_label(c) for c in row["faults"])
            hold = f"{row['hold_good_s']:.1f} of {row['hold_total_s']:.1f} s" if row["hold_good_s"] is not None else "–"
            cells = [str(row["number"]) if row["kind"] == "rep" else "hold", row["side"], clock(row["start_s"]),
                     _seconds(row["duration_s"]), _range(row["range"], row["range_unit"]), hold,
                     faults or "good form"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row["start_s"])
                if c == len(cells) - 1:
                    item.setForeground(QColor("#ff9a4d") if faults else theme.ACCENT)
                table.setItem(r, c, item)
        self.tabs.setTabText(0, f"Reps ({sum(r['kind'] == 'rep' for r in view.rows)})")

    def _fill_event_table(self, view: SetView) -> None:
        marks = [m for m in view.markers if m.kind != "rep"]
        table = self.event_table
        table.setRowCount(len(marks))
        for r, mark in enumerate(marks):
            what = KIND_NAMES.get(mark.kind, mark.kind)
            cells = [clock(mark.t_s), what if mark.kind != "cue" else f"Said ({mark.tone.replace('_', ' ')})",
                     _event_detail(mark)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, mark.t_s)
                colour = _event_colour(mark)
                if colour is not None and c == 1:
                    item.setForeground(colour)
                table.setItem(r, c, item)
        self.tabs.setTabText(1, f"Events and cues ({len(marks)})")

    # ------------------------------------------------------------------ the clock

    def seek(self, t_s: float) -> None:
        """Show the session at media time t_s (clamped to the session)."""
        t_s = min(max(float(t_s), self.start_s), self.duration_s)
        self.position_s = t_s
        if self.playing:
            self._play_from_s = t_s
            self._clock.restart()
        self._render(t_s)

    def _render(self, t_s: float) -> None:
        if self.doc.sets:
            self._show_set(self.doc.set_at(t_s))
        self._paint(t_s)
        self.charts.set_cursor(t_s)
        self.slider.blockSignals(True)
        self.slider.setValue(round(t_s * 1000))
        self.slider.blockSignals(False)
        self.clock.setText(f"{clock(t_s)} / {clock(self.duration_s)}")
        self._follow_tables(t_s)
        self.position_changed.emit(t_s)

    def _paint(self, t_s: float) -> None:
        frame = self.video.frame_at(t_s) if self.video is not None else None
        index = self.doc.frame_index(t_s)
        pose = self.doc.pose(index) if index is not None else None
        if frame is not None:
            shown_s, image = frame
        elif pose is not None:
            shown_s, image = pose.t_s, _blank(pose.image_size)
        else:
            self.shown_frame_s = None
            self.view.clear_frame()
            self.view.set_message(Message("Nothing to play", "This recording has neither video nor landmarks.",
                                          "warning"))
            return
        self.shown_frame_s = shown_s
        self.landmarks_only = frame is None
        self.view.set_message(None)
        if not self.overlay or pose is None:
            self.view.show_frame(image, None)
            return
        faulty, labels = self._overlay(pose, t_s)
        self.view.show_frame(image, pose, faulty, labels)

    def _overlay(self, pose: Any, t_s: float) -> tuple[frozenset, list]:
        view = self.doc.sets[self.set_index] if self.doc.sets else None
        if view is None or not pose.has_pose:
            return frozenset(), []
        codes = view.faults_at(t_s)
        definition = view.definition
        faulty = fault_landmarks(definition, codes) if definition is not None else frozenset()
        faulty_metrics = {m for f in definition.faults if f.code in codes for m in f.when.metrics} if definition else set()
        degrees = [m for m in view.metrics if METRICS[m].unit == "deg"]
        values = compute(pose, degrees).values if degrees else {}
        return faulty, angle_labels(pose, values, faulty_metrics)

    def _follow_tables(self, t_s: float) -> None:
        """Select the rep under the clock without seeking (signals blocked)."""
        if self.set_index < 0:
            return
        rows = self.doc.sets[self.set_index].rows
        current = next((i for i, r in enumerate(rows) if r["start_s"] is not None and r["end_s"] is not None
                        and r["start_s"] <= t_s <= r["end_s"]), None)
        self.rep_table.blockSignals(True)
        if current is None:
            self.rep_table.clearSelection()
        elif self.rep_table.currentRow() != current:
            self.rep_table.selectRow(current)
        self.rep_table.blockSignals(False)

    # -- playback

    def play(self) -> None:
        if self.playing:
            return
        if self.position_s >= self.duration_s - 1e-3:
            self.position_s = self.start_s
        self.playing = True
        self._play_from_s = self.position_s
        self._clock.start()
        self._timer.start()
        self.play_button.setText("❚❚  Pause")

    def pause(self) -> None:
        self.playing = False
        self._timer.stop()
        self.play_button.setText("▶  Play")

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def set_speed(self, speed: float) -> None:
        if self.playing:
            self._play_from_s, self.position_s = self.position_s, self.position_s
            self._clock.restart()
        self.speed = speed

    def set_overlay(self, on: bool) -> None:
        self.overlay = on
        self._paint(self.position_s)

    def step(self, frames: int) -> None:
        """One recorded frame forward or back (landmark records; else ~20 frames/s)."""
        self.pause()
        times = self.doc.times_s
        if len(times):
            i = int(np.searchsorted(times, self.position_s + 1e-6, side="right")) - 1
            i = min(max(i + frames, 0), len(times) - 1)
            self.seek(float(times[i]))
        else:
            self.seek(self.position_s + frames / 20.0)

    def _tick(self) -> None:
        # The wall clock only paces playback; nothing counted depends on it.
        t_s = self._play_from_s + self._clock.elapsed() / 1000 * self.speed
        if t_s >= self.duration_s:
            t_s = self.duration_s
            self.pause()
        self.position_s = t_s
        self._render(t_s)

    # -- tables and export

    def _rep_clicked(self, row: int, _column: int) -> None:
        start = self.rep_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        if start is not None:
            self.seek(float(start))

    def _event_clicked(self, row: int, _column: int) -> None:
        self.seek(float(self.event_table.item(row, 0).data(Qt.ItemDataRole.UserRole)))

    def _set_chosen(self, index: int) -> None:
        if 0 <= index < len(self.doc.sets):
            self.seek(self.doc.sets[index].slice.start_s)

    def _export_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export the report to", str(Path.cwd()))
        if folder:
            self.export(Path(folder))

    def export(self, folder: Path) -> list[Path]:
        try:
            written = export_session(self.doc, folder / self.doc.folder.name)
        except CoachError as exc:
            QMessageBox.warning(self, "Back coach", str(exc))
            return []
        QMessageBox.information(self, "Back coach", "Written:\n" + "\n".join(str(p) for p in written))
        return written

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.pause()
        self.charts.clear()
        if self.video is not None:
            self.video.close()
            self.video = None
        super().closeEvent(event)


NO_VIDEO_NOTE = "No video here: the skeleton is drawn from the saved landmarks"


def _blank(image_size: tuple[int, int]) -> RgbImage:
    """A dark canvas the size of the camera picture, saying why there is no picture."""
    w, h = image_size
    image = np.empty((h, w, 3), np.uint8)
    image[:] = (24, 28, 34)
    scale = max(0.4, w / 1400)
    (tw, th), _ = cv2.getTextSize(NO_VIDEO_NOTE, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.putText(image, NO_VIDEO_NOTE, ((w - tw) // 2, h - th - 12), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (154, 165, 180), 1, cv2.LINE_AA)
    return image


def _seconds(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.1f} s"


def _range(value: float | None, unit: str | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.0f}°" if unit == "deg" else f"{value:.2f} {unit or ''}".strip()


def _event_detail(mark: Marker) -> str:
    if mark.kind == "cue":
        return f"“{mark.label}”"
    if mark.kind in ("fault", "hold"):
        span = f"{clock(mark.t_s)} – {clock(mark.end_s)}" if mark.end_s is not None else ""
        return f"{mark.label}  ({mark.detail}; {span})"
    return f"{mark.label}. {mark.detail}".strip(". ") if mark.detail else mark.label


def _event_colour(mark: Marker) -> QColor | None:
    if mark.kind == "pain":
        return QColor(theme.DANGER_HEX)
    if mark.kind == "fault" or mark.tone == "fault":
        return QColor("#ff9a4d")
    if mark.kind == "setup":
        return QColor(theme.INFO_HEX)
    if mark.tone == "praise" or mark.kind == "hold":
        return theme.ACCENT
    return None


# ---------------------------------------------------------------------- coach replay


class ReplayApp:
    """The windows `coach replay` opens, kept alive together: session list, replays, progress views."""

    def __init__(self, data_dir: Path | None) -> None:
        from coach.store import Store

        self.store = Store(data_dir)
        self.windows: list[QWidget] = []

    def open_session(self, session_id: int) -> ReplayWindow:
        row = self.store.session(session_id)
        window = ReplayWindow.open(row.folder, row)
        window.progress_requested.connect(self.open_progress)
        return self._show(window)

    def open_folder(self, folder: Path) -> ReplayWindow:
        return self.open_session(self.store.index_session(folder))

    def open_list(self) -> QWidget:
        from ui.session_list import SessionListWindow

        window = SessionListWindow(self.store)
        window.session_chosen.connect(self.open_session)
        window.progress_requested.connect(self.open_progress)
        return self._show(window)

    def open_progress(self, patient_code: str) -> QWidget:
        from ui.progress_view import ProgressWindow

        return self._show(ProgressWindow.for_patient(self.store, patient_code))

    def _show(self, window: Any) -> Any:
        self.windows.append(window)
        window.show()
        return window

    def close(self) -> None:
        for window in self.windows:
            window.close()
        self.store.close()


def run_replay(args: argparse.Namespace) -> int:
    """`coach replay [SESSION] [--patient CODE]`: until the last window is closed."""
    from ui.app import application

    app = application()
    replay = ReplayApp(args.data_dir)
    try:
        replay.store.sync()
        if args.patient:
            replay.open_progress(args.patient)
        elif args.session and Path(args.session).is_dir():
            replay.open_folder(Path(args.session))
        elif args.session:
            if not args.session.isdigit():
                raise InputError(f"{args.session} is neither a session ID nor a session folder.",
                                 "List the sessions with: coach sessions list")
            replay.open_session(int(args.session))
        else:
            replay.open_list()
        return app.exec()
    finally:
        replay.close()
