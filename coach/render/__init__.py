"""Renderer for the kinematic performer: videos of a shaded 3D person doing an exercise.

    from coach.performer import perform
    from coach.render import Style, render, render_video
    perf = perform("bird_dog", fps=20)
    for rgb in render(perf, Style.random(3), size=(320, 240)): ...
    render_video(perf, "bird_dog.mp4", Style.random(3), size=(320, 240))

Interface
- `render(performance, style=Style(), size=None, *, camera=None) -> Iterator[RGB frame]`:
  (H, W, 3) uint8 frames, one per `performance.t_s`, from the performance's own camera
  (so its PoseFrames are the picture's ground truth) unless `camera` is given; `size`
  rescales the camera about the image centre (`fit_camera`).
- `render_video(performance, path, style, size=None, *, camera=None, crf=26, preset="slow",
  progress=None) -> Path`: H.264 mp4 (yuv420p) at the performance's frame times.
- `Style` (frozen): skin, hair, shirt, trousers, shoes, lips, iris colours; sleeve and
  trouser length; wall, floor (wood, tiles, carpet) and mat; key light direction and
  strength, ambient; wall distance; texture seed. `Style.random(seed)` draws a plausible one.
- `FrameRenderer(performance, style, camera).frame(i)` renders one frame.

How it works (pure numpy and OpenCV; one core: ~14 ms a frame at 320x240, ~22 ms at 480x360)
- The body is the performer's tapered capsules (`Performance.capsules_at`), dressed by
  `Style` (shirt, sleeves, trousers or shorts, shoes), with a head of ellipsoids carrying
  a nose, ears, eyes, brows, lips and hair placed on the performer's face landmarks
  (`coach.render.figure`).
- Each primitive is intersected analytically with the pixel rays inside its projected
  bounding box, into a z-buffer (`coach.render.raster`); normals are blended between
  primitives near joints, so the figure shades as one smooth body.
- Shading: hemisphere ambient, wrapped Lambert key light, a little specular and rim light,
  in linear RGB, then sRGB. The room (textured floor, wall with skirting and a picture)
  is lit once per video; the figure casts soft key-light and contact shadows on the
  floor (`coach.render.scene`). The outline is anti-aliased.
- Deterministic: no clocks or global random state; textures come from `Style.texture_seed`.
"""

from coach.render.renderer import FrameRenderer, fit_camera, render
from coach.render.style import Style
from coach.render.video import render_video

__all__ = ["FrameRenderer", "Style", "fit_camera", "render", "render_video"]
