"""The small interface every photo view implements (grid, loupe; later compare, survey, review),
and what a view may ask of the window that hosts it.

Adding a view: subclass a QWidget and `PhotoView`, give it `view_id` and `title`, write a
`register_actions(registry, host)` for its keys, and pass it to `MainWindow.add_view`. All views
share one PhotoListModel and one selection model, so switching views keeps the current photo.
"""

from __future__ import annotations

from typing import Protocol

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


class ViewHost(Protocol):
    """What the main window offers its views."""

    model: object  # PhotoListModel
    selection: QItemSelectionModel
    thumbnails: object  # Thumbnails
    pool: object  # DecodePool
    registry: object  # ActionRegistry

    def current_id(self) -> int | None: ...
    def set_current(self, photo_id: int | None, select: bool = True) -> None: ...
    def show_view(self, view_id: str) -> None: ...
    def show_message(self, text: str, msecs: int = 4000) -> None: ...


class PhotoView:
    """Mixin for a QWidget shown in the window's view stack."""

    view_id = "view"
    title = "View"

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
