"""The pixel check of grouping: do two photos show the same moment, judged on their tiny images?

Each photo is reduced once to a 32x32 grey image (`tiny_image`, stored with the analysis). For
many pairs at once, `TinySet` then tells
- `agreement`: how well two tiny images agree once tone-matched (each mapped onto the other's
  tone curve, so exposure changes and clipping do not count), allowed to shift by a pixel or two,
  over the whole image and in the *worst* 8x8 region (each region may take its own small shift,
  so a slightly different framing still matches, a different subject does not);
- `could_agree`: a cheap rank-correlation prefilter that skips pairs far from agreeing;
- `side_shift` / `could_pan`: the sideways shift and overlap correlation that mark consecutive
  panorama frames.
Pure numpy (PIL only to shrink an image); used by culler.core.grouping.
"""

from __future__ import annotations

import numpy as np

TINY = 32  # tiny images are TINY x TINY grey, values 0-1


def tiny_image(rgb: np.ndarray) -> np.ndarray:
    """The 32x32 float32 grey (0-1) image the pixel check compares; any size of RGB/grey input."""
    from PIL import Image

    a = np.asarray(rgb)
    if a.ndim == 3:
        a = a[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    a = a.astype(np.float32)
    if a.max(initial=0.0) > 1.5:
        a = a / 255.0
    small = Image.fromarray(a, mode="F").resize((TINY, TINY), Image.Resampling.BOX)
    return np.asarray(small, np.float32)


class TinySet:
    """The tiny images prepared once for fast pairwise checks (blurred, standardised, ranked)."""

    BLUR_SIGMA = 0.6  # forgives sub-pixel shifts and point-like detail (stars, specular dots)
    STD_FLOOR = 0.05  # nearly flat images must not turn noise into "big" differences
    PREFILTER_MARGIN = 0.35  # rank correlation this far below pixel_corr cannot pass: skip

    def __init__(self, tinies: list[np.ndarray | None]):
        n = len(tinies)
        self.has = np.zeros(n, bool)
        raw = np.zeros((n, TINY, TINY), np.float32)
        fast = [i for i, t in enumerate(tinies)
                if isinstance(t, np.ndarray) and t.shape == (TINY, TINY) and t.dtype == np.float32]
        if fast:  # the usual case, as made by tiny_image(): no per-photo conversion
            raw[fast] = np.stack([tinies[i] for i in fast])
            ok = np.isfinite(raw[fast]).all(axis=(1, 2))
            self.has[np.array(fast)[ok]] = True
            raw[np.array(fast)[~ok]] = 0.0
            big = self.has & (raw.max(axis=(1, 2)) > 1.5)
            raw[big] /= 255.0
        for i in set(range(n)) - set(fast):
            a = _as_tiny(tinies[i])
            if a is not None:
                raw[i], self.has[i] = a, True
        raw = _blur(raw, self.BLUR_SIGMA)
        self.blurred = raw
        flat = raw.reshape(n, -1)
        self.texture = flat.std(axis=1)
        mu = flat.mean(axis=1, keepdims=True)
        self.z = ((flat - mu) / np.maximum(self.texture, self.STD_FLOOR)[:, None]).reshape(n, TINY, TINY)
        order = np.argsort(flat, axis=1)
        self.sorted = np.take_along_axis(self.z.reshape(n, -1), order, axis=1)
        self.rank = np.empty(order.shape, np.int16)
        np.put_along_axis(self.rank, order, np.arange(flat.shape[1], dtype=np.int16)[None, :], axis=1)

    def could_agree(self, a: np.ndarray, b: np.ndarray, pixel_corr: float) -> np.ndarray:
        """Cheap prefilter: pairs whose rank (Spearman) correlation is far too low to pass the
        full check. Ranks are a permutation of 0..n-1, so rho = 1 - 6 sum(d^2) / (n (n^2 - 1))."""
        out = np.zeros(len(a), bool)
        n = TINY * TINY
        for s in range(0, len(a), 8192):
            d = self.rank[a[s:s + 8192]].astype(np.int32) - self.rank[b[s:s + 8192]]
            rho = 1.0 - 6.0 * np.einsum("ij,ij->i", d, d).astype(np.float64) / (n * (n * n - 1))
            out[s:s + 8192] = rho >= pixel_corr - self.PREFILTER_MARGIN
        return out

    def agreement(self, a: np.ndarray, b: np.ndarray, max_shift: int, enough: float | None = None,
                  chunk: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """(whole-image, worst-region) agreement per pair, ~1 for the same frame, ~0 unrelated.

        Each image is mapped onto the other's tone curve (histogram matching: exposure changes
        and clipping are monotone, content changes are not), the best shift is chosen, and the
        mean squared difference of the standardised images becomes 1 - mse/2 (a correlation).
        Both directions are tried: mapping onto a clipped image loses nothing, the reverse does
        (pairs already at `enough` both ways after the first direction skip the second).
        """
        whole = np.full(len(a), -np.inf, np.float32)
        worst = np.full(len(a), -np.inf, np.float32)
        for s in range(0, len(a), chunk):
            ca, cb = a[s:s + chunk], b[s:s + chunk]
            w, r = self._one_way(ca, cb, max_shift)
            whole[s:s + chunk], worst[s:s + chunk] = w, r
            todo = np.arange(len(ca)) if enough is None else np.flatnonzero(np.minimum(w, r) < enough)
            if len(todo):
                w2, r2 = self._one_way(cb[todo], ca[todo], max_shift)
                whole[s + todo] = np.maximum(w[todo], w2)
                worst[s + todo] = np.maximum(r[todo], r2)
        return whole, worst

    def _one_way(self, x: np.ndarray, y: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        mapped = np.take_along_axis(self.sorted[y], self.rank[x].astype(np.intp), axis=1)
        mapped = mapped.reshape(-1, TINY, TINY)
        target = self.z[y][:, m:TINY - m, m:TINY - m]
        mse, regions = [], []
        for dy in range(-m, m + 1):
            for dx in range(-m, m + 1):
                d = mapped[:, m + dy:TINY - m + dy, m + dx:TINY - m + dx] - target
                cells = _cell_sums(d * d)
                mse.append(cells.sum(axis=(1, 2)) / (16 * cells.shape[1] * cells.shape[2]))
                # overlapping 8x8 regions, stride 4: 2x2 neighbouring cells
                r = cells[:, :-1, :-1] + cells[:, 1:, :-1] + cells[:, :-1, 1:] + cells[:, 1:, 1:]
                regions.append(r.reshape(len(x), -1) / 64.0)
        # Each region may take its own small shift: a slightly different framing (zoom, tilt)
        # moves the corners differently, a different subject matches at no shift.
        worst_region = np.min(regions, axis=0).max(axis=1)
        return 1 - np.min(mse, axis=0) / 2, 1 - worst_region / 2

    def could_pan(self, a: np.ndarray, b: np.ndarray, corr: float) -> np.ndarray:
        """Cheap prefilter for side_shift: do the column profiles (mean of each column) match
        at some sideways shift of 4-20 px? A pan moves the profile; unrelated frames rarely fit."""
        pa, pb = self.blurred[a].mean(axis=1), self.blurred[b].mean(axis=1)
        best = np.full(len(a), -np.inf)
        for dx in [d for d in range(-20, 21) if abs(d) >= 4]:
            x = pa[:, max(0, dx):TINY + min(0, dx)]
            y = pb[:, max(0, -dx):TINY + min(0, -dx)]
            x = x - x.mean(axis=1, keepdims=True)
            y = y - y.mean(axis=1, keepdims=True)
            c = (x * y).sum(axis=1) / (np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1)) + 1e-9)
            best = np.maximum(best, c)
        return best >= corr

    def side_shift(self, a: np.ndarray, b: np.ndarray, chunk: int = 1024
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each pair: (signed horizontal shift in px, correlation of the overlap) of the best
        sideways match - `a` shifted 4-20 px of 32 (the 37-87 % overlap of consecutive panorama
        frames) and up to 2 px vertically - and the best correlation without a sideways shift
        (|dx| <= 2). Normalised cross-correlation for all shifts at once via FFT."""
        shifts = [(dy, dx) for dy in range(-2, 3) for dx in range(-20, 21) if abs(dx) >= 4 or abs(dx) <= 2]
        dys = np.array([q[0] for q in shifts])
        dxs = np.array([q[1] for q in shifts])
        side = np.abs(dxs) >= 4
        count = (TINY - np.abs(dys)) * (TINY - np.abs(dxs))
        best_dx = np.zeros(len(a), np.int64)
        best_side = np.zeros(len(a))
        best_static = np.zeros(len(a))
        for s in range(0, len(a), chunk):
            ca, cb = a[s:s + chunk], b[s:s + chunk]
            uniq, inv = np.unique(np.concatenate([ca, cb]), return_inverse=True)
            spectra = np.fft.rfft2(self.blurred[uniq], s=(64, 64))  # each image once per chunk
            ia, ib = inv[:len(ca)], inv[len(ca):]
            cross = np.fft.irfft2(spectra[ia] * np.conj(spectra[ib]), s=(64, 64))[:, dys % 64, dxs % 64]
            sums, squares = _overlap_sums(self.blurred[uniq], dys, dxs)
            sa, saa = sums[ia], squares[ia]
            sums, squares = _overlap_sums(self.blurred[uniq], -dys, -dxs)
            sb, sbb = sums[ib], squares[ib]
            var = np.maximum(saa - sa * sa / count, 1e-9) * np.maximum(sbb - sb * sb / count, 1e-9)
            ncc = (cross - sa * sb / count) / np.sqrt(var)
            k = np.where(side, ncc, -np.inf).argmax(axis=1)
            rows = np.arange(len(ca))
            best_side[s:s + chunk], best_dx[s:s + chunk] = ncc[rows, k], dxs[k]
            best_static[s:s + chunk] = np.where(side, -np.inf, ncc).max(axis=1)
        return best_dx, best_side, best_static


def _overlap_sums(x: np.ndarray, dys: np.ndarray, dxs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum and sum of squares of x over rows max(0,dy)..TINY+min(0,dy) (and likewise columns)."""
    out = []
    for v in (x.astype(np.float64), x.astype(np.float64) ** 2):
        cs = np.zeros((len(v), TINY + 1, TINY + 1))
        cs[:, 1:, 1:] = v.cumsum(axis=1).cumsum(axis=2)
        y0, y1 = np.maximum(0, dys), TINY + np.minimum(0, dys)
        x0, x1 = np.maximum(0, dxs), TINY + np.minimum(0, dxs)
        out.append(cs[:, y1, x1] - cs[:, y0, x1] - cs[:, y1, x0] + cs[:, y0, x0])
    return out[0], out[1]


def _as_tiny(t) -> np.ndarray | None:
    if t is None:
        return None
    a = np.asarray(t, np.float32)
    if a.ndim == 3:
        a = a[..., :3].mean(axis=2)
    if a.ndim != 2 or a.size == 0 or not np.all(np.isfinite(a)):
        return None
    if a.shape != (TINY, TINY):
        a = tiny_image(a)
    elif a.max(initial=0.0) > 1.5:
        a = a / 255.0
    return a


def _blur(stack: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of every image in the stack (edges repeated), as two small matrix products."""
    n = stack.shape[1]
    r = max(1, int(round(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    m = np.zeros((n, n))
    for i in range(n):
        for off, w in zip(range(-r, r + 1), k):
            m[i, min(max(i + off, 0), n - 1)] += w
    m = m.astype(np.float32)
    return (m @ stack @ m.T).astype(np.float32)


def _cell_sums(d: np.ndarray) -> np.ndarray:
    """Sums of d over 4x4 cells of its centre (a multiple of 4), as (pairs, rows, cols): two
    batched matrix products, far faster than strided sums."""
    _p, h, w = d.shape
    rows, cols = _cell_matrix(h), _cell_matrix(w)
    return rows @ d @ cols.T


def _cell_matrix(n: int) -> np.ndarray:
    n4 = n - n % 4
    start = (n - n4) // 2
    m = np.zeros((n4 // 4, n), np.float32)
    for i in range(n4 // 4):
        m[i, start + 4 * i:start + 4 * i + 4] = 1.0
    return m
