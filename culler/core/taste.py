"""The photographer's taste profile: fitted from their decisions, blended with the generic ranking.

The model has the frame model's pairwise form (culler/core/frame_model.py) with the user's own
evidence (culler/core/taste_evidence.py): a utility u = w . z(x) + b over standardised photo
features, fitted by an L2 logistic regression (scikit-learn, imported when fitting) on pairs
(P(a kept over b) = sigmoid(u_a - u_b)) and labels (P(kept) = sigmoid(u)) at once. `generic`, the
logit of culler's own score, is one of the features, so the model learns how far to follow it; it
enters the fit `GENERIC_SCALE` times larger, so the L2 penalty hardly shrinks its weight: the
taste starts from culler's order and departs from it as far as the evidence says (with every
weight shrunk alike, 48 decisions of a photographer who agrees with culler gave culler's score a
third of the weight and chose other best frames than culler in a later album). Its weight is
never negative (refitted without it when it comes out so): a photographer who disagrees with
culler disagrees about what the score is made of (exposure, noise...), which the other features
say; followed backwards, culler's score made the frame it thinks worst (2.5 stops under) the
favourite of a photographer who keeps frames a stop under.

Exposure has a preferred point: a photographer who keeps frames a stop under the meter does not
keep frames three stops under. Linear weights on the frame's stops under or over its burst
(`rel_dark`, `rel_bright`) can only say "darker is better", and with few very dark frames among
the decisions they did (a 2.3-stop-under frame became the favourite of a burst). So u also has a
term `off_weight` * |offset - `prefer`|, offset the frame's stops from its burst's shared
exposure, `prefer` the offset (a grid of quarter stops, -2 to +2) whose distance orders most of
the user's pairs of differently exposed frames (0, the meter, unless another is clearly better);
its column enters the fit `EXPOSURE_SCALE` times larger, like `generic`, so the one feature that
carries the whole shape is not shrunk onto the linear ones.

`alone` (1 for a photo outside any burst) is a base rate of its own, and like `generic` enters
the fit `ALONE_SCALE` times larger: how often a photographer keeps a photo that stands alone is
not how often they keep a burst's best frame (a burst frame's score also carries the chance of
beating its siblings, below), and the decisions say it directly. Shrunk like the other weights,
it stayed near 0, and single photos and re-framed shots were ranked above the frames a
photographer who keeps a stop under the meter kept (benchmark: after 200 decisions 0.768 -> 0.786
on other photographs; "high contrast" 0.888 -> 0.910 on the same sources).

A photo's keep score is sigmoid of (1 - alpha) * generic + alpha * v, where v is u plus the log
chance that the frame beats the best of its burst's other frames (you keep one frame of a moment).
alpha is chosen on held-back decisions: fit on the decisions before a point, measure agreement
(share of the user's "this over that" choices ordered their way: each pair, and every kept photo
against every rejected one) on the next `HOLDOUT` of them, `FOLDS` times up to the most recent
ones, for alpha from 0 to a cap that grows with the number of decisions, n / (n + `TRUST_AFTER`).
alpha = 0 (the generic ranking) is one of the candidates, so the profile never agrees worse than
the generic ranking on the held-back decisions. The smallest weight, cap / 4, is taken when it
agrees as well as culler's order (the recent decisions often cannot tell them apart: culler
already orders 96-100 % of them right), each larger one only when it agrees better than the
smaller (with culler's order winning ties, the high-key photographer's taste kept a weight of 0
after 50 decisions in a benchmark seed where, at the smallest weight, it ranks their keeps better
on both new albums: 0.897 vs 0.887, 0.903 vs 0.885). Once the taste agrees better than culler's
order, a larger weight is also taken when it comes within one held-back decision's worth
(1 / held-back decisions) of the best so far: below that the held-back decisions cannot tell the
weights apart (after 200 decisions of the photographer who forgives noise, the full weight
agreed 0.6670 and a quarter of it 0.6673, where the full weight ranks their keeps 0.871 / 0.881
on the new albums and the quarter 0.831 / 0.805). See `choose_alpha`. The final weights are
refitted on every decision.

The profile is one JSON file (never a pickle) holding the fit and its evidence, so learning from
another album adds to it; deterministic: the same evidence gives the same file.
"""

