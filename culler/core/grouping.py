"""Group bursts, near-duplicates, exposure brackets and panoramas.

How two photos end up in one group:

1. Time splits the album into *scenes*: photos sorted by capture time, cut wherever the gap is
   longer than `time_gap_s`. Photos are only compared inside a scene, and only with the next
   `window` photos of the sequence, so the cost grows linearly with the album (never all pairs).
   Photos without a capture time are compared with their neighbours in filename order instead.
2. A pair is "the same moment" when the checks that have data agree:
   - the tiny 32x32 grey images: tone-matched (so exposure changes and clipping do not count),
     allowed to shift by `max_shift_px`, and compared region by region (each region may shift a
     little on its own, so a slightly different framing still matches); `pixel_corr` is needed
     in the *worst* region, so a different subject in front of the same background fails even
     though the whole-image correlation is high (semantic embeddings alone over-group there);
   - CLIP embeddings (cosine >= `similarity`), for photos of one scene taken seconds or minutes
     apart (or without capture times and more than 2 apart in filename order): the semantic
     check on top of the pixel check;
   - frames less than `burst_gap_s` apart (a burst) only need `pixel_corr` over the whole image
     and no embedding check: a moving subject changes one region between frames without
     changing the moment, and a blurred, dark or noisy frame can move a semantic embedding more
     than its pixels;
   - without tiny images, embeddings alone need a stricter cosine unless the frames are a burst;
     with neither, frames less than `burst_gap_s` apart still form a burst.
   Groups are the connected pairs (single linkage).
3. Before that, runs of consecutive frames are recognised as exposure *brackets* (distinct
   exposure_bias values within seconds, e.g. -2/0/+2) or *panoramas* (consecutive frames whose
   content overlaps shifted sideways in a consistent direction). Those runs are groups of their
   own kind and are never offered for culling as duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

TINY = 32  # tiny images are TINY x TINY grey, values 0-1


@dataclass(frozen=True)
class GroupingParams:
    """The knobs a user can move. Tighter similarity/pixel_corr -> more, smaller groups."""

    time_gap_s: float = 120.0  # a longer pause starts a new scene; scenes are never merged
    similarity: float = 0.85  # CLIP cosine needed between two photos of one group
    pixel_corr: float = 0.90  # tiny-image agreement needed (worst region; whole image in a burst)
    burst_gap_s: float = 1.0  # frames closer than this are one burst
    window: int = 8  # each photo is compared with this many following photos of its scene
    max_shift_px: int = 1  # hand-held shift allowed, in tiny-image pixels (1 px = 3 % of the frame)
    embedding_only_margin: float = 0.07  # stricter cosine when there is no pixel check
    bracket_gap_s: float = 4.0  # max pause between frames of one exposure bracket
    bracket_min_ev: float = 0.6  # biases of a bracket must span at least this many EV
    bracket_pixel_corr: float = 0.6  # lenient look-alike check for brackets (whole image)
    panorama_gap_s: float = 15.0  # max pause between frames of one panorama
    panorama_corr: float = 0.9  # correlation of the overlap (>= 37 % of the frame) between frames
    min_texture: float = 0.03  # tiny images flatter than this (std) cannot prove a panorama


@dataclass
class GroupInput:
    """What grouping needs to know about one photo (all but photo_id may be missing)."""

    photo_id: int
    captured_at: datetime | None = None
    embedding: np.ndarray | None = None  # L2-normalised CLIP embedding (512-d)
    tiny: np.ndarray | None = None  # 32x32 float32 grey 0-1, see tiny_image()
    exposure_bias: float | None = None  # EV, from EXIF
    order: int | None = None  # position in filename order; None = position in the input list


@dataclass
class Group:
    """Photo ids in capture order, and what kind of group they form (see records.GROUP_KINDS).

    Iterating over a Group yields its ids, so it also works where a list of ids is expected.
    """

    ids: list[int]
    kind: str = "single"  # 'single' | 'burst' | 'duplicates' | 'bracket' | 'panorama'

    def __iter__(self):
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        return self.ids[i]


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


def group(items: list[GroupInput], params: GroupingParams | None = None) -> list[Group]:
    """Partition the photos into groups (singles included), in capture order."""
    p = params or GroupingParams()
    n = len(items)
    if n == 0:
        return []
    seq = _Sequence(items, p)
    tinies = _TinySet([it.tiny for it in items])
    emb = _embedding_matrix(items)

    special = _brackets(seq, tinies, p)
    claimed = {i for run, _ in special for i in run}
    special += [(run, "panorama") for run in _panoramas(seq, tinies, p, claimed)]
    taken = np.zeros(n, bool)
    for run, _kind in special:
        taken[run] = True

    uf = _UnionFind(n)
    for a, b in seq.candidate_pairs(p.window):  # nearest neighbours first
        roots = uf.roots()
        keep = ~(taken[a] | taken[b]) & (roots[a] != roots[b])  # linked already: nothing to learn
        a, b = a[keep], b[keep]
        if len(a):
            same = _same_moment(a, b, seq, tinies, emb, p)
            for i, j in zip(a[same].tolist(), b[same].tolist()):
                uf.union(i, j)
    members: dict[int, list[int]] = {}
    for i in np.flatnonzero(~taken).tolist():
        members.setdefault(uf.find(i), []).append(i)

    found = special + [(idx, _kind_of(idx, seq, p)) for idx in members.values()]
    rank = seq.rank
    out = []
    for idx, kind in sorted(found, key=lambda g: min(rank[i] for i in g[0])):
        idx = sorted(idx, key=lambda i: rank[i])
        out.append(Group([items[i].photo_id for i in idx], kind))
    return out


class _Sequence:
    """Capture order: timed photos by time (then filename order), untimed ones after, by order."""

    def __init__(self, items: list[GroupInput], p: GroupingParams):
        n = len(items)
        self.bias = [_ev(it.exposure_bias) for it in items]
        self.order = np.array([i if it.order is None else it.order for i, it in enumerate(items)], np.int64)
        # naive local times are compared as they are; an aware one is read as its local wall time
        times = [None if it.captured_at is None else it.captured_at.replace(tzinfo=None) for it in items]
        self.timed = np.array([t is not None for t in times], bool)
        t0 = min((t for t in times if t is not None), default=None)
        self.t = np.array([(t - t0).total_seconds() if t is not None else np.nan for t in times], np.float64)
        timed = np.flatnonzero(self.timed)
        timed = timed[np.lexsort((self.order[timed], self.t[timed]))]
        untimed = np.flatnonzero(~self.timed)
        untimed = untimed[np.argsort(self.order[untimed], kind="stable")]
        self.by_time = timed
        self.by_name = np.argsort(self.order, kind="stable")
        self.rank = np.empty(n, np.int64)
        self.rank[np.concatenate([timed, untimed])] = np.arange(n)
        self.scene = np.full(n, -1, np.int64)
        self.scene[timed] = np.concatenate([[0], np.cumsum(np.diff(self.t[timed]) > p.time_gap_s)])[:len(timed)]

    def dt(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Seconds between photos (NaN when either has no time)."""
        return np.abs(self.t[a] - self.t[b])

    def candidate_pairs(self, window: int):
        """Pairs worth comparing, by distance k = 1..window: k apart in time order within a
        scene, or k apart in filename order when either photo has no capture time."""
        for k in range(1, window + 1):
            pa, pb = [], []
            for s, timed in ((self.by_time, True), (self.by_name, False)):
                if len(s) > k:
                    a, b = s[:-k], s[k:]
                    ok = self.scene[a] == self.scene[b] if timed else ~(self.timed[a] & self.timed[b])
                    pa.append(a[ok])
                    pb.append(b[ok])
            if not pa:
                return
            yield np.concatenate(pa), np.concatenate(pb)

    def runs(self, max_gap_s: float) -> list[list[int]]:
        """Stretches of consecutive photos at most max_gap_s apart; photos without a capture
        time form stretches of neighbours in filename order."""
        out = []
        s = self.by_time
        if len(s) > 1:
            cuts = np.flatnonzero(np.diff(self.t[s]) > max_gap_s) + 1
            out += [r.tolist() for r in np.split(s, cuts) if len(r) > 1]
        s = self.by_name[~self.timed[self.by_name]]
        if len(s) > 1:
            cuts = np.flatnonzero(np.diff(self.order[s]) > 2) + 1
            out += [r.tolist() for r in np.split(s, cuts) if len(r) > 1]
        return out


