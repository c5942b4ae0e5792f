"""A photographer's first minutes, by keyboard only: rate, flag, move, undo, filter, close, reopen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.album_factory import copy_album, make_album, make_ctx, open_window


def press(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or window.current_view() or window, k, modifier)


def shown(window):
    return [window.model.state.name(i) for i in window.model.ids]


def by_name(window):
    state = window.model.state
    return {state.name(pid): state.decision(pid) for pid in state.order}


def test_cull_by_keyboard_then_find_everything_after_reopening(qtbot, tmp_path_factory, tmp_path):
    album = copy_album(make_album(tmp_path_factory.mktemp("template") / "a", n=6), tmp_path / "shoot")
    ctx = make_ctx(tmp_path / "home")
    window = open_window(qtbot, ctx, album)

    press(qtbot, window, Qt.Key.Key_3)  # IMG_0001: 3 stars
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_P)  # IMG_0002: pick
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_X)  # IMG_0003: reject ...
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # ... undone
    assert "Undone: Reject IMG_0003.jpg" in window.statusBar().currentMessage()
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_P)  # IMG_0004: pick
    press(qtbot, window, Qt.Key.Key_E)  # loupe
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_X)  # IMG_0005: reject, in the loupe
    press(qtbot, window, Qt.Key.Key_G)

    window.filter_bar.buttons["picks"].click()
    assert shown(window) == ["IMG_0002.jpg", "IMG_0004.jpg"]
    press(qtbot, window, Qt.Key.Key_Home)
    press(qtbot, window, Qt.Key.Key_U)  # unflag IMG_0002: it leaves the picks filter ...
    assert shown(window) == ["IMG_0004.jpg"]
    assert window.model.state.name(window.current_id()) == "IMG_0004.jpg"  # ... the next takes its place
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert shown(window) == ["IMG_0002.jpg", "IMG_0004.jpg"]
    assert window.filter_bar.buttons["picks"].text().endswith("2")
    window.close()

    again = open_window(qtbot, ctx, album)
    try:
        decisions = by_name(again)
        assert decisions["IMG_0001.jpg"].rating == 3 and decisions["IMG_0001.jpg"].flag == "none"
        assert decisions["IMG_0002.jpg"].flag == "pick"
        assert decisions["IMG_0003.jpg"].flag == "none"
        assert decisions["IMG_0004.jpg"].flag == "pick"
        assert decisions["IMG_0005.jpg"].flag == "reject"
        assert again.filter_bar.buttons["rejects"].text().endswith("1")
        assert again.model.state.name(again.current_id()) == "IMG_0002.jpg"  # where we left off
        press(qtbot, again, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo survives restart
        assert by_name(again)["IMG_0005.jpg"].flag == "none"  # the last step still in effect
        assert "Undone: Reject IMG_0005.jpg" in again.statusBar().currentMessage()
    finally:
        again.close()
