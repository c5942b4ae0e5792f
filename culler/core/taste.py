"""The photographer's taste profile: fitted from their decisions, blended with the generic ranking.

The model has the frame model's pairwise form (culler/core/frame_model.py) with the user's own
evidence (culler/core/taste_evidence.py): a utility u = w . z(x) + b over standardised photo
features, fitted by an L2 logistic regression (scikit-learn, imported when fitting) on pairs
(P(a kept over b) = sigmoid(u_a - u_b)) and labels (P(kept) = sigmoid(u)) at once. `generic`, the
logit of culler's own score, is one of the features, so the model learns how far to follow it.

Blend: the utility used is (1 - alpha) * generic + alpha * u. alpha is chosen by fitting on all
but the most recent `HOLDOUT` of the decisions and measuring agreement on the held-back ones
(share of "this over that" choices ordered the user's way) for alpha from 0 to a cap that grows
with the number of decisions, n / (n + `TRUST_AFTER`). alpha = 0 (the generic ranking) is one of
the candidates and wins ties, so the profile never agrees worse than the generic ranking on the
held-back decisions. The final weights are refitted on every decision.

The profile is one JSON file (never a pickle) holding the fit and its evidence, so learning from
another album adds to it; deterministic: the same evidence gives the same file.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from culler.core.taste_evidence import FEATURES, decisions_count

HOLDOUT = 0.2  # share of the decisions (the most recent) held back to choose alpha
TRUST_AFTER = 10.0  # alpha cap n / (n + TRUST_AFTER): 0.71 after 25 decisions, 0.95 after 200
C = 1.0  # inverse L2 strength of the logistic regression
FILE_NAME = "taste.json"
_GENERIC = FEATURES.index("generic")


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
    evidence: list[dict] = field(default_factory=list)

    def utility(self, x: list[float]) -> float:
        """Blended utility of one photo's feature vector (logit of 'kept')."""
        g = _finite(x[_GENERIC])
        if self.weights is None or self.alpha <= 0:
            return g
        return (1.0 - self.alpha) * g + self.alpha * self._own(x)

    def score(self, x: list[float]) -> float:
        """0-1: how likely this photographer keeps the photo."""
        return _sigmoid(self.utility(x))

    def _own(self, x: list[float]) -> float:
        return self.intercept + sum(w * z for w, z in zip(self.weights, _z(x, self.mean, self.std)))

    @property
    def albums(self) -> list[str]:
        return sorted({e["album"] for e in self.evidence})


def fit(evidence: list[dict]) -> Profile:
    """A profile from evidence rows (taste_evidence.evidence), deterministic."""
    rows = sorted(evidence, key=lambda e: (e["seq"], e["kind"], e["album"]))
    p = Profile(evidence=rows, decisions=decisions_count(rows))
    if not _fittable(rows):
        return p
    labels = [e for e in rows if e["kind"] == "label"]
    cut = labels[int(len(labels) * (1 - HOLDOUT))]["seq"] if len(labels) >= 5 else None
    train = [e for e in rows if cut is None or e["seq"] < cut]
    held = [e for e in rows if cut is not None and e["seq"] >= cut]
    trial = _fit_weights(train) if _fittable(train) and held else None
    if trial is not None:
        p.held_back = decisions_count(held)
        p.generic_agreement = agreement(trial, held, alpha=0.0)
        cap = p.decisions / (p.decisions + TRUST_AFTER)
        best = (p.generic_agreement, 0.0)
        for step in (1, 2, 3, 4):
            a = cap * step / 4
            got = agreement(trial, held, alpha=a)
            if got is not None and got > best[0] + 1e-9:
                best = (got, a)
        p.agreement, p.alpha = best
    full = _fit_weights(rows)
    p.mean, p.std, p.weights, p.intercept = full.mean, full.std, full.weights, full.intercept
    return p


