"""What the window shows about one open album, read from the Store: photos, decisions, scores,
groups, analysis errors. The store stays the single source of truth; this is its GUI-thread copy,
refreshed when the store says decisions changed or the analysis wrote results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from culler.core.records import Decision, GroupRow, Photo

_EMPTY = Decision()
SORTS = {"time": "Capture time", "name": "File name", "score": "Score"}  # key -> as the View menu says it


@dataclass
class Advice:
    """What culler suggests about one photo, for the views to word and style their own way."""

    score: int | None = None  # 0-100
    rank: str | None = None  # "#1 of 4 in burst" when the photo is in a group
    suggestion: str | None = None  # 'pick' | 'reject'
    reasons: list[str] = field(default_factory=list)


def open_suggestion(group: GroupRow | None, decision: Decision) -> str | None:
    """The group's suggestion ('pick' | 'reject') while the photo is unflagged; None once the user
    flagged it either way (a decision replaces the advice: no "pick?" next to a user's reject)."""
    if group is None or group.suggestion not in ("pick", "reject") or decision.flag != "none":
        return None
    return group.suggestion


def suggestion_text(group: GroupRow | None, decision: Decision, score: float | None) -> str | None:
    """The open suggestion as a tile words it: "pick?" / "reject?", followed by its first reason
    when the score (0-1) says the opposite ("reject? almost entirely white" next to a 69), so a
    tile never contradicts itself without saying why."""
    suggestion = open_suggestion(group, decision)
    if suggestion is None:
        return None
    contradicts = score is not None and (score >= 0.5 if suggestion == "reject" else score < 0.5)
    return f"{suggestion}? {group.reasons[0]}" if contradicts and group.reasons else f"{suggestion}?"


def displayed_size(photo: Photo | None) -> tuple[int, int] | None:
    """(width, height) as shown: EXIF orientations 5-8 swap the stored sides; None when unknown."""
    if photo is None or not photo.meta.width or not photo.meta.height:
        return None
    w, h = photo.meta.width, photo.meta.height
    return (h, w) if photo.meta.orientation in (5, 6, 7, 8) else (w, h)


def natural_key(path: str) -> tuple:
    """File names as people count: IMG_2 before IMG_10, case ignored."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.lower()))


def shot_at(photo: Photo) -> datetime:
    """When the photo was taken: its EXIF time, else the file's modification time (a copied or
    edited file without EXIF lands among its neighbours, not after the whole shoot)."""
    if photo.meta.captured_at is not None:
        return photo.meta.captured_at
    return datetime.fromtimestamp(photo.mtime_ns / 1e9) if photo.mtime_ns else datetime.min


class AlbumState:
    def __init__(self, root: Path, store) -> None:
        self.root = Path(root)
        self.store = store
        self.order: list[int] = []  # photo ids in capture-time order
        self.photos: dict[int, Photo] = {}
        self.decisions: dict[int, Decision] = {}
        self.scores: dict[int, tuple[float | None, float | None]] = {}
        self.groups: dict[int, GroupRow] = {}
        self.analysis_errors: dict[int, str] = {}
        self._sorted: dict[str, list[int]] = {}
        self.faces: dict[int, float | None] = {}  # faces culler counted (the people filters)

    def set_photos(self, photos: list[Photo]) -> None:
        self.order = [p.id for p in photos if p.id is not None]
        self.photos = {p.id: p for p in photos if p.id is not None}
        self.decisions = dict(self.store.decisions())
        self._sorted.clear()

    def ordered(self, sort: str = "time", again: bool = False) -> list[int]:
        """Every photo id in one of SORTS: capture time (file time without EXIF), file name, or
        score (best first, not yet scored last); ties by file name (by path for equal times). The
        order is kept until asked `again`: scores that arrive later never reorder the grid."""
        if again or sort not in self._sorted:
            photos = self.photos
            if sort == "name":
                key = lambda i: natural_key(photos[i].path)  # noqa: E731
            elif sort == "score":
                scores = {i: self.score(i) for i in self.order}
                key = lambda i: (scores[i] is None, -(scores[i] or 0.0), natural_key(photos[i].path))  # noqa: E731
            else:
                key = lambda i: (shot_at(photos[i]), photos[i].path)  # noqa: E731
            self._sorted[sort] = sorted(self.order, key=key)
        return self._sorted[sort]

    def refresh_decisions(self, ids: list[int] | None = None) -> None:
        if ids is None or len(ids) > 200:
            self.decisions = dict(self.store.decisions())
            return
        for i in ids:
            self.decisions[i] = self.store.decision(i)

    def refresh_analysis(self) -> None:
        """Re-read scores, groups, face counts and analysis errors. A store error propagates (the
        caller says so) and leaves what was read before untouched."""
        store = self.store
        scores, groups, errors = dict(store.scores()), dict(store.groups()), dict(store.analysis_errors())
        faces = {pid: signals.get("faces") for pid, signals in store.all_signals().items()}
        self.scores, self.groups, self.analysis_errors, self.faces = scores, groups, errors, faces

    def refresh_errors(self) -> list[int]:
        """Re-read only the analysis errors (all that changes while photos are being analysed:
        scores and groups come at the end); returns the photos whose error changed."""
        old, new = self.analysis_errors, dict(self.store.analysis_errors())
        self.analysis_errors = new
        return [i for i in old.keys() | new.keys() if old.get(i) != new.get(i)]

    # -- per photo
    def decision(self, photo_id: int) -> Decision:
        return self.decisions.get(photo_id) or _EMPTY

    def score(self, photo_id: int) -> float | None:
        return (self.scores.get(photo_id) or (None, None))[0]

    def error(self, photo_id: int) -> str | None:
        """Why this photo cannot be shown or analysed, in the user's words; None when all is well."""
        photo = self.photos.get(photo_id)
        if photo is not None and photo.status == "error":
            return photo.error or "unreadable file"
        return self.analysis_errors.get(photo_id)

    def advice(self, photo_id: int) -> Advice:
        score = self.score(photo_id)
        group = self.groups.get(photo_id)
        advice = Advice(score=None if score is None else round(score * 100))
        if group is not None:
            if group.group_size > 1:
                advice.rank = f"#{group.group_rank} of {group.group_size} in {group.kind}"
            advice.suggestion = group.suggestion
            advice.reasons = list(group.reasons)
        return advice

    def open_suggestion(self, photo_id: int) -> str | None:
        """The suggestion still to act on for this photo (see the module function)."""
        return open_suggestion(self.groups.get(photo_id), self.decision(photo_id))

    def name(self, photo_id: int) -> str:
        photo = self.photos.get(photo_id)
        return photo.path.rsplit("/", 1)[-1] if photo else f"#{photo_id}"

    def describe(self, ids: list[int]) -> str:
        """"IMG_0001.jpg" for one photo, "12 photos" for several (for undo descriptions)."""
        return self.name(ids[0]) if len(ids) == 1 else f"{len(ids)} photos"

