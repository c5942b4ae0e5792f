"""When a time-budget review may say a photo was "seen": on screen long enough to be looked at.

The review summary ("did the low scores hide keepers?") and the statistics kept across shoots
count picks among the photos *seen*; crediting every photo of a sweep page flicked past with
Return (80 of 80 "seen" in 3 s) made both meaningless. The rule, stated in the summary as
`RULE`:
- a photo shown by itself counts after MIN_ALONE_S seconds on screen;
- a photo on a sweep page (a grid of the low tail) counts after MIN_ON_PAGE_S seconds of its
  page's time, which the review shares among the page's photos (so a page of 24 needs ~6 s);
- a photo the user decided (flag, stars, label) counts at once: deciding is looking.
Pure functions; the review session supplies seconds and decisions.
"""

from __future__ import annotations

MIN_ALONE_S = 0.5
MIN_ON_PAGE_S = 0.25

RULE = (f"A photo counts as seen after {MIN_ALONE_S:g} s on screen by itself, {MIN_ON_PAGE_S:g} s per photo "
        "on a sweep page, or once you decide it.")


def counts_as_seen(seconds: float, on_sweep_page: bool, decided: bool = False) -> bool:
    """Whether a photo that had `seconds` on screen (its share of the page's time on a sweep page)
    was looked at."""
    if decided:
        return True
    return float(seconds or 0.0) >= (MIN_ON_PAGE_S if on_sweep_page else MIN_ALONE_S) - 1e-9


def page_seconds_needed(photos_on_page: int) -> float:
    """How long a sweep page must stay on screen for all its photos to count as seen."""
    return MIN_ON_PAGE_S * max(0, photos_on_page)
