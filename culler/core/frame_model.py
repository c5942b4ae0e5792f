"""How good each frame of a burst is compared with its siblings: a small learned pairwise model.

Frames of one moment differ in a few measurable ways. Each frame gets a handful of features,
each relative to the best value in its group (0 = as good as the best sibling):

    width       log edge width (from `sharpness`) above the narrowest: defocus, shake, heavy JPEG
    motion      `motion_blur` above the steadiest frame, counted in full only for a frame that is
                also softer than the crispest one (straight lines read directional when steady)
    noise       log noise sigma (from `noise`) above the cleanest of the crispest frames at the
                shared exposure: auto-ISO
    dark        stops below the group's reference exposure (mean linear light, `light`)
    bright      stops above it
    highlights  share of clipped highlights above the least clipped frame not darker than the reference
    shadows     share of crushed shadows above the least crushed frame not brighter than the reference
    contrast    RMS contrast below the most contrasted frame (haze, flare, a washed-out frame)
    blocking    JPEG block grid above the least blocky frame and above what a clean file's own
                compression shows, beyond a small slack (a heavily compressed copy)
    soft, fine, grain
                siblings compared tile by tile on their detail maps (see `detail_features`):
                wider edges, less of the finest detail, more noise on the same patches of the scene

The reference exposure is the level most frames share (a burst keeps the photographer's metering
and only some frames stray from it), not an ideal mid-grey that night or high-key scenes never
meet, nor the plain median, which half a burst shot too dark would drag down (see
`reference_stops`). Clipping the scene shares in every well-exposed frame costs nothing (only
clipping above the least clipped frame at the reference exposure counts), and fewer clipped
pixels bought by under-exposure are no virtue: that frame pays in `dark`, not its siblings in
`highlights`.

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

FEATURES = ("width", "motion", "noise", "dark", "bright", "highlights", "shadows", "contrast", "blocking",
            "soft", "fine", "grain")
# Fallback when resources/ranker.json is missing or unreadable: the shipped weights, rounded.
_FALLBACK = {"width": 4.9, "motion": 2.1, "noise": 5.9, "dark": 2.8, "bright": 3.6, "highlights": 1.3,
             "shadows": 0.6, "contrast": 1.2, "blocking": 0.8, "soft": 4.2, "fine": 3.2, "grain": 5.0}
_FALLBACK_PLAIN = {"width": 10.2, "motion": 2.8, "noise": 8.1, "dark": 3.0, "bright": 4.2, "highlights": 1.3,
                   "shadows": 0.4, "contrast": 1.4, "blocking": 1.0, "soft": 0.0, "fine": 0.0, "grain": 0.0}
WIDTH_FLOOR = 0.3  # px added to edge widths before the log (below it, differences do not show)
NOISE_FLOOR = 2.0  # grey levels added to noise sigma before the log: fainter noise is invisible
SAME_LEVEL = 0.07  # stops (linear light): frames this close share an exposure
SAME_GREY_LEVEL = 0.3  # the same from the mean grey level (older analyses), which blur and grain move
SHAKE_WIDTH = 0.2  # log edge width above the crispest frame at which motion blur counts fully
PEER_WIDTH, PEER_BLOCKING = 0.1, 3.0  # frames this close to the crispest set the noise reference
BLOCKING_FLOOR = 2.5  # grey levels of block grid a clean frame's own compression may show
BLOCKING_SLACK = 1.0  # grey levels of block grid above the least blocky frame that are no fault
# Stops: siblings shot at one exposure but a few pixels apart can read this much further apart than
# SAME_LEVEL (other content in the tiles). The references for noise and clipping take every frame
# this close to the reference exposure, so a frame that read a little off still sets them.
LEVEL_SPREAD = 0.1
CLIP_SLACK = 0.01  # share of the frame newly blown that still counts as "no more clipping"
# A frame whose block grid shows this much more than the least blocky at its level (grey levels) while it reads
# less noisy than every frame at that level without such a grid by this much (log noise) may be a re-compressed
# copy: the compression wiped the sensor noise the others share. It is one (and sets no noise reference) when its
# grid stands GRID_OVER_NOISE times above its own noise sigma (plus GRID_NOISE_FLOOR grey levels): a camera's
# own compression quantises finer than its sensor's noise, so its grid stays below it (clean frames: 1.4 times
# the median, 4.6 at the 99th percentile, over 2,760 bursts), while a copy re-saved at quality 15-55 shows 4.5
# times or more (1st percentile of 1,607; 5.5 at the 5th). A clean frame beside auto-ISO siblings shows more
# grid and less noise than they do (noise masks a grid), so comparing its noise with theirs cannot tell it from
# a copy. A copy is also one when its edges on the detailed tiles are PEER_SOFT wider than the crispest such sibling's
# (compression takes the finest edges with the noise, an ISO step takes neither from the clean frame).
SMOOTHED_BLOCKING, SMOOTHED_NOISE = 1.0, 0.05
GRID_OVER_NOISE, GRID_NOISE_FLOOR = 4.0, 0.5
DETAIL_FEATURES = ("soft", "fine", "grain")
DETAIL_LAYERS = 4  # fine, coarse, laplace, clear: technical.DETAIL_CHANNELS, tiles flattened in each
DETAIL_TILES = 16 * 16  # technical.DETAIL_GRID squared; newer maps add a 5th layer, light (`tile_levels`)
DETAIL_SHARE = 0.3  # share of the usable tiles taken as the most detailed (soft, fine) / flattest (grain)
DETAIL_CLEAR = 0.98  # a tile is usable when this share of its pixels is clear of black and white in every frame
PEER_SOFT = 0.08  # a frame this much softer on the detailed tiles sets no noise reference
FINE_KEEP = 0.1  # share of the finest band always counted as detail (where noise swamps it)
DETAIL_FLOOR = 4.0  # coarse gradient energy (grey levels^2) below which a tile holds no edge
# Noise energy per unit noise variance in the detail map's channels (technical._noise_gain of one
# gradient component at sigma 0.8 and 1.6 px; the 3x3 Laplacian difference filter's sum of squares).
GAIN_FINE, GAIN_COARSE, LAPLACE_GAIN = 2.3348, 0.29428, 36.0


@dataclass(frozen=True)
class FrameModel:
    """Non-negative penalty weights per feature (see the module docstring), and the weights fitted
    without the detail features for a group whose frames have no detail maps (an album analysed
    before they existed): there the signals alone must carry the evidence."""

    weights: dict[str, float]
    source: str = "built-in"
    without_detail: dict[str, float] | None = None

    def utility(self, features: dict[str, float]) -> float:
        return -sum(self.weights.get(k, 0.0) * v for k, v in features.items())

    def for_group(self, has_detail: bool) -> FrameModel:
        if has_detail or self.without_detail is None:
            return self
        return FrameModel(self.without_detail, self.source)


def load(path: Path | None = None) -> FrameModel:
    """The shipped model (resources/ranker.json), or the built-in weights if it cannot be read."""
    return _load(str(path or _default_path()))


@lru_cache(maxsize=4)
def _load(path: str) -> FrameModel:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        weights, plain = ({k: max(0.0, float(data[key][k])) for k in FEATURES}
                          for key in ("weights", "weights_without_detail"))
        return FrameModel(weights, Path(path).name, plain)
    except (OSError, ValueError, KeyError, TypeError):
        return FrameModel(dict(_FALLBACK), without_detail=dict(_FALLBACK_PLAIN))


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


def _levels(frames: list[dict[str, float | None]], details: list | None = None) -> tuple[list[float | None], float]:
    """Each frame's exposure in stops and how close two shared levels read: from the light of the
    tiles clear of black and white in every frame when every detail map has a light layer
    (`tile_levels`; light that went into blown highlights, or stayed blown in a darker frame, hides
    the difference between frames in their means over the whole frame), else from the mean linear
    light when every frame has it, else from the mean grey level (older analyses)."""
    tiled = tile_levels(details or [])
    if tiled is not None:
        return tiled, SAME_LEVEL
    if all(f.get("light") is not None for f in frames):
        return [math.log2(max(f["light"], 1e-4)) for f in frames], SAME_LEVEL
    return [stops(f.get("brightness")) for f in frames], SAME_GREY_LEVEL


def tile_levels(details: list) -> list[float] | None:
    """Siblings' exposures (stops, relative to the first frame) from their detail maps' light
    layer: the median over the tiles clear of black and white in every frame of the log ratio of
    their light. None when a frame has no map with a light layer or too few tiles are clear in
    every frame."""
    import numpy as np

    if len(details) < 2 or any(d is None for d in details):
        return None
    maps = [np.asarray(d, dtype=np.float64).reshape(-1) for d in details]
    if any(m.size != DETAIL_TILES * (DETAIL_LAYERS + 1) for m in maps):
        return None
    layers = np.stack(maps).reshape(len(maps), DETAIL_LAYERS + 1, DETAIL_TILES)
    clear, light = layers[:, 3], layers[:, 4]
    usable = (clear.min(axis=0) >= DETAIL_CLEAR) & (light.min(axis=0) > 1e-4)
    if usable.sum() < 8:
        return None
    logs = np.log2(light[:, usable])
    return [float(v) for v in np.median(logs - logs[0], axis=1)]


def level_tolerance(frames: list[dict[str, float | None]]) -> float:
    """How close (stops) two frames' exposures read when they share one (see `_levels`)."""
    return _levels(frames)[1]


