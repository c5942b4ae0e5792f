"""One readable line of shooting data: camera · lens · 1/250 s · f/2.8 · ISO 400 · 50 mm · time."""

from __future__ import annotations

from culler.core.records import PhotoMeta


def exposure_text(seconds: float | None) -> str | None:
    if not seconds or seconds <= 0:
        return None
    if seconds < 0.3:
        return f"1/{round(1 / seconds)} s"
    return f"{seconds:.1f} s".replace(".0 s", " s")


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def exif_line(meta: PhotoMeta) -> str:
    parts = [meta.camera, meta.lens, exposure_text(meta.exposure_time),
             f"f/{_number(meta.f_number)}" if meta.f_number else None,
             f"ISO {meta.iso}" if meta.iso else None,
             f"{_number(meta.focal_length)} mm" if meta.focal_length else None,
             f"{meta.exposure_bias:+.1f} EV" if meta.exposure_bias else None,
             meta.captured_at.strftime("%Y-%m-%d %H:%M:%S") if meta.captured_at else None]
    return "  ·  ".join(p for p in parts if p)
