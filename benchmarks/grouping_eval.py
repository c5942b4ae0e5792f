"""How well culler groups bursts (same-spot pairs, missing EXIF times), on real photographs.

Its bursts are degraded in sRGB by benchmarks/photo_factory.py, the generator the old hand-set
ranking was tuned on: its "clean first" figures measure fit, not accuracy. The out-of-sample
figures for the best frame come from benchmarks/burst_eval.py (bursts re-shot in linear light,
reported on photo sources the ranker never saw).

Builds an album of JPEGs from scikit-image's real photos (benchmarks/photo_factory.py):
- bursts: a crop of a real photo (60-100 % of it, sometimes mirrored, never upscaled) shot as a
  clean frame plus 2-5 degraded neighbours (blur, motion blur, noise, dark, bright) 0.2 s apart;
  a quarter of the bursts have no EXIF capture time;
- single shots (other crops), and same-spot pairs: one background with two different subjects
  pasted at the same place, 6-20 s apart (they must NOT be grouped);
- pauses of 4-40 s between shots and of minutes between scenes.
Then runs the real pipeline path on every file - metadata.read_meta, decode.load_image at 1024 px,
analysis.technical.measure, grouping.tiny_image, and (with --deep DIR, or --random-weights)
analysis.deep.DeepAnalyzer - and scores grouping against the truth (adjusted Rand index) and
ranking (is the clean frame ranked first in its burst), once with technical signals only and once
with all signals.

    .venv/bin/python benchmarks/grouping_eval.py [--bursts 36] [--deep MODELS_DIR | --random-weights]

Prints one JSON object. With random weights the deep scores and embeddings are meaningless: that
run checks the plumbing and that meaningless embeddings do not wreck grouping, not quality.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.photo_factory import REAL_PHOTOS, burst, real_photo, resize, write_jpeg  # noqa: E402
from culler.core.grouping import Group, GroupingParams, GroupInput, group, tiny_image  # noqa: E402
from culler.core.ranking import rank_groups  # noqa: E402


def _crop(img: np.ndarray, rng: np.random.Generator, area: tuple[float, float]) -> np.ndarray:
    h, w = img.shape[:2]
    f = float(np.sqrt(rng.uniform(*area)))
    ch, cw = max(64, int(h * f)), max(64, int(w * f))
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    out = img[y:y + ch, x:x + cw]
    return np.ascontiguousarray(out[:, ::-1] if rng.random() < 0.4 else out)


def _same_spot(bg: np.ndarray, subject: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    h, w = bg.shape[:2]
    x0, y0, x1, y1 = int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)
    out = bg.copy()
    out[y0:y1, x0:x1] = resize(subject, x1 - x0, y1 - y0)
    return out


def build_album(root: Path, n_bursts: int, n_singles: int, n_pairs: int, seed: int = 0) -> list[dict]:
    """Write the album; return one truth record per file (in filename = capture order)."""
    rng = np.random.default_rng(seed)
    bases = {name: real_photo(name) for name in REAL_PHOTOS}
    kinds = ["burst"] * n_bursts + ["single"] * n_singles + ["pair"] * n_pairs
    rng.shuffle(kinds)
    t = datetime(2024, 7, 1, 9, 0, 0)
    shots: list[dict] = []
    truth_group = 0
    for k, kind in enumerate(kinds):
        # Event k is made from base photo k % 12: shots of one base are >= 12 events apart, so
        # never inside one comparison window (they are different moments by construction).
        name = REAL_PHOTOS[k % len(REAL_PHOTOS)]
        base = bases[name]
        if kind == "burst":
            scene = _crop(base, rng, (0.6, 1.0))
            timed = rng.random() >= 0.25
            frames = burst(scene, t, n_bad=int(rng.integers(2, 6)), seed=seed * 1000 + k)
            for what, img, when in frames:
                shots.append({"group": truth_group, "what": what, "img": img, "at": when if timed else None,
                              "base": name, "event": k})
            t = frames[-1][2]
            truth_group += 1
        elif kind == "single":
            shots.append({"group": truth_group, "what": "single", "img": _crop(base, rng, (0.3, 0.5)),
                          "at": t, "base": name, "event": k})
            truth_group += 1
        else:
            bg = _crop(base, rng, (0.7, 1.0))
            w0, h0 = rng.uniform(0.25, 0.4), rng.uniform(0.45, 0.7)
            x0, y0 = rng.uniform(0.1, 0.9 - w0), rng.uniform(0.1, 0.95 - h0)
            box = (x0, y0, x0 + w0, y0 + h0)
            for other in (3, 7):
                subject = bases[REAL_PHOTOS[(k + other) % len(REAL_PHOTOS)]]
                shots.append({"group": truth_group, "what": "same-spot", "img": _same_spot(bg, subject, box),
                              "at": t, "base": name, "event": k})
                truth_group += 1
                t += timedelta(seconds=float(rng.uniform(6, 20)))
        t += timedelta(seconds=float(rng.uniform(4, 40)) + (float(rng.uniform(200, 600)) if k % 5 == 4 else 0))
    for i, s in enumerate(shots):
        s["path"] = write_jpeg(root / f"IMG_{i + 1:04d}.jpg", s.pop("img"), captured_at=s["at"], exposure_bias=0.0)
    return shots


def analyse(shots: list[dict], deep_dir: Path | None) -> dict:
    """The pipeline's per-photo path; returns per-file signals/embedding/tiny plus timings."""
    from culler.analysis import technical
    from culler.core.decode import load_image
    from culler.core.metadata import read_meta

    analyzer, deep_status = None, None
    if deep_dir is not None:
        from culler.analysis import tv_compat

        tv_compat.ensure()
        from culler.analysis.deep import DeepAnalyzer

        analyzer = DeepAnalyzer(deep_dir)
        deep_status = analyzer.status()
    t_tech = t_deep = 0.0
    batch: list[tuple[dict, np.ndarray]] = []

    def flush():
        nonlocal t_deep
        if analyzer is None or not batch:
            return
        t0 = time.perf_counter()
        results = analyzer.run([img for _, img in batch])
        t_deep += time.perf_counter() - t0
        for (s, _), (deep_sig, emb) in zip(batch, results):
            s["deep"] = dict(deep_sig)
            s["embedding"] = emb.get("clip")
        batch.clear()

    for s in shots:
        t0 = time.perf_counter()
        meta = read_meta(s["path"])
        rgb = load_image(s["path"], 1024, meta.orientation)
        s["captured_at"], s["exposure_bias"] = meta.captured_at, meta.exposure_bias
        s["technical"], s["detail"] = technical.measure_detail(rgb)
        s["tiny"] = tiny_image(rgb)
        t_tech += time.perf_counter() - t0
        s.setdefault("deep", {})
        s.setdefault("embedding", None)
        batch.append((s, rgb))
        if len(batch) == 8:
            flush()
    flush()
    return {"technical_s_per_photo": round(t_tech / len(shots), 4),
            "deep_s_per_photo": round(t_deep / len(shots), 4) if analyzer else None, "deep_status": deep_status}


