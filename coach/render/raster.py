"""Ray casting a `Figure`: analytic intersections per primitive inside its screen box.

Pass 1 (`cast`) intersects each pixel ray with each primitive whose projected bounding box
covers it (tapered capsules are iq's "rounded cone", head parts ellipsoids) and keeps the
nearest hit in a z-buffer. Pass 2 (`normals`) gives every hit a normal blended from the
primitives within `blend_m` of the hit point, weighted by (1 - distance / blend_m)^2: joints
(armpits, hips, neck) shade as one smooth surface instead of showing creases, while the
outline stays that of the capsules. All arithmetic is float64: depths are metres at ~3 m,
radii centimetres, and the intersection formulas subtract squares of both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coach.render.figure import Figure

FloatArray = npt.NDArray[np.float64]
BOX_MARGIN = 1.15               # projected radius margin for perspective (a sphere projects larger)


@dataclass(frozen=True, slots=True)
class Intrinsics:
    """Pixel rays of a pinhole camera: pixel (col, row) looks through (col + 0.5, row + 0.5)."""

    focal_px: float
    size: tuple[int, int]        # (width, height)
    rays: FloatArray             # (H, W, 3) unit directions, camera coordinates

    @classmethod
    def of(cls, focal_px: float, size: tuple[int, int]) -> "Intrinsics":
        w, h = size
        u = (np.arange(w) + 0.5 - w / 2.0) / focal_px
        v = (np.arange(h) + 0.5 - h / 2.0) / focal_px
        rays = np.stack(np.broadcast_arrays(u[None, :], v[:, None], np.ones((h, 1))), axis=-1)
        rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
        rays.setflags(write=False)
        return cls(focal_px, size, rays)

    def box(self, centre: FloatArray, radius_m: float, extra_px: float = 0.0) -> tuple[int, int, int, int] | None:
        """Pixel box (x0, y0, x1, y1), exclusive ends, around a sphere; None when off-screen."""
        z = centre[2]
        if z <= radius_m:
            return None
        w, h = self.size
        cu = w / 2.0 + self.focal_px * centre[0] / z
        cv = h / 2.0 + self.focal_px * centre[1] / z
        r = self.focal_px * radius_m * BOX_MARGIN / (z - radius_m) + 1.0 + extra_px
        x0, x1 = max(int(cu - r), 0), min(int(cu + r) + 1, w)
        y0, y1 = max(int(cv - r), 0), min(int(cv + r) + 1, h)
        return None if x0 >= x1 or y0 >= y1 else (x0, y0, x1, y1)


def _union(a: tuple[int, int, int, int] | None, b: tuple[int, int, int, int] | None):  # noqa: ANN202
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def boxes(fig: Figure, cam: Intrinsics, extra_px: float = 0.0) -> Iterator[tuple[int, tuple[int, int, int, int]]]:
    """(primitive id, pixel box) for every primitive on screen."""
    for k in range(fig.n_capsules):
        box = _union(cam.box(fig.cap_a[k], fig.cap_ra[k], extra_px), cam.box(fig.cap_b[k], fig.cap_rb[k], extra_px))
        if box is not None:
            yield k, box
    for e in range(len(fig.ell_centre)):
        box = cam.box(fig.ell_centre[e], fig.ell_radius[e], extra_px)
        if box is not None:
            yield fig.n_capsules + e, box


def round_cone_t(rd: FloatArray, pa: FloatArray, pb: FloatArray, ra: float, rb: float) -> FloatArray:
    """(N,) distance along unit rays from the origin to a tapered capsule; inf on a miss.

    After Inigo Quilez, "Rounded cone - intersection" (ray origin at the camera).
    """
    ba = pb - pa
    rr = ra - rb
    m0 = float(ba @ ba)
    if m0 <= rr * rr + 1e-12:                      # one end swallows the other: a sphere
        c, r = (pa, ra) if ra >= rb else (pb, rb)
        return sphere_t(rd, c, r)
    m1, m5, m7 = float(-(ba @ pa)), float(pa @ pa), float(pb @ pb)
    m2, m3, m6 = rd @ ba, -(rd @ pa), -(rd @ pb)
    d2 = m0 - rr * rr
    k2 = d2 - m2 * m2
    k1 = d2 * m3 - m1 * m2 + m2 * rr * ra
    k0 = d2 * m5 - m1 * m1 + m1 * rr * ra * 2.0 - m0 * ra * ra
    h = k1 * k1 - k0 * k2
    hit = h >= 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t_body = (-np.sqrt(np.maximum(h, 0.0)) - k1) / k2
    y = m1 - ra * rr + t_body * m2
    on_body = hit & (y > 0.0) & (y < d2)
    h1 = m3 * m3 - m5 + ra * ra
    h2 = m6 * m6 - m7 + rb * rb
    t1 = np.where(h1 > 0.0, -m3 - np.sqrt(np.maximum(h1, 0.0)), np.inf)
    t2 = np.where(h2 > 0.0, -m6 - np.sqrt(np.maximum(h2, 0.0)), np.inf)
    t = np.where(on_body, t_body, np.minimum(t1, t2))
    return np.where(hit & (t > 0.0), t, np.inf)


def sphere_t(rd: FloatArray, c: FloatArray, r: float) -> FloatArray:
    b = rd @ c
    disc = b * b - (float(c @ c) - r * r)
    t = b - np.sqrt(np.maximum(disc, 0.0))
    return np.where((disc >= 0.0) & (t > 0.0), t, np.inf)


def ellipsoid_t(rd: FloatArray, centre: FloatArray, inv: FloatArray) -> FloatArray:
    o = inv @ (-centre)                            # ray origin in unit-sphere coordinates
    d = rd @ inv.T                                 # (N, 3)
    a = np.einsum("ij,ij->i", d, d)
    b = d @ o
    disc = b * b - a * (float(o @ o) - 1.0)
    t = (-b - np.sqrt(np.maximum(disc, 0.0))) / a
    return np.where((disc >= 0.0) & (t > 0.0), t, np.inf)


@dataclass(frozen=True, slots=True)
class Hits:
    """The nearest surface per pixel."""

    t: FloatArray                  # (H, W) distance along the pixel's unit ray; inf: background
    pid: npt.NDArray[np.int32]     # (H, W) primitive id; -1: background

    @property
    def mask(self) -> npt.NDArray[np.bool_]:
        return self.pid >= 0


def cast(fig: Figure, cam: Intrinsics) -> Hits:
    w, h = cam.size
    t_buf = np.full((h, w), np.inf)
    pid = np.full((h, w), -1, np.int32)
    nc = fig.n_capsules
    for k, (x0, y0, x1, y1) in boxes(fig, cam):
        rd = cam.rays[y0:y1, x0:x1].reshape(-1, 3)
        if k < nc:
            t = round_cone_t(rd, fig.cap_a[k], fig.cap_b[k], float(fig.cap_ra[k]), float(fig.cap_rb[k]))
        else:
            e = k - nc
            t = ellipsoid_t(rd, fig.ell_centre[e], fig.ell_inv[e])
        t = t.reshape(y1 - y0, x1 - x0)
        sub_t, sub_id = t_buf[y0:y1, x0:x1], pid[y0:y1, x0:x1]
        nearer = t < sub_t
        sub_t[nearer] = t[nearer]
        sub_id[nearer] = k
    return Hits(t_buf, pid)


def _distance_and_gradient(fig: Figure, k: int, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Approximate signed distance (N,) and unit gradient (N, 3) of primitive k at points p."""
    nc = fig.n_capsules
    if k < nc:
        a, b = fig.cap_a[k], fig.cap_b[k]
        ba = b - a
        pa = p - a
        s = np.clip(pa @ ba / max(float(ba @ ba), 1e-12), 0.0, 1.0)
        q = pa - s[:, None] * ba
        dist = np.sqrt(np.einsum("ij,ij->i", q, q))
        radius = fig.cap_ra[k] + s * (fig.cap_rb[k] - fig.cap_ra[k])
        return dist - radius, q / np.maximum(dist, 1e-12)[:, None]
    e = k - nc
    inv = fig.ell_inv[e]
    q = (p - fig.ell_centre[e]) @ inv.T
    norm_q = np.sqrt(np.einsum("ij,ij->i", q, q))
    grad = q @ inv
    grad /= np.maximum(np.linalg.norm(grad, axis=1), 1e-12)[:, None]
    min_axis = 1.0 / float(np.abs(np.linalg.eigvalsh(inv.T @ inv)).max()) ** 0.5
    return (norm_q - 1.0) * min_axis, grad


