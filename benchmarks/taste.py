"""How well a taste profile (culler/core/taste.py) learns simulated photographers. Prints JSON.

Albums of bursts re-shot in linear light from real photographs (benchmarks/burst_album.py) are
analysed, grouped, ranked and scored by culler's own code. Simulated photographers decide on them
with a taste defined on what is known from how each photo was made (never culler's signals):
the fault and its strength, the exposure offset in stops, the scene's key, the source photo's
contrast. Per burst they keep their favourite frame (or none, when even it is below their bar)
and reject the rest; a single photo is kept when it clears their bar. `INCONSISTENT` of their
choices are random instead, as people are.

- generic: culler's default: faults cost by strength (blur most, then noise, exposure, JPEG);
- darker: likes frames about a stop under and low-key scenes, hates over-exposure;
- noise_not_blur: forgives noise entirely (auto-ISO, high ISO) but never blur;
- contrast: keeps high-contrast scenes and frames, drops flat ones;
- scenes: prefers bright high-key scenes, drops low-key ones.

A profile is fitted on the first 25, 50, 100, 200 decisions on a training album (skimage +
sklearn photographs) and measured on albums not used for training: one made from the same
sources (other crops, other seed) and one made from other photographs (opencv's samples).
Agreement = AUC of predicting the photographer's keeps among the photos they decided; `generic`
is culler's own score; `ceiling` is the photographer's own noiseless taste scored the same way
(their random choices cap every model below 1). Medians over `--repeats` decision seeds;
`refit_seconds` times a fit on 5,000 decisions, also with the CLIP look features filled (random
numbers: these albums are analysed without CLIP, so in the agreement figures the looks are missing
and play no part; the filled ones give the time and file size of a profile learned with CLIP).

    .venv/bin/python benchmarks/taste.py [--repeats 5] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.machine import cpu_model  # noqa: E402
from culler.core import taste, taste_evidence, taste_words  # noqa: E402
from culler.core.records import Decision, GroupRow  # noqa: E402

INCONSISTENT = 0.15
BAR = -1.0  # a frame below this utility is not kept even as the best of its burst
DECISIONS = (25, 50, 100, 200)
ALBUMS = {"train": ("skimage,sklearn", 300, 50), "same_sources": ("skimage,sklearn", 301, 30),
          "other_sources": ("opencv", 302, 30)}


def truth(shot: dict, contrast: dict[str, float]) -> dict:
    """What is known about a photo from how the album was made."""
    what, s = shot["what"], shot.get("strength") or 0.0
    return {"blur": s / 4.0 if what == "defocus" else s / 14.0 if what == "shake" else 0.0,
            "noise": s / 3.0 if what == "iso" else 0.5 * s / 2.5 if what == "under" else 0.0,
            "off": -s if what == "under" else s if what == "over" else 0.0,
            "jpeg": s / 85.0 if what == "jpeg" else 0.0, "key": shot.get("scene_key", 0.0),
            "contrast": contrast.get(shot.get("source"), 0.0) - 0.5 * max(s if what == "over" else 0.0, 0.0)}


def _generic(t):
    return -(4 * t["blur"] + 2.5 * t["noise"] + 2 * abs(t["off"]) + 2 * t["jpeg"])


PHOTOGRAPHERS = {
    "generic": _generic,
    "darker": lambda t: -(4 * t["blur"] + 2 * t["jpeg"]) - 2 * abs(t["off"] + 1.0) + 1.0 - 1.2 * t["key"],
    "noise_not_blur": lambda t: -(10 * t["blur"] + 2 * abs(t["off"]) + 2 * t["jpeg"]),
    "contrast": lambda t: _generic(t) + 1.5 * t["contrast"],
    "scenes": lambda t: _generic(t) + (1.0 if t["key"] > 0 else -2.0 if t["key"] < 0 else 0.0),
}


def decide(album: dict, taste_fn, rng: np.random.Generator) -> dict[int, bool]:
    """photo id -> kept, in album order; brackets and panoramas are left undecided."""
    u = {pid: taste_fn(p["truth"]) for pid, p in album["photos"].items()}
    groups: dict[int, list[int]] = {}
    for pid, p in album["photos"].items():
        if p["what"] not in ("bracket", "panorama"):
            groups.setdefault(p["true_group"], []).append(pid)
    out: dict[int, bool] = {}
    for ids in groups.values():
        best = max(ids, key=lambda i: (u[i], -i))
        keep = u[best] > BAR
        if rng.random() < INCONSISTENT:
            best, keep = int(rng.choice(ids)), not keep if len(ids) == 1 else True
        for i in ids:
            out[i] = keep and i == best
    return dict(sorted(out.items()))


def ceiling(album: dict, taste_fn) -> dict[int, float]:
    """The photographer's own noiseless taste as a score (with the chance of beating the best
    frame of its true burst): what no model of them can beat on their inconsistent decisions."""
    u = {pid: taste_fn(p["truth"]) for pid, p in album["photos"].items()}
    groups: dict[int, list[int]] = {}
    for pid, p in album["photos"].items():
        groups.setdefault(p["true_group"], []).append(pid)
    out = {}
    for ids in groups.values():
        for i in ids:
            best = max((u[j] for j in ids if j != i), default=-np.inf)
            out[i] = u[i] - float(np.logaddexp(0.0, best - u[i]))
    return out


def auc(scores: dict[int, float], kept: dict[int, bool]) -> float | None:
    pos = [scores[i] for i, k in kept.items() if k]
    neg = [scores[i] for i, k in kept.items() if not k]
    if not pos or not neg:
        return None
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def build_album(root: Path, sources: str, seed: int, bursts: int) -> dict:
    """Write, analyse, group, rank and score an album; keep what the benchmark needs (JSON-able)."""
    from benchmarks import burst_album, photo_sources
    from benchmarks.grouping_eval import analyse
    from culler.analysis import score as fusion
    from culler.core import ranking
    from culler.core.grouping import GroupingParams, GroupInput, group

    photos = [p for s in sources.split(",") for p in photo_sources.load(s)]
    contrast = {name: float(np.std(img.mean(axis=2)) / 255.0) for name, img in photos}
    mean_c = float(np.mean(list(contrast.values())))
    std_c = float(np.std(list(contrast.values()))) or 1.0
    contrast = {k: (v - mean_c) / std_c for k, v in contrast.items()}
    shots = burst_album.build(root, photos, seed=seed, bursts=bursts)
    analyse(shots, None)
    signals = {pid: dict(s["technical"]) for pid, s in enumerate(shots)}
    fused = {pid: fusion.fuse(sig)[0] for pid, sig in signals.items()}
    items = [GroupInput(pid, s["captured_at"], None, s["tiny"], s["exposure_bias"], order=pid)
             for pid, s in enumerate(shots)]
    rows = ranking.rank_groups(group(items, GroupingParams()), signals, fused)
    final = ranking.album_scores(rows, fused, signals)
    return {"sources": sources, "seed": seed, "rows": [r.__dict__ for r in rows],
            "photos": {pid: {"what": s["what"], "true_group": s["group"], "signals": signals[pid],
                             "score": final.get(pid), "truth": truth(s, contrast)}
                       for pid, s in enumerate(shots)}}


def load_albums(cache: Path | None) -> dict[str, dict]:
    out = {}
    for name, (sources, seed, bursts) in ALBUMS.items():
        f = cache / f"{name}-{seed}-{bursts}.json" if cache else None
        if f and f.is_file():
            data = json.loads(f.read_text())
            data["photos"] = {int(k): v for k, v in data["photos"].items()}
        else:
            with tempfile.TemporaryDirectory(prefix="culler-taste-") as tmp:
                data = build_album(Path(tmp), sources, seed, bursts)
            if f:
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_text(json.dumps(data))
        data["group_rows"] = [GroupRow(**r) for r in data["rows"]]
        data["features"] = taste_evidence.album_features(
            {pid: p["signals"] for pid, p in data["photos"].items()}, data["group_rows"],
            {pid: p["score"] for pid, p in data["photos"].items()})
        out[name] = data
    return out


def first_decisions(kept: dict[int, bool], n: int) -> dict[int, Decision]:
    return {pid: Decision(flag="pick" if k else "reject") for pid, k in list(kept.items())[:n]}


def run(albums: dict[str, dict], repeats: int) -> dict:
    train = albums["train"]
    results: dict = {}
    words: dict[str, list[str]] = {}
    for who, fn in PHOTOGRAPHERS.items():
        cells: dict[str, dict[str, list]] = {}
        for rep in range(repeats):
            rng = np.random.default_rng(1000 + rep)
            kept_train = decide(train, fn, rng)
            tests = {name: decide(albums[name], fn, rng) for name in ("same_sources", "other_sources")}
            for n in DECISIONS:
                ev = taste_evidence.evidence(train["features"], train["group_rows"], first_decisions(kept_train, n))
                prof = taste.fit(ev)
                if rep == 0 and n == DECISIONS[-1]:
                    words[who] = taste_words.sentences(prof)
                for name, kept in tests.items():
                    feats = albums[name]["features"]
                    c = cells.setdefault(f"{name}/{n}", {"taste": [], "generic": [], "ceiling": [], "alpha": []})
                    c["ceiling"].append(auc(ceiling(albums[name], fn), kept))
                    scores = prof.scores(feats, albums[name]["group_rows"])
                    c["taste"].append(auc({i: scores[i] for i in kept}, kept))
                    c["generic"].append(auc({i: albums[name]["photos"][i]["score"] or 0.0 for i in kept}, kept))
                    c["alpha"].append(prof.alpha)
        results[who] = {k: {m: round(median(v), 3) for m, v in c.items()} for k, c in cells.items()}
    return results, words


def refit_seconds(albums: dict[str, dict], n: int = 5000, repeats: int = 3, looks: bool = False) -> tuple:
    """(median seconds of a fit, of the window's whole refit with the file written,
    decisions, evidence rows, profile file bytes) on `n` decisions (the training album's evidence
    tiled, with fresh seq numbers); `looks`: with random CLIP look values in every photo's vector."""
    rng = np.random.default_rng(7)
    train = albums["train"]
    features = train["features"]
    if looks:
        cols = [taste_evidence.FEATURES.index(f) for f in taste_evidence.LOOKS]
        features = {pid: [round(float(rng.normal(0, 0.03)), 6) if i in cols else x for i, x in enumerate(v)]
                    for pid, v in features.items()}
    ev = taste_evidence.evidence(features, train["group_rows"],
                                 first_decisions(decide(train, PHOTOGRAPHERS["darker"], rng), 10 ** 6))
    rows, k = [], 0
    while taste_evidence.decisions_count(rows) < n:
        rows += [{**e, "seq": e["seq"] + 100000 * k} for e in ev]
        k += 1
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        profile = taste.fit(rows)
        times.append(time.perf_counter() - t0)
    window = []
    with tempfile.TemporaryDirectory(prefix="culler-taste-") as tmp:
        path = Path(tmp) / "taste.json"
        taste.save(profile, path)
        size = path.stat().st_size
        for _ in range(repeats):  # the window's refit after a decision: the album's evidence replaced, saved
            t0 = time.perf_counter()
            taste.save(taste.merged(profile, {"": rows}), path)
            window.append(time.perf_counter() - t0)
    return round(median(times), 3), round(median(window), 3), taste_evidence.decisions_count(rows), len(rows), size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=None, help="keep the analysed albums here (JSON)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    albums = load_albums(args.cache)
    t_build = time.perf_counter() - t0
    results, words = run(albums, args.repeats)
    secs, window_secs, n, rows, size = refit_seconds(albums)
    look_secs, look_window_secs, _, _, look_size = refit_seconds(albums, looks=True)
    print(json.dumps({"cpu": cpu_model(), "albums": {k: {"sources": a["sources"], "seed": a["seed"],
                                                    "photos": len(a["photos"])} for k, a in albums.items()},
                      "inconsistent": INCONSISTENT, "repeats": args.repeats, "agreement_auc": results,
                      f"learned_words_after_{DECISIONS[-1]}": words,
                      "refit_seconds": secs, "window_refit_seconds": window_secs, "refit_decisions": n,
                      "refit_evidence_rows": rows, "profile_bytes": size,
                      "with_clip_looks": {"refit_seconds": look_secs, "window_refit_seconds": look_window_secs,
                                          "profile_bytes": look_size},
                      "album_build_seconds": round(t_build, 1)}))
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
