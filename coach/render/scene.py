"""The room around the figure: a textured floor (wood, tiles or carpet, maybe an exercise
mat), a painted wall with a skirting board and a picture, and soft shadows on the floor.

The room is lit once per video (`Room.background`, linear RGB); per frame only the figure's
floor shadow changes (`Room.shadow`). Textures live in scene coordinates and are sampled
through per-pixel maps at twice the output resolution, then averaged down (anti-aliasing).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from coach.performer import Camera
from coach.render.style import Style

FloatArray = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]

FLOOR_HALF_M = 6.0            # floor texture covers the focus +- this, both ways
FLOOR_PX_PER_M = 100.0
WALL_HALF_M, WALL_HEIGHT_M, WALL_PX_PER_M = 7.0, 4.0, 100.0
SHADOW_PX_PER_M = 40.0        # floor shadow grid
SKIRTING_M = 0.09


def _shadow_layers(key: FloatArray) -> tuple[tuple[FloatArray, float, float, float], ...]:
    """(direction, reach, blur, strength) of the floor shadow layers: the key light's shadow,
    fading over `reach` metres of height, and a contact shadow straight below."""
    return ((key, 0.8, 0.035, 0.6), (np.array([0.0, 1.0, 0.0]), 0.2, 0.05, 0.8))
MAT_SIZE_M = (1.83, 0.61)     # a standard yoga mat


def srgb_to_linear(rgb: npt.ArrayLike) -> F32:
    return (np.asarray(rgb, dtype=np.float32) / 255.0) ** 2.2


def _noise(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]) -> F32:
    """Smooth value noise in [-1, 1] of `shape` from a random grid of `cells`."""
    grid = rng.uniform(-1.0, 1.0, cells).astype(np.float32)
    return cv2.resize(grid, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def _wood(rng: np.random.Generator, n: int, base: F32) -> F32:
    """(n, n, 3) planks along the texture's x, staggered, each its own tone, with grain."""
    plank_w = int(rng.uniform(0.12, 0.2) * FLOOR_PX_PER_M)
    plank_l = int(rng.uniform(0.9, 1.8) * FLOOR_PX_PER_M)
    rows = np.arange(n) // plank_w
    offsets = rng.integers(0, plank_l, rows.max() + 1)
    cols = (np.arange(n)[None, :] + offsets[rows][:, None]) // plank_l       # (n, n) plank column
    tone = rng.uniform(0.8, 1.15, (rows.max() + 1, cols.max() + 1)).astype(np.float32)
    shade = tone[rows[:, None], cols]
    grain = _noise(rng, (n, n), (n // 3, n // 60))            # stretched along the planks
    shade = shade * (1.0 + 0.10 * grain)
    gap = (np.arange(n) % plank_w < 1)[:, None] | ((np.arange(n)[None, :] + offsets[rows][:, None]) % plank_l < 1)
    shade = np.where(gap, 0.45, shade)
    return base[None, None, :] * shade[..., None]


def _tiles(rng: np.random.Generator, n: int, base: F32) -> F32:
    size = int(rng.uniform(0.3, 0.6) * FLOOR_PX_PER_M)
    idx = np.arange(n) // size
    tone = rng.uniform(0.93, 1.07, (idx.max() + 1, idx.max() + 1)).astype(np.float32)
    shade = tone[idx[:, None], idx[None, :]] * (1.0 + 0.03 * _noise(rng, (n, n), (n // 8, n // 8)))
    grout = (np.arange(n) % size < 1)[:, None] | (np.arange(n) % size < 1)[None, :]
    shade = np.where(grout, 0.75, shade)
    return base[None, None, :] * shade[..., None]


def _carpet(rng: np.random.Generator, n: int, base: F32) -> F32:
    shade = (1.0 + 0.05 * _noise(rng, (n, n), (n // 2, n // 2))
             + 0.06 * _noise(rng, (n, n), (n // 60, n // 60)))
    return base[None, None, :] * shade[..., None]


@dataclass(frozen=True, slots=True)
class RoomGeometry:
    """Where the floor and the wall are, in the scene (metres, y up, floor y = 0)."""

    focus: FloatArray          # (3,) the floor point under the camera's target
    forward: FloatArray        # (3,) horizontal unit vector from the camera toward the wall
    lateral: FloatArray        # (3,) horizontal unit vector along the wall
    wall_depth_m: float        # camera -> wall plane, horizontally

    @classmethod
    def of(cls, camera: Camera, style: Style) -> "RoomGeometry":
        pos, look = np.asarray(camera.position_m, float), np.asarray(camera.look_at_m, float)
        fwd = look - pos
        fwd[1] = 0.0
        if np.linalg.norm(fwd) < 1e-6:
            raise ValueError("The camera looks straight down; the renderer needs a wall in view")
        fwd /= np.linalg.norm(fwd)
        lateral = np.cross(fwd, [0.0, 1.0, 0.0])
        focus = np.array([look[0], 0.0, look[2]])
        depth = float((focus - pos) @ fwd) + style.wall_distance_m
        return cls(focus, fwd, lateral, depth)


class Room:
    """Background of one video: camera, style and the body's place on the floor fixed."""

    def __init__(self, camera: Camera, style: Style, rays: FloatArray, body_xz_m: tuple[float, float],
                 body_axis: tuple[float, float] = (1.0, 0.0)) -> None:
        self.style = style
        self.geometry = RoomGeometry.of(camera, style)
        rng = np.random.default_rng([style.texture_seed, 0xF100])
        self.cam_pos = np.asarray(camera.position_m, float)
        self.cam_rot = camera.rotation
        h, w = rays.shape[:2]
        fine = self._supersampled_rays(rays, camera.focal_px)
        floor_uv, wall_uv, on_floor = self._surfaces(fine)
        floor_tex = self._floor_texture(rng, body_xz_m, body_axis)
        wall_tex = self._wall_texture(rng)
        colour = np.where(on_floor[..., None],
                          cv2.remap(floor_tex, *floor_uv, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
                          cv2.remap(wall_tex, *wall_uv, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
        light = self._light(on_floor, wall_uv[1])
        lit = (colour * light[..., None]).astype(np.float32)
        self.background: F32 = cv2.resize(lit, (w, h), interpolation=cv2.INTER_AREA)          # (H, W, 3) linear
        # Floor shadow lookup: pixel -> shadow grid cell (wall pixels map outside: no shadow).
        coarse_uv, _, coarse_floor = self._surfaces(rays)
        scale = SHADOW_PX_PER_M / FLOOR_PX_PER_M
        self.shadow_map = tuple(np.where(coarse_floor, m * scale, -10.0).astype(np.float32) for m in coarse_uv)
        self.shadow_n = int(2 * FLOOR_HALF_M * SHADOW_PX_PER_M)

    @staticmethod
    def _supersampled_rays(rays: FloatArray, focal_px: float) -> FloatArray:
        h, w = rays.shape[:2]
        u = (np.arange(2 * w) + 0.5 - w) / (2.0 * focal_px)
        v = (np.arange(2 * h) + 0.5 - h) / (2.0 * focal_px)
        fine = np.stack(np.broadcast_arrays(u[None, :], v[:, None], np.ones((2 * h, 1))), axis=-1)
        return fine / np.linalg.norm(fine, axis=-1, keepdims=True)

    def _surfaces(self, rays: FloatArray) -> tuple[tuple[F32, F32], tuple[F32, F32], npt.NDArray[np.bool_]]:
        """Texture coordinates (pixels) of the floor and the wall hit by each ray, and which is hit."""
        g = self.geometry
        world = rays @ self.cam_rot                                   # (H, W, 3) scene directions
        with np.errstate(divide="ignore", invalid="ignore"):
            t_floor = np.where(world[..., 1] < -1e-6, -self.cam_pos[1] / world[..., 1], np.inf)
            t_wall = np.where(world @ g.forward > 1e-6, g.wall_depth_m / (world @ g.forward), np.inf)
        on_floor = t_floor < t_wall
        t = np.minimum(t_floor, t_wall)
        t = np.where(np.isfinite(t), t, 1e3)
        hit = self.cam_pos + world * t[..., None]
        rel = hit - g.focus
        floor_uv = ((rel[..., 0] + FLOOR_HALF_M) * FLOOR_PX_PER_M, (rel[..., 2] + FLOOR_HALF_M) * FLOOR_PX_PER_M)
        wall_uv = ((rel @ g.lateral + WALL_HALF_M) * WALL_PX_PER_M, (WALL_HEIGHT_M - hit[..., 1]) * WALL_PX_PER_M)
        as32 = lambda pair: tuple(np.asarray(c, np.float32) for c in pair)  # noqa: E731
        return as32(floor_uv), as32(wall_uv), on_floor

    def _floor_texture(self, rng: np.random.Generator, body_xz_m: tuple[float, float],
                       body_axis: tuple[float, float]) -> F32:
        n = int(2 * FLOOR_HALF_M * FLOOR_PX_PER_M)
        base = srgb_to_linear(self.style.floor)
        make = {"wood": _wood, "tiles": _tiles, "carpet": _carpet}[self.style.floor_kind]
        tex = make(rng, n, base)
        if rng.random() < 0.5:
            tex = np.ascontiguousarray(tex.transpose(1, 0, 2))          # planks the other way
        if self.style.mat is not None:
            self._draw_mat(tex, body_xz_m, body_axis)
        return tex.astype(np.float32)

    def _draw_mat(self, tex: F32, body_xz_m: tuple[float, float], body_axis: tuple[float, float]) -> None:
        g = self.geometry
        centre = (np.array(body_xz_m) - g.focus[[0, 2]] + FLOOR_HALF_M) * FLOOR_PX_PER_M
        angle = float(np.degrees(np.arctan2(body_axis[1], body_axis[0])))
        box = cv2.boxPoints(((float(centre[0]), float(centre[1])),
                             (MAT_SIZE_M[0] * FLOOR_PX_PER_M, MAT_SIZE_M[1] * FLOOR_PX_PER_M), angle))
        mask = np.zeros(tex.shape[:2], np.uint8)
        cv2.fillConvexPoly(mask, np.round(box).astype(np.int32), 1, lineType=cv2.LINE_AA)
        colour = srgb_to_linear(self.style.mat)
        tex[mask > 0] = colour

    def _wall_texture(self, rng: np.random.Generator) -> F32:
        w, h = int(2 * WALL_HALF_M * WALL_PX_PER_M), int(WALL_HEIGHT_M * WALL_PX_PER_M)
        base = srgb_to_linear(self.style.wall)
        shade = 1.0 + 0.035 * _noise(rng, (h, w), (h // 40, w // 40)) + 0.015 * _noise(rng, (h, w), (h // 4, w // 4))
        tex = base[None, None, :] * shade[..., None]
        skirting = int(SKIRTING_M * WALL_PX_PER_M)
        tex[h - skirting:] = srgb_to_linear((236, 234, 228))
        tex[h - skirting: h - skirting + 1] *= 0.7
        if rng.random() < 0.7:                                   # a framed picture
            pw, ph = int(rng.uniform(0.5, 0.9) * WALL_PX_PER_M), int(rng.uniform(0.4, 0.7) * WALL_PX_PER_M)
            x0 = int(w / 2 + rng.uniform(-2.5, 2.5) * WALL_PX_PER_M)
            y0 = int((WALL_HEIGHT_M - rng.uniform(1.5, 1.9)) * WALL_PX_PER_M)
            frame = srgb_to_linear((50, 40, 35) if rng.random() < 0.5 else (225, 225, 220))
            tex[y0:y0 + ph, x0:x0 + pw] = frame
            inner = srgb_to_linear(rng.integers(60, 200, 3))
            gradient = np.linspace(0.7, 1.2, ph - 12, dtype=np.float32)[:, None, None]
            tex[y0 + 6:y0 + ph - 6, x0 + 6:x0 + pw - 6] = inner * gradient
        return tex.astype(np.float32)

    def _light(self, on_floor: npt.NDArray[np.bool_], wall_v: F32) -> F32:
        """Lambert light of the floor and the wall: ambient plus the key light."""
        s = self.style
        key = light_direction_scene(self.cam_rot, s.light_dir)
        floor_light = s.ambient + s.light_strength * max(float(key[1]), 0.0)
        wall_light = s.ambient * 0.95 + s.light_strength * max(float(-key @ self.geometry.forward), 0.0) * 0.8
        height = WALL_HEIGHT_M - wall_v / WALL_PX_PER_M
        wall_light = wall_light * (1.0 - 0.06 * np.clip(height - 1.0, 0.0, 3.0))   # dimmer toward the ceiling
        return np.where(on_floor, floor_light, wall_light).astype(np.float32)

    def shadow(self, segments_m: FloatArray, radii_m: FloatArray) -> F32:
        """(H, W) 0..1 darkening of the floor under the body, from its capsules (scene metres).

        Two layers: the key light's shadow cast along the light, and a contact shadow straight
        below whatever is close to the floor; both blurred so that they look soft.
        """
        g, n = self.geometry, self.shadow_n
        key = light_direction_scene(self.cam_rot, self.style.light_dir)
        out = np.zeros((n, n), np.float32)
        for direction, reach_m, blur_m, strength in _shadow_layers(key):
            layer = np.zeros((n, n), np.float32)
            heights = segments_m[:, :, 1]                                  # (C, 2)
            order = np.argsort(-heights.mean(axis=1))                      # low parts drawn last
            for c in order:
                ends = segments_m[c] - direction[None, :] * (heights[c] / direction[1])[:, None]
                value = float(np.exp(-heights[c].min() / reach_m))
                if value < 0.02:
                    continue
                pts = (ends[:, [0, 2]] - g.focus[[0, 2]] + FLOOR_HALF_M) * SHADOW_PX_PER_M
                _capsule_hull(layer, pts, radii_m[c] * SHADOW_PX_PER_M, value)
            sigma = blur_m * SHADOW_PX_PER_M
            layer = cv2.GaussianBlur(layer, (0, 0), sigma)
            out = np.maximum(out, strength * layer)
        return cv2.remap(out, *self.shadow_map, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)


_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, 12, endpoint=False)),
                    np.sin(np.linspace(0, 2 * np.pi, 12, endpoint=False))], axis=1)


def _capsule_hull(image: F32, ends_px: FloatArray, radii_px: FloatArray, value: float) -> None:
    pts = np.vstack([ends_px[0] + _CIRCLE * radii_px[0], ends_px[1] + _CIRCLE * radii_px[1]])
    hull = cv2.convexHull(np.round(pts * 16).astype(np.int32))
    cv2.fillConvexPoly(image, hull, value, lineType=cv2.LINE_8, shift=4)


def light_direction_scene(cam_rot: FloatArray, light_dir: tuple[float, float, float]) -> FloatArray:
    """Style.light_dir (camera-relative: x right, y up, z toward the camera) in the scene."""
    right, down, forward = cam_rot                      # rows: camera axes in the scene
    d = light_dir[0] * right - light_dir[1] * down - light_dir[2] * forward
    d = d / np.linalg.norm(d)
    if d[1] < 0.1:                                      # a steeply tilted camera: keep the light above
        d[1] = 0.1
        d /= np.linalg.norm(d)
    return d
