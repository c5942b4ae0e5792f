"""What a photographer's decisions say about their taste: photo features and evidence rows.

Every photo gets one feature vector (`FEATURES`) built from the signals culler already has:
the within-group features of the frame model (0 for a photo alone), absolute levels (exposure in
stops, noise, edge width, contrast, clipping), CLIP-IQA and NIMA when present, `generic`, the
logit of the score culler shows (the generic ranking), `alone`, 1 for a photo that is not a
frame of a burst (a single photo, a re-framed shot), else 0, and the CLIP looks (`look_low_key`,
`look_people`...: culler/analysis/clip_looks.py, computed outside core from the stored CLIP
embeddings and passed in as numbers; NaN without CLIP's model file or embedding). A missing value
is NaN. `OLDER` lists the vectors of earlier profile files (without the looks, without `alone`
either; see `upgrade`).

Decisions become evidence rows:
- a pair: a kept frame over a sibling of its burst that was rejected or left undecided. When the
  user kept a frame culler did not rank first, the pair says most (weight `OVERRIDE`);
- a label: a decided photo is kept (pick, stars, a colour label) or not (reject), with its
  siblings' features (you keep one frame of a moment). A frame rejected while a sibling was kept
  is not fitted as a label (it was not bad, only beaten: the pair says that) but still counts as
  a decision and in the agreement check.
Each row carries `seq`, its place in the order the decisions were made (album after album), so
the most recent ones can be held back to check the model.
"""

from __future__ import annotations

import math

from culler.analysis.clip_looks import NAMES as LOOK_NAMES
from culler.core import frame_model

LOOKS = tuple(f"look_{k}" for k in LOOK_NAMES)
FEATURES = tuple(f"rel_{k}" for k in frame_model.FEATURES) + (
    "level", "noise_level", "width_level", "contrast_level", "highlights_level", "shadows_level",
    "clipiqa", "nima", "generic", "alone") + LOOKS
OLDER = (FEATURES[:-len(LOOKS)], FEATURES[:-len(LOOKS) - 1])  # earlier files: no looks; nor `alone`
OVERRIDE = 3.0  # weight of a pair where the user kept a frame culler did not rank first
RANKED = ("burst", "duplicates")


def album_features(signals: dict[int, dict], rows, scores: dict[int, float | None],
                   looks: dict[int, list[float]] | None = None) -> dict[int, list[float]]:
    """photo id -> feature vector, for every photo in `signals` (rows: GroupRow of each photo;
    looks: photo id -> its CLIP look values in `LOOKS` order, absent = NaN)."""
    looks = looks or {}
    members: dict[str, list[int]] = {}
    for r in rows:
        if r.kind in RANKED and r.group_size > 1 and r.photo_id in signals:
            members.setdefault(r.group, []).append(r.photo_id)
    rel: dict[int, dict[str, float]] = {}
    for ids in members.values():
        for pid, feats in zip(ids, frame_model.group_features([signals[i] or {} for i in ids])):
            rel[pid] = feats
    return {pid: _vector(sig or {}, rel.get(pid), scores.get(pid), looks.get(pid)) for pid, sig in signals.items()}


def _vector(sig: dict, rel: dict[str, float] | None, score, look=None) -> list[float]:
    get = lambda k: _num(sig.get(k))  # noqa: E731
    out = [float(rel.get(k, 0.0)) if rel else 0.0 for k in frame_model.FEATURES]
    width, sigma, level = frame_model.edge_width(get("sharpness")), frame_model.noise_sigma(get("noise")), \
        frame_model.stops(get("brightness"))
    nima = get("nima")
    out += [level,
            None if sigma is None else math.log(sigma + frame_model.NOISE_FLOOR),
            None if width is None else math.log(width + frame_model.WIDTH_FLOOR),
            get("contrast"), get("highlights_clipped"), get("shadows_clipped"), get("clipiqa"),
            None if nima is None else (nima - 1.0) / 9.0, _logit(_num(score)),
            0.0 if rel is not None else 1.0]
    out += [_num(v) for v in look] if look is not None and len(look) == len(LOOKS) else [None] * len(LOOKS)
    return [math.nan if v is None else float(v) for v in out]