def axis_t(fig: Figure, k: int, p: FloatArray) -> FloatArray:
    """(N,) position of points along capsule k's axis, 0 at end a, 1 at end b."""
    ba = fig.cap_b[k] - fig.cap_a[k]
    return (p - fig.cap_a[k]) @ ba / max(float(ba @ ba), 1e-12)


def normals(fig: Figure, cam: Intrinsics, hits: Hits, points: FloatArray,
            index_img: npt.NDArray[np.int32], blend_m: float) -> FloatArray:
    """(N, 3) unit normals of the N hit points (`index_img` maps pixels to 0..N-1, or -1)."""
    n_sum = np.zeros_like(points)
    pid = hits.pid[hits.mask]
    own_only = ~fig.blend[pid]
    blend_px = cam.focal_px * blend_m / max(float(np.median(points[:, 2])), 1e-6)
    for k, (x0, y0, x1, y1) in boxes(fig, cam, extra_px=blend_px):
        sub = index_img[y0:y1, x0:x1]
        sel = sub[sub >= 0]
        if not fig.blend[k]:
            sel = sel[pid[sel] == k]
        else:
            sel = sel[~own_only[sel]]
        if sel.size == 0:
            continue
        dist, grad = _distance_and_gradient(fig, k, points[sel])
        weight = np.clip(1.0 - dist / blend_m, 0.0, 1.0) ** 2
        weight = np.where(pid[sel] == k, 1.0, weight)
        n_sum[sel] += weight[:, None] * grad
    length = np.linalg.norm(n_sum, axis=1, keepdims=True)
    return np.where(length > 1e-9, n_sum / np.maximum(length, 1e-12), np.array([0.0, 0.0, -1.0]))
