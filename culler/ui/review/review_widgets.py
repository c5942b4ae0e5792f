"""The pieces of the review screen: the quiet countdown strip (a thin line for the time left on
this photo, small text for where the review stands), the photo canvas with its few overlays
(paused, frames of a burst), and the sweep page (a grid of the low-scored tail whose selection the
decision keys act on).

The strip is its own small opaque widget, so a tick repaints 30 pixels of height, never the photo.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QItemSelectionModel, QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLabel, QListView, QVBoxLayout, QWidget

from culler.ui.album.photo_model import PHOTO_ID_ROLE
from culler.ui.base import theme
from culler.ui.views.grid_delegate import ThumbnailDelegate
from culler.ui.views.loupe_canvas import LoupeCanvas

STRIP_H = 30
_ROOT = QModelIndex()  # a list has no parents
SWEEP_CELL = QSize(180, 204)  # smaller than the grid's: the sweep is a glance
SWEEP_HEADER_H = 40
LINE = QColor("#b4b4b4")
LINE_PAUSED = QColor("#5c5c5c")
TRACK = QColor("#2c2c2c")
STRIP_BG = QColor("#1a1a1a")
TEXT = QColor("#a6a6a6")
TEXT_BRIGHT = QColor("#dcdcdc")
PAUSED_TEXT = QColor("#e3c27a")


def clock_text(seconds: float) -> str:
    """A countdown: '0:07', '12:40', '1:02:03' (rounded up, so 0:00 only when time is out)."""
    total = max(0, int(-(-max(0.0, seconds) // 1)))
    hours, rest = divmod(total, 3600)
    minutes, s = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{s:02d}" if hours else f"{minutes}:{s:02d}"


class CountdownStrip(QWidget):
    """A 2 px line shrinking as the photo's time runs out, and one row of small text under it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewCountdown")
        self.setFixedHeight(STRIP_H)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.fraction = 1.0  # of this stop's time still left
        self.left_text = ""  # what is on screen
        self.right_text = ""  # the clocks
        self.paused = False
        self.font_small = QFont(self.font())
        self.font_small.setPointSizeF(8.5)
        self._drawn: tuple | None = None

    def set_state(self, fraction: float, left_text: str, right_text: str, paused: bool) -> None:
        fraction = min(1.0, max(0.0, fraction))
        key = (round(fraction * max(1, self.width())), left_text, right_text, paused)
        self.fraction, self.left_text, self.right_text, self.paused = fraction, left_text, right_text, paused
        if key != self._drawn:  # repaint only when a pixel of the line or a character changes
            self._drawn = key
            self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), STRIP_BG)
        p.fillRect(QRectF(0, 0, self.width(), 2), TRACK)
        p.fillRect(QRectF(0, 0, self.width() * self.fraction, 2), LINE_PAUSED if self.paused else LINE)
        p.setFont(self.font_small)
        fm = QFontMetrics(self.font_small)
        text_rect = QRectF(14, 2, self.width() - 28, self.height() - 2)
        right_w = fm.horizontalAdvance(self.right_text) + 4
        p.setPen(PAUSED_TEXT if self.paused else TEXT_BRIGHT)
        p.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.right_text)
        p.setPen(TEXT)
        left = fm.elidedText(self.left_text, Qt.TextElideMode.ElideRight, int(text_rect.width() - right_w - 24))
        p.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left)


class ReviewCanvas(LoupeCanvas):
    """The loupe's canvas plus a 'paused' card and a small note about the other frames of a burst."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewCanvas")
        self.paused_text = ""  # shown centred while paused
        self.note = ""  # bottom left, e.g. "frame 2 of 5 · [ ] other frames"

    def set_overlays(self, paused_text: str, note: str) -> None:
        if (paused_text, note) != (self.paused_text, self.note):
            self.paused_text, self.note = paused_text, note
            self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not (self.paused_text or self.note):
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        if self.note:
            font.setPointSizeF(8.5)
            p.setFont(font)
            fm = QFontMetrics(font)
            box = QRectF(12, self.height() - 34, fm.horizontalAdvance(self.note) + 18, 22)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(20, 20, 20, 190))
            p.drawRoundedRect(box, 4, 4)
            p.setPen(TEXT_BRIGHT)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, self.note)
        if self.paused_text:
            p.fillRect(self.rect(), QColor(10, 10, 10, 120))
            lines = self.paused_text.split("\n")
            font.setPointSizeF(10)
            p.setFont(font)
            fm = QFontMetrics(font)
            w = max(fm.horizontalAdvance(line) for line in lines) + 48
            h = fm.lineSpacing() * len(lines) + 30
            box = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(24, 24, 24, 235))
            p.drawRoundedRect(box, 6, 6)
            y = box.top() + 15
            for n, line in enumerate(lines):
                p.setPen(PAUSED_TEXT if n == 0 else TEXT)
                p.drawText(QRectF(box.left(), y, box.width(), fm.lineSpacing()), Qt.AlignmentFlag.AlignCenter, line)
                y += fm.lineSpacing()


class SweepModel(QAbstractListModel):
    """The photo ids of one sweep page, with the AlbumState the grid delegate paints from."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.state = None
        self.ids: list[int] = []

    def set_page(self, state, ids: list[int]) -> None:
        self.beginResetModel()
        self.state, self.ids = state, list(ids)
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.state is None:
            return None
        photo_id = self.ids[index.row()]
        if role == PHOTO_ID_ROLE:
            return photo_id
        if role == Qt.ItemDataRole.DisplayRole:
            return self.state.name(photo_id)
        return None

    def flags(self, index: QModelIndex):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() else Qt.ItemFlag.NoItemFlags

    def repaint_ids(self, ids) -> None:
        wanted = set(ids)
        for row, pid in enumerate(self.ids):
            if pid in wanted:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index)


