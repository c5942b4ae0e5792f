"""The analysis takes the photos on screen first: scrolling the grid hands them to the pipeline."""

from __future__ import annotations

from PySide6.QtCore import Qt

from culler.pipeline import Pipeline
from tests.ui.album_factory import make_album, make_ctx, open_window


def test_scrolling_the_grid_puts_the_photos_on_screen_first_in_the_analysis(qtbot, tmp_path, monkeypatch):
    asked: list[list[str]] = []
    real = Pipeline.prioritise
    monkeypatch.setattr(Pipeline, "prioritise", lambda self, paths: (asked.append(list(paths)), real(self, paths)))
    window = open_window(qtbot, make_ctx(tmp_path / "home"), make_album(tmp_path / "album", n=60, broken=False),
                         analyse=True)
    try:
        window.resize(700, 450)  # a few rows on screen: most of the album is below
        window.grid.setFocus()
        qtbot.keyClick(window.grid, Qt.Key.Key_End)
        qtbot.waitUntil(lambda: window.grid.visible_rows().stop == window.model.rowCount(), timeout=5000)
        state = window.model.state
        on_screen = [state.photos[window.model.id_at(r)].path for r in window.grid.visible_rows()]
        qtbot.waitUntil(lambda: any(on_screen[0] in a for a in asked), timeout=10000)
        last = next(a for a in reversed(asked) if on_screen[0] in a)
        assert last[:len(on_screen)] == on_screen  # the bottom of the album, in screen order, first
        assert "IMG_0001.jpg" not in last  # the top of the album is no longer on screen
        qtbot.waitUntil(lambda: not window.session.analysis_running(), timeout=60000)
    finally:
        window.close()