from __future__ import annotations

import json
import logging
import math
import os
import warnings
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from culler.core.taste_evidence import FEATURES, OLDER, RANKED, decisions_count, upgrade

HOLDOUT = 0.2  # share of the decisions held back in each fold to choose alpha
FOLDS = 3  # forward-chaining folds: check on the 3rd, 4th and last (most recent) fifth
TRUST_AFTER = 10.0  # alpha cap n / (n + TRUST_AFTER): 0.71 after 25 decisions, 0.95 after 200
C = 0.01  # inverse L2 strength of the logistic regression (0.03 followed the training album too closely)
GENERIC_SCALE = 3.0  # culler's score's column scaled up in the fit: its weight nearly unpenalised
EXPOSURE_SCALE = 3.0  # the same for the distance from the preferred exposure
PREFER_GAIN = 0.5  # see _preferred_offset
PREFER_P = 0.01  # see _preferred_offset
FILE_NAME = "taste.json"
log = logging.getLogger(__name__)
_GENERIC = FEATURES.index("generic")
_ALONE = FEATURES.index("alone")
ALONE_SCALE = 3.0  # the same for `alone`, how often you keep a photo with no burst (see the module doc)
_DARK, _BRIGHT = FEATURES.index("rel_dark"), FEATURES.index("rel_bright")


class TasteError(ValueError):
    """A profile file that cannot be read (the message says which and why)."""


@dataclass
class Profile:
    """A fitted taste (weights None: nothing learned yet, the generic ranking is used)."""

    features: list[str] = field(default_factory=lambda: list(FEATURES))
    mean: list[float] = field(default_factory=lambda: [0.0] * len(FEATURES))
    std: list[float] = field(default_factory=lambda: [1.0] * len(FEATURES))
    weights: list[float] | None = None
    intercept: float = 0.0
    alpha: float = 0.0
    decisions: int = 0
    agreement: float | None = None  # on the held-back decisions, with alpha
    generic_agreement: float | None = None  # the generic ranking on the same decisions
    held_back: int = 0
    prefer: float = 0.0  # the exposure the user keeps, stops from the burst's (see the module doc)
    off_weight: float = 0.0  # weight of the distance in stops from `prefer` (0 in older files)
    default_effects: list[float] | None = None  # how culler's score moves per feature (taste_words)
    evidence: list[dict] = field(default_factory=list, repr=False)

    def utilities(self, vectors: list[list[float]], siblings: list[list[list[float]]] | None = None):
        """Blended utility (logit of 'kept') of each photo, as a numpy array; with `siblings`
        (the feature vectors of the other frames of each photo's burst), the taste's part also
        counts the chance that this frame beats the best of them: you keep one frame of a moment."""
        import numpy as np

        g = _generic(vectors)
        if self.weights is None or self.alpha <= 0:
            return g
        own = self._own(vectors)
        if siblings:
            flat = [v for sib in siblings for v in sib]
            owner = np.repeat(np.arange(len(vectors)), [len(sib) for sib in siblings])
            best = np.full(len(vectors), -np.inf)
            if flat:
                np.maximum.at(best, owner, self._own(flat))
            own = own - np.logaddexp(0.0, best - own)  # + log P(beats its best sibling)
        return (1.0 - self.alpha) * g + self.alpha * own

    def scores(self, features: dict[int, list[float]], rows) -> dict[int, float]:
        """photo id -> 0-1, how likely this photographer keeps it (rows: the album's GroupRows)."""
        import numpy as np

        members: dict[str, list[int]] = {}
        for r in rows:
            if r.photo_id in features and r.kind in RANKED and r.group_size > 1:
                members.setdefault(r.group, []).append(r.photo_id)
        group_of = {pid: ids for ids in members.values() for pid in ids}
        ids = sorted(features)
        sibs = [[features[j] for j in group_of.get(i, ()) if j != i] for i in ids]
        u = self.utilities([features[i] for i in ids], sibs)
        return {i: float(v) for i, v in zip(ids, 1.0 / (1.0 + np.exp(-np.clip(u, -60, 60))))}

    def _own(self, vectors):
        import numpy as np

        x = np.array(vectors, float).reshape(len(vectors), len(FEATURES))
        z = np.nan_to_num((x - np.array(self.mean)) / np.array(self.std))
        return z @ np.array(self.weights) + self.intercept + self.off_weight * np.abs(_offset(vectors) - self.prefer)

    @property
    def albums(self) -> list[str]:
        return sorted({e["album"] for e in self.evidence})


