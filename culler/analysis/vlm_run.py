"""Asking the model about a shortlist: plan first (what is cached, how many photos, how long, what
it costs, what the caps cut), then send, with progress and cancel, caching every answer.

`plan_critique` never sends anything; `run_critique` sends only what the plan lists. A malformed
answer is cached as malformed and the run goes on; a failed request (after the client's retries)
is reported and not cached, so the next run asks again; three failures in a row, an unreachable
endpoint or a refused key stop the run. No Qt here: the window and the CLI pass callbacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from culler.analysis import vlm_prompt as prompt
from culler.analysis.vlm_config import (
    VlmConfig,
    add_photos_sent,
    photos_sent_today,
    redact,
)
from culler.core.store_vlm import VlmAnswers, group_key

GUESS_SECONDS = {True: 20.0, False: 6.0}  # per photo, local / cloud, before anything was measured
MAX_FAILURES_IN_A_ROW = 3


@dataclass
class Job:
    kind: str  # 'photo' (one critique) or 'group' (rank a burst's frames)
    key: str  # cache key: the file hash, or the hash of the frames' hashes
    photo_ids: list[int]


@dataclass
class CritiquePlan:
    jobs: list[Job]
    cached: int  # photos / groups already answered for this model and prompt
    left_out: int  # jobs the per-run cap or the daily budget cut off
    images: int  # images the jobs send
    seconds: float
    seconds_measured: bool  # False: a guess, nothing measured yet for this model
    cost: float | None  # images * price_per_photo, when the user set a price

    def describe(self, config: VlmConfig) -> str:
        what = "group" if self.jobs and self.jobs[0].kind == "group" else "photo"
        text = (f"{len(self.jobs)} {what}(s) to ask ({self.images} image(s)) to {config.describe()}, "
                f"about {_duration(self.seconds)}{'' if self.seconds_measured else ' (a guess)'}")
        if self.cost is not None:
            text += f", cost about {self.cost:.2f}"
        if self.cached:
            text += f"; {self.cached} already answered (cached, not sent)"
        if self.left_out:
            text += (f"; {self.left_out} left out by the caps (max_photos_per_run "
                     f"{config.max_photos_per_run}, daily_photos {config.daily_photos})")
        return text


@dataclass
class CritiqueReport:
    asked: int = 0
    answered: int = 0
    malformed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (photo path, reason)
    stopped: str | None = None  # why the run ended early
    cancelled: bool = False
    structured: bool = True  # False: the server refused response_format
    request_bytes: int = 0
    response_bytes: int = 0
    seconds: float = 0.0


def plan_critique(store, album: Path, config: VlmConfig, data_dir: Path, *,
                  photo_ids: list[int] = (), groups: list[list[int]] = ()) -> CritiquePlan:
    """What asking about `photo_ids` (one critique each) or `groups` (one ranking each) would send."""
    answers = VlmAnswers(store)
    by_id = {p.id: p for p in store.photos()}
    wanted = [("photo", [pid]) for pid in photo_ids] + [("group", list(ids)) for ids in groups]
    jobs, cached = [], 0
    for kind, ids in wanted:
        hashes = [answers.content_hash(by_id[pid], album) for pid in ids]
        key = hashes[0] if kind == "photo" else group_key(hashes)
        if answers.get(kind, key, config.model, prompt.PROMPT_VERSION) is not None:
            cached += 1
        else:
            jobs.append(Job(kind, key, ids))
    allowed_images = max(0, min(config.max_photos_per_run, config.daily_photos - photos_sent_today(data_dir)))
    kept, images = [], 0
    for job in jobs:
        if images + len(job.photo_ids) > allowed_images:
            break
        kept.append(job)
        images += len(job.photo_ids)
    per_photo = config.seconds_per_photo or store.get(_timing_key(config))
    seconds = images * (per_photo or GUESS_SECONDS[config.local])
    cost = images * config.price_per_photo if config.price_per_photo is not None else None
    return CritiquePlan(kept, cached, len(jobs) - len(kept), images, seconds, per_photo is not None, cost)


def run_critique(store, album: Path, config: VlmConfig, data_dir: Path, plan: CritiquePlan, client, *,
                 progress: Callable[[int, int, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> CritiqueReport:
    """Send the plan's jobs through `client` (a VlmClient); progress(done, total, message)."""
    from culler.analysis.vlm_client import VlmCancelled, VlmError

    answers = VlmAnswers(store)
    by_id = {p.id: p for p in store.photos()}
    signals, groups = store.all_signals(), store.groups()
    report = CritiqueReport()
    progress = progress or (lambda done, total, message: None)
    cancelled = cancelled or (lambda: False)
    in_a_row = 0
    started = time.monotonic()
    for done, job in enumerate(plan.jobs):
        paths = [by_id[pid].path for pid in job.photo_ids]
        if cancelled():
            report.cancelled = True
            break
        progress(done, len(plan.jobs), paths[0])
        try:
            messages = _messages(job, by_id, signals, groups, album, config)
        except Exception as e:
            report.failed.append((paths[0], f"cannot be read ({e})"))
            continue
        schema = prompt.CRITIQUE_SCHEMA if job.kind == "photo" else prompt.RANKING_SCHEMA
        report.asked += 1
        try:
            answer = client.ask(messages, f"{job.kind}_critique", schema)
        except VlmCancelled:
            report.cancelled = True
            break
        except VlmError as e:
            report.failed.append((paths[0], redact(str(e), config)))
            in_a_row += 1
            if e.fatal or in_a_row >= MAX_FAILURES_IN_A_ROW:
                report.stopped = redact(str(e), config)
                break
            continue
        finally:
            report.structured = client.structured
        in_a_row = 0
        add_photos_sent(data_dir, len(job.photo_ids))
        report.request_bytes += answer.request_bytes
        report.response_bytes += answer.response_bytes
        parsed = (prompt.parse_critique(answer.text) if job.kind == "photo"
                  else _ranking(prompt.parse_ranking(answer.text, len(job.photo_ids))))
        status = "ok" if parsed is not None else "malformed"
        answers.put(job.kind, job.key, config.model, prompt.PROMPT_VERSION, status, parsed,
                    redact(answer.text, config))
        report.answered += parsed is not None
        report.malformed += parsed is None
        _remember_timing(store, config, answer.seconds / len(job.photo_ids))
    else:
        progress(len(plan.jobs), len(plan.jobs), "done")
    report.seconds = time.monotonic() - started
    return report


