"""culler search ALBUM "words" [--top N] [--json OUT]: rank an album's photos by what they show.

The words are encoded by CLIP's text tower (culler.analysis.clip_text) and compared with the image
embeddings `culler analyze` stored for each photo (culler.core.search): best match first, every
photo with an embedding once (the best N with --top). JSON: {"query": str, "results": [{"path",
"similarity"}, ...]}, similarity being the cosine (-1..1). Without CLIP's model file it says how
to get it and exits 1; photos not analysed with CLIP yet are counted and left out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "rank an album's photos by similarity to words (CLIP), best first"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("album", type=Path, help="folder of photos, analysed by `culler analyze`")
    parser.add_argument("query", help='what to look for, e.g. "bride and groom" or "dog on the beach"')
    parser.add_argument("--top", type=int, default=None, metavar="N", help="only the N best matches")
    parser.add_argument("--json", dest="json_out", metavar="OUT.json",
                        help="write the results here ('-' = standard output); else a list is printed")


def run(ctx, args) -> int:
    from culler.analysis.clip_text import ClipModelMissing, ClipTextEncoder, missing_message
    from culler.cli.output import write_json_output
    from culler.core.search import EmbeddingIndex
    from culler.core.store import Store, StoreError

    album = Path(args.album).expanduser()
    query = args.query.strip()
    if not album.is_dir():
        return _fail(f"{album} is not a folder")
    if not query:
        return _fail("the query is empty: give the words to look for")
    if args.top is not None and args.top < 1:
        return _fail("--top needs a number of 1 or more")
    problem = missing_message(ctx.models_dir)
    if problem:
        return _fail(problem)
    try:
        store = Store.open(album.resolve(), Path(ctx.data_dir))
    except StoreError as e:
        return _fail(str(e))
    try:
        photos = {p.id: p.path for p in store.photos() if p.status == "ok"}
        index = EmbeddingIndex({pid: v for pid, v in store.embeddings("clip").items() if pid in photos})
    finally:
        store.close()
    if not len(index):
        return _fail(f"no photo of {album} has a CLIP embedding yet: run `culler analyze {album}` "
                     "first (with the clip model present)")
    unembedded = len(photos) - len(index)
    if unembedded:
        print(f"culler search: {unembedded} photo(s) have no CLIP embedding yet and are left out; "
              f"`culler analyze {album}` adds them", file=sys.stderr)
    try:
        # One short text: on 2 busy cores one thread measured 4-6x faster than two (benchmarks/search.py)
        text = ClipTextEncoder(ctx.models_dir, threads=1).encode([query])[0]
    except ClipModelMissing as e:
        return _fail(str(e))
    hits = index.rank(text, top=args.top)
    results = [{"path": photos[h.photo_id], "similarity": round(h.similarity, 6)} for h in hits]
    if args.json_out:
        return write_json_output("search", args.json_out, {"query": query, "results": results})
    else:
        for r in results:
            print(f"{r['similarity']:+.4f}  {r['path']}")
    return 0


def _fail(message: str) -> int:
    print(f"culler search: {message}", file=sys.stderr)
    return 1
