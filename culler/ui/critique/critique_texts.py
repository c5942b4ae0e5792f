"""What the critique strips say, as plain words from plain data (no widgets): the model's verdict
on one photo next to culler's own reading, a burst's order by the model next to culler's, one
disagreement, and a failed run in the user's words."""

from __future__ import annotations

from html import escape

from culler.core.critique import adjusted_confidence

_VERDICT_COLOUR = {"keep": "#2e7d32", "maybe": "#a15c00", "reject": "#c62828"}  # readable on the light strip


def photo_text(critique: dict, score_confidence: tuple[float | None, float | None],
               suggestion_note: str = "") -> str:
    """The loupe strip for a photo the model answered about (rich text)."""
    verdict = critique["verdict"]
    colour = _VERDICT_COLOUR.get(verdict, "#cccccc")
    issues = ", ".join(critique.get("issues") or []) or "none"
    parts = [f"<b style='color:{colour}'>{verdict.upper()}</b> {critique['score']}/10",
             f"issues: {escape(issues)}"]
    score, confidence = score_confidence
    if score is not None:
        parts.append(f"culler {round(score * 100)}")
    adjusted = adjusted_confidence(score, confidence, critique)
    if confidence is not None and adjusted is not None:
        change = "agrees" if adjusted >= confidence else "disagrees"
        parts.append(f"confidence {round(confidence * 100)} → {round(adjusted * 100)} % (the model {change})")
    line = " · ".join(parts)
    sentence = critique.get("critique") or ""
    text = f"<b>{escape(critique.get('model') or 'model')}</b>: {line}"
    if sentence:
        text += f"<br><i>“{escape(sentence)}”</i>"
    if suggestion_note:
        text += f"<br>{escape(suggestion_note)}"
    return text


def ranking_text(names: dict[int, str], culler_order: list[int], ranking: dict | None, model: str) -> str:
    """The compare / survey strip: the model's order and reasons next to culler's (rich text)."""
    ours = " › ".join(escape(names[i]) for i in culler_order)
    if ranking is None:
        return (f"culler's order: {ours}<br>V asks {escape(model)} to rank these "
                f"{len(culler_order)} frames (the group is never reordered by it)")
    order = ranking["order"]
    same = " (the same)" if order == culler_order else ""
    lines = [f"<b>{escape(model)}</b>'s order: {' › '.join(escape(names[i]) for i in order)}{same}"
             f" · culler's: {ours}"]
    for pid in order:
        reason = ranking["reasons"].get(pid) or {}
        plus, minus = reason.get("strengths") or "", reason.get("weaknesses") or ""
        lines.append(f"{escape(names[pid])}: + {escape(plus) or '–'}; − {escape(minus) or '–'}")
    return "<br>".join(lines)


def disagreement_text(name: str, d: dict) -> str:
    """One entry of the disagreement list (plain text, for a menu)."""
    score = f"score {round(d['score'] * 100)}"
    if d["kind"] == "model_rejects":
        return f"{name} — the model rejects it ({d['model_score']}/10); culler puts it in the top quarter ({score})"
    return f"{name} — the model keeps it ({d['model_score']}/10); culler puts it in the bottom quarter ({score})"


def failure_text(message: str) -> str:
    """A failed run in plain words, with where to fix it."""
    if "(401)" in message or "(403)" in message:
        return f"The model server refused the key: {message}. Set it in Critique › Model settings…"
    if "not reachable" in message or "lost the connection" in message:
        return f"Could not reach the model: {message}"
    if "no answer within" in message:
        return f"The model did not answer in time: {message}"
    return f"Asking the model failed: {message}"
