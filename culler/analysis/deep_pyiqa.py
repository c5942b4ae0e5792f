"""Any pyiqa no-reference metric registered with `registry.register_pyiqa_metric`, built offline.

The architecture comes from pyiqa's own defaults for the metric (`pyiqa.create_metric`) with the
registration's build options (by default `pretrained=None`: pyiqa downloads nothing), timm backbones
built without their ImageNet download; then every weight is loaded strictly from the model's one
local file with `torch.load(weights_only=True)` (a plain state dict or pyiqa's {'params': ...}),
never with pyiqa's own loader, which unpickles arbitrary objects.

Input: the whole frame, short side at the registered size, floats in 0-1 (DeepAnalyzer resizes);
output: the metric's network output, one number per photo. The network's own forward runs
(pyiqa's InferenceModel adds input checks only), so the scores are pyiqa's for that input.
It runs on PyTorch in fp32, never converted to OpenVINO (no `export`): a network culler has not
checked may bake the traced input's shape into its graph (CNNIQA pools over the whole feature map
with a kernel read from the input's size), which would go wrong on a frame of another shape.
"""

from __future__ import annotations

from pathlib import Path

from culler.analysis.deep_torch import load_pyiqa_weights, timm_without_pretrained_weights


def build_architecture(spec):
    """pyiqa's network for the metric `spec` names, with its constructor's random weights."""
    from culler.analysis.deep_torch import prepare_offline_imports

    prepare_offline_imports()
    import pyiqa

    with timm_without_pretrained_weights():
        metric = pyiqa.create_metric(spec.option("pyiqa_name", spec.name), as_loss=False, device="cpu",
                                     **dict(spec.option("build_options", ())))
    return metric.net


class PyiqaScorer:
    """registry.MODELS[<metric>] for a registered pyiqa metric: `score(x)` on N x 3 x H x W in 0-1."""

    def __init__(self, spec, files: dict[str, Path], device, precision: str = "fp32") -> None:
        self.input_size = spec.input_size
        self.precision = "fp32"  # no bf16 path: an unknown network is run exactly
        (path,) = files.values()
        net = load_pyiqa_weights(build_architecture(spec), path, f"a state dict for pyiqa's {spec.name!r}")
        self.net = net.eval().to(device)

    def score(self, x):
        return self.net(x).reshape(x.shape[0], -1)[:, 0]