def group_features(frames: list[dict[str, float | None]], details: list | None = None) -> list[dict[str, float]]:
    """The features of every frame of one group (signal dicts in, one dict per frame out).

    A signal missing for one frame counts as the group's median (neither reward nor blame); a
    signal missing for the whole group contributes nothing. `details` are the frames' detail maps
    (`technical.detail_map`, None when not known) for `detail_features`.
    """
    levels, same = _levels(frames, details)
    raw = {
        "width": [_log(edge_width(f.get("sharpness")), WIDTH_FLOOR) for f in frames],
        "motion": [f.get("motion_blur") for f in frames],
        "noise": [_log(noise_sigma(f.get("noise")), NOISE_FLOOR) for f in frames],
        "stops": levels,
        "highlights": [f.get("highlights_clipped") for f in frames],
        "shadows": [f.get("shadows_clipped") for f in frames],
        "contrast": [f.get("contrast") for f in frames],
        "blocking": [f.get("blockiness") for f in frames],
    }
    for k, vals in raw.items():
        present = [v for v in vals if v is not None]
        raw[k] = [median(present) if v is None else v for v in vals] if present else [None] * len(vals)
    out = [dict.fromkeys(FEATURES, 0.0) for _ in frames]
    for k in ("width", "motion"):
        _above_least(out, k, raw[k])
    if raw["blocking"][0] is not None:
        # A light grid below BLOCKING_FLOOR is the camera's own compression, found in clean frames too.
        least = max(min(raw["blocking"]), BLOCKING_FLOOR)
        for o, v in zip(out, raw["blocking"]):
            o["blocking"] = max(0.0, v - least - BLOCKING_SLACK)
    for o in out:
        o["motion"] *= min(1.0, o["width"] / SHAKE_WIDTH)  # as sharp as the sharpest: not shaken
    if raw["contrast"][0] is not None:
        top = max(raw["contrast"])
        for o, v in zip(out, raw["contrast"]):
            o["contrast"] = top - v
    if raw["stops"][0] is not None:
        ref = reference_stops(raw["stops"], raw["highlights"], same)
        for o, v in zip(out, raw["stops"]):
            o["dark"], o["bright"] = max(0.0, ref - v), max(0.0, v - ref)
    near = same + LEVEL_SPREAD
    _clipping_at_reference(out, raw, near)
    sigmas = [noise_sigma(f.get("noise")) for f in frames]
    tiles = _tiles(details or [None] * len(frames), [o["width"] for o in out], sigmas)
    peers = _noise_peers(out, near, raw["blocking"], raw["noise"], None if tiles is None else tiles["soft"])
    if raw["noise"][0] is not None:
        least = min(raw["noise"][i] for i in peers)
        for o, v in zip(out, raw["noise"]):
            o["noise"] = max(0.0, v - least)
    for o, d in zip(out, detail_features(tiles, peers, len(frames))):
        o.update(d)
    return out


