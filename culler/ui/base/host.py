"""What the window offers the views and the features: the one declared interface between them.

A view or a feature is handed the window as a `ViewHost` / `FeatureHost` and asks only for what is
listed here; it never adds attributes to the window or writes into the window's collaborators
(the window wires the feature's parts into its grid and model itself, see window/main_window.py).

A feature (groups, review, export) is an object with the `Feature` shape: its own views, its own
actions, its menu entries (window/window_menus.py) and the checkable ones whose state it owns.
The window asks each one for them once, before the user's keymaps are applied and the menus are
built.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QItemSelectionModel, QSize


class ViewHost(Protocol):
    """What a photo view may ask of the window."""

    model: object  # PhotoListModel, shared by every view
    selection: QItemSelectionModel
    thumbnails: object  # Thumbnails
    pool: object  # DecodePool
    registry: object  # ActionRegistry

    def current_id(self) -> int | None: ...
    def set_current(self, photo_id: int | None, select: bool = True) -> None: ...
    def show_view(self, view_id: str) -> None: ...
    def show_message(self, text: str, msecs: int = 4000) -> None: ...
    def analyse_first(self, photo_ids: list[int]) -> None: ...  # the analysis takes these photos next


class FeatureHost(ViewHost, Protocol):
    """What a feature may ask of the window, on top of what a view may."""

    ctx: object  # AppContext: the user's folders
    previews: object  # Previews (loupe-size images)
    settings: object  # UiSettings
    decisions_changed: object  # Signal(list): photo ids whose decisions changed, on the GUI thread
    photos_shown: object  # Signal(): an album's photos are in the model (opened or rescanned)
    closing: object  # Signal(): the window is about to close the album and quit
    analysis_idle: object  # Signal(): the analysis run finished, was cancelled or failed (or will not run)

    def store(self): ...  # the open album's Store, or None
    def album_root(self) -> Path | None: ...
    def album_recursive(self) -> bool: ...  # whether the album includes subfolders
    def show_rescanned(self, store, photos: list) -> None: ...  # photos read again for `store`'s album
    def refresh_analysis(self) -> None: ...  # scores and groups changed in the store
    def analysis_running(self) -> bool: ...  # an analysis run is writing to the store
    def update_menu_check(self, action_id: str) -> None: ...  # a checkable entry changed state
    def current_view(self): ...
    def current_view_id(self) -> str | None: ...
    def help_visible(self) -> bool: ...
    def view_area_size(self) -> QSize: ...
    def set_filter_bar_visible(self, visible: bool) -> None: ...
    def add_view_panel(self, view_id: str, widget) -> None: ...  # a strip under that view's photos
    def add_filter_control(self, widget) -> None: ...  # a control in the filter bar (never takes focus)


class Feature(Protocol):
    """A feature package's entry object."""

    def views(self) -> list: ...  # PhotoViews to put in the window's view stack
    def register_actions(self, registry) -> None: ...  # its keys, each with its modes
    def checkable(self) -> dict[str, Callable[[], bool]]: ...  # action id -> is it on now (menus)
    def menu_items(self) -> dict[str, list]: ...  # "@Slot" or "&Menu" -> action ids (None: a separator)
