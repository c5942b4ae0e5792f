"""The basics photographers rely on (issue 15, finding 9): sort order (capture time with file
time for photos without EXIF, file name, score) from the View menu's keys, thumbnail size with
Ctrl+plus/minus, Ctrl+wheel and the status bar's slider, both remembered; filter keys that the
`?` overlay lists. Real keys on a real album."""

from __future__ import annotations

import os
from datetime import datetime

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.ui.window.status_widgets import ThumbSizeSlider
from tests.ui.album_factory import open_window
from tests.ui.test_groups_ui import key, shown
from tests.ui.test_ui_window import plain_text

M = Qt.KeyboardModifier
CTRL, SHIFT, ALT = M.ControlModifier, M.ShiftModifier, M.AltModifier


def add_photo_without_exif_time(album):
    """DSC_0100.jpg: no EXIF time, the file written between IMG_0003 (09:00:02) and IMG_0004."""
    path = write_jpeg(album / "DSC_0100.jpg", resize(real_photo("coins"), 480, 360))
    when = datetime(2024, 6, 1, 9, 0, 2, 500_000).timestamp()
    os.utime(path, (when, when))


def test_sort_orders_from_the_keys_are_remembered(qtbot, ctx, album):
    add_photo_without_exif_time(album)
    window = open_window(qtbot, ctx, album)
    try:
        names = shown(window)
        assert names.index("DSC_0100.jpg") == names.index("IMG_0003.jpg") + 1  # by its file's time
        key(qtbot, window, Qt.Key.Key_N, CTRL | SHIFT)
        assert shown(window)[:2] == ["DSC_0100.jpg", "IMG_0001.jpg"]
        assert "Sorted by file name" in window.statusBar().currentMessage()
        state = window.model.state
        window.session.store.put_scores({i: (0.1 + n / 20, 0.8) for n, i in enumerate(state.order)})
        window.session.refresh_analysis()
        key(qtbot, window, Qt.Key.Key_S, CTRL | SHIFT)
        assert shown(window)[0] == state.name(state.order[-1])  # the best score first
        assert window.menu_actions["sort.score"].isChecked()
        window.close()
        window = open_window(qtbot, ctx, album)
        assert window.model.sort == "score" and shown(window)[0] == state.name(state.order[-1])
        key(qtbot, window, Qt.Key.Key_T, CTRL | SHIFT)
        assert shown(window).index("DSC_0100.jpg") == 3
    finally:
        window.close()


def test_thumbnail_size_from_keys_wheel_and_slider_is_remembered(qtbot, ctx, album):
    window = open_window(qtbot, ctx, album)
    try:
        grid = window.grid
        slider = window.findChild(ThumbSizeSlider)
        start = grid.cell_width
        key(qtbot, window, Qt.Key.Key_Plus, CTRL)
        assert grid.cell_width == start + 20 and slider.value() == grid.cell_width
        key(qtbot, window, Qt.Key.Key_Minus, CTRL)
        key(qtbot, window, Qt.Key.Key_Minus, CTRL)
        assert grid.cell_width == start - 20 and grid.columns() == grid.viewport().width() // (start - 20)
        pos = QPointF(50, 50)
        wheel = QWheelEvent(pos, grid.viewport().mapToGlobal(pos), QPoint(), QPoint(0, -120), Qt.MouseButton.NoButton,
                            CTRL, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(grid.viewport(), wheel)
        assert grid.cell_width == start - 40
        slider.setValue(260)
        assert grid.cell_width == 260
        window.close()
        window = open_window(qtbot, ctx, album)
        assert window.grid.cell_width == 260
    finally:
        window.close()


def test_filter_keys_as_in_lightroom_and_listed_in_help(qtbot, window):
    key(qtbot, window, Qt.Key.Key_P)
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_3)
    key(qtbot, window, Qt.Key.Key_P, CTRL | ALT)
    assert shown(window) == ["IMG_0001.jpg"] and window.filter_bar.buttons["picks"].isChecked()
    key(qtbot, window, Qt.Key.Key_L, CTRL)  # filters off
    assert len(shown(window)) == 9
    key(qtbot, window, Qt.Key.Key_L, CTRL)  # and back on
    assert shown(window) == ["IMG_0001.jpg"]
    key(qtbot, window, Qt.Key.Key_A, CTRL | ALT)
    key(qtbot, window, Qt.Key.Key_3, CTRL | ALT)
    assert shown(window) == ["IMG_0002.jpg"] and window.filter_bar.rating.currentIndex() == 3
    key(qtbot, window, Qt.Key.Key_Question)
    text = plain_text(window.help.text.text())
    assert "Show picks" in text and "—\nShow picks" not in text
    assert window.help.text.sizeHint().width() <= window.help.width()  # every shortcut readable, none cut off


def test_the_loupe_shows_the_exposure_or_says_the_file_has_none(qtbot, ctx, album):
    from PIL import Image

    path = album / "IMG_0001.jpg"
    image = Image.open(path)
    exif = image.getexif()
    exposure = exif.get_ifd(0x8769)  # the Exif IFD: shutter, aperture, ISO, focal length
    exposure[0x829A], exposure[0x829D], exposure[0x8827], exposure[0x920A] = 1 / 250, 2.8, 400, 50.0
    image.save(path, "JPEG", exif=exif.tobytes(), quality=90)
    window = open_window(qtbot, ctx, album)
    try:
        key(qtbot, window, Qt.Key.Key_E)
        text = plain_text(window.loupe.exif_label.text())
        assert "1/250 s · f/2.8 · ISO 400 · 50 mm" in text and "no exposure data" not in text
        key(qtbot, window, Qt.Key.Key_Right)  # written without exposure data
        assert "no exposure data in this file" in plain_text(window.loupe.exif_label.text())
    finally:
        window.close()