def _clipping_at_reference(out: list[dict[str, float]], raw: dict[str, list], same: float) -> None:
    """Clipping measured against what the scene allows at the reference exposure: blown highlights
    above the least clipped frame that is not darker than the reference (a darker frame clips less
    only because it is darker, and pays for that in `dark`), crushed shadows above the least
    crushed frame that is not brighter (without exposure levels: above the least of all)."""
    for key, kept in (("highlights", "dark"), ("shadows", "bright")):
        if raw[key][0] is None:
            continue
        at_ref = [v for o, v in zip(out, raw[key]) if o[kept] < same] or raw[key]
        least = min(at_ref)
        for o, v in zip(out, raw[key]):
            o[key] = max(0.0, v - least)


def _noise_peers(out: list[dict[str, float]], same: float, blocking: list, noise: list,
                 soft=None) -> list[int]:
    """The frames whose noise sets the group's reference: at the shared exposure (brightness
    changes how noise shows in grey levels), as crisp as the crispest of those and not
    JPEG-smoothed (a softer or smoothed frame reads less noisy, which is no virtue). `blocking`
    and `noise` are the frames' raw block grid and log noise (None when not measured), `soft`
    their tile softness (`_tiles`, None without detail maps).

    A smoothed frame: see SMOOTHED_BLOCKING. A frame counts as crisp when its edges on the
    detailed tiles are as crisp as the crispest frame's, even if noise made a sibling read
    crisper overall."""
    level = [i for i, o in enumerate(out) if o["dark"] < same and o["bright"] < same]
    level = level or list(range(len(out)))
    if blocking[0] is not None and noise[0] is not None and len(level) > 1:
        grid = min(blocking[i] for i in level)
        blocky = {i for i in level if blocking[i] >= max(grid + SMOOTHED_BLOCKING, BLOCKING_FLOOR)}
        plain = [j for j in level if j not in blocky]

        def smoothed(i: int) -> bool:
            if i not in blocky or not plain:
                return False
            quietest = min(noise[j] for j in plain)
            sigma = math.exp(noise[i]) - NOISE_FLOOR
            heavy = blocking[i] >= GRID_OVER_NOISE * (sigma + GRID_NOISE_FLOOR)
            softer = soft is not None and soft[i] - min(soft[j] for j in plain) >= PEER_SOFT
            return noise[i] < quietest - SMOOTHED_NOISE and (heavy or softer)

        level = [i for i in level if not smoothed(i)] or level
    crisp = min(out[i]["width"] for i in level)
    peers = [i for i in level if (out[i]["width"] <= crisp + PEER_WIDTH or (soft is not None and soft[i] <= PEER_SOFT))
             and out[i]["blocking"] <= PEER_BLOCKING]
    return peers or level


