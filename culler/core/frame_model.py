"""How good each frame of a burst is compared with its siblings: a small learned pairwise model.

Frames of one moment differ in a few measurable ways. Each frame gets a handful of features,
each relative to the best value in its group (0 = as good as the best sibling):

    width       log edge width (from `sharpness`) above the narrowest: defocus, shake, heavy JPEG
    motion      `motion_blur` above the steadiest frame, counted in full only for a frame that is
                also softer than the crispest one (straight lines read directional when steady)
    noise       log noise sigma (from `noise`) above the cleanest of the crispest frames: auto-ISO
    dark        stops below the group's reference exposure
    bright      stops above it
    highlights  share of clipped highlights above the least clipped frame
    shadows     share of crushed shadows above the least crushed frame
    contrast    RMS contrast below the most contrasted frame (haze, flare, a washed-out frame)
    blocking    JPEG block grid above the least blocky frame, beyond a small slack (a heavily
                compressed copy)

The reference exposure is the level most frames share (a burst keeps the photographer's metering
and only some frames stray from it), not an ideal mid-grey that night or high-key scenes never
meet, nor the plain median, which half a burst shot too dark would drag down. Clipping the scene
shares in every well-exposed frame costs nothing (only clipping above the least clipped frame
counts), and fewer clipped pixels bought by under-exposure are paid for in `dark`.

The frame's utility is u = -sum(w_k * feature_k). The weights come from a logistic regression on
pairs of frames (P(a better than b) = sigmoid(u_a - u_b)), fitted by benchmarks/train_ranker.py on
bursts re-shot in linear light from one half of the photo sources and checked on the other half
(benchmarks/burst_eval.py); they ship in resources/ranker.json. Because it is a calibrated pairwise
model, sigmoid(u_best - u) is how sure the ranking is that the best frame beats this one, which is
what a reject suggestion waits for.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from statistics import median

FEATURES = ("width", "motion", "noise", "dark", "bright", "highlights", "shadows", "contrast", "blocking")
# Fallback when resources/ranker.json is missing or unreadable: the shipped weights, rounded.
_FALLBACK = {"width": 8.1, "motion": 2.8, "noise": 4.1, "dark": 2.4, "bright": 3.6, "highlights": 1.1,
             "shadows": 0.0, "contrast": 1.2, "blocking": 0.8}
WIDTH_FLOOR = 0.3  # px added to edge widths before the log (below it, differences do not show)
NOISE_FLOOR = 2.0  # grey levels added to noise sigma before the log: fainter noise is invisible
SAME_LEVEL = 0.3  # stops: frames this close share an exposure
SHAKE_WIDTH = 0.2  # log edge width above the crispest frame at which motion blur counts fully
PEER_WIDTH, PEER_BLOCKING = 0.1, 3.0  # frames this close to the crispest set the noise reference
BLOCKING_SLACK = 1.5  # grey levels of block grid above the least blocky frame that are no fault
CLIP_SLACK = 0.01  # share of the frame newly blown that still counts as "no more clipping"


@dataclass(frozen=True)
class FrameModel:
    """Non-negative penalty weights per feature (see the module docstring)."""

    weights: dict[str, float]
    source: str = "built-in"

    def utility(self, features: dict[str, float]) -> float:
        return -sum(self.weights.get(k, 0.0) * v for k, v in features.items())


def load(path: Path | None = None) -> FrameModel:
    """The shipped model (resources/ranker.json), or the built-in weights if it cannot be read."""
    return _load(str(path or _default_path()))


@lru_cache(maxsize=4)
def _load(path: str) -> FrameModel:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        weights = {k: max(0.0, float(data["weights"][k])) for k in FEATURES}
        return FrameModel(weights, source=Path(path).name)
    except (OSError, ValueError, KeyError, TypeError):
        return FrameModel(dict(_FALLBACK))


def _default_path() -> Path:
    from culler.context import resources_dir

    return resources_dir() / "ranker.json"


def edge_width(sharpness: float | None) -> float | None:
    """Edge width in px from culler's sharpness (1 / (1 + (b / 1.6)^2)); 0 sharpness -> 8 px."""
    if sharpness is None:
        return None
    s = min(max(sharpness, 0.0), 1.0)
    return 8.0 if s <= 0.04 else min(8.0, 1.6 * math.sqrt(max(1.0 / s - 1.0, 0.0)))


