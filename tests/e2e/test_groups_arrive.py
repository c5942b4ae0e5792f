"""The real analysis ends while a photographer works (issue 15, finding 1): the window analyses
two bursts with the real pipeline; flags set meanwhile stay on screen, the cursor stays on its
photo, the groups are offered with the same count the analysis reports, and Shift+S stacks them
with the decisions inside shown on the stack's top."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from benchmarks.photo_factory import burst, real_photo, resize, write_jpeg
from tests.ui.album_factory import make_ctx, open_window

pytest.importorskip("culler.analysis.technical", reason="the technical signals are not in this tree yet")


def make_shoot(folder):
    """Two bursts of 3 frames and a single photo, minutes apart."""
    t0 = datetime(2024, 7, 1, 15, 0, 0)
    names = []
    for k, name in enumerate(("astronaut", "chelsea")):
        img = real_photo(name)
        img = resize(img, 640, round(640 * img.shape[0] / img.shape[1]))
        for _kind, frame, when in burst(img, t0 + timedelta(minutes=5 * k), n_bad=2, seed=k):
            names.append(f"IMG_{len(names) + 1:04d}.jpg")
            write_jpeg(folder / names[-1], frame, captured_at=when)
    names.append(f"IMG_{len(names) + 1:04d}.jpg")
    write_jpeg(folder / names[-1], resize(real_photo("camera"), 512, 512), captured_at=t0 + timedelta(minutes=20))
    return folder


def press(qtbot, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), k, modifier)


def test_groups_found_at_the_end_of_the_analysis_wait_for_the_user(qtbot, tmp_path):
    album = make_shoot(tmp_path / "shoot")
    window = open_window(qtbot, make_ctx(tmp_path / "home"), album, analyse=True)
    try:
        state = window.model.state
        qtbot.waitUntil(window.analysis_running, timeout=30_000)
        press(qtbot, Qt.Key.Key_P)  # IMG_0001, while the analysis runs
        press(qtbot, Qt.Key.Key_Right)
        press(qtbot, Qt.Key.Key_3)  # IMG_0002
        before = [state.name(i) for i in window.model.ids]
        qtbot.waitUntil(lambda: not window.analysis_running(), timeout=180_000)
        QApplication.processEvents()
        assert [window.model.state.name(i) for i in window.model.ids] == before  # nothing hidden
        assert window.model.state.name(window.current_id()) == "IMG_0002.jpg"
        offer = window.group_features.offer
        assert offer.isVisible() and offer.text().startswith("2 groups ready")
        assert "2 groups of 2 or more frames" in window.analysis_status.label.text()  # the same count

        press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
        assert len(window.model.ids) == 3 and not offer.isVisible()
        window.grid.viewport().repaint()
        top = window.current_id()
        summary, on_top = window.group_features.badges[top][1], window.model.state.decision(top)
        assert ("1 pick" in summary) != (on_top.flag == "pick")  # each decision on the top or said on it
        assert ("1 ★3" in summary) != (on_top.rating == 3)
    finally:
        window.close()