def _ev(value) -> float | None:
    try:
        v = round(float(value), 2)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


class _TinySet:
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


def _embedding_matrix(items: list[GroupInput]) -> tuple[np.ndarray, np.ndarray] | None:
    dims = {np.asarray(it.embedding).size for it in items if it.embedding is not None}
    if len(dims) != 1:
        return None  # none at all, or embeddings of different models that cannot be compared
    d = dims.pop()
    m = np.zeros((len(items), d), np.float32)
    for i, it in enumerate(items):
        if it.embedding is not None:
            m[i] = np.asarray(it.embedding, np.float32).reshape(-1)
    norm = np.linalg.norm(m, axis=1)
    has = np.isfinite(norm) & (norm > 0)
    m[has] /= norm[has, None]
    m[~has] = 0.0
    return m, has


def _same_moment(a, b, seq: _Sequence, tinies: _TinySet, emb, p: GroupingParams) -> np.ndarray:
    close = np.nan_to_num(seq.dt(a, b), nan=np.inf) <= p.burst_gap_s
    if emb is not None:
        m, has = emb
        has_emb = has[a] & has[b]
        cos = np.einsum("ij,ij->i", m[a], m[b])
    else:
        has_emb = np.zeros(len(a), bool)
        cos = np.zeros(len(a), np.float32)
    emb_ok = cos >= p.similarity
    has_px = tinies.has[a] & tinies.has[b]
    # Without capture times, neighbours in filename order stand in for a burst: the strict
    # pixel check suffices for them, as the time does not tell it is one.
    untimed_neighbours = ~(seq.timed[a] & seq.timed[b]) & (np.abs(seq.order[a] - seq.order[b]) <= 2)
    burst_ok = np.zeros(len(a), bool)
    dup_ok = np.zeros(len(a), bool)
    # The pixel check is the costly part: skip pairs the embeddings or a rank correlation settle.
    need = np.flatnonzero(has_px & (close | emb_ok | ~has_emb | untimed_neighbours))
    need = need[tinies.could_agree(a[need], b[need], p.pixel_corr)]
    if len(need):
        whole, worst = tinies.agreement(a[need], b[need], p.max_shift_px, enough=p.pixel_corr)
        burst_ok[need] = close[need] & (whole >= p.pixel_corr)
        dup_ok[need] = worst >= p.pixel_corr
    strict = min(0.995, p.similarity + p.embedding_only_margin)
    emb_only_ok = cos >= np.where(close, p.similarity, strict)
    with_px = burst_ok | (dup_ok & (emb_ok | ~has_emb | untimed_neighbours))
    return np.where(has_px, with_px, np.where(has_emb, emb_only_ok, close))


