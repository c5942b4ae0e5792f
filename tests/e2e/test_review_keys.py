"""A time-budget review by keyboard only, across a restart: R, type the minutes, Return; decide,
pause, ask for more time, go back; Esc; quit; reopen; R resumes at the same photo with the same
time left; the clock runs out; the summary is stored; the next R remembers the settings and only
offers what is still unreviewed."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from culler.ui.review.review_clock import ManualClock
from tests.ui.album_factory import copy_album, make_album, make_ctx, open_window

SCORES = {"IMG_0001.jpg": 0.30, "IMG_0002.jpg": 0.95, "IMG_0003.jpg": 0.10, "IMG_0004.jpg": 0.70,
          "IMG_0005.jpg": 0.85, "IMG_0006.jpg": 0.45}
BY_SCORE = sorted(SCORES, key=SCORES.get, reverse=True)


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or window.current_view() or window, key, modifier)


def shown(window) -> str:
    return window.model.state.name(window.review.session.shown_id())


def decision(window, name):
    state = window.model.state
    return window.session.store.decision(next(i for i in state.order if state.name(i) == name))


def test_review_by_keyboard_survives_a_restart(qtbot, tmp_path_factory, tmp_path):
    album = copy_album(make_album(tmp_path_factory.mktemp("template") / "a", n=6), tmp_path / "shoot")
    ctx = make_ctx(tmp_path / "home")
    window = open_window(qtbot, ctx, album)
    clock = ManualClock()
    window.review.set_clock(clock)
    state = window.model.state
    window.session.store.put_scores({i: (SCORES[state.name(i)], 0.8) for i in state.order
                                     if state.name(i) in SCORES})
    window.session.refresh_analysis()

    press(qtbot, window, Qt.Key.Key_R)
    dialog = window.review.setup_dialog
    dialog.minutes.setFocus()
    dialog.minutes.selectAll()
    qtbot.keyClicks(dialog.minutes, "2")
    assert "total 2 min" in dialog.plan_label.text() and "7 photos" in dialog.plan_label.text()
    qtbot.keyClick(dialog.minutes, Qt.Key.Key_Return)  # the default button: start
    assert window.current_view_id() == "review" and shown(window) == BY_SCORE[0]
    assert not window.filter_bar.isVisible()  # the photo fills the window

    press(qtbot, window, Qt.Key.Key_P)
    clock.advance(2.0)
    press(qtbot, window, Qt.Key.Key_X)  # the second best: rejected, on to the third
    assert decision(window, BY_SCORE[1]).flag == "reject" and shown(window) == BY_SCORE[2]
    press(qtbot, window, Qt.Key.Key_Plus)
    press(qtbot, window, Qt.Key.Key_Space)
    clock.advance(10.0)
    press(qtbot, window, Qt.Key.Key_Space)
    press(qtbot, window, Qt.Key.Key_Backspace)
    assert shown(window) == BY_SCORE[1]
    press(qtbot, window, Qt.Key.Key_U)  # second thoughts
    assert decision(window, BY_SCORE[1]).flag == "none" and shown(window) == BY_SCORE[2]
    clock.advance(1.5)
    left = window.review.session.left_here()
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.current_view_id() == "grid"
    window.close()

    again = open_window(qtbot, ctx, album)
    try:
        again.review.set_clock(ManualClock())
        press(qtbot, again, Qt.Key.Key_R)
        assert again.review.setup_dialog is None and shown(again) == BY_SCORE[2]
        assert again.review.session.left_here() == pytest.approx(left, abs=0.01)
        press(qtbot, again, Qt.Key.Key_3)
        assert decision(again, BY_SCORE[2]).rating == 3
        again.review.clock.advance(200.0)  # nobody touches the keyboard: the clock runs out
        assert again.review.screen.on_summary()
        stored = again.session.store.review_summaries()
        assert len(stored) == 1 and stored[0]["photos"] == 7 and stored[0]["seen"] == 7
        assert stored[0]["picks"] == 1 and stored[0]["rejects"] == 0
        # deciding early saves time: the review ends sooner, never later
        assert 10.0 < stored[0]["seconds_spent"] < 120.0 and stored[0]["over_budget_seconds"] == 0
        lines = (ctx.data_dir / "review_history.jsonl").read_text().splitlines()
        assert [json.loads(line)["picks"] for line in lines] == [1]
        press(qtbot, again, Qt.Key.Key_Escape)
        assert again.current_view_id() == "grid"

        press(qtbot, again, Qt.Key.Key_R)
        dialog = again.review.setup_dialog
        assert dialog is not None and dialog.minutes.value() == 2.0 and dialog.scope_key() == "unreviewed"
        assert "5 photos" in dialog.plan_label.text()  # the pick and the 3 stars are reviewed now
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert again.current_view_id() == "grid"
    finally:
        again.close()
