"""The review's keys win over the window's while the review is on screen.

The window dispatches every key press through its action registry from an application event
filter; the review needs Space, Esc, arrows and Return to mean something else for a while. This
filter is installed while the review view is active — Qt asks the newest application filter
first — and runs, in order: the enabled `review.*` actions bound to the key (so keymaps apply),
then the window's decision actions (flag.*, rating.*, label.*) followed by moving on, then the
window's moves (nav.*) as review moves. Anything else goes on to the window untouched.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QWidget

from culler.ui.base.actions import event_key

DECISION_PREFIXES = ("flag.", "rating.", "label.")


class ReviewKeys(QObject):
    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        view = self.view
        host = view.host
        if obj is host and event.type() == QEvent.Type.Close:
            view.save()  # the window is closing: keep the exact position
            return False
        if event.type() != QEvent.Type.KeyPress or not isinstance(obj, QWidget) or obj.window() is not host:
            return False
        if host.help.isVisible() or not view.is_current():
            return False
        if isinstance(QApplication.focusWidget(), (QLineEdit, QAbstractSpinBox)):
            return False
        key = event_key(event)
        if key is None:
            return False
        registry = host.registry
        for action in registry.actions():
            if action.id.startswith("review.") and key in action.keys and action.enabled:
                if not (event.isAutoRepeat() and not action.repeatable):
                    action.handler()
                return True
        action = registry.for_key(key)
        if action is None or not view.running():
            return False
        if action.id.startswith(DECISION_PREFIXES):
            if not event.isAutoRepeat():  # holding X rejects one photo, not a run of them
                view.decide_with(action.handler)
            return True
        if action.id.startswith("nav."):
            view.move(action.id.split(".", 1)[1])
            return True
        return False