class _FlatFrames:
    """The delegate's stacks hook for the sweep: frames are drawn flat (a page shows each photo on
    its own, never a collapsed stack) with their rank in the group as a small badge."""

    @staticmethod
    def is_stack_cell(photo_id: int) -> bool:
        return False

    @staticmethod
    def paint_stack_badge(p: QPainter, image: QRectF, photo_id: int, group) -> None:
        if group is None or group.group_size < 2:
            return
        text = f"{group.group_rank}/{group.group_size}"
        w = QFontMetrics(p.font()).horizontalAdvance(text) + 10
        box = QRectF(image.right() - w - 5, image.bottom() - 22, w, 17)
        p.save()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.BADGE_BG)
        p.drawRoundedRect(box, 3, 3)
        p.setPen(theme.TEXT)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()


_CURSOR = {"next": QAbstractItemView.CursorAction.MoveRight, "prev": QAbstractItemView.CursorAction.MoveLeft,
           "up": QAbstractItemView.CursorAction.MoveUp, "down": QAbstractItemView.CursorAction.MoveDown,
           "first": QAbstractItemView.CursorAction.MoveHome, "last": QAbstractItemView.CursorAction.MoveEnd}


class SweepPage(QWidget):
    """A header line and a grid of one page of the swept tail."""

    def __init__(self, thumbnails, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewSweep")
        self.thumbnails = thumbnails
        self.header = QLabel(objectName="sweepHeader")
        self.header.setFixedHeight(SWEEP_HEADER_H)
        self.header.setContentsMargins(16, 0, 16, 0)
        self.header.setStyleSheet("QLabel#sweepHeader { background-color: #202020; color: #b0b0b0; "
                                  "border-bottom: 1px solid #151515; }")
        self.model = SweepModel(self)
        self.list = QListView(objectName="sweepGrid")
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(True)
        self.list.setWrapping(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.list.setModel(self.model)
        self.selection: QItemSelectionModel = self.list.selectionModel()
        self.delegate = ThumbnailDelegate(thumbnails, self.list)
        self.delegate.cell_size = SWEEP_CELL
        self.delegate.stacks = _FlatFrames()
        self.list.setItemDelegate(self.delegate)
        self.list.setGridSize(SWEEP_CELL)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        thumbnails.changed.connect(self.model.repaint_ids)

    @staticmethod
    def page_size_for(size: QSize) -> int:
        """How many cells fit a review area of `size` (so a page never needs scrolling)."""
        columns = max(1, size.width() // SWEEP_CELL.width())
        rows = max(1, (size.height() - SWEEP_HEADER_H - STRIP_H) // SWEEP_CELL.height())
        return columns * rows

    def show_page(self, state, ids: list[int], header: str, prefetch: list[int] = ()) -> None:
        if ids != self.model.ids or state is not self.model.state:
            self.model.set_page(state, ids)
            if ids:
                self.selection.setCurrentIndex(self.model.index(0, 0),
                                               QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.header.setText(header)
        self._fit_cells()
        self.thumbnails.want([*ids, *prefetch])

    def selected_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.selection.selectedIndexes())
        ids = [self.model.ids[r] for r in rows if 0 <= r < len(self.model.ids)]
        if not ids and self.selection.currentIndex().isValid():
            ids = [self.model.ids[self.selection.currentIndex().row()]]
        return ids

    def move(self, step: str) -> None:
        index = self.list.moveCursor(_CURSOR[step], Qt.KeyboardModifier.NoModifier)
        if index.isValid():
            self.selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _fit_cells(self) -> None:
        viewport = self.list.viewport().width()
        columns = max(1, viewport // SWEEP_CELL.width())
        width = max(SWEEP_CELL.width(), viewport // columns)
        if width != self.list.gridSize().width():
            self.delegate.cell_size = QSize(width, SWEEP_CELL.height())
            self.list.setGridSize(QSize(width, SWEEP_CELL.height()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_cells()
