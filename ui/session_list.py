"""The list of recorded sessions `coach replay` opens with no SESSION: pick one to replay, or a
patient to see their progress. New and changed session folders are catalogued on Refresh."""

from __future__ import annotations

import logging

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QMainWindow,
                             QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from coach.report import END_REASONS, clock, plural
from coach.store import SessionRow, Store
from ui import theme
from ui.replay_window import REPLAY_STYLE

log = logging.getLogger(__name__)

COLUMNS = ("Date", "Patient", "Session", "Done", "Length", "Ended", "Notes")
ALL_PATIENTS = "All patients"


class SessionList(QWidget):
    """Sessions, newest first, filtered by patient; double-click or Open to replay one."""

    session_chosen = pyqtSignal(int)          # a session id
    progress_requested = pyqtSignal(str)      # a patient code

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.rows: list[SessionRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.setSpacing(10)
        layout.addLayout(self._build_header())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.cellDoubleClicked.connect(lambda row, _c: self._open_row(row))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._build_buttons())
        self.refresh()

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        title = QLabel("Recorded sessions")
        title.setObjectName("title")
        header.addWidget(title, 1)
        label = QLabel("Patient")
        label.setObjectName("controlLabel")
        self.patient_box = QComboBox()
        self.patient_box.setMinimumWidth(260)
        self.patient_box.currentIndexChanged.connect(lambda _i: self._fill())
        refresh = QPushButton("Refresh")
        refresh.setToolTip("Catalogue new or changed session folders")
        refresh.clicked.connect(self.refresh)
        for widget in (label, self.patient_box, refresh):
            header.addWidget(widget, 0, Qt.AlignmentFlag.AlignVCenter)
        return header

    def _build_buttons(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.summary = QLabel("")
        self.summary.setObjectName("cardNote")
        bar.addWidget(self.summary, 1)
        self.progress_button = QPushButton("Patient progress")
        self.progress_button.clicked.connect(self._progress_clicked)
        self.open_button = QPushButton("Open replay")
        self.open_button.setObjectName("play")
        self.open_button.clicked.connect(lambda: self._open_row(self.table.currentRow()))
        bar.addWidget(self.progress_button)
        bar.addWidget(self.open_button)
        return bar

    # -- content

    def refresh(self) -> None:
        """Catalogue new folders, then show the list again (keeping the patient filter)."""
        report = self.store.sync()
        chosen = self.patient_box.currentData()
        self.patient_box.blockSignals(True)
        self.patient_box.clear()
        self.patient_box.addItem(ALL_PATIENTS, None)
        for patient in self.store.patients():
            self.patient_box.addItem(f"{patient.code}  {patient.name}".strip(), patient.code)
        index = self.patient_box.findData(chosen)
        self.patient_box.setCurrentIndex(max(index, 0))
        self.patient_box.blockSignals(False)
        self._fill()
        if report.failed:
            self.summary.setText(f"{len(report.failed)} folder(s) could not be read: "
                                 + ", ".join(p.name for p in report.failed))

    def _fill(self) -> None:
        code = self.patient_box.currentData()
        patient = self.store.patient(code) if code else None
        self.rows = self.store.sessions(patient.id if patient else None)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, (text, colour) in enumerate(_cells(row)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                if colour:
                    item.setForeground(QColor(colour))
                self.table.setItem(r, c, item)
        if self.rows:
            self.table.selectRow(0)
        self.summary.setText(f"{len(self.rows)} session(s)" + (f" of {patient.code}" if patient else ""))
        self._selection_changed()

    def _selected(self) -> SessionRow | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _selection_changed(self) -> None:
        selected = self._selected()
        self.open_button.setEnabled(selected is not None)
        self.progress_button.setEnabled(bool(self.patient_box.currentData()) or
                                        (selected is not None and selected.patient is not None))

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.session_chosen.emit(self.rows[row].id)

    def _progress_clicked(self) -> None:
        code = self.patient_box.currentData()
        selected = self._selected()
        if not code and selected is not None and selected.patient is not None:
            code = selected.patient.code
        if code:
            self.progress_requested.emit(code)


def _cells(row: SessionRow) -> list[tuple[str, str]]:
    counts = (plural(row.reps, "rep") if row.reps else "", plural(row.holds, "hold") if row.holds else "")
    done = ", ".join(x for x in counts if x)
    notes = []
    if row.pain:
        notes.append("pain reported")
    if not row.folder_exists:
        notes.append("folder missing")
    elif row.problems:
        notes.append(f"{len(row.problems)} file problem(s)")
    ended = END_REASONS.get(row.end_reason or "", "Did not end cleanly")
    notes_colour = theme.DANGER_HEX if row.pain else theme.WARNING_HEX if notes else ""
    ended_colour = theme.DANGER_HEX if row.end_reason == "pain" else theme.MUTED_HEX if row.end_reason != "done" else ""
    return [(row.started_at.strftime("%a %d %b %Y  %H:%M") if row.started_at else "unknown", ""),
            ((f"{row.patient.name} ({row.patient.code})" if row.patient.name else row.patient.code)
             if row.patient else "–", ""),
            (" + ".join(row.exercises) or row.title, ""), (done or "nothing counted", ""),
            (clock(row.duration_s)[:-2], ""), (ended, ended_colour), ("; ".join(notes), notes_colour)]


class SessionListWindow(QMainWindow):
    session_chosen = pyqtSignal(int)
    progress_requested = pyqtSignal(str)

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.setWindowTitle("Back coach: sessions")
        self.setStyleSheet(REPLAY_STYLE)
        self.list = SessionList(store)
        self.list.session_chosen.connect(self.session_chosen)
        self.list.progress_requested.connect(self.progress_requested)
        self.setCentralWidget(self.list)
        self.resize(1280, 760)