def evaluate(shots: list[dict], use_deep: bool, params: GroupingParams) -> dict:
    from sklearn.metrics import adjusted_rand_score

    try:
        from culler.analysis import score as fusion
    except ImportError:  # the score module may not exist yet: ranking works without it
        fusion = None
    items, signals, scores = [], {}, {}
    for pid, s in enumerate(shots):
        sig = dict(s["technical"])
        if use_deep:
            sig.update(s["deep"])
        signals[pid] = sig
        scores[pid] = fusion.fuse(sig)[0] if fusion else None
        items.append(GroupInput(pid, s["captured_at"], s["embedding"] if use_deep else None, s["tiny"],
                                s["exposure_bias"], order=pid))
    t0 = time.perf_counter()
    groups = group(items, params)
    grouping_s = time.perf_counter() - t0
    label = {pid: gi for gi, g in enumerate(groups) for pid in g.ids}
    ari = adjusted_rand_score([s["group"] for s in shots], [label[i] for i in range(len(shots))])

    bursts: dict[int, list[int]] = {}
    for pid, s in enumerate(shots):
        if s["what"] not in ("single", "same-spot"):
            bursts.setdefault(s["group"], []).append(pid)
    true_rows = {r.photo_id: r for r in rank_groups([Group(ids, "burst") for ids in bursts.values()],
                                                    signals, scores)}
    rows = {r.photo_id: r for r in rank_groups(groups, signals, scores)}
    clean = [pid for pid, s in enumerate(shots) if s["what"] == "clean"]
    degraded = [pid for ids in bursts.values() for pid in ids if shots[pid]["what"] != "clean"]
    beaten_by: dict[str, int] = {}
    for ids in bursts.values():
        winner = next(pid for pid in ids if true_rows[pid].group_rank == 1)
        if shots[winner]["what"] != "clean":
            beaten_by[shots[winner]["what"]] = beaten_by.get(shots[winner]["what"], 0) + 1
    rejected = {}
    for pid in degraded:
        what = shots[pid]["what"]
        got = rejected.setdefault(what, [0, 0])
        got[0] += rows[pid].suggestion == "reject"
        got[1] += 1
    pairs: dict[int, list[int]] = {}
    for pid, s in enumerate(shots):
        if s["what"] == "same-spot":
            pairs.setdefault(s["event"], []).append(pid)
    kinds: dict[str, int] = {}
    for g in groups:
        kinds[g.kind] = kinds.get(g.kind, 0) + 1
    return {
        "adjusted_rand_index": round(float(ari), 4),
        "clean_first": round(float(np.mean([true_rows[pid].group_rank == 1 for pid in clean])), 4),
        "clean_first_end_to_end": round(float(np.mean([rows[pid].group_rank == 1 and rows[pid].group_size > 1
                                                       for pid in clean])), 4),
        "clean_suggested_pick": round(float(np.mean([rows[pid].suggestion == "pick" for pid in clean])), 4),
        "clean_suggested_reject": int(sum(rows[pid].suggestion == "reject" for pid in clean)),
        "winner_when_not_clean": beaten_by,
        "reject_suggested_for_degraded": {k: f"{v[0]}/{v[1]}" for k, v in sorted(rejected.items())},
        "same_spot_pairs_merged": int(sum(label[a] == label[b] for a, b in pairs.values())),
        "bursts_split": int(sum(len({label[pid] for pid in ids}) > 1 for ids in bursts.values())),
        "group_kinds": kinds,
        "grouping_seconds": round(grouping_s, 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bursts", type=int, default=36)
    ap.add_argument("--singles", type=int, default=12)
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--deep", type=Path, metavar="MODELS_DIR", help="folder of model files (CULLER_MODELS_DIR layout)")
    ap.add_argument("--random-weights", action="store_true", help="write random weights to a temp folder and use them")
    ap.add_argument("--album", type=Path, help="write the album here (default: a temp folder, removed)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="culler-grouping-eval-") as tmp:
        album = args.album or Path(tmp) / "album"
        deep_dir = args.deep
        if deep_dir is None and args.random_weights:
            deep_dir = Path(tmp) / "models"
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "random_weights.py"), str(deep_dir)],
                           check=True, stdout=subprocess.DEVNULL)
        t0 = time.perf_counter()
        shots = build_album(album, args.bursts, args.singles, args.pairs, args.seed)
        build_s = time.perf_counter() - t0
        timing = analyse(shots, deep_dir)
        params = GroupingParams()
        report = {
            "photos": len(shots), "bursts": args.bursts, "singles": args.singles, "same_spot_pairs": args.pairs,
            "bursts_without_exif_time": len({s["group"] for s in shots if s["at"] is None}),
            "upscaled": False, "decode_long_edge": 1024, "build_seconds": round(build_s, 1), **timing,
            "technical_only": evaluate(shots, False, params),
        }
        tech = report["technical_only"]
        report["targets_met_technical_only"] = {"ari>=0.9": tech["adjusted_rand_index"] >= 0.9,
                                                "clean_first>=0.9": tech["clean_first"] >= 0.9}
        if deep_dir is not None:
            report["all_signals"] = evaluate(shots, True, params)
            report["deep_weights"] = "random (meaningless scores)" if args.random_weights and not args.deep \
                else str(deep_dir)
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
