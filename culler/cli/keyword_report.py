"""The keywords of every photo for `culler analyze --json`: accepted and suggested.

Accepted: the keywords accepted in culler (culler.core.store_keywords) plus those already in the
photo's XMP sidecars (written by Lightroom, Photo Mechanic, digiKam...), so nothing a photographer
keyworded elsewhere is hidden. Suggested: from the vocabulary (culler.core.keywords) by CLIP when
its model file is present and the photo has an embedding, and from the face count in any case;
keywords already accepted are not suggested again.
"""

from __future__ import annotations

import sys
from pathlib import Path


def photo_keywords(store, album: Path, ctx, clip_ok: bool) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """({photo id: accepted keywords}, {photo id: suggested keywords}) for every present photo."""
    from culler.context import resources_dir
    from culler.core import keywords as kw
    from culler.core import xmp
    from culler.core.store_keywords import KeywordStore

    photos = store.photos()
    stored = KeywordStore(store).keywords()
    finder = xmp.SidecarFinder()
    accepted: dict[int, list[str]] = {}
    for p in photos:
        found = list(stored.get(p.id, []))
        for sidecar in finder.sidecar_paths(Path(album) / p.path):
            found += [k for k in xmp.read_keywords(sidecar) if k not in found]
        accepted[p.id] = found
    try:
        vocabulary = kw.load_vocabulary(kw.vocabulary_path(resources_dir() / kw.FILE_NAME, ctx.config_dir))
    except kw.VocabularyError as e:
        print(f"culler: {e}; keywords are suggested from faces only", file=sys.stderr)
        vocabulary = kw.Vocabulary(())
    faces = {pid: s.get("faces") for pid, s in store.all_signals().items()}
    embeddings = store.embeddings("clip") if clip_ok and vocabulary.keywords else {}
    suggested: dict[int, list[str]] = {}
    if embeddings:
        from culler.analysis.clip_text import encode_cached
        from culler.core.search import EmbeddingIndex

        index = EmbeddingIndex(embeddings)
        try:
            sims = index.similarities(encode_cached(ctx.models_dir, list(vocabulary.prompts), ctx.cache_dir))
        except Exception as e:  # noqa: BLE001 - the analysis is done and saved; only suggestions are lost
            print(f"culler: CLIP's text tower failed ({e}); keywords are suggested from faces only",
                  file=sys.stderr)
        else:
            suggested = kw.suggest(index.ids.tolist(), sims, vocabulary, faces, accepted)
    rest = [p.id for p in photos if p.id not in suggested]  # no embedding: from faces only
    return accepted, {**suggested, **kw.suggest(rest, None, vocabulary, faces, accepted)}
