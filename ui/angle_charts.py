"""The replay's charts: an exercise's key angles over time (pyqtgraph), with the set's phases shaded,
reps, faults, holds, cues and pain marked on an event track, and a cursor tied to the video.

Clicking a chart or a mark, or dragging the cursor, asks for a seek (`seek_requested`); the window
seeks the video and moves the cursor back here with `set_cursor`, so there is one clock: the video's.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from coach.metrics import METRICS
from coach.report import DANGER, FAULT, INFO, MIN_SPAN, Marker, SetView, metric_label, value_span
from ui import theme

log = logging.getLogger(__name__)

TRACK_ROWS = {"hold": 3.0, "fault": 2.0, "mark": 1.0}     # y of each event row on the track
ROW_NAMES = {3.0: "Holds", 2.0: "Faults", 1.0: "Reps, cues"}
PHASE_ALPHA = 46                   # 0..255: phases tint the charts without hiding the curve
TRACK_HEIGHT_PX = 104
CURSOR_COLOUR = "#f3f5f8"
LABEL_WIDTH_PX = 150
REST_COLOUR = "#262b33"             # the rest after a set: no angles charted
CUE_COLOURS = {"fault": FAULT, "praise": theme.ACCENT_HEX, "pain": DANGER}


class AngleCharts(QWidget):
    """Stacked plots sharing one time axis: the event track, then one plot per key angle."""

    seek_requested = pyqtSignal(float)          # media seconds: a chart, a mark or the cursor was used

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True, background=theme.PANEL, foreground=theme.MUTED_HEX)
        self.view: SetView | None = None
        self.plots: list[pg.PlotItem] = []
        self.cursors: list[pg.InfiniteLine] = []
        self.marks: pg.ScatterPlotItem | None = None
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._cursor_t_s = 0.0
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setSpacing(2)
        self.graphics.ci.layout.setColumnFixedWidth(0, LABEL_WIDTH_PX)
        self.graphics.scene().sigMouseClicked.connect(self._scene_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    # -- content

    def clear(self) -> None:
        """Take every item out of the scene while Python still holds it. Left to Qt's cascade when the
        window is deleted, pyqtgraph's Python-side items can outlive their C++ halves in sip's map, and a
        later window's paint then meets a stale wrapper (a crash seen in the test suite)."""
        for cursor in self.cursors:
            cursor.sigDragged.disconnect(self._cursor_dragged)
        self.graphics.clear()
        self.plots, self.cursors, self.curves, self.marks = [], [], {}, None

    def set_set(self, view: SetView, series: Mapping[str, npt.NDArray[np.float64]]) -> None:
        """Show one set: its key angles (from `series`, {"t_s": (T,), metric: (T,)}) and its marks."""
        self.clear()
        self.view = view
        x0, x1 = view.slice.start_s, max(view.slice.end_s, view.slice.start_s + 1.0)
        track = self._add_plot(0, "Events", x0, x1)
        track.setMaximumHeight(TRACK_HEIGHT_PX)
        track.setYRange(0.25, 3.6, padding=0)
        track.getAxis("left").setTicks([[(y, name) for y, name in ROW_NAMES.items()]])
        self._draw_track(track, view)
        metrics = [m for m in view.metrics if m in series]
        for row, metric in enumerate(metrics, start=1):
            plot = self._add_plot(row, metric_label(metric), x0, x1)
            values = series[metric]
            unit = METRICS[metric].unit if metric in METRICS else ""
            y = value_span(values, MIN_SPAN.get(unit, 0.1))
            plot.setYRange(*y, padding=0)
            self._shade_phases(plot, view, y)
            self._draw_lines(plot, view, y)
            curve = plot.plot(series["t_s"], values, pen=pg.mkPen(theme.ACCENT_HEX, width=2.5), connect="finite")
            self.curves[metric] = curve
        for plot in self.plots[:-1]:
            plot.getAxis("bottom").setStyle(showValues=False)
        self.plots[-1].setLabel("bottom", "time (m:ss)")
        self.set_cursor(self._cursor_t_s)

    def _add_plot(self, row: int, title: str, x0: float, x1: float) -> pg.PlotItem:
        self.graphics.addLabel(_label_html(title), row=row, col=0, justify="right")
        plot = self.graphics.addPlot(row=row, col=1, axisItems={"bottom": _ClockAxis(orientation="bottom")})
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=True, y=False)
        plot.showGrid(x=True, y=True, alpha=0.12)
        plot.getViewBox().setLimits(xMin=x0, xMax=x1)
        plot.setXRange(x0, x1, padding=0)
        axis = plot.getAxis("left")
        axis.setWidth(56)
        font = QFont(theme.FONT_FAMILY)
        font.setPixelSize(12)
        axis.setStyle(tickFont=font)
        plot.getAxis("bottom").setStyle(tickFont=font)
        if self.plots:
            plot.setXLink(self.plots[0])
        cursor = pg.InfiniteLine(pos=x0, angle=90, movable=True, pen=pg.mkPen(CURSOR_COLOUR, width=2),
                                 hoverPen=pg.mkPen(theme.ACCENT_HEX, width=3))
        cursor.setZValue(100)
        cursor.sigDragged.connect(self._cursor_dragged)
        plot.addItem(cursor)
        self.plots.append(plot)
        self.cursors.append(cursor)
        return plot

    def _draw_track(self, plot: pg.PlotItem, view: SetView) -> None:
        spans = [m for m in view.markers if m.kind in ("hold", "fault") and m.end_s is not None]
        if spans:
            plot.addItem(pg.BarGraphItem(
                x0=[m.t_s for m in spans], x1=[max(m.end_s, m.t_s + 0.05) for m in spans],  # type: ignore[type-var]
                y0=[TRACK_ROWS[m.kind] - 0.3 for m in spans], height=[0.6] * len(spans), pen=None,
                brushes=[theme.ACCENT_HEX if m.kind == "hold" else FAULT for m in spans]))
        for marker in view.markers:
            if marker.kind == "rest":
                text = pg.TextItem("Rest", color=theme.MUTED_HEX, anchor=(0, 0.5))
                text.setPos(marker.t_s, TRACK_ROWS["hold"])
                plot.addItem(text)
            if marker.kind == "rep":
                text = pg.TextItem(marker.short, color=theme.TEXT_HEX, anchor=(0.5, 0.5))
                text.setPos(marker.t_s, TRACK_ROWS["mark"] + 0.02)
                text.setZValue(20)                       # the number above its clickable disc
                plot.addItem(text)
        self.marks = pg.ScatterPlotItem(hoverable=True, tip=_tip)
        self.marks.addPoints([_spot(m) for m in view.markers])
        self.marks.sigClicked.connect(self._mark_clicked)
        plot.addItem(self.marks)

    # Phases and rep lines are one item each per plot, drawn over the plot's fixed y range: hundreds of
    # LinearRegionItems and InfiniteLines made deleting a window crash PyQt6 in the test suite.

    def _shade_phases(self, plot: pg.PlotItem, view: SetView, y: tuple[float, float]) -> None:
        rests = [m for m in view.markers if m.kind == "rest" and m.end_s is not None]
        if rests:
            band = pg.BarGraphItem(x0=[m.t_s for m in rests], x1=[m.end_s for m in rests], y0=[y[0]] * len(rests),
                                   y1=[y[1]] * len(rests), brush=QColor(REST_COLOUR), pen=None)
            band.setZValue(-10)
            plot.addItem(band, ignoreBounds=True)
        spans = [(span, view.phase_colour(span.phase)) for span in view.phases if span.start_s < view.active_end_s]
        spans = [(span, colour) for span, colour in spans if colour is not None]
        if not spans:
            return
        brushes = []
        for _span, colour in spans:
            tint = QColor(colour)
            tint.setAlpha(PHASE_ALPHA)
            brushes.append(tint)
        shading = pg.BarGraphItem(x0=[s.start_s for s, _ in spans], x1=[s.end_s for s, _ in spans],
                                  y0=[y[0]] * len(spans), y1=[y[1]] * len(spans), brushes=brushes, pen=None)
        shading.setZValue(-10)
        plot.addItem(shading, ignoreBounds=True)

    def _draw_lines(self, plot: pg.PlotItem, view: SetView, y: tuple[float, float]) -> None:
        for kind, pen in (("rep", pg.mkPen(theme.MUTED_HEX, width=1, style=Qt.PenStyle.DashLine)),
                          ("pain", pg.mkPen(DANGER, width=2))):
            times = [m.t_s for m in view.markers if m.kind == kind]
            if times:
                plot.addItem(pg.PlotDataItem(np.repeat(times, 2), np.tile(y, len(times)), connect="pairs", pen=pen),
                             ignoreBounds=True)

    # -- the cursor and seeking

    @property
    def cursor_t_s(self) -> float:
        return self._cursor_t_s

    def set_cursor(self, t_s: float) -> None:
        """Move the cursor (the video moved); emits nothing."""
        self._cursor_t_s = t_s
        for cursor in self.cursors:
            cursor.blockSignals(True)
            cursor.setValue(t_s)
            cursor.blockSignals(False)

    def x_to_scene(self, t_s: float, plot_index: int = -1) -> tuple[float, float]:
        """Scene position of time t_s in the middle of a plot (for tests and tooltips)."""
        plot = self.plots[plot_index]
        box = plot.getViewBox()
        y = sum(box.viewRange()[1]) / 2
        point = box.mapViewToScene(pg.Point(t_s, y))
        return point.x(), point.y()

    def _cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self._request(float(line.value()))

    def _mark_clicked(self, _item: pg.ScatterPlotItem, points: list, _event: object) -> None:
        if points:
            self._request(float(points[0].data().t_s))

    def _scene_clicked(self, event) -> None:  # noqa: ANN001 - pyqtgraph's MouseClickEvent
        if event.isAccepted() or event.button() != Qt.MouseButton.LeftButton:
            return                              # a mark took the click
        for plot in self.plots:
            box = plot.getViewBox()
            if box.sceneBoundingRect().contains(event.scenePos()):
                self._request(float(box.mapSceneToView(event.scenePos()).x()))
                return

    def _request(self, t_s: float) -> None:
        if self.view is None or not math.isfinite(t_s):
            return
        t_s = min(max(t_s, self.view.slice.start_s), self.view.slice.end_s)
        self.set_cursor(t_s)
        self.seek_requested.emit(t_s)


