"""Runs the live loop (coach.live) off the GUI thread; the one place its results become Qt signals.

The loop calls back on its processing thread. Cues go straight to the speaker from there (no GUI
hop before speech). Frames and events are handed to the GUI newest-frame-wins: at most one
`updated` signal is queued at a time and `take()` returns the newest frame with every event since
the last take, so a busy GUI skips frames but never loses an event and never slows the loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from PyQt6.QtCore import QObject, pyqtSignal

from coach.events import CueDecided
from coach.live import LiveEnded, LiveLoop, LiveSource, LiveUpdate, LoopSettings
from coach.programme import LiveEvent, Programme
from ui.speech import Speaker

log = logging.getLogger(__name__)


@dataclass
class Taken:
    """What the GUI gets on each `updated`: the newest frame (if any came) and all events since."""

    frame: LiveUpdate | None
    events: list[LiveEvent] = field(default_factory=list)
    t_s: float = 0.0


class PipelineWorker(QObject):
    updated = pyqtSignal()          # call take()
    ended = pyqtSignal(object)      # LiveEnded

    def __init__(self, programme: Programme, source: LiveSource, speaker: Speaker,
                 settings: LoopSettings = LoopSettings(), on_update: Callable[[LiveUpdate], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.speaker = speaker
        self._on_update_hook = on_update
        self._lock = threading.Lock()
        self._pending = Taken(None)
        self._signalled = False
        self.result: LiveEnded | None = None
        self.loop = LiveLoop(programme, source, on_update=self._on_update, on_ended=self._on_ended,
                             on_cue=self._on_cue, settings=settings)

    def start(self) -> None:
        """Opens source, model and session folder: raises CoachError (shown in a dialog) if one fails."""
        self.loop.start()

    def pause(self) -> None:
        self.loop.pause()

    def resume(self) -> None:
        self.loop.resume()

    def stop(self) -> None:
        self.loop.stop()

    def report_pain(self) -> None:
        self.loop.report_pain()

    def wait(self, timeout_s: float) -> bool:
        return self.loop.join(timeout_s)

    def take(self) -> Taken:
        with self._lock:
            taken, self._pending = self._pending, Taken(None, t_s=self._pending.t_s)
            self._signalled = False
            return taken

    # -- called on the loop's processing thread

    def _on_cue(self, cue: CueDecided) -> None:
        self.speaker.say(cue)

    def _on_update(self, update: LiveUpdate) -> None:
        if self._on_update_hook is not None:
            self._on_update_hook(update)
        with self._lock:
            if update.image is not None:
                self._pending.frame = update
            self._pending.events.extend(update.events)
            self._pending.t_s = update.t_s
            if self._signalled:
                return
            self._signalled = True
        self.updated.emit()

    def _on_ended(self, ended: LiveEnded) -> None:
        self.result = ended
        self.ended.emit(ended)
