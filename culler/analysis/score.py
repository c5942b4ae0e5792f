"""The fused quality score of one photo, and how far its signals agree (confidence).

`fuse(signals)` works with whatever signals are present: technical only, or with deep ones.

Score
  Each present signal with a direction is normalised to 0-1, 1 best (`registry.normalised`), and
  the score is their weighted mean, times hard penalties:

      base  = sum(w_i * n_i) / sum(w_i)
      score = base * eyes_penalty * blur_penalty * clipping_penalty

  weights w: sharpness 3, exposure 2, eyes_open 2 (only with faces), clipiqa 2, motion_blur 1.5,
  nima 1.5, noise 1, contrast 0.5, any other registered deep signal 1. highlights/shadows
  clipped are already inside `exposure`; faces, brightness and eyes_closed add no component.
  Deep signals are normalised over the span real photos use (registry `norm`): CLIP-IQA 0.2-0.9,
  NIMA 3-7. Those spans come from the metrics' published ranges, not from a calibration here
  (no real weights offline); move them in `registry` once real scores are seen.
  - eyes_penalty = 1 - 0.4 * closed_share when any face has its eyes closed (closed_share =
    1 - eyes_open, the share of judged faces with eyes closed): all eyes closed costs 40 %.
  - blur_penalty = min(p(sharpness), p(1 - motion_blur)) with p(x) = 0.6 + 0.4 * x / 0.25 below
    0.25, else 1: a severely blurred or shaken frame loses up to 40 % however good the rest is.
  - clipping_penalty = 1 - 0.7 * clamp((highlights + shadows clipped - 0.25) / 0.5): a frame
    three quarters white or black (a flash misfire, a lens cap) loses 70 %; a blown sky on a
    quarter of the frame costs nothing.

The score people see is this one adjusted within bursts by `core.ranking.album_scores` (a frame
with a clearly better sibling is worth less).

Confidence
  agreement = 1 - 2 * (weighted standard deviation of the normalised components), so 1 when all
  signals tell the same story and 0 when they split between 0 and 1; coverage = the weight
  present / the weight of the full set (technical + clipiqa + nima, without eyes):

      confidence = agreement * coverage

  Technical signals alone reach at most 8 / 11.5 = 0.70; one signal alone at most 3 / 11.5.
"""

from __future__ import annotations

import math

from culler.analysis import registry

WEIGHTS: dict[str, float] = {
    "sharpness": 3.0, "exposure": 2.0, "eyes_open": 2.0, "clipiqa": 2.0, "motion_blur": 1.5,
    "nima": 1.5, "noise": 1.0, "contrast": 0.5,
}
OTHER_DEEP_WEIGHT = 1.0
# Covered by `exposure`, counted by eyes_open, neutral, or only comparable within a burst
# (blockiness: a source's own JPEG compression differs across an album): never a component.
NOT_COMPONENTS = frozenset({"highlights_clipped", "shadows_clipped", "eyes_closed", "faces", "brightness",
                            "blockiness"})
FULL_WEIGHT = sum(w for n, w in WEIGHTS.items() if n != "eyes_open")
EYES_CLOSED_COST = 0.4
SEVERE_BLUR = 0.25
BLUR_COST = 0.4
CLIP_FREE, CLIP_FULL, CLIP_COST = 0.25, 0.75, 0.7


def components(signals: dict[str, float | None]) -> dict[str, tuple[float, float]]:
    """name -> (normalised value 0-1, weight) for every signal that counts towards the score."""
    out: dict[str, tuple[float, float]] = {}
    for name, value in signals.items():
        if name in NOT_COMPONENTS:
            continue
        spec = registry.SIGNALS.get(name)
        if spec is None:
            continue
        weight = WEIGHTS.get(name, OTHER_DEEP_WEIGHT if spec.kind == "deep" else 0.0)
        n = registry.normalised(name, value)
        if weight > 0 and n is not None:
            out[name] = (n, weight)
    return out


def weighted_mean(signals: dict[str, float | None]) -> float | None:
    """The score before the hard penalties (None when no signal counts)."""
    parts = components(signals)
    total = sum(w for _, w in parts.values())
    return sum(n * w for n, w in parts.values()) / total if total > 0 else None


def fuse(signals: dict[str, float | None]) -> tuple[float | None, float | None]:
    """(score 0-1, confidence 0-1), or (None, None) when no signal counts."""
    parts = components(signals)
    total = sum(w for _, w in parts.values())
    if total <= 0:
        return None, None
    base = sum(n * w for n, w in parts.values()) / total
    score = base * eyes_penalty(signals) * blur_penalty(signals) * clipping_penalty(signals)

    spread = math.sqrt(sum(w * (n - base) ** 2 for n, w in parts.values()) / total)
    agreement = max(0.0, 1.0 - 2.0 * spread)
    coverage = min(1.0, sum(w for name, (_, w) in parts.items() if name != "eyes_open") / FULL_WEIGHT)
    return _clamp01(score), _clamp01(agreement * coverage)


def eyes_penalty(signals: dict[str, float | None]) -> float:
    closed, open_share = _number(signals.get("eyes_closed")), _number(signals.get("eyes_open"))
    if not closed or closed < 1 or open_share is None:
        return 1.0
    return 1.0 - EYES_CLOSED_COST * _clamp01(1.0 - open_share)


def blur_penalty(signals: dict[str, float | None]) -> float:
    sharp = _number(signals.get("sharpness"))
    shake = _number(signals.get("motion_blur"))
    factors = [_severity(sharp) if sharp is not None else 1.0,
               _severity(1.0 - shake) if shake is not None else 1.0]
    return min(factors)


def clipping_penalty(signals: dict[str, float | None]) -> float:
    """1 up to a quarter of the frame clipped (a blown sky is part of many good photos), falling
    linearly to 1 - CLIP_COST once three quarters of it are pure white or black."""
    clipped = sum(v for v in (_number(signals.get("highlights_clipped")), _number(signals.get("shadows_clipped")))
                  if v is not None)
    return 1.0 - CLIP_COST * _clamp01((clipped - CLIP_FREE) / (CLIP_FULL - CLIP_FREE))


def _severity(quality: float) -> float:
    quality = _clamp01(quality)
    return 1.0 if quality >= SEVERE_BLUR else 1.0 - BLUR_COST + BLUR_COST * quality / SEVERE_BLUR


def _number(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


def _clamp01(v: float) -> float:
    return 0.0 if v < 0.0 else 1.0 if v > 1.0 else float(v)