def group_rankings(store, album: Path, model: str, groups: list[list[int]]) -> dict[tuple[int, ...], dict]:
    """Cached rankings of these groups: (photo ids in culler's order) -> {"order": photo ids best
    first by the model, "reasons": {photo id: {"strengths", "weaknesses"}}}. Culler's own order
    is left as it is; showing the model's next to it is the caller's choice."""
    answers = VlmAnswers(store)
    by_id = {p.id: p for p in store.photos()}
    out = {}
    for ids in groups:
        key = group_key([answers.content_hash(by_id[pid], album) for pid in ids])
        hit = answers.get("group", key, model, prompt.PROMPT_VERSION)
        if hit and hit["status"] == "ok":
            ranking = hit["answer"]["ranking"]
            out[tuple(ids)] = {"order": [ids[r["frame"] - 1] for r in ranking],
                               "reasons": {ids[r["frame"] - 1]: {"strengths": r["strengths"],
                                                                 "weaknesses": r["weaknesses"]} for r in ranking}}
    return out


def _messages(job: Job, by_id: dict, signals: dict, groups: dict, album: Path, config: VlmConfig) -> list[dict]:
    from culler.core.decode import load_image

    long_edge = min(config.long_edge, prompt.MAX_LONG_EDGE)
    uris, evidence = [], []
    for pid in job.photo_ids:
        photo = by_id[pid]
        uris.append(prompt.jpeg_data_uri(load_image(Path(album) / photo.display_path, long_edge, exact=True)))
        g = groups.get(pid)
        evidence.append(prompt.evidence(signals.get(pid), g.group_size if g else 1, g.group_rank if g else 1))
    if job.kind == "photo":
        return prompt.critique_messages(uris[0], evidence[0])
    return prompt.ranking_messages(uris, evidence)


def _ranking(parsed: list[dict] | None) -> dict | None:
    return {"ranking": parsed} if parsed is not None else None


def _timing_key(config: VlmConfig) -> str:
    return f"vlm.seconds_per_photo.{config.model}"


def _remember_timing(store, config: VlmConfig, seconds: float) -> None:
    """A running mean of the seconds per photo, for the next plan's estimate."""
    old = store.get(_timing_key(config))
    store.set(_timing_key(config), seconds if old is None else 0.7 * old + 0.3 * seconds)


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"
