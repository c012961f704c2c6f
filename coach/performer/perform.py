"""`perform()`: script -> timeline -> 3D body per frame -> PoseFrames (+ degradation) and labels."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coach.frames import PoseFrame
from coach.landmarks import MIRROR_INDEX, N_LANDMARKS
from coach.performer import degrade as dg
from coach.performer.camera import Camera, default_camera
from coach.performer.imaging import VisibilityModel, project, silhouette
from coach.performer.labels import Labels, make_labels
from coach.performer.motions import MOTIONS
from coach.performer.motions.base import Drive, Motion, build_timeline
from coach.performer.script import DEFAULTS, Script
from coach.performer.skeleton import Body, Capsule, Skeleton
from coach.performer.timeline import DriveSeries

log = logging.getLogger(__name__)

EXERCISES: tuple[str, ...] = tuple(MOTIONS)
DROP_RUN_FRAMES = 2.0      # dropped frames come in short runs of about this many

# One random stream per purpose, so turning one option on does not change another's draws.
_STREAMS = ("variability", "times", "visibility", "drops", "jitter", "noise", "low_visibility",
            "swaps", "nobody", "flicker")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    return {name: np.random.default_rng([seed, i]) for i, name in enumerate(_STREAMS)}


@dataclass(frozen=True)
class Performance:
    """A performed set: the frames a pose model would report, the truth, and the 3D body.

    `frames`, `t_s`, `joints_m`, `segment_rot` and `swapped` are aligned: one row per frame
    that exists (dropped frames are absent; no-person frames are present, empty).
    For a renderer: the body at frame i is the union of `skeleton.capsules`, each a tapered
    capsule from `joints_m[i, c.a]` (radius c.radius_a_m) to `joints_m[i, c.b]` (radius_b_m);
    `skeleton.point_names` names the K points, `skeleton.segments` the S segment frames.
    Scene frame: metres, y up, floor y = 0, a side-view subject faces +x; `camera` looks at it.
    """

    exercise: str
    frames: list[PoseFrame]
    labels: Labels
    t_s: npt.NDArray[np.float64]            # (T,)
    joints_m: npt.NDArray[np.float64]       # (T, K, 3) named body points in the scene
    segment_rot: npt.NDArray[np.float64]    # (T, S, 3, 3) segment frames (x anterior, y proximal, z right)
    swapped: npt.NDArray[np.bool_]          # (T,) frames whose left and right were swapped
    skeleton: Skeleton
    camera: Camera
    script: Script

    @property
    def capsules(self) -> tuple[Capsule, ...]:
        return self.skeleton.capsules

    def capsules_at(self, i: int) -> list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                                                float, float]]:
        """Frame i's capsules as (end a, end b, radius a, radius b), scene metres."""
        j = self.joints_m[i]
        return [(j[c.a], j[c.b], c.radius_a_m, c.radius_b_m) for c in self.skeleton.capsules]


def perform(exercise: str, script: Script | None = None, *, camera: Camera | None = None,
            body: Body | None = None, degrade: dg.Degradation | None = None, fps: float = 30.0,
            mask: bool = False, seed: int = 0) -> Performance:
    """Perform a set of `exercise`; see the package docstring."""
    if exercise not in MOTIONS:
        raise ValueError(f"Unknown exercise {exercise!r}; the performer knows {list(EXERCISES)}")
    if not 1.0 <= fps <= 240.0:
        raise ValueError(f"fps must be between 1 and 240; got {fps}")
    body = body or Body()
    script = (script or Script()).with_defaults(DEFAULTS[exercise])
    script.check_faults(exercise, MOTIONS[exercise].sided)
    camera = camera or default_camera(exercise, body.height_m)
    degrade = degrade or dg.Degradation()
    rng = _streams(seed)

    motion = MOTIONS[exercise](body, script)
    timeline = build_timeline(motion, script, rng["variability"])
    t_all = dg.frame_times(timeline.duration_s, fps, degrade, rng["times"])
    keep = ~dg.stretches(len(t_all), degrade.drop_ratio, DROP_RUN_FRAMES, rng["drops"])
    t_s = t_all[keep]
    series = timeline.sample(t_s)
    posed = [motion.pose(Drive.at(series, i)) for i in range(len(t_s))]
    joints = np.stack([p.points() for p in posed])
    landmarks = np.stack([p.landmarks() for p in posed])
    frames, swapped = _frames(t_s, joints, landmarks, motion, camera, degrade, fps, mask, rng)
    labels = make_labels(exercise, script, timeline, lambda s: _points(motion, s),
                         sided=motion.sided,
                         holds_labelled=motion.holds_labelled)
    log.debug("performed %s: %d frames, %.1f s", exercise, len(frames), timeline.duration_s)
    return Performance(exercise, frames, labels, t_s, joints, np.stack([p.rots for p in posed]),
                       swapped, motion.sk, camera, script)


