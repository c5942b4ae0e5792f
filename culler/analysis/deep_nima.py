"""NIMA scorer: pyiqa's `nima` (InceptionResNetV2 backbone, AVA weights), built offline.

pyiqa's NIMA constructor calls `timm.create_model(backbone, pretrained=True, features_only=True)`
unconditionally, which would fetch ImageNet weights from Hugging Face (and hang ~47 s offline
before failing). Those ImageNet weights are overwritten by the NIMA file anyway, so during
construction only, `timm.create_model` is wrapped to force `pretrained=False`. The NIMA file, a
`{'params': state_dict}` pickle, is read with `torch.load(weights_only=True)` (pyiqa's own loader
uses weights_only=False, which would run arbitrary code from the file) and loaded strictly.

Input: N x 3 x 299 x 299 floats in 0-1 (short side resized to 299, centre crop: what pyiqa's
`NIMA.preprocess` does in eval mode; at exactly 299 its own resize and crop change nothing).
Output: mean opinion score 1-10.

precision='bf16' (deep_precision.py: CPUs with AMX): the InceptionResNetV2 trunk, its batch norms
folded into its convolutions, runs in channels_last under bf16 autocast; pooling, the linear head,
softmax and the mean score stay fp32, the same steps as pyiqa's `NIMA.forward`. 'fp32' calls
`NIMA.forward` itself.
"""

from __future__ import annotations

from pathlib import Path

from culler.analysis.deep_torch import (
    load_pyiqa_weights,
    skip_random_initialisation,
    timm_without_pretrained_weights,
    traceable,
)

NIMA_BACKBONE = "inception_resnet_v2"


def build_nima_architecture():
    """pyiqa's NIMA ('nima' metric settings) with uninitialised-by-download weights."""
    from pyiqa.archs.nima_arch import NIMA

    with timm_without_pretrained_weights():
        return NIMA(base_model_name=NIMA_BACKBONE, num_classes=10, pretrained=False)


def _build_for_loading():
    with skip_random_initialisation():  # every weight is loaded strictly right after
        return build_nima_architecture()


class NimaScorer:
    """registry.MODELS['nima']: 299 px centre crops in, the mean opinion score out."""

    def __init__(self, spec, files: dict[str, Path], device, precision: str = "fp32") -> None:
        self.input_size = spec.input_size
        (path,) = files.values()
        arch = load_pyiqa_weights(_build_for_loading(), path, "NIMA weights")
        self.arch = arch.eval().to(device)
        self.precision = precision
        if precision == "bf16":
            from culler.analysis.deep_precision import prepare_bf16_trunk

            prepare_bf16_trunk(self.arch.base_model)

    def export(self):
        """(module from a 0-1 batch at 299 px to the scores, example input) for deep_openvino.py:
        `NIMA.forward` without its resize and centre crop, which change nothing at 299 px and cannot
        be traced."""
        import torch
        from pyiqa.archs.arch_util import dist_to_mos

        arch = self.arch

        def forward(x):
            x = (x - arch.default_mean) / arch.default_std
            return dist_to_mos(arch.classifier(arch.global_pool(arch.base_model(x)[-1]))).reshape(-1)

        return traceable(forward, arch), torch.rand(2, 3, self.input_size, self.input_size)

    def score(self, x):
        if self.precision != "bf16":
            return self.arch(x).reshape(-1)
        import torch
        from pyiqa.archs.arch_util import dist_to_mos

        from culler.analysis.deep_precision import autocast_bf16

        arch = self.arch
        x = arch.preprocess(x).contiguous(memory_format=torch.channels_last)
        with autocast_bf16():
            features = arch.base_model(x)[-1]
        dist = arch.classifier(arch.global_pool(features.float()))
        return dist_to_mos(dist).reshape(-1)
