"""Render the app icon (resources/icons/app/culler.svg) into every size and format the platforms use.

    .venv/bin/python packaging/make_icons.py

Writes culler-<N>.png for N in SIZES (hicolor sizes for the .desktop entry, window icons), culler.ico
(Windows: 16-256 px in one file) and culler.icns (macOS: 16-512 px) next to the SVG. The SVG is
rendered by Qt's SVG module (PySide6, already a dependency); Pillow writes the ICO and ICNS.
Re-run it after editing the SVG and commit the results: building the bundle does not need it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICON_DIR = ROOT / "resources" / "icons" / "app"
SOURCE = ICON_DIR / "culler.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest an ICO entry can be


def render_png(size: int, out: Path) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SOURCE} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"make_icons: could not write {out}")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (Qt needs one)
    for size in SIZES:
        render_png(size, ICON_DIR / f"culler-{size}.png")
    largest = Image.open(ICON_DIR / f"culler-{max(SIZES)}.png").convert("RGBA")
    largest.save(ICON_DIR / "culler.ico", sizes=[(s, s) for s in ICO_SIZES])
    # ICNS goes up to 512@2x: render 1024 px for it (not kept as a PNG) so nothing is upscaled;
    # Pillow uses the append_images whose sizes match instead of resizing the base image.
    with tempfile.TemporaryDirectory() as tmp:
        render_png(1024, Path(tmp) / "1024.png")
        base = Image.open(Path(tmp) / "1024.png").convert("RGBA")
        base.load()
    smaller = [Image.open(ICON_DIR / f"culler-{s}.png").convert("RGBA") for s in SIZES]
    base.save(ICON_DIR / "culler.icns", append_images=smaller)
    print(f"make_icons: wrote {len(SIZES)} PNGs, culler.ico and culler.icns to {ICON_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