def fit(evidence: list[dict]) -> Profile:
    """A profile from evidence rows (taste_evidence.evidence), deterministic."""
    rows = sorted(evidence, key=lambda e: (e["seq"], e["kind"], e["album"]))
    p = Profile(evidence=rows, decisions=decisions_count(rows))
    if not _fittable(rows):
        return p
    folds = [(train, held) for train, held in _folds(rows) if _fittable(train) and held]
    trials = [_held_parts(_fit_weights(train), held) for train, held in folds]
    if trials:
        p.held_back = sum(decisions_count(held) for _, held in folds)
        p.generic_agreement = _pooled(trials, 0.0)
        cap = p.decisions / (p.decisions + TRUST_AFTER)
        weights = [cap * step / 4 for step in (1, 2, 3, 4)]
        p.agreement, p.alpha = choose_alpha(p.generic_agreement, [(a, _pooled(trials, a)) for a in weights],
                                            p.held_back)
    full = _fit_weights(rows)
    p.mean, p.std, p.weights, p.intercept = full.mean, full.std, full.weights, full.intercept
    p.prefer, p.off_weight = full.prefer, full.off_weight
    p.default_effects = _default_effects(rows, p)
    return p


def choose_alpha(generic: float | None, candidates: list[tuple[float, float | None]],
                 held_back: int) -> tuple[float | None, float]:
    """(agreement, alpha) from the held-back agreement of culler's order (`generic`, alpha 0) and
    of each candidate weight, smallest first (see the module doc): the smallest weight needs only
    to match culler's order; a larger one must beat the best so far, or, once the taste agrees
    better than culler's order, come within one held-back decision's worth of it."""
    best = (generic, 0.0)
    if generic is None:
        return best
    top = generic  # the best agreement so far
    for k, (a, got) in enumerate(candidates):
        if got is None:
            continue
        if top > generic + 1e-9:  # the taste beat culler's order: a decision's worth is noise
            take = got >= max(top - 1.0 / max(held_back, 1), generic)
        else:
            take = got > best[0] + (1e-9 if k else -1e-9)
        if take:
            best, top = (got, a), max(top, got)
    return best


def _default_effects(rows: list[dict], p: Profile) -> list[float]:
    """The generic score's logit regressed on the other standardised features of the photos seen:
    how much the default ranking itself moves with each of them (0 for `generic`)."""
    import numpy as np

    vectors = [e["a"] for e in rows] + [e["b"] for e in rows if e["b"] is not None]
    x = np.nan_to_num((np.array(vectors, float) - np.array(p.mean)) / np.array(p.std))
    x[:, _GENERIC] = 1.0  # the intercept's column
    beta = np.linalg.lstsq(x, _generic(vectors), rcond=None)[0]
    beta[_GENERIC] = 0.0
    return [round(float(v), 6) for v in beta]


def _folds(rows: list[dict]) -> list[tuple[list[dict], list[dict]]]:
    """Forward-chaining splits: fit on the decisions before a point, check on the next `HOLDOUT`
    of them (the last fold holds back the most recent decisions)."""
    labels = [e["seq"] for e in rows if e["kind"] == "label"]
    if len(labels) < 5:
        return []
    cuts = [labels[min(len(labels) - 1, int(len(labels) * (1 - HOLDOUT * k)))] for k in range(FOLDS, -1, -1)]
    cuts[-1] = math.inf
    return [([e for e in rows if e["seq"] < lo], [e for e in rows if lo <= e["seq"] < hi])
            for lo, hi in zip(cuts, cuts[1:])]


