"""The signal registry: every per-photo signal's name, range, direction, input size and model files.

A signal is one number per photo (or None when it does not apply). Technical signals are computed
by `technical.measure` with no downloaded weights; deep signals come from pyiqa no-reference
metrics (and need model files named in `models`). `normalised(name, value)` turns any signal into
0-1 where 1 is best, so ranking and the fused score can treat them alike.

`SIGNALS` is a registry of constants (filled here at import), not application state; `register`
adds more, e.g. `register_pyiqa_metric('musiq', 0, 100, True, 512)` for another pyiqa metric.
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


def register(spec: SignalSpec) -> SignalSpec:
    """Add (or replace) a signal so the pipeline, ranking and UI know how to read it."""
    SIGNALS[spec.name] = spec
    return spec


def register_pyiqa_metric(name: str, lo: float, hi: float, higher_is_better: bool,
                          input_long_edge: int, label: str | None = None, doc: str = "",
                          norm: tuple[float, float] | None = None) -> SignalSpec:
    """Register any pyiqa no-reference metric by its pyiqa name (e.g. 'musiq', 0, 100, True, 512)."""
    return register(SignalSpec(name, label or name.upper(), float(lo), float(hi), higher_is_better,
                               int(input_long_edge), models=(name,), kind="deep",
                               pyiqa_name=name, doc=doc or f"pyiqa metric {name!r}", norm=norm))


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
