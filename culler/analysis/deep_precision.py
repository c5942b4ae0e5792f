"""Which arithmetic the PyTorch path of the deep models uses: exact fp32, or bf16 where the CPU has AMX.

This is the fallback when OpenVINO is not installed or cannot convert a model (deep_openvino.py,
which runs bf16 on any CPU with native bf16, AMX or AVX512_BF16, and is faster still).

Intel CPUs with AMX (Sapphire Rapids and later: `amx_tile` + `amx_bf16`) multiply bf16 matrices in
hardware tiles, several times faster than fp32 FMA. On such a CPU the deep models take a fast path
(measured on this 2-core VM, 1 torch thread, ms CPU per photo, batch 8, random weights):
- NIMA (InceptionResNetV2) and CLIP-IQA (CLIP RN50): convolution trunk in channels_last under
  `torch.autocast('cpu', bfloat16)`; the head (pooling, linear, softmax, the score formula) stays
  fp32. NIMA 463 -> 132, CLIP-IQA 234 -> 70. `prepare_bf16_trunk` first folds their batch norms
  into the convolutions before them (`fold_batch_norms`, exact in fp32 to ~1e-6): a further ~10 %
  (NIMA) and ~20 % (CLIP-IQA), since each batch norm is otherwise a pass over the whole activation;
  then stores the convolution weights in bf16, which autocast would otherwise convert again on every
  call (identical outputs, ~4 % faster, ~150 MB less memory).
- the CLIP embedding (ViT-B-32): the image tower in pure bf16 (open_clip's 'pure_bf16'); 107 -> 37.
  bf16 autocast made the ViT slower (490): its casts around layer norms and attention cost more
  than they save. (fp32 matmuls on bf16 inputs, 57, needs a process-wide oneDNN flag.)
No process-wide torch setting is changed: autocast is thread-local, the rest is per model.
Differences against fp32 on random weights (tests/analysis/test_deep_precision.py): NIMA <= 0.005
on its 1-10 scale, CLIP-IQA <= 0.002, embedding cosine >= 0.9995 - far below what separates photos.

`choose_precision(device, requested)` decides: 'fp32' when asked (the DeepAnalyzer argument
`precision='fp32'` or the environment variable CULLER_DEEP_PRECISION=fp32), else 'bf16' on a CPU
with AMX bf16, else 'fp32'. CUDA and MPS keep fp32 (their own fast paths are not tuned here);
a CPU without AMX keeps fp32 too, since bf16 there is emulated and measured slower.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)

PRECISION_ENV = "CULLER_DEEP_PRECISION"
PRECISIONS = ("auto", "fp32")


def cpu_has_amx_bf16() -> bool:
    """Whether this CPU multiplies bf16 matrices in AMX tiles (and oneDNN is there to use them)."""
    import torch

    try:
        if not torch.backends.mkldnn.is_available():
            return False
        caps = torch.cpu.get_capabilities()
        return bool(caps.get("amx_tile") and caps.get("amx_bf16"))
    except Exception:  # noqa: BLE001 - an older torch without the query: assume no AMX
        return False


def requested_precision(requested: str | None, environ: Mapping[str, str] | None = None) -> str:
    """'auto' or 'fp32' from the argument, else from CULLER_DEEP_PRECISION, else 'auto'."""
    if requested is not None:
        value = requested.strip().lower()
        if value not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {requested!r}")
        return value
    env = (environ if environ is not None else os.environ).get(PRECISION_ENV, "").strip().lower()
    if env and env not in PRECISIONS:
        log.warning("%s=%s is not one of %s; using auto", PRECISION_ENV, env, ", ".join(PRECISIONS))
        return "auto"
    return env or "auto"


def choose_precision(device, requested: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """'bf16' (the AMX fast path) or 'fp32' for models running on `device`."""
    if requested_precision(requested, environ) == "fp32":
        return "fp32"
    if getattr(device, "type", str(device)) != "cpu":
        return "fp32"
    return "bf16" if cpu_has_amx_bf16() else "fp32"


def autocast_bf16():
    """bf16 autocast for a CNN trunk on the CPU. Thread-local: other threads keep their arithmetic."""
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


def prepare_bf16_trunk(module) -> None:
    """Ready a convolution trunk to run under `autocast_bf16()`: batch norms folded, convolution
    weights stored in bf16 (what autocast would convert them to on each call), channels_last."""
    import torch

    fold_batch_norms(module)
    for layer in module.modules():
        if isinstance(layer, torch.nn.Conv2d):
            layer.to(torch.bfloat16)
    module.to(memory_format=torch.channels_last)


def fold_batch_norms(module) -> int:
    """Fold every eval-mode batch norm that directly follows a convolution into that convolution.

    Only the pairs whose order is known are folded: timm's ConvNormAct (conv -> BatchNormAct2d,
    whose drop and activation stay), pyiqa CLIP's ResNet stem and Bottleneck (convN -> bnN) and a
    Sequential's conv -> batch norm (the Bottleneck's downsample). Returns how many were folded.
    """
    import torch
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    conv_t, bn_t = torch.nn.Conv2d, torch.nn.BatchNorm2d
    folded = 0
    for parent in list(module.modules()):
        kind = type(parent).__name__
        if kind == "ConvNormAct" and isinstance(parent.conv, conv_t) and isinstance(parent.bn, bn_t):
            act = torch.nn.Sequential(getattr(parent.bn, "drop", torch.nn.Identity()),
                                      getattr(parent.bn, "act", torch.nn.Identity()))
            parent.conv = fuse_conv_bn_eval(parent.conv, parent.bn)
            parent.bn = act
            folded += 1
        elif kind in ("ModifiedResNet", "Bottleneck") and type(parent).__module__.startswith("pyiqa."):
            for k in (1, 2, 3):
                conv, bn = getattr(parent, f"conv{k}", None), getattr(parent, f"bn{k}", None)
                if isinstance(conv, conv_t) and type(bn) is bn_t:
                    setattr(parent, f"conv{k}", fuse_conv_bn_eval(conv, bn))
                    setattr(parent, f"bn{k}", torch.nn.Identity())
                    folded += 1
        elif type(parent) is torch.nn.Sequential:
            names = list(parent._modules)
            for first, second in zip(names, names[1:]):
                conv, bn = parent._modules[first], parent._modules[second]
                if isinstance(conv, conv_t) and type(bn) is bn_t:
                    parent._modules[first] = fuse_conv_bn_eval(conv, bn)
                    parent._modules[second] = torch.nn.Identity()
                    folded += 1
    return folded