def _pooled(trials, alpha: float) -> float | None:
    right = total = 0.0
    for parts in trials:
        r, t = _right_total(parts, alpha)
        right, total = right + r, total + t
    return right / total if total else None


def _held_parts(profile: Profile, rows: list[dict]) -> dict:
    """The generic and own utilities of held-back rows, computed once for every alpha."""
    import numpy as np

    own = replace(profile, alpha=1.0, evidence=[])
    pairs = [e for e in rows if e["kind"] == "pair"]
    labels = [e for e in rows if e["kind"] == "label"]
    out = {"w": np.array([e["w"] for e in pairs]), "y": np.array([e["y"] for e in labels])}
    if pairs:
        a, b = [e["a"] for e in pairs], [e["b"] for e in pairs]
        out["pair_g"] = _generic(a) - _generic(b)
        out["pair_own"] = own.utilities(a) - own.utilities(b)
    if labels:
        a = [e["a"] for e in labels]
        out["label_g"] = _generic(a)
        out["label_own"] = own.utilities(a, [e["sib"] for e in labels])
    return out


def _right_total(parts: dict, alpha: float) -> tuple[float, float]:
    import numpy as np

    right = total = 0.0
    if len(parts["w"]):
        d = (1 - alpha) * parts["pair_g"] + alpha * parts["pair_own"]
        right, total = float(parts["w"] @ ((d > 0) + 0.5 * (d == 0))), float(parts["w"].sum())
    y = parts["y"]
    if len(y):
        s = (1 - alpha) * parts["label_g"] + alpha * parts["label_own"]
        pos, neg = np.sort(s[y == 1]), np.sort(s[y == 0])
        if len(pos) and len(neg):
            lo, hi = np.searchsorted(neg, pos, "left"), np.searchsorted(neg, pos, "right")
            right += len(y) * float((lo + 0.5 * (hi - lo)).sum()) / (len(pos) * len(neg))
            total += len(y)
    return right, total


def _fit_weights(rows: list[dict]) -> Profile:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    every = np.array([e["a"] for e in rows] + [e["b"] for e in rows if e["b"] is not None], float)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # a signal no photo has (no model files)
        mean = np.nan_to_num(np.nanmean(every, axis=0))
        std = np.nan_to_num(np.nanstd(every, axis=0))
    std[std < 1e-9] = 1.0
    pairs = [e for e in rows if e["kind"] == "pair"]
    labels = [e for e in rows if e["kind"] == "label" and e["fit"]]
    n = len(FEATURES)

    prefer = _preferred_offset(pairs)

    def z(vectors):  # standardised (a missing value is the average), then stops from `prefer`
        x = np.nan_to_num((np.array(vectors, float).reshape(len(vectors), n) - mean) / std)
        return np.hstack([x, np.abs(_offset(vectors) - prefer)[:, None]])

    # A pair "a over b" is the row z(a) - z(b) with outcome 1; every other one is written as its
    # mirror image (z(b) - z(a), outcome 0), the same evidence, so both outcomes are present.
    flip = np.where(np.arange(len(pairs)) % 2 == 1, -1.0, 1.0)[:, None]
    d = (z([e["a"] for e in pairs]) - z([e["b"] for e in pairs])) * flip
    # pairs have no intercept; labels do (the last column)
    xs = np.vstack([np.hstack([d, np.zeros((len(d), 1))]),
                    np.hstack([z([e["a"] for e in labels]), np.ones((len(labels), 1))])])
    ys = np.concatenate([(flip[:, 0] > 0).astype(float), [e["y"] for e in labels]])
    ws = np.concatenate([[e["w"] for e in pairs], [e["w"] for e in labels]])
    scale = np.ones(xs.shape[1])
    scale[_GENERIC] = GENERIC_SCALE
    scale[-2] = EXPOSURE_SCALE
    scale[_ALONE] = ALONE_SCALE
    lr = LogisticRegression(C=C, fit_intercept=False, solver="newton-cholesky", max_iter=100)
    lr.fit(xs * scale, ys, sample_weight=ws)
    if lr.coef_[0][_GENERIC] < 0:  # culler's score is never followed backwards (see the module doc)
        scale[_GENERIC] = 0.0
        lr.fit(xs * scale, ys, sample_weight=ws)
    coef = lr.coef_[0] * scale  # the weights of the unscaled features
    return Profile(mean=[float(v) for v in mean], std=[float(v) for v in std],
                   weights=[round(float(v), 6) for v in coef[:-2]], intercept=round(float(coef[-1]), 6),
                   alpha=1.0, prefer=prefer, off_weight=round(float(coef[-2]), 6))


