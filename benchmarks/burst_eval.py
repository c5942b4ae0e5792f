"""Best frame of each burst, measured on photographs the ranker was not tuned on.

Protocol: the photo sources (benchmarks/photo_sources.py) are split in two halves; the ranker's
learned weights (resources/ranker.json, fitted by benchmarks/train_ranker.py) come from the
tuning half only, and every figure here is reported on the other half. `--report` names the
held-out sources (default: opencv, held out from the shipped model trained on skimage+sklearn);
`--swap` also evaluates the other way round with a model fitted on the fly from `--report`'s
sources, which is the check that the method, not the shipped weights, generalises.

The album (benchmarks/burst_album.py) is written as JPEGs and analysed through the pipeline's own
per-photo path (EXIF, decode at 1024 px, technical signals, tiny image, optional deep models),
then grouped, ranked and scored by culler's code. Figures:
- adjusted_rand_index of the grouping against the truth;
- clean_first: the clean frame ranked first in its burst (as grouped by culler; `..._true_groups`
  ranks the true groups, isolating the ranker from the grouping);
- clean_suggested_reject (must be 0) and reject_precision (rejects that fell on faulty frames);
- beats_clean per fault kind: how often a frame with that fault ranked above the clean one;
- exposure_guessed: the bursts whose frames share no exposure level (every sibling strayed, or
  two strays match), where which level is right is a guess, and how often the clean frame still
  came first in them (the shortfall no reading relative to the siblings can remove);
- score_auc: the album-wide score puts clean frames above faulty ones (all pairs across the album),
  for the fused signal score alone and for the score culler reports (which knows the burst);
- brackets / panoramas kept whole (one group each) and never given a reject suggestion.

    .venv/bin/python benchmarks/burst_eval.py [--report opencv] [--swap] [--random-weights] [--cache DIR]
                                              [--camera-quality Q]

`--camera-quality` (default 92) is the JPEG quality the simulated camera saves every frame at:
a harder compression takes the finest band of the sensor noise and leaves a grid of its own.

Needs Debian's opencv-doc for the `opencv` source. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import burst_album, photo_sources  # noqa: E402
from benchmarks.grouping_eval import analyse  # noqa: E402
from culler.core import frame_model  # noqa: E402
from culler.core.grouping import Group, GroupingParams, GroupInput, group  # noqa: E402

FAULTY = set(burst_album.FAULTS)


def make_album(root: Path, sources: list[str], seed: int, bursts: int, deep_dir: Path | None,
               quality: int = burst_album.CAMERA_QUALITY) -> list[dict]:
    photos = [p for s in sources for p in photo_sources.load(s)]
    shots = burst_album.build(root, photos, seed=seed, bursts=bursts, quality=quality)
    analyse(shots, deep_dir)
    return shots


def signals_of(shots: list[dict], use_deep: bool) -> dict[int, dict]:
    out = {}
    for pid, s in enumerate(shots):
        sig = dict(s["technical"])
        if use_deep:
            sig.update(s["deep"])
        out[pid] = sig
    return out


def auc(pos: list[float], neg: list[float]) -> float | None:
    """P(a random positive scores above a random negative), ties counting half."""
    if not pos or not neg:
        return None
    p, n = np.asarray(pos, float)[:, None], np.asarray(neg, float)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def _level_shared(ids: list[int], signals: dict, details: dict) -> bool:
    """Whether the burst's frames share a reference exposure (`frame_model.reference_is_shared`);
    when they do not, no relative reading tells the clean frame's level from a stray's."""
    frames = [signals[i] for i in ids]
    feats = frame_model.group_features(frames, [details[i] for i in ids])
    offsets = [f["bright"] - f["dark"] for f in feats]
    return frame_model.reference_is_shared(offsets, frame_model.level_tolerance(frames))


def evaluate(shots: list[dict], use_deep: bool, model=None) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from culler.analysis import score as fusion
    from culler.core import ranking

    signals = signals_of(shots, use_deep)
    fused = {pid: fusion.fuse(sig)[0] for pid, sig in signals.items()}
    items = [GroupInput(pid, s["captured_at"], s["embedding"] if use_deep else None, s["tiny"],
                        s["exposure_bias"], order=pid) for pid, s in enumerate(shots)]
    groups = group(items, GroupingParams())
    label = {pid: gi for gi, g in enumerate(groups) for pid in g.ids}
    ari = adjusted_rand_score([s["group"] for s in shots], [label[i] for i in range(len(shots))])
    details = {pid: s.get("detail") for pid, s in enumerate(shots)}
    rows = {r.photo_id: r for r in ranking.rank_groups(groups, signals, fused, model=model, details=details)}
    final = ranking.album_scores(rows.values(), fused, signals, model=model, details=details)

    truth: dict[int, list[int]] = {}
    for pid, s in enumerate(shots):
        truth.setdefault(s["group"], []).append(pid)
    bursts = [ids for ids in truth.values() if any(shots[i]["what"] == "clean" for i in ids)]
    true_rows = {r.photo_id: r for r in ranking.rank_groups([Group(ids, "burst") for ids in bursts], signals,
                                                            fused, model=model, details=details)}
    clean = [i for ids in bursts for i in ids if shots[i]["what"] == "clean"]
    faulty = [i for ids in bursts for i in ids if shots[i]["what"] in FAULTY]

    beats = {k: [0, 0] for k in sorted(FAULTY)}
    for ids in bursts:
        c = next(i for i in ids if shots[i]["what"] == "clean")
        for i in ids:
            if shots[i]["what"] in FAULTY:
                beats[shots[i]["what"]][0] += true_rows[i].group_rank < true_rows[c].group_rank
                beats[shots[i]["what"]][1] += 1
    guessed = [next(i for i in ids if shots[i]["what"] == "clean") for ids in bursts
               if not _level_shared(ids, signals, details)]
    rejects = [pid for pid, r in rows.items() if r.suggestion == "reject"]
    missed = [{"file": shots[c]["path"].name, "winner": shots[w]["what"], "winner_file": shots[w]["path"].name,
               "reasons": rows[c].reasons}
              for c in clean for w in [next(i for i in truth[shots[c]["group"]] if true_rows[i].group_rank == 1)]
              if w != c]
    sets = {}
    for kind in ("bracket", "panorama"):
        ids_of = [ids for ids in truth.values() if shots[ids[0]]["what"] == kind]
        sets[kind] = {"sets": len(ids_of),
                      "kept_whole": int(sum(len({label[i] for i in ids}) == 1 for ids in ids_of)),
                      "frames_suggested_reject": int(sum(rows[i].suggestion == "reject"
                                                         for ids in ids_of for i in ids))}
    reframes = [pid for pid, s in enumerate(shots) if s["what"] == "reframe"]
    return {
        "photos": len(shots), "bursts": len(bursts),
        "adjusted_rand_index": round(float(ari), 4),
        "clean_first": round(float(np.mean([rows[c].group_rank == 1 for c in clean])), 4),
        "clean_first_true_groups": round(float(np.mean([true_rows[c].group_rank == 1 for c in clean])), 4),
        "clean_suggested_reject": int(sum(rows[c].suggestion == "reject" for c in clean)),
        "reject_suggestions": len(rejects),
        "reject_precision": (round(float(np.mean([shots[p]["what"] in FAULTY for p in rejects])), 4)
                             if rejects else None),
        "faulty_frames_suggested_reject": f"{sum(rows[i].suggestion == 'reject' for i in faulty)}/{len(faulty)}",
        "beats_clean": {k: f"{v[0]}/{v[1]}" for k, v in beats.items()},
        "exposure_guessed": {"bursts": len(guessed),
                             "clean_first": int(sum(true_rows[c].group_rank == 1 for c in guessed))},
        "score_auc_fused": round(auc([fused[c] for c in clean], [fused[i] for i in faulty]), 4),
        "score_auc": round(auc([final[c] for c in clean], [final[i] for i in faulty]), 4),
        "reframes_merged_with_burst": int(sum(len(truth[shots[r]["group"] - 1]) > 1 and
                                              label[r] == label[truth[shots[r]["group"] - 1][0]] for r in reframes)),
        **sets,
        "missed_examples": missed[:6],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", default="opencv", help="held-out sources, comma-separated (the rest tune)")
    ap.add_argument("--swap", action="store_true", help="also fit on --report's sources and report on the rest")
    ap.add_argument("--bursts", type=int, default=60, help="bursts per album")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--random-weights", action="store_true", help="also run with all signals (random model weights)")
    ap.add_argument("--cache", type=Path, default=None, help="keep the analysed albums here (see album_cache.py)")
    ap.add_argument("--camera-quality", type=int, default=burst_album.CAMERA_QUALITY,
                    help="the JPEG quality the simulated camera saves every frame at")
    args = ap.parse_args(argv)
    held = [s for s in args.report.split(",") if s]
    quality = args.camera_quality
    variant = "" if quality == burst_album.CAMERA_QUALITY else f"-q{quality}"
    make = functools.partial(make_album, quality=quality)
    tune = [s for s in photo_sources.SOURCES if s not in held]
    from benchmarks import album_cache, train_ranker

    report: dict = {"split": {"tune": tune, "report": held}, "bursts_per_album": args.bursts, "seed": args.seed,
                    "camera_quality": quality}
    with tempfile.TemporaryDirectory(prefix="culler-burst-eval-") as tmp:
        deep_dir = None
        if args.random_weights:
            deep_dir = Path(tmp) / "models"
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "random_weights.py"), str(deep_dir)],
                           check=True, stdout=subprocess.DEVNULL)
        t0 = time.perf_counter()
        shots = album_cache.album(args.cache, held, args.seed, args.bursts, deep_dir, make, variant)
        report["held_out"] = {"technical_only": evaluate(shots, False)}
        if deep_dir is not None:
            report["held_out"]["all_signals_random_weights"] = evaluate(shots, True)
        if args.swap:
            # The other way round: fit on the held-out half, report on the tuning half.
            model = train_ranker.fit(train_ranker.pairs_of(shots))
            other = album_cache.album(args.cache, tune, args.seed + 1, args.bursts, deep_dir, make, variant)
            report["swapped"] = {"split": {"tune": held, "report": tune},
                                 "technical_only": evaluate(other, False, model=model)}
        report["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
