"""Frames of a performance: ray-cast figure, shaded, over the room, anti-aliased, sRGB."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import numpy.typing as npt

from coach.performer import Camera, Performance
from coach.render.figure import EYE_CENTRE, HAIR, IRIS, LIPS, MATERIAL_NAMES, Figure, FigureBuilder
from coach.render.raster import Hits, Intrinsics, axis_t, cast, normals
from coach.render.scene import Room, light_direction_scene, srgb_to_linear
from coach.render.style import Style

FloatArray = npt.NDArray[np.float64]
RgbFrame = npt.NDArray[np.uint8]      # (H, W, 3)

BLEND_H = 0.014               # shading blends across joints within this fraction of body height
WRAP = 0.3                    # wrap lighting: light reaches a little past the terminator (soft look)
RIM = 0.10                    # a faint rim light separates the figure from the wall
SPECULAR = {"skin": (0.10, 20.0), "hair": (0.10, 12.0), "eye_white": (0.35, 60.0), "iris": (0.35, 60.0),
            "lips": (0.15, 20.0)}
CLOTH_SPECULAR = (0.03, 6.0)
SHADOW_DARKNESS = 0.7         # floor shadow: fraction of the light removed at full shadow
GAMMA = 2.2


def fit_camera(camera: Camera, size: tuple[int, int] | None) -> Camera:
    """The same view at another image size: focal length scaled to keep the whole view."""
    if size is None or tuple(size) == camera.image_size:
        return camera
    ratio = min(size[0] / camera.image_size[0], size[1] / camera.image_size[1])
    return Camera(camera.position_m, camera.look_at_m, camera.focal_px * ratio, (int(size[0]), int(size[1])),
                  camera.up)


class FrameRenderer:
    """Renders frame i of one performance with one style and camera."""

    def __init__(self, performance: Performance, style: Style, camera: Camera) -> None:
        self.perf, self.style, self.camera = performance, style, camera
        self.intrinsics = Intrinsics.of(camera.focal_px, camera.image_size)
        self.builder = FigureBuilder(performance, style, camera)
        joints = performance.joints_m
        body_xz = (float(joints[..., 0].mean()), float(joints[..., 2].mean()))
        self.room = Room(camera, style, self.intrinsics.rays, body_xz)
        self.albedo = srgb_to_linear([self._colour(name) for name in MATERIAL_NAMES])   # (M, 3)
        spec = [SPECULAR.get(name, CLOTH_SPECULAR) for name in MATERIAL_NAMES]
        self.spec_strength = np.array([s[0] for s in spec])
        self.spec_power = np.array([s[1] for s in spec])
        rot = camera.rotation
        self.light = rot @ light_direction_scene(rot, style.light_dir)        # camera coordinates
        self.up = rot @ np.array([0.0, 1.0, 0.0])
        self.blend_m = BLEND_H * performance.skeleton.body.height_m

    def _colour(self, name: str) -> tuple[int, int, int]:
        s = self.style
        return {"skin": s.skin, "hair": s.hair, "shirt": s.shirt, "trousers": s.trousers, "shoes": s.shoes,
                "lips": s.lips, "iris": s.iris, "eye_white": (235, 232, 225)}[name]

    def silhouette(self, i: int) -> npt.NDArray[np.bool_]:
        """(H, W) the pixels the figure covers in frame i (before anti-aliasing)."""
        return cast(self.builder.at(i), self.intrinsics).mask

    def frame(self, i: int) -> RgbFrame:
        fig = self.builder.at(i)
        hits = cast(fig, self.intrinsics)
        b = self.builder
        joints = self.perf.joints_m[i]
        shadow = self.room.shadow(np.stack([joints[b.ia], joints[b.ib]], axis=1),
                                  np.stack([b.ra, b.rb], axis=1))
        image = self.room.background * (1.0 - SHADOW_DARKNESS * shadow)[..., None]
        if hits.mask.any():
            image = self._composite(image, self._shade(fig, hits), hits.mask)
        return to_srgb8(image)

    def _shade(self, fig: Figure, hits: Hits) -> npt.NDArray[np.float32]:
        """(N, 3) linear colour of the N figure pixels (row-major order of the mask)."""
        mask = hits.mask
        rd = self.intrinsics.rays[mask]
        points = rd * hits.t[mask][:, None]
        index_img = np.full(mask.shape, -1, np.int32)
        index_img[mask] = np.arange(int(mask.sum()), dtype=np.int32)
        n = normals(fig, self.intrinsics, hits, points, index_img, self.blend_m)
        pid = hits.pid[mask]
        material = self._materials(fig, pid, points)
        albedo = self.albedo[material]
        albedo = _paint_head(fig, pid, points, albedo, self.albedo)
        s = self.style
        n_up = n @ self.up
        ambient = s.ambient * (0.6 + 0.4 * (0.5 + 0.5 * n_up))            # sky above, floor bounce below
        n_l = n @ self.light
        diffuse = s.light_strength * np.clip((n_l + WRAP) / (1.0 + WRAP), 0.0, 1.0)
        view = -rd
        half = self.light + view
        half /= np.linalg.norm(half, axis=1, keepdims=True)
        n_h = np.clip(np.einsum("ij,ij->i", n, half), 0.0, 1.0)
        spec = self.spec_strength[material] * n_h ** self.spec_power[material] * (n_l > 0)
        rim = RIM * (1.0 - np.clip(np.einsum("ij,ij->i", n, view), 0.0, 1.0)) ** 3
        colour = albedo * (ambient + diffuse)[:, None] + (spec + rim)[:, None]
        return colour.astype(np.float32)

    def _materials(self, fig: Figure, pid: npt.NDArray[np.int32], points: FloatArray) -> npt.NDArray[np.intp]:
        nc = fig.n_capsules
        on_cap = pid < nc
        material = np.empty(len(pid), np.intp)
        material[~on_cap] = fig.ell_material[pid[~on_cap] - nc]
        caps = pid[on_cap]
        material[on_cap] = fig.cap_material[caps]
        split = fig.cap_split_t[caps] < 1.0
        if split.any():
            idx = np.flatnonzero(on_cap)[split]
            for k in np.unique(pid[idx]):
                mine = idx[pid[idx] == k]
                beyond = axis_t(fig, int(k), points[mine]) > fig.cap_split_t[k]
                material[mine[beyond]] = fig.cap_material_after[k]
        return material

    @staticmethod
    def _composite(background: npt.NDArray[np.float32], colour: npt.NDArray[np.float32],
                   mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
        """Figure over background; the outline is anti-aliased with a small premultiplied blur."""
        figure = np.zeros_like(background)
        figure[mask] = colour
        sharp = np.where(mask[..., None], figure, background)
        alpha = mask.astype(np.float32)
        soft_alpha = cv2.GaussianBlur(alpha, (3, 3), 0.6)
        edge = (soft_alpha > 0.0) & (soft_alpha < 1.0)
        soft = cv2.GaussianBlur(figure, (3, 3), 0.6) + background * (1.0 - soft_alpha)[..., None]
        return np.where(edge[..., None], soft, sharp)


def _paint_head(fig: Figure, pid: npt.NDArray[np.int32], points: FloatArray,
                albedo: npt.NDArray[np.float32], palette: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Hair, eyebrows, eye sockets, lips and irises painted on the head's surfaces."""
    nc = fig.n_capsules
    cranium, jaw, eyes = nc, nc + 1, (nc + 4, nc + 5)
    on_head = (pid == cranium) | (pid == jaw) | (pid == eyes[0]) | (pid == eyes[1])
    if not on_head.any():
        return albedo
    idx = np.flatnonzero(on_head)
    q = fig.head_local_h(points[idx])                      # head frame, fractions of height
    x, y, z = q[:, 0], q[:, 1], q[:, 2]
    on_cranium, on_jaw = pid[idx] == cranium, pid[idx] == jaw
    out = albedo.copy()
    # Hairline: high on the forehead, down to the nape at the back (relative to the cranium centre).
    hair = on_cranium & ((y - 0.052) > -0.006 + 0.68 * (x - 0.008))
    zs = np.abs(z)
    brow = (on_cranium | on_jaw) & (x > 0.03) & (((y - 0.057) / 0.0028) ** 2 + ((zs - 0.019) / 0.012) ** 2 < 1.0)
    socket = (on_cranium | on_jaw) & (x > 0.035) & (((y - 0.046) / 0.011) ** 2 + ((zs - 0.018) / 0.015) ** 2 < 1.0)
    lips = (on_jaw | on_cranium) & (x > 0.04) & (((y - 0.006) / 0.0038) ** 2 + (z / 0.015) ** 2 < 1.0)
    out[idx[socket]] *= 0.8
    out[idx[lips]] = palette[LIPS]
    out[idx[brow | hair]] = palette[HAIR] * np.where(brow[brow | hair], 0.8, 1.0)[:, None]
    # Irises: where the eyeball's surface faces forward out of the head.
    on_eye = (pid[idx] == eyes[0]) | (pid[idx] == eyes[1])
    if on_eye.any():
        centre = np.array(EYE_CENTRE)
        rel = q[on_eye] - np.where((z[on_eye] > 0)[:, None], centre, centre * [1.0, 1.0, -1.0])
        facing = rel[:, 0] / np.maximum(np.linalg.norm(rel, axis=1), 1e-12)
        eye_idx = idx[on_eye]
        out[eye_idx[facing > 0.80]] = palette[IRIS]
        out[eye_idx[facing > 0.95]] = palette[IRIS] * 0.15
    return out


def to_srgb8(linear: npt.NDArray[np.float32]) -> RgbFrame:
    return (np.clip(linear, 0.0, 1.0) ** (1.0 / GAMMA) * 255.0 + 0.5).astype(np.uint8)


def render(performance: Performance, style: Style = Style(), size: tuple[int, int] | None = None, *,
           camera: Camera | None = None) -> Iterator[RgbFrame]:
    """RGB frames (H, W, 3) of the performance, one per `performance.t_s`.

    The camera is the performance's own (so its PoseFrames are the picture's ground truth),
    or `camera`; `size` rescales it (`fit_camera`), which scales the ground truth about the
    image centre by the same ratio.
    """
    renderer = FrameRenderer(performance, style, fit_camera(camera or performance.camera, size))
    for i in range(len(performance.t_s)):
        yield renderer.frame(i)
