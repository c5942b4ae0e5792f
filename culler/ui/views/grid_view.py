"""The thumbnail grid: a virtualised QListView (icon mode, uniform cells, batched layout) over the
shared photo model. It asks for the thumbnails of the visible rows first, then a screen ahead
and behind; scrolling supersedes the request. Decisions apply to every selected photo. The cell
width (thumbnail size) changes with Ctrl+wheel, the View menu's keys and the status bar's slider.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView

from culler.ui.base.settings import THUMB_SIZES
from culler.ui.views.grid_delegate import CELL_H, CELL_W, ThumbnailDelegate
from culler.ui.views.photo_view import PhotoView, selected_rows

_CURSOR = {
    "next": QAbstractItemView.CursorAction.MoveRight,
    "prev": QAbstractItemView.CursorAction.MoveLeft,
    "up": QAbstractItemView.CursorAction.MoveUp,
    "down": QAbstractItemView.CursorAction.MoveDown,
    "first": QAbstractItemView.CursorAction.MoveHome,
    "last": QAbstractItemView.CursorAction.MoveEnd,
}


class GridView(QListView, PhotoView):
    view_id = "grid"
    title = "Grid"
    first_screen_painted = Signal()  # once per album: every visible thumbnail is on screen
    open_requested = Signal()  # double-click / Enter: show the loupe
    cell_width_changed = Signal(int)  # the thumbnail size the user chose (cell width in pixels)
    SIZE_STEP = 20

    def __init__(self, host, parent=None) -> None:
        super().__init__(parent)
        self.host = host
        self.setObjectName("grid")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(400)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.cell_width = CELL_W  # the narrowest a cell gets; columns stretch to fill the width
        self.setGridSize(QSize(CELL_W, CELL_H))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(CELL_H // 4)
        self.setMouseTracking(False)
        self.setModel(host.model)
        self.setSelectionModel(host.selection)
        self.delegate = ThumbnailDelegate(host.thumbnails, self)
        self.setItemDelegate(self.delegate)
        self._awaiting_first_screen = False
        self._top_in_window: int | None = None  # the viewport's top in the window, at the last resize

        self._request_timer = QTimer(self, singleShot=True, interval=0)
        self._request_timer.timeout.connect(self.request_visible)
        self.verticalScrollBar().valueChanged.connect(self.schedule_requests)
        for sig in (host.model.modelReset, host.model.layoutChanged, host.model.rowsInserted):
            sig.connect(self.schedule_requests)
        host.thumbnails.changed.connect(self._thumbnails_arrived)
        self.doubleClicked.connect(lambda _index: self.open_requested.emit())

    # -- PhotoView
    def set_decoration(self, decoration) -> None:
        """A GridDecoration (grid_delegate.py) that draws on cells and takes clicks on its badges."""
        self.delegate.stacks = decoration

    def mousePressEvent(self, event) -> None:
        decoration = self.delegate.stacks
        if decoration is not None and event.button() == Qt.MouseButton.LeftButton:
            index = self.indexAt(event.position().toPoint())
            if index.isValid() and decoration.badge_clicked(self.host.model.id_at(index.row()), event.position()):
                event.accept()
                return
        super().mousePressEvent(event)

    def activate(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.schedule_requests()

    def target_ids(self) -> list[int]:
        model = self.host.model
        ids = [model.id_at(r) for r in selected_rows(self.selectionModel())]
        if not ids:
            current = self.host.current_id()
            ids = [current] if current is not None else []
        return [i for i in ids if i is not None]

    def move(self, step: str) -> None:
        index = self.moveCursor(_CURSOR[step], Qt.KeyboardModifier.NoModifier)
        if not index.isValid():
            return
        self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    # -- thumbnails, visible first
    def expect_first_screen(self) -> None:
        """Emit first_screen_painted once the thumbnails of the first screen have been painted."""
        self._awaiting_first_screen = True
        self.request_visible()  # now, not after the first (placeholder) paint: decoding starts sooner

    def schedule_requests(self, *_args) -> None:
        self._request_timer.start()

    def visible_rows(self) -> range:
        """Rows whose cells intersect the viewport (from the uniform grid: no per-row calls)."""
        n = self.model().rowCount() if self.model() else 0
        if n == 0:
            return range(0)
        top = self.verticalScrollBar().value()
        pitch = self.gridSize().height()
        first_line = top // pitch
        last_line = (top + max(1, self.viewport().height()) - 1) // pitch
        columns = self.columns()
        return range(min(n, first_line * columns), min(n, (last_line + 1) * columns))

    def columns(self) -> int:
        return max(1, self.viewport().width() // self.cell_width)

    def cell_height(self, width: int) -> int:
        return width + CELL_H - CELL_W  # the footer (stars, label, name) keeps its height

    def _fit_cells_to_width(self) -> None:
        """Stretch the cells so the columns fill the width (no ragged empty strip on the right)."""
        size = QSize(max(self.cell_width, self.viewport().width() // self.columns()),
                     self.cell_height(self.cell_width))
        if size != self.gridSize():
            self.delegate.cell_size = size
            self.setGridSize(size)
            self.verticalScrollBar().setSingleStep(size.height() // 4)

    def set_cell_width(self, width: int) -> None:
        """Thumbnail size: cells at least `width` pixels wide (THUMB_SIZES); the current photo stays in view."""
        width = min(THUMB_SIZES[1], max(THUMB_SIZES[0], int(width)))
        if width == self.cell_width:
            return
        self.cell_width = width
        self._fit_cells_to_width()
        if self.currentIndex().isValid():
            self.scrollTo(self.currentIndex(), QAbstractItemView.ScrollHint.PositionAtCenter)
        self.schedule_requests()
        self.cell_width_changed.emit(width)

    def grow_cells(self, steps: int) -> None:
        self.set_cell_width(self.cell_width + steps * self.SIZE_STEP)

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:  # Ctrl+wheel: thumbnail size
            delta = event.angleDelta().y()
            if delta:
                self.grow_cells(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def request_visible(self) -> None:
        model = self.model()
        if model is None or model.rowCount() == 0:
            return
        visible = self.visible_rows()
        screen = max(1, len(visible))
        n = model.rowCount()
        ahead = range(visible.stop, min(n, visible.stop + screen))
        behind = range(max(0, visible.start - screen // 2), visible.start)
        ids = [i for i in (model.id_at(r) for r in (*visible, *ahead, *reversed(behind))) if i is not None]
        self.host.thumbnails.want(ids)
        self.host.analyse_first(ids[:len(visible) + len(ahead)])  # this screen and the next

    def _thumbnails_arrived(self, ids: list[int]) -> None:
        self.host.model.photos_changed(ids)
        if self._awaiting_first_screen and self.first_screen_complete():
            self.viewport().update()  # the emit follows the paint that shows them all

    def first_screen_complete(self) -> bool:
        thumbs, model = self.host.thumbnails, self.model()
        return all(thumbs.is_settled(model.id_at(r)) for r in self.visible_rows())

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._awaiting_first_screen and self.model().rowCount() and self.first_screen_complete():
            self._awaiting_first_screen = False
            QTimer.singleShot(0, self.first_screen_painted.emit)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_cells_to_width()
        self._stay_in_place()
        self.schedule_requests()

    def _stay_in_place(self) -> None:
        """A banner or bar that appears (or goes) above the grid moves its top: scroll by as much,
        so the photos stay where they were on screen, and keep the current photo in view."""
        top = self.viewport().mapTo(self.window(), QPoint(0, 0)).y()
        shift = 0 if self._top_in_window is None else top - self._top_in_window
        self._top_in_window = top
        if not shift or not self.isVisible():
            return
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + shift)
        if self.currentIndex().isValid():
            self.scrollTo(self.currentIndex(), QAbstractItemView.ScrollHint.EnsureVisible)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit()
            return
        super().keyPressEvent(event)
