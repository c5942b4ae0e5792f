"""A camera in linear light, for evaluations: real photographs re-shot with a sensor's faults.

The evaluation of best-frame suggestions must not be flattered by degradations made in sRGB
(noise added to grey levels, exposure by a gamma curve): a camera makes its faults before the
tone curve. `Scene` turns a real sRGB photograph into scene radiance (linear light; pixels that
were clipped in the source are given 1.5-4x more light than white, as a blown sky really has),
and `Scene.shoot` takes one frame of it:

    optics   defocus (a disc kernel of radius r px) and camera shake (a line kernel of length L
             px at any angle), applied to radiance;
    sensor   exposure in stops (x 2**stops) at ISO gain g: the sensor collects 1/g of the light
             (electrons = radiance * full well * 2**stops / g), with photon shot noise and read
             noise (Poisson ~ Gaussian, variance = electrons + read^2), clipping at the full well;
    camera   gain g back to the same brightness (an auto-ISO jump keeps the brightness and pays in
             noise), white point, sRGB tone curve, 8 bits, JPEG at a quality q.

Every frame of a burst shares the sensor (full well and read noise), so an under-exposed frame
has the lower signal-to-noise ratio of a real one and a brighter one clips where a real one does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FULL_WELL = 6000.0  # electrons at white, base ISO (a small-pixel camera: visible grain at 100 %)
READ_NOISE = 3.0  # electrons


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.power(v, 1 / 2.4) - 0.055)


def disc_kernel(radius: float) -> np.ndarray:
    r = max(radius, 0.5)
    n = int(np.ceil(r)) * 2 + 1
    yy, xx = np.mgrid[:n, :n] - n // 2
    # 4x supersampled coverage, so small radii blur by a fraction of a pixel, not all or nothing
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    k = np.zeros((n, n), np.float32)
    for sy in sub:
        for sx in sub:
            k += ((yy + sy) ** 2 + (xx + sx) ** 2 <= r * r)
    return k / k.sum()


def line_kernel(length: float, angle_deg: float) -> np.ndarray:
    n = int(np.ceil(length)) | 1
    k = np.zeros((n * 4, n * 4), np.float32)
    c = (n * 4 - 1) / 2.0
    t = np.linspace(-length * 2, length * 2, int(length * 16) + 2)
    a = np.deg2rad(angle_deg)
    xs, ys = np.round(c + t * np.cos(a)).astype(int), np.round(c + t * np.sin(a)).astype(int)
    ok = (xs >= 0) & (xs < n * 4) & (ys >= 0) & (ys < n * 4)
    k[ys[ok], xs[ok]] = 1.0
    import cv2

    k = cv2.resize(k, (n, n), interpolation=cv2.INTER_AREA)
    return k / max(float(k.sum()), 1e-9)


@dataclass
class Scene:
    """Scene radiance (HxWx3 float32, 1.0 = white at the intended exposure)."""

    radiance: np.ndarray

    @classmethod
    def from_photo(cls, rgb8: np.ndarray, rng: np.random.Generator, key_stops: float = 0.0) -> Scene:
        """Radiance of a real sRGB photo; `key_stops` moves the intended exposure (high/low key)."""
        import cv2

        v = rgb8.astype(np.float32) / 255.0
        lin = srgb_to_linear(v).astype(np.float32)
        clipped = (rgb8.max(axis=2) >= 250).astype(np.float32)
        if clipped.any():
            # A blown area held more light than white: 1.5-4x, smoothly, so that a darker frame
            # still clips most of a blown sky and recovers only its edges.
            soft = cv2.GaussianBlur(clipped, (0, 0), 3.0)
            boost = 1.0 + soft * float(rng.uniform(0.5, 3.0))
            lin = lin * boost[..., None]
        return cls((lin * 2.0 ** key_stops).astype(np.float32))

    def shoot(self, rng: np.random.Generator, *, stops: float = 0.0, iso_gain: float = 1.0,
              defocus: float = 0.0, shake: float = 0.0, shake_angle: float = 0.0,
              shift: tuple[int, int] = (0, 0), crop: float = 0.0) -> np.ndarray:
        """One frame as sRGB uint8 (before JPEG; see `jpeg_roundtrip`)."""
        import cv2

        x = self.radiance
        if shift != (0, 0) or crop > 0:
            x = _shift_crop(x, shift, crop)
        if defocus > 0.3:
            x = cv2.filter2D(x, -1, disc_kernel(defocus), borderType=cv2.BORDER_REFLECT)
        if shake > 1.0:
            x = cv2.filter2D(x, -1, line_kernel(shake, shake_angle), borderType=cv2.BORDER_REFLECT)
        electrons = np.clip(x * (FULL_WELL * 2.0 ** stops / iso_gain), 0.0, None)
        noisy = electrons + rng.standard_normal(electrons.shape, dtype=np.float32) * np.sqrt(
            electrons + READ_NOISE ** 2)
        out = np.minimum(noisy, FULL_WELL / iso_gain) * (iso_gain / FULL_WELL)  # full well, then gain
        return (linear_to_srgb(out) * 255.0 + 0.5).astype(np.uint8)


def jpeg_roundtrip(rgb8: np.ndarray, quality: int) -> np.ndarray:
    """The frame after a JPEG encode/decode at `quality` (a re-encoded copy)."""
    import cv2

    ok, buf = cv2.imencode(".jpg", rgb8[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()


def _shift_crop(x: np.ndarray, shift: tuple[int, int], crop: float) -> np.ndarray:
    import cv2

    h, w = x.shape[:2]
    dx, dy = shift
    m = int(round(crop * min(h, w))) + max(abs(dx), abs(dy))
    part = x[m + dy:h - m + dy, m + dx:w - m + dx]
    return cv2.resize(part, (w, h), interpolation=cv2.INTER_AREA if m else cv2.INTER_LINEAR)
