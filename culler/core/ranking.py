"""Rank the frames of each group, suggest the best ones, and say why in a few words.

Within a burst or a set of near-duplicates every frame shows the same moment, so the ranking
looks first at what separates near-identical frames, each measured against the best frame of
the group (relative, so a dim or soft scene is not punished as a whole):

    eyes open  >  sharpness (faces / subject)  >  motion blur  >  exposure and clipping  >  noise

and only then at overall quality and aesthetics (CLIP-IQA, NIMA, the fused score). These are
added up as a weighted penalty (weights in RankingParams: the first ones dominate), the lowest
penalty ranks first. Any signal may be missing: what is missing for the whole group counts for
nothing, what is missing for one frame counts as the group's median. Two readings are relative
to the group on purpose: exposure is the distance in stops from the group's median level (plus
clipping, which cannot be undone), not from an ideal mid-grey that night or high-key scenes never
meet; and motion blur only counts for a frame that is also softer than the sharpest one (on
strong straight lines the directional measure reads high for steady frames too).

Suggestions (advice only, never decisions):
- the top `keep_n` frames of a burst/duplicates group -> 'pick';
- a frame is suggested for 'reject' only when a better frame of the same moment exists and this
  one is clearly worse than the best: eyes closed where the best has them open, clearly blurred
  or shaken, or badly exposed compared with it. Frames in between get no suggestion.
- exposure brackets and panoramas are sets meant to be merged: no suggestions at all.
- single photos get no 'pick' (there is nothing to compare them with, so choosing is the user's
  call) and a 'reject' only for an evident accident: a frame that is almost entirely black or
  white. Their reasons still name what is wrong ("motion blur", "3 % highlights clipped").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from culler.core.records import GroupRow


@dataclass(frozen=True)
class RankingParams:
    """Weights of the within-group penalty and the thresholds for 'clearly worse'."""

    w_eyes: float = 4.0  # per unit of eyes-open fraction below the best
    w_sharpness: float = 2.5  # per unit of relative sharpness deficit (1 - s / best)
    w_motion: float = 2.0  # per unit of motion_blur above the least blurred (times the shake factor)
    shake_span: float = 0.25  # motion blur counts fully once a frame is 25 % less sharp than the best
    w_level: float = 0.3  # per stop away from the group's median brightness (beyond level_slack)
    level_slack_stops: float = 0.3
    w_highlights: float = 8.0  # per unit of highlights clipped above the least clipped frame
    w_shadows: float = 4.0  # per unit of shadows clipped above the least clipped (beyond the slack)
    shadows_slack: float = 0.02
    w_exposure: float = 0.5  # per unit of the exposure signal below the best (a tie-breaker)
    w_noise: float = 1.2  # per unit of noise above the least noisy
    w_quality: float = 0.6  # per unit of clipiqa / nima (0-1) / fused score below the best
    reject_sharpness_ratio: float = 0.6  # sharpness below 60 % of the best: blurred
    reject_motion: float = 0.25  # motion_blur this much above the best's (and visibly softer)
    reject_stops: float = 1.5  # this many stops darker/brighter than the best frame
    reject_highlights: float = 0.05  # this fraction of the frame more clipped than the best
    reject_shadows: float = 0.10
    reject_exposure: float = 0.3  # exposure signal this far below the best (when no brightness)
    note_sharpness_ratio: float = 0.85  # below this ratio say "less sharp than the best frame"
    note_motion: float = 0.1
    note_stops: float = 0.7
    note_noise: float = 0.12
    note_highlights: float = 0.01
    note_shadows: float = 0.03
    single_motion: float = 0.6  # a single photo this shaken (and soft) is worth a note
    single_soft: float = 0.4
    accident_clipped: float = 0.7  # a single frame this black/white is suggested for reject


_NO_CULL_KINDS = ("bracket", "panorama")


def rank_groups(groups, signals: dict[int, dict[str, float | None]],
                scores: dict[int, float | None], keep_n: int = 1,
                params: RankingParams | None = None) -> list[GroupRow]:
    """One GroupRow per photo of every group (grouping.Group or plain lists of ids)."""
    p = params or RankingParams()
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
            rows += _ranked_rows(ids, gid, kind, signals, scores, keep_n, p)
    return rows


class _Frame:
    """The signals of one frame, read defensively (missing or non-numeric -> None)."""

    def __init__(self, pid: int, sig: dict, score):
        self.id = pid
        get = lambda k: _num(sig.get(k))  # noqa: E731
        self.faces = get("faces")
        self.eyes_closed = get("eyes_closed")
        self.eyes_open = get("eyes_open")
        if self.eyes_open is None and self.eyes_closed is not None and self.faces:
            self.eyes_open = max(0.0, 1.0 - self.eyes_closed / self.faces)
        self.sharpness = get("sharpness")
        self.motion = get("motion_blur")
        self.exposure = get("exposure")
        self.highlights = get("highlights_clipped")
        self.shadows = get("shadows_clipped")
        self.brightness = get("brightness")
        self.noise = get("noise")
        nima = get("nima")
        self.quality = {"clipiqa": get("clipiqa"), "nima": None if nima is None else (nima - 1) / 9,
                        "score": _num(score[0] if isinstance(score, (tuple, list)) else score)}
        self.penalty = 0.0


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f == f and abs(f) != float("inf") else None


def _ranked_rows(ids, gid, kind, signals, scores, keep_n, p: RankingParams) -> list[GroupRow]:
    frames = [_Frame(pid, signals.get(pid) or {}, scores.get(pid)) for pid in ids]
    n = len(frames)
    if not any(_has_any(f) for f in frames):
        return [GroupRow(f.id, gid, n, r + 1, None, ["no quality signals yet"], kind)
                for r, f in enumerate(frames)]
    _fill_missing(frames)
    best_of = _bests(frames)
    for f in frames:
        f.penalty = _penalty(f, best_of, p)
    position = {f.id: i for i, f in enumerate(frames)}
    ordered = sorted(frames, key=lambda f: (round(f.penalty, 6), -(f.quality["score"] or 0.0), position[f.id]))
    best = ordered[0]
    rows = []
    for r, f in enumerate(ordered):
        if r < keep_n:
            suggestion, reasons = "pick", _strengths(f, best_of, n, r, p)
        else:
            faults, severe = _faults(f, best, best_of, p)
            suggestion = "reject" if severe else None
            reasons = faults or ["close to the best frame"]
        rows.append(GroupRow(f.id, gid, n, r + 1, suggestion, reasons, kind))
    return rows


_FIELDS = ("eyes_open", "sharpness", "motion", "exposure", "highlights", "shadows", "noise", "brightness")


def _has_any(f: _Frame) -> bool:
    return any(getattr(f, k) is not None for k in _FIELDS) or any(v is not None for v in f.quality.values())


def _fill_missing(frames: list[_Frame]) -> None:
    """A frame missing a signal that others have gets the group's median: neither rewarded nor
    punished. (Eyes stay missing: no face found is not the same as eyes closed.)"""
    for k in _FIELDS[1:]:
        vals = [getattr(f, k) for f in frames if getattr(f, k) is not None]
        if vals:
            for f in frames:
                if getattr(f, k) is None:
                    setattr(f, k, median(vals))
    for k in ("clipiqa", "nima", "score"):
        vals = [f.quality[k] for f in frames if f.quality[k] is not None]
        if vals:
            for f in frames:
                if f.quality[k] is None:
                    f.quality[k] = median(vals)


def _bests(frames: list[_Frame]) -> dict[str, float | None]:
    def pick(k, fn):
        vals = [getattr(f, k) for f in frames if getattr(f, k) is not None]
        return fn(vals) if vals else None

    out = {"eyes_open": pick("eyes_open", max), "sharpness": pick("sharpness", max),
           "motion": pick("motion", min), "exposure": pick("exposure", max),
           "highlights": pick("highlights", min), "shadows": pick("shadows", min),
           "noise": pick("noise", min), "brightness": pick("brightness", median)}
    for k in ("clipiqa", "nima", "score"):
        vals = [f.quality[k] for f in frames if f.quality[k] is not None]
        out[k] = max(vals) if vals else None
    return out


def _sharp_ratio(f: _Frame, best: dict) -> float | None:
    if f.sharpness is None or not best["sharpness"]:
        return None
    return max(0.0, f.sharpness) / max(best["sharpness"], 1e-6)


def _shake_factor(f: _Frame, b: dict, p: RankingParams) -> float:
    """How much of a motion_blur excess to believe: a shaken frame is also softer than the best
    one; a frame as sharp as the best is not shaken (strong straight lines read as directional)."""
    ratio = _sharp_ratio(f, b)
    return 1.0 if ratio is None else min(1.0, max(0.0, (1.0 - ratio) / p.shake_span))


def _stops(brightness: float, reference: float) -> float:
    """Exposure difference in stops from mean (gamma-encoded) levels: + brighter, - darker."""
    return 2.2 * math.log2(max(brightness, 0.005) / max(reference, 0.005))


def _penalty(f: _Frame, b: dict, p: RankingParams) -> float:
    """How far this frame falls behind the group's best values (0 = best at everything).

    Exposure is judged against the group: in a burst most frames carry the photographer's
    metering, so a frame far from the median level is the odd one out (whatever an absolute
    'mid-grey' ideal says about a night or high-key scene); clipped highlights cost most,
    since they cannot be recovered."""
    pen = 0.0
    if f.eyes_open is not None and b["eyes_open"] is not None:
        pen += p.w_eyes * (b["eyes_open"] - f.eyes_open)
    ratio = _sharp_ratio(f, b)
    if ratio is not None:
        pen += p.w_sharpness * (1.0 - ratio)
    if f.motion is not None:
        pen += p.w_motion * (f.motion - b["motion"]) * _shake_factor(f, b, p)
    if f.brightness is not None and b["brightness"] is not None:
        pen += p.w_level * max(0.0, abs(_stops(f.brightness, b["brightness"])) - p.level_slack_stops)
    if f.highlights is not None:
        pen += p.w_highlights * (f.highlights - b["highlights"])
    if f.shadows is not None:
        pen += p.w_shadows * max(0.0, f.shadows - b["shadows"] - p.shadows_slack)
    if f.exposure is not None:
        pen += p.w_exposure * (b["exposure"] - f.exposure)
    if f.noise is not None:
        pen += p.w_noise * (f.noise - b["noise"])
    for k, v in f.quality.items():
        if v is not None and b[k] is not None:
            pen += p.w_quality * (b[k] - v)
    return pen


def _strengths(f: _Frame, b: dict, n: int, rank: int, p: RankingParams) -> list[str]:
    reasons = [f"best of {n}" if rank == 0 else f"top {rank + 1} of {n}"]
    if f.sharpness is not None and b["sharpness"] is not None and f.sharpness >= b["sharpness"]:
        reasons.append(f"sharpest of {n}")
    if f.eyes_open is not None and f.eyes_open >= 1.0 and f.faces:
        reasons.append("eyes open")
    if f.highlights is not None and f.highlights >= p.note_highlights:
        reasons.append(f"{_pct(f.highlights)} % highlights clipped")
    return reasons


def _faults(f: _Frame, best: _Frame, b: dict, p: RankingParams) -> tuple[list[str], bool]:
    """What makes this frame worse than the best one, most important first; and whether one of
    those faults is severe enough to suggest a reject."""
    reasons, severe = [], False
    if f.eyes_open is not None and b["eyes_open"] is not None and f.eyes_open < b["eyes_open"] - 1e-6:
        reasons.append(_eyes_text(f))  # someone blinked here and not in another frame
        severe = True
    ratio = _sharp_ratio(f, {"sharpness": best.sharpness})
    shaken = False
    # against the steadiest frame of the group: the best one may read high on straight lines
    if f.motion is not None and b["motion"] is not None and f.motion - b["motion"] >= p.note_motion \
            and (ratio is None or ratio < 0.9):
        reasons.append("motion blur")
        shaken = True
        severe |= f.motion - b["motion"] >= p.reject_motion and (ratio is None or ratio < 0.8)
    if ratio is not None and ratio < p.note_sharpness_ratio:
        blurred = ratio < p.reject_sharpness_ratio
        if blurred:
            reasons.append(f"blurred ({_pct(ratio)} % of the best frame's sharpness)")
        elif not shaken:
            reasons.append("less sharp than the best frame")
        severe |= blurred
    reasons_exposure, severe_exposure = _exposure_faults(f, best, p)
    reasons += reasons_exposure
    severe |= severe_exposure
    if f.noise is not None and best.noise is not None and f.noise - best.noise >= p.note_noise:
        reasons.append("noisier than the best frame")
    if not reasons and f.penalty - best.penalty > 0.15:
        reasons.append("lower quality score")
    return reasons, severe


def _exposure_faults(f: _Frame, best: _Frame, p: RankingParams) -> tuple[list[str], bool]:
    reasons, severe = [], False
    if f.brightness is not None and best.brightness is not None:
        d = _stops(f.brightness, best.brightness)
        if abs(d) >= p.note_stops:
            far = abs(d) >= p.reject_stops
            if d < 0:
                reasons.append(f"underexposed ({-d:.1f} stops darker)" if far else "darker than the best frame")
            else:
                reasons.append(f"overexposed ({d:.1f} stops brighter)" if far else "brighter than the best frame")
            severe |= far
    elif f.exposure is not None and best.exposure is not None and best.exposure - f.exposure >= p.reject_exposure:
        reasons.append("badly exposed")
        severe = True
    if f.highlights is not None and f.highlights - (best.highlights or 0.0) >= p.note_highlights:
        reasons.append(f"{_pct(f.highlights)} % highlights clipped")
        severe |= f.highlights - (best.highlights or 0.0) >= p.reject_highlights
    if f.shadows is not None and f.shadows - (best.shadows or 0.0) >= p.note_shadows:
        reasons.append(f"{_pct(f.shadows)} % shadows clipped")
        severe |= f.shadows - (best.shadows or 0.0) >= p.reject_shadows
    return reasons, severe


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
            if v >= p.accident_clipped:
                suggestion = "reject"
    if suggestion == "reject":
        reasons.insert(0, "almost entirely black" if (f.shadows or 0) >= (f.highlights or 0)
                       else "almost entirely white")
    return GroupRow(pid, gid, 1, 1, suggestion, reasons, "single")


def _set_rows(ids: list[int], gid: str, kind: str) -> list[GroupRow]:
    what = "exposure bracket" if kind == "bracket" else "panorama"
    n = len(ids)
    return [GroupRow(pid, gid, n, r + 1, None, [f"{what}: frame {r + 1} of {n}"], kind)
            for r, pid in enumerate(ids)]
