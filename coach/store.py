"""The session store: an SQLite catalogue of patients, programmes, sessions and what happened in them.

    <data dir>/catalogue.sqlite3     patients, programmes, sessions, sets, reps, holds, faults, cues,
                                     pain events, setup problems (docs/store.md lists every column)
    <data dir>/sessions/<folder>/    the bulky per-frame data: video, landmarks, events, meta
                                     (docs/session_format.md)

The folders are the record; the catalogue is an index built from them (`index_session`, `sync`), so
it can always be rebuilt. Indexing the same folder twice changes nothing; an edited or grown folder
(a session still being recorded) is indexed again under the same id.

Crash safety and concurrency: WAL journal, and every write is one short `BEGIN IMMEDIATE`
transaction, so a process killed mid-write leaves the catalogue as it was before that write, and a
replay reading the catalogue never blocks the live coach indexing its session (readers see the
last committed state; writers wait up to BUSY_TIMEOUT_MS for each other).

Schema versions live in `PRAGMA user_version`; `MIGRATIONS[i]` takes a catalogue from version i to
i + 1, each in its own transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.definitions import poses_dir
from coach.errors import CoachError
from coach.events import CueDecided, RepCompleted, SetComplete
from coach.progress import SetRecord
from coach.programme import LiveEvent, ProgrammeFinished, StepStarted
from coach.recording import (EVENTS_FILE, LANDMARKS_FILE, META_FILE, VIDEO_FILE, RecordedSession,
                             default_data_dir, read_session)
from coach.summary import summarize_events

if TYPE_CHECKING:
    from coach.analysis import AnalysisResult
    from coach.definitions import ExerciseDefinition

log = logging.getLogger(__name__)

CATALOGUE_FILE = "catalogue.sqlite3"
SESSIONS_DIR = "sessions"
DELETED_MARKER = ".deleted"          # a folder being deleted: sync skips it and finishes the job
BUSY_TIMEOUT_MS = 10_000             # how long a writer waits for another one
_FOLDER_STAMP = re.compile(r"^(\d{8}-\d{6})-(.+?)(?:-\d+)?$")


class StoreError(CoachError):
    """The catalogue cannot be opened or does not hold what was asked for."""

    exit_code = 2


# ---------------------------------------------------------------- schema and migrations


def _v1_sessions_and_results(db: sqlite3.Connection) -> None:
    _run_script(db, """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            folder TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            title TEXT NOT NULL,
            started_at TEXT,
            ended_at TEXT,
            end_reason TEXT,
            duration_s REAL NOT NULL DEFAULT 0,
            source_kind TEXT,
            has_video INTEGER NOT NULL DEFAULT 0,
            has_landmarks INTEGER NOT NULL DEFAULT 0,
            frames INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]',
            fingerprint TEXT NOT NULL DEFAULT '',
            indexed_at TEXT NOT NULL
        );
        CREATE TABLE sets (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            step INTEGER NOT NULL,
            exercise TEXT,
            title TEXT NOT NULL,
            set_number INTEGER NOT NULL,
            sets INTEGER NOT NULL,
            target_reps INTEGER,
            target_hold_s REAL NOT NULL DEFAULT 0,
            sides TEXT NOT NULL DEFAULT '["both"]',
            start_s REAL NOT NULL,
            end_s REAL NOT NULL
        );
        CREATE TABLE reps (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            side TEXT NOT NULL, number INTEGER NOT NULL,
            start_s REAL, end_s REAL, duration_s REAL,
            metric TEXT, range REAL, range_unit TEXT,
            hold_good_s REAL, hold_total_s REAL,
            faults TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE holds (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            side TEXT NOT NULL, start_s REAL, end_s REAL, good_s REAL, total_s REAL, target_s REAL
        );
        CREATE TABLE faults (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            code TEXT NOT NULL, side TEXT NOT NULL, rep INTEGER, start_s REAL, end_s REAL
        );
        CREATE TABLE cues (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            t_s REAL, text TEXT NOT NULL, kind TEXT NOT NULL
        );
        CREATE TABLE pain_events (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            t_s REAL
        );
        CREATE TABLE setup_problems (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            t_s REAL, code TEXT NOT NULL, message TEXT NOT NULL
        );
        CREATE INDEX sets_session ON sets(session_id, position);
        CREATE INDEX reps_set ON reps(set_id);
        CREATE INDEX holds_set ON holds(set_id);
        CREATE INDEX faults_set ON faults(set_id);
        CREATE INDEX cues_set ON cues(set_id);
        CREATE INDEX pain_set ON pain_events(set_id);
        CREATE INDEX setup_set ON setup_problems(set_id);
    """)


def _v2_patients_and_programmes(db: sqlite3.Connection) -> None:
    _run_script(db, """
        CREATE TABLE patients (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            sessions_per_week REAL,
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE TABLE programmes (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            title TEXT NOT NULL,
            path TEXT,
            steps TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE
        );
        ALTER TABLE sessions ADD COLUMN patient_id INTEGER REFERENCES patients(id) ON DELETE SET NULL;
        ALTER TABLE sessions ADD COLUMN programme_id INTEGER REFERENCES programmes(id) ON DELETE SET NULL;
        CREATE INDEX sessions_patient ON sessions(patient_id, started_at);
    """)
    # Version 1 knew no patients or programmes: index every folder again to fill them in from meta.json.
    db.execute("UPDATE sessions SET fingerprint = ''")


def _v3_cue_details_and_hold_faults(db: sqlite3.Connection) -> None:
    _run_script(db, """
        ALTER TABLE cues ADD COLUMN priority INTEGER;
        ALTER TABLE cues ADD COLUMN source TEXT NOT NULL DEFAULT '';
        ALTER TABLE holds ADD COLUMN faults TEXT NOT NULL DEFAULT '[]';
    """)
    db.execute("UPDATE sessions SET fingerprint = ''")


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Statement by statement: executescript() would commit the migration's transaction half-way."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_sessions_and_results, _v2_patients_and_programmes, _v3_cue_details_and_hold_faults,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations the catalogue lacks, each in its own transaction; returns the new version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"The session catalogue is version {version}, newer than this coach knows ({SCHEMA_VERSION}).",
                         "Update the coach, or use another data folder (--data-dir).")
    for number in range(version, target):
        with _transaction(db):
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
        log.info("catalogue migrated to version %d", number + 1)
    return max(version, target)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken up front (IMMEDIATE) so two writers queue instead of failing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# ---------------------------------------------------------------- sets: a session cut by StepStarted


@dataclass(frozen=True)
class SetSlice:
    """One exercise set of a session: from its StepStarted to the next one (or the session's end)."""

    position: int                        # 0-based order in the session
    step: int                            # 1-based programme step; 0 when the session has no StepStarted
    exercise: str | None                 # definition name; None when unknown
    title: str
    set_number: int
    sets: int
    target_reps: int | None              # per side
    target_hold_s: float
    sides: tuple[str, ...]
    start_s: float
    end_s: float
    events: tuple[LiveEvent, ...] = field(repr=False)

    @property
    def summary(self) -> dict[str, Any]:
        """summarize_events of this set: reps, rep_table, holds, faults, cues, setup_problems, pain."""
        return summarize_events(list(self.events), self.end_s)  # type: ignore[arg-type]


def split_sets(events: Sequence[LiveEvent], end_s: float, meta: Mapping[str, Any],
               folder_name: str = "", start_s: float = 0.0) -> list[SetSlice]:
    """Cut the event stream at each StepStarted; what came before the first (from `start_s`, the
    session's start) belongs to the first set."""
    starts = [i for i, e in enumerate(events) if isinstance(e, StepStarted)]
    if not starts:
        return [_unstepped_slice(events, start_s, end_s, meta, folder_name)]
    slices = []
    for n, i in enumerate(starts):
        step: StepStarted = events[i]  # type: ignore[assignment]
        first = 0 if n == 0 else i
        stop = starts[n + 1] if n + 1 < len(starts) else len(events)
        begin_s = min(start_s, step.t_s) if n == 0 else step.t_s
        stop_s = events[starts[n + 1]].t_s if n + 1 < len(starts) else end_s
        slices.append(SetSlice(n, step.step, step.exercise, step.title, step.set_number, step.sets, step.reps,
                               step.hold_s, tuple(step.sides), begin_s, max(stop_s, begin_s),
                               tuple(events[first:stop])))
    return slices


def _unstepped_slice(events: Sequence[LiveEvent], start_s: float, end_s: float, meta: Mapping[str, Any],
                     folder_name: str) -> SetSlice:
    """A session without StepStarted (old or damaged): one set, the exercise from meta or the folder name."""
    steps = (meta.get("programme") or {}).get("steps") or []
    step = steps[0] if len(steps) == 1 else {}
    exercise = step.get("exercise") or _exercise_from_folder(folder_name)
    prescription = step.get("prescription") or {}
    title = step.get("title") or meta.get("title") or (exercise or "Session").replace("_", " ").capitalize()
    return SetSlice(0, 0, exercise, title, 1, int(prescription.get("sets", 1)), prescription.get("reps"),
                    float(prescription.get("hold_s", 0.0)), tuple(prescription.get("sides", ["both"])),
                    start_s, max(end_s, start_s), tuple(events))


def _exercise_from_folder(folder_name: str) -> str | None:
    match = _FOLDER_STAMP.match(folder_name)
    name = match.group(2) if match else None
    return name if name and (poses_dir() / f"{name}.toml").is_file() else None


def rep_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The per-rep table: each rep with the hold inside it (good and total seconds) and its faults;
    holds that belong to no rep (a hold cut short) follow as rows of kind "hold"."""
    holds = [dict(h, faults=_faults_in(summary["faults"], h["start_s"], h["end_s"])) for h in summary["holds"]]
    used: set[int] = set()
    rows = []
    for rep in summary["rep_table"]:
        match = _best_hold(rep, holds, used)
        hold = holds[match] if match is not None else None
        rows.append({"kind": "rep", **rep, "hold_good_s": hold["good_s"] if hold else None,
                     "hold_total_s": hold["total_s"] if hold else None})
    for i, hold in enumerate(holds):
        if i not in used:
            rows.append({"kind": "hold", "side": hold["side"], "number": None, "start_s": hold["start_s"],
                         "end_s": hold["end_s"], "duration_s": hold["total_s"], "metric": None, "range": None,
                         "range_unit": None, "faults": hold["faults"], "hold_good_s": hold["good_s"],
                         "hold_total_s": hold["total_s"]})
    return sorted(rows, key=lambda r: r["start_s"] if r["start_s"] is not None else math.inf)


def hold_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The set's holds, each with the codes of the faults active during it."""
    return [dict(h, faults=_faults_in(summary["faults"], h["start_s"], h["end_s"])) for h in summary["holds"]]


def _best_hold(rep: Mapping[str, Any], holds: list[dict[str, Any]], used: set[int]) -> int | None:
    best, best_overlap = None, 0.0
    for i, hold in enumerate(holds):
        if i in used or (rep["side"] != "both" and hold["side"] not in (rep["side"], "both")):
            continue
        overlap = _overlap_s(rep["start_s"], rep["end_s"], hold["start_s"], hold["end_s"])
        if overlap > best_overlap:
            best, best_overlap = i, overlap
    if best is not None:
        used.add(best)
    return best


def _overlap_s(a0: float | None, a1: float | None, b0: float | None, b1: float | None) -> float:
    if None in (a0, a1, b0, b1):
        return 0.0
    return max(0.0, min(a1, b1) - max(a0, b0))  # type: ignore[type-var, operator]


def _faults_in(spans: Sequence[Mapping[str, Any]], start_s: float | None, end_s: float | None) -> list[str]:
    codes = [s["code"] for s in spans if _overlap_s(s["start_s"], s["end_s"], start_s, end_s) > 0]
    return list(dict.fromkeys(codes))


# ---------------------------------------------------------------- what the store returns


@dataclass(frozen=True)
class Patient:
    id: int
    code: str                        # the clinic's identifier, e.g. "P-0042"
    name: str
    sessions_per_week: float | None  # the prescribed frequency; None: the programme's default
    notes: str


@dataclass(frozen=True)
class SessionRow:
    """A line of `coach sessions list`."""

    id: int
    folder: Path
    name: str
    title: str
    started_at: datetime | None
    end_reason: str | None           # None: the session did not end cleanly
    duration_s: float
    patient: Patient | None
    exercises: tuple[str, ...]       # titles, in order, without repeats
    reps: int
    holds: int
    faults: int
    pain: int
    problems: tuple[str, ...]        # what was missing or damaged when it was last indexed

    @property
    def folder_exists(self) -> bool:
        return self.folder.is_dir()


@dataclass(frozen=True)
class StoredSet:
    """A set with everything the catalogue holds about it."""

    id: int
    position: int
    step: int
    exercise: str | None
    title: str
    set_number: int
    sets: int
    target_reps: int | None
    target_hold_s: float
    sides: tuple[str, ...]
    start_s: float
    end_s: float
    reps: list[dict[str, Any]]
    holds: list[dict[str, Any]]
    faults: list[dict[str, Any]]
    cues: list[dict[str, Any]]
    pain: list[dict[str, Any]]
    setup_problems: list[dict[str, Any]]


@dataclass(frozen=True)
class SessionDetail:
    row: SessionRow
    sets: list[StoredSet]
    programme: dict[str, Any] | None


@dataclass
class SyncReport:
    indexed: list[int] = field(default_factory=list)        # ids indexed now (new or changed)
    unchanged: int = 0
    failed: dict[Path, str] = field(default_factory=dict)   # folder -> why it could not be indexed
    missing: list[int] = field(default_factory=list)        # catalogued sessions whose folder is gone


# ---------------------------------------------------------------- the store


class Store:
    """The catalogue of one data folder. Open one per thread; every write is a short transaction."""

    def __init__(self, data_dir: Path | str | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.sessions_dir = self.data_dir / SESSIONS_DIR
        self.path = self.data_dir / CATALOGUE_FILE
        self.db = _connect(self.path)
        migrate(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- indexing

    def index_session(self, folder: Path | str, *, patient: tuple[str, str] | None = None,
                      force: bool = False) -> int:
        """Catalogue one session folder (idempotent); returns its id. `patient`: (code, name) to file it under."""
        folder = Path(folder)
        if not folder.is_dir():
            raise StoreError(f"{folder} is not a session folder.", "Give a folder under <data dir>/sessions/.")
        key, fingerprint = self._folder_key(folder), _fingerprint(folder)
        existing = self.db.execute("SELECT id, fingerprint FROM sessions WHERE folder = ?", (key,)).fetchone()
        if existing and existing[1] == fingerprint and not force and patient is None:
            return int(existing[0])
        session = read_session(folder)
        with _transaction(self.db):
            session_id = self._upsert_session(key, fingerprint, session, patient)
            self.db.execute("DELETE FROM sets WHERE session_id = ?", (session_id,))
            for piece in split_sets(session.events, session_end_s(session), session.meta, folder.name,
                                    session_start_s(session)):
                self._insert_set(session_id, piece)
        log.info("indexed session %d from %s", session_id, folder)
        return session_id

    def sync(self) -> SyncReport:
        """Index every new or changed folder under sessions/; list catalogued sessions whose folder is gone."""
        report = SyncReport()
        known = {key: fp for key, fp in self.db.execute("SELECT folder, fingerprint FROM sessions")}
        folders = sorted(p for p in self.sessions_dir.iterdir() if p.is_dir()) if self.sessions_dir.is_dir() else []
        for folder in folders:
            if (folder / DELETED_MARKER).exists():
                shutil.rmtree(folder, ignore_errors=True)        # a delete interrupted after the catalogue let go
                continue
            if known.get(self._folder_key(folder)) == _fingerprint(folder):
                report.unchanged += 1
                continue
            try:
                report.indexed.append(self.index_session(folder))
            except (OSError, sqlite3.DatabaseError) as exc:
                log.warning("could not index %s: %s", folder, exc)
                report.failed[folder] = str(exc)
        report.missing = [row.id for row in self.sessions() if not row.folder_exists]
        return report

    def _folder_key(self, folder: Path) -> str:
        """Folders inside the data dir are stored relative to it, so the data dir can move."""
        folder = folder.resolve()
        try:
            return str(folder.relative_to(self.data_dir.resolve()))
        except ValueError:
            return str(folder)

    def folder_of(self, key: str) -> Path:
        path = Path(key)
        return path if path.is_absolute() else self.data_dir / path

    def _upsert_session(self, key: str, fingerprint: str, session: RecordedSession,
                        patient: tuple[str, str] | None) -> int:
        meta = session.meta
        patient_id = self._patient_id_for(patient or meta_patient(meta))
        programme_id = self._programme_id(meta.get("programme"))
        ended = meta.get("ended") or {}
        name = meta.get("name") or _folder_name_part(session.path.name)
        values = {
            "folder": key, "name": name, "title": meta.get("title") or name.replace("_", " ").capitalize(),
            "started_at": meta.get("started_at") or started_from_folder(session.path.name),
            "ended_at": ended.get("at"), "end_reason": ended.get("reason"),
            "duration_s": round(session_end_s(session), 3), "source_kind": (meta.get("source") or {}).get("kind"),
            "has_video": int(session.video is not None), "has_landmarks": int(session.landmarks is not None),
            "frames": len(session.landmarks) if session.landmarks is not None else 0,
            "problems": json.dumps(session.problems), "fingerprint": fingerprint,
            "indexed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "patient_id": patient_id, "programme_id": programme_id,
        }
        columns = ", ".join(values)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values if c not in ("folder", "patient_id"))
        # A patient given now wins; the one in meta.json only fills in a session filed under nobody, so a
        # therapist's reassignment survives re-indexing.
        keep = "excluded.patient_id" if patient is not None else "COALESCE(sessions.patient_id, excluded.patient_id)"
        row = self.db.execute(
            f"INSERT INTO sessions ({columns}) VALUES ({', '.join('?' * len(values))}) "
            f"ON CONFLICT(folder) DO UPDATE SET {updates}, patient_id = {keep} RETURNING id",
            tuple(values.values())).fetchone()
        return int(row[0])

    def _insert_set(self, session_id: int, piece: SetSlice) -> None:
        set_id = self.db.execute(
            "INSERT INTO sets (session_id, position, step, exercise, title, set_number, sets, target_reps, "
            "target_hold_s, sides, start_s, end_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, piece.position, piece.step, piece.exercise, piece.title, piece.set_number, piece.sets,
             piece.target_reps, piece.target_hold_s, json.dumps(list(piece.sides)), piece.start_s,
             piece.end_s)).lastrowid
        summary = piece.summary
        self._insert_reps(set_id, [r for r in rep_rows(summary) if r["kind"] == "rep"])
        self.db.executemany(
            "INSERT INTO holds (set_id, side, start_s, end_s, good_s, total_s, target_s, faults) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(set_id, h["side"], h["start_s"], h["end_s"], h["good_s"], h["total_s"], h["target_s"],
              json.dumps(h["faults"])) for h in hold_rows(summary)])
        self.db.executemany("INSERT INTO faults (set_id, code, side, rep, start_s, end_s) VALUES (?, ?, ?, ?, ?, ?)",
                            [(set_id, f["code"], f["side"], f["rep"], f["start_s"], f["end_s"])
                             for f in summary["faults"]])
        self._insert_cues(set_id, piece.events)
        self.db.executemany("INSERT INTO pain_events (set_id, t_s) VALUES (?, ?)",
                            [(set_id, p["t_s"]) for p in summary["pain"]])
        self.db.executemany("INSERT INTO setup_problems (set_id, t_s, code, message) VALUES (?, ?, ?, ?)",
                            [(set_id, p["t_s"], p["code"], p["message"]) for p in summary["setup_problems"]])

    def _insert_reps(self, set_id: int, reps: list[dict[str, Any]]) -> None:
        self.db.executemany(
            "INSERT INTO reps (set_id, side, number, start_s, end_s, duration_s, metric, range, range_unit, "
            "hold_good_s, hold_total_s, faults) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(set_id, r["side"], r["number"], r["start_s"], r["end_s"], r["duration_s"], r["metric"], r["range"],
              r["range_unit"], r["hold_good_s"], r["hold_total_s"], json.dumps(r["faults"])) for r in reps])

    def _insert_cues(self, set_id: int, events: Sequence[LiveEvent]) -> None:
        self.db.executemany("INSERT INTO cues (set_id, t_s, text, kind, priority, source) VALUES (?, ?, ?, ?, ?, ?)",
                            [(set_id, round(e.t_s, 3), e.text, e.kind, e.priority, e.source)
                             for e in events if isinstance(e, CueDecided)])

    # -- patients and programmes

    def add_patient(self, code: str, name: str = "", sessions_per_week: float | None = None) -> Patient:
        """Create a patient, or update the name / frequency of an existing one (by code)."""
        with _transaction(self.db):
            self._upsert_patient(code, name, sessions_per_week)
        patient = self.patient(code)
        assert patient is not None
        return patient

    def _upsert_patient(self, code: str, name: str = "", sessions_per_week: float | None = None) -> int:
        code = code.strip()
        if not code:
            raise StoreError("A patient needs a code (the clinic's identifier).", "Give one, e.g. --patient P-0042.")
        row = self.db.execute(
            "INSERT INTO patients (code, name, sessions_per_week, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(code) DO UPDATE SET name = CASE WHEN excluded.name != '' THEN excluded.name ELSE name END, "
            "sessions_per_week = COALESCE(excluded.sessions_per_week, sessions_per_week) RETURNING id",
            (code, name.strip(), sessions_per_week, datetime.now().astimezone().isoformat(timespec="seconds")),
        ).fetchone()
        return int(row[0])

    def _patient_id_for(self, patient: tuple[str, str] | None) -> int | None:
        return None if patient is None else self._upsert_patient(*patient)

    def patient(self, code_or_id: str | int) -> Patient | None:
        column = "id" if isinstance(code_or_id, int) else "code"
        row = self.db.execute(f"SELECT id, code, name, sessions_per_week, notes FROM patients WHERE {column} = ?",
                              (code_or_id,)).fetchone()
        return Patient(*row) if row else None

    def patients(self) -> list[Patient]:
        rows = self.db.execute("SELECT id, code, name, sessions_per_week, notes FROM patients ORDER BY code")
        return [Patient(*row) for row in rows]

    def assign_patient(self, session_id: int, code: str, name: str = "") -> Patient:
        """File a session under a patient (created if new)."""
        self._require(session_id)
        with _transaction(self.db):
            patient_id = self._upsert_patient(code, name)
            self.db.execute("UPDATE sessions SET patient_id = ? WHERE id = ?", (patient_id, session_id))
        patient = self.patient(patient_id)
        assert patient is not None
        return patient

    def _programme_id(self, programme: Mapping[str, Any] | None) -> int | None:
        if not programme or not programme.get("steps"):
            return None
        steps = json.dumps(programme["steps"], sort_keys=True)
        digest = hashlib.sha256(f"{programme.get('name')}\n{steps}".encode()).hexdigest()
        row = self.db.execute(
            "INSERT INTO programmes (name, title, path, steps, sha256) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(sha256) DO UPDATE SET title = excluded.title RETURNING id",
            (programme.get("name") or "", programme.get("title") or "", programme.get("path"), steps, digest),
        ).fetchone()
        return int(row[0])

    # -- reading

    def sessions(self, patient_id: int | None = None) -> list[SessionRow]:
        """Every catalogued session, newest first (of one patient when given)."""
        where, args = ("WHERE s.patient_id = ?", (patient_id,)) if patient_id is not None else ("", ())
        rows = self.db.execute(f"{_SESSION_ROW_SQL} {where} ORDER BY s.started_at DESC, s.id DESC", args)
        return [self._session_row(row) for row in rows.fetchall()]

    def session(self, session_id: int) -> SessionRow:
        row = self.db.execute(f"{_SESSION_ROW_SQL} WHERE s.id = ?", (session_id,)).fetchone()
        if row is None:
            raise StoreError(f"There is no session {session_id} in {self.path}.",
                             "List the sessions with: coach sessions list")
        return self._session_row(row)

    def _require(self, session_id: int) -> None:
        self.session(session_id)

    def _session_row(self, row: sqlite3.Row) -> SessionRow:
        patient = self.patient(row["patient_id"]) if row["patient_id"] is not None else None
        titles = tuple(dict.fromkeys(t for (t,) in self.db.execute(
            "SELECT title FROM sets WHERE session_id = ? ORDER BY position", (row["id"],))))
        return SessionRow(row["id"], self.folder_of(row["folder"]), row["name"], row["title"],
                          _parse_time(row["started_at"]), row["end_reason"], row["duration_s"], patient, titles,
                          row["reps"], row["holds"], row["faults"], row["pain"], tuple(json.loads(row["problems"])))

    def detail(self, session_id: int) -> SessionDetail:
        row = self.session(session_id)
        sets = [self._stored_set(r) for r in self.db.execute(
            "SELECT * FROM sets WHERE session_id = ? ORDER BY position", (session_id,)).fetchall()]
        programme = self.db.execute(
            "SELECT p.name, p.title, p.path, p.steps FROM programmes p JOIN sessions s ON s.programme_id = p.id "
            "WHERE s.id = ?", (session_id,)).fetchone()
        return SessionDetail(row, sets, None if programme is None else
                             {"name": programme[0], "title": programme[1], "path": programme[2],
                              "steps": json.loads(programme[3])})

    def _stored_set(self, row: sqlite3.Row) -> StoredSet:
        def rows(table: str, order: str) -> list[dict[str, Any]]:
            found = self.db.execute(f"SELECT * FROM {table} WHERE set_id = ? ORDER BY {order}", (row["id"],))
            return [_decode_row(dict(r)) for r in found.fetchall()]
        return StoredSet(row["id"], row["position"], row["step"], row["exercise"], row["title"], row["set_number"],
                         row["sets"], row["target_reps"], row["target_hold_s"], tuple(json.loads(row["sides"])),
                         row["start_s"], row["end_s"], rows("reps", "start_s, id"), rows("holds", "start_s, id"),
                         rows("faults", "start_s, id"), rows("cues", "t_s, id"), rows("pain_events", "t_s, id"),
                         rows("setup_problems", "t_s, id"))

    def set_records(self, patient_id: int) -> list[SetRecord]:
        """One record per set of the patient's sessions, for coach.progress."""
        records = []
        for row in self.sessions(patient_id):
            if row.started_at is None:
                continue
            for piece in self.detail(row.id).sets:
                records.append(_set_record(row, piece))
        return records

    # -- deleting

    def delete_session(self, session_id: int, *, remove_files: bool = True) -> SessionRow:
        """Remove a session from the catalogue and, by default, its folder."""
        row = self.session(session_id)
        if remove_files and row.folder_exists:
            (row.folder / DELETED_MARKER).touch()      # a crash from here on still ends in a deleted folder
        with _transaction(self.db):
            self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        if remove_files and row.folder_exists:
            shutil.rmtree(row.folder)
        log.info("deleted session %d (%s)", session_id, row.folder)
        return row

    def integrity_problems(self) -> list[str]:
        """What SQLite's own check finds wrong (empty: the catalogue is sound)."""
        found = [r[0] for r in self.db.execute("PRAGMA integrity_check")]
        found += [f"{r[0]} row {r[1]} points at a missing {r[2]}" for r in self.db.execute("PRAGMA foreign_key_check")]
        return [] if found == ["ok"] else found


