"""Fit the within-burst frame model (culler/core/frame_model.py) and write resources/ranker.json.

Builds albums of bursts re-shot in linear light (benchmarks/burst_album.py) from the *tuning*
sources only (default skimage + sklearn; opencv is held out for benchmarks/burst_eval.py), runs
the pipeline's per-photo analysis on them, and fits a logistic regression on pairs of frames of one
burst: x = features(worse) - features(better), so that P(better wins) = sigmoid(u_better - u_worse)
with u = -w . features. Penalty weights must be >= 0 (a fault never helps): a feature that comes
out negative is dropped and the model refitted. A second set of weights is fitted on the same
pairs without the detail features (soft, fine, grain), for groups whose photos have no detail maps
(albums analysed before culler stored them). Deterministic for a given seed.

`--cv` writes nothing: it fits on all albums but one and reports on that one, for each album in
turn (leave one album out), and prints burst_eval's figures summed over the albums. This is how a
change to the frame model is chosen without looking at the held-out sources.

    .venv/bin/python benchmarks/train_ranker.py [--sources skimage,sklearn] [--out resources/ranker.json]
                                                [--cv] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from culler.core import frame_model  # noqa: E402

C = 1.0  # inverse L2 strength


def pairs_of(shots: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): one row per (clean, faulty) pair of a burst, and its mirror image."""
    from benchmarks.burst_album import FAULTS

    bursts: dict[int, list[int]] = {}
    for i, s in enumerate(shots):
        bursts.setdefault(s["group"], []).append(i)
    rows = []
    for ids in bursts.values():
        if not any(shots[i]["what"] == "clean" for i in ids):
            continue
        feats = frame_model.group_features([shots[i]["technical"] for i in ids], [shots[i].get("detail") for i in ids])
        f = {i: np.array([x[k] for k in frame_model.FEATURES]) for i, x in zip(ids, feats)}
        clean = next(i for i in ids if shots[i]["what"] == "clean")
        rows += [f[i] - f[clean] for i in ids if shots[i]["what"] in FAULTS]
    x = np.array(rows)
    return np.vstack([x, -x]), np.concatenate([np.ones(len(x)), np.zeros(len(x))])


def fit(pairs: tuple[np.ndarray, np.ndarray]) -> frame_model.FrameModel:
    """The model, with its weights for groups without detail maps fitted on the same pairs."""
    x, y = pairs
    plain = x.copy()
    plain[:, [frame_model.FEATURES.index(k) for k in frame_model.DETAIL_FEATURES]] = 0.0
    return frame_model.FrameModel(_weights(x, y), "fitted", _weights(plain, y))


def _weights(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    keep = list(range(x.shape[1]))
    while True:
        lr = LogisticRegression(C=C, fit_intercept=False, max_iter=2000).fit(x[:, keep], y)
        w = lr.coef_[0]
        if (w >= 0).all():
            break
        keep = [k for k, wk in zip(keep, w) if wk > 0]
    weights = dict.fromkeys(frame_model.FEATURES, 0.0)
    for k, wk in zip(keep, w):
        weights[frame_model.FEATURES[k]] = round(float(wk), 4)
    return weights


def cross_validate(albums: list[list[dict]], pairs: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    """burst_eval's figures on each album from a model fitted on the others, pooled over albums."""
    from benchmarks.burst_eval import evaluate

    runs = []
    for i, shots in enumerate(albums):
        rest = [p for j, p in enumerate(pairs) if j != i]
        model = fit((np.vstack([p[0] for p in rest]), np.concatenate([p[1] for p in rest])))
        runs.append(evaluate(shots, False, model=model))
    beats = {}
    for r in runs:
        for kind, v in r["beats_clean"].items():
            won, of = map(int, v.split("/"))
            beats[kind] = [beats.get(kind, [0, 0])[0] + won, beats.get(kind, [0, 0])[1] + of]
    rejects = sum(r["reject_suggestions"] for r in runs)
    wrong = sum(round(r["reject_suggestions"] * (1 - (r["reject_precision"] or 0))) for r in runs)
    return {"albums": len(albums), "clean_first": round(float(np.mean([r["clean_first"] for r in runs])), 4),
            "clean_first_per_album": [r["clean_first"] for r in runs],
            "clean_suggested_reject": sum(r["clean_suggested_reject"] for r in runs),
            "reject_suggestions": rejects,
            "reject_precision": round(1 - wrong / rejects, 4) if rejects else None,
            "score_auc": round(float(np.mean([r["score_auc"] for r in runs])), 4),
            "beats_clean": {k: f"{a}/{b}" for k, (a, b) in beats.items()}}


def main(argv: list[str] | None = None) -> int:
    from benchmarks import album_cache
    from benchmarks.burst_eval import make_album

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", default="skimage,sklearn")
    ap.add_argument("--albums", type=int, default=8, help="albums of --bursts bursts each (seeds 100, 101, ...)")
    ap.add_argument("--bursts", type=int, default=60)
    ap.add_argument("--out", type=Path, default=ROOT / "resources" / "ranker.json")
    ap.add_argument("--cv", action="store_true", help="leave-one-album-out figures instead of writing --out")
    ap.add_argument("--cache", type=Path, default=None, help="keep the analysed albums here (see album_cache.py)")
    args = ap.parse_args(argv)
    sources = [s for s in args.sources.split(",") if s]
    albums = [album_cache.album(args.cache, sources, 100 + a, args.bursts, None, make_album)
              for a in range(args.albums)]
    pairs = [pairs_of(shots) for shots in albums]
    if args.cv:
        print(json.dumps(cross_validate(albums, pairs), indent=1))
        return 0
    x, y = np.vstack([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
    model = fit((x, y))
    w = np.array([model.weights[k] for k in frame_model.FEATURES])
    accuracy = float(np.mean((x @ w > 0) == (y == 1)))
    out = {"model": "pairwise logistic regression over group-relative frame features (culler/core/frame_model.py)",
           "features": list(frame_model.FEATURES), "weights": model.weights,
           "weights_without_detail": model.without_detail,
           "trained_on": {"sources": sources, "albums": args.albums, "bursts_per_album": args.bursts,
                          "seeds": [100 + a for a in range(args.albums)], "pairs": int(len(y) // 2),
                          "pair_accuracy_on_training": round(accuracy, 4)},
           "retrain": "benchmarks/train_ranker.py"}
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
