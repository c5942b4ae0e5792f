"""The one registry of what culler measures and with which models: every layer reads it.

Signals (`SIGNALS`): one number per photo (or None when it does not apply) with its range,
direction and input size. Technical signals are computed by `technical.measure` with no downloaded
weights; deep signals come from the models below. `normalised(name, value)` turns any signal into
0-1 where 1 is best, so ranking and the fused score can treat them alike.

Models (`MODELS`): each deep model's weight files (URL, size and SHA-256 where known), the class
that builds it (`builder`, imported only when the model is built), the input it takes, what it
outputs (signal names, or `embedding:NAME`), and what it is for in plain words (`purpose`,
`size_mb`: what a Models dialog shows). `model_files` finds, downloads and imports the files,
`deep` builds and runs the models, the pipeline plans its threads and expected outputs from here,
and `culler models` lists them.

Both are registries of constants (filled here at import), not application state; `register_pyiqa_metric`
adds another pyiqa no-reference metric, e.g. `register_pyiqa_metric('cnniqa', 0, 1, True, 384,
file='CNNIQA_koniq10k-e6f14c91.pth')`, and the pipeline then scores it like the built-in models once
its file is in the models folder.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("technical", "deep")


@dataclass(frozen=True)
class SignalSpec:
    """How to read one signal.

    `lo`/`hi` is the value range (count signals may exceed `hi`; `normalised` clamps).
    `higher_is_better` is None for neutral signals (descriptive, never better or worse).
    `norm` is the span `normalised` maps onto 0-1 when real photos use only part of the range
    (e.g. NIMA's 1-10 scale where photos land in 3-7); None means (lo, hi).
    `input_long_edge` is the long edge in pixels the signal is computed at.
    `models` names the model files it needs (empty for technical signals); `pyiqa_name` is the
    pyiqa metric name for deep signals built by `pyiqa.create_metric`.
    """

    name: str
    label: str
    lo: float
    hi: float
    higher_is_better: bool | None
    input_long_edge: int
    models: tuple[str, ...] = ()
    kind: str = "technical"
    unit: str = ""
    doc: str = ""
    norm: tuple[float, float] | None = None
    pyiqa_name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"signal {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}")
        if not self.hi > self.lo:
            raise ValueError(f"signal {self.name!r}: hi ({self.hi}) must be above lo ({self.lo})")
        if self.norm is not None and not self.norm[1] > self.norm[0]:
            raise ValueError(f"signal {self.name!r}: norm {self.norm} must be increasing")


TECHNICAL_LONG_EDGE = 1024  # the pipeline decodes each photo once at this long edge

_TECHNICAL = (
    SignalSpec("sharpness", "Sharpness", 0.0, 1.0, True, TECHNICAL_LONG_EDGE,
               doc="Edge crispness on the faces, else on the main subject; noise is discounted, "
                   "so a noisy frame does not look sharp. 0.5 = edges ~1.6 px wide at 1024 px."),
    SignalSpec("motion_blur", "Motion blur", 0.0, 1.0, False, TECHNICAL_LONG_EDGE,
               doc="How much sharper the photo is in one direction than across it (camera shake)."),
    SignalSpec("noise", "Noise", 0.0, 1.0, False, TECHNICAL_LONG_EDGE,
               doc="Estimated sensor noise; 0.5 = noise sigma 6 grey levels at 1024 px."),
    SignalSpec("highlights_clipped", "Highlights clipped", 0.0, 1.0, False, TECHNICAL_LONG_EDGE,
               unit="fraction", doc="Fraction of pixels with a channel at white.", norm=(0.0, 0.2)),
    SignalSpec("shadows_clipped", "Shadows clipped", 0.0, 1.0, False, TECHNICAL_LONG_EDGE,
               unit="fraction", doc="Fraction of pixels at black.", norm=(0.0, 0.3)),
    SignalSpec("brightness", "Brightness", 0.0, 1.0, None, TECHNICAL_LONG_EDGE,
               doc="Mean level (0 black, 1 white). Neutral: night and high-key photos are fine."),
    SignalSpec("light", "Light", 0.0, 1.0, None, TECHNICAL_LONG_EDGE,
               doc="Mean level in linear light (blur and noise do not move it); compares the "
                   "exposures of a burst's frames."),
    SignalSpec("exposure", "Exposure", 0.0, 1.0, True, TECHNICAL_LONG_EDGE,
               doc="Exposure quality: penalises clipped highlights/shadows and a mean level far "
                   "from the middle."),
    SignalSpec("contrast", "Contrast", 0.0, 1.0, True, TECHNICAL_LONG_EDGE,
               doc="RMS contrast of luminance, mapped to 0-1 (0.5 = std 0.1 of full scale)."),
    SignalSpec("blockiness", "JPEG blocking", 0.0, 30.0, False, TECHNICAL_LONG_EDGE, norm=(0.0, 10.0),
               unit="grey levels", doc="How strongly an 8x8 JPEG block grid shows (a heavily compressed "
                                       "or re-saved copy); 0 = none."),
    SignalSpec("faces", "Faces", 0.0, 20.0, None, TECHNICAL_LONG_EDGE, unit="count",
               doc="Number of frontal faces found."),
    SignalSpec("eyes_closed", "Eyes closed", 0.0, 20.0, False, TECHNICAL_LONG_EDGE, unit="count",
               doc="Faces whose eyes look closed.", norm=(0.0, 1.0)),
    SignalSpec("eyes_open", "Eyes open", 0.0, 1.0, True, TECHNICAL_LONG_EDGE, unit="fraction",
               doc="Fraction of faces (big enough to judge) with eyes open; None without faces."),
)

_DEEP = (
    SignalSpec("clipiqa", "CLIP-IQA", 0.0, 1.0, True, 224, models=("clipiqa",), kind="deep",
               pyiqa_name="clipiqa", norm=(0.2, 0.9),
               doc="pyiqa CLIP-IQA: technical quality judged by CLIP (higher is better)."),
    SignalSpec("nima", "NIMA aesthetic", 1.0, 10.0, True, 299, models=("nima",), kind="deep",
               pyiqa_name="nima", norm=(3.0, 7.0),
               doc="pyiqa NIMA (AVA): mean aesthetic rating 1-10; real photos mostly land in 3-7."),
)

SIGNALS: dict[str, SignalSpec] = {s.name: s for s in _TECHNICAL + _DEEP}


@dataclass(frozen=True)
class ModelFile:
    """One weight file: where it comes from and what it must be (None: not known in advance)."""

    name: str
    url: str | None
    size: int | None = None
    sha256: str | None = None
    # (cache root, glob relative to it) where a library keeps this file; roots: 'torch_hub', 'home', 'hf_hub'
    library_paths: tuple[tuple[str, str], ...] = ()
    approx_mb: float | None = None  # the download's size when `size` is not known exactly


@dataclass(frozen=True)
class ModelSpec:
    """One deep model. `builder` is 'module:Class', called as Class(spec, files, device, precision)
    with `files` = {file name: path}; the object has `score(x)` (or `embed(x)`) on an N x 3 x H x W
    batch in 0-1, and `export()` for OpenVINO. The input is the whole frame with its short side at
    `input_size` px when `whole_frame`, else a centre crop of input_size x input_size.
    `thread_group`/`cost_ms`: models of one group share a thread; groups run side by side, the
    costliest first (pipeline/deep.py)."""

    name: str
    label: str
    purpose: str  # plain words for people choosing what to download
    description: str  # one technical line (`culler models status`)
    files: tuple[ModelFile, ...]
    builder: str
    input_size: int
    resample: str  # 'bicubic' | 'bilinear'
    outputs: tuple[str, ...]  # signal names, or 'embedding:NAME'
    licence: str
    python_modules: tuple[str, ...]  # modules that must be importable to build it
    whole_frame: bool = False
    hash_note: str = ""
    thread_group: str = ""  # '' = a group of its own
    cost_ms: float = 0.0  # CPU ms per photo at 2 threads, measured (0 = unknown)
    options: tuple[tuple[str, object], ...] = ()  # builder options, e.g. (('pyiqa_name', 'cnniqa'),)

    @property
    def size_mb(self) -> float | None:
        """The download's size in MB (10^6 bytes); approximate where a file's exact size is unknown."""
        sizes = [f.size / 1e6 if f.size is not None else f.approx_mb for f in self.files]
        return None if any(s is None for s in sizes) else round(sum(sizes))

    @property
    def signals(self) -> tuple[str, ...]:
        return tuple(o for o in self.outputs if not o.startswith("embedding:"))

    @property
    def embeddings(self) -> tuple[str, ...]:
        return tuple(o.split(":", 1)[1] for o in self.outputs if o.startswith("embedding:"))

    def option(self, key: str, default=None):
        return dict(self.options).get(key, default)


_RN50_SHA256 = "afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762"
_NIMA_FILE = "NIMA_InceptionV2_ava-b0c77c00.pth"
_LAION_REPO = "laion/CLIP-ViT-B-32-laion2B-s34B-b79K"
PYIQA_WEIGHTS_URL = "https://huggingface.co/chaofengc/IQA-PyTorch-Weights/resolve/main/"
_PYIQA_LICENCE = "Code: pyiqa (PolyForm Noncommercial 1.0.0 as of pyiqa 0.1.16)."

# Costs: ms per photo at 2 threads, measured (pipeline/deep.py): nima ~100-115, clipiqa ~58 + clip ~47,
# so NIMA runs in one thread and CLIP-IQA with the embedding in the other.
_MODELS = (
    ModelSpec(
        name="clipiqa", label="CLIP-IQA",
        purpose="Judges technical quality - blur, noise, bad exposure - the way people rate photos. "
                "Helps choose between frames that are otherwise alike.",
        description="CLIP-IQA image quality, 0-1 (pyiqa 'clipiqa' on OpenAI CLIP RN50)",
        files=(ModelFile(
            name="RN50.pt",
            url=f"https://openaipublic.azureedge.net/clip/models/{_RN50_SHA256}/RN50.pt",
            sha256=_RN50_SHA256, approx_mb=256,
            library_paths=(("torch_hub", "clip/RN50.pt"), ("home", ".cache/clip/RN50.pt")),
        ),),
        builder="culler.analysis.deep_clipiqa:ClipIqaScorer",
        input_size=224, resample="bicubic", whole_frame=True,  # CLIP's own preprocessing, nothing cropped
        outputs=("clipiqa",),
        licence="CLIP RN50 weights: OpenAI, MIT licence (github.com/openai/CLIP). The scoring code comes "
                "from pyiqa (PolyForm Noncommercial 1.0.0 as of pyiqa 0.1.16).",
        python_modules=("torch", "pyiqa", "clip", "pkg_resources"),
        hash_note="SHA-256 published by OpenAI in the download URL",
        thread_group="clip", cost_ms=58,
    ),
    ModelSpec(
        name="nima", label="NIMA",
        purpose="Rates how appealing a photo looks (1-10), learned from photographers' votes. "
                "Breaks near-ties between similar frames.",
        description="NIMA aesthetic score, 1-10 (pyiqa 'nima', InceptionResNetV2 trained on AVA)",
        files=(ModelFile(
            name=_NIMA_FILE, url=PYIQA_WEIGHTS_URL + _NIMA_FILE, size=218027161,
            sha256="b0c77c00c789565be8e6af96c1641bbad716c1592bff1cdc749c6006b95bd34e",
            library_paths=(("torch_hub", f"pyiqa/{_NIMA_FILE}"),),
        ),),
        builder="culler.analysis.deep_nima:NimaScorer",
        input_size=299, resample="bilinear",  # pyiqa resizes tensors bilinearly (with antialiasing)
        outputs=("nima",),
        licence="Weights: Hugging Face chaofengc/IQA-PyTorch-Weights, CC BY-NC-SA 4.0 (non-commercial use). "
                "Code: pyiqa (PolyForm Noncommercial 1.0.0 as of 0.1.16), timm (Apache-2.0).",
        python_modules=("torch", "pyiqa", "timm"),
        hash_note="size and SHA-256 from the Git LFS pointer on Hugging Face",
        thread_group="nima", cost_ms=108,
    ),
    ModelSpec(
        name="clip", label="CLIP",
        purpose="Recognises what a photo shows, so similar frames are grouped together and you can "
                "search the album by words (\"dog on the beach\").",
        description="Image embedding for grouping similar frames (open_clip ViT-B-32, LAION-2B)",
        files=(ModelFile(
            name="open_clip_model.safetensors",
            url=f"https://huggingface.co/{_LAION_REPO}/resolve/main/open_clip_model.safetensors",
            approx_mb=605,
            library_paths=(("hf_hub", "models--laion--CLIP-ViT-B-32-laion2B-s34B-b79K/snapshots/*/"
                                      "open_clip_model.safetensors"),),
        ),),
        builder="culler.analysis.deep_clip:ClipEmbedder",
        input_size=224, resample="bicubic",  # open_clip's own preprocessing for this model
        outputs=("embedding:clip",),
        licence=f"Weights: Hugging Face {_LAION_REPO}, MIT licence; trained on LAION-2B. Code: open_clip (MIT).",
        python_modules=("torch", "open_clip"),
        hash_note="no published SHA-256 at hand: checked against the hash Hugging Face declares, "
                  "else recorded at first download (trust on first use)",
        thread_group="clip", cost_ms=47,
    ),
)

MODELS: dict[str, ModelSpec] = {m.name: m for m in _MODELS}


def register(spec: SignalSpec) -> SignalSpec:
    """Add (or replace) a signal so the pipeline, ranking and UI know how to read it."""
    SIGNALS[spec.name] = spec
    return spec


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add (or replace) a deep model: `culler models`, the pipeline and the analyzer then use it."""
    if spec.resample not in ("bicubic", "bilinear"):
        raise ValueError(f"model {spec.name!r}: resample must be 'bicubic' or 'bilinear', not {spec.resample!r}")
    if not spec.files or not spec.outputs:
        raise ValueError(f"model {spec.name!r}: needs at least one file and one output")
    MODELS[spec.name] = spec
    return spec


def register_pyiqa_metric(name: str, lo: float, hi: float, higher_is_better: bool,
                          input_size: int, label: str | None = None, doc: str = "",
                          norm: tuple[float, float] | None = None, file: str | None = None,
                          sha256: str | None = None, size: int | None = None,
                          build_options: dict | None = None) -> SignalSpec:
    """Register any pyiqa no-reference metric by its pyiqa name, e.g. ('cnniqa', 0, 1, True, 384,
    file='CNNIQA_koniq10k-e6f14c91.pth'): a signal and a model of the same name, the whole frame
    scored at a short side of `input_size` px. Its weight file `file` (default `<name>.pth`, a
    state dict or pyiqa's {'params': state dict}) comes from pyiqa's Hugging Face repository or
    `culler models import`; `build_options` go to `pyiqa.create_metric` (default pretrained=None:
    nothing downloaded, the weights then loaded from the file)."""
    file_name = file or f"{name}.pth"
    register_model(ModelSpec(
        name=name, label=label or name.upper(),
        purpose=doc or f"pyiqa's {name!r} quality score, added by a plug-in.",
        description=f"pyiqa metric {name!r}, {lo:g}-{hi:g} ({'higher' if higher_is_better else 'lower'} is better)",
        files=(ModelFile(name=file_name, url=PYIQA_WEIGHTS_URL + file_name, size=size, sha256=sha256,
                         library_paths=(("torch_hub", f"pyiqa/{file_name}"),)),),
        builder="culler.analysis.deep_pyiqa:PyiqaScorer",
        input_size=int(input_size), resample="bilinear", whole_frame=True, outputs=(name,),
        licence=_PYIQA_LICENCE + " Weights: see pyiqa's model card for this metric.",
        python_modules=("torch", "pyiqa"),
        options=(("pyiqa_name", name), ("build_options", tuple((build_options or {"pretrained": None}).items()))),
    ))
    return register(SignalSpec(name, label or name.upper(), float(lo), float(hi), higher_is_better,
                               int(input_size), models=(name,), kind="deep",
                               pyiqa_name=name, doc=doc or f"pyiqa metric {name!r}", norm=norm))


def unregister(name: str) -> None:
    """Forget a signal and the model of that name (plug-ins, tests)."""
    SIGNALS.pop(name, None)
    MODELS.pop(name, None)


def spec(name: str) -> SignalSpec | None:
    return SIGNALS.get(name)


def technical_names() -> list[str]:
    return [n for n, s in SIGNALS.items() if s.kind == "technical"]


def deep_names() -> list[str]:
    return [n for n, s in SIGNALS.items() if s.kind == "deep"]


def normalised(name: str, value: float | None) -> float | None:
    """`value` mapped to 0-1 where 1 is best; None for unknown or neutral signals or a None value."""
    s = SIGNALS.get(name)
    if s is None or s.higher_is_better is None or value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if v != v:  # NaN
        return None
    lo, hi = s.norm or (s.lo, s.hi)
    t = min(1.0, max(0.0, (v - lo) / (hi - lo)))
    return t if s.higher_is_better else 1.0 - t