def upgrade(rows: list[dict], features: tuple[str, ...] = OLDER[1]) -> list[dict]:
    """Evidence rows of an earlier profile file (vectors of `features`, one of `OLDER`) brought to
    `FEATURES`: `alone` added where missing (a label with no siblings was a photo alone; pairs and
    siblings are frames of a burst), the looks NaN (not known: the file kept no embedding)."""
    has_alone = "alone" in features

    def add(v, alone):
        return list(v) + ([] if has_alone else [alone]) + [math.nan] * len(LOOKS)
    return [{**e, "a": add(e["a"], float(e["kind"] == "label" and not e["sib"])),
             "b": None if e["b"] is None else add(e["b"], 0.0), "sib": [add(v, 0.0) for v in e["sib"]]}
            for e in rows]


def kept(decision) -> bool | None:
    """True (pick, stars or a colour label), False (reject) or None (undecided)."""
    if decision is None or decision.flag == "reject":
        return None if decision is None else False
    if decision.flag == "pick" or decision.rating >= 1 or decision.label is not None:
        return True
    return None


def evidence(features: dict[int, list[float]], rows, decisions: dict, album: str = "", seq0: int = 0,
             order: dict[int, int] | None = None) -> list[dict]:
    """Evidence rows ({"album", "kind", "a", "b", "y", "w", "seq", "fit", "sib"}) from one album.
    `order`: photo id -> place in the order the decisions were made (default: the photo order)."""
    order = order or {}
    when = lambda pid: seq0 + order.get(pid, pid)  # noqa: E731
    by_group: dict[str, list] = {}
    for r in rows:
        if r.photo_id in features and r.kind in RANKED and r.group_size > 1:
            by_group.setdefault(r.group, []).append(r)
    group_of = {r.photo_id: members for members in by_group.values() for r in members}
    out: list[dict] = []
    for pid in sorted(features):
        k = kept(decisions.get(pid))
        if k is None:
            continue
        others = [r.photo_id for r in group_of.get(pid, []) if r.photo_id != pid]
        # A frame rejected because a sibling was kept says nothing absolute: its pairs say it.
        beaten = not k and any(kept(decisions.get(o)) for o in others)
        out.append({"album": album, "kind": "label", "a": features[pid], "b": None, "y": int(k), "w": 1.0,
                    "seq": when(pid), "fit": not beaten, "sib": [features[o] for o in others]})
    for members in by_group.values():
        chosen = [r for r in members if kept(decisions.get(r.photo_id))]
        for r in chosen:
            weight = 1.0 if r.group_rank == 1 else OVERRIDE
            for other in members:
                if kept(decisions.get(other.photo_id)) is not True:
                    out.append({"album": album, "kind": "pair", "a": features[r.photo_id],
                                "b": features[other.photo_id], "y": 1, "w": weight, "fit": True, "sib": [],
                                "seq": max(when(r.photo_id), when(other.photo_id))})
    out.sort(key=lambda e: (e["seq"], e["kind"]))
    return out


def decisions_count(rows: list[dict]) -> int:
    return sum(1 for e in rows if e["kind"] == "label")


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _logit(p: float | None) -> float | None:
    if p is None:
        return None
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


def from_store(store, looks=None) -> tuple[dict[int, list[float]], list]:
    """(photo id -> feature vector, GroupRows) of an analysed album's session store. `looks`: a
    callable store -> {photo id: look values} (culler/analysis/clip_looks.for_context), or None."""
    signals = store.all_signals()
    rows = list(store.groups().values())
    return album_features(signals, rows, generic_scores(signals, rows, store.analysis_errors()),
                          looks(store) if looks else None), rows


def generic_scores(signals: dict[int, dict], rows, errors=()) -> dict[int, float | None]:
    """culler's own album score of each photo, as the grouping stage computes it before any taste
    is blended in (the stored score may carry the taste: `generic` must not)."""
    from culler.analysis import score
    from culler.core import ranking

    fused = {pid: score.fuse(sig)[0] for pid, sig in signals.items() if pid not in errors}
    return ranking.album_scores(rows, fused, signals)


def decision_order(store) -> dict[int, int]:
    """photo id -> place of its decision in time (the store stamps each decision when made)."""
    return {pid: i for i, pid in enumerate(store.decision_order())}
