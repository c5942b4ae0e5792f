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
None of this is an undo step (like the first import was not); every change goes to the decision
log, inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Callable

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
                   apply: Apply) -> tuple[list[int], list[SidecarClash]]:
    """Apply the rule above to photos that carry a sidecar_decision (ids set), inside the caller's
    transaction (`apply` writes decisions, `log_append` logs them). Returns (ids whose decision was taken from a sidecar, clashes)."""
    offered = {p.id: p for p in photos if p.sidecar_decision is not None}
    if not offered:
        return [], []
    current = {pid: Decision(f, r, lab) for pid, f, r, lab in
               conn.execute("SELECT photo_id, flag, rating, label FROM decisions")}
    seen = {pid: Decision(f, r, lab) for pid, f, r, lab in
            conn.execute("SELECT photo_id, flag, rating, label FROM sidecar_seen")}
    take: dict[int, Decision] = {}
    remember: dict[int, Decision] = {}
    clashes: list[SidecarClash] = []
    for pid, photo in offered.items():
        new, here, last = photo.sidecar_decision, current.get(pid), seen.get(pid)
        if here is None:
            take[pid] = new
        elif last is not None and last != new and here != new:
            if here == last:
                take[pid] = new
            else:
                clashes.append(SidecarClash(photo.path, here, new))
        if last != new:
            remember[pid] = new
    if take:
        log_append("import", None, [(offered[pid].path, d) for pid, d in take.items()])
        apply(conn, take)
    if remember:
        conn.executemany("INSERT OR REPLACE INTO sidecar_seen VALUES (?, ?, ?, ?)",
                         [(pid, d.flag, d.rating, d.label) for pid, d in remember.items()])
    return list(take), clashes
