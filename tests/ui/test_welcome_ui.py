"""The welcome screen at any window size (nothing cut), a bad path explained in the window, and a
photo's path opening its folder at that photo — through the app's own composition (build_window)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from culler.app import build_window
from culler.cli import parse_args


def _visible(window, kind):
    return [w for w in window.empty.widget().findChildren(kind) if w.isVisible()]


def assert_nothing_cut(window):
    page = window.empty.widget()
    labels, buttons = _visible(window, QLabel), _visible(window, QPushButton)
    assert labels and buttons
    for label in labels:
        if label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), label.text()
        else:
            assert label.width() >= label.sizeHint().width() and label.height() >= label.sizeHint().height()
    for button in buttons:
        assert button.width() >= button.sizeHint().width(), button.text()
    for w in labels + buttons:
        box = w.geometry()
        top_left = w.mapTo(page, box.topLeft() - box.topLeft())
        assert top_left.x() >= 0 and top_left.x() + w.width() <= page.width(), w.objectName()
    assert window.empty.viewport().width() >= page.minimumSizeHint().width()


@pytest.mark.parametrize("size", [(800, 600), (1600, 1000)])
def test_welcome_screen_fits_any_window_size(qtbot, ctx, tmp_path, size):
    from culler.ui.base.settings import UiSettings

    recent = tmp_path / ("a folder with a long name from a long wedding weekend in the mountains " * 2).strip()
    recent.mkdir(parents=True)
    settings = UiSettings.load(ctx.config_dir)
    settings.add_recent(recent)
    settings.save()
    window, album = build_window(ctx, parse_args([]))
    try:
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        qtbot.wait(50)
        assert album is None and window.empty.hint.isVisible()
        assert_nothing_cut(window)
        window.empty.show_problem("Nothing there", "/no/such/path/" + "deeper/" * 12 + " does not exist.")
        qtbot.wait(50)
        assert_nothing_cut(window)
    finally:
        window.close()


def test_a_path_that_does_not_exist_is_explained_in_the_window(qtbot, ctx, tmp_path):
    missing = tmp_path / "card" / "DCIM"
    window, album = build_window(ctx, parse_args([str(missing)]))
    try:
        window.show()
        assert album is None
        empty = window.empty
        assert window.stack.currentWidget() is empty and empty.problem.isVisible()
        assert empty.title.text() == "Nothing there"
        assert f"{missing} does not exist" in empty.problem.text()
        assert f"The nearest folder that exists is {tmp_path}" in empty.problem.text()
        assert empty.open_button.isVisible()
    finally:
        window.close()


def test_a_file_that_is_not_a_photo_is_explained(qtbot, ctx, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    window, album = build_window(ctx, parse_args([str(notes)]))
    try:
        assert album is None and window.empty.title.text() == "Not a folder of photos"
        assert "is not a folder, and not a photo culler reads" in window.empty.problem.text()
    finally:
        window.close()


def test_a_photo_path_opens_its_folder_at_that_photo(qtbot, ctx, album):
    window, folder = build_window(ctx, parse_args([str(album / "IMG_0006.jpg"), "--signals", "technical"]))
    try:
        assert folder == album
        window.session.analyse = False
        window.show()
        with qtbot.waitSignal(window.photos_shown, timeout=20_000):
            window.open_album(folder)
        qtbot.waitUntil(lambda: window.current_view_id() == "loupe", timeout=5_000)
        assert window.model.state.name(window.current_id()) == "IMG_0006.jpg"
    finally:
        window.close()
