"""The live coaching window: video with skeleton, counts, hold timer, the current cue, controls.

It only displays and forwards: the coach runs in ui.pipeline_worker; what is shown is folded from
the event stream by `coach.live.Scoreboard`, so a window fed a fake event list shows exactly what
it would live. Made to be read from two metres: large type, high contrast, one cue at a time.
"""

from __future__ import annotations

import logging
import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PyQt6.QtWidgets import (QComboBox, QDoubleSpinBox, QFrame, QHBoxLayout, QLabel, QMainWindow, QMessageBox,
                             QProgressBar, QPushButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

from coach.definitions import ExerciseDefinition, load_exercise, poses_dir
from coach.errors import CoachError
from coach.landmarks import Side
from coach.live import LiveEnded, LiveSource, LiveUpdate, LoopSettings, Scoreboard, fault_landmarks
from coach.programme import LiveEvent, Programme, load_programme, programmes_dir
from ui import theme
from ui.pipeline_worker import PipelineWorker, Taken
from ui.speech import Speaker
from ui.video_view import Message, VideoView, angle_labels

log = logging.getLogger(__name__)

STOP_WAIT_S = 5.0             # how long closing the window waits for the loop to save the session
PHASE_NAMES = {"between": "Moving"}


@dataclass(frozen=True, slots=True)
class Choice:
    """An entry of the exercise chooser: one exercise, or a programme file."""

    label: str
    exercise: str | None = None
    programme: Path | None = None
    detail: str = ""            # shown under the title before the start


def default_choices(programme: Path | None = None) -> list[Choice]:
    """Programmes first (the guided way), then every exercise in poses/."""
    paths = sorted(programmes_dir().glob("*.toml"))
    if programme is not None:
        paths = [Path(programme), *(p for p in paths if p.resolve() != Path(programme).resolve())]
    choices = []
    for path in paths:
        data = _peek(path)
        steps = len(data.get("step", []))
        choices.append(Choice(f"Programme: {data.get('title', path.stem)}", programme=path,
                              detail=f"{steps} exercises, in order" if steps else ""))
    for path in sorted(poses_dir().glob("*.toml")):
        choices.append(Choice(str(_peek(path).get("title", path.stem)), exercise=path.stem))
    return choices


def _peek(path: Path) -> dict:
    """Enough of a file for the chooser; the full check (with its message) runs on Start."""
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def show_error(parent: QWidget | None, error: CoachError) -> None:
    """The same text the CLI prints, in a dialog (tests replace this function)."""
    QMessageBox.critical(parent, "Back coach", str(error))


class _Card(QFrame):
    """A rounded panel with a small caption and a big value."""

    def __init__(self, caption: str, value_style: str = "bigValue") -> None:
        super().__init__()
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 14, 22, 16)
        layout.setSpacing(2)
        self.caption = QLabel(caption.upper())
        self.caption.setObjectName("cardTitle")
        row = QHBoxLayout()
        self.value = QLabel("0")
        self.value.setObjectName(value_style)
        self.target = QLabel("")
        self.target.setObjectName("target")
        row.addWidget(self.value)
        row.addWidget(self.target, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.caption)
        layout.addLayout(row)


