"""The kinematic performer: a scripted person doing an exercise, as a pose model would see it.

A 3D body (Drillis-Contini proportions scaled by height, a five-part spine so the back can
round and sag) is driven through keyframed movement phases with minimum-jerk easing, filmed
by a pinhole camera, and reported per frame as a `coach.frames.PoseFrame` (33 MediaPipe
landmarks: pixels, relative depth, world metres, visibility, presence, optional silhouette
mask), together with ground-truth labels. Everything is deterministic for a given seed.

    from coach.performer import Fault, Script, perform
    perf = perform("hip_hinge", Script(reps=4, faults=(Fault("squatting", reps=(2,)),)), seed=1)
    perf.frames           # list[PoseFrame], 30 fps
    perf.labels.reps      # {Side.BOTH: 4}
    perf.labels.faults    # (FaultSpan(code="squatting", start_s=..., end_s=..., rep=2, ...),)
    perf.labels.to_expected()   # {"exercise", "reps": {"total": 4}, "holds": [], "faults": [...]}

Interface
- `perform(exercise, script=None, *, camera=None, body=None, degrade=None, fps=30.0,
  mask=False, seed=0) -> Performance`; `EXERCISES` lists the exercise names.
- `Script` (frozen): reps (per side; side plank: holds per side), sides (order), alternate,
  tempo_s (one movement phase), hold_s, rest_s, rom_ratio, lead_in_s, lead_out_s,
  cat_first, variability_ratio, faults. None fields take the exercise's `DEFAULTS`.
- `Fault(code, reps=(...), side=None)` or `Fault(code, between_s=(t0, t1))`; tuples
  ("squatting", 2), ("squatting", (1, 3)), ("hips_sagging", (8.0, 12.0)) are accepted too.
- `Camera` (frozen pinhole, 640x480, focal 600 px), default per exercise from
  `default_camera`, scaled with body height: side views 2.6-3 m away with a horizontal
  optical axis (hinge 0.9 m high; bird dog, cat-cow, bridge 0.40-0.45 m), the side plank
  from the front (0.5 m high, 3 m). `Body` (frozen): height_m (1.75), shoulder/hip width
  ratios, girth_ratio.
- `Degradation` (frozen, all off): noise_px, jitter_px, drop_ratio, low_visibility_ratio,
  swap_ratio, no_person_ratio, frame_interval_jitter_ratio, stretch_s, hidden_visibility
  (far-side flicker), camera_shift_s / camera_shift_ratio (the camera knocked aside).
- `Performance`: frames, labels, t_s, joints_m (T, K, 3), segment_rot (T, S, 3, 3),
  swapped (T,), skeleton (point names, capsules), camera, script. `joints_m` and the
  capsules describe the 3D body for a renderer (see `Performance`). With mask=True every
  frame carries a float32 (H, W) silhouette: ~1.2 MB a frame at 640x480, so keep such
  clips short or the image small.
- PoseFrame coordinates follow MediaPipe: xy_px in the image; z_px depth relative to the
  hip mid in pixel scale (+ farther); world_m camera-aligned metres, origin between the
  hips, y down; visibility ~0.93-1 in view, 0.55-0.75 behind the trunk, head or thighs
  (still known to coach.metrics, which drops landmarks below 0.5), 0 outside the image.
- `Labels`: reps {Side: n}, rep_spans, holds (HoldSpan: side, start_s, end_s, good_s),
  faults (FaultSpan: code, start_s, end_s, side, rep); `to_expected()` gives plain JSON.

Faults are kinematic changes whose sizes are the constants at the top of each
`motions/<exercise>.py`; how rep, hold and fault spans are measured is in `labels`.

Conventions: a side-view subject faces +x, image right, with its right side toward the
default camera (the near side). Bird dog reps take the side of the reaching arm. A side
plank's side is the supporting forearm; each of its holds is also its rep (a definition
prescribes holds per side as reps). Only bird dog and side plank label holds; for the others
`to_expected()` leaves "holds" out, so a comparison does not judge them.
"""

from coach.performer.camera import Camera, default_camera
from coach.performer.degrade import Degradation
from coach.performer.labels import FaultSpan, HoldSpan, Labels
from coach.performer.perform import EXERCISES, Performance, perform
from coach.performer.script import DEFAULTS, FAULT_CODES, Fault, Script
from coach.performer.skeleton import Body
from coach.performer.timeline import RepSpan

__all__ = [
    "Body", "Camera", "DEFAULTS", "Degradation", "EXERCISES", "FAULT_CODES", "Fault", "FaultSpan",
    "HoldSpan", "Labels", "Performance", "RepSpan", "Script", "default_camera", "perform",
]
