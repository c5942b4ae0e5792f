"""Write random-initialised weight files of the real architectures, in the models-folder layout.

    python benchmarks/random_weights.py OUTDIR      # then: CULLER_MODELS_DIR=OUTDIR culler ...

Same files, formats and loaders as the real weights, only the numbers are random (so timings and
memory are real, scores are meaningless). The constructors' own random initialisation is skipped
(it costs ~10 s of random-number generation for 300 M parameters on 2 cores); every weight is then
filled from a pool of normal random numbers scaled by 1/sqrt(fan-in), norm layers are identities.
- OUTDIR/clipiqa/RN50.pt - a TorchScript archive of pyiqa's CLIP RN50 (pyiqa's `clip_model.CLIP`,
  fp16 convolution/linear weights like OpenAI's file). It is written as a module with no compiled
  methods (tracing RN50 takes ~10 s and the loaders only read parameters); if that private torch
  helper disappears, it falls back to `torch.jit.trace`.
- OUTDIR/nima/NIMA_InceptionV2_ava-b0c77c00.pth - `{'params': state_dict}` of pyiqa's NIMA.
- OUTDIR/clip/open_clip_model.safetensors - open_clip ViT-B-32 state dict.
Each model folder gets a manifest.json (size, source 'random-weights'), as after a download.
Prints one JSON object (files, sizes, seconds).
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from culler.analysis import model_files  # noqa: E402
from culler.analysis.deep_torch import skip_random_initialisation  # noqa: E402


def fill_random(model, seed: int = 0) -> None:
    """Random weights fast: slices of a 1 M-value normal pool at random offsets, scaled by 1/sqrt(fan-in)."""
    import torch

    pool = torch.randn(1 << 20, generator=torch.Generator().manual_seed(seed))
    rng = random.Random(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # memory-bound: one thread is as fast idle and 2.5x faster on busy cores
    try:
        _fill(model, pool, rng)
    finally:
        torch.set_num_threads(threads)


def _fill(model, pool, rng) -> None:
    import torch

    with torch.no_grad():
        for name, t in [*model.named_parameters(), *model.named_buffers()]:
            leaf = name.rsplit(".", 1)[-1]
            if not t.is_floating_point():
                if leaf == "num_batches_tracked":
                    t.zero_()
                continue
            if leaf == "running_var" or (t.ndim == 1 and leaf == "weight"):
                t.fill_(1.0)
            elif leaf in ("running_mean", "bias") or leaf.endswith("_bias"):
                t.zero_()
            elif leaf == "logit_scale":
                t.fill_(2.6593)  # log(1 / 0.07), CLIP's initial temperature
            else:
                std = t[0].numel() ** -0.5 if t.ndim > 1 else 0.02
                flat, done, offset = t.view(-1), 0, rng.randrange(len(pool))
                while done < flat.numel():
                    k = min(len(pool) - offset, flat.numel() - done)
                    torch.mul(pool[offset:offset + k], std, out=flat[done:done + k])
                    done, offset = done + k, 0


def _target(outdir: Path, model: str) -> Path:
    (file,) = model_files.MODELS[model].files
    path = model_files.installed_path(outdir, model, file)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_clipiqa(outdir: Path) -> Path:
    import torch
    from pyiqa.archs.clip_model import CLIP, convert_weights

    # CLIP RN50: embed 1024, 224 px, ResNet layers (3, 4, 6, 3) width 64;
    # text: 77 tokens, 49408 words, 512 wide, 8 heads, 12 layers.
    with skip_random_initialisation():
        model = CLIP(1024, 224, (3, 4, 6, 3), 64, None, 77, 49408, 512, 8, 12).eval()
    fill_random(model, 1)
    path = _target(outdir, "clipiqa")
    try:
        scripted = torch.jit._recursive.create_script_module(model, lambda module: [], share_types=False)
    except (AttributeError, RuntimeError, TypeError):
        with torch.no_grad():
            scripted = torch.jit.trace(model, (torch.zeros(1, 3, 64, 64), torch.zeros(1, 77, dtype=torch.long)),
                                       check_trace=False)
    convert_weights(model)  # after scripting: the archive shares these tensors, so it is saved in fp16 too
    scripted.save(str(path))
    return path


def write_nima(outdir: Path) -> Path:
    import torch

    from culler.analysis.deep_nima import build_nima_architecture

    with skip_random_initialisation():
        model = build_nima_architecture()
    fill_random(model, 2)
    path = _target(outdir, "nima")
    torch.save({"params": model.state_dict()}, path)
    return path


def write_clip(outdir: Path) -> Path:
    from safetensors.torch import save_file

    from culler.analysis.deep_clip import build_clip_architecture

    with skip_random_initialisation():
        model = build_clip_architecture()
    fill_random(model, 3)
    path = _target(outdir, "clip")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


WRITERS = {"clipiqa": write_clipiqa, "nima": write_nima, "clip": write_clip}


def write_all(outdir: Path, names=tuple(WRITERS)) -> dict[str, Path]:
    """Write the files of `names`; the manifest records their sizes (hashing 1 GB would take ~8 s)."""
    from culler.analysis.deep_torch import prepare_offline_imports

    prepare_offline_imports()
    import torch

    torch.manual_seed(0)
    outdir = Path(outdir)
    written = {}
    for name in names:
        path = WRITERS[name](outdir)
        (file,) = model_files.MODELS[name].files
        model_files.record_installed(outdir, name, file, path.stat().st_size, None, "random-weights", "random")
        written[name] = path
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    start = time.perf_counter()
    written = write_all(Path(args[0]))
    print(json.dumps({"outdir": str(Path(args[0]).resolve()),
                      "files": {n: {"path": str(p), "bytes": p.stat().st_size} for n, p in written.items()},
                      "seconds": round(time.perf_counter() - start, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
