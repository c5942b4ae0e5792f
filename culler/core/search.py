"""Rank photos by how well their CLIP image embedding matches an encoded text (pure numpy).

The store holds one L2-normalised embedding per analysed photo (`store.embeddings("clip")`); the
text tower (culler.analysis.clip_text) puts words in the same space. Similarity is the cosine of
the two. Every photo with an embedding appears once; ties are broken by photo id, so the same
query always gives the same order. Build the index once per album (the window keeps it), then each
query costs one matrix-vector product: ~5,000 photos in a few milliseconds (benchmarks/search.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Hit:
    photo_id: int
    similarity: float


class EmbeddingIndex:
    """The album's image embeddings as one normalised matrix, rows in photo-id order."""

    def __init__(self, embeddings: dict[int, np.ndarray]) -> None:
        self.ids = np.array(sorted(embeddings), dtype=np.int64)
        if len(self.ids):
            matrix = np.stack([np.asarray(embeddings[i], dtype=np.float32) for i in self.ids.tolist()])
        else:
            matrix = np.zeros((0, 0), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if matrix.size else np.ones((0, 1), np.float32)
        self.matrix = matrix / np.where(norms > 0, norms, 1.0).astype(np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def similarities(self, text: np.ndarray) -> np.ndarray:
        """Cosine of each row with each text vector: len(self) x T (or len(self) for one vector)."""
        text = np.asarray(text, dtype=np.float32)
        if not len(self):
            return np.zeros((0,) + text.shape[:-1], dtype=np.float32)
        if text.shape[-1] != self.matrix.shape[1]:
            raise ValueError(f"the text vector has {text.shape[-1]} dimensions, the stored image "
                             f"embeddings {self.matrix.shape[1]}: they come from different models")
        norm = np.linalg.norm(text, axis=-1, keepdims=True)
        return self.matrix @ (text / np.where(norm > 0, norm, 1.0)).T

    def rank(self, text: np.ndarray, top: int | None = None) -> list[Hit]:
        """Photos best match first (highest cosine; equal cosines by photo id)."""
        sims = self.similarities(np.asarray(text).reshape(-1))
        order = np.lexsort((self.ids, -sims))
        if top is not None:
            order = order[:max(0, top)]
        return [Hit(int(self.ids[i]), float(sims[i])) for i in order]
