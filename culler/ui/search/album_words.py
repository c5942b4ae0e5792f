"""CLIP's words for the open album, computed on the search jobs thread (no Qt here).

Holds the text tower once it is loaded (one thread: on 2 busy cores one thread encoded a short
query 4-6x faster than two, benchmarks/search.py), the album's embedding index (rebuilt after an
analysis run adds embeddings) and the keyword vocabulary's cosine with every photo.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from culler.core import keywords as kw
from culler.core.search import EmbeddingIndex


class NoEmbeddings(RuntimeError):
    """No photo of the album has a CLIP embedding yet."""


class AlbumWords:
    def __init__(self, models_dir: Path, cache_dir: Path, vocabulary: kw.Vocabulary) -> None:
        self.models_dir, self.cache_dir, self.vocabulary = Path(models_dir), Path(cache_dir), vocabulary
        self._lock = threading.Lock()
        self._encoder = None
        self._index: tuple[object, EmbeddingIndex] | None = None  # (store, its index)

    def missing(self) -> str | None:
        """Why CLIP's words cannot be computed (its model file), or None."""
        from culler.analysis.clip_text import missing_message

        return missing_message(self.models_dir)

    def has_encoder(self) -> bool:
        return self._encoder is not None

    def forget_index(self) -> None:
        """The store has new embeddings (or another album is open): build the index again."""
        self._index = None

    def rank(self, store, query: str) -> list[int]:
        """Photo ids, best match first (culler.core.search)."""
        index = self._album_index(store)
        with self._lock:
            text = self._loaded_encoder().encode([query])[0]
        return [h.photo_id for h in index.rank(text)]

    def vocabulary_similarities(self, store) -> dict[int, np.ndarray]:
        """Photo id -> cosine with each vocabulary keyword (vectors cached per weight file)."""
        from culler.analysis.clip_text import encode_cached

        index = self._album_index(store)
        if not self.vocabulary.keywords:
            return {}
        with self._lock:  # the tower is loaded only if the vectors are not in the cache yet
            vectors = encode_cached(self.models_dir, list(self.vocabulary.prompts), self.cache_dir,
                                    _Lazy(self._loaded_encoder))
        return dict(zip(index.ids.tolist(), index.similarities(vectors)))

    def _loaded_encoder(self):
        if self._encoder is None:
            from culler.analysis.clip_text import ClipTextEncoder

            self._encoder = ClipTextEncoder(self.models_dir, threads=1)
        return self._encoder

    def _album_index(self, store) -> EmbeddingIndex:
        cached = self._index
        if cached is not None and cached[0] is store:
            return cached[1]
        present = {p.id for p in store.photos() if p.status == "ok"}
        index = EmbeddingIndex({i: v for i, v in store.embeddings("clip").items() if i in present})
        if not len(index):
            raise NoEmbeddings("no photo has a CLIP embedding yet: the analysis adds them "
                               "(with CLIP's model file present)")
        self._index = (store, index)
        return index


class _Lazy:
    """An encoder made on first use (a cached vocabulary needs none)."""

    def __init__(self, make) -> None:
        self._make = make

    def encode(self, texts):
        return self._make().encode(texts)
