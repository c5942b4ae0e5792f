"""Rank the frames of each group, suggest the best ones, and say why in a few words.

Within a burst or a set of near-duplicates every frame shows the same moment, so the ranking looks
at what separates near-identical frames: eyes open first (a blink ruins a frame whatever else it
has), then the learned pairwise model of `frame_model` over sharpness, shake, noise, exposure
against the group's shared level, clipping above the least clipped sibling and contrast. Quality
and aesthetic scores (CLIP-IQA, NIMA, the fused score) only break near-ties: their weight is
bounded so they can never overturn clear technical evidence inside a burst.

Suggestions (advice only, never decisions):
- the top `keep_n` frames of a burst/duplicates group -> 'pick';
- 'reject' only when sure: the model gives the best frame at least a `reject_confidence` chance of
  being better than this one *and* this frame has a named, severe fault compared with the best
  (eyes closed where the best has them open, clearly blurred or shaken, clearly badly exposed,
  much noisier, much more clipped). Frames in between get no suggestion, only their reasons.
- exposure brackets and panoramas are sets meant to be merged: no suggestions at all.
- single photos get no 'pick' (there is nothing to compare them with, so choosing is the user's
  call) and a 'reject' only for an evident accident: a frame that is almost entirely black or
  white with no detail left (a product shot on white is not one). Their reasons still name what is
  wrong ("motion blur", "3 % highlights clipped").

`album_scores` turns the fused per-photo score into the album-wide score people see and the
time-budget review orders by: a frame that has a clearly better sibling in its burst is worth
less (you keep one frame of a moment), by how sure the model is that the sibling is better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from culler.core import frame_model
from culler.core.records import GroupRow


@dataclass(frozen=True)
class RankingParams:
    """Thresholds for what a reason says and for 'clearly worse' (rejects)."""

    w_eyes: float = 12.0  # utility per unit of eyes-open share below the best (a blink outweighs the rest)
    w_quality: float = 0.4  # utility per unit of a 0-1 quality score below the best (tie-breaker)
    quality_cap: float = 0.3  # quality scores together move a frame by at most this much utility
    reject_confidence: float = 0.99  # P(best frame is better) a reject waits for
    reject_sharpness_ratio: float = 0.6  # sharpness below 60 % of the best: blurred
    reject_soft: float = 0.2  # ... and, where tiles were compared, edges this much wider there (log)
    reject_motion: float = 0.25  # motion_blur this much above the steadiest frame (and visibly softer)
    reject_stops: float = 1.0  # this many stops away from the group's shared exposure
    reject_highlights: float = 0.08  # this share of the frame more clipped than the least clipped frame
    reject_shadows: float = 0.12
    reject_noise: float = math.log(2.0)  # noise sigma twice the cleanest frame's
    note_sharpness_ratio: float = 0.85  # below this ratio say "less sharp than the best frame"
    note_motion: float = 0.1
    note_stops: float = 0.5
    note_noise: float = math.log(1.4)
    note_highlights: float = 0.01
    note_shadows: float = 0.03
    single_motion: float = 0.6  # a single photo this shaken (and soft) is worth a note
    single_soft: float = 0.4
    accident_clipped: float = 0.7  # a single frame this black/white with no detail left: reject
    accident_total: float = 0.97  # ... or this black/white whatever is left (a lens cap, a flash misfire)


_NO_CULL_KINDS = ("bracket", "panorama")
_RANKED_KINDS = ("burst", "duplicates")


def rank_groups(groups, signals: dict[int, dict[str, float | None]],
                scores: dict[int, float | None], keep_n: int = 1,
                params: RankingParams | None = None, model: frame_model.FrameModel | None = None,
                details: dict | None = None, taste=None) -> list[GroupRow]:
    """One GroupRow per photo of every group (grouping.Group or plain lists of ids); `details` are
    the photos' detail maps (`technical.detail_map`) where known, for comparing siblings' pixels.
    `taste`: the photographer's taste to blend into the order of each burst (see `_taste_order`),
    None = off."""
    p = params or RankingParams()
    m = model or frame_model.load()
    keep_n = max(1, int(keep_n))
    rows: list[GroupRow] = []
    for g in groups:
        ids = list(getattr(g, "ids", g))
        if not ids:
            continue
        kind = getattr(g, "kind", None) or ("single" if len(ids) == 1 else "burst")
        gid = f"g{min(ids)}"
        if len(ids) == 1:
            rows.append(_single(ids[0], gid, signals.get(ids[0]) or {}, p))
        elif kind in _NO_CULL_KINDS:
            rows += _set_rows(ids, gid, kind)
        else:
            rows += _ranked_rows(ids, gid, kind, signals, scores, keep_n, p, m, details or {}, taste)
    return rows


def album_scores(rows, fused: dict[int, float | None], signals: dict[int, dict[str, float | None]],
                 params: RankingParams | None = None, model: frame_model.FrameModel | None = None,
                 discount: float = 0.9, details: dict | None = None, taste=None) -> dict[int, float | None]:
    """The score of every photo in `fused`, lowered for a frame that has a better sibling:
    score * (1 - discount * sure), with sure = 2 * P(the group's best frame is better) - 1, so the
    best frame keeps its score and a frame the model is sure about loses `discount` of it.
    `taste` (None = off): the photographer's taste blended into those scores (taste_blend)."""
    p = params or RankingParams()
    m = model or frame_model.load()
    members: dict[str, list[int]] = {}
    for r in rows:
        if r.kind in _RANKED_KINDS and r.group_size > 1:
            members.setdefault(r.group, []).append(r.photo_id)
    out = dict(fused)
    for ids in members.values():
        frames = [_Frame(pid, signals.get(pid) or {}, fused.get(pid), (details or {}).get(pid)) for pid in ids]
        if not any(_has_any(f) for f in frames):
            continue
        _utilities(frames, p, m)
        best = max(f.utility for f in frames)
        for f in frames:
            if out.get(f.id) is not None:
                sure = 2.0 * frame_model.sigmoid(best - f.utility) - 1.0  # 0 for the best, -> 1 when sure
                out[f.id] = out[f.id] * (1.0 - discount * sure)
    return out if taste is None else taste.scores(out)


class _Frame:
    """The signals of one frame, read defensively (missing or non-numeric -> None)."""

    def __init__(self, pid: int, sig: dict, score, detail=None):
        self.id = pid
        self.detail = detail
        self.signals = {k: _num(v) for k, v in sig.items()}
        get = self.signals.get
        self.faces = get("faces")
        self.eyes_closed = get("eyes_closed")
        self.eyes_open = get("eyes_open")
        if "eyes_open" not in sig and self.eyes_closed is not None and self.faces:
            # an analysis from before eyes_open was stored; a None one is a face too small to judge
            self.eyes_open = max(0.0, 1.0 - self.eyes_closed / self.faces)
        self.sharpness = get("sharpness")
        self.motion = get("motion_blur")
        self.highlights = get("highlights_clipped")
        self.shadows = get("shadows_clipped")
        self.brightness = get("brightness")
        nima = get("nima")
        self.quality = {"clipiqa": get("clipiqa"), "nima": None if nima is None else (nima - 1) / 9,
                        "score": _num(score[0] if isinstance(score, (tuple, list)) else score)}
        self.features: dict[str, float] = {}
        self.utility = 0.0


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f == f and abs(f) != float("inf") else None


_TECHNICAL = ("sharpness", "motion_blur", "noise", "brightness", "highlights_clipped", "shadows_clipped",
              "contrast", "exposure", "eyes_open")


def _has_any(f: _Frame) -> bool:
    return any(f.signals.get(k) is not None for k in _TECHNICAL) or any(v is not None for v in f.quality.values())


def _utilities(frames: list[_Frame], p: RankingParams, m: frame_model.FrameModel) -> None:
    """Each frame's utility: the learned technical model, eyes, and a bounded quality tie-breaker."""
    details = [f.detail for f in frames]
    m = m.for_group(all(d is not None for d in details))
    for f, feats in zip(frames, frame_model.group_features([f.signals for f in frames], details)):
        f.features = feats
        f.utility = m.utility(feats)
    seen = _eyes_seen(frames)
    eyes = [f.eyes_open for f in seen]
    for f in seen:
        f.utility -= p.w_eyes * (max(eyes) - f.eyes_open)
    mids = {k: median(vals) for k in ("clipiqa", "nima", "score")
            if (vals := [f.quality[k] for f in frames if f.quality[k] is not None])}
    for f in frames:
        nudge = sum(p.w_quality * (f.quality[k] - mid) for k, mid in mids.items() if f.quality[k] is not None)
        f.utility += max(-p.quality_cap, min(p.quality_cap, nudge))


def _ranked_rows(ids, gid, kind, signals, scores, keep_n, p: RankingParams, m, details: dict,
                 taste=None) -> list[GroupRow]:
    frames = [_Frame(pid, signals.get(pid) or {}, scores.get(pid), details.get(pid)) for pid in ids]
    n = len(frames)
    if not any(_has_any(f) for f in frames):
        return [GroupRow(f.id, gid, n, r + 1, None, ["no quality signals yet"], kind)
                for r, f in enumerate(frames)]
    _utilities(frames, p, m)
    position = {f.id: i for i, f in enumerate(frames)}
    ordered = sorted(frames, key=lambda f: (-round(f.utility, 6), -(f.quality["score"] or 0.0), position[f.id]))
    moved_up: set[int] = set()
    if taste is not None:
        ordered, moved_up = _taste_order(ordered, taste)
    best = ordered[0]
    rows = []
    for r, f in enumerate(ordered):
        if r < keep_n:
            suggestion, reasons = "pick", _strengths(f, frames, r, p)
        else:
            faults, severe = _faults(f, best, frames, p)
            sure = frame_model.sigmoid(best.utility - f.utility) >= p.reject_confidence
            suggestion = "reject" if severe and sure else None
            reasons = faults or ["close to the best frame"]
        if f.id in moved_up:
            reasons = [*reasons, TASTE_REASON]
        rows.append(GroupRow(f.id, gid, n, r + 1, suggestion, reasons, kind))
    return rows


# --- the photographer's taste (culler/core/taste_blend.py) -------------------------------------

TASTE_REASON = "matches your taste"


def _taste_order(ordered: list[_Frame], taste) -> tuple[list[_Frame], set[int]]:
    """The taste chooses the best frame only: the frame with the highest blended keep score moves
    to the top (culler's order breaks ties) and the others keep culler's order, so a taste that
    agrees with culler's choice of the best frame changes nothing. Returns the order and the id
    of the frame it moved up. A frame the taste knows nothing about leaves the burst as it was."""
    keys = {f.id: taste.keep(f.id) for f in ordered}
    if None in keys.values():
        return ordered, set()
    top = max(ordered, key=lambda f: round(keys[f.id], 6))  # the first of equals: culler's
    if top is ordered[0]:
        return ordered, set()
    return [top, *(f for f in ordered if f is not top)], {top.id}


def _eyes_seen(frames: list[_Frame]) -> list[_Frame]:
    """The frames whose eyes can be compared: the ones with an eyes reading, and, when faces were
    counted, only where most frames of the moment found one. The same face a few pixels away is
    found in nearly every sibling; a "face" found in one frame alone (a pattern in coins or bark,
    with no eyes to find) says nothing about a blink."""
    counted = [f.faces for f in frames if f.faces is not None]
    if counted and median(counted) < 1:
        return []
    return [f for f in frames if f.eyes_open is not None and (f.faces is None or f.faces >= 1)]


def _strengths(f: _Frame, frames: list[_Frame], rank: int, p: RankingParams) -> list[str]:
    n = len(frames)
    reasons = [f"best of {n}" if rank == 0 else f"top {rank + 1} of {n}"]
    # "sharpest" only for a frame whose detail is real: not noticeably noisier than the cleanest
    clean_enough = [g for g in frames if g.features.get("noise", 0.0) < p.note_noise]
    if f in clean_enough and f.sharpness is not None and all(
            g.sharpness is None or f.sharpness >= g.sharpness for g in clean_enough):
        reasons.append(f"sharpest of {n}")
    if f.eyes_open is not None and f.eyes_open >= 1.0 and f.faces:
        reasons.append("eyes open")
    if f.highlights is not None and f.highlights >= p.note_highlights:
        reasons.append(f"{_pct(f.highlights)} % highlights clipped")
    return reasons


def _faults(f: _Frame, best: _Frame, frames: list[_Frame], p: RankingParams) -> tuple[list[str], bool]:
    """What makes this frame worse than the best one, most important first; and whether one of
    those faults is severe enough to suggest a reject."""
    reasons, severe = [], False
    seen = _eyes_seen(frames)
    eyes = [g.eyes_open for g in seen]
    if f in seen and f.eyes_open < max(eyes) - 1e-6:
        reasons.append(_eyes_text(f))  # someone blinked here and not in another frame
        severe = True
    ratio = None if f.sharpness is None or not best.sharpness else max(0.0, f.sharpness) / max(best.sharpness, 1e-6)
    shaken = False
    # against the steadiest frame of the group: the best one may read high on straight lines
    if f.features.get("motion", 0.0) >= p.note_motion and (ratio is None or ratio < 0.9):
        reasons.append("motion blur")
        shaken = True
        severe |= f.features["motion"] >= p.reject_motion and (ratio is None or ratio < 0.8)
    if ratio is not None and ratio < p.note_sharpness_ratio:
        blurred = ratio < p.reject_sharpness_ratio
        if blurred:
            reasons.append(f"blurred ({_pct(ratio)} % of the best frame's sharpness)")
        elif not shaken:
            reasons.append("less sharp than the best frame")
        severe |= blurred and _blur_seen_on_tiles(f, best, frames, p)
    exposure_reasons, exposure_severe = _exposure_faults(f, best, p)
    reasons += exposure_reasons
    severe |= exposure_severe and _reference_is_shared(frames)
    noisier = f.features.get("noise", 0.0) - best.features.get("noise", 0.0)
    if noisier >= p.note_noise:
        reasons.append("noisier than the best frame")
        severe |= noisier >= p.reject_noise
    if not reasons and best.utility - f.utility > 0.15:
        reasons.append("lower quality score")
    return reasons, severe


def _exposure_faults(f: _Frame, best: _Frame, p: RankingParams) -> tuple[list[str], bool]:
    reasons, severe = [], False
    off = _offset(f)  # stops from the shared level
    if abs(off) >= p.note_stops and f.brightness is not None and best.brightness is not None:
        d = off - _offset(best)
        far = abs(off) >= p.reject_stops
        if d < 0:
            reasons.append(f"underexposed ({-d:.1f} stops darker)" if far else "darker than the best frame")
        elif d > 0:
            reasons.append(f"overexposed ({d:.1f} stops brighter)" if far else "brighter than the best frame")
        # A darker frame that blows fewer highlights than the best may be the well-exposed one, and
        # so may a brighter one that blows no more but keeps shadows the best crushes.
        hl, best_hl = f.highlights or 0.0, best.highlights or 0.0
        if d < 0:
            may_be_right = best_hl > hl + frame_model.CLIP_SLACK
        else:
            keeps_shadows = (best.shadows or 0.0) > (f.shadows or 0.0) + frame_model.CLIP_SLACK
            may_be_right = keeps_shadows and hl <= best_hl + frame_model.CLIP_SLACK
        severe |= far and abs(d) >= p.reject_stops and not may_be_right
    more_hl = f.features.get("highlights", 0.0) - best.features.get("highlights", 0.0)
    if f.highlights is not None and more_hl >= p.note_highlights:
        reasons.append(f"{_pct(f.highlights)} % highlights clipped")
        severe |= more_hl >= p.reject_highlights and off >= p.reject_stops  # blown by over-exposure
    more_sh = f.features.get("shadows", 0.0) - best.features.get("shadows", 0.0)
    if f.shadows is not None and more_sh >= p.note_shadows:
        reasons.append(f"{_pct(f.shadows)} % shadows clipped")
        severe |= more_sh >= p.reject_shadows and -off >= p.reject_stops
    return reasons, severe


def _blur_seen_on_tiles(f: _Frame, best: _Frame, frames: list[_Frame], p: RankingParams) -> bool:
    """Noise reads as detail over the whole frame: when the siblings can be compared tile by
    tile, a frame is blurred for a reject only if its edges there are clearly wider too."""
    if not frame_model.tiles_comparable([g.detail for g in frames]):
        return True
    return f.features["soft"] - best.features.get("soft", 0.0) >= p.reject_soft


def _reference_is_shared(frames: list[_Frame]) -> bool:
    """Whether the burst's reference exposure is more than a guess (`frame_model.reference_is_shared`):
    an exposure fault measured against a guess names no reject."""
    return frame_model.reference_is_shared([_offset(g) for g in frames],
                                           frame_model.level_tolerance([g.signals for g in frames]))


def _offset(f: _Frame) -> float:
    return f.features.get("bright", 0.0) - f.features.get("dark", 0.0)


def _eyes_text(f: _Frame) -> str:
    if f.faces and f.eyes_closed is not None:
        return f"eyes closed ({int(round(f.eyes_closed))} of {int(round(f.faces))} faces)"
    return "eyes closed"


def _pct(x: float) -> int:
    return max(1, int(round(100 * x))) if x > 0 else 0


def _single(pid: int, gid: str, sig: dict, p: RankingParams) -> GroupRow:
    f = _Frame(pid, sig, None)
    reasons, suggestion = [], None
    if f.eyes_closed and f.eyes_closed >= 1:
        reasons.append(_eyes_text(f))
    if f.motion is not None and f.motion >= p.single_motion \
            and (f.sharpness is None or f.sharpness <= p.single_soft):
        reasons.append("motion blur")
    # Deep shadows are often meant (a night sky, a black dress): only a large share is noted.
    for name, v, note in (("highlights", f.highlights, p.note_highlights), ("shadows", f.shadows, 0.10)):
        if v is not None and v >= note:
            reasons.append(f"{_pct(v)} % {name} clipped")
            if v >= p.accident_total or (v >= p.accident_clipped and _no_detail(f)):
                suggestion = "reject"
    if suggestion == "reject":
        reasons.insert(0, "almost entirely black" if (f.shadows or 0) >= (f.highlights or 0)
                       else "almost entirely white")
    return GroupRow(pid, gid, 1, 1, suggestion, reasons, "single")


def _no_detail(f: _Frame) -> bool:
    """Nothing in the rest of the frame either: no edge above the noise, or almost no contrast
    (a product shot on white has 80 % white and a sharp subject)."""
    contrast = f.signals.get("contrast")
    return not f.sharpness or f.sharpness < 0.05 or (contrast is not None and contrast < 0.15)


def _set_rows(ids: list[int], gid: str, kind: str) -> list[GroupRow]:
    what = "exposure bracket" if kind == "bracket" else "panorama"
    n = len(ids)
    return [GroupRow(pid, gid, n, r + 1, None, [f"{what}: frame {r + 1} of {n}"], kind)
            for r, pid in enumerate(ids)]
