"""Colours, type sizes and the style sheet: dark, high contrast, readable from two metres."""

from __future__ import annotations

from PyQt6.QtGui import QColor

FONT_FAMILY = "DejaVu Sans"

BG = "#0f1115"
PANEL = "#1a1e25"
PANEL_EDGE = "#2a303a"
TEXT_HEX = "#f3f5f8"
MUTED_HEX = "#9aa5b4"
ACCENT_HEX = "#2ec4b6"       # good / normal
WARNING_HEX = "#ffb020"      # faults, setup guidance
DANGER_HEX = "#e5383b"       # pain
INFO_HEX = "#5aa9ff"

TEXT = QColor(TEXT_HEX)
MUTED = QColor(MUTED_HEX)
ACCENT = QColor(ACCENT_HEX)
FAULT = QColor("#ff7a1a")
VIDEO_BG = QColor("#000000")
BONE = QColor(240, 248, 250, 235)
BONE_SHADOW = QColor(0, 0, 0, 150)
JOINT = QColor(ACCENT_HEX)
LABEL_BG = QColor(10, 12, 16, 215)
CARD_OVERLAY = QColor(8, 10, 14, 205)
TONES = {"info": QColor(INFO_HEX), "warning": QColor(WARNING_HEX), "danger": QColor(DANGER_HEX),
         "good": QColor(ACCENT_HEX)}

# Banner background per cue kind (CueDecided.kind); text is dark on light colours, light on dark.
BANNER = {
    "pain": (DANGER_HEX, "#ffffff"), "fault": (WARNING_HEX, "#111111"), "setup": (INFO_HEX, "#0b1220"),
    "praise": (ACCENT_HEX, "#06201d"), "count": ("#e9edf2", "#111111"), "countdown": ("#e9edf2", "#111111"),
    "hold_done": (ACCENT_HEX, "#06201d"), "switch_sides": ("#e9edf2", "#111111"),
    "set_done": (ACCENT_HEX, "#06201d"), "transition": ("#e9edf2", "#111111"),
}
BANNER_IDLE = (PANEL, MUTED_HEX)

STYLE = f"""
QWidget {{ background: {BG}; color: {TEXT_HEX}; font-family: "{FONT_FAMILY}"; font-size: 20px; }}
QLabel#title {{ font-size: 40px; font-weight: bold; }}
QLabel#subtitle {{ font-size: 22px; color: {MUTED_HEX}; }}
QLabel#status {{ font-size: 18px; font-weight: bold; padding: 6px 16px; border-radius: 16px;
                 background: {PANEL}; color: {MUTED_HEX}; }}
QLabel#status[state="running"] {{ background: #123d2a; color: #7cf0b4; }}
QLabel#status[state="paused"] {{ background: #3d3212; color: {WARNING_HEX}; }}
QLabel#status[state="stopped"] {{ background: #3d1414; color: #ff8a8a; }}
QLabel#notice {{ background: #2e2610; color: {WARNING_HEX}; font-size: 19px; padding: 10px 16px;
                 border-radius: 10px; }}
QFrame#card {{ background: {PANEL}; border: 1px solid {PANEL_EDGE}; border-radius: 16px; }}
QLabel#cardTitle {{ background: transparent; color: {MUTED_HEX}; font-size: 18px; font-weight: bold;
                    letter-spacing: 2px; }}
QLabel#bigValue {{ background: transparent; font-size: 64px; font-weight: bold; }}
QLabel#target {{ background: transparent; color: {MUTED_HEX}; font-size: 30px; font-weight: bold; }}
QLabel#phase {{ background: transparent; font-size: 34px; font-weight: bold; color: {ACCENT_HEX}; }}
QLabel#banner {{ font-size: 42px; font-weight: bold; padding: 18px 28px; border-radius: 18px; }}
QProgressBar {{ background: #0b0d11; border: none; border-radius: 8px; height: 16px; }}
QProgressBar::chunk {{ background: {ACCENT_HEX}; border-radius: 8px; }}
QPushButton {{ background: #262c36; border: 1px solid {PANEL_EDGE}; border-radius: 12px;
               padding: 12px 22px; font-size: 22px; font-weight: bold; }}
QPushButton:hover {{ background: #303846; }}
QPushButton:disabled {{ color: #5b6472; background: #1a1e25; }}
QPushButton:checked {{ background: #3a4352; border-color: {MUTED_HEX}; }}
QPushButton#start {{ background: #1f8f62; border-color: #27b47b; }}
QPushButton#start:disabled {{ background: #1a1e25; border-color: {PANEL_EDGE}; }}
QPushButton#pain {{ background: {DANGER_HEX}; border: 3px solid #ff8c8e; color: #ffffff; font-size: 28px;
                    padding: 16px 34px; border-radius: 16px; }}
QPushButton#pain:hover {{ background: #f0494c; }}
QPushButton#pain:disabled {{ background: #5a1f21; border-color: #6e2a2c; color: #d9a3a4; }}
QComboBox, QSpinBox, QDoubleSpinBox {{ background: #262c36; border: 1px solid {PANEL_EDGE}; border-radius: 10px;
               padding: 8px 12px; font-size: 22px; min-height: 36px; }}
QComboBox QAbstractItemView {{ background: #262c36; selection-background-color: #35506b; font-size: 22px; }}
QLabel#controlLabel {{ color: {MUTED_HEX}; font-size: 18px; font-weight: bold; }}
"""