def noise_sigma(noise: float | None) -> float | None:
    """Noise sigma in grey levels from culler's noise (sigma^2 / (sigma^2 + 16))."""
    if noise is None:
        return None
    n = min(max(noise, 0.0), 0.999)
    return 4.0 * math.sqrt(n / (1.0 - n))


def stops(brightness: float | None) -> float | None:
    """Exposure level in stops (mean grey level, gamma 2.2)."""
    return None if brightness is None else 2.2 * math.log2(max(brightness, 0.005))


def group_features(frames: list[dict[str, float | None]]) -> list[dict[str, float]]:
    """The features of every frame of one group (signal dicts in, one dict per frame out).

    A signal missing for one frame counts as the group's median (neither reward nor blame); a
    signal missing for the whole group contributes nothing.
    """
    raw = {
        "width": [_log(edge_width(f.get("sharpness")), WIDTH_FLOOR) for f in frames],
        "motion": [f.get("motion_blur") for f in frames],
        "noise": [_log(noise_sigma(f.get("noise")), NOISE_FLOOR) for f in frames],
        "stops": [stops(f.get("brightness")) for f in frames],
        "highlights": [f.get("highlights_clipped") for f in frames],
        "shadows": [f.get("shadows_clipped") for f in frames],
        "contrast": [f.get("contrast") for f in frames],
        "blocking": [f.get("blockiness") for f in frames],
    }
    for k, vals in raw.items():
        present = [v for v in vals if v is not None]
        raw[k] = [median(present) if v is None else v for v in vals] if present else [None] * len(vals)
    out = [dict.fromkeys(FEATURES, 0.0) for _ in frames]
    for k in ("width", "motion", "highlights", "shadows", "blocking"):
        _above_least(out, k, raw[k])
    for o in out:
        o["motion"] *= min(1.0, o["width"] / SHAKE_WIDTH)  # as sharp as the sharpest: not shaken
        o["blocking"] = max(0.0, o["blocking"] - BLOCKING_SLACK)  # noise hides a fine grid a little
    if raw["noise"][0] is not None:
        # Against the cleanest of the frames as crisp as the crispest: a softer or JPEG-smoothed
        # frame reads less noisy (its flat areas are flatter), which is no virtue.
        peers = [v for v, o in zip(raw["noise"], out) if o["width"] <= PEER_WIDTH and o["blocking"] <= PEER_BLOCKING]
        least = min(peers or raw["noise"])
        for o, v in zip(out, raw["noise"]):
            o["noise"] = max(0.0, v - least)
    if raw["contrast"][0] is not None:
        top = max(raw["contrast"])
        for o, v in zip(out, raw["contrast"]):
            o["contrast"] = top - v
    if raw["stops"][0] is not None:
        ref = reference_stops(raw["stops"], raw["highlights"])
        for o, v in zip(out, raw["stops"]):
            o["dark"], o["bright"] = max(0.0, ref - v), max(0.0, v - ref)
    return out


def reference_stops(levels: list[float], highlights: list[float | None]) -> float:
    """The group's reference exposure (stops).

    The level most frames share (within SAME_LEVEL stops; a burst keeps the photographer's
    metering and only some frames stray): the median of that cluster. When no level is shared by
    more frames than another, the brightest candidate that clips no more highlights than the least
    clipped frame (plus CLIP_SLACK): a darker copy of it only trades light for nothing, a brighter
    one pays in blown highlights."""
    counts = [sum(abs(o - s) <= SAME_LEVEL for o in levels) for s in levels]
    top = max(counts)
    tops = [i for i, c in enumerate(counts) if c == top]
    clusters = []
    for i in sorted(tops, key=lambda i: levels[i]):
        members = [j for j, s in enumerate(levels) if abs(s - levels[i]) <= SAME_LEVEL]
        if not clusters or set(members) != set(clusters[-1]):
            clusters.append(members)
    if len(clusters) == 1:
        return median(levels[j] for j in clusters[0])
    hl = [h if h is not None else 0.0 for h in highlights]
    least = min(hl)
    ok = [c for c in clusters if median(hl[j] for j in c) <= least + CLIP_SLACK]
    if not ok:
        return median(levels)
    return median(levels[j] for j in max(ok, key=lambda c: median(levels[j] for j in c)))


def _above_least(out: list[dict], key: str, values: list) -> None:
    """out[i][key] = how far values[i] lies above the group's least (lower is better) value."""
    if values[0] is None:
        return
    least = min(values)
    for o, v in zip(out, values):
        o[key] = v - least


def _log(v: float | None, floor: float) -> float | None:
    return None if v is None else math.log(max(v, 0.0) + floor)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))