def _label_html(title: str) -> str:
    """A chart's name, with its unit on a second, quieter line."""
    name, _, unit = title.partition(" (")
    unit = unit.replace("°", "degrees")
    unit = f"<br><span style='color:{theme.MUTED_HEX}; font-size:10pt'>{unit.rstrip(')')}</span>" if unit else ""
    return f"<span style='color:{theme.TEXT_HEX}; font-size:11pt; font-weight:bold'>{name}</span>{unit}"


def _spot(marker: Marker) -> dict:
    """A clickable mark on the event track; its data is where to seek."""
    if marker.kind in ("hold", "fault"):
        y, symbol, size = TRACK_ROWS[marker.kind], "t1", 11
        colour = theme.ACCENT_HEX if marker.kind == "hold" else FAULT
    elif marker.kind == "pain":
        y, symbol, colour, size = TRACK_ROWS["hold"], "t", DANGER, 16
    elif marker.kind == "rest":
        y, symbol, colour, size = TRACK_ROWS["hold"], "s", theme.MUTED_HEX, 9
    elif marker.kind == "setup":
        y, symbol, colour, size = TRACK_ROWS["mark"], "s", INFO, 10
    elif marker.kind == "rep":
        y, symbol, colour, size = TRACK_ROWS["mark"], "o", theme.PANEL, 18
    else:
        y, symbol, colour, size = TRACK_ROWS["mark"] - 0.32, "d", CUE_COLOURS.get(marker.tone, INFO), 9
    return {"pos": (marker.t_s, y), "symbol": symbol, "size": size, "brush": pg.mkBrush(colour),
            "pen": pg.mkPen(None), "data": marker}


def _tip(x: float, y: float, data: Marker) -> str:
    return f"{data.label}\n{data.detail}".strip()


class _ClockAxis(pg.AxisItem):
    """Media seconds written as m:ss."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        out = []
        for value in values:
            minutes, seconds = divmod(max(0.0, value), 60)
            out.append(f"{int(minutes)}:{seconds:02.0f}" if spacing >= 1 else f"{int(minutes)}:{seconds:04.1f}")
        return out
