"""What culler asks a vision-language model, and how its answers are read.

Two questions: a critique of one photo (verdict keep / maybe / reject, a 1-10 score, issues from
a fixed list, one sentence) and the ranking of a burst's frames, best first, with each frame's
strengths and weaknesses. Each goes with a small evidence block of culler's own readings (a
handful of numbers: a few help a judge, a dozen make it confidently wrong). Answers are asked for
as JSON through `response_format`; `parse_critique` / `parse_ranking` also read the looser answers
of servers that ignore or refuse the schema, and return None for an answer they cannot read.
Bumping PROMPT_VERSION makes cached answers stale (the cache key includes it).
"""

from __future__ import annotations

import base64
import io
import json
import math
import re

PROMPT_VERSION = "1"
VERDICTS = ("keep", "maybe", "reject")
ISSUES = ("focus", "motion", "exposure", "eyes", "expression", "composition", "noise", "other")
MAX_LONG_EDGE = 1024

CRITIQUE_SCHEMA = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": list(VERDICTS)},
        "score": {"type": "integer", "minimum": 1, "maximum": 10},
        "issues": {"type": "array", "items": {"type": "string", "enum": list(ISSUES)}},
        "critique": {"type": "string"},
    },
    "required": ["verdict", "score", "issues", "critique"],
    "additionalProperties": False,
}

RANKING_SCHEMA = {
    "type": "object",
    "properties": {
        "ranking": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "frame": {"type": "integer", "minimum": 1},
                "strengths": {"type": "string"},
                "weaknesses": {"type": "string"},
            },
            "required": ["frame", "strengths", "weaknesses"],
            "additionalProperties": False,
        }},
    },
    "required": ["ranking"],
    "additionalProperties": False,
}

_SYSTEM = ("You are an experienced photo editor helping a photographer cull a shoot. Judge what a "
           "photographer would: focus on the subject, motion blur, exposure, eyes, expression, "
           "timing and composition. Be brief and concrete. Answer only with JSON.")

_CRITIQUE_ASK = (
    "Should this photo be kept? Answer with JSON: {\"verdict\": \"keep\"|\"maybe\"|\"reject\", "
    "\"score\": 1-10, \"issues\": [any of " + ", ".join(ISSUES) + "], \"critique\": one sentence}.")

_RANKING_ASK = (
    "These {n} frames come from one burst. Rank them, best first, for what a photographer keeps: "
    "expression, gesture, eyes, timing, then sharpness. Answer with JSON: {{\"ranking\": "
    "[{{\"frame\": number, \"strengths\": short text, \"weaknesses\": short text}}, ...]}} "
    "listing every frame once.")


def response_format(name: str, schema: dict) -> dict:
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


def jpeg_data_uri(rgb, quality: int = 85) -> str:
    """An RGB uint8 array (already decoded at most MAX_LONG_EDGE px) as a JPEG data URI."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def evidence(signals: dict | None, group_size: int = 1, group_rank: int = 1) -> str:
    """culler's readings as a few short lines (missing readings are left out)."""
    s = signals or {}
    lines = []
    if s.get("sharpness") is not None:
        lines.append(f"sharpness on subject {s['sharpness']:.2f} (0-1, 0.5 = crisp enough)")
    if s.get("motion_blur") is not None:
        lines.append(f"motion blur {s['motion_blur']:.2f} (0-1)")
    clip = [f"{s[k] * 100:.0f} % {word}" for k, word in (("highlights_clipped", "highlights clipped"),
                                                         ("shadows_clipped", "shadows clipped"))
            if s.get(k) is not None]
    if clip:
        lines.append(", ".join(clip))
    if s.get("faces"):
        closed = int(s.get("eyes_closed") or 0)
        lines.append(f"{int(s['faces'])} face(s), eyes closed on {closed}")
    if group_size > 1:
        lines.append(f"frame of a burst of {group_size}; culler ranks it {group_rank} of {group_size}")
    return "culler's measurements (may be wrong):\n- " + "\n- ".join(lines) if lines else ""


