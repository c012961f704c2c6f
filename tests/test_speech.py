"""Speech: one voice, in order, never talking over itself; pain cuts in; real audio to WAV files."""

from __future__ import annotations

import threading
import wave

import numpy as np
import pytest

from coach.events import CueDecided
from ui.speech import Pyttsx3Speaker, QueuedSpeaker, RecordingSpeaker, make_speaker

WAIT_S = 30.0


def cue(text: str, kind: str = "fault") -> CueDecided:
    return CueDecided(0.0, text, kind, 10, "test")


class HeldSpeaker(QueuedSpeaker):
    """Each utterance lasts until the test releases it; records overlap and cuts."""

    def __init__(self) -> None:
        self.spoken: list[str] = []
        self.cuts = 0
        self.speaking = 0
        self.most_at_once = 0
        self.started = threading.Semaphore(0)
        self.release = threading.Semaphore(0)
        super().__init__()

    def _speak(self, text: str) -> None:
        self.speaking += 1
        self.most_at_once = max(self.most_at_once, self.speaking)
        self.spoken.append(text)
        self.started.release()
        self.release.acquire()
        self.speaking -= 1

    def _cut(self) -> None:
        if self._busy:
            self.cuts += 1
            self.release.release()


def test_cues_are_said_one_at_a_time_in_order():
    speaker = HeldSpeaker()
    for text in ("one", "two", "three"):
        speaker.say(cue(text))
    for _ in range(3):
        assert speaker.started.acquire(timeout=WAIT_S)
        speaker.release.release()
    assert speaker.wait_idle(WAIT_S)
    assert speaker.spoken == ["one", "two", "three"] and speaker.most_at_once == 1
    speaker.close()


def test_a_pain_cue_cuts_the_current_utterance_and_drops_the_queue():
    speaker = HeldSpeaker()
    speaker.say(cue("Keep your back long and flat."))
    assert speaker.started.acquire(timeout=WAIT_S)
    speaker.say(cue("Slow it down."))
    speaker.say(cue("Stop and rest. Tell your therapist about it.", "pain"))
    assert speaker.started.acquire(timeout=WAIT_S)       # pain started without waiting for the release
    speaker.release.release()
    assert speaker.wait_idle(WAIT_S)
    assert speaker.cuts == 1
    assert speaker.spoken == ["Keep your back long and flat.", "Stop and rest. Tell your therapist about it."]
    speaker.close()


def test_say_never_blocks_the_caller_while_the_voice_is_busy():
    speaker = HeldSpeaker()
    speaker.say(cue("first"))
    assert speaker.started.acquire(timeout=WAIT_S)
    for i in range(50):                                  # the voice is stuck; the loop must not be
        speaker.say(cue(f"more {i}"))
    speaker.close()                                      # ends the stuck utterance (cut) and the worker
    assert speaker.spoken[0] == "first"


def test_muted_speaker_says_nothing():
    speaker = HeldSpeaker()
    speaker.set_muted(True)
    speaker.say(cue("nothing"))
    assert speaker.wait_idle(WAIT_S) and speaker.spoken == []
    speaker.close()


def test_an_engine_that_cannot_start_says_why_once_and_ignores_cues():
    class Broken(QueuedSpeaker):
        def _open(self) -> None:
            raise RuntimeError("no speech engine")

    speaker = Broken()
    assert speaker.wait_ready(WAIT_S)
    assert "no speech engine" in speaker.problem and "on screen" in speaker.problem
    speaker.say(cue("ignored"))
    speaker.close()


def test_pyttsx3_speaks_from_its_one_worker_thread():
    # The real espeak driver (its "dummy" driver hangs on a second runAndWait); without an audio
    # device its playback fails at once, after synthesis, which is what this test needs.
    started: list[tuple[str, str]] = []
    speaker = Pyttsx3Speaker("espeak", on_started=lambda c, _t: started.append((c.text, threading.current_thread().name)))
    assert speaker.wait_ready(WAIT_S) and speaker.problem == ""
    for text in ("Slowly.", "That's it.", "Set done. Rest."):
        speaker.say(cue(text))
    assert speaker.wait_idle(WAIT_S)
    speaker.close()
    assert [t for t, _ in started] == ["Slowly.", "That's it.", "Set done. Rest."]
    assert {name for _, name in started} == {"speech-Pyttsx3Speaker"}


def test_wav_speaker_produces_real_audio(tmp_path):
    speaker = make_speaker(wav_dir=tmp_path)
    if speaker.problem:
        pytest.skip(speaker.problem)
    speaker.say(cue("Keep your back long and flat."))
    speaker.say(cue("That's it.", "praise"))
    assert speaker.wait_idle(WAIT_S)
    speaker.close()
    assert [p.name for p in speaker.files] == ["cue_001.wav", "cue_002.wav"]
    for path in speaker.files:
        with wave.open(str(path)) as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), np.int16)
            assert wav.getnframes() / wav.getframerate() > 0.3          # a spoken phrase, not a click
        assert np.abs(samples).max() > 1000                              # not silence


def test_the_recording_fake_remembers_what_it_was_asked_to_say():
    speaker = RecordingSpeaker()
    speaker.say(cue("one"))
    speaker.set_muted(True)
    speaker.say(cue("two"))
    assert speaker.texts == ["one"]
