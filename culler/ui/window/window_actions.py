"""The window's own actions (decisions, moves, views, sort and thumbnail size, filters, edit,
album), registered once with their default keys and the modes in which those keys are live.
Features (groups, review, export) register their own actions the same way; the registry refuses
two actions on one key in one mode.
"""

from __future__ import annotations

from culler.core.album_state import SORTS
from culler.core.filters import FLAG_FILTERS, PhotoFilter
from culler.core.records import LABELS
from culler.ui.base.actions import VIEW_MODES, WINDOW_MODES, ActionRegistry

LABEL_KEYS = {"6": "Red", "7": "Yellow", "8": "Green", "9": "Blue"}
# Lightroom turns the library filters off and on again with Ctrl+L; the flag filters take the
# decision keys with Ctrl+Alt, the rating filters the digits with Ctrl+Alt (0: any rating).
FILTER_KEYS = {"all": "Ctrl+Alt+A", "picks": "Ctrl+Alt+P", "rejects": "Ctrl+Alt+X", "unflagged": "Ctrl+Alt+U"}
SORT_KEYS = {"time": "Ctrl+Shift+T", "name": "Ctrl+Shift+N", "score": "Ctrl+Shift+S"}  # Ctrl+Alt+T: a terminal
SORT_WORDS = {"time": "Sorted by capture time (photos without EXIF time by their file's time)",
              "name": "Sorted by file name", "score": "Sorted by score, best first (not yet scored last)"}

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
    r("view.larger", "Larger thumbnails", ["Ctrl++", "Ctrl+=", "="], lambda: w.grid.grow_cells(1),
      section="View", enabled_when=has_album, repeatable=True, modes={"grid"})
    r("view.smaller", "Smaller thumbnails", ["Ctrl+-", "-"], lambda: w.grid.grow_cells(-1),
      section="View", enabled_when=has_album, repeatable=True, modes={"grid"})
    for sort, words in SORTS.items():
        r(f"sort.{sort}", f"Sort by {words.lower()}", [SORT_KEYS[sort]], lambda sort=sort: set_sort(w, sort),
          section="View", enabled_when=has_album)

    for name in FLAG_FILTERS:
        r(f"filter.{name}", f"Show {name}", [FILTER_KEYS[name]],
          lambda name=name: w.set_filter(w.model.filter.with_(flag=name)), section="Filter", enabled_when=has_album)
    for n in range(6):
        r(f"filter.rated_{n}", "Any rating" if n == 0 else f"Rated {'★' * n}{' or more' if n < 5 else ''}",
          [f"Ctrl+Alt+{n}"], lambda n=n: w.set_filter(w.model.filter.with_(min_rating=n)), section="Filter",
          enabled_when=has_album)
    before_clear = []  # the filter Ctrl+L turned off, to turn it back on

    def toggle_filters() -> None:
        if not w.model.filter.is_all:
            before_clear[:] = [w.model.filter]
            w.set_filter(PhotoFilter())
            w.show_message("Filters off (Ctrl+L turns them back on)")
        elif before_clear:
            w.set_filter(before_clear.pop())
            w.show_message(f"Filters on: {w.model.filter.describe()}")
        else:
            w.show_message("No filter is on")

    r("filter.clear", "Filters off / back on", ["Ctrl+L"], toggle_filters, section="Filter", enabled_when=has_album)

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


def set_sort(w, sort: str) -> None:
    """Order the grid (and the loupe's steps) by `sort`, remembered for the next albums."""
    w.model.set_sort(sort)
    w.settings.sort = sort
    w.settings.save()
    if w.current_view_id() == "grid":
        w.grid.activate()  # the current photo stays in view
    for other in SORTS:
        w.update_menu_check(f"sort.{other}")
    w.show_message(SORT_WORDS[sort])


def window_checkable(w) -> dict:
    """The window's own checkable menu entries: action id -> whether it is on now."""
    checks = {f"sort.{sort}": (lambda sort=sort: w.model.sort == sort) for sort in SORTS}
    checks["mode.auto_advance"] = lambda: w.settings.auto_advance
    return checks


def register_help_actions(registry: ActionRegistry, w) -> None:
    """Help comes last in the View section of the overlay, after the features' views."""
    registry.register("help.show", "Keyboard help", ["?"], w.toggle_help, section="View")
    registry.register("help.about", "About culler and its licences", [], lambda: _show_about(w), section="View")


def _show_about(w) -> None:
    from culler.ui.window.about import show_about  # reads every library's metadata: only when asked

    show_about(w)