def tiles_comparable(details: list) -> bool:
    """Whether siblings' detail maps can be compared tile by tile (see `_tiles`)."""
    return _tiles(details, [0.0] * len(details), [None] * len(details)) is not None


def _tiles(details: list, widths: list[float], sigmas: list[float | None]) -> dict | None:
    """The siblings' detail maps (`technical.detail_map`) ready to compare tile by tile, with each
    frame's `soft` (see `detail_features`), or None when a frame has no map, the maps differ in
    size, or too few tiles are clear of black and white in every frame. `widths` is each frame's
    `width` feature, `sigmas` its noise sigma in grey levels (its share of the energies is taken out)."""
    import numpy as np

    n = len(details)
    if n < 2 or any(d is None for d in details):
        return None
    maps = [np.asarray(d, dtype=np.float64).reshape(-1)[:DETAIL_LAYERS * DETAIL_TILES] for d in details]
    if any(m.size != DETAIL_LAYERS * DETAIL_TILES for m in maps):
        return None
    fine, coarse, lap, clear = np.stack(maps).reshape(n, DETAIL_LAYERS, -1).transpose(1, 0, 2)
    var = np.array([(s or 0.0) ** 2 for s in sigmas])[:, None]
    usable = np.flatnonzero(clear.min(axis=0) >= DETAIL_CLEAR)
    if usable.size < 8:
        return None
    ref = int(np.argmin(widths))
    k = max(4, round(DETAIL_SHARE * usable.size))
    var = _with_noise_on_flat_tiles(var, lap, _by_structure(coarse, var, ref, usable)[:k])
    by_structure = _by_structure(coarse, var, ref, usable)
    flat, strong = by_structure[:k], by_structure[-k:]
    coarse = np.maximum(coarse - 2.0 * GAIN_COARSE * var, 1e-6)
    strong = strong[coarse[ref, strong] > DETAIL_FLOOR]
    soft = np.zeros(n)
    if strong.size >= 4:
        c = coarse[:, strong]
        ratio2 = np.clip((fine[:, strong] - 2.0 * GAIN_FINE * var) / c, 1.0 + 1e-4, 4.0 - 1e-4)
        b = np.sqrt((1.6 ** 2 - ratio2 * 0.8 ** 2) / (ratio2 - 1.0))  # as technical.edge_width
        soft = np.median(np.log(b + WIDTH_FLOOR) - np.log(b[ref] + WIDTH_FLOOR), axis=1)
        soft -= soft.min()
    return {"coarse": coarse, "lap": lap, "flat": flat, "strong": strong, "soft": soft}


