"""Words into CLIP's embedding space: the text tower of the same open_clip ViT-B-32 whose image
embeddings the store holds (`store.embeddings("clip")`), loaded from the same weight file.

The architecture is built without random initialisation, every weight is loaded strictly from the
`clip` model's safetensors file, then the image tower is dropped (search needs text only; the
images were embedded during the analysis). Texts are tokenised by open_clip's own tokenizer (its
vocabulary ships inside the package: no network). Output: N x 512 float32, L2-normalised, so a dot
product with a stored image embedding is their cosine. `encode_cached` keeps the vectors of a
fixed list of texts (the keyword vocabulary) in the cache folder for the same weight file.
"""

from __future__ import annotations

from pathlib import Path

MODEL = "clip"


class ClipModelMissing(RuntimeError):
    """CLIP's weight file or its Python packages are not available; the message says how to get them."""


def missing_message(models_dir: Path) -> str | None:
    """Why the text tower cannot be built (files or packages missing), or None when it can."""
    from culler.analysis import model_files

    state = model_files.status(Path(models_dir)).get(MODEL, "missing")
    if state == "ok":
        return None
    reason = "which is missing" if state == "missing" else f"which cannot be used ({state})"
    return (f"search and keyword suggestions need CLIP's model file (open_clip ViT-B-32, ~600 MB), "
            f"{reason}. Get it with `culler models download clip` (once), or on an offline machine "
            f"`culler models import DIR` with a folder copied from one that downloaded it; culler looks "
            f"in {models_dir} (CULLER_MODELS_DIR overrides)")


class ClipTextEncoder:
    """Encodes texts with CLIP's text tower; build once, encode many."""

    def __init__(self, models_dir: Path, threads: int | None = None) -> None:
        problem = missing_message(models_dir)
        if problem:
            raise ClipModelMissing(problem)
        from culler.analysis.deep_torch import prepare_offline_imports

        prepare_offline_imports()  # before open_clip: torchvision usable, no Hugging Face lookups
        import open_clip
        import torch

        from culler.analysis import model_files
        from culler.analysis.deep_clip import ARCHITECTURE, build_clip_architecture
        from culler.analysis.deep_torch import skip_random_initialisation

        self._threads = threads  # torch threads while encoding (restored after), None = torch's default
        (path,) = model_files.locate(MODEL, Path(models_dir)).values()
        with skip_random_initialisation():  # every weight is loaded strictly right after
            model = build_clip_architecture()
        open_clip.load_checkpoint(model, str(path), strict=True, weights_only=True)
        model.visual = torch.nn.Identity()  # ~350 MB of image tower not needed for words
        self._model = model.eval()
        self._tokenizer = open_clip.get_tokenizer(ARCHITECTURE)

    def encode(self, texts: list[str], batch: int = 64):
        """N x 512 float32 numpy array, each row L2-normalised."""
        import numpy as np
        import torch
        import torch.nn.functional as F

        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        out = []
        saved = torch.get_num_threads()
        if self._threads:
            torch.set_num_threads(self._threads)
        try:
            with torch.inference_mode():
                for start in range(0, len(texts), batch):
                    tokens = self._tokenizer(list(texts[start:start + batch]))
                    out.append(F.normalize(self._model.encode_text(tokens).float(), dim=-1).numpy())
        finally:
            torch.set_num_threads(saved)
        return np.concatenate(out).astype(np.float32, copy=False)


def encode_cached(models_dir: Path, texts: list[str], cache_dir: Path, encoder: ClipTextEncoder | None = None):
    """`ClipTextEncoder(models_dir).encode(texts)`, kept in `cache_dir` for the same weight file
    (path, size, mtime) and texts: the keyword vocabulary is encoded once, not on every
    `culler analyze --json` (85 prompts: ~9 s on 2 busy cores, plus 5-8 s to load the tower).
    `encoder`: one already loaded (the window's), used instead of loading another."""
    import hashlib

    import numpy as np

    from culler.analysis import model_files

    found = model_files.locate(MODEL, Path(models_dir))
    if found is None:
        raise ClipModelMissing(missing_message(models_dir) or "CLIP's model file is missing")
    (weights,) = found.values()
    st = weights.stat()
    key = hashlib.sha256("\n".join([str(weights.resolve()), str(st.st_size), str(st.st_mtime_ns), *texts])
                         .encode("utf-8")).hexdigest()[:32]
    path = Path(cache_dir) / "clip-text" / f"{key}.npy"
    try:
        cached = np.load(path, allow_pickle=False)
        if cached.shape == (len(texts), 512):
            return cached
    except (OSError, ValueError):
        pass
    encoder = encoder or ClipTextEncoder(models_dir, threads=1)  # 1 thread: see culler/cli/search.py
    vectors = encoder.encode(list(texts))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part.npy")
        np.save(tmp, vectors, allow_pickle=False)
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return vectors
