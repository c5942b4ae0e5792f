"""Groups in the window: which photos belong together, stacks in the grid, moving between and
within groups, and accepting suggestions. Plain logic over the AlbumState (no widgets), so the
views and the key handlers share one definition of "the group".

- A group is the set of present photos sharing a GroupRow.group id; photos with no row yet (not
  analysed) and groups of one are singles. Members are listed in capture order.
- Stacks: a group of 2+ frames shows in the grid as one cell, its best visible frame (the lowest
  group_rank among the photos the filter lets through), badged with the group size. Expanding a
  stack shows all its frames; siblings of a collapsed stack are hidden from the grid and the
  loupe but reachable with `[` `]` (which expand it), compare and survey.
- The layout never changes by itself: when new groups arrive (the analysis ends, a regroup) while
  the user works, a stack that would hide a photo the grid was showing stays expanded ("held")
  until the user stacks them (Shift+S), so no decision disappears into a stack under the cursor.
  Groups already there when an album opens are stacked from the start.
- "Next group" means the next group of 2+ frames; single photos are reached with the arrows.
- Accepting a group's suggestions: unflagged frames take their suggested flag; frames the user
  already flagged keep that flag (a user decision is never overruled by advice). Accepting one
  photo's suggestion applies it whatever its flag (the user asked for exactly that).
"""

from __future__ import annotations

from dataclasses import dataclass

from culler.core.records import Decision, GroupRow

KIND_TITLES = {"burst": "Burst", "duplicates": "Near-duplicates", "bracket": "Exposure bracket",
               "panorama": "Panorama"}


class GroupIndex:
    """Members of each group of 2+ present photos, in capture order, for one AlbumState."""

    def __init__(self, state=None) -> None:
        self.rows: dict[int, GroupRow] = state.groups if state is not None else {}
        members: dict[str, list[int]] = {}
        for pid in (state.order if state is not None else ()):
            row = self.rows.get(pid)
            if row is not None:
                members.setdefault(row.group, []).append(pid)
        self.members = {gid: ids for gid, ids in members.items() if len(ids) > 1}
        self._group_of = {pid: gid for gid, ids in self.members.items() for pid in ids}

    def group_of(self, photo_id: int | None) -> str | None:
        """The id of the 2+ frame group this photo belongs to; None for a single photo."""
        return self._group_of.get(photo_id)

    def members_of(self, photo_id: int | None) -> list[int]:
        """The photo's group in capture order ([photo_id] for a single photo)."""
        gid = self.group_of(photo_id)
        if gid is not None:
            return list(self.members[gid])
        return [] if photo_id is None else [photo_id]

    def rank(self, photo_id: int) -> int:
        row = self.rows.get(photo_id)
        return row.group_rank if row is not None else 1

    def by_rank(self, ids: list[int]) -> list[int]:
        position = {pid: n for n, pid in enumerate(ids)}
        return sorted(ids, key=lambda pid: (self.rank(pid), position[pid]))

    def kind(self, photo_id: int) -> str:
        row = self.rows.get(photo_id)
        return row.kind if row is not None else "single"

    def title(self, photo_id: int) -> str:
        """'Burst of 4', 'Exposure bracket of 3'; 'Single photo' outside any group."""
        n = len(self.members_of(photo_id))
        if n < 2:
            return "Single photo"
        return f"{KIND_TITLES.get(self.kind(photo_id), 'Group')} of {n}"


class IndexCache:
    """One GroupIndex per (state, groups) pair: rebuilt when the analysis writes new groups."""

    def __init__(self) -> None:
        self._key: tuple[int, int] | None = None
        self._index: GroupIndex | None = None

    def get(self, state) -> GroupIndex:
        key = (id(state), id(state.groups))
        if self._index is None or key != self._key:
            self._index, self._key = GroupIndex(state), key
        return self._index


