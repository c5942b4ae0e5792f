"""Reports of an album: every photo with its files, signals, score, group, suggestion and decision,
as CSV, JSON, or a self-contained HTML contact sheet.

The contact sheet opens offline: thumbnails are embedded as base64 JPEG data URIs, the style is
inline, there is no script at all, and a Content-Security-Policy forbids loading anything else.
Every piece of text (file names, reasons, errors) is escaped, so a file named
`<script>alert(1)</script>.jpg` shows as that text. CSV cells that a spreadsheet would read as a
formula (starting with = + - @) are prefixed with an apostrophe.

What a person reads uses one scale and plain words (culler.core.score_text): the contact sheet
and the CSV show scores 0-100 like the window (the JSON keeps 0-1, as `culler analyze --json`),
headings say "burst of 5" with the group's size in the album (not among the exported photos) and
no internal ids, cards say "best frame" or "2nd of 5", and a suggestion that contradicts the
score carries a reason saying why (in every format).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from culler.core.records import Decision, GroupRow, Photo
from culler.core.score_text import group_words, rank_words, reasons_with_contradiction, score_100, score_words

CSV_FIXED = ("path", "companions", "status", "error", "captured_at", "score (0-100)", "confidence (0-100)", "group",
             "group_kind", "group_size", "group_rank", "suggestion", "reasons", "flag", "rating", "label",
             "vlm_verdict", "vlm_score", "vlm_critique")


def photo_rows(photos: list[Photo], decisions: dict[int, Decision],
               signals: dict[int, dict[str, float | None]],
               scores: dict[int, tuple[float | None, float | None]],
               groups: dict[int, GroupRow], critiques: dict[int, dict] | None = None) -> list[dict]:
    """One JSON-able dict per photo, in the shape `culler analyze --json` uses for its photos;
    critiques: photo id -> a vision-language model's critique (store_vlm.py), as `vlm`."""
    rows = []
    for p in photos:
        g = groups.get(p.id)
        score, confidence = scores.get(p.id) or (None, None)
        rows.append({
            "id": p.id,
            "path": p.path,
            "companions": list(p.companions),
            "status": p.status,
            "error": p.error,
            "captured_at": p.meta.captured_at.isoformat() if p.meta.captured_at else None,
            "signals": {k: _number(v) for k, v in sorted((signals.get(p.id) or {}).items())},
            "score": _number(score),
            "confidence": _number(confidence),
            "group": g.group if g else (f"p{p.id}" if p.id is not None else p.path),
            "group_kind": g.kind if g else "single",
            "group_size": g.group_size if g else 1,
            "group_rank": g.group_rank if g else 1,
            "suggestion": g.suggestion if g else None,
            "reasons": reasons_with_contradiction(g.reasons, score, g.suggestion, g.group_size) if g else [],
            "decision": (decisions.get(p.id) or Decision()).to_json(),
            "vlm": (critiques or {}).get(p.id),
        })
    return rows


