"""PyQt6 user interface: displays the coach's events and forwards user actions."""
