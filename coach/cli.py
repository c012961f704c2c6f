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


def default_video() -> Path:
    """The bundled sample video used when none is given."""
    videos = sorted(SAMPLE_DIR.glob("**/*.mp4"))
    if not videos:
        raise InputError(f"No video given and no sample video in {SAMPLE_DIR}.", "Give a video: coach analyze VIDEO")
    preferred = [v for v in videos if "clean" in v.stem]
    return (preferred or videos)[0]


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

    video = Path(args.video) if args.video else default_video()
    progress, close = _progress_bar(not args.quiet and not args.json)
    try:
        result = analyze(video, options=PoseOptions(model=args.model), progress=progress)
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
    return 0


def _describe(summary: dict) -> str:
    lines = [f"{summary['video']}: {summary['duration_s']:.1f} s, "
             f"person found in {summary['frames_with_pose']} of {summary['frames']} frames"]
    for name, stats in summary["angles"].items():
        if stats["median"] is not None:
            lines.append(f"  {name:<20} median {stats['median']:6.1f}   range {stats['min']:6.1f} .. {stats['max']:6.1f}")
    return "\n".join(lines)


def cmd_bench(args: argparse.Namespace) -> int:
    from coach.analysis import analyze
    from coach.pose import PoseOptions

    video = Path(args.video) if args.video else default_video()
    result = analyze(video, options=PoseOptions(model=args.model, max_people=args.max_people),
                     max_frames=args.frames, require_person=False)
    t = result.times
    n = max(t.frames, 1)
    rows = [("decode", t.decode), ("pose inference", t.pose),
            ("swaps + smoothing", t.smoothing_geometry), ("rest (engine, events)", t.rest)]
    total = sum(v for _, v in rows)
    print(f"{video.name}: {t.frames} frames, {result.info.width}x{result.info.height}, "
          f"model {result.model.name}, max people {args.max_people}")
    print(f"{'stage':<24}{'ms/frame':>10}{'share':>8}")
    for name, seconds in rows:
        print(f"{name:<24}{seconds / n * 1000:>10.2f}{seconds / total:>8.1%}")
    print(f"{'total':<24}{total / n * 1000:>10.2f}   ({n / total:.1f} frames/s)")
    print(f"everything but inference / inference: {(total - t.pose) / t.pose:.3f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="Webcam exercise-form coach for lower back pain.")
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the pipeline does")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyze", help="per-frame joint angles (CSV) and a summary (JSON) for a video")
    p.add_argument("video", nargs="?", help="video file (default: a bundled sample video)")
    p.add_argument("--out", default="coach_output", help="folder for the CSV and JSON (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print the summary JSON on stdout")
    p.add_argument("--model", type=Path, help="a pose_landmarker_*.task bundle (default: models/)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_analyze)

    p = sub.add_parser("bench", help="time per frame of each pipeline stage on a video")
    p.add_argument("video", nargs="?", help="video file (default: a bundled sample video)")
    p.add_argument("--frames", type=int, default=300, help="frames to process (default: %(default)s)")
    p.add_argument("--max-people", type=int, default=2, help="people the pose model looks for (default: %(default)s)")
    p.add_argument("--model", type=Path, help="a pose_landmarker_*.task bundle (default: models/)")
    p.set_defaults(run=cmd_bench)
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