_SESSION_ROW_SQL = """
    SELECT s.*,
        (SELECT COUNT(*) FROM reps r JOIN sets t ON r.set_id = t.id WHERE t.session_id = s.id) AS reps,
        (SELECT COUNT(*) FROM holds h JOIN sets t ON h.set_id = t.id WHERE t.session_id = s.id) AS holds,
        (SELECT COUNT(*) FROM faults f JOIN sets t ON f.set_id = t.id WHERE t.session_id = s.id) AS faults,
        (SELECT COUNT(*) FROM pain_events p JOIN sets t ON p.set_id = t.id WHERE t.session_id = s.id) AS pain
    FROM sessions s
"""


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")      # WAL: a crash loses no committed write, only speed is traded
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return db
    except (OSError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"The session catalogue {path} cannot be opened ({exc}).",
                         "Check that the data folder is writable; a damaged catalogue can be moved away and "
                         "rebuilt from the session folders with: coach sessions list") from exc


def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
    if "faults" in row and isinstance(row["faults"], str):
        row["faults"] = json.loads(row["faults"])
    return row


def _set_record(row: SessionRow, piece: StoredSet) -> SetRecord:
    assert row.started_at is not None
    items = piece.reps or piece.holds
    ranges = [r["range"] for r in piece.reps if r["range"] is not None]
    goods = [h["good_s"] for h in piece.holds if h["good_s"] is not None]
    return SetRecord(session_id=row.id, started_at=row.started_at, exercise=piece.exercise or "unknown",
                     title=piece.title, reps=len(piece.reps), holds=len(piece.holds),
                     target_reps=piece.target_reps, sides=len(piece.sides), target_hold_s=piece.target_hold_s,
                     range_values=tuple(ranges),
                     range_unit=next((r["range_unit"] for r in piece.reps if r["range_unit"]), ""),
                     hold_good_s=tuple(goods), items_with_faults=sum(bool(i["faults"]) for i in items),
                     fault_codes=tuple(c for i in items for c in i["faults"]), pain=len(piece.pain))