def _number(v):
    if v is None:
        return None
    f = float(v)
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def _atomic_write(path: Path, data: bytes) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, rows: list[dict], album_root: Path | None = None, extra: dict | None = None) -> None:
    doc = {"album": str(album_root) if album_root is not None else None, **(extra or {}), "photos": rows}
    _atomic_write(path, json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8"))


def _cell(v) -> str:
    s = "" if v is None else str(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def write_csv(path: Path, rows: list[dict]) -> None:
    """One line per photo; signals as `signal:NAME` columns; lists joined with '; '."""
    signal_names = sorted({k for r in rows for k in r["signals"]})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(list(CSV_FIXED) + [f"signal:{n}" for n in signal_names])
    for r in rows:
        d = r["decision"]
        fixed = [_cell(r["path"]), _cell("; ".join(r["companions"])), r["status"], _cell(r["error"]),
                 r["captured_at"] or "", _score_cell(r["score"]), _score_cell(r["confidence"]), _cell(r["group"]),
                 r["group_kind"], r["group_size"], r["group_rank"], r["suggestion"] or "",
                 _cell("; ".join(r["reasons"])), d["flag"], d["rating"], d["label"] or ""]
        v = r.get("vlm") or {}
        fixed += [v.get("verdict") or "", v.get("score") or "", _cell(v.get("critique"))]
        w.writerow(fixed + [_num_cell(r["signals"].get(n)) for n in signal_names])
    _atomic_write(path, buf.getvalue().encode("utf-8"))


def _num_cell(v) -> str:
    return "" if v is None else f"{v:.6g}"


def _score_cell(v) -> str:
    return "" if v is None else str(score_100(v))


# ---- HTML contact sheet ----------------------------------------------------------------------

_CSS = """
body{font:14px system-ui,sans-serif;margin:16px;background:#1e1e1e;color:#ddd}
h1{font-size:20px}h2{font-size:15px;margin:20px 0 6px;color:#aaa}
.group{display:flex;flex-wrap:wrap;gap:10px;border-top:1px solid #444;padding-top:8px}
.card{width:220px;background:#2a2a2a;border-radius:6px;padding:6px;border:2px solid transparent}
.card.pick{border-color:#3c9a4c}.card.reject{border-color:#b33a3a;opacity:.7}
.card.suggested{outline:2px dashed #3c9a4c;outline-offset:-6px}
.card img{width:208px;height:156px;object-fit:contain;background:#111;display:block}
.noimg{width:208px;height:156px;background:#111;color:#888;display:flex;align-items:center;
justify-content:center;text-align:center;font-size:12px}
.name{font-weight:600;word-break:break-all;margin-top:4px}.meta{color:#aaa;font-size:12px}
ul{margin:4px 0 0 16px;padding:0;font-size:12px}.err{color:#e88}
"""


def _thumbnail_uri(thumb) -> str | None:
    """A JPEG data URI from an RGB uint8 array (or JPEG bytes)."""
    if thumb is None:
        return None
    if isinstance(thumb, (bytes, bytearray)):
        data = bytes(thumb)
    else:
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(thumb).convert("RGB").save(buf, "JPEG", quality=80)
        data = buf.getvalue()
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _card(row: dict, thumbnail: Callable[[dict], object] | None) -> str:
    e = html.escape
    d = row["decision"]
    classes = ["card", d["flag"] if d["flag"] != "none" else ""]
    if row["suggestion"] == "pick" and d["flag"] == "none":
        classes.append("suggested")
    uri, why = None, "no preview"
    if thumbnail is not None and row["status"] == "ok":
        try:
            uri = _thumbnail_uri(thumbnail(row))
        except Exception as exc:  # a preview that cannot be made must not stop the report
            why = f"no preview: {exc}"
    image = (f'<img src="{e(uri)}" alt="{e(row["path"])}">' if uri
             else f'<div class="noimg">{e(row["error"] or why)}</div>')
    decision = d["flag"] if d["flag"] != "none" else "undecided"
    if d["rating"]:
        decision += f", {'★' * d['rating']}"
    if d["label"]:
        decision += f", {d['label']}"
    lines = [f'<div class="{e(" ".join(c for c in classes if c))}">', image,
             f'<div class="name">{e(row["path"])}</div>']
    if row["companions"]:
        lines.append(f'<div class="meta">+ {e(", ".join(row["companions"]))}</div>')
    place = rank_words(row["group_rank"], row["group_size"], row["group_kind"])
    facts = [score_words(row["score"]), group_words(row["group_kind"], row["group_size"])]
    facts += [place] if place else []
    facts += [f"suggested {row['suggestion']}"] if row["suggestion"] else []
    lines.append(f'<div class="meta">{e(" · ".join(facts))}</div>')
    lines.append(f'<div class="meta">decision: {e(decision)}</div>')
    if row.get("vlm"):
        v = row["vlm"]
        lines.append(f'<div class="meta">model: {e(v["verdict"])} {v["score"]}/10 · {e(v["critique"])}</div>')
    if row["status"] != "ok":
        lines.append(f'<div class="err">{e(row["error"] or "unreadable")}</div>')
    if row["reasons"]:
        lines.append("<ul>" + "".join(f"<li>{e(r)}</li>" for r in row["reasons"]) + "</ul>")
    lines.append("</div>")
    return "\n".join(lines)


def contact_sheet_html(rows: list[dict], thumbnail: Callable[[dict], object] | None = None,
                       title: str = "culler contact sheet") -> str:
    """The whole page as a string. thumbnail(row) -> RGB uint8 array, JPEG bytes or None."""
    e = html.escape
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    picks = sum(r["decision"]["flag"] == "pick" for r in rows)
    rejects = sum(r["decision"]["flag"] == "reject" for r in rows)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
             'img-src data:; style-src \'unsafe-inline\'">',
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(title)}</h1>",
             f'<p class="meta">{len(rows)} photos in {len(groups)} groups · {picks} picks · '
             f'{rejects} rejects · made {e(datetime.now().strftime("%Y-%m-%d %H:%M"))}. '
             "Scores and suggestions are advice; decisions are yours.</p>"]
    for members in groups.values():
        members = sorted(members, key=lambda r: r["group_rank"])
        size = members[0]["group_size"]  # in the album: an export may carry only some of them
        heading = group_words(members[0]["group_kind"], size)
        if 1 < size != len(members):
            heading += f" · {len(members)} of them here"
        parts.append(f"<h2>{e(heading[:1].upper() + heading[1:])}</h2><div class=\"group\">")
        parts.extend(_card(r, thumbnail) for r in members)
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(path: Path, rows: list[dict], thumbnail: Callable[[dict], object] | None = None,
               title: str = "culler contact sheet") -> None:
    _atomic_write(path, contact_sheet_html(rows, thumbnail, title).encode("utf-8"))


def write_report(path: Path, rows: list[dict], album_root: Path | None = None,
                 thumbnail: Callable[[dict], object] | None = None) -> str:
    """Write by extension (.csv, .json, .html/.htm); returns the format written. A folder that
    does not exist yet is made, as an export makes its destination (the report often goes in it)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".json", ".html", ".htm"):
        raise ValueError(f"cannot tell the report format of {path}: use .csv, .json or .html")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        write_csv(path, rows)
        return "csv"
    if suffix == ".json":
        write_json(path, rows, album_root)
        return "json"
    if suffix in (".html", ".htm"):
        title = f"culler — {Path(album_root).name}" if album_root is not None else "culler contact sheet"
        write_html(path, rows, thumbnail, title)
        return "html"
    raise ValueError(f"cannot tell the report format of {path}: use .csv, .json or .html")
