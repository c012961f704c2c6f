"""Comparing what the coach found with what was expected.

`compare(expected, actual)` is the one judgement used everywhere: by `coach regress` on the
sample videos (expected = the video's sidecar file) and by the engine tests on the kinematic
performer (expected = `Labels.to_expected()`). Both sides are dicts in the summary JSON schema
(README, "Summary JSON"); only the keys the expected dict has are judged.

The expected dict may carry a "prescription" (e.g. {"hold_s": 2.5}): the patient's prescription
the video was coached with, applied over the definition's own as a patient file would.

Videos are judged on what a webcam's pose can show: faults whose metrics need measured 3D
(coach.coaching.faults_needing_3d) are set aside (`without_faults`) and listed as not judged,
with the good-form time of the holds they overlapped. The performer's own landmarks are
measured 3D, so the engine tests judge those faults in full.

Rules
- reps: every count the expected dict gives ("left", "right", "total") must match exactly;
- holds: as many per side as expected, each matched in time order, with its good-form time and
  its total time within `hold_tolerance_s`;
- faults: every expected fault must be reported with the same code, overlapping its span
  (widened by `fault_slack_s`), on the same side when the expected side is left or right;
  every reported fault must be explained by an expected one in the same way (no false alarms).
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.errors import CoachError, InputError

Json = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Tolerances:
    hold_tolerance_s: float = 0.5    # good and total hold time
    fault_slack_s: float = 0.5       # a fault may start or end this much outside its expected span


@dataclass(frozen=True, slots=True)
class Mismatch:
    what: str        # "reps.left", "hold 2 (right) good_s", "missed fault squatting", ...
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.what}: expected {self.expected}, got {self.actual}"


def compare(expected: Json, actual: Json, tol: Tolerances = Tolerances()) -> list[Mismatch]:
    """Every way `actual` differs from `expected` beyond the tolerances; [] when they agree."""
    found: list[Mismatch] = []
    for key, count in expected.get("reps", {}).items():
        got = actual.get("reps", {}).get(key, 0)
        if got != count:
            found.append(Mismatch(f"reps.{key}", count, got))
    if "holds" in expected:
        found += _compare_holds(expected["holds"], actual.get("holds", []), tol)
    if "faults" in expected:
        found += _compare_faults(expected["faults"], actual.get("faults", []), tol)
    return found


def _compare_holds(expected: list[Json], actual: list[Json], tol: Tolerances) -> list[Mismatch]:
    found: list[Mismatch] = []
    for side in sorted({h["side"] for h in expected} | {h["side"] for h in actual}):
        want = sorted((h for h in expected if h["side"] == side), key=lambda h: h["start_s"])
        got = sorted((h for h in actual if h["side"] == side), key=lambda h: h["start_s"])
        if len(want) != len(got):
            found.append(Mismatch(f"holds ({side})", len(want), len(got)))
            continue
        for i, (w, g) in enumerate(zip(want, got), start=1):
            for key in ("good_s", "total_s"):
                if key in w and abs((g.get(key) or 0.0) - w[key]) > tol.hold_tolerance_s:
                    found.append(Mismatch(f"hold {i} ({side}) {key}", w[key], g.get(key)))
    return found


def without_faults(expected: Json, codes: set[str]) -> dict[str, Any]:
    """`expected` with the faults of `codes` set aside, and the good-form time of every hold
    one of them overlapped (it depends on them); total hold time is still judged."""
    kept = [f for f in expected.get("faults", []) if f["code"] not in codes]
    gone = [f for f in expected.get("faults", []) if f["code"] in codes]
    if not gone:
        return dict(expected)

    def overlapped(hold: Json) -> bool:
        return any(f["start_s"] < hold["end_s"] and f["end_s"] > hold["start_s"] for f in gone)
    out = {**expected, "faults": kept}
    if "holds" in expected:
        out["holds"] = [{k: v for k, v in h.items() if k != "good_s"} if overlapped(h) else h
                        for h in expected["holds"]]
    return out


def _explains(want: Json, got: Json, slack_s: float) -> bool:
    if want["code"] != got["code"]:
        return False
    if want.get("side") in ("left", "right") and got.get("side") not in (want["side"], "both"):
        return False
    got_end = got["end_s"] if got.get("end_s") is not None else got["start_s"]
    return got["start_s"] <= want["end_s"] + slack_s and got_end >= want["start_s"] - slack_s


def _compare_faults(expected: list[Json], actual: list[Json], tol: Tolerances) -> list[Mismatch]:
    found: list[Mismatch] = []
    for want in expected:
        if not any(_explains(want, got, tol.fault_slack_s) for got in actual):
            found.append(Mismatch(f"missed fault {want['code']}", _span(want), "not reported"))
    for got in actual:
        if not any(_explains(want, got, tol.fault_slack_s) for want in expected):
            found.append(Mismatch(f"unexpected fault {got['code']}", "none", _span(got)))
    return found


def _span(fault: Json) -> str:
    end = fault.get("end_s")
    return f"{fault['start_s']:.2f}-{end:.2f} s ({fault.get('side', 'both')})" if end is not None \
        else f"from {fault['start_s']:.2f} s"


# ------------------------------------------------------------------------ running a folder

EXPECTED_SUFFIX = ".expected.json"


@dataclass(frozen=True, slots=True)
class VideoVerdict:
    video: Path
    exercise: str
    expected_reps: Json
    actual_reps: Json
    frames: int
    frames_with_pose: int
    mismatches: tuple[Mismatch, ...]
    error: str | None = None          # the video could not be analysed at all
    not_judged: tuple[str, ...] = ()  # expected faults a webcam's pose cannot show (needs measured 3D)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches

    def to_json(self) -> dict[str, Any]:
        return {"video": str(self.video), "exercise": self.exercise, "passed": self.passed,
                "expected_reps": dict(self.expected_reps), "actual_reps": dict(self.actual_reps),
                "frames": self.frames, "frames_with_pose": self.frames_with_pose,
                "mismatches": [str(m) for m in self.mismatches], "error": self.error,
                "not_judged": list(self.not_judged)}


def find_cases(folder: Path) -> list[tuple[Path, Path]]:
    """(video, expected file) pairs under `folder`; a video without an expected file is an error."""
    if not folder.is_dir():
        raise InputError(f"Not a folder: {folder}", "Give the folder of sample videos, e.g. sample_videos/.")
    cases = []
    for expected in sorted(folder.rglob(f"*{EXPECTED_SUFFIX}")):
        video = expected.with_name(json.loads(expected.read_text()).get("video") or
                                   expected.name.removesuffix(EXPECTED_SUFFIX) + ".mp4")
        if not video.is_file():
            raise InputError(f"{expected} names a video that is missing: {video}",
                             "Regenerate the samples (sample_videos/README.md) or delete the stale file.")
        cases.append((video, expected))
    if not cases:
        raise InputError(f"No *{EXPECTED_SUFFIX} files in {folder}.",
                         "Each sample video needs its expected result beside it (sample_videos/README.md).")
    return cases


def judge_video(video: Path, expected_path: Path, poses_dir: Path | None = None,
                tol: Tolerances = Tolerances()) -> VideoVerdict:
    """Run the full pipeline (video -> pose -> engine) on one video and compare with its expected file."""
    from coach.analysis import analyze
    from coach.coaching import Coach
    from coach.definitions import load_exercise
    from coach.summary import summarize

    expected = json.loads(expected_path.read_text())
    exercise = expected["exercise"]
    try:
        coach = Coach(load_exercise(exercise, directory=poses_dir), expected.get("prescription"))
        summary = summarize(analyze(video, coach=coach))
    except CoachError as exc:
        return VideoVerdict(video, exercise, expected.get("reps", {}), {}, 0, 0, (), error=str(exc))
    blind = set(summary["not_judged"])    # what this video cannot show, as the analysis found
    not_judged = tuple(dict.fromkeys(f["code"] for f in expected.get("faults", []) if f["code"] in blind))
    return VideoVerdict(video, exercise, expected.get("reps", {}), summary["reps"], summary["frames"],
                        summary["frames_with_pose"], tuple(compare(without_faults(expected, blind), summary, tol)),
                        not_judged=not_judged)


def judge_cases(cases: list[tuple[Path, Path]], *, jobs: int = 2, poses_dir: Path | None = None,
                on_verdict: Callable[[VideoVerdict, int, int], None] | None = None) -> list[VideoVerdict]:
    """Judge (video, expected) pairs, `jobs` at a time (one pose model per process, one core each)."""
    verdicts: list[VideoVerdict] = []
    # spawn, not fork: each worker starts MediaPipe's threads afresh
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(judge_video, video, expected, poses_dir) for video, expected in cases]
        for future in as_completed(futures):
            verdicts.append(future.result())
            if on_verdict is not None:
                on_verdict(verdicts[-1], len(verdicts), len(cases))
    return sorted(verdicts, key=lambda v: str(v.video))
