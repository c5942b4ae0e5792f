"""The main window: a stack of photo views over one shared model and selection, the filter bar,
the status bar (analysis progress, auto-advance), menus generated from the action registry, and
every key press routed through that registry by the one dispatcher (`eventFilter`), in the mode
of the view on screen.

It is the composition root of the window: it makes the features (groups, review, export), puts
their views in the stack, registers their actions and wires their parts into the grid and the
model; the features see it only as a `FeatureHost` (base/host.py). Album lifecycle (open, scan,
analysis, close) lives in album_session.py, decisions and undo in decisions.py; this module owns
the widgets and navigation.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from culler.core.filters import PhotoFilter
from culler.ui.album.album_session import AlbumSession
from culler.ui.album.photo_model import PhotoListModel
from culler.ui.base.actions import ActionRegistry, load_keymap
from culler.ui.base.qt_compat import protect_singletons
from culler.ui.base.settings import UiSettings
from culler.ui.critique.critique_features import CritiqueFeatures
from culler.ui.export.export_features import ExportFeatures
from culler.ui.groups.group_features import GroupFeatures
from culler.ui.imaging.decode_pool import DecodePool
from culler.ui.imaging.previews import Previews
from culler.ui.imaging.thumbnails import Thumbnails
from culler.ui.models.models_feature import ModelsFeature
from culler.ui.review.review_mode import ReviewView
from culler.ui.search.search_feature import SearchFeature
from culler.ui.taste.taste_feature import TasteFeature
from culler.ui.views.grid_view import GridView
from culler.ui.views.loupe_view import LoupeView
from culler.ui.views.photo_view import selected_count
from culler.ui.window.decisions import Decisions
from culler.ui.window.empty_state import EmptyState
from culler.ui.window.filter_bar import FilterBar
from culler.ui.window.help_overlay import HelpOverlay
from culler.ui.window.status_widgets import AnalysisStatus, NoticeBanner, ThumbSizeSlider
from culler.ui.window.window_actions import register_help_actions, register_window_actions, window_checkable
from culler.ui.window.window_menus import build_menus


class MainWindow(Decisions, QMainWindow):
    first_screen_painted = Signal()  # the first screen of thumbnails of an album is on screen
    analysis_idle = Signal()  # the analysis finished, was cancelled, failed, or will not run
    closing = Signal()  # the window is about to close the album and quit
    decisions_changed = Signal(list)  # photo ids, relayed from the album session (GUI thread)
    photos_shown = Signal()  # an album's photos are in the model (opened or rescanned)

    def __init__(self, ctx, signals: str = "all", keymap_files: list[Path] = (), recursive: bool = False,
                 analyse: bool | None = None) -> None:
        protect_singletons()  # before the thousands of Qt calls a session makes
        super().__init__()
        self.ctx = ctx
        self.setObjectName("mainWindow")
        self.setWindowTitle("culler")
        self.settings = UiSettings.load(ctx.config_dir)
        self.registry = ActionRegistry()
        self.pool = DecodePool(threads=2, parent=self)
        self.thumbnails = Thumbnails(self.pool, ctx.thumbnail_dir, parent=self)
        self.previews = Previews(self.pool, parent=self)
        self.model = PhotoListModel(self)
        self.selection = QItemSelectionModel(self.model, self)

        self.views: dict[str, QWidget] = {}
        self.stack = QStackedWidget(objectName="views")
        self.empty = EmptyState()
        self.empty.open_clicked.connect(self.choose_album)
        self.empty.recent_clicked.connect(lambda p: self.open_album(Path(p)))
        self.stack.addWidget(self.empty)
        self.grid = GridView(self)
        self.grid.open_requested.connect(lambda: self.show_view("loupe"))
        self.grid.first_screen_painted.connect(self.first_screen_painted)
        self.loupe = LoupeView(self, self.previews)
        self.add_view(self.grid)
        self.add_view(self.loupe)
        self.session = AlbumSession(ctx, self.model, self.current_id, signals=signals, recursive=recursive,
                                    analyse=self.settings.analyse_on_open if analyse is None else analyse,
                                    parent=self)

        self.filter_bar = FilterBar()
        self.filter_bar.filter_changed.connect(self.set_filter)
        self.notice = NoticeBanner()
        central = QWidget(objectName="central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.help = HelpOverlay(self.registry, central)

        self.analysis_status = AnalysisStatus()
        self.analysis_status.cancel_clicked.connect(self.cancel_analysis)
        self.selection_label = QLabel(objectName="selectionLabel")
        self.auto_label = QLabel("AUTO-ADVANCE", objectName="autoAdvance")
        self.auto_label.setToolTip("Caps Lock: move to the next photo after each decision")
        status = self.statusBar()
        status.addPermanentWidget(self.selection_label)
        status.addPermanentWidget(self.analysis_status)
        status.addPermanentWidget(self.auto_label)
        status.addPermanentWidget(ThumbSizeSlider(self.grid, self.settings))
        self.model.set_sort(self.settings.sort)
        self.auto_label.setVisible(self.settings.auto_advance)

        register_window_actions(self.registry, self)
        self.group_features = GroupFeatures(self)  # stacks, group keys, compare, survey
        self.review = ReviewView(self)  # R: time-budget review
        self.export_features = ExportFeatures(self)  # export, undo export, rejects, live sidecars
        self.models = ModelsFeature(self)  # File › AI models…, the missing-models banner
        self.add_filter_control(self.models.banner)  # on the features' row: never moves the photos
        self.features = (self.group_features, self.review, self.export_features, self.models, TasteFeature(self),
                         SearchFeature(self), CritiqueFeatures(self))  # V: ask a vision-language model
        self.checkable = window_checkable(self)
        for feature in self.features:
            for view in feature.views():
                self.add_view(view)
            feature.register_actions(self.registry)
            self.checkable.update(feature.checkable())
        register_help_actions(self.registry, self)
        self.model.set_stacks(self.group_features.stacks)
        self.grid.set_decoration(self.group_features)
        self.session.other_writer = self.group_features.regrouping  # one writer to the store at a time
        self.group_features.regroup_idle.connect(self.session.writer_idle)
        for path in [Path(ctx.config_dir) / "keymap.json", *map(Path, keymap_files)]:
            self.registry.apply_keymap(load_keymap(path))
        if self.registry.refused:
            self.notice.show_notice("Some keymap entries were not used, they would put two actions on one key: "
                                    + escape("; ".join(self.registry.refused), quote=False))
        self.menu_actions: dict[str, QAction] = build_menus(self)

        self._connect_session(self.session)
        self.model.counts_changed.connect(self._update_counts)
        self.model.modelReset.connect(self._update_counts)
        self.model.layoutChanged.connect(self._update_counts)
        self.selection.selectionChanged.connect(self._update_selection_label)
        QApplication.instance().installEventFilter(self)
        self.filter_bar.setEnabled(False)
        self.empty.show_empty(self.settings.recent_albums)
        self.resize(1400, 900)

    # -- views
    def add_view(self, view) -> None:
        """Put a PhotoView in the stack; its actions are registered by its own module."""
        self.views[view.view_id] = view
        self.stack.addWidget(view)

    def current_view(self):
        widget = self.stack.currentWidget()
        return widget if widget in self.views.values() else None

    def current_view_id(self) -> str | None:
        view = self.current_view()
        return view.view_id if view is not None else None

    def show_view(self, view_id: str) -> None:
        if self.model.state is None or view_id not in self.views:
            return
        new, old = self.views[view_id], self.current_view()
        if new is old:
            new.activate()
            return
        if self.current_id() is None and self.model.rowCount():
            self.set_current(self.model.id_at(0))
        if old is not None:
            old.deactivate()
        self.stack.setCurrentWidget(new)
        new.activate()

    def show_empty(self, loading: Path | None = None) -> None:
        current = self.current_view()
        if current is not None:
            current.deactivate()
        if loading is not None:
            self.empty.show_loading(loading)
        else:
            self.empty.show_empty(self.settings.recent_albums)
        self.stack.setCurrentWidget(self.empty)

    def toggle_loupe(self) -> None:
        self.show_view("grid" if self.current_view_id() == "loupe" else "loupe")

    def toggle_zoom(self) -> None:
        view = self.current_view()
        if view is not None and view.zoomable:
            view.toggle_zoom()

    def go_back(self) -> None:
        view = self.current_view()
        if self.help.isVisible():
            self.help.hide()
        elif view is not None and view.is_zoomed():
            view.toggle_zoom()
        elif self.current_view_id() not in (None, "grid"):
            self.show_view("grid")

    def mode(self) -> str:
        """The key mode of the window itself: the view on screen (grid when none is)."""
        return self.current_view_id() or "grid"

    def toggle_help(self) -> None:
        self.help.toggle()

    # -- current photo and moving
    def current_id(self) -> int | None:
        index = self.selection.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def set_current(self, photo_id: int | None, select: bool = True) -> None:
        index = self.model.index_of(photo_id)
        if not index.isValid():
            return
        flag = QItemSelectionModel.SelectionFlag
        flags = flag.ClearAndSelect if select else flag.NoUpdate
        self.selection.setCurrentIndex(index, flags)
        if self.current_view_id() == "grid":
            self.grid.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def move(self, step: str) -> None:
        view = self.current_view()
        if view is None or not self.model.rowCount():
            return
        if self.current_id() is None:
            self.set_current(self.model.id_at(0))
            return
        view.move(step)

    def select_all(self) -> None:
        self.grid.selectAll()

    # -- filters
    def set_filter(self, photo_filter: PhotoFilter) -> None:
        if photo_filter != self.filter_bar.current():
            self.filter_bar.set_filter(photo_filter)  # re-enters through filter_changed
            return
        current = self.current_id()
        self.model.set_filter(photo_filter)
        if self.model.row_of(current) < 0 and self.model.rowCount():
            self.set_current(self.model.id_at(0))
        self._update_counts()
        view = self.current_view()
        if view is not None:
            view.activate()

    def _update_counts(self) -> None:
        self.filter_bar.set_counts(self.model.counts(), self.model.rowCount())
        self._update_selection_label()

    def _update_selection_label(self, *_args) -> None:
        n = selected_count(self.selection)
        self.selection_label.setText(f"{n:,} selected" if n > 1 else "")

    # -- album (the session's signals drive the widgets)
    def _connect_session(self, session: AlbumSession) -> None:
        session.decisions_changed.connect(self.decisions_changed)
        session.photos_shown.connect(self.photos_shown)
        session.loading.connect(self._album_loading)
        session.open_failed.connect(lambda: self.show_empty())
        session.state_ready.connect(self._show_state)
        session.message.connect(self.show_message)
        session.notice.connect(self.notice.show_notice)
        session.progress.connect(self.analysis_status.show_progress)
        session.models_status.connect(self.models.show_status)
        session.analysis_failed.connect(self.analysis_status.show_failure)
        session.analysis_stopping.connect(self._analysis_stopping)
        session.idle.connect(self.analysis_idle)
        session.closed.connect(self.analysis_status.hide)
        self.grid.first_screen_painted.connect(session.first_screen_painted)

    def _album_loading(self, root: Path) -> None:
        self.setWindowTitle(f"{root.name} — culler")
        self.show_empty(loading=root)
        self.settings.add_recent(root)

    def _show_state(self, state, remembered: int | None, first: bool) -> None:
        """The album's photos (opened, rescanned or changed on disk) into the model and the views."""
        keep = remembered if first else self.current_id()
        if first:
            self.thumbnails.set_album(state.root, state.photos)
        else:
            self.thumbnails.update_photos(state.photos)
        self.previews.set_album(state.root, state.photos)
        self.model.set_state(state)
        self.filter_bar.setEnabled(True)
        if self.model.rowCount():
            self.set_current(keep if self.model.row_of(keep) >= 0 else self.model.id_at(0))
        view = self.current_view()
        if view is None:
            self.show_view("grid")
        else:
            view.activate()
        if first:
            self.grid.expect_first_screen()

    def _analysis_stopping(self) -> None:
        self.analysis_status.cancel.setEnabled(False)
        self.show_message("Stopping the analysis after the current photo…")

    def choose_album(self) -> None:
        start = str(self.session.album_root or (self.settings.recent_albums or [str(Path.home())])[0])
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of photos", start)
        if folder:
            self.open_album(Path(folder))

    def open_album(self, root: Path) -> None:
        self.session.open(Path(root))

    def start_analysis(self) -> None:
        self.session.start_analysis()

    def cancel_analysis(self) -> None:
        self.session.cancel_analysis()

    def analysis_running(self) -> bool:
        return self.session.analysis_running()

    def show_message(self, text: str, msecs: int = 4000) -> None:
        self.statusBar().showMessage(text, msecs)

    # -- FeatureHost (base/host.py): what the features may ask of the window
    def store(self):
        return self.session.store

    def album_root(self) -> Path | None:
        return self.session.album_root

    def album_recursive(self) -> bool:
        return self.session.recursive

    def show_rescanned(self, store, photos: list) -> None:
        if store is self.session.store:  # the album is still open
            self.session.show_photos(photos)

    def refresh_analysis(self) -> None:
        self.session.refresh_analysis()

    def analyse_first(self, photo_ids: list[int]) -> None:
        self.session.analyse_first(photo_ids)

    def help_visible(self) -> bool:
        return self.help.isVisible()

    def view_area_size(self) -> QSize:
        return self.stack.size()

    def set_filter_bar_visible(self, visible: bool) -> None:
        self.filter_bar.setVisible(visible)

    def add_view_panel(self, view_id: str, widget) -> None:
        self.views[view_id].add_panel(widget)

    def add_filter_control(self, widget) -> None:
        self.filter_bar.add_control(widget)

    def update_menu_check(self, action_id: str) -> None:
        action, is_on = self.menu_actions.get(action_id), self.checkable.get(action_id)
        if action is not None and is_on is not None and action.isChecked() != is_on():
            action.setChecked(is_on())

    # -- Qt events
    def eventFilter(self, obj, event) -> bool:
        """The one key dispatcher: every key press in the window goes to the registry, in the
        window's mode, unless the help overlay is open or a text field has the keyboard."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(obj, QWidget):
            return False
        top = obj.window()
        if top is not self:  # one of the window's dialogs has the keyboard: only "dialog" actions
            owner = top.parentWidget()
            if not isinstance(top, QDialog) or owner is None or owner.window() is not self:
                return False
            return not isinstance(obj, (QLineEdit, QAbstractSpinBox)) and self.registry.dispatch(event, "dialog")
        if self.help.isVisible():
            if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Question):
                self.help.hide()
            return True
        if isinstance(QApplication.focusWidget(), (QLineEdit, QAbstractSpinBox)):
            return False
        return self.registry.dispatch(event, self.mode())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.help.isVisible():
            self.help.setGeometry(self.help.parentWidget().rect())

    def closeEvent(self, event) -> None:
        QApplication.instance().removeEventFilter(self)
        self.closing.emit()
        self.session.close()
        self.pool.shutdown(wait=True)  # daemon threads killed inside Qt calls at exit abort the process
        super().closeEvent(event)

