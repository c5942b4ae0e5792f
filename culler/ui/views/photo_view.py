"""The small interface every photo view implements (grid, loupe, compare, survey, review).

Adding a view: subclass a QWidget and `PhotoView`, give it `view_id` and `title` (its id is also
its key mode, see base/actions.py), and return it from its feature's `views()` (or, for the
window's own grid and loupe, pass it to `MainWindow.add_view`). All views share one
PhotoListModel and one selection model, so switching views keeps the current photo. What a view
may ask of the window is `culler.ui.base.host.ViewHost`.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel

MOVES = ("next", "prev", "up", "down", "first", "last")


def selected_rows(selection: QItemSelectionModel) -> list[int]:
    """Selected rows in order, read from the selection's ranges (selectedIndexes() builds one
    Python object per selected photo: half a second for 10,000)."""
    rows: set[int] = set()
    for r in selection.selection():
        rows.update(range(r.top(), r.bottom() + 1))
    return sorted(rows)


def selected_count(selection: QItemSelectionModel) -> int:
    return len(selected_rows(selection))


class PhotoView:
    """Mixin for a QWidget shown in the window's view stack."""

    view_id = "view"
    title = "View"
    zoomable = False  # Z (view.zoom) works here

    def activate(self) -> None:
        """The view became visible: show the current photo and take keyboard focus."""

    def deactivate(self) -> None:
        """Another view is shown: drop pending work."""

    def target_ids(self) -> list[int]:
        """The photos a decision key applies to in this view."""
        raise NotImplementedError

    def move(self, step: str) -> None:
        """Move the current photo: one of MOVES."""
        raise NotImplementedError

    def is_zoomed(self) -> bool:
        """Zoomed in (Esc zooms out before it leaves the view)."""
        return False

    def toggle_zoom(self) -> None:
        """Z: 100 % at the cursor, or back to fit (zoomable views)."""

    def add_panel(self, widget) -> None:
        """Put a feature's strip (keyword suggestions, a critique, ...) under the view's photos;
        the view's own layout is vertical, so the strip takes its natural height."""
        self.layout().addWidget(widget)

    def decide_with(self, apply) -> None:
        """Run `apply`, which saves a decision on `target_ids()`; a view that moves on after a
        decision in its own way (the review) wraps it."""
        apply()
