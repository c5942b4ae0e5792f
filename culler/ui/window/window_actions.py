"""The window's own actions (decisions, moves, views, edit, album), registered once with their
default keys and the modes in which those keys are live. Features (groups, review, export)
register their own actions the same way; the registry refuses two actions on one key in one mode.
"""

from __future__ import annotations

from culler.core.filters import FLAG_FILTERS, PhotoFilter
from culler.core.records import LABELS
from culler.ui.base.actions import VIEW_MODES, WINDOW_MODES, ActionRegistry

LABEL_KEYS = {"6": "Red", "7": "Yellow", "8": "Green", "9": "Blue"}

# In the survey the digits 1-9 choose frames; decisions there are P X U and 0.
NOT_SURVEY = WINDOW_MODES - {"survey"}


def register_window_actions(registry: ActionRegistry, w) -> None:
    """Register the actions of MainWindow `w` (decisions, moves, views, edit, album)."""
    has_album = lambda: w.model.state is not None  # noqa: E731
    r = registry.register

    r("flag.pick", "Pick", ["P"], lambda: w.decide(flag="pick"), section="Decide", enabled_when=has_album)
    r("flag.reject", "Reject", ["X"], lambda: w.decide(flag="reject"), section="Decide", enabled_when=has_album)
    r("flag.unflag", "Unflag", ["U"], lambda: w.decide(flag="none"), section="Decide", enabled_when=has_album)
    for n in range(6):
        r(f"rating.{n}", "Clear rating" if n == 0 else f"Rate {'★' * n}", [str(n)],
          lambda n=n: w.decide(rating=n), section="Decide", enabled_when=has_album,
          modes=WINDOW_MODES if n == 0 else NOT_SURVEY)
    keys = {label: key for key, label in LABEL_KEYS.items()}
    for label in LABELS:
        r(f"label.{label.lower()}", f"{label} label (again to clear)", [keys[label]] if label in keys else [],
          lambda label=label: w.toggle_label(label), section="Decide", enabled_when=has_album, modes=NOT_SURVEY)
    r("mode.auto_advance", "Auto-advance after a decision (toggle)", ["CapsLock"], w.toggle_auto_advance,
      section="Decide")

    moves = {"next": ("Next photo", "Right"), "prev": ("Previous photo", "Left"),
             "up": ("Row up", "Up"), "down": ("Row down", "Down"),
             "first": ("First photo", "Home"), "last": ("Last photo", "End")}
    for step, (label, key) in moves.items():
        r(f"nav.{step}", label, [key], lambda step=step: w.move(step), repeatable=True, section="Move",
          enabled_when=has_album)

    r("view.grid", "Grid", ["G"], lambda: w.show_view("grid"), section="View", enabled_when=has_album)
    r("view.loupe", "Loupe (again: back to the grid)", ["E", "Space"], w.toggle_loupe, section="View",
      enabled_when=has_album, modes=VIEW_MODES)
    r("view.zoom", "Zoom 100 % at the cursor (loupe; compare: both sides)", ["Z"], w.toggle_zoom, section="View",
      enabled_when=lambda: getattr(w.current_view(), "zoomable", False), modes={"loupe", "compare"})
    r("view.back", "Back: unzoom, close help, loupe to grid", ["Esc"], w.go_back, section="View",
      modes=VIEW_MODES)
    for name in FLAG_FILTERS:
        r(f"filter.{name}", f"Show {name}", [], lambda name=name: w.set_filter(w.model.filter.with_(flag=name)),
          section="Filter", enabled_when=has_album)
    r("filter.clear", "Show all photos (clear filters)", [], lambda: w.set_filter(PhotoFilter()),
      section="Filter", enabled_when=has_album)

    r("edit.undo", "Undo", ["Ctrl+Z"], w.undo, repeatable=True, section="Edit", enabled_when=has_album)
    r("edit.redo", "Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], w.redo, repeatable=True, section="Edit",
      enabled_when=has_album)
    r("edit.select_all", "Select all (grid)", ["Ctrl+A"], w.select_all, section="Edit",
      enabled_when=lambda: w.current_view_id() == "grid")

    r("album.open", "Open folder…", ["Ctrl+O"], w.choose_album, section="Album")
    r("analysis.start", "Analyse now", [], w.start_analysis, section="Album", enabled_when=has_album)
    r("analysis.cancel", "Cancel the analysis", [], w.cancel_analysis, section="Album",
      enabled_when=lambda: w.analysis_running())
    r("app.quit", "Quit", ["Ctrl+Q"], w.close, section="Album")


def register_help_actions(registry: ActionRegistry, w) -> None:
    """Help comes last in the View section of the overlay, after the features' views."""
    registry.register("help.show", "Keyboard help", ["?"], w.toggle_help, section="View")
    registry.register("help.about", "About culler and its licences", [], lambda: _show_about(w), section="View")


def _show_about(w) -> None:
    from culler.ui.window.about import show_about  # reads every library's metadata: only when asked

    show_about(w)
