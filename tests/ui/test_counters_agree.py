"""Counters that agree (issue 15, finding 7) and a survey laid out whole: the loupe says where a
photo is among the grid's cells and among the photos the filter counts; the arrows say once that
they skip a collapsed stack's frames; "group k of n" says when the filter shows fewer groups than
the album has; a survey of 3 frames centres its last row instead of leaving a cell empty."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_groups_ui import current, key, put_bursts, stack
from tests.ui.test_ui_window import plain_text


def test_the_loupe_counts_cells_and_photos_and_says_it_skips_a_stacks_frames(qtbot, window):
    key(qtbot, window, Qt.Key.Key_E)
    assert plain_text(window.loupe.name_label.text()).endswith("IMG_0001.jpg 1 of 9")
    key(qtbot, window, Qt.Key.Key_G)
    put_bursts(window)
    stack(qtbot, window)  # 9 photos in 6 cells
    key(qtbot, window, Qt.Key.Key_Home)
    key(qtbot, window, Qt.Key.Key_E)
    assert "1 of 6 in the grid · photo 2 of 9" in plain_text(window.loupe.name_label.text())
    assert window.filter_bar.buttons["all"].text().endswith("9")  # the same 9 as the filter bar

    key(qtbot, window, Qt.Key.Key_Right)  # from the burst's best frame to the next cell
    assert current(window) == "IMG_0005.jpg"
    assert "skip the 2 other frames of a collapsed stack" in window.statusBar().currentMessage()
    window.statusBar().clearMessage()
    key(qtbot, window, Qt.Key.Key_Right)  # said once, not at every stack
    assert window.statusBar().currentMessage() == ""
    assert "3 of 6 in the grid · photo 6 of 9" in plain_text(window.loupe.name_label.text())


def test_group_counts_say_when_the_filter_shows_fewer_groups(qtbot, window):
    put_bursts(window)  # every frame still shows
    key(qtbot, window, Qt.Key.Key_Home)
    for _ in range(3):
        key(qtbot, window, Qt.Key.Key_Right)
    for _ in range(3):  # IMG_0004 and IMG_0005 (the second group) and the single IMG_0006
        key(qtbot, window, Qt.Key.Key_P)
        key(qtbot, window, Qt.Key.Key_Right)
    stack(qtbot, window)
    window.filter_bar.buttons["picks"].click()
    key(qtbot, window, Qt.Key.Key_End)
    key(qtbot, window, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert current(window) == "IMG_0005.jpg"
    assert "group 1 of 1 shown (2 in the album)" in window.statusBar().currentMessage()


def test_a_survey_of_three_frames_leaves_no_empty_cell(qtbot, window):
    window.resize(1000, 1000)  # a square view: two frames above one
    put_bursts(window)
    stack(qtbot, window)
    key(qtbot, window, Qt.Key.Key_N)  # the 3-frame burst
    survey = window.group_features.survey
    tiles = survey.tiles()
    assert len(tiles) == 3 and len({round(t.top()) for t in tiles}) == 2
    middle = survey.rect().center().x()
    rows: dict[int, list] = {}
    for tile in tiles:
        rows.setdefault(round(tile.top()), []).append(tile)
    for row in rows.values():  # every row, the last one too, centred: no empty cell beside a frame
        assert abs((min(t.left() for t in row) + max(t.right() for t in row)) / 2 - middle) <= 1
    key(qtbot, window, Qt.Key.Key_2)  # the top right frame
    key(qtbot, window, Qt.Key.Key_Down)  # down reaches the frame below, though no cell is under it
    assert survey.active == survey.ids[2]
