"""Decisions found in XMP sidecars at a scan: imported, taken over when edited elsewhere, or kept.

The rule (culler's own decisions are never silently overwritten):
- A photo without a decision yet takes its sidecar's (ratings made in Lightroom show up).
- The `sidecar_seen` table remembers, per photo, the sidecar decision the last scan saw. When a
  later scan finds a different one (edited in Lightroom, darktable, digiKam...) and the photo's
  decision here still equals the one seen last (nobody changed it in culler since), the new one
  is taken.
- When the decision was changed in culler as well, culler's is kept and the clash is returned
  (the scan reports it, once: the new sidecar value is remembered).
- A sidecar first seen for a photo culler already decided (a session older than this table, a
  sidecar that just appeared) is only remembered: nothing says which side is newer, so culler's stays.
- Decisions are compared as they look in a sidecar (culler.core.picks_as): a pick culler wrote
  with the convention's one star is not "changed elsewhere" because it reads back with one star.
- A photo without a sidecar offers what was decided in the camera (`camera_decision`), under
  the same rule: it shows up until a sidecar or culler says otherwise. That is the rating the
  camera embedded, and its "protect": DCF cameras protect a file by making it read-only, so a
  read-only photo is a pick, but only when other photos of the scan are writable (a folder or
  archive made read-only as a whole says nothing about single photos).
None of this is an undo step (like the first import was not); every change goes to the decision
log, inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from culler.core.picks_as import DEFAULT as DEFAULT_PICKS_AS
from culler.core.picks_as import PicksAs
from culler.core.records import Decision, Photo

LogAppend = Callable[[str, int | None, list[tuple[str, Decision]]], None]
Apply = Callable[[sqlite3.Connection, dict[int, Decision]], None]


@dataclass(frozen=True)
class SidecarClash:
    """A sidecar edited elsewhere for a photo whose decision was also changed in culler."""

    path: str  # the photo, album-relative
    kept: Decision  # culler's decision, kept
    sidecar: Decision  # what the sidecar says now, not taken

    def message(self) -> str:
        return (f"its XMP sidecar was changed in another program (now {describe(self.sidecar)}) "
                f"after the decision was changed here; culler's decision ({describe(self.kept)}) is kept")


def describe(d: Decision) -> str:
    parts = [d.flag] if d.flag != "none" else []
    parts.append(f"{d.rating} star{'s' if d.rating != 1 else ''}" if d.rating else "no stars")
    if d.label:
        parts.append(d.label)
    return ", ".join(parts)


def merge_sidecars(conn: sqlite3.Connection, photos: list[Photo], log_append: LogAppend,
                   apply: Apply, picks_as: PicksAs = DEFAULT_PICKS_AS) -> tuple[list[int], list[SidecarClash]]:
    """Apply the rule above to photos that carry a sidecar_decision or a camera rating (ids set),
    inside the caller's transaction (`apply` writes decisions, `log_append` logs them). Returns
    (ids whose decision was taken from a sidecar or the camera, clashes)."""
    protect_counts = any(not p.meta.protected for p in photos)
    offered = {p.id: (p, p.sidecar_decision or camera_decision(p, picks_as, protect_counts)) for p in photos}
    offered = {pid: found for pid, found in offered.items() if found[1] is not None}
    if not offered:
        return [], []
    current = {pid: Decision(f, r, lab) for pid, f, r, lab in
               conn.execute("SELECT photo_id, flag, rating, label FROM decisions")}
    seen = {pid: Decision(f, r, lab) for pid, f, r, lab in
            conn.execute("SELECT photo_id, flag, rating, label FROM sidecar_seen")}
    take: dict[int, Decision] = {}
    remember: dict[int, Decision] = {}
    clashes: list[SidecarClash] = []
    same = picks_as.same
    for pid, (photo, new) in offered.items():
        here, last = current.get(pid), seen.get(pid)
        if here is None:
            take[pid] = new
        elif last is not None and not same(last, new) and not same(here, new):
            if same(here, last):
                take[pid] = new
            else:
                clashes.append(SidecarClash(photo.path, here, new))
        if last != new:
            remember[pid] = new
    if take:
        log_append("import", None, [(offered[pid][0].path, d) for pid, d in take.items()])
        apply(conn, take)
    if remember:
        conn.executemany("INSERT OR REPLACE INTO sidecar_seen VALUES (?, ?, ?, ?)",
                         [(pid, d.flag, d.rating, d.label) for pid, d in remember.items()])
    return list(take), clashes


def camera_decision(photo: Photo, picks_as: PicksAs = DEFAULT_PICKS_AS,
                    protect_counts: bool = True) -> Decision | None:
    """What was decided in the camera, as a decision: its embedded rating (EXIF Rating or XMP;
    0 is "not rated", -1 a reject; stars follow the pick convention) and, when `protect_counts`,
    its protect (a read-only file is a pick). None when the camera said nothing."""
    rating = photo.meta.rating or 0
    if rating < 0:
        return Decision("reject")
    stars = min(int(rating), 5)
    if photo.meta.protected and protect_counts:
        return Decision("pick", stars)
    if not stars:
        return None
    return Decision("pick" if picks_as.is_pick(stars, None) else "none", stars)