class Stacks:
    """Which groups are collapsed in the grid (all, unless expanded), and the visible ids."""

    def __init__(self, cache: IndexCache, model=None) -> None:
        self.cache = cache
        self.model = model  # PhotoListModel: its filter says whether "best of each group" is on
        self.enabled = True  # False: every frame shows (Shift+S)
        self.expanded: set[str] = set()
        self.held: set[str] = set()  # new groups kept expanded so that nothing hid under the user
        self._index: GroupIndex | None = None  # the groups of the last call of visible()
        self._shown: set[int] | None = None  # what the last call showed

    def reset(self) -> None:
        """A new album: its groups are stacked from the start."""
        self.enabled, self._index, self._shown = True, None, None
        self.expanded.clear()
        self.held.clear()

    def stack_held(self) -> int:
        """Collapse the held groups (the user asked for stacks); returns how many."""
        n = len(self.held)
        self.expanded -= self.held
        self.held.clear()
        self.enabled, self._shown = True, None  # the next layout is the one asked for
        return n

    @property
    def best_only(self) -> bool:
        """The "best of each group" filter is on: it alone decides which frames show."""
        return bool(getattr(getattr(self.model, "filter", None), "best_of_group", False))

    def visible(self, ids: list[int], state) -> list[int]:
        """`ids` (already filtered) with the siblings of collapsed stacks removed. When the groups
        changed since the last call, a group that would hide a photo shown then is held expanded."""
        index = self.cache.get(state)
        out = self._collapse(ids, index)
        if index is not self._index and self._shown is not None:
            kept = set(out)
            hold = {index.group_of(p) for p in ids if p in self._shown and p not in kept}
            if hold:
                self.held |= hold
                self.expanded |= hold
                out = self._collapse(ids, index)
        self.held &= set(index.members)
        self._index, self._shown = index, set(out)
        return out

    def _collapse(self, ids: list[int], index: GroupIndex) -> list[int]:
        if not self.enabled or self.best_only or not index.members:
            return ids
        group_of, expanded = index.group_of, self.expanded
        best: dict[str, tuple[int, int]] = {}  # group -> (rank, photo id) of the frame it shows
        for pid in ids:
            gid = group_of(pid)
            if gid is not None and gid not in expanded:
                rank = index.rank(pid)
                if gid not in best or rank < best[gid][0]:
                    best[gid] = (rank, pid)
        shown = {pid for _rank, pid in best.values()}
        return [pid for pid in ids if pid in shown or group_of(pid) is None or group_of(pid) in expanded]

    def is_collapsed(self, gid: str | None) -> bool:
        return gid is not None and self.enabled and not self.best_only and gid not in self.expanded

    def toggle(self, gid: str) -> bool:
        """Expand or collapse one stack; returns True when it is now expanded."""
        self.held.discard(gid)
        if gid in self.expanded:
            self.expanded.discard(gid)
            return False
        self.expanded.add(gid)
        return True


def step_group(ids: list[int], index: GroupIndex, current: int | None, forward: bool) -> int | None:
    """The photo to land on for Tab (forward) / Shift+Tab: the first shown frame of the next /
    previous group of 2+ frames, in the order shown. None when there is none."""
    if not ids:
        return None
    row_of = {pid: r for r, pid in enumerate(ids)}
    here = row_of.get(current, -1 if forward else len(ids))
    own = index.group_of(current)
    rows = range(here + 1, len(ids)) if forward else range(here - 1, -1, -1)
    for r in rows:
        gid = index.group_of(ids[r])
        if gid is None or gid == own:
            continue
        shown = [row_of[m] for m in index.members[gid] if m in row_of]
        return ids[min(shown)]
    return None


def step_within(members: list[int], current: int | None, step: int) -> int | None:
    """The next (step=1) / previous (-1) member after `current`, wrapping around."""
    if not members:
        return None
    if current not in members:
        return members[0]
    return members[(members.index(current) + step) % len(members)]


@dataclass
class Acceptance:
    changes: dict[int, Decision]
    picks: int = 0
    rejects: int = 0
    kept: int = 0  # frames whose own flag was kept
    suggested: int = 0  # frames that had a suggestion at all

    def summary(self) -> str:
        parts = []
        if self.picks:
            parts.append(f"{self.picks} pick{'s' if self.picks != 1 else ''}")
        if self.rejects:
            parts.append(f"{self.rejects} reject{'s' if self.rejects != 1 else ''}")
        text = ", ".join(parts) or "nothing to change"
        if self.kept:
            text += f"; {self.kept} flagged by you kept"
        return text


def suggested_changes(ids: list[int], rows: dict[int, GroupRow], decisions: dict[int, Decision],
                      keep_user_flags: bool) -> Acceptance:
    """What accepting the suggestions of `ids` changes: the flag only (rating and label stay)."""
    out = Acceptance({})
    for pid in ids:
        row = rows.get(pid)
        if row is None or row.suggestion not in ("pick", "reject"):
            continue
        out.suggested += 1
        before = decisions.get(pid) or Decision()
        if before.flag == row.suggestion:
            continue
        if keep_user_flags and before.flag != "none":
            out.kept += 1
            continue
        out.changes[pid] = before.with_(flag=row.suggestion)
        if row.suggestion == "pick":
            out.picks += 1
        else:
            out.rejects += 1
    return out


def describe_group(index: GroupIndex, photo_id: int, name: str) -> str:
    """'burst of 5 (IMG_0001.jpg …)' for undo descriptions and messages."""
    if len(index.members_of(photo_id)) < 2:
        return name
    return f"{index.title(photo_id).lower()} ({name} …)"


def decisions_summary(decisions: list[Decision]) -> str:
    """What was decided among frames a stack hides, for its top cell: '1 pick · 2 rejects · 1 ★3 ·
    1 Red'; '' when nothing was."""
    picks = sum(d.flag == "pick" for d in decisions)
    rejects = sum(d.flag == "reject" for d in decisions)
    parts = [f"{picks} pick{'s' if picks != 1 else ''}"] if picks else []
    if rejects:
        parts.append(f"{rejects} reject{'s' if rejects != 1 else ''}")
    for stars in range(5, 0, -1):
        n = sum(d.rating == stars for d in decisions)
        if n:
            parts.append(f"{n} ★{stars}")
    labels: dict[str, int] = {}
    for d in decisions:
        if d.label:
            labels[d.label] = labels.get(d.label, 0) + 1
    parts += [f"{n} {label}" for label, n in labels.items()]
    return " · ".join(parts)