def _by_structure(coarse, var, ref: int, usable):
    """The usable tiles, flattest first, by the reference frame's coarse energy above its noise."""
    import numpy as np

    return usable[np.argsort(np.maximum(coarse[ref, usable] - 2.0 * GAIN_COARSE * var[ref, 0], 1e-6))]


def _with_noise_on_flat_tiles(var, lap, flat):
    """Each frame's noise variance (grey levels^2, a column) raised to what its flat tiles show
    above the quietest sibling's on the same tiles: the global sigma, read where the frame is
    least noisy, can miss most of an auto-ISO frame's noise in a dark or smooth scene, which then
    reads as fine detail (crisper edges)."""
    import numpy as np

    flat_noise = np.median(lap[:, flat], axis=1) / LAPLACE_GAIN
    extra = np.maximum(var[:, 0] - var.min(), flat_noise - flat_noise.min())
    return (var.min() + extra)[:, None]


def detail_features(tiles: dict | None, peers: list[int], n: int) -> list[dict[str, float]]:
    """Tile-by-tile comparison of siblings' detail maps (`_tiles`), per frame:

    soft    how much wider the edges are than in the crispest frame, on the tiles where that
            frame has the most structure (median over those tiles of the log width ratio)
    grain   noise on the crispest frame's flattest tiles, measured on the same tiles in every
            frame, above the cleanest of the `peers` (crisp frames at the shared exposure) that
            are not softer on the detailed tiles either: the texture a scene holds is in every
            sibling alike, and a softer sibling, whose texture is smoothed, sets no reference
    fine    how much of the finest detail (the 3x3 Laplacian band above the frame's own noise on
            its flattest tiles, against the coarse edges) the frame lacks on the detailed tiles
            against the least grainy of the peers, never below 0: weak defocus, JPEG smoothing
            (never against a grainier frame: noise fills this band)

    Frames of a burst are aligned to a few pixels, so the same tile of two siblings shows the same
    patch of the scene. All zeros when `tiles` is None.
    """
    import numpy as np

    out = [dict.fromkeys(DETAIL_FEATURES, 0.0) for _ in range(n)]
    if tiles is None:
        return out
    lap, strong, soft = tiles["lap"], tiles["strong"], tiles["soft"]
    grain = 0.5 * np.log(np.median(lap[:, tiles["flat"]], axis=1) / LAPLACE_GAIN + NOISE_FLOOR ** 2)
    crisp = [i for i in peers if soft[i] <= PEER_SOFT] or peers
    clean = min(crisp, key=lambda i: grain[i])
    for o, g, a in zip(out, grain, soft):
        o["grain"], o["soft"] = float(max(0.0, g - grain[clean])), float(a)
    if strong.size >= 4:
        # the noise in this band is read on the frame's own flattest tiles (the same patch of the
        # scene in every frame): the global sigma misses some of it in dark or smooth scenes
        band = lap[:, strong] - np.median(lap[:, tiles["flat"]], axis=1)[:, None]
        band = np.log(np.maximum(band, FINE_KEEP * lap[:, strong] + 1e-3) / tiles["coarse"][:, strong])
        quiet = min(peers, key=lambda i: grain[i])
        for o, f in zip(out, np.median(band[quiet] - band, axis=1)):
            o["fine"] = float(max(0.0, f))
    return out


