"""The time-budget review counts a photo as seen only when it was on screen long enough to be
looked at (culler.core.review_seen, its rule said in the summary), and resumes exactly where the
user left after Backspace, Esc and R. Real keys, a hand-driven clock, a real album."""

from __future__ import annotations

from PySide6.QtCore import Qt

from culler.core.review_seen import RULE
from tests.ui.test_review_mode import BY_SCORE, clock, press, review_window, shown, start_review  # noqa: F401


def test_after_backspace_esc_and_r_the_review_resumes_on_the_photo_left(qtbot, review_window, clock):  # noqa: F811
    w = review_window
    plan = start_review(qtbot, w)
    clock.advance(plan.entries[0].seconds + 0.5)
    clock.advance(1.0)
    assert shown(w) == BY_SCORE[1]
    press(qtbot, w, Qt.Key.Key_Backspace)
    assert shown(w) == BY_SCORE[0]
    clock.advance(0.7)
    press(qtbot, w, Qt.Key.Key_Escape)
    assert w.current_view_id() == "grid"
    press(qtbot, w, Qt.Key.Key_R)
    assert w.current_view_id() == "review" and shown(w) == BY_SCORE[0]
    press(qtbot, w, Qt.Key.Key_Backspace)  # already the first photo: stays
    assert shown(w) == BY_SCORE[0]
    press(qtbot, w, Qt.Key.Key_Right)
    assert shown(w) == BY_SCORE[1]


def test_flicking_through_sweep_pages_with_return_counts_nothing_as_seen(qtbot, review_window, clock):  # noqa: F811
    w = review_window
    plan = start_review(qtbot, w, minutes=0.5)
    start = plan.sweep_start_index
    assert start is not None and start >= 2
    clock.advance(plan.entries[0].seconds + 0.01)  # the first photo had its time: looked at
    press(qtbot, w, Qt.Key.Key_P)  # the second is decided at once: deciding is looking
    while w.review.session is not None and w.review.session.index < start:
        press(qtbot, w, Qt.Key.Key_Return)  # the rest flicked past without a look
    assert w.review.session.in_sweep
    while w.review.session is not None:
        press(qtbot, w, Qt.Key.Key_Return)  # every sweep page too
    summary = w.session.store.review_summaries()[-1]
    assert summary["seen"] == 2 and summary["photos"] == len(plan.entries)
    page = w.review.screen.summary
    assert f"2 of {len(plan.entries)} photos seen" in page.totals.text()
    assert page.rule.isVisible() and page.rule.text() == RULE and "0.5 s on screen" in RULE


def test_summary_reads_scores_0_to_100_like_the_window(qtbot, review_window, clock):  # noqa: F811
    w = review_window
    plan = start_review(qtbot, w, minutes=1.0)
    clock.advance(plan.entries[0].seconds + 0.01)
    press(qtbot, w, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)  # end now
    page = w.review.screen.summary
    assert "Scored below 40" in page.answer.text() and "Scored 60 and above" in page.answer.text()
    assert "20–40" in page.history.text() and "0.2" not in page.history.text()
    assert "0.4" not in page.answer.text()
