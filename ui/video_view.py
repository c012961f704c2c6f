"""The video with the skeleton drawn over it: QPainter on the decoded frame (QVideoWidget grabs blank
offscreen, and we need the overlay anyway).

The frame is scaled to fit, mirrored on request (a front view reads like a mirror). Bones come
from the smoothed landmarks; bones of an active fault are drawn thick in the warning colour; the
exercise's angles are written at their joints. A message card (setup guidance, rest, paused) can
sit over the picture.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from coach.frames import PoseFrame
from coach.landmarks import SKELETON_EDGES, Landmark, Side, sided
from coach.metrics import VISIBILITY_MIN
from coach.sources import RgbImage
from ui import theme

# Where each angle metric is written: (body part, which side, short name). "near": the better
# visible side; "mid": between the two sides (the known one when the other is hidden).
ANGLE_VERTEX: dict[str, tuple[str, str, str]] = {
    "trunk_incline_deg": ("hip", "mid", "Trunk"),
    "trunk_tilt_deg": ("hip", "mid", "Back tilt"),
    "leaning_back_deg": ("hip", "mid", "Lean"),
    "hip_angle_near_deg": ("hip", "near", "Hip"),
    "hip_extension_deg": ("hip", "near", "Hip"),
    "knee_angle_near_deg": ("knee", "near", "Knee"),
    "elbow_angle_near_deg": ("elbow", "near", "Elbow"),
    "thigh_vertical_deg": ("knee", "near", "Thigh"),
    "neck_angle_deg": ("shoulder", "near", "Neck"),
    "head_angle_deg": ("ear", "near", "Head"),
    "arm_raise_left_deg": ("shoulder", "left", "Arm"),
    "arm_raise_right_deg": ("shoulder", "right", "Arm"),
    "leg_extension_left_deg": ("hip", "left", "Leg"),
    "leg_extension_right_deg": ("hip", "right", "Leg"),
    "reach_arm_raise_deg": ("shoulder", "near", "Arm"),
    "reach_leg_extension_deg": ("hip", "near", "Leg"),
    "reach_elbow_angle_deg": ("elbow", "near", "Elbow"),
    "reach_knee_angle_deg": ("knee", "near", "Knee"),
    "body_line_deg": ("hip", "mid", "Body line"),
    "upper_arm_vertical_deg": ("elbow", "near", "Upper arm"),
}


@dataclass(frozen=True, slots=True)
class AngleLabel:
    xy_px: tuple[float, float]      # image pixels of the joint
    text: str                       # e.g. "Knee 152°"
    faulty: bool


def angle_labels(pose: PoseFrame, angles_deg: Mapping[str, float], faulty_metrics: Iterable[str] = ()
                 ) -> list[AngleLabel]:
    """Labels for the known angles whose joint is in view."""
    faulty = set(faulty_metrics)
    labels = []
    for name, value in angles_deg.items():
        where = ANGLE_VERTEX.get(name)
        if where is None or not math.isfinite(value):
            continue
        xy = _vertex_px(pose, where[0], where[1])
        if xy is not None:
            labels.append(AngleLabel(xy, f"{where[2]} {value:.0f}°", name in faulty))
    return labels


def _vertex_px(pose: PoseFrame, part: str, side: str) -> tuple[float, float] | None:
    left, right = sided(Side.LEFT, part), sided(Side.RIGHT, part)
    known = [lm for lm in (left, right) if pose.visibility[lm] >= VISIBILITY_MIN and np.all(np.isfinite(pose.xy_px[lm]))]
    if side == "left":
        known = [lm for lm in known if lm is left]
    elif side == "right":
        known = [lm for lm in known if lm is right]
    elif side == "near":
        known = sorted(known, key=lambda lm: -float(pose.visibility[lm]))[:1]
    if not known:
        return None
    x, y = np.mean([pose.xy_px[lm] for lm in known], axis=0)
    return float(x), float(y)


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    detail: str = ""
    tone: str = "info"              # info | warning | danger | good


class VideoView(QWidget):
    """Paints the newest frame and its overlay; reports each new frame painted to `on_painted`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(480, 360)
        self.mirror = False
        self.on_painted: Callable[[float], None] | None = None   # captured_s of the frame just painted
        self._image: QImage | None = None
        self._array: RgbImage | None = None                       # keeps the QImage's memory alive
        self._pose: PoseFrame | None = None
        self._faulty: frozenset[Landmark] = frozenset()
        self._labels: list[AngleLabel] = []
        self._message: Message | None = None
        self._captured_s: float | None = None                     # of a frame not yet painted
        self.frames_painted = 0
        self.last_overlay = (0, 0)                                # (bones, angle labels) last drawn

    # -- what to show

    def show_frame(self, image: RgbImage, pose: PoseFrame | None, faulty: frozenset[Landmark] = frozenset(),
                   labels: list[AngleLabel] | None = None, captured_s: float | None = None) -> None:
        self._array = np.ascontiguousarray(image)
        h, w = self._array.shape[:2]
        self._image = QImage(self._array.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self._pose, self._faulty, self._labels = pose, faulty, labels or []
        self._captured_s = time.perf_counter() if captured_s is None else captured_s
        self.update()

    def clear_frame(self) -> None:
        self._image = self._array = self._pose = None
        self._labels = []
        self.update()

    def set_mirror(self, mirror: bool) -> None:
        self.mirror = mirror
        self.update()

    def set_message(self, message: Message | None) -> None:
        if message != self._message:
            self._message = message
            self.update()

    @property
    def message(self) -> Message | None:
        return self._message

    @property
    def has_frame(self) -> bool:
        return self._image is not None

    # -- painting

    def paintEvent(self, _event: object) -> None:   # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), theme.VIDEO_BG)
        self.last_overlay = (0, 0)
        if self._image is not None:
            target = self._fit(self._image.width(), self._image.height())
            self._draw_image(painter, target)
            if self._pose is not None and self._pose.has_pose:
                self.last_overlay = (self._draw_skeleton(painter, target), self._draw_labels(painter, target))
        if self._message is not None:
            self._draw_message(painter, self._message)
        painter.end()
        if self._captured_s is not None:
            captured_s, self._captured_s = self._captured_s, None
            self.frames_painted += 1
            if self.on_painted is not None:
                self.on_painted(captured_s)

    def _fit(self, w: int, h: int) -> QRectF:
        scale = min(self.width() / w, self.height() / h)
        tw, th = w * scale, h * scale
        return QRectF((self.width() - tw) / 2, (self.height() - th) / 2, tw, th)

    def _to_widget(self, target: QRectF, x: float, y: float) -> QPointF:
        assert self._image is not None
        s = target.width() / self._image.width()
        wx = target.right() - x * s if self.mirror else target.left() + x * s
        return QPointF(wx, target.top() + y * s)

    def _draw_image(self, painter: QPainter, target: QRectF) -> None:
        assert self._image is not None
        if not self.mirror:
            painter.drawImage(target, self._image)
            return
        painter.save()
        painter.translate(target.left() + target.right(), 0)
        painter.scale(-1, 1)
        painter.drawImage(target, self._image)
        painter.restore()

    def _draw_skeleton(self, painter: QPainter, target: QRectF) -> int:
        pose = self._pose
        assert pose is not None
        seen = (pose.visibility >= VISIBILITY_MIN) & np.all(np.isfinite(pose.xy_px), axis=1)
        points = {lm: self._to_widget(target, *pose.xy_px[lm]) for lm in Landmark if seen[lm]}
        scale = max(1.0, target.width() / 640)
        edges = [(a, b) for a, b in SKELETON_EDGES if a in points and b in points]
        for a, b in edges:
            face = a <= Landmark.RIGHT_EAR and b <= Landmark.RIGHT_EAR
            self._bone(painter, points[a], points[b], theme.BONE, (2.0 if face else 4.0) * scale)
        for a, b in edges:                                     # faulty bones on top, thick
            if a in self._faulty and b in self._faulty:
                self._bone(painter, points[a], points[b], theme.FAULT, 8.0 * scale)
        painter.setPen(QPen(theme.VIDEO_BG, 1.5 * scale))
        for lm, point in points.items():
            if lm > Landmark.RIGHT_EAR:
                painter.setBrush(theme.FAULT if lm in self._faulty else theme.JOINT)
                painter.drawEllipse(point, 5.0 * scale, 5.0 * scale)
        return len(edges)

    @staticmethod
    def _bone(painter: QPainter, a: QPointF, b: QPointF, colour: QColor, width: float) -> None:
        painter.setPen(QPen(theme.BONE_SHADOW, width + 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(a, b)
        painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(a, b)

    def _draw_labels(self, painter: QPainter, target: QRectF) -> int:
        font = QFont(theme.FONT_FAMILY)
        font.setPixelSize(max(20, round(target.height() / 20)))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        used: list[QRectF] = []
        for label in self._labels:
            anchor = self._to_widget(target, *label.xy_px)
            w, h = metrics.horizontalAdvance(label.text) + 20, metrics.height() + 8
            box = QRectF(anchor.x() + 14, anchor.y() - h - 6, w, h)
            while any(box.intersects(u) for u in used):      # stack labels that share a joint
                box.translate(0, h + 4)
            used.append(box)
            colour = theme.FAULT if label.faulty else theme.ACCENT
            path = QPainterPath()
            path.addRoundedRect(box, h / 2, h / 2)
            painter.fillPath(path, theme.LABEL_BG)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(colour, 2.5))
            painter.drawPath(path)
            painter.setPen(theme.TEXT if not label.faulty else theme.FAULT)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label.text)
        return len(used)

    def _draw_message(self, painter: QPainter, message: Message) -> None:
        colour = theme.TONES.get(message.tone, theme.TEXT)
        width = self.width() * 0.84
        title_font = QFont(theme.FONT_FAMILY)
        title_font.setPixelSize(max(26, round(self.height() / 14)))
        title_font.setBold(True)
        detail_font = QFont(theme.FONT_FAMILY)
        detail_font.setPixelSize(max(18, round(self.height() / 24)))
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
        painter.setFont(title_font)
        title_rect = painter.boundingRect(QRectF(0, 0, width - 48, 1000), flags, message.title)
        detail_rect = QRectF()
        if message.detail:
            painter.setFont(detail_font)
            detail_rect = painter.boundingRect(QRectF(0, 0, width - 48, 1000), flags, message.detail)
        height = title_rect.height() + (detail_rect.height() + 12 if message.detail else 0) + 40
        top = self.height() * 0.06 if self._image is not None else (self.height() - height) / 2
        card = QRectF((self.width() - width) / 2, top, width, height)
        path = QPainterPath()
        path.addRoundedRect(card, 18, 18)
        painter.fillPath(path, theme.CARD_OVERLAY)
        painter.fillRect(QRectF(card.left(), card.top() + 18, 8, card.height() - 36), colour)
        painter.setFont(title_font)
        painter.setPen(colour)
        y = card.top() + 20
        painter.drawText(QRectF(card.left() + 24, y, width - 48, title_rect.height()), flags, message.title)
        if message.detail:
            painter.setFont(detail_font)
            painter.setPen(theme.TEXT)
            y += title_rect.height() + 12
            painter.drawText(QRectF(card.left() + 24, y, width - 48, detail_rect.height()), flags, message.detail)