def _neighbour_pairs(runs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    a = [r[k] for r in runs for k in range(len(r) - 1)]
    b = [r[k + 1] for r in runs for k in range(len(r) - 1)]
    return np.array(a, np.int64), np.array(b, np.int64)


def _brackets(seq: _Sequence, tinies: _TinySet, p: GroupingParams) -> list[tuple[list[int], str]]:
    """Runs of consecutive frames within seconds whose exposure biases all differ and that look
    alike once tones are matched (a lenient check: +2 EV clips a lot)."""
    runs = seq.runs(p.bracket_gap_s)
    a, b = _neighbour_pairs(runs)
    bias = seq.bias
    cand = np.array([bias[i] is not None and bias[j] is not None and bias[i] != bias[j]
                     for i, j in zip(a.tolist(), b.tolist())], bool)
    alike = {}
    if cand.any():
        ca, cb = a[cand], b[cand]
        both = tinies.has[ca] & tinies.has[cb]
        whole = np.ones(len(ca), np.float32)
        if both.any():
            whole[both] = tinies.agreement(ca[both], cb[both], p.max_shift_px)[0]
        alike = {(i, j): w >= p.bracket_pixel_corr for i, j, w in zip(ca.tolist(), cb.tolist(), whole.tolist())}
    out = []
    for run in runs:
        cur: list[int] = []
        for i in run:
            # cur, when not empty, always ends with the previous frame of the run
            if cur and bias[i] not in [bias[j] for j in cur] and alike.get((cur[-1], i), False):
                cur.append(i)
                continue
            _keep_bracket(cur, seq, p, out)
            cur = [i] if bias[i] is not None else []
        _keep_bracket(cur, seq, p, out)
    return out


def _keep_bracket(cur: list[int], seq: _Sequence, p: GroupingParams, out: list) -> None:
    evs = [seq.bias[i] for i in cur]
    if len(cur) >= 2 and max(evs) - min(evs) >= p.bracket_min_ev:
        out.append((list(cur), "bracket"))


def _panoramas(seq: _Sequence, tinies: _TinySet, p: GroupingParams, claimed: set[int]) -> list[list[int]]:
    """Runs of consecutive frames that overlap sideways, all panning the same way."""
    runs = [[i for i in r if i not in claimed] for r in seq.runs(p.panorama_gap_s)]
    runs = [r for r in runs if len(r) > 1]
    a, b = _neighbour_pairs(runs)
    step = np.zeros(len(a), np.int64)  # +1 / -1: panning direction of a panorama step
    ok = np.flatnonzero(tinies.has[a] & tinies.has[b] & (tinies.texture[a] >= p.min_texture)
                        & (tinies.texture[b] >= p.min_texture))
    if len(ok):
        # near-duplicates are no panorama steps: skip the pairs a rank correlation already shows as such
        ok = ok[~tinies.could_agree(a[ok], b[ok], p.pixel_corr + tinies.PREFILTER_MARGIN - 0.05)]
    if len(ok):
        ok = ok[tinies.could_pan(a[ok], b[ok], p.panorama_corr - 0.05)]
    if len(ok):
        dx, side, static = tinies.side_shift(a[ok], b[ok])
        step[ok] = np.where((side >= p.panorama_corr) & (side > static + 0.1), np.sign(dx), 0)
    out, k = [], 0
    for run in runs:
        cur, direction = [run[0]], 0
        for nxt in run[1:]:
            s = int(step[k])
            k += 1
            if s != 0 and direction in (0, s):
                cur.append(nxt)
                direction = s
                continue
            if len(cur) >= 2:
                out.append(cur)
            cur, direction = [nxt], 0
        if len(cur) >= 2:
            out.append(cur)
    return out


def _kind_of(idx: list[int], seq: _Sequence, p: GroupingParams) -> str:
    if len(idx) == 1:
        return "single"
    if all(seq.timed[i] for i in idx) and np.all(np.diff(np.sort(seq.t[idx])) <= p.burst_gap_s):
        return "burst"
    return "duplicates"


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def roots(self) -> np.ndarray:
        parent = np.array(self.parent, np.int64)
        while True:
            up = parent[parent]
            if np.array_equal(up, parent):
                return parent
            parent = up

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)
