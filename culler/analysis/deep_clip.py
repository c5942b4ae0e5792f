"""Image embedder: open_clip ViT-B-32 (LAION-2B weights), image tower only.

The architecture is built with `pretrained=None` (no lookup), then the weights are read from the
local `.safetensors` file by open_clip's own `load_checkpoint` (safetensors holds tensors only).
The text tower is dropped after loading: grouping needs image embeddings only (~250 MB saved).

Input: N x 3 x 224 x 224 floats in 0-1 (short side resized bicubically to 224, centre crop: open_clip's
own preprocessing for this model). Output: N x 512 float32, L2-normalised.

precision='bf16' (deep_precision.py: CPUs with AMX): the image tower runs in pure bf16 (weights and
activations; layer norms and softmax accumulate in fp32 inside torch), open_clip's own 'pure_bf16'
precision. Measured here, 1 thread, batch 8: 107 ms per photo fp32, 57 with fp32 matmuls on bf16
inputs (a process-wide oneDNN flag), 37 pure bf16; bf16 autocast was slower than fp32 (490).
Embedding cosine to fp32 >= 0.9999 on random weights.
"""

from __future__ import annotations

import logging
from pathlib import Path

from culler.analysis.deep_torch import skip_random_initialisation, traceable

ARCHITECTURE = "ViT-B-32"


class _DropRandomInitNotice(logging.Filter):
    """open_clip warns 'No pretrained weights loaded ... initialized randomly' when built without
    weights; here the weights are loaded right after, so the notice would only mislead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No pretrained weights loaded")


def build_clip_architecture():
    import open_clip

    root = logging.getLogger()
    notice_filter = _DropRandomInitNotice()
    root.addFilter(notice_filter)
    try:
        return open_clip.create_model(ARCHITECTURE, pretrained=None)
    finally:
        root.removeFilter(notice_filter)


class ClipEmbedder:
    """registry.MODELS['clip']: 224 px centre crops in, unit 512-d embeddings out."""

    def __init__(self, spec, files: dict[str, Path], device, precision: str = "fp32") -> None:
        import open_clip
        import torch

        self.input_size = spec.input_size
        with skip_random_initialisation():  # every weight is loaded strictly right after
            model = build_clip_architecture()
        (path,) = files.values()
        open_clip.load_checkpoint(model, str(path), strict=True, weights_only=True)
        cfg = getattr(model.visual, "preprocess_cfg", {}) or {}
        mean = cfg.get("mean", open_clip.OPENAI_DATASET_MEAN)
        std = cfg.get("std", open_clip.OPENAI_DATASET_STD)
        self.visual = model.visual.eval().to(device)
        self.mean = torch.tensor(mean, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        self.precision = precision
        self.dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        self.visual.to(self.dtype)
        del model

    def export(self):
        """(module from a 0-1 batch to the embeddings, example input) for deep_openvino.py."""
        import torch

        return traceable(self.embed, self.visual), torch.rand(2, 3, self.input_size, self.input_size)

    def embed(self, x):
        import torch.nn.functional as F

        features = self.visual(((x - self.mean) / self.std).to(self.dtype))
        return F.normalize(features.float(), dim=-1)
