"""The model's authority over the suggestions the window shows (`core.critique.apply_authority`).

The open album's group rows (AlbumState.groups, read from the store) get the suggestion the
authority allows, with the reason added; culler's own rows are kept here and put back before the
next application, so setting the authority back to "explain" restores them, and the store always
holds culler's own. The session replaces the groups dict whenever it reads them again (a regroup,
an analysis): `stale` says so, and the next `apply` starts from the fresh rows.
"""

from __future__ import annotations

import dataclasses

from culler.core.critique import apply_authority


class SuggestionOverlay:
    def __init__(self) -> None:
        self._groups = None  # the dict the overlay was applied to
        self._own: dict[int, object] = {}  # photo id -> culler's own GroupRow replaced there

    def stale(self, groups) -> bool:
        """The overlay changed rows, and `groups` is a fresh read without them."""
        return bool(self._own) and groups is not self._groups

    def own(self, photo_id: int):
        """culler's own row for a photo whose suggestion the model changed, else None."""
        return self._own.get(photo_id)

    def apply(self, state, critiques: dict[int, dict], authority: str) -> bool:
        """Apply to `state.groups`; True when any row changed (the views should repaint)."""
        groups = state.groups
        restored = groups is self._groups and bool(self._own)
        if restored:
            groups.update(self._own)
        self._own, self._groups = {}, groups
        own = {pid: row.suggestion for pid, row in groups.items()}
        decided = {pid for pid, d in state.decisions.items() if d.flag != "none" or d.rating}
        for pid, suggestion in apply_authority(own, critiques, decided, authority).items():
            if pid in groups and suggestion != own[pid]:
                row, c = groups[pid], critiques[pid]
                verb = "keeps" if c["verdict"] == "keep" else c["verdict"] + "s"
                self._own[pid] = row
                groups[pid] = dataclasses.replace(row, suggestion=suggestion,
                                                  reasons=[*row.reasons, f"the model {verb} it ({c['score']}/10)"])
        return restored or bool(self._own)
