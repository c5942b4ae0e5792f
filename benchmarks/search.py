"""Search timings on a 5,000-photo album; prints one JSON object.

    python benchmarks/search.py [--photos 5000] [--models DIR]

A real session store (SQLite) holding N photos with 512-d embeddings (random unit vectors: the
timing of a cosine ranking does not depend on what the vectors mean). Measured: loading the
embeddings from the store, building the index (both once per album in the window), and ranking
every photo for one encoded query (median of 50 queries), and the window's filter over the
results (all matches best first, and combined with the Picks filter; median of 50). With
--models DIR (random or real CLIP weights, e.g. from benchmarks/random_weights.py), also loading
the text tower and encoding one query (median of 10) and the bundled keyword vocabulary (what
`culler analyze --json` adds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks.machine import cpu_model  # noqa: E402
from culler.core.records import Photo, PhotoMeta  # noqa: E402
from culler.core.search import EmbeddingIndex  # noqa: E402
from culler.core.store import Store  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--models", type=Path, default=None, help="a models folder with CLIP's weight file")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the text tower (culler search: 1)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    root = Path(tempfile.mkdtemp())
    (root / "album").mkdir()
    out = {"photos": args.photos, "cpu": cpu_model()}
    with Store.open(root / "album", root / "data") as store:
        photos = store.sync_photos([Photo(f"IMG_{i:05d}.JPG", "jpeg", 1000 + i, i, meta=PhotoMeta())
                                    for i in range(args.photos)])
        vectors = rng.standard_normal((args.photos, 512)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with store._write() as conn:  # bulk insert: the analysis writes them one photo at a time
            conn.executemany("INSERT INTO embeddings VALUES (?, 'clip', ?)",
                             [(p.id, v.tobytes()) for p, v in zip(photos, vectors)])
        embeddings, seconds = timed(lambda: store.embeddings("clip"))
        out["load_embeddings_ms"] = seconds * 1000
    index, seconds = timed(lambda: EmbeddingIndex(embeddings))
    out["build_index_ms"] = seconds * 1000
    queries = rng.standard_normal((50, 512)).astype(np.float32)
    rank_times = [timed(lambda q=q: index.rank(q))[1] for q in queries]
    out["rank_all_ms_median"] = statistics.median(rank_times) * 1000
    out["rank_all_ms_max"] = max(rank_times) * 1000
    from culler.core.filters import PhotoFilter
    from culler.core.records import Decision

    order = [p.id for p in photos]
    decisions = {i: Decision("pick") for i in order[::4]}
    matches = tuple(h.photo_id for h in index.rank(queries[0]))
    for name, photo_filter in (("filter_matches_ms_median", PhotoFilter(query="q", matches=matches)),
                               ("filter_matches_picks_ms_median", PhotoFilter("picks", query="q", matches=matches))):
        out[name] = statistics.median(timed(lambda f=photo_filter: f.apply(order, decisions))[1]
                                      for _ in range(50)) * 1000
    if args.models:
        from culler.analysis.clip_text import ClipTextEncoder

        out["threads"] = args.threads
        encoder, out["load_text_tower_s"] = timed(lambda: ClipTextEncoder(args.models, threads=args.threads))
        encode_times = [timed(lambda: encoder.encode(["dog on the beach"]))[1] for _ in range(10)]
        out["encode_query_ms_median"] = statistics.median(encode_times) * 1000
        from culler.core.keywords import load_vocabulary

        vocabulary = load_vocabulary(Path(__file__).resolve().parents[1] / "resources" / "keywords.txt")
        _, out["encode_vocabulary_s"] = timed(lambda: encoder.encode(list(vocabulary.prompts)))
        out["vocabulary_keywords"] = len(vocabulary.keywords)
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
