"""Decisions readable at a glance and one score scale (issue 15, findings 4 and 6): a pick is
framed, a decision replaces the suggestion badge, a suggestion that its 0-100 score contradicts
says why. Real keys on a real album and Store; what the tiles show is read back from the paint."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from culler.core.records import GroupRow
from culler.ui.base import theme
from tests.ui.test_groups_ui import key


def ids(window):
    return {window.model.state.name(i): i for i in window.model.state.order}


def paint(window):
    window.grid.viewport().repaint()
    return window.grid.viewport().grab().toImage()


def test_a_pick_is_framed_and_a_decision_replaces_the_suggestion(qtbot, window):
    by_name = ids(window)
    a, b = by_name["IMG_0001.jpg"], by_name["IMG_0002.jpg"]
    store = window.session.store
    store.put_groups([GroupRow(a, "g", 2, 1, "pick", ["sharpest of 2"], "burst"),
                      GroupRow(b, "g", 2, 2, "reject", ["blurred"], "burst")])
    window.session.refresh_analysis()
    delegate = window.grid.delegate
    paint(window)
    assert delegate.advice_texts[a] == "pick?" and delegate.advice_texts[b] == "reject?"

    key(qtbot, window, Qt.Key.Key_X)  # the user rejects the suggested pick
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_P)  # and picks the suggested reject
    key(qtbot, window, Qt.Key.Key_Right)  # neither is selected now: plain cells
    image = paint(window)
    assert delegate.advice_texts[a] is None and delegate.advice_texts[b] is None

    def left_edge(photo_id):
        rect = delegate.image_rects[photo_id]
        return QColor(image.pixel(int(rect.left()) - 2, int(rect.center().y())))

    assert left_edge(b) == theme.PICK_FRAME  # the pick's frame, visible at any tile size
    assert left_edge(a) != theme.PICK_FRAME  # a reject is dimmed, not framed


def test_a_reject_next_to_a_high_score_says_why(qtbot, window):
    by_name = ids(window)
    white, dark = by_name["IMG_0003.jpg"], by_name["IMG_0004.jpg"]
    store = window.session.store
    store.put_scores({white: (0.69, 0.8), dark: (0.12, 0.8)})
    store.put_groups([GroupRow(white, "s3", 1, 1, "reject", ["almost entirely white", "97 % highlights clipped"],
                               "single"),
                      GroupRow(dark, "s4", 1, 1, "reject", ["almost entirely black"], "single")])
    window.session.refresh_analysis()
    delegate = window.grid.delegate
    paint(window)
    assert delegate.advice_texts[white].startswith("reject? almost")  # 69 and reject: the reason is shown
    assert delegate.advice_texts[dark] == "reject?"  # 12 agrees with it
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_E)  # the loupe: the same 0-100 score as the tile
    assert "score 69" in window.loupe.advice_label.text()