def _offset(vectors):
    """Stops from the burst's shared exposure (0 for a photo alone)."""
    import numpy as np

    x = np.array(vectors, float).reshape(len(vectors), len(FEATURES))
    return np.nan_to_num(x[:, _BRIGHT] - x[:, _DARK])


def _preferred_offset(pairs: list[dict]) -> float:
    """The exposure (stops from the burst's) whose distance best orders the user's pairs of frames
    exposed differently: the meter (0) unless another orders better by `PREFER_GAIN` of those pairs
    and wins the pairs the two order differently beyond chance (a one-sided sign test, p below
    `PREFER_P`). A burst whose shared level was misread shifts every offset in it, and the user
    overrides culler there (pairs weighing 3): after 39-140 decisions, photographers of the
    benchmark with no exposure preference reached 0.51-0.84 of the pairs for half a stop under or
    three quarters over (and were told "you keep the frame about 0.75 stop over"), winning at
    best 8 of 10 split pairs (p 0.055); a real preference turns most pairs around (0.86-1.8 for
    the darker photographer, p 0.006 or less from 39 decisions on; after 25, one seed of five
    wins 5 of 6, p 0.11, and waits)."""
    import numpy as np

    if not pairs:
        return 0.0
    a, b = _offset([e["a"] for e in pairs]), _offset([e["b"] for e in pairs])
    w = np.array([e["w"] for e in pairs]) * (np.abs(a - b) > 0.25)
    ordered = {float(c): float(w @ np.sign(np.abs(b - c) - np.abs(a - c))) for c in np.arange(-2.0, 2.01, 0.25)}
    best = max(ordered, key=lambda c: (ordered[c], -abs(c)))  # on a tie, the nearest the meter
    if ordered[best] - ordered[0.0] <= PREFER_GAIN * w.sum():
        return 0.0
    # the pairs that `best` and the meter order differently: `best` must win more of them than chance
    split = (w > 0) & (np.sign(np.abs(b - best) - np.abs(a - best)) != np.sign(np.abs(b) - np.abs(a)))
    won = int((split & (np.abs(b - best) > np.abs(a - best))).sum())
    return best if _sign_test(won, int(split.sum())) < PREFER_P else 0.0


def _sign_test(k: int, n: int) -> float:
    """P(at least k heads in n fair coin tosses)."""
    from scipy.stats import binom

    return float(binom.sf(k - 1, n, 0.5)) if n else 1.0


def _fittable(rows: list[dict]) -> bool:
    """Both outcomes are present (two pairs give both: one is written as its mirror image)."""
    if sum(e["kind"] == "pair" for e in rows) >= 2:
        return True
    return len({e["y"] for e in rows if e["fit"]}) == 2


def _generic(vectors):
    import numpy as np

    x = np.array(vectors, float).reshape(len(vectors), len(FEATURES))
    return np.nan_to_num(x[:, _GENERIC], nan=0.0, posinf=0.0, neginf=0.0)


# --- the profile file ------------------------------------------------------------------------

def default_path(data_dir: Path) -> Path:
    """The profile in the user data folder (platformdirs, AppContext.data_dir)."""
    return Path(data_dir) / FILE_NAME


