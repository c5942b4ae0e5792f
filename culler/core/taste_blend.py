"""The taste hook of the ranking: the photographer's profile applied to one album's order.

`for_album` finds the profile an album's grouping stage uses: the default one in the user data
folder the store was opened with, unless the album turned taste off (setting `OFF_KEY`) or the
profile has not earned a weight yet (alpha 0: the generic ranking, exactly). `TasteBlend` is what
`culler.core.ranking` takes as its `taste` parameter: each photo's keep score blended from
culler's album score and the taste (Profile.scores, the quantity whose weight was checked on the
held-back decisions). It chooses the best frame of a burst (the pick suggestion) and replaces the
album score (tiles, the time-budget review).
"""

from __future__ import annotations

import logging

from culler.core import taste, taste_evidence

OFF_KEY = "taste.off"  # album setting: true = this album neither uses nor teaches the taste
log = logging.getLogger(__name__)


def album_off(store) -> bool:
    return bool(store.get(OFF_KEY, False))


def for_album(store) -> taste.Profile | None:
    """The profile to blend into this album's order, or None for the generic ranking."""
    data_dir = getattr(store, "data_dir", None)
    if data_dir is None or album_off(store):
        return None
    path = taste.default_path(data_dir)
    if not path.exists():
        return None
    try:
        profile = taste.load(path)
    except taste.TasteError as e:  # the generic order, and the file left for the user to look at
        log.warning("%s", e)
        return None
    return profile if _earned(profile) else None


def _earned(profile: taste.Profile) -> bool:
    """Learned something and earned a weight (alpha 0: the generic ranking, exactly)."""
    return profile.weights is not None and profile.alpha > 0


class TasteBlend:
    """A profile's view of one album (features: taste_evidence.album_features with the generic
    album scores; rows: its GroupRows)."""

    def __init__(self, profile: taste.Profile, features: dict[int, list[float]], rows) -> None:
        self._scores = profile.scores(features, rows) if features else {}

    def keep(self, photo_id: int) -> float | None:
        """The blended keep score (0-1) of a photo, None if unknown."""
        return self._scores.get(photo_id)

    def scores(self, generic: dict[int, float | None]) -> dict[int, float | None]:
        """The album scores with the taste blended in (a photo without a score keeps None)."""
        return {pid: None if s is None else self._scores.get(pid, s) for pid, s in generic.items()}


ALBUM_DEFAULT = "album default"  # blend's `profile`: the user's profile unless the album is off


def blend(store, signals: dict[int, dict], rows, generic: dict[int, float | None],
          profile=ALBUM_DEFAULT, looks=None) -> TasteBlend | None:
    """The hook for this album (rows and `generic`: the generic ranking's), or None. `profile`: a
    Profile given on purpose (`--taste FILE`), None for culler's own order (`--taste none`), or
    ALBUM_DEFAULT for the user's profile where the album has not turned it off. `looks`: a
    callable store -> CLIP look values (taste_evidence.from_store), called only when a profile is used."""
    if profile is ALBUM_DEFAULT:
        profile = for_album(store)
    elif profile is not None and not _earned(profile):
        profile = None  # nothing learned yet: culler's own order
    if profile is None:
        return None
    return TasteBlend(profile, taste_evidence.album_features(signals, rows, generic,
                                                             looks(store) if looks else None), rows)
