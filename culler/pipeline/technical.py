"""Decode + technical measures of one photo, the part of the analysis that needs no model files.

Each photo is decoded ONCE at ~1000 px (a reduced-size JPEG decode, see ANALYSIS_LONG_EDGE); the
technical signals and the 32x32 grey thumbnail of the grouping's pixel check come from that
image, which then waits for the deep models (or is dropped when none will run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Technical measures want ~1000 px. load_image lets a JPEG's DCT-scaled decode land up to 10 %
# under this, so a 4000 px photo decodes at 1/4 straight to 1000 px (a 1/2 decode + resize to
# exactly 1024 px costs twice as much: 140 vs 65 ms CPU per 12 MP photo, measured here).
ANALYSIS_LONG_EDGE = 1024


@dataclass
class Prepared:
    """One photo after decode + technical measures, waiting for the deep models."""

    photo: object
    rgb: np.ndarray | None = None
    signals: dict = field(default_factory=dict)
    tiny: np.ndarray | None = None
    detail: np.ndarray | None = None  # technical.detail_map, stored as the "detail" vector
    error: str | None = None
    vanished: bool = False


def clean_signals(signals: dict) -> dict[str, float | None]:
    """Signals as floats, NaN and infinity as None (what the store keeps)."""
    out: dict[str, float | None] = {}
    for k, v in signals.items():
        if v is None:
            out[k] = None
            continue
        f = float(v)
        out[k] = f if np.isfinite(f) else None
    return out


def prepare(photo, album_root: Path, times, keep_pixels: bool) -> Prepared:
    """Decode + technical measures + tiny grey of one photo; `times` a progress.StepTimes."""
    from culler.core import decode

    item = Prepared(photo)
    if photo.status != "ok":
        item.error = photo.error or "could not be read"
        return item
    rel = photo.display_path
    path = Path(album_root) / rel
    orientation = photo.meta.orientation if rel == photo.path else None
    try:
        with times.measure("decode"):
            item.rgb = decode.load_image(path, ANALYSIS_LONG_EDGE, orientation)
    except FileNotFoundError:
        item.vanished = True
        return item
    except Exception as e:  # noqa: BLE001 - DecodeError and anything a broken file throws
        if not path.exists():
            item.vanished = True
        else:
            item.error = _reason(e)
        return item
    try:
        from culler.analysis import technical
        from culler.core.grouping import tiny_image

        with times.measure("technical"):
            signals, item.detail = technical.measure_detail(item.rgb)
            item.signals = clean_signals(signals)
        item.tiny = tiny_image(item.rgb)
    except Exception as e:  # noqa: BLE001 - one odd image must not stop the album
        item.error = f"could not be measured ({type(e).__name__}: {e})"
        item.rgb = None
    if not keep_pixels:
        item.rgb = None  # nothing else needs them
    return item


def _reason(e: Exception) -> str:
    """Why a file could not be read, without its name (the store and the JSON key it by path)."""
    reason = getattr(e, "reason", None)  # culler.core.decode.DecodeError
    return str(reason or e or type(e).__name__)
