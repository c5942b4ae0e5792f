"""CLIP "look" features for the taste model: how far each photo leans along a few named directions
in CLIP's space, from its stored image embedding (`store.embeddings("clip")`).

Each look is a pair of prompts (`LOOKS`); its direction is the difference of their text embeddings
(CLIP's text tower, culler/analysis/clip_text.py), and a photo's value is the cosine of its image
embedding with the first prompt minus that with the second. A contrast of two prompts, not one
prompt's cosine: every photo's cosine with any prompt sits around 0.2-0.3 whatever it shows, and
the difference removes that common part. The looks are chosen for what a photographer says of
their taste and the technical signals cannot see, because it is the scene, not the exposure:
- low_key: a dark, moody, low-key scene vs a bright, airy, high-key one (a night street kept dark
  on purpose is not an underexposed frame, which `level` and `rel_dark` already measure);
- contrasty: dramatic, hard light vs soft, flat light (the light of the scene, not the tone curve);
- people: a portrait of a person vs a photo without people (the subject);
- wide: a landscape, a wide view vs a close-up of a small thing (the framing);
- colourful: vivid colours vs muted colours or black and white.
Five, so the profile file grows by five numbers per photo (not 512), and the fit stays small.

The text directions are computed once per CLIP weight file and kept in the cache folder
(clip_text.encode_cached), and once per process in memory; `album_looks` gives {} when CLIP's
model file or its packages are missing, or no photo has an embedding: the taste then has NaN for
these features (missing, like any other signal).
"""

from __future__ import annotations

import logging
from pathlib import Path

LOOKS = {  # name -> (prompt it leans towards, prompt it leans away from)
    "low_key": ("a dark, moody, low-key photo", "a bright, airy, high-key photo"),
    "contrasty": ("a high-contrast photo with hard, dramatic light", "a soft, flat, low-contrast photo"),
    "people": ("a portrait of a person", "a photo with no people in it"),
    "wide": ("a landscape photo of a wide view", "a close-up photo of a small thing"),
    "colourful": ("a vivid, colourful photo", "a muted, black and white photo"),
}
NAMES = tuple(LOOKS)
log = logging.getLogger(__name__)
_memo: dict[tuple, object] = {}


def directions(models_dir: Path, cache_dir: Path):
    """len(LOOKS) x 512 float32 array (row k: first prompt's text embedding minus the second's), or
    None when CLIP's model file or packages are missing."""
    from culler.analysis import clip_text, model_files

    found = model_files.locate(clip_text.MODEL, Path(models_dir))
    if found is None or clip_text.missing_message(Path(models_dir)):
        return None
    (weights,) = found.values()
    st = weights.stat()
    key = (str(weights.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _memo:
        texts = [t for pair in LOOKS.values() for t in pair]
        try:
            vectors = clip_text.encode_cached(Path(models_dir), texts, Path(cache_dir))
        except (clip_text.ClipModelMissing, ImportError) as e:
            log.info("CLIP look features unavailable: %s", e)
            return None
        _memo[key] = vectors[0::2] - vectors[1::2]
    return _memo[key]


def looks(embeddings: dict, dirs) -> dict[int, list[float]]:
    """photo id -> one value per look (cosine differences), for each photo with an embedding."""
    import numpy as np

    if dirs is None or not embeddings:
        return {}
    ids = sorted(embeddings)
    x = np.array([np.asarray(embeddings[i], np.float32).ravel() for i in ids], np.float64)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    values = x @ np.asarray(dirs, np.float64).T
    return {pid: [round(float(v), 6) for v in row] for pid, row in zip(ids, values)
            if np.all(np.isfinite(row))}


def album_looks(store, models_dir: Path | None, cache_dir: Path | None) -> dict[int, list[float]]:
    """The look features of an album's photos ({} without CLIP's model file or embeddings)."""
    if models_dir is None or cache_dir is None:
        return {}
    embeddings = store.embeddings("clip")
    if not embeddings:
        return {}
    return looks(embeddings, directions(Path(models_dir), Path(cache_dir)))


def for_context(ctx):
    """A callable store -> look features, with the folders of an AppContext (None: no looks)."""
    if ctx is None:
        return None
    return lambda store: album_looks(store, getattr(ctx, "models_dir", None), getattr(ctx, "cache_dir", None))