class LiveWindow(QMainWindow):
    session_ended = pyqtSignal(object)      # LiveEnded, once the session is saved

    def __init__(self, choices: list[Choice], source: LiveSource, speaker: Speaker,
                 settings: LoopSettings = LoopSettings(), *, mirror: bool | None = None, initial: int = 0,
                 probe: Callable[[LiveUpdate], None] | None = None) -> None:
        super().__init__()
        self.choices = choices
        self.source = source
        self.speaker = speaker
        self.settings = settings
        self.probe = probe                       # sees every update on the loop's thread (bench-live)
        self._mirror_choice = mirror             # None: mirror front views only
        self.worker: PipelineWorker | None = None
        self.programme: Programme | None = None
        self.scoreboard = Scoreboard()
        self.ended: LiveEnded | None = None
        self.latencies_s: deque[float] = deque(maxlen=100_000)   # frame capture -> overlay painted
        self._definitions: dict[str, ExerciseDefinition] = {}
        self.setWindowTitle("Back coach")
        self.setStyleSheet(theme.STYLE)
        self._build()
        self.chooser.setCurrentIndex(initial)
        self._choice_changed()
        self._set_running(False)
        self.resize(1440, 900)

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(24, 18, 24, 18)
        outer.setSpacing(14)
        outer.addLayout(self._build_header())
        self.notice = QLabel("")
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        outer.addWidget(self.notice)
        middle = QHBoxLayout()
        middle.setSpacing(18)
        self.video = VideoView()
        self.video.on_painted = self._painted
        middle.addWidget(self.video, 3)
        middle.addLayout(self._build_side_panel(), 1)
        outer.addLayout(middle, 1)
        self.banner = QLabel("")
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setMinimumHeight(110)
        outer.addWidget(self.banner)
        outer.addLayout(self._build_controls())
        self.setCentralWidget(root)
        self._shortcuts()

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title = QLabel("")
        self.title.setObjectName("title")
        self.subtitle = QLabel("")
        self.subtitle.setObjectName("subtitle")
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
        self.status = QLabel("READY")
        self.status.setObjectName("status")
        header.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)
        return header

    def _build_side_panel(self) -> QVBoxLayout:
        panel = QVBoxLayout()
        panel.setSpacing(14)
        self.rep_cards = [_Card("Left"), _Card("Right")]
        self.hold_card = _Card("Hold")
        self.hold_bar = QProgressBar()
        self.hold_bar.setTextVisible(False)
        self.hold_bar.setRange(0, 1000)
        self.hold_card.layout().addWidget(self.hold_bar)
        self.phase_card = _Card("Position", "phase")
        for card in (*self.rep_cards, self.hold_card, self.phase_card):
            panel.addWidget(card)
        panel.addStretch(1)
        return panel

    def _build_controls(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(12)
        self.chooser = QComboBox()
        self.chooser.setMinimumWidth(330)
        for choice in self.choices:
            self.chooser.addItem(choice.label)
        self.chooser.currentIndexChanged.connect(self._choice_changed)
        self.reps_spin = QSpinBox()
        self.reps_spin.setRange(1, 50)
        self.reps_spin.valueChanged.connect(lambda _v: self.refresh())
        self.hold_spin = QDoubleSpinBox()
        self.hold_spin.setRange(0, 300)
        self.hold_spin.setDecimals(0)
        self.hold_spin.setSuffix(" s")
        self.hold_spin.valueChanged.connect(lambda _v: self.refresh())
        self.start_button = self._button("Start", "start", self.start)
        self.pause_button = self._button("Pause", "pause", self.toggle_pause, checkable=True)
        self.stop_button = self._button("Stop", "stop", self.stop)
        self.mute_button = self._button("Mute", "mute", self._mute_toggled, checkable=True)
        self.mirror_button = self._button("Mirror", "mirror", self._mirror_toggled, checkable=True)
        self.pain_button = self._button("It hurts  (H)", "pain", self.report_pain)
        self.pain_button.setMinimumHeight(72)
        self.hold_caption = self._caption("Hold")
        for widget in (self.chooser, self._caption("Reps"), self.reps_spin, self.hold_caption, self.hold_spin,
                       self.start_button, self.pause_button, self.stop_button, self.mute_button, self.mirror_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.pain_button)
        return bar

    def _button(self, text: str, name: str, slot: Callable[[], None], checkable: bool = False) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setCheckable(checkable)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)      # Space must reach the pain shortcut
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("controlLabel")
        return label

    def _shortcuts(self) -> None:
        for key in ("H", "Space"):
            QShortcut(QKeySequence(key), self, activated=self.report_pain)
        QShortcut(QKeySequence("Return"), self, activated=lambda: self.running or self.start())

    # ------------------------------------------------------------------ controls

    @property
    def running(self) -> bool:
        return self.worker is not None

    @property
    def choice(self) -> Choice:
        return self.choices[self.chooser.currentIndex()]

    def start(self) -> None:
        """Start coaching the chosen exercise or programme; errors go to a dialog."""
        if self.running:
            return
        try:
            self.programme = self._chosen_programme()
            worker = PipelineWorker(self.programme, self.source, self.speaker, self.settings,
                                    on_update=self.probe, parent=self)
            worker.updated.connect(self._take)
            worker.ended.connect(self._worker_ended)
            worker.start()
        except CoachError as exc:
            show_error(self, exc)
            return
        self.worker, self.ended = worker, None
        self._definitions = {s.exercise: s.definition for s in self.programme.steps}
        self.scoreboard = Scoreboard()
        self.video.clear_frame()
        self._set_running(True)
        self.refresh()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def toggle_pause(self) -> None:
        if self.worker is None:
            self.pause_button.setChecked(False)
            return
        paused = self.pause_button.isChecked()
        (self.worker.pause if paused else self.worker.resume)()
        self.pause_button.setText("Resume" if paused else "Pause")

    def report_pain(self) -> None:
        """Stops the set at once; the loop records PainReported and says the pain cue."""
        if self.worker is not None:
            self.worker.report_pain()

    def notify(self, text: str) -> None:
        """A message that stays until replaced: no camera, no speech, session saved..."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def set_muted(self, muted: bool) -> None:
        """No speech; cues stay on screen."""
        self.speaker.set_muted(muted)
        self.mute_button.setChecked(muted)
        self.mute_button.setText("Muted" if muted else "Mute")

    def _mute_toggled(self) -> None:
        self.set_muted(self.mute_button.isChecked())

    def _mirror_toggled(self) -> None:
        self._mirror_choice = self.mirror_button.isChecked()
        self.video.set_mirror(self._mirror_choice)

    def _chosen_programme(self) -> Programme:
        choice = self.choice
        if choice.programme is not None:
            return load_programme(choice.programme)
        assert choice.exercise is not None
        prescription = {"reps": self.reps_spin.value()}
        if load_exercise(choice.exercise).hold is not None:
            prescription["hold_s"] = self.hold_spin.value()
        return Programme.single(load_exercise(choice.exercise, prescription))

    def _choice_changed(self) -> None:
        choice = self.choice
        try:
            definition = load_exercise(choice.exercise) if choice.exercise else None
        except CoachError as exc:
            show_error(self, exc)
            definition = None
        if definition is not None:
            self.reps_spin.setValue(definition.prescription.reps)
            self.hold_spin.setValue(definition.prescription.hold_s)
            self._definitions = {definition.name: definition}
        self._enable_targets(definition)
        self.scoreboard = Scoreboard(title=choice.label.removeprefix("Programme: "))
        self.ended = None
        self.refresh()

    def _enable_targets(self, definition: ExerciseDefinition | None) -> None:
        """Targets are set before a single exercise starts; a programme brings its own."""
        running = self.running
        has_hold = definition is not None and definition.hold is not None
        self.chooser.setEnabled(not running)
        self.reps_spin.setEnabled(not running and definition is not None)
        self.hold_spin.setEnabled(not running and has_hold)
        self.hold_spin.setVisible(has_hold or definition is None)
        self.hold_caption.setVisible(has_hold or definition is None)

    def _set_running(self, running: bool) -> None:
        self._enable_targets(load_exercise(self.choice.exercise) if self.choice.exercise else None)
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.pause_button.setChecked(False)
        self.pause_button.setText("Pause")
        self.stop_button.setEnabled(running)
        self.pain_button.setEnabled(running)

    # ------------------------------------------------------------------ from the worker

    def _take(self) -> None:
        if self.worker is not None:
            self.show_taken(self.worker.take())

    def show_taken(self, taken: Taken) -> None:
        """Show the newest frame and fold every event since the last one."""
        self.apply_events(taken.t_s, taken.events)
        frame = taken.frame
        if frame is not None and frame.image is not None:
            definition = self.definition
            faulty = fault_landmarks(definition, self.scoreboard.faults) if definition else frozenset()
            faulty_metrics = {m for f in (definition.faults if definition else ()) if f.code in self.scoreboard.faults
                              for m in f.when.metrics}
            labels = angle_labels(frame.pose, frame.angles_deg, faulty_metrics) if frame.pose is not None else []
            self.video.show_frame(frame.image, frame.pose, faulty, labels, frame.captured_s)

    def apply_events(self, t_s: float, events: Iterable[LiveEvent]) -> None:
        """Fold events into what is shown (tests call this with a fake event list)."""
        self.scoreboard.apply(t_s, events)
        self.refresh()

    def _worker_ended(self, ended: LiveEnded) -> None:
        self._take()
        if self.worker is not None:
            self.worker.wait(STOP_WAIT_S)
        self.worker, self.ended = None, ended
        self._set_running(False)
        self.notify(ended.message)
        self.refresh()
        self.session_ended.emit(ended)

    def _painted(self, captured_s: float) -> None:
        self.latencies_s.append(time.perf_counter() - captured_s)

    # ------------------------------------------------------------------ what is shown

    @property
    def definition(self) -> ExerciseDefinition | None:
        name = self.scoreboard.exercise
        if name in self._definitions:
            return self._definitions[name]
        return next(iter(self._definitions.values()), None)

    def refresh(self) -> None:
        sb, definition = self.scoreboard, self.definition
        self.title.setText(sb.title or (definition.title if definition else ""))
        self.subtitle.setText(self._subtitle())
        self._refresh_status()
        self._refresh_reps()
        self._refresh_hold()
        phase = "Resting" if sb.resting else sb.phase or ("Setting up" if self.running else "—")
        self.phase_card.value.setText(PHASE_NAMES.get(phase, phase.replace("_", " ").capitalize()))
        self._refresh_banner()
        self.video.set_message(self._video_message())
        mirror = self._mirror_choice if self._mirror_choice is not None else bool(definition and definition.view == "front")
        self.mirror_button.setChecked(mirror)
        self.video.set_mirror(mirror)

    def _subtitle(self) -> str:
        sb = self.scoreboard
        parts = []
        if sb.steps > 1:
            parts.append(f"Exercise {sb.step} of {sb.steps}")
        if sb.step:
            parts.append(f"Set {sb.set_number} of {sb.sets}")
            parts.append(_count(sb.reps_target, "rep") + (" a side" if len(sb.sides) > 1 else ""))
            if sb.hold_target_s > 0:
                parts.append(f"hold {sb.hold_target_s:g} s")
        elif self.choice.programme is None and self.definition is not None:
            d = self.definition
            sets = d.prescription.sets
            parts.append(f"{_count(sets, 'set')} of {_count(self.reps_spin.value(), 'rep')}"
                         + (" a side" if len(d.prescription.sides) > 1 else ""))
            if d.hold is not None and self.hold_spin.value() > 0:
                parts.append(f"hold {self.hold_spin.value():g} s")
        else:
            parts.append(self.choice.detail)
        return "  ·  ".join(p for p in parts if p)

    def _refresh_status(self) -> None:
        sb = self.scoreboard
        if self.running:
            state, text = ("paused", "PAUSED") if sb.paused else ("running", "● RESTING" if sb.resting else "● COACHING")
        elif self.ended is not None:
            state, text = "stopped", "STOPPED" if self.ended.reason != "done" else "DONE"
        else:
            state, text = "ready", "READY"
        self.status.setText(text)
        self.status.setProperty("state", state)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _refresh_reps(self) -> None:
        sb = self.scoreboard
        sides = sb.sides if sb.step else self._default_sides()
        target = sb.reps_target if sb.step else self.reps_spin.value()
        for card, side in zip(self.rep_cards, (*sides, None)):
            card.setVisible(side is not None)
            if side is not None:
                card.caption.setText("REPS" if side == Side.BOTH.value else f"{side.upper()} REPS")
                card.value.setText(str(sb.reps.get(side, 0)))
                card.target.setText(f"/ {target}")
        self.rep_cards[1].setVisible(len(sides) > 1)

    def _default_sides(self) -> tuple[str, ...]:
        d = self.definition
        return tuple(s.value for s in d.prescription.sides) if d is not None else ("both",)

    def _refresh_hold(self) -> None:
        sb, d = self.scoreboard, self.definition
        target_s = sb.hold_target_s if sb.step else (self.hold_spin.value() if d and d.hold else 0.0)
        has_hold = bool(d is not None and d.hold is not None)
        self.hold_card.setVisible(has_hold)
        shown_s = sb.hold_shown_s() or 0.0
        self.hold_card.value.setText(f"{shown_s:.0f}")
        self.hold_card.target.setText(f"/ {target_s:g} s" if target_s > 0 else "s")
        self.hold_bar.setValue(round(1000 * min(1.0, shown_s / target_s)) if target_s > 0 else 0)

    def _refresh_banner(self) -> None:
        sb = self.scoreboard
        text = sb.shown_cue()
        if text and sb.cue is not None:
            background, colour = theme.BANNER.get(sb.cue.kind, theme.BANNER["count"])
        else:
            background, colour = theme.BANNER_IDLE
            text = sb.cue.text if sb.cue is not None else ("Press Start when you are ready" if not self.running else "")
        self.banner.setText(text)
        self.banner.setStyleSheet(f"background: {background}; color: {colour};")

    def _video_message(self) -> Message | None:
        sb, d = self.scoreboard, self.definition
        if sb.pain:
            return Message("Stopped: it hurts", "Rest, and tell your therapist about it.", "danger")
        if self.ended is not None and not self.running:
            return Message("Session ended" if self.ended.reason != "done" else "All done",
                           self.ended.message.split("\n")[0], "good" if self.ended.reason == "done" else "info")
        if sb.paused:
            return Message("Paused", "Press Resume to carry on.", "info")
        if sb.resting:
            left_s = round(sb.rest_left_s())
            return Message(f"Rest  {left_s // 60}:{left_s % 60:02d}", f"Next: {sb.next_title}", "good")
        if sb.setup_problem and d is not None:
            return Message(d.cues.setup.get(sb.setup_problem, "Get into position."),
                           "Coaching carries on as soon as I can see you properly.", "warning")
        if not self.running and not sb.step:
            return Message(self.title.text(), "Press Start when you are ready.", "info")
        return None

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:   # noqa: N802 - Qt's name
        """Closing mid-set saves the session first."""
        if self.worker is not None:
            self.worker.stop()
            if not self.worker.wait(STOP_WAIT_S):
                log.warning("the live loop did not stop within %.0f s", STOP_WAIT_S)
            self.worker = None
        super().closeEvent(event)

