"""Scores, groups and suggestions in the words a photographer reads, the same everywhere.

One scale for people: scores are 0-100 wherever a person reads them (tiles, loupe, review
summary, HTML report, CSV); files meant for programs (`culler analyze --json`) keep 0-1.
A suggestion that seems to contradict its score ("reject?" next to 69, "pick?" next to 30) gets
a reason saying why, since the score rates the whole image while suggestions within a burst
rest on what separates near-identical frames and a single photo is rejected for a severe fault.
Group headings name the kind and its size in the album ("burst of 5"), never an internal id.
"""

from __future__ import annotations

# A tile showing at least this score next to "reject?", or below the other next to "pick?",
# looks contradictory and is explained.
REJECT_LOOKS_WRONG_FROM = 0.5
PICK_LOOKS_WRONG_BELOW = 0.4

_KIND_WORDS = {"burst": "burst", "duplicates": "near-duplicates", "bracket": "exposure bracket",
               "panorama": "panorama"}


def score_100(score: float | None) -> int | None:
    """0-1 -> 0-100 (rounded), the scale people read; None stays None."""
    return None if score is None else round(100 * min(1.0, max(0.0, float(score))))


def score_words(score: float | None) -> str:
    return "no score" if score is None else f"score {score_100(score)}"


def group_words(kind: str, size: int) -> str:
    """'burst of 5', 'exposure bracket of 3', 'single photo'."""
    if size <= 1 or kind == "single":
        return "single photo"
    return f"{_KIND_WORDS.get(kind, 'group')} of {size}"


def rank_words(rank: int, size: int, kind: str = "burst") -> str:
    """Where a frame stands in its group: 'best frame', '2nd of 5'; '' for a single photo or a
    set (bracket, panorama) whose frames are not ranked against one another."""
    if size <= 1 or kind in ("single", "bracket", "panorama"):
        return ""
    if rank == 1:
        return "best frame"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix} of {size}"


def contradiction(score: float | None, suggestion: str | None, group_size: int) -> str | None:
    """Why a suggestion stands against its score, or None when they agree."""
    if score is None or suggestion is None:
        return None
    shown = score_100(score)
    if suggestion == "reject" and score >= REJECT_LOOKS_WRONG_FROM:
        if group_size > 1:
            return (f"reject despite score {shown}: another frame of this group is better on what "
                    "tells near-identical frames apart (eyes, sharpness, exposure)")
        return (f"reject despite score {shown}: the score rates the whole image and does not weigh "
                "a fault this severe")
    if suggestion == "pick" and score < PICK_LOOKS_WRONG_BELOW:
        if group_size > 1:
            return f"pick despite score {shown}: the best of its group; the other frames are worse"
        return f"pick despite score {shown}"
    return None


def reasons_with_contradiction(reasons: list[str], score: float | None, suggestion: str | None,
                               group_size: int) -> list[str]:
    """The reasons, plus the explanation when the suggestion contradicts the score."""
    why = contradiction(score, suggestion, group_size)
    return list(reasons) + ([why] if why else [])
