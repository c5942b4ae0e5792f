"""The layout never changes by itself (issue 15, finding 1): groups that arrive while the user
works are offered, not applied; a stack shows what was decided inside it; a banner appearing
above the grid does not move the photos under the cursor. Real keys, a real album and Store."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from tests.ui.album_factory import make_album, open_window
from tests.ui.test_groups_ui import current, key, put_bursts, shown


def names_of(window, ids):
    return [window.model.state.name(i) for i in ids]


def test_groups_that_arrive_are_offered_and_nothing_moves_until_asked(qtbot, window):
    key(qtbot, window, Qt.Key.Key_P)  # IMG_0001: picked while the analysis runs
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_3)  # IMG_0003: three stars
    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # IMG_0003 + IMG_0004 selected
    before = shown(window)
    selected = sorted(window.grid.target_ids())

    put_bursts(window)  # the analysis ends: two groups of 3 and 2 frames

    assert shown(window) == before  # nothing collapsed under the user
    assert current(window) == "IMG_0004.jpg" and sorted(window.grid.target_ids()) == selected
    offer = window.group_features.offer
    assert offer.isVisible() and offer.text() == "2 groups ready — show stacks (Shift+S)"

    key(qtbot, window, Qt.Key.Key_Left)  # back to IMG_0003 (inside the 3-frame burst)
    key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)  # the user asks for stacks
    assert shown(window) == ["IMG_0002.jpg", "IMG_0005.jpg", "IMG_0006.jpg", "IMG_0007.jpg", "IMG_0008.jpg",
                             "IMG_9999.jpg"]
    assert current(window) == "IMG_0002.jpg"  # the stack holding IMG_0003
    assert not offer.isVisible()
    assert "2 new groups stacked" in window.statusBar().currentMessage()
    window.grid.viewport().repaint()
    top = window.current_id()
    assert window.group_features.badges[top] == ("3", "1 pick · 1 ★3")  # decided inside, hidden frames

    put_bursts(window)  # regrouped with the same groups: stacks stay as they are, no new offer
    assert len(shown(window)) == 6 and not offer.isVisible()


def test_an_album_opened_with_its_groups_shows_stacks_from_the_start(qtbot, window, ctx, album):
    put_bursts(window)
    window.close()
    again = open_window(qtbot, ctx, album)
    try:
        assert len(shown(again)) == 6 and not again.group_features.offer.isVisible()
    finally:
        again.close()


def test_picks_filter_counts_what_it_shows_on_a_stack(qtbot, window):
    put_bursts(window)
    key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)  # stacks
    key(qtbot, window, Qt.Key.Key_P)  # IMG_0002, the burst's best frame, picked
    window.filter_bar.buttons["picks"].click()
    assert shown(window) == ["IMG_0002.jpg"]
    window.grid.viewport().repaint()
    features = window.group_features
    pid = window.current_id()
    assert not features.is_stack_cell(pid)  # one pick of three is not drawn as a stack of 3
    assert features.badges[pid] == ("1 of 3", "")
    assert window.grid.delegate.advice_texts.get(pid) is None


def test_a_banner_above_the_grid_does_not_move_the_photos_under_the_cursor(qtbot, ctx, tmp_path):
    window = open_window(qtbot, ctx, make_album(tmp_path / "shoot", n=24, broken=False))
    try:
        _banner_keeps_the_cursor_in_place(qtbot, window)
    finally:
        window.close()


def _banner_keeps_the_cursor_in_place(qtbot, window):
    qtbot.waitUntil(lambda: window.grid.verticalScrollBar().maximum() > 0, timeout=5000)
    for _ in range(12):  # down into the middle of the shoot
        key(qtbot, window, Qt.Key.Key_Right)
    QApplication.processEvents()
    grid = window.grid

    def cell_top():
        rect = grid.visualRect(grid.currentIndex())
        return grid.viewport().mapTo(window, QPoint(0, rect.top())).y()

    y = cell_top()
    window.notice.show_notice("Some model files are missing: a notice that takes a line or two")
    qtbot.waitUntil(lambda: window.notice.height() > 10, timeout=5000)
    QApplication.processEvents()
    assert abs(cell_top() - y) <= 1  # the current photo did not move on screen
    assert grid.viewport().rect().intersects(grid.visualRect(grid.currentIndex()))
    window.notice.hide()
    QApplication.processEvents()
    assert abs(cell_top() - y) <= 1
