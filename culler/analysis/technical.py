"""Technical signals of one photo (no model weights): sharpness, motion blur, noise, exposure, faces.

`measure(rgb)` takes the RGB uint8 image the pipeline decodes once per photo (long edge ~1024 px;
larger inputs are reduced to 1024 px first, smaller ones are measured as they are) and returns
every technical signal named in `registry` (floats, None when a signal does not apply).

Sharpness and motion blur compare gradients at two scales. The image is smoothed with a Gaussian
of sigma 0.8 px (fine) and 1.6 px (coarse) and the gradient energy E is summed over the edge
pixels (the strongest 10 % of coarse gradients, above the noise). For an edge blurred by a
Gaussian of width b, E_fine / E_coarse = sqrt((b^2 + 1.6^2) / (b^2 + 0.8^2)), so the ratio gives
b, the edge width in pixels, whatever the edge's contrast: a darker or flatter copy is not called
blurred. The ratio is taken per direction from 2x2 gradient tensors at both scales, giving the
narrowest and widest edge widths b_min, b_max over directions. Noise adds a known energy to each
scale (sigma^2 times the filters' gain); it is subtracted with a 2x margin (the estimate runs
~10 % low and picking the strongest edges favours noise-boosted pixels), so a noisy copy never
gains sharpness. Widths are in pixels of the measured image (1024 px long edge in the pipeline).
- sharpness = 1 / (1 + (b / 1.6)^2) with b = sqrt((b_min^2 + b_max^2) / 2): 1 = razor sharp,
  0.5 = edges 1.6 px wide, ~0.2 = 3 px; a shaken frame is sharp along the shake only, so both
  directions count. Measured on the faces when there are any (the strongest quarter of each
  face's gradients), else on the whole frame with edges weighted towards the centre (1 in the
  middle, 0.4 in the corners; the strongest edges are on the in-focus subject, a blurred
  background adds little energy). 0.0 when nothing rises above the noise; None for a
  featureless frame.
- motion_blur = clamp(((b_max - b_min) / (b_max + b_min) - 0.05) / 0.25), over the whole frame:
  camera shake smears edges along one direction only. ~0-0.2 for steady frames (content with
  strong parallel lines reads higher), ~0.3-1 for a 9-15 px shake at 512-1024 px, 1.0 for
  skimage's real hand-shaken clock photograph.
- noise: sigma of a 3x3 Laplacian-difference filter (Immerkaer 1996) in 16 px tiles, the 10th
  percentile over tiles that are not clipped (flat tiles show the noise alone), in grey levels;
  noise = sigma^2 / (sigma^2 + 4^2) (0.5 = sigma 4 grey levels, 0.9 = 12).
- highlights_clipped: fraction of pixels with a channel >= 252; shadows_clipped: grey <= 6.
- brightness: mean grey level / 255 (neutral).
- light: mean level in linear light (the sRGB tone curve undone, 0-1; neutral). Unlike the mean
  grey level it does not move when a frame is blurred or grainier (the curve is not linear, so
  spreading a bright moon over a black sky raises the mean grey level but not the light), which
  makes it the exposure that siblings of a burst are compared on.
- exposure = clamp(1 - level - clipping) with level = 0.6 (1 - exp(-((brightness - 0.46)/0.25)^2))
  and clipping = 3 max(0, highlights - 0.01) + 1.5 max(0, shadows - 0.05).
- contrast = tanh(std(grey / 255) / 0.182) (0.5 = RMS contrast 0.1).
- blockiness: how strongly the file's JPEG block grid shows, in grey levels (0-4 at quality 90+,
  6-10 at 40-70, 10-30 below),
  read only when the photo is measured at its own resolution (see `blockiness`).
- faces, eyes_closed, eyes_open: from `faces.detect`; None when OpenCV has no cascades.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from culler.analysis import faces as faces_mod

WORK_LONG_EDGE = 1024
FINE_SIGMA, COARSE_SIGMA = 0.8, 1.6
NOISE_MARGIN = 2.0  # noise energy is over-subtracted by this factor (see module docstring)
EDGE_FRACTION = 0.10  # the strongest share of coarse gradients counted as edges
SHARP_HALF_WIDTH = 1.6  # edge width (px) that maps to sharpness 0.5
NOISE_HALF_SIGMA = 4.0  # noise sigma (grey levels) that maps to noise 0.5
HIGHLIGHT_LEVEL, SHADOW_LEVEL = 252, 6
MIN_FACE_EDGE_PIXELS = 40
BLOCK = 8  # JPEG block size (px)
DETAIL_GRID = 16  # tiles per side of the detail map
DETAIL_CHANNELS = ("fine", "coarse", "laplace", "clear", "light")  # see detail_map
_LAPLACE_DIFF = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)  # Immerkaer's noise filter


def measure(rgb: np.ndarray, *, find_faces: bool = True,
            faces: list[faces_mod.Face] | None = None) -> dict[str, float | None]:
    """Every technical signal of one RGB image (see the module docstring for each formula).

    `faces` may be given (boxes in `rgb`'s pixels) to skip detection; `find_faces=False` skips it
    and reports the face signals as None.
    """
    return measure_detail(rgb, find_faces=find_faces, faces=faces)[0]


def measure_detail(rgb: np.ndarray, *, find_faces: bool = True,
                   faces: list[faces_mod.Face] | None = None) -> tuple[dict[str, float | None], np.ndarray]:
    """`measure`'s signals and the photo's detail map (see `detail_map`), from one pass."""
    import cv2

    rgb = as_rgb_uint8(rgb)
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_LONG_EDGE / max(h, w)) if max(h, w) > 1.25 * WORK_LONG_EDGE else 1.0
    if scale < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                         interpolation=cv2.INTER_AREA)
        if faces is not None:
            faces = [_scaled_face(f, scale) for f in faces]
    grey8 = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    signals: dict[str, float | None] = exposure_signals(rgb, grey8)
    grey = grey8.astype(np.float32)
    laplace = cv2.filter2D(grey, cv2.CV_32F, _LAPLACE_DIFF)
    sigma = noise_sigma(grey, grey8, laplace=laplace)
    signals["noise"] = sigma * sigma / (sigma * sigma + NOISE_HALF_SIGMA ** 2)

    found: list[faces_mod.Face] | None = faces
    if found is None and find_faces:
        try:
            found = faces_mod.detect(grey8)
        except faces_mod.FacesUnavailable:
            found = None
    signals.update(face_signals(found))
    grads = _gradients(grey, FINE_SIGMA) + _gradients(grey, COARSE_SIGMA)
    signals.update(edge_signals(grey, sigma, found or [], grads))
    signals["blockiness"] = blockiness(grey)
    return signals, detail_map(grads, laplace, grey8)


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """An HxWx3 uint8 array from RGB/RGBA/grey input of uint8, uint16 or float 0-1 values."""
    a = np.asarray(image)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.shape[0] < 8 or a.shape[1] < 8:
        raise ValueError(f"expected an RGB image of at least 8x8 pixels, got an array of shape {a.shape}")
    a = a[..., :3]
    if a.dtype == np.uint16:
        a = (a >> 8).astype(np.uint8)
    elif a.dtype.kind == "f":
        a = (np.clip(np.nan_to_num(a), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    elif a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(a)


def exposure_signals(rgb: np.ndarray, grey8: np.ndarray) -> dict[str, float]:
    import cv2

    # Every other pixel (nearest-neighbour half size) is an unbiased sample for fractions and
    # means, at a quarter of the cost.
    h, w = grey8.shape
    half = (max(1, w // 2), max(1, h // 2))
    sample = cv2.resize(rgb, half, interpolation=cv2.INTER_NEAREST)
    grey_sample = cv2.resize(grey8, half, interpolation=cv2.INTER_NEAREST)
    n = grey_sample.size
    below = HIGHLIGHT_LEVEL - 1
    highlights = 1.0 - cv2.countNonZero(cv2.inRange(sample, (0, 0, 0), (below, below, below))) / n
    shadows = cv2.countNonZero(cv2.inRange(grey_sample, 0, SHADOW_LEVEL)) / n
    mean, std = (float(v[0][0]) / 255.0 for v in cv2.meanStdDev(grey_sample))
    level = 0.6 * (1.0 - math.exp(-((mean - 0.46) / 0.25) ** 2))
    clipping = 3.0 * max(0.0, highlights - 0.01) + 1.5 * max(0.0, shadows - 0.05)
    light = float(cv2.LUT(grey_sample, _linear_lut()).mean())
    return {"highlights_clipped": highlights, "shadows_clipped": shadows, "brightness": mean,
            "exposure": _clamp01(1.0 - level - clipping), "contrast": math.tanh(std / 0.182), "light": light}


@functools.cache
def _linear_lut() -> np.ndarray:
    """sRGB grey level -> linear light (0-1), the inverse of the sRGB tone curve."""
    v = np.arange(256, dtype=np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


def blockiness(grey: np.ndarray) -> float:
    """How strongly the photo's own 8x8 JPEG block grid shows, in grey levels.

    For each axis, the mean squared step between neighbouring pixels at each of the 8 positions
    in a block; the square root of the step at the file's block boundary minus the median
    position (noise adds about the same variance to every position). The boundary is where the
    file's own grid falls: every 8 px from the first pixel, or from the last one when the camera's
    orientation flag turned the photo around. A grid at any other offset (inherited from an
    earlier, cropped JPEG) is not this file's compression and is not counted. The weaker of the
    two axes (a grid is on both, a fence is not). Only visible when the photo is measured at its
    own resolution: a reduced decode averages the grid away and reads ~0, as a person would see it.
    """
    def axis(steps: np.ndarray) -> float:
        per_column = steps.mean(axis=0)
        n = per_column.size // BLOCK * BLOCK
        if n < 4 * BLOCK:
            return 0.0
        per_position = per_column[:n].reshape(-1, BLOCK).mean(axis=0)
        boundary = max(per_position[BLOCK - 1], per_position[per_column.size % BLOCK])
        return math.sqrt(max(0.0, float(boundary - np.median(per_position))))

    across = axis(np.square(np.diff(grey, axis=1)))
    down = axis(np.square(np.diff(grey, axis=0)).T)
    return min(min(across, down), 30.0)


def detail_map(grads: tuple[np.ndarray, ...], laplace: np.ndarray, grey8: np.ndarray) -> np.ndarray:
    """Where the photo's detail and noise are, on a DETAIL_GRID x DETAIL_GRID grid of tiles over the frame.

    Frames of one burst are aligned to a few pixels, so the same tile of two siblings shows the
    same patch of the scene: comparing them tile by tile tells blur and noise apart from what the
    scene holds (`frame_model` does this at group time). Per tile (float32, DETAIL_CHANNELS x
    GRID x GRID): the mean energy of the gradient at the fine and the coarse scale (the ratio gives
    the edge width, whatever the exposure), the mean energy of the 3x3 Laplacian-difference filter
    (noise and the finest detail: 36 sigma^2 on pure noise), the share of pixels clear of
    black and white (clipped pixels hold neither detail nor noise), and the mean linear light
    (siblings' exposures compared on the tiles clear in every frame: light that went into blown
    highlights does not show in a frame's mean over the whole frame). `grads` are the fine and
    coarse gradients (x, y, x, y) of `edge_signals`, `laplace` the filter's response. Maps saved
    before the light channel existed have the first four channels only.
    """
    import cv2

    h, w = grey8.shape
    # cropped to whole tiles: OpenCV's area resize is a fast box mean only for an integer ratio
    crop = (slice(0, max(1, h // DETAIL_GRID) * DETAIL_GRID), slice(0, max(1, w // DETAIL_GRID) * DETAIL_GRID))

    def tiles(a: np.ndarray) -> np.ndarray:
        return cv2.resize(a[crop], (DETAIL_GRID, DETAIL_GRID), interpolation=cv2.INTER_AREA)

    fx, fy, cx, cy = grads
    return np.stack([
        tiles(_energy(fx, fy)),
        tiles(_energy(cx, cy)),
        tiles(cv2.multiply(laplace, laplace)),
        tiles(cv2.inRange(grey8, 4, 251)).astype(np.float32) / 255.0,
        tiles(cv2.LUT(grey8, _linear_lut())),
    ]).astype(np.float32)


def face_signals(found: list[faces_mod.Face] | None) -> dict[str, float | None]:
    if found is None:
        return {"faces": None, "eyes_closed": None, "eyes_open": None}
    judged = [f for f in found if f.eyes_open is not None]
    closed = sum(1 for f in judged if not f.eyes_open)
    return {"faces": float(len(found)), "eyes_closed": float(closed),
            "eyes_open": (len(judged) - closed) / len(judged) if judged else None}


def noise_sigma(grey: np.ndarray, grey8: np.ndarray | None = None, tile: int = 16,
                laplace: np.ndarray | None = None) -> float:
    """Noise sigma in grey levels (Immerkaer's filter, low percentile over unclipped tiles);
    `laplace` is the filter's response when already computed."""
    import cv2

    if laplace is None:
        laplace = cv2.filter2D(grey, cv2.CV_32F, _LAPLACE_DIFF)
    response = cv2.absdiff(laplace, 0.0)
    h, w = grey.shape
    th, tw = h // tile, w // tile
    if th == 0 or tw == 0:
        return float(np.sqrt(np.pi / 2) * response.mean() / 6.0)
    crop = (slice(0, th * tile), slice(0, tw * tile))
    mean_abs = cv2.resize(response[crop], (tw, th), interpolation=cv2.INTER_AREA)  # exact box mean
    if grey8 is None:
        grey8 = np.clip(grey, 0, 255).astype(np.uint8)
    # Clipped pixels show no noise: keep the tiles where every pixel is clear of black and white.
    clear = cv2.resize(cv2.inRange(grey8[crop], 4, 251), (tw, th), interpolation=cv2.INTER_AREA)
    usable = clear >= 255
    values = mean_abs[usable] if np.count_nonzero(usable) >= 8 else mean_abs.ravel()
    return float(np.sqrt(np.pi / 2) * np.percentile(values, 10) / 6.0)


@functools.lru_cache(maxsize=8)
def _noise_gain(sigma: float) -> float:
    """Variance of one Sobel component of Gaussian(sigma)-smoothed unit white noise."""
    import cv2

    delta = np.zeros((41, 41), np.float32)
    delta[20, 20] = 1.0
    gx = cv2.Sobel(_smooth(delta, sigma), cv2.CV_32F, 1, 0, ksize=3)
    return float((gx.astype(np.float64) ** 2).sum())


def _smooth(image: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    # Kernel cut at +-3 sigma (OpenCV's default for float images is +-4: 13 taps instead of 11).
    k = 2 * math.ceil(3 * sigma) + 1
    return cv2.GaussianBlur(image, (k, k), sigma)


def _gradients(grey: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    smooth = _smooth(grey, sigma)
    return (cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3))


def _energy(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """gx^2 + gy^2, with magnitudes below 1e-6 grey levels set to 0: smoothing leaves denormal
    floats in flat areas, and squaring them is ~50x slower than squaring anything else."""
    import cv2

    magnitude = cv2.threshold(cv2.magnitude(gx, gy), 1e-6, 0.0, cv2.THRESH_TOZERO)[1]
    return cv2.multiply(magnitude, magnitude)


def edge_width(ratio: float) -> float:
    """Gaussian edge width b (px) whose fine/coarse gradient energy ratio is `ratio`."""
    r2 = min(max(ratio * ratio, 1.0 + 1e-4), (COARSE_SIGMA / FINE_SIGMA) ** 2 - 1e-4)
    return math.sqrt(max((COARSE_SIGMA ** 2 - r2 * FINE_SIGMA ** 2) / (r2 - 1.0), 0.0))


def sharpness_from_width(b: float) -> float:
    return 1.0 / (1.0 + (b / SHARP_HALF_WIDTH) ** 2)


def edge_signals(grey: np.ndarray, sigma: float, found: list[faces_mod.Face],
                 grads: tuple[np.ndarray, ...] | None = None) -> dict[str, float | None]:
    """sharpness and motion_blur of a float32 grey image with noise sigma `sigma` (`grads`: its
    fine and coarse gradients x, y, x, y when already computed)."""
    fx, fy, cx, cy = grads or (_gradients(grey, FINE_SIGMA) + _gradients(grey, COARSE_SIGMA))
    noise_f = NOISE_MARGIN * sigma * sigma * _noise_gain(FINE_SIGMA)  # per gradient component
    noise_c = NOISE_MARGIN * sigma * sigma * _noise_gain(COARSE_SIGMA)
    coarse2 = _energy(cx, cy)
    floor = max(16.0 * 2.0 * noise_c, 64.0)  # 4x the noise's magnitude, and >= 1 grey level/px
    threshold = max(float(np.percentile(coarse2[::4, ::4], 100 * (1 - EDGE_FRACTION))), floor)
    edges = np.flatnonzero(coarse2 >= threshold)
    if edges.size < 32:
        featureless = float(grey.std()) < 2.0
        return {"sharpness": None if featureless else 0.0, "motion_blur": None}

    h, w = grey.shape
    grads = (fx.ravel(), fy.ravel(), cx.ravel(), cy.ravel())
    weight = _centre_weight(edges, h, w)
    tf, tc = _tensors([g[edges] for g in grads], weight, noise_f, noise_c)
    b_min, b_max = principal_widths(tf, tc)
    widths = _faces_widths(grads, coarse2, found, floor, noise_f, noise_c) or (b_min, b_max)
    # A shaken frame is sharp along the shake and smeared across it: count both directions.
    b = math.sqrt((widths[0] ** 2 + widths[1] ** 2) / 2.0)
    anisotropy = (b_max - b_min) / max(b_max + b_min, 1e-6)
    return {"sharpness": sharpness_from_width(b), "motion_blur": _clamp01((anisotropy - 0.05) / 0.25)}


def _tensors(values, weight, noise_f, noise_c) -> tuple[np.ndarray, np.ndarray]:
    """Weighted 2x2 gradient tensors (fine, coarse) with the noise's expected energy removed."""
    gfx, gfy, gcx, gcy = values
    wsum = float(weight.sum())

    def tensor(gx, gy, noise):
        wx = gx * weight
        xy = float(np.dot(wx, gy))
        return np.array([[float(np.dot(wx, gx)) - noise * wsum, xy],
                         [xy, float(np.dot(gy * weight, gy)) - noise * wsum]])

    return tensor(gfx, gfy, noise_f), tensor(gcx, gcy, noise_c)


def principal_widths(tf: np.ndarray, tc: np.ndarray) -> tuple[float, float]:
    """(narrowest, widest) edge width over directions, from fine/coarse gradient tensors.

    Directions with almost no edge energy (a photo of only vertical lines has none across them)
    are skipped: their ratio would be noise.
    """
    angles = np.linspace(0.0, np.pi, 36, endpoint=False)
    d = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    ef = np.einsum("ni,ij,nj->n", d, tf, d)
    ec = np.einsum("ni,ij,nj->n", d, tc, d)
    usable = ec > 0.05 * max(float(ec.max()), 1e-9)
    ratios = np.sqrt(np.maximum(ef[usable], 1e-9) / ec[usable])
    return edge_width(float(ratios.max())), edge_width(float(ratios.min()))


def _faces_widths(grads, coarse2, found, floor, noise_f, noise_c) -> tuple[float, float] | None:
    """Principal edge widths over the faces (the strongest quarter of each face's gradients)."""
    h, w = coarse2.shape
    picked = []
    for face in found:
        x, y, fw, fh = face.box
        x0, y0 = max(0, x - fw // 10), max(0, y - fh // 10)
        x1, y1 = min(w, x + fw + fw // 10), min(h, y + fh + fh // 10)
        c2 = coarse2[y0:y1, x0:x1]
        if c2.size == 0:
            continue
        ys, xs = np.nonzero(c2 >= max(float(np.percentile(c2, 75)), floor))
        picked.append((ys + y0) * w + (xs + x0))
    edges = np.concatenate(picked) if picked else np.zeros(0, np.int64)
    if edges.size < MIN_FACE_EDGE_PIXELS:
        return None
    tf, tc = _tensors([g[edges] for g in grads], np.ones(edges.size, np.float32), noise_f, noise_c)
    if tc[0, 0] + tc[1, 1] <= 0:
        return None
    return principal_widths(tf, tc)


def _centre_weight(flat_index: np.ndarray, h: int, w: int) -> np.ndarray:
    """1 at the centre falling to 0.4 in the corners: the subject is usually near the middle."""
    ys, xs = np.divmod(flat_index, w)
    dy = (ys.astype(np.float32) + 0.5) / h - 0.5
    dx = (xs.astype(np.float32) + 0.5) / w - 0.5
    return 1.0 - 1.2 * (dx * dx + dy * dy)


def _scaled_face(face: faces_mod.Face, k: float) -> faces_mod.Face:
    x, y, w, h = face.box
    return faces_mod.Face((round(x * k), round(y * k), max(1, round(w * k)), max(1, round(h * k))),
                          face.eyes_open, tuple((round(a * k), round(b * k), round(c * k), round(d * k))
                                                for a, b, c, d in face.eyes))


def _clamp01(v: float) -> float:
    return 0.0 if v < 0.0 else 1.0 if v > 1.0 else float(v)