# ---------------------------------------------------------------- small helpers


def session_end_s(session: RecordedSession) -> float:
    """The last media time anything in the session knows about."""
    times = [0.0]
    if session.landmarks is not None and len(session.landmarks):
        times.append(float(session.landmarks.t_s[-1]))
    if session.video_end_s is not None:
        times.append(session.video_end_s)
    times += [e.t_s for e in session.events if math.isfinite(e.t_s)]
    last = (session.meta.get("ended") or {}).get("last_t_s")
    if isinstance(last, (int, float)):
        times.append(float(last))
    return max(times)


def session_start_s(session: RecordedSession) -> float:
    """The first media time anything in the session knows about (0 for an empty one)."""
    times = [e.t_s for e in session.events if math.isfinite(e.t_s)]
    if session.landmarks is not None and len(session.landmarks):
        times.append(float(session.landmarks.t_s[0]))
    return min(times) if times else 0.0


def _fingerprint(folder: Path) -> str:
    parts = []
    for name in (META_FILE, EVENTS_FILE, LANDMARKS_FILE, VIDEO_FILE):
        try:
            stat = (folder / name).stat()
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:-")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


def meta_patient(meta: Mapping[str, Any]) -> tuple[str, str] | None:
    patient = meta.get("patient")
    if isinstance(patient, Mapping) and patient.get("id"):
        return str(patient["id"]), str(patient.get("name") or "")
    return None