def agreement(profile: Profile, rows: list[dict], alpha: float | None = None) -> float | None:
    """Share of the user's "this over that" choices in `rows` that the blended utility orders
    the same way (ties count half): each pair, and every kept label against every rejected one."""
    trial = Profile(**{**asdict(profile), "evidence": []})
    if alpha is not None:
        trial.alpha = alpha
    u = trial.utility
    right = total = 0.0
    for e in rows:
        if e["kind"] == "pair":
            d = u(e["a"]) - u(e["b"])
            right += e["w"] * (1.0 if d > 0 else 0.5 if d == 0 else 0.0)
            total += e["w"]
    pos = sorted(u(e["a"]) for e in rows if e["kind"] == "label" and e["y"] == 1)
    neg = sorted(u(e["a"]) for e in rows if e["kind"] == "label" and e["y"] == 0)
    if pos and neg:
        n_labels = len(pos) + len(neg)
        right += n_labels * _auc(pos, neg)
        total += n_labels
    return right / total if total else None


def _fit_weights(rows: list[dict]) -> Profile:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    every = np.array([e["a"] for e in rows] + [e["b"] for e in rows if e["b"] is not None], float)
    with np.errstate(all="ignore"):
        mean = np.nan_to_num(np.nanmean(every, axis=0))
        std = np.nan_to_num(np.nanstd(every, axis=0))
    std[std < 1e-9] = 1.0
    z = lambda v: np.nan_to_num((np.asarray(v, float) - mean) / std)  # noqa: E731 - missing = average
    xs, ys, ws = [], [], []
    for e in rows:
        if e["kind"] == "pair":
            d = np.append(z(e["a"]) - z(e["b"]), 0.0)
            xs += [d, -d]
            ys += [1, 0]
            ws += [e["w"], e["w"]]
        else:
            xs.append(np.append(z(e["a"]), 1.0))  # the last column is the intercept (labels only)
            ys.append(e["y"])
            ws.append(e["w"])
    lr = LogisticRegression(C=C, fit_intercept=False, max_iter=2000)
    lr.fit(np.array(xs), np.array(ys), sample_weight=np.array(ws))
    coef = lr.coef_[0]
    return Profile(mean=[float(v) for v in mean], std=[float(v) for v in std],
                   weights=[round(float(v), 6) for v in coef[:-1]], intercept=round(float(coef[-1]), 6),
                   alpha=1.0)


def _fittable(rows: list[dict]) -> bool:
    """Both outcomes are present (a pair always has both: it is fitted with its mirror)."""
    if any(e["kind"] == "pair" for e in rows):
        return True
    return len({e["y"] for e in rows}) == 2


def _auc(pos: list[float], neg: list[float]) -> float:
    from bisect import bisect_left, bisect_right

    wins = sum(bisect_left(neg, v) + 0.5 * (bisect_right(neg, v) - bisect_left(neg, v)) for v in pos)
    return wins / (len(pos) * len(neg))


def _z(x, mean, std) -> list[float]:
    return [0.0 if not math.isfinite(v) else (v - m) / s for v, m, s in zip(x, mean, std)]


def _finite(v: float) -> float:
    return v if math.isfinite(v) else 0.0


def _sigmoid(u: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, u))))


# --- the profile file ------------------------------------------------------------------------

def default_path(data_dir: Path) -> Path:
    """The profile in the user data folder (platformdirs, AppContext.data_dir)."""
    return Path(data_dir) / FILE_NAME


def save(profile: Profile, path: Path) -> None:
    """Write atomically as JSON (NaN as null)."""
    data = {"format": "culler taste profile", "version": 1, **asdict(profile)}
    data["evidence"] = [{**e, "a": _nulls(e["a"]), "b": None if e["b"] is None else _nulls(e["b"])}
                        for e in profile.evidence]
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
    if data.get("features") != list(FEATURES):
        raise TasteError(f"{path}: made by another version of culler (other features); learn it again")
    try:
        evidence = [{**e, "a": _nans(e["a"]), "b": None if e["b"] is None else _nans(e["b"])}
                    for e in data["evidence"]]
        return Profile(features=list(FEATURES), mean=data["mean"], std=data["std"], weights=data["weights"],
                       intercept=float(data["intercept"]), alpha=float(data["alpha"]),
                       decisions=int(data["decisions"]), agreement=data["agreement"],
                       generic_agreement=data["generic_agreement"], held_back=int(data["held_back"]),
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


def _nulls(v: list[float]) -> list[float | None]:
    return [x if math.isfinite(x) else None for x in v]


def _nans(v: list) -> list[float]:
    return [math.nan if x is None else float(x) for x in v]
