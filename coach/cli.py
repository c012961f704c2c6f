"""`coach` command line: one subcommand per job. The only module in `coach` that prints.

Errors the user can act on (`CoachError`) are printed as one short message without a
traceback; the exit code tells scripts what kind of failure it was.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from coach import __version__
from coach.errors import CoachError, InputError

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_videos"


DEMO_EXERCISE = "hip_hinge"   # what the no-camera demo coaches when no exercise is named


def default_video(exercise: str | None = None) -> Path:
    """The bundled sample video used when none is given: the clean one of `exercise` if there is one."""
    videos = sorted(SAMPLE_DIR.glob("**/*.mp4"))
    if not videos:
        raise InputError(f"No video given and no sample video in {SAMPLE_DIR}.", "Give a video: coach analyze VIDEO")
    ranked = sorted(videos, key=lambda v: (v.parent.name != (exercise or DEMO_EXERCISE), "clean" not in v.stem, str(v)))
    return ranked[0]


def _progress_bar(enabled: bool):  # noqa: ANN202
    """A tqdm bar over media seconds, on stderr; a no-op when disabled."""
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(unit="s", unit_scale=False, bar_format="{l_bar}{bar}| {n:.1f}/{total_fmt} s [{elapsed}<{remaining}]",
               file=sys.stderr, mininterval=0.5, dynamic_ncols=True)

    def update(t_s: float, info) -> None:  # noqa: ANN001
        if bar.total is None and info.duration_s:
            bar.total = round(info.duration_s, 1)
            bar.set_description(info.path.name)
        bar.n = round(t_s, 1)
        bar.refresh() if bar.n >= (bar.total or 0) else bar.update(0)

    return update, bar.close


def cmd_analyze(args: argparse.Namespace) -> int:
    from coach.analysis import analyze, write_frames_csv
    from coach.pose import PoseOptions
    from coach.summary import summarize

    coach = None
    if args.exercise:
        from coach.coaching import Coach
        from coach.definitions import load_all, load_exercise, load_overrides

        definition = load_exercise(args.exercise)     # a wrong name lists the known ones
        if args.patient:   # checked whole: every exercise the patient file names must exist
            definition = load_all(overrides=load_overrides(args.patient), overrides_source=args.patient)[args.exercise]
        coach = Coach(definition)
    video = Path(args.video) if args.video else default_video(args.exercise)
    progress, close = _progress_bar(not args.quiet and not args.json)
    try:
        result = analyze(video, options=PoseOptions(model=args.model), coach=coach, progress=progress)
    finally:
        close()
    summary = summarize(result)
    out_dir = Path(args.out)
    csv_path = out_dir / f"{video.stem}.frames.csv"
    json_path = out_dir / f"{video.stem}.summary.json"
    write_frames_csv(result, csv_path)
    json_path.write_text(json.dumps(summary, indent=2) + "\n")
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(_describe(summary))
        print(f"Per-frame angles and landmarks: {csv_path}\nSummary: {json_path}")
    if args.save:
        from coach.store import save_analysis

        saved = save_analysis(result, args.data_dir, coach.definition if coach else None)
        print(f"Saved as session {saved.session_id}: {saved.folder}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _describe(summary: dict) -> str:
    lines = [f"{summary['video']}: {summary['duration_s']:.1f} s, "
             f"person found in {summary['frames_with_pose']} of {summary['frames']} frames"]
    for name, stats in summary["angles"].items():
        if stats["median"] is not None:
            lines.append(f"  {name:<20} median {stats['median']:6.1f}   range {stats['min']:6.1f} .. {stats['max']:6.1f}")
    if "exercise" in summary:
        reps = summary["reps"]
        lines.append(f"{summary['exercise']}: {reps['total']} reps (left {reps['left']}, right {reps['right']})")
        for hold in summary["holds"]:
            lines.append(f"  hold ({hold['side']}) {hold['start_s']:.1f}-{hold['end_s']:.1f} s: "
                         f"{hold['good_s']:.1f} s in good form of {hold['total_s']:.1f} s")
        for fault in summary["faults"]:
            lines.append(f"  fault {fault['code']} ({fault['side']}, rep {fault['rep']}) "
                         f"{fault['start_s']:.1f}-{fault['end_s']:.1f} s")
        for cue in summary["cues"]:
            lines.append(f"  {cue['t_s']:6.1f} s  \"{cue['text']}\"")
        if summary["not_judged"]:
            lines.append(f"  not judged (a webcam cannot show them; poses/README.md, \"Needs 3D\"): "
                         f"{', '.join(summary['not_judged'])}")
    return "\n".join(lines)


def cmd_bench(args: argparse.Namespace) -> int:
    from coach.analysis import analyze
    from coach.pose import PoseOptions

    from coach.coaching import Coach
    from coach.definitions import load_exercise

    video = Path(args.video) if args.video else default_video(args.exercise)
    result = analyze(video, options=PoseOptions(model=args.model, max_people=args.max_people),
                     coach=Coach(load_exercise(args.exercise)), max_frames=args.frames, require_person=False)
    t = result.times
    n = max(t.frames, 1)
    rows = [("decode", t.decode), ("pose inference", t.pose),
            ("swaps + smoothing", t.smoothing_geometry), ("engine + metrics + cues", t.rest)]
    total = sum(v for _, v in rows)
    print(f"{video.name}: {t.frames} frames, {result.info.width}x{result.info.height}, "
          f"model {result.model.name}, max people {args.max_people}, exercise {args.exercise}")
    print(f"{'stage':<24}{'ms/frame':>10}{'share':>8}")
    for name, seconds in rows:
        print(f"{name:<24}{seconds / n * 1000:>10.2f}{seconds / total:>8.1%}")
    print(f"{'total':<24}{total / n * 1000:>10.2f}   ({n / total:.1f} frames/s)")
    print(f"everything but inference / inference: {(total - t.pose) / t.pose:.3f}")
    return 0


def cmd_regress(args: argparse.Namespace) -> int:
    from coach.regress import find_cases, judge_cases

    folder = Path(args.folder) if args.folder else SAMPLE_DIR

    def report(verdict, done: int, total: int) -> None:  # noqa: ANN001
        print(f"[{done:>2}/{total}] {_verdict_row(verdict, folder)}", flush=True)
        for line in [verdict.error] if verdict.error else verdict.mismatches:
            print(f"         - {line}", flush=True)

    cases = find_cases(folder)
    print(f"Judging {len(cases)} videos in {folder}, {args.jobs} at a time...", flush=True)
    verdicts = judge_cases(cases, jobs=args.jobs, poses_dir=args.poses, on_verdict=report)
    print(f"\n{'result':<6} {'video':<44} {'reps expected':<22} {'reps found':<22} person  not judged")
    for verdict in verdicts:
        print(_verdict_row(verdict, folder))
    failed = sum(not v.passed for v in verdicts)
    if any(v.not_judged for v in verdicts):
        print("\nNot judged: faults whose metrics need measured 3D (depth, hidden landmarks); a webcam's "
              "pose only guesses them, so the coach does not raise them on video (poses/README.md).")
    report_path = Path(args.report)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps([v.to_json() for v in verdicts], indent=2) + "\n")
    print(f"\nregress: {len(verdicts) - failed} videos passed, {failed} failed. Table: {report_path}")
    return 1 if failed else 0


def _verdict_row(verdict, folder: Path) -> str:  # noqa: ANN001
    def reps(r: dict) -> str:
        return " ".join(f"{k[0].upper()}{v}" for k, v in r.items()) or "-"

    name = str(verdict.video.relative_to(folder)) if verdict.video.is_relative_to(folder) else verdict.video.name
    found = f"{verdict.frames_with_pose / verdict.frames:.0%}" if verdict.frames else "-"
    return (f"{'PASS' if verdict.passed else 'FAIL':<6} {name:<44} {reps(verdict.expected_reps):<22} "
            f"{reps(verdict.actual_reps):<22} {found:<7} {', '.join(verdict.not_judged)}").rstrip()


# ---------------------------------------------------------------- live coaching (issue 5)
# The window lives in ui/ and is resolved by name only when `live` or `bench-live` runs, so every
# other command works where PyQt6 is not installed.


def _add_live_parser(sub: argparse._SubParsersAction) -> None:
    model_help = "a pose_landmarker_*.task bundle (default: models/)"
    p = sub.add_parser("live", help="coach live from the camera, in a window (or a video at real-time pace)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--exercise", help="exercise to start with (hip_hinge, bird_dog, side_plank, cat_cow, ...)")
    what.add_argument("--programme", type=Path, metavar="FILE",
                      help="a programme file (default choice: poses/programmes/low_back_default.toml)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--camera", type=int, metavar="N", help="camera index (default: 0)")
    where.add_argument("--source", type=Path, metavar="VIDEO", help="play a video at real-time pace instead")
    p.add_argument("--mute", action="store_true", help="no speech; cues are still shown")
    p.add_argument("--no-mirror", action="store_true", help="never mirror the picture (front views are by default)")
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="where sessions are saved (default: $COACH_DATA_DIR, else $XDG_DATA_HOME/backcoach)")
    p.add_argument("--model", type=Path, help=model_help)
    p.set_defaults(run=cmd_live)

    p = sub.add_parser("bench-live", help="play a video at camera pace through the live window and time it")
    p.add_argument("video", nargs="?", help="video file (default: a bundled sample video)")
    p.add_argument("--exercise", default="hip_hinge", help="exercise coached (default: %(default)s)")
    p.add_argument("--seconds", type=float, help="stop after this many seconds (default: the whole video)")
    p.add_argument("--model", type=Path, help=model_help)
    p.set_defaults(run=cmd_bench_live)


def _live_ui():  # noqa: ANN202 - the ui.app module
    import importlib

    try:
        return importlib.import_module("ui.app")
    except ImportError as exc:
        raise InputError(f"The live window needs PyQt6 ({exc}).", 'Install the UI extras: pip install ".[ui]"') from exc


def cmd_live(args: argparse.Namespace) -> int:
    from coach.live import choose_source

    source = choose_source(args.camera, args.source, lambda: default_video(args.exercise))
    if source.notice and not (args.exercise or args.programme):
        args.exercise = DEMO_EXERCISE   # the sample video shows this exercise
    if source.notice:
        print(f"coach live: {source.notice}", file=sys.stderr)
    return _live_ui().run_live(args, source)


def cmd_bench_live(args: argparse.Namespace) -> int:
    video = Path(args.video) if args.video else default_video(args.exercise)
    ui_app = _live_ui()
    r = ui_app.bench_live(video, args.exercise, model=args.model, seconds=args.seconds)
    share = r.stats_dropped / r.stats_captured if r.stats_captured else 0.0
    print(f"{video.name} at camera pace, exercise {args.exercise}: {r.wall_s:.1f} s")
    print(f"frames: {r.stats_captured} captured, {r.stats_processed} processed ({r.processed_fps:.1f}/s), "
          f"{r.stats_dropped} dropped ({share:.0%})")
    print("ms/frame: " + ", ".join(f"{name} {ms:.1f}" for name, ms in r.stage_ms.items()))
    print(f"capture -> overlay drawn: {ui_app.percentiles_ms(r.overlay_latency_s)}")
    print(f"cue decided -> speaker starts ({r.speaker}): {ui_app.percentiles_ms(r.cue_to_speech_s)}")
    print(f"fault started -> its cue starts: {ui_app.percentiles_ms(r.fault_to_cue_s)}; from the capture of "
          f"the frame that showed it: {ui_app.percentiles_ms(r.capture_to_cue_s)}; "
          f"{r.faults} faults, {r.cues_started} cues spoken")
    print(f"ended: {r.ended.reason}" if r.ended is not None else "ended: no (stopped by the watchdog)")
    return 0 if r.ended is not None else 1



# ---------------------------------------------------------------- sessions, replay and reports (issue 6)
# The catalogue is coach/store.py, the exports coach/report.py. The replay window lives in ui/ and is
# resolved by name only when `replay` runs, like `live`.

_DATA_HELP = "the data folder (default: $COACH_DATA_DIR, else $XDG_DATA_HOME/backcoach)"


def _add_sessions_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sessions", help="recorded sessions: list, show, export, delete, file under a patient")
    p.add_argument("--data-dir", type=Path, metavar="DIR", help=_DATA_HELP)
    actions = p.add_subparsers(dest="action", required=True)
    a = actions.add_parser("list", help="every session, newest first (new folders are catalogued first)")
    a.add_argument("--patient", metavar="CODE", help="only this patient's sessions")
    a = actions.add_parser("show", help="what happened in a session, and what is missing from it")
    a.add_argument("id", type=int, help="the session's ID (coach sessions list)")
    a = actions.add_parser("export", help="per-frame and per-rep CSV and an HTML report (and a PDF, a blurred video)")
    a.add_argument("id", type=int, help="the session's ID (coach sessions list)")
    a.add_argument("--out", type=Path, metavar="DIR", help="where to write (default: coach_output/<session folder>)")
    a.add_argument("--pdf", action="store_true", help="also print the report to PDF (needs chromium)")
    a.add_argument("--blur-faces", action="store_true", help="also write the video with the face blurred")
    a = actions.add_parser("delete", help="remove a session from the catalogue and delete its folder")
    a.add_argument("id", type=int, help="the session's ID (coach sessions list)")
    a.add_argument("--yes", action="store_true", help="really delete it (nothing is deleted without this)")
    a = actions.add_parser("patient", help="file a session under a patient")
    a.add_argument("id", type=int, help="the session's ID (coach sessions list)")
    a.add_argument("code", help="the clinic's patient identifier, e.g. P-0042")
    a.add_argument("--name", default="", help="the patient's name")
    a.add_argument("--per-week", type=float, metavar="N", help="sessions a week prescribed (for adherence)")
    for action in actions.choices.values():
        action.add_argument("--data-dir", type=Path, metavar="DIR", default=argparse.SUPPRESS, help=_DATA_HELP)
    p.set_defaults(run=cmd_sessions)

    p = sub.add_parser("replay", help="replay a session: video, skeleton, angle charts, reps; a list without SESSION")
    p.add_argument("session", nargs="?", help="a session ID or folder (default: choose from the list)")
    p.add_argument("--patient", metavar="CODE", help="open this patient's progress across sessions")
    p.add_argument("--data-dir", type=Path, metavar="DIR", help=_DATA_HELP)
    p.set_defaults(run=cmd_replay)


def cmd_sessions(args: argparse.Namespace) -> int:
    from coach.store import Store

    with Store(args.data_dir) as store:
        for folder, why in store.sync().failed.items():
            print(f"coach sessions: {folder} could not be read ({why}); it is left out.", file=sys.stderr)
        handlers = {"list": _sessions_list, "show": _sessions_show, "export": _sessions_export,
                    "delete": _sessions_delete, "patient": _sessions_patient}
        return handlers[args.action](store, args)


def _sessions_list(store, args: argparse.Namespace) -> int:  # noqa: ANN001 - a coach.store.Store
    from coach.report import session_table
    from coach.store import StoreError

    patient = store.patient(args.patient) if args.patient else None
    if args.patient and patient is None:
        raise StoreError(f"There is no patient {args.patient}.", "File a session under them: coach sessions patient ID CODE")
    print(session_table(store.sessions(patient.id if patient else None)))
    return 0


def _sessions_show(store, args: argparse.Namespace) -> int:  # noqa: ANN001
    from coach.report import describe_session, load_session_doc

    row = store.session(args.id)
    if row.folder_exists:
        print(describe_session(load_session_doc(row.folder, row), row))
    else:
        print(describe_session(None, row, store.detail(args.id).sets))
    return 0


def _sessions_export(store, args: argparse.Namespace) -> int:  # noqa: ANN001
    from coach.report import export_session, load_session_doc
    from coach.store import StoreError

    row = store.session(args.id)
    if not row.folder_exists:
        raise StoreError(f"The folder of session {row.id} is missing: {row.folder}.",
                         "Only its summary is left (coach sessions show); restore the folder to export it.")
    for path in export_session(load_session_doc(row.folder, row), args.out or Path("coach_output") / row.folder.name,
                               pdf=args.pdf, blur_faces=args.blur_faces):
        print(path)
    return 0


def _sessions_delete(store, args: argparse.Namespace) -> int:  # noqa: ANN001
    row = store.session(args.id)
    if not args.yes:
        print(f"coach sessions delete: this deletes session {row.id} ({row.title}) and its folder {row.folder}.\n"
              f"  Run again with --yes to delete it.", file=sys.stderr)
        return 2
    store.delete_session(args.id)
    print(f"Deleted session {row.id} ({row.title}) and {row.folder}.")
    return 0


def _sessions_patient(store, args: argparse.Namespace) -> int:  # noqa: ANN001
    patient = store.assign_patient(args.id, args.code, args.name)
    if args.per_week is not None:
        patient = store.add_patient(patient.code, sessions_per_week=args.per_week)
    print(f"Session {args.id} is filed under {patient.code} {patient.name}".rstrip() + ".")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    import importlib

    try:
        replay = importlib.import_module("ui.replay_window")
    except ImportError as exc:
        raise InputError(f"The replay window needs PyQt6 and pyqtgraph ({exc}).",
                         'Install the UI extras: pip install ".[ui]"') from exc
    return replay.run_replay(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="Webcam exercise-form coach for lower back pain.")
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the pipeline does")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyze", help="per-frame joint angles (CSV) and a summary (JSON) for a video")
    p.add_argument("video", nargs="?", help="video file (default: a bundled sample video)")
    p.add_argument("--out", default="coach_output", help="folder for the CSV and JSON (default: %(default)s)")
    p.add_argument("--exercise", help="coach this exercise: count reps, time holds, find faults "
                   "(hip_hinge, bird_dog, side_plank, cat_cow, glute_bridge, or any poses/*.toml)")
    p.add_argument("--json", action="store_true", help="print the summary JSON on stdout")
    p.add_argument("--patient", type=Path, metavar="FILE",
                   help="a patient file of prescription overrides (reps, hold_s, ...; poses/README.md)")
    p.add_argument("--model", type=Path, help="a pose_landmarker_*.task bundle (default: models/)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--save", action="store_true", help="also keep it as a session (for replay, reports, progress)")
    p.add_argument("--data-dir", type=Path, metavar="DIR", help="where --save keeps it: " + _DATA_HELP)
    p.set_defaults(run=cmd_analyze)

    p = sub.add_parser("bench", help="time per frame of each pipeline stage on a video")
    p.add_argument("video", nargs="?", help="video file (default: a bundled sample video)")
    p.add_argument("--frames", type=int, default=300, help="frames to process (default: %(default)s)")
    p.add_argument("--max-people", type=int, default=2, help="people the pose model looks for (default: %(default)s)")
    p.add_argument("--exercise", default=DEMO_EXERCISE, help="exercise the engine coaches (default: %(default)s)")
    p.add_argument("--model", type=Path, help="a pose_landmarker_*.task bundle (default: models/)")
    p.set_defaults(run=cmd_bench)

    p = sub.add_parser("regress", help="run every sample video through the pipeline and compare with its expected result")
    p.add_argument("folder", nargs="?", help="folder of videos with *.expected.json beside them (default: sample_videos/)")
    p.add_argument("--jobs", type=int, default=2, help="videos analysed at once, one core each (default: %(default)s)")
    p.add_argument("--poses", type=Path, help="folder of exercise definitions to use instead of the shipped poses/")
    p.add_argument("--report", default="coach_output/regress.json", help="where to write the table as JSON")
    p.set_defaults(run=cmd_regress)
    _add_live_parser(sub)
    _add_sessions_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except CoachError as exc:
        print(f"coach {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
