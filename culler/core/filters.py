"""Which photos the grid and loupe show: all, picks, rejects, unflagged, rated >= N, one colour label,
"best of each group" (the top-ranked frame and the suggested picks of each group), and people:
"with people" (1 face or more) or "groups of 3+" (3 faces or more, the `faces` signal), and a
search by words (culler.core.search): only the photos it found, best match first.

Plain Python (no Qt) so the counts shown next to each filter are cheap and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from culler.core.records import LABELS, Decision

FLAG_FILTERS = ("all", "picks", "rejects", "unflagged")
PEOPLE_FILTERS = {"any": 0, "with": 1, "group": 3}  # -> the fewest faces a photo needs
_FLAG_OF = {"picks": "pick", "rejects": "reject", "unflagged": "none"}
_EMPTY = Decision()


@dataclass(frozen=True)
class PhotoFilter:
    flag: str = "all"  # one of FLAG_FILTERS
    min_rating: int = 0  # 0 = any rating
    label: str | None = None  # one of LABELS, or None for any
    best_of_group: bool = False  # only the top-ranked frame and suggested picks of each group
    people: str = "any"  # one of PEOPLE_FILTERS
    query: str = ""  # the words of a search (for `describe`)
    matches: tuple[int, ...] | None = None  # the photos the search found, best first; None: no search

    def __post_init__(self) -> None:
        if self.flag not in FLAG_FILTERS:
            raise ValueError(f"unknown filter {self.flag!r}")
        if self.label is not None and self.label not in LABELS:
            raise ValueError(f"unknown label {self.label!r}")
        if self.people not in PEOPLE_FILTERS:
            raise ValueError(f"unknown people filter {self.people!r}")

    def with_(self, **changes) -> PhotoFilter:
        return replace(self, **changes)

    @property
    def is_all(self) -> bool:
        return self == PhotoFilter()

    def accepts(self, decision: Decision | None) -> bool:
        d = decision or _EMPTY
        if self.flag != "all" and d.flag != _FLAG_OF[self.flag]:
            return False
        if d.rating < self.min_rating:
            return False
        return self.label is None or d.label == self.label

    def apply(self, ids: list[int], decisions: dict[int, Decision], groups: dict | None = None,
              faces: dict[int, float | None] | None = None) -> list[int]:
        """The ids this filter shows; `groups` (photo id -> GroupRow) for "best of each group",
        `faces` (photo id -> face count; not analysed yet = not shown) for the people filters."""
        if self.is_all:
            return list(ids)
        out = [i for i in ids if self.accepts(decisions.get(i))]
        if self.best_of_group and groups:
            out = [i for i in out if _is_best(groups.get(i))]
        if self.people != "any":
            need = PEOPLE_FILTERS[self.people]
            out = [i for i in out if ((faces or {}).get(i) or 0) >= need]
        if self.matches is not None:
            kept = set(out)
            out = [i for i in self.matches if i in kept]
        return out

    def describe(self) -> str:
        parts = [] if self.flag == "all" else [self.flag]
        if self.min_rating:
            parts.append(f"rated {self.min_rating}+")
        if self.label:
            parts.append(f"{self.label.lower()} label")
        if self.best_of_group:
            parts.append("best of each group")
        if self.people != "any":
            parts.append("with people" if self.people == "with" else f"groups of {PEOPLE_FILTERS['group']}+")
        if self.matches is not None:  # short: the filter bar's summary must not widen the window
            words = self.query if len(self.query) <= 24 else self.query[:23] + "…"
            parts.append(f"matching “{words}”, best first")
        return ", ".join(parts) or "all photos"


def _is_best(row) -> bool:
    """Not analysed yet, a single photo, the top-ranked frame, or a suggested pick."""
    return row is None or row.group_size <= 1 or row.group_rank == 1 or row.suggestion == "pick"


def flag_counts(ids: list[int], decisions: dict[int, Decision]) -> dict[str, int]:
    """How many photos each flag filter would show: {"all": n, "picks": n, ...}."""
    counts = {"all": len(ids), "picks": 0, "rejects": 0, "unflagged": 0}
    for i in ids:
        flag = (decisions.get(i) or _EMPTY).flag
        counts["picks" if flag == "pick" else "rejects" if flag == "reject" else "unflagged"] += 1
    return counts
