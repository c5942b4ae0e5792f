"""The list model every photo view shares: the filtered photo ids of the open album, in the
chosen sort order (capture time, file name, score), with collapsed stacks' other frames hidden.

Rows are photo ids only (no item widgets, no per-row objects) so 10,000 photos cost nothing until
painted; the delegate reads decisions, scores and groups from the AlbumState by id. A filter or
sort change, or a decision that moves a photo out of the filter, is a layout change with
persistent indexes remapped, so the selection and the current photo survive it.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal

from culler.core.album_state import AlbumState
from culler.core.filters import PhotoFilter, flag_counts

PHOTO_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_ROOT = QModelIndex()  # a list has no parents


class PhotoListModel(QAbstractListModel):
    counts_changed = Signal()  # filter counts (all/picks/rejects/unflagged) may have changed

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.state: AlbumState | None = None
        self.filter = PhotoFilter()
        self.sort = "time"  # one of core.album_state.SORTS
        self.stacks = None  # optional culler.core.group_navigation.Stacks: hides the siblings of collapsed groups
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}
        self._filtered: dict[int, int] = {}  # what the filter lets through, stacks or not -> position

    def set_stacks(self, stacks) -> None:
        """Hide the other frames of collapsed groups (the groups feature's Stacks; None: show all)."""
        self.stacks = stacks
        self.refilter()

    # -- Qt model interface
    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.state is None:
            return None
        photo_id = self._ids[index.row()]
        if role == PHOTO_ID_ROLE:
            return photo_id
        if role == Qt.ItemDataRole.DisplayRole:
            return self.state.name(photo_id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(photo_id)
        return None

    def flags(self, index: QModelIndex):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() else Qt.ItemFlag.NoItemFlags

    # -- ids
    @property
    def ids(self) -> list[int]:
        return self._ids

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, photo_id: int | None) -> int:
        return -1 if photo_id is None else self._row_of.get(photo_id, -1)

    def index_of(self, photo_id: int | None) -> QModelIndex:
        row = self.row_of(photo_id)
        return self.index(row, 0) if row >= 0 else QModelIndex()

    # -- changes
    def set_state(self, state: AlbumState | None) -> None:
        """A new album (or None); a rescan of the open album keeps the stacks as they are."""
        if self.stacks is not None and (state is None or self.state is None):
            self.stacks.reset()
        self.beginResetModel()
        self.state = state
        self._filtered = {}
        self._ids = [] if state is None else self._visible(state)
        self._row_of = {i: r for r, i in enumerate(self._ids)}
        self.endResetModel()
        self.counts_changed.emit()

    def set_filter(self, photo_filter: PhotoFilter) -> None:
        self.filter = photo_filter
        self.refilter()

    def set_sort(self, sort: str) -> None:
        """Order the photos by one of core.album_state.SORTS; the current photo and the selection follow."""
        self.sort = sort
        if self.state is not None:
            self.state.ordered(sort, again=True)  # chosen now: with the scores known now
        self.refilter()

    def refilter(self) -> None:
        """Recompute the visible ids; selection and current photo follow their ids."""
        if self.state is None:
            return
        new_ids = self._visible(self.state)
        if new_ids == self._ids:
            return
        self.layoutAboutToBeChanged.emit()
        new_row_of = {i: r for r, i in enumerate(new_ids)}
        old_ids = self._ids
        persistent = self.persistentIndexList()
        self._ids, self._row_of = new_ids, new_row_of
        moved_to = [self.createIndex(new_row_of[old_ids[p.row()]], 0)
                    if 0 <= p.row() < len(old_ids) and old_ids[p.row()] in new_row_of else QModelIndex()
                    for p in persistent]
        self.changePersistentIndexList(persistent, moved_to)
        self.layoutChanged.emit()

    def _visible(self, state: AlbumState) -> list[int]:
        ids = self.filter.apply(state.ordered(self.sort), state.decisions, state.groups, state.faces)
        self._filtered = {i: n for n, i in enumerate(ids)}
        return ids if self.stacks is None else self.stacks.visible(ids, state)

    def position(self, photo_id: int | None) -> str:
        """Where a photo is, as the loupe says it: "5 of 83", or with collapsed stacks "3 of 26
        in the grid · photo 5 of 83" (photos: what the filter lets through, as its counts say)."""
        row, n = self.row_of(photo_id), len(self._filtered)
        photo = self._filtered.get(photo_id, -1) + 1
        if row < 0 or len(self._ids) == n:
            return f"{photo} of {n}" if photo else ""
        return f"{row + 1} of {len(self._ids)} in the grid · photo {photo} of {n}"

    def decisions_changed(self, ids: list[int]) -> None:
        """Repaint the changed photos, and re-apply the filter when one is active."""
        if self.state is None:
            return
        self.state.refresh_decisions(ids)
        if not self.filter.is_all:
            self.refilter()
        self.photos_changed(ids)
        self.counts_changed.emit()

    def photos_changed(self, ids: list[int] | None = None) -> None:
        """Repaint these photos (all when None): new thumbnail, score, badge."""
        if ids is None:
            self.refilter()  # new groups: stacks and "best of each group" may show other photos
        if not self._ids:
            return
        if ids is None or len(ids) > 64:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, 0))
            return
        for i in ids:
            row = self._row_of.get(i)
            if row is not None:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index)

    def counts(self) -> dict[str, int]:
        if self.state is None:
            return {"all": 0, "picks": 0, "rejects": 0, "unflagged": 0}
        return flag_counts(self.state.order, self.state.decisions)

    def tooltip(self, photo_id: int) -> str:
        state = self.state
        photo = state.photos.get(photo_id)
        lines = [photo.path if photo else state.name(photo_id)]
        error = state.error(photo_id)
        if error:
            lines.append(f"Unreadable: {error}")
        advice = state.advice(photo_id)
        if advice.score is not None:
            lines.append(f"Score {advice.score} (advice)")
        if advice.rank:
            lines.append(advice.rank)
        reasons = "; ".join(advice.reasons)
        if advice.suggestion:
            lines.append(f"Suggested {advice.suggestion}" + (f": {reasons}" if reasons else ""))
        elif reasons:
            lines.append(reasons)
        return "\n".join(lines)