def _folder_name_part(folder_name: str) -> str:
    match = _FOLDER_STAMP.match(folder_name)
    return match.group(2) if match else folder_name


def started_from_folder(folder_name: str) -> str | None:
    """The local start time in a folder name (20250504-101203-...), when meta.json is lost."""
    match = _FOLDER_STAMP.match(folder_name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").isoformat()
    except ValueError:
        return None


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


# ---------------------------------------------------------------- coach analyze --save


@dataclass(frozen=True)
class SavedAnalysis:
    folder: Path
    session_id: int


def save_analysis(result: "AnalysisResult", data_dir: Path | str | None = None,
                  definition: "ExerciseDefinition | None" = None,
                  patient: tuple[str, str] | None = None) -> SavedAnalysis:
    """Store an analysed video as a session: the frames re-encoded with the recorder (so the folder is
    exactly what `coach live` writes), the smoothed landmarks, the engine's events; then catalogue it."""
    from coach.recording import SessionRecorder
    from coach.sources import VideoFileSource

    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    definition = definition or _definition_of(result.exercise)
    name = definition.name if definition else result.info.path.stem
    recorder = SessionRecorder.create(data_dir, name, _analysis_meta(result, definition, patient))
    by_time = {round(f.t_s, 3): f for f in result.frames}
    try:
        with VideoFileSource(result.info.path) as video:
            for item in video:
                pose = by_time.get(round(item.t_s, 3))
                if pose is not None:
                    recorder.write_frame(item.image, pose)
        recorder.write_events(_analysis_events(result, definition))
    finally:
        recorder.close(*_analysis_end(result, definition))
    with Store(data_dir) as store:
        return SavedAnalysis(recorder.path, store.index_session(recorder.path, patient=patient))


def _definition_of(exercise: str | None) -> "ExerciseDefinition | None":
    if exercise is None:
        return None
    from coach.definitions import load_exercise

    return load_exercise(exercise)


def _analysis_meta(result: "AnalysisResult", definition: "ExerciseDefinition | None",
                   patient: tuple[str, str] | None) -> dict[str, Any]:
    from coach import __version__
    from coach.programme import Programme

    meta: dict[str, Any] = {
        "coach_version": __version__, "started_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "name": definition.name if definition else result.info.path.stem,
        "title": definition.title if definition else f"Analysis of {result.info.path.name}",
        "programme": Programme.single(definition).to_dict() if definition else None,
        "model": {"file": result.model.name, "path": str(result.model)},
        "source": {"kind": "video", "path": str(result.info.path), "analysed": True},
    }
    if patient is not None:
        meta["patient"] = {"id": patient[0], "name": patient[1]}
    return meta


def _analysis_events(result: "AnalysisResult", definition: "ExerciseDefinition | None") -> list[LiveEvent]:
    """The engine's events framed as a one-step programme, as `coach live --exercise` records them."""
    if definition is None:
        return list(result.events)
    p = definition.prescription
    start = StepStarted(0.0, 1, 1, definition.name, definition.title, 1, p.sets, p.reps, p.hold_s,
                        tuple(s.value for s in p.sides))
    reason = _analysis_end(result, definition)[0]
    return [start, *result.events, ProgrammeFinished(result.duration_s, reason == "done", reason)]


def _analysis_end(result: "AnalysisResult", definition: "ExerciseDefinition | None") -> tuple[str, str]:
    sets = definition.prescription.sets if definition else 0
    done = definition is not None and any(isinstance(e, SetComplete) and e.number >= sets for e in result.events)
    reps = sum(isinstance(e, RepCompleted) for e in result.events)
    return ("done", "Every set was completed.") if done else ("source_ended", f"The video ended ({reps} reps counted).")
