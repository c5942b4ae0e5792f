"""CLIP-IQA scorer: pyiqa's `clipiqa` on the whole frame at 224 px short side, text prompts encoded once.

Why not `pyiqa.create_metric('clipiqa')(path)`: it runs CLIP RN50 on the photo at full resolution
(27-32 s for 12 MP on 2 cores) and re-encodes its 10 text prompts on every call. Here the whole
frame is resized to a 224 px short side (CLIP's training scale; 4:3 -> 224 x 298, nothing cropped)
and the prompts' text features are computed once; the score is pyiqa's formula, the mean over the 5
prompt pairs of softmax(logit_scale * cos(image, prompt pair))[positive]. pyiqa builds its model
with `pos_embedding=False` (no positional embedding in the attention pool), so any input size is
valid. At 224 px CLIP-IQA sees overall look (exposure, colour, gross blur/noise), not pixel
sharpness: the technical signals at ~1024 px cover that.

precision='bf16' (deep_precision.py: CPUs with AMX): CLIP's image tower (RN50 with its attention
pool, batch norms folded into the convolutions) runs in channels_last under bf16 autocast; the
score formula (normalisation, the scaled cosine with the text features, softmax) stays fp32.

The model file is OpenAI's TorchScript archive RN50.pt. `torch.jit.load` is not used on it: a
TorchScript archive carries code that torch compiles and runs, and loading one is a documented code
execution route (CVE-2025-32434: `torch.load(weights_only=True)` on a TorchScript archive allowed
remote code execution until torch 2.6, which now refuses such archives under weights_only).
`read_torchscript_state_dict` instead reads only the tensors: the archive's `data.pkl` is unpickled
by a restricted unpickler (its own tensor rebuild, placeholder objects for the `__torch__` module
classes, anything else refused), and the parameter/buffer names come from the
`__parameters__`/`__buffers__` declarations in the archive's code files, read as text, never run.
The weights then go into pyiqa's own CLIP class (`clip_model.build_model`). Should a future
archive format defeat this reader, the file is handed to `torch.jit.load` only if its SHA-256 is the
one OpenAI publishes for RN50.pt, i.e. it is OpenAI's own file, trusted as its publisher's code.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import re
import zipfile
from pathlib import Path

from culler.analysis.deep_torch import skip_random_initialisation, traceable

_STORAGE_DTYPES = {
    "FloatStorage": "float32", "HalfStorage": "float16", "DoubleStorage": "float64",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
    "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
}
_DECLARATION = re.compile(r"^class (\w+)\(Module\):\s*\n"
                          r"\s*__parameters__ = \[([^\]]*)\]\s*\n"
                          r"\s*__buffers__ = \[([^\]]*)\]", re.MULTILINE)


class UnsafeModelFile(Exception):
    """The file holds something other than tensors and module structure; it is not loaded."""


class _ScriptObject:
    """Stands in for a TorchScript module object: keeps its attribute dict, runs nothing."""

    qualified_name = ""

    def __init__(self, *args) -> None:
        self.state: dict = {}

    def __setstate__(self, state) -> None:
        self.state = state if isinstance(state, dict) else {}


def _storage_marker(name: str):
    return ("storage-type", _STORAGE_DTYPES[name])


def _restore_type_tag(value, _type_str=None):
    return value


def _as_list(value):
    return list(value)


class _TensorsOnlyUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, load_storage) -> None:
        super().__init__(io.BytesIO(data))
        self._load_storage = load_storage
        self._classes: dict[str, type] = {}

    def find_class(self, module: str, name: str):
        if module.startswith("__torch__"):
            key = f"{module}.{name}"
            if key not in self._classes:
                self._classes[key] = type(name, (_ScriptObject,), {"qualified_name": key})
            return self._classes[key]
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _storage_marker(name)
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        if module == "torch.jit._pickle":
            if name == "restore_type_tag":
                return _restore_type_tag
            if name in ("build_intlist", "build_doublelist", "build_boollist", "build_tensorlist"):
                return _as_list
        raise UnsafeModelFile(f"refusing to load {module}.{name} from a model file")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise UnsafeModelFile("unexpected persistent id in a model file")
        _, marker, key, _location, numel = pid
        if not (isinstance(marker, tuple) and marker[0] == "storage-type"):
            raise UnsafeModelFile("unexpected storage type in a model file")
        return self._load_storage(str(key), marker[1], int(numel))


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    import torch

    return torch.as_strided(storage, tuple(size), tuple(stride), int(storage_offset))


def _module_declarations(archive: zipfile.ZipFile, prefix: str) -> dict[str, set[str]]:
    """{qualified class name: names of its parameters and buffers}, read from the code files as text."""
    declared: dict[str, set[str]] = {}
    code_root = f"{prefix}code/"
    for entry in archive.namelist():
        if not (entry.startswith(code_root) and entry.endswith(".py")):
            continue
        module = entry[len(code_root):-3].replace("/", ".")
        text = archive.read(entry).decode("utf-8", errors="replace")
        for match in _DECLARATION.finditer(text):
            names = re.findall(r'"([^"]+)"', match.group(2) + match.group(3))
            declared[f"{module}.{match.group(1)}"] = set(names)
    return declared


def read_torchscript_state_dict(path: Path) -> dict:
    """The parameters and buffers of a TorchScript archive, as `ScriptModule.state_dict()` gives them,
    without executing anything from the file. Raises UnsafeModelFile or ValueError on a bad file."""
    import torch

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"{path} is not a TorchScript archive ({exc})") from exc
    with archive:
        pkl = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pkl:
            raise ValueError(f"{path} is not a TorchScript archive (no data.pkl)")
        prefix = pkl[0][: -len("data.pkl")]
        storages: dict[str, torch.Tensor] = {}

        def load_storage(key: str, dtype_name: str, numel: int):
            if key not in storages:
                dtype = getattr(torch, dtype_name)
                raw = bytearray(archive.read(f"{prefix}data/{key}"))
                itemsize = torch.empty((), dtype=dtype).element_size()
                if len(raw) < numel * itemsize:
                    raise ValueError(f"{path}: tensor data {key} is shorter than declared")
                storages[key] = (torch.frombuffer(raw, dtype=dtype, count=numel) if numel
                                 else torch.empty(0, dtype=dtype))
            return storages[key]

        root = _TensorsOnlyUnpickler(archive.read(pkl[0]), load_storage).load()
        declared = _module_declarations(archive, prefix)

    state: dict[str, torch.Tensor] = {}

    def walk(obj, prefix_name: str) -> None:
        names = declared.get(obj.qualified_name)
        for key, value in obj.state.items():
            if isinstance(value, _ScriptObject):
                walk(value, f"{prefix_name}{key}.")
            elif isinstance(value, torch.Tensor) and (names is None or key in names):
                state[f"{prefix_name}{key}"] = value

    if not isinstance(root, _ScriptObject):
        raise ValueError(f"{path} does not hold a TorchScript module")
    walk(root, "")
    return state


def load_rn50_state_dict(path: Path) -> dict:
    """Weights of a CLIP RN50 TorchScript file, read safely (see the module docstring)."""
    try:
        return read_torchscript_state_dict(path)
    except (UnsafeModelFile, ValueError, KeyError, pickle.UnpicklingError, EOFError) as exc:
        from culler.analysis.download import sha256_of
        from culler.analysis.registry import MODELS

        if sha256_of(Path(path)) != MODELS["clipiqa"].files[0].sha256:
            raise ValueError(f"{path} cannot be read as CLIP RN50 weights ({exc})") from exc
    import torch

    return torch.jit.load(str(path), map_location="cpu").state_dict()


@contextlib.contextmanager
def _pyiqa_clip_loader_returning(model):
    """While pyiqa's CLIPIQA is constructed, make its `load(backbone)` hand back our model instead of
    calling torch.jit.load on the file (and instead of downloading)."""
    import pyiqa.archs.clipiqa_arch as clipiqa_arch

    original = clipiqa_arch.load
    clipiqa_arch.load = lambda *args, **kwargs: model
    try:
        yield
    finally:
        clipiqa_arch.load = original


class ClipIqaScorer:
    """pyiqa CLIP-IQA with precomputed text features. `score(x)` takes N x 3 x H x W floats in 0-1
    (registry.MODELS['clipiqa']: the whole frame, short side 224)."""

    def __init__(self, spec, files: dict[str, Path], device, precision: str = "fp32") -> None:
        import torch
        from pyiqa.archs.clip_model import build_model
        from pyiqa.archs.clipiqa_arch import CLIPIQA

        self.input_size = spec.input_size
        state = load_rn50_state_dict(files["RN50.pt"])
        with skip_random_initialisation():  # build_model loads every weight strictly
            clip = build_model(state).float().eval()
        with _pyiqa_clip_loader_returning(clip):
            arch = CLIPIQA(model_type="clipiqa", backbone="RN50", pretrained=False)
        self.clip = clip.to(device)
        self.device = device
        self.mean = arch.default_mean.to(device)
        self.std = arch.default_std.to(device)
        self.pos_embedding = arch.pos_embedding
        with torch.inference_mode():
            self.text_features = clip.encode_text(arch.prompt_pairs.to(device))
        # The text tower is no longer needed: drop it to save ~150 MB.
        for name in ("transformer", "token_embedding", "ln_final"):
            setattr(self.clip, name, None)
        self.precision = precision
        if precision == "bf16":
            from culler.analysis.deep_precision import prepare_bf16_trunk

            prepare_bf16_trunk(self.clip.visual)

    def export(self):
        """(module from a 0-1 batch of any size to the scores, example input) for deep_openvino.py."""
        import torch

        return traceable(self.score, self.clip), torch.rand(2, 3, self.input_size, self.input_size * 3 // 2)

    def score(self, x):
        """CLIPIQA.forward with the text features given: same formula, same numbers."""
        x = (x - self.mean) / self.std
        if self.precision != "bf16":
            logits_per_image, _ = self.clip(x, None, pos_embedding=self.pos_embedding, text_features=self.text_features)
        else:
            logits_per_image = self._logits_bf16_tower(x)
        probs = logits_per_image.reshape(logits_per_image.shape[0], -1, 2).softmax(dim=-1)
        return probs[..., 0].mean(dim=1)

    def _logits_bf16_tower(self, x):
        """pyiqa's `CLIP.forward` (clip_model.py) with the image tower under bf16 autocast and
        the cosine logits in fp32."""
        import torch

        from culler.analysis.deep_precision import autocast_bf16

        with autocast_bf16():
            image_features = self.clip.encode_image(x.contiguous(memory_format=torch.channels_last),
                                                    self.pos_embedding)
        image_features = image_features.float()
        image_features = image_features / image_features.norm(dim=-1, keepdim=True)
        text_features = self.text_features / self.text_features.norm(dim=-1, keepdim=True)
        return self.clip.logit_scale.exp() * image_features @ text_features.t()