def save(profile: Profile, path: Path) -> None:
    """Write atomically as JSON (NaN as null)."""
    data = {"format": "culler taste profile", "version": 1,  # not asdict(): it deep-copies the evidence
            **{f.name: getattr(profile, f.name) for f in fields(profile) if f.name != "evidence"}}
    vectors = iter(_nulls_all([v for e in profile.evidence for v in (e["a"], e["b"], *e["sib"]) if v is not None]))
    data["evidence"] = [{**e, "a": next(vectors), "b": None if e["b"] is None else next(vectors),
                         "sib": [next(vectors) for _ in e["sib"]]} for e in profile.evidence]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load(path: Path) -> Profile:
    """The profile in `path`; TasteError when it is missing, unreadable or not a profile."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TasteError(f"{path}: no taste profile there (`culler taste learn DIR...` makes one)") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise TasteError(f"{path}: cannot read the taste profile ({e})") from None
    if not isinstance(data, dict) or data.get("format") != "culler taste profile":
        raise TasteError(f"{path}: not a culler taste profile")
    older = next((f for f in OLDER if data.get("features") == list(f)), None)
    if data.get("features") != list(FEATURES) and older is None:
        raise TasteError(f"{path}: made by another version of culler (other features); learn it again")
    if data.get("weights") is not None and len(data["weights"]) != len(data["features"]):
        raise TasteError(f"{path}: damaged taste profile (weights)")
    try:
        evidence = [{**e, "a": _nans(e["a"]), "b": None if e["b"] is None else _nans(e["b"]),
                     "sib": [_nans(v) for v in e["sib"]]} for e in data["evidence"]]
        if older is not None:  # an earlier culler's file: its evidence brought up to date, refitted (not saved)
            missing = [f for f in FEATURES if f not in older]
            log.info("%s: taste profile from an earlier culler (without %s): refitted from its %d decisions",
                     path, ", ".join(missing), decisions_count(evidence))
            if any(len(v) != len(older) for e in evidence for v in [e["a"], e["b"] or older, *e["sib"]]):
                raise ValueError("evidence vectors of the wrong length")
            return fit(upgrade(evidence, older))
        return Profile(features=list(FEATURES), mean=data["mean"], std=data["std"], weights=data["weights"],
                       intercept=float(data["intercept"]), alpha=float(data["alpha"]),
                       decisions=int(data["decisions"]), agreement=data["agreement"],
                       generic_agreement=data["generic_agreement"], held_back=int(data["held_back"]),
                       default_effects=data.get("default_effects"),
                       prefer=float(data.get("prefer", 0.0)), off_weight=float(data.get("off_weight", 0.0)),
                       evidence=evidence)
    except (KeyError, TypeError, ValueError) as e:
        raise TasteError(f"{path}: damaged taste profile ({e})") from None


def reset(path: Path) -> bool:
    """Forget everything learned (the file goes); True when there was one."""
    try:
        Path(path).unlink()
        return True
    except FileNotFoundError:
        return False


def merged(profile: Profile | None, albums: dict[str, list[dict]]) -> Profile:
    """A profile refitted with each album's evidence replacing what it held for that album."""
    old = [e for e in (profile.evidence if profile else []) if e["album"] not in albums]
    seq = max((e["seq"] for e in old), default=-1) + 1
    rows = list(old)
    for name in sorted(albums):
        new = albums[name]
        base = min((e["seq"] for e in new), default=0)
        rows += [{**e, "album": name, "seq": seq + e["seq"] - base} for e in new]
        seq += max((e["seq"] for e in new), default=base) - base + 1
    return fit(rows)


def _nulls_all(vectors: list[list[float]]) -> list[list[float | None]]:
    """Vectors of one length, rounded to 6 decimals, NaN as None (null in JSON), all at once (a
    profile's evidence: 25,000 vectors for 5,000 decisions, one by one took a quarter of a second
    of every save)."""
    import numpy as np

    if not vectors:
        return []
    x = np.round(np.array(vectors, float), 6)
    out = x.astype(object)
    out[~np.isfinite(x)] = None
    return out.tolist()


def _nans(v: list) -> list[float]:
    return [math.nan if x is None else float(x) for x in v]