def _points(motion: Motion, series: DriveSeries) -> npt.NDArray[np.float64]:
    return np.stack([motion.pose(Drive.at(series, i)).points() for i in range(len(series))])


def _frames(t_s: npt.NDArray[np.float64], joints: npt.NDArray[np.float64],
            landmarks: npt.NDArray[np.float64], motion: Motion, camera: Camera,
            d: dg.Degradation, fps: float, mask: bool,
            rng: dict[str, np.random.Generator]) -> tuple[list[PoseFrame], npt.NDArray[np.bool_]]:
    n = len(t_s)
    vis_rng = rng["visibility"]
    vis_model = VisibilityModel.draw(vis_rng)
    offsets = np.zeros((n, N_LANDMARKS, 3))    # pixels: image x, y and depth
    if d.jitter_px > 0:
        offsets += dg.jitter_px(t_s, d, (N_LANDMARKS, 3), rng["jitter"])
    if d.noise_px > 0:
        offsets += rng["noise"].normal(0.0, d.noise_px, offsets.shape)
    caps = dg.low_visibility(n, N_LANDMARKS, d, fps, rng["low_visibility"])
    swapped = dg.stretches(n, d.swap_ratio, d.stretch_s * fps, rng["swaps"])
    nobody = dg.stretches(n, d.no_person_ratio, d.stretch_s * fps, rng["nobody"])
    mirror = np.array(MIRROR_INDEX)
    bumped = camera.shifted(d.camera_shift_ratio)
    frames = []
    for i in range(n):
        if nobody[i]:
            frames.append(PoseFrame.empty(float(t_s[i]), camera.image_size))
            continue
        shift = d.camera_shift_s
        cam = bumped if shift is not None and shift[0] <= t_s[i] < shift[1] else camera
        seen = project(cam, landmarks[i], joints[i], motion.sk.capsules)
        vis, presence = vis_model.of(seen, vis_rng)
        if d.hidden_visibility is not None:
            flicker = rng["flicker"].uniform(*d.hidden_visibility, N_LANDMARKS)
            vis = np.where(seen.hidden & seen.inside, flicker, vis)
        vis = np.minimum(vis, caps[i])
        # The same error in pixels, depth and (camera-aligned) metres.
        px_per_m = cam.focal_px / max(float(cam.to_camera(landmarks[i])[:, 2].mean()), 1e-6)
        xy = seen.xy_px + offsets[i, :, :2]
        z_px = seen.z_px + offsets[i, :, 2]
        world = seen.world_m + offsets[i] / px_per_m
        if swapped[i]:
            xy, z_px, world, vis, presence = (a[mirror] for a in (xy, z_px, world, vis, presence))
        frames.append(PoseFrame(
            t_s=float(t_s[i]), image_size=camera.image_size, xy_px=xy, z_px=z_px, world_m=world,
            visibility=vis, presence=presence, people=1, measured_3d=True,
            mask=silhouette(cam, joints[i], motion.sk.capsules) if mask else None))
    return frames, swapped & ~nobody
