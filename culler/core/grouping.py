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

The tiny-image comparisons themselves (tone matching, shifts, regions, panorama shifts) live in
culler.core.pixel_match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from culler.core.pixel_match import TINY, TinySet, tiny_image  # noqa: F401 - TINY, tiny_image re-exported


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


def group(items: list[GroupInput], params: GroupingParams | None = None) -> list[Group]:
    """Partition the photos into groups (singles included), in capture order."""
    p = params or GroupingParams()
    n = len(items)
    if n == 0:
        return []
    seq = _Sequence(items, p)
    tinies = TinySet([it.tiny for it in items])
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


def _same_moment(a, b, seq: _Sequence, tinies: TinySet, emb, p: GroupingParams) -> np.ndarray:
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


def _brackets(seq: _Sequence, tinies: TinySet, p: GroupingParams) -> list[tuple[list[int], str]]:
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


def _panoramas(seq: _Sequence, tinies: TinySet, p: GroupingParams, claimed: set[int]) -> list[list[int]]:
    """Runs of consecutive frames that overlap sideways, all panning the same way."""
    runs = [[i for i in r if i not in claimed] for r in seq.runs(p.panorama_gap_s)]
    runs = [r for r in runs if len(r) > 1]
    a, b = _neighbour_pairs(runs)
    step = np.zeros(len(a), np.int64)  # +1 / -1: panning direction of a panorama step
    ok = np.flatnonzero(tinies.has[a] & tinies.has[b] & (tinies.texture[a] >= p.min_texture)
                        & (tinies.texture[b] >= p.min_texture))
    if len(ok):
        # near-duplicates (frames that match as they stand) are no panorama steps: the pairs whose
        # rank correlation already shows it are skipped here (cheaply), the rest below
        ok = ok[~tinies.could_agree(a[ok], b[ok], p.pixel_corr + tinies.PREFILTER_MARGIN + 0.05)]
    if len(ok):
        ok = ok[tinies.could_pan(a[ok], b[ok], p.panorama_corr - 0.05)]
    if len(ok):
        dx, side, static = tinies.side_shift(a[ok], b[ok])
        pans = (side >= p.panorama_corr) & (side > static + 0.1) & (static < p.pixel_corr)
        step[ok] = np.where(pans, np.sign(dx), 0)
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
