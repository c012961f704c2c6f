"""Shared fixtures. Qt tests (those using qtbot) must not leave a window open."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_leaked_windows(request: pytest.FixtureRequest):  # noqa: ANN202
    yield
    if "qtbot" not in request.fixturenames:
        return
    from PyQt6.QtWidgets import QApplication

    leaked = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for widget in leaked:
        widget.close()
    assert not leaked, f"windows left open: {[type(w).__name__ for w in leaked]}"