def critique_messages(image_uri: str, evidence_text: str) -> list[dict]:
    text = _CRITIQUE_ASK + ("\n\n" + evidence_text if evidence_text else "")
    return [{"role": "system", "content": _SYSTEM},
            {"role": "user", "content": [{"type": "text", "text": text},
                                         {"type": "image_url", "image_url": {"url": image_uri}}]}]


def ranking_messages(image_uris: list[str], evidence_texts: list[str]) -> list[dict]:
    parts: list[dict] = [{"type": "text", "text": _RANKING_ASK.format(n=len(image_uris))}]
    for i, (uri, ev) in enumerate(zip(image_uris, evidence_texts), start=1):
        parts.append({"type": "text", "text": f"Frame {i}." + (" " + ev if ev else "")})
        parts.append({"type": "image_url", "image_url": {"url": uri}})
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": parts}]


# ------------------------------------------------------------------------------------ reading
def _json_object(text: str):
    """The first JSON object in `text` (code fences and chatter around it are ignored)."""
    if not isinstance(text, str):
        return None
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = json.JSONDecoder().raw_decode(text[start:])
            if isinstance(obj, dict):
                return obj
        except ValueError:
            pass
        start = text.find("{", start + 1)
    return None


_VERDICT_WORDS = {"keep": "keep", "keeper": "keep", "pick": "keep", "accept": "keep", "yes": "keep",
                  "maybe": "maybe", "unsure": "maybe", "borderline": "maybe",
                  "reject": "reject", "discard": "reject", "delete": "reject", "no": "reject"}


def _verdict(value) -> str | None:
    return _VERDICT_WORDS.get(str(value).strip().lower()) if value is not None else None


def _score(value) -> int | None:
    try:
        f = float(str(value).split("/")[0])
    except (TypeError, ValueError):
        return None
    return round(min(10.0, max(1.0, f))) if math.isfinite(f) else None


def _issues(value) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[,;]", value) if isinstance(value, str) else []
    out = []
    for item in items:
        word = str(item).strip().lower()
        if not word:
            continue
        word = next((i for i in ISSUES if i in word), "other")
        if word not in out:
            out.append(word)
    return out


def parse_critique(text: str) -> dict | None:
    """{"verdict", "score", "issues", "critique"} from an answer, or None when unreadable.

    Strict JSON first; then any JSON object in the text; then 'verdict: keep' / 'score: 7'
    patterns. A verdict is required; a missing score is derived from it."""
    obj = _json_object(text) or {}
    verdict = _verdict(obj.get("verdict"))
    score = _score(obj.get("score"))
    if verdict is None and isinstance(text, str):
        m = re.search(r"verdict\W{0,5}(keep|maybe|reject)", text, re.IGNORECASE)
        verdict = m.group(1).lower() if m else None
        m = re.search(r"score\W{0,5}(\d+(?:\.\d+)?)", text, re.IGNORECASE)
        score = score or (_score(m.group(1)) if m else None)
    if verdict is None:
        return None
    if score is None:
        score = {"keep": 7, "maybe": 5, "reject": 3}[verdict]
    critique = obj.get("critique") or obj.get("reason") or obj.get("comment") or ""
    return {"verdict": verdict, "score": score, "issues": _issues(obj.get("issues")),
            "critique": " ".join(str(critique).split())[:500]}


def parse_ranking(text: str, n_frames: int) -> list[dict] | None:
    """[{"frame": 1-based index, "strengths", "weaknesses"}] best first, every frame once
    (frames the model left out follow in their own order), or None when unreadable."""
    obj = _json_object(text)
    items = obj.get("ranking") if isinstance(obj, dict) else None
    if not isinstance(items, list):
        return None
    seen: list[dict] = []
    for item in items:
        frame = item.get("frame") if isinstance(item, dict) else item
        try:
            frame = int(frame)
        except (TypeError, ValueError):
            continue
        if 1 <= frame <= n_frames and all(s["frame"] != frame for s in seen):
            extra = item if isinstance(item, dict) else {}
            seen.append({"frame": frame, "strengths": str(extra.get("strengths") or ""),
                         "weaknesses": str(extra.get("weaknesses") or "")})
    if not seen:
        return None
    seen += [{"frame": f, "strengths": "", "weaknesses": ""}
             for f in range(1, n_frames + 1) if all(s["frame"] != f for s in seen)]
    return seen
