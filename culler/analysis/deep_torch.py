"""PyTorch helpers every model builder shares: offline imports, skipping the random initialisation
of weights that are loaded right after, pyiqa's timm backbones without a download, and the wrapper
OpenVINO's converter traces.

Kept apart from deep.py (which runs the models and imports the builders) so the builders
(deep_clipiqa, deep_nima, deep_clip, deep_pyiqa), clip_text and the benchmarks import these without
importing the analyzer: no import cycle. torch, timm are imported inside the functions.
"""

from __future__ import annotations

import contextlib
import os


def prepare_offline_imports() -> None:
    """Must run before open_clip, timm or pyiqa are imported: no Hugging Face lookups, torchvision usable."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from culler.analysis import tv_compat

    tv_compat.ensure()


@contextlib.contextmanager
def skip_random_initialisation():
    """While building an architecture whose every weight is then loaded (strict `load_state_dict`),
    make the in-place random fills of the constructors (`normal_`, `uniform_`) do nothing.

    That random initialisation is thrown away by the load and costs seconds on a small CPU
    (~300 M random numbers for the three models). Process-wide while active: only model building
    runs it, under the analyzer's lock; no other code in culler fills tensors randomly.
    """
    import torch

    saved = {name: getattr(torch.Tensor, name) for name in ("normal_", "uniform_")}
    for name in saved:
        setattr(torch.Tensor, name, lambda self, *args, **kwargs: self)
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(torch.Tensor, name, method)


@contextlib.contextmanager
def timm_without_pretrained_weights():
    """While active, `timm.create_model(..., pretrained=True)` builds the architecture only: pyiqa's
    constructors ask timm for ImageNet weights (a download) that the model's own file overwrites."""
    import timm

    original = timm.create_model

    def create_model(*args, **kwargs):
        kwargs["pretrained"] = False
        return original(*args, **kwargs)

    timm.create_model = create_model
    try:
        yield
    finally:
        timm.create_model = original


def traceable(fn, *modules):
    """A torch module whose forward is `fn` (which uses `modules`): what OpenVINO's converter traces."""
    import torch

    class _Forward(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.parts = torch.nn.ModuleList(modules)

        def forward(self, x):
            return fn(x)

    return _Forward().eval()


def load_pyiqa_weights(net, path, what: str):
    """Load a pyiqa checkpoint (a state dict, or one under "params") into `net`, strictly and
    without running code (`weights_only`); `what` names the weights in the error."""
    import torch

    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    state = checkpoint.get("params", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold {what}")
    net.load_state_dict(state, strict=True)
    return net