def reference_stops(levels: list[float], highlights: list[float | None], same: float = SAME_LEVEL) -> float:
    """The group's reference exposure (stops).

    The level most frames share (within `same` stops; a burst keeps the photographer's
    metering and only some frames stray): the median of that cluster. Frames shot at one setting
    read within a few hundredths of a stop in linear light, while frames that strayed rarely land
    that close to each other by chance. When no level is shared by more frames than another, the
    middle one of the candidates (strays go both ways); between two middle candidates, the
    brighter unless it clips more highlights than the darker one (plus CLIP_SLACK): a darker
    copy of it only trades light for nothing, a brighter one pays in blown highlights."""
    counts = [sum(abs(o - s) <= same for o in levels) for s in levels]
    top = max(counts)
    tops = [i for i, c in enumerate(counts) if c == top]
    clusters = []
    for i in sorted(tops, key=lambda i: levels[i]):
        members = [j for j, s in enumerate(levels) if abs(s - levels[i]) <= same]
        if not clusters or set(members) != set(clusters[-1]):
            clusters.append(members)
    if len(clusters) == 1:
        return median(levels[j] for j in clusters[0])
    if len(clusters) % 2:
        return median(levels[j] for j in clusters[len(clusters) // 2])
    clusters = clusters[len(clusters) // 2 - 1:len(clusters) // 2 + 1]
    hl = [h if h is not None else 0.0 for h in highlights]
    darker, brighter = sorted(clusters, key=lambda c: median(levels[j] for j in c))
    blown = median(hl[j] for j in brighter) > median(hl[j] for j in darker) + CLIP_SLACK
    return median(levels[j] for j in (darker if blown else brighter))


def reference_is_shared(offsets: list[float], same: float = SAME_LEVEL) -> bool:
    """Whether a group's reference exposure is more than a guess: shared by at least two frames
    and by more frames than any other level. `offsets` are the frames' stops from the reference
    (`bright` - `dark`). With no level shared, or two levels shared by as many frames each (two
    strays that happen to match), which one is right is a guess: nothing relative to the siblings
    tells a burst of one clean frame and strays over from one of strays under and one clean."""
    at_ref = sum(abs(o) < same for o in offsets)
    elsewhere = [sum(abs(o - p) <= same for p in offsets) for o in offsets if abs(o) >= same]
    return at_ref >= 2 and at_ref > max(elsewhere, default=0)


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
