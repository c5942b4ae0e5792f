"""The end of a time-budget review: time spent against the budget, photos seen, and picks and
rejects by score band — which answers "did the low-scored photos hide keepers?" — plus the same
pick rates across earlier reviews of this album (from the store) and across albums (a JSON-lines
file in the data folder), so over several shoots the user sees whether the scores earn their trust.
Scores read 0-100 as everywhere in the window (the stored bands keep their 0-1 names); "seen"
follows culler.core.review_seen, whose rule the page states.
"""

from __future__ import annotations

import json
import logging
from html import escape
from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from culler.core.review_seen import RULE
from culler.ui.base import theme
from culler.ui.review.review_setup import duration_text

log = logging.getLogger(__name__)
HISTORY_FILE = "review_history.jsonl"
BAND_NAMES = ("0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0")
LOW_BANDS, HIGH_BANDS = BAND_NAMES[:2], BAND_NAMES[3:]
HISTORY_ROWS = 6  # earlier reviews listed one by one (the totals cover all of them)

STYLE = """
QWidget#reviewSummary { background-color: #1e1e1e; }
QWidget#reviewSummary QLabel { background: transparent; }
QLabel#summaryTitle { font-size: 15pt; color: #ececec; }
QLabel#summaryTotals { font-size: 10.5pt; color: #cfcfcf; }
QLabel#summaryAnswer { color: #bdbdbd; }
QLabel#summaryLegend { color: #8a8a8a; font-size: 8.5pt; }
QLabel#summaryHeading { color: #8a8a8a; font-size: 8.5pt; letter-spacing: 1px; }
QLabel#summaryHistory { color: #b8b8b8; }
QPushButton#summaryClose { background-color: #333333; color: #e0e0e0; border: 1px solid #474747;
                           border-radius: 4px; padding: 6px 18px; }
QPushButton#summaryClose:hover { background-color: #3d3d3d; }
"""


# -- history across albums
def append_history(data_dir: Path, album: str, summary: dict) -> str | None:
    """Add one review to DATA/review_history.jsonl; returns an error message instead of raising."""
    path = Path(data_dir) / HISTORY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({**summary, "album": album}, ensure_ascii=False) + "\n")
    except OSError as exc:
        return f"Could not add the review to {path}: {exc}"
    return None


def read_history(data_dir: Path) -> list[dict]:
    """Every review recorded across albums, oldest first; damaged lines are skipped."""
    path = Path(data_dir) / HISTORY_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            log.warning("%s: a damaged line was skipped", path)
            continue
        if isinstance(row, dict) and isinstance(row.get("bands"), list):
            out.append(row)
    return out


def band_totals(summaries: list[dict]) -> dict[str, dict[str, int]]:
    """band name -> {photos, seen, picks, rejects} summed over `summaries`."""
    totals = {name: {"photos": 0, "seen": 0, "picks": 0, "rejects": 0} for name in (*BAND_NAMES, "unscored")}
    for s in summaries:
        for b in s.get("bands", []):
            t = totals.get(b.get("band"))
            if t is not None:
                for k in t:
                    t[k] += int(b.get(k) or 0)
    return totals


def band_words(band: str) -> str:
    """A stored band name on the window's 0-100 scale: '0.2-0.4' -> '20–40'."""
    if band == "unscored":
        return "no score"
    lo, hi = (round(float(x) * 100) for x in band.split("-"))
    return f"{lo}–{hi}"


def _rate(picks: int, seen: int) -> str:
    return "—" if not seen else f"{round(100 * picks / seen)}\u00a0%"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def trust_sentence(totals: dict[str, dict[str, int]]) -> str:
    """"Scored below 40: 1 pick among 57 seen (2 %).   Scored 60 and above: 18 picks among 40 seen (45 %).\""""
    def part(names, words):
        seen = sum(totals[n]["seen"] for n in names)
        picks = sum(totals[n]["picks"] for n in names)
        if not seen:
            return f"{words}: no photos seen."
        return f"{words}: {_plural(picks, 'pick')} among {seen} seen ({_rate(picks, seen)})."

    return f"{part(LOW_BANDS, 'Scored below 40')}   {part(HIGH_BANDS, 'Scored 60 and above')}"


# -- widgets
class BandChart(QWidget):
    """One row per score band: a bar as long as the photos seen, its pick and reject share drawn in."""

    ROW_H = 26

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("bandChart")
        self.bands: list[dict] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bands(self, bands: list[dict]) -> None:
        self.bands = list(reversed(bands))  # best band on top
        self.setFixedHeight(self.ROW_H * (len(self.bands) + 1) + 4)
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(9)
        p.setFont(font)
        label_w, counts_w = 96, 300
        bar_left = label_w + 8
        bar_w = max(60, self.width() - bar_left - counts_w - 16)
        columns = ("photos", "seen", "picks", "rejects")
        col_w = counts_w / len(columns)
        p.setPen(QColor("#7a7a7a"))
        for c, name in enumerate(columns):
            p.drawText(QRectF(bar_left + bar_w + 16 + c * col_w, 0, col_w, self.ROW_H),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
        most = max([b["photos"] for b in self.bands] + [1])
        for row, b in enumerate(self.bands, start=1):
            y = row * self.ROW_H
            name = "no score" if b["band"] == "unscored" else "score " + band_words(b["band"])
            p.setPen(QColor("#a8a8a8"))
            p.drawText(QRectF(0, y, label_w, self.ROW_H), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       name)
            track = QRectF(bar_left, y + 8, bar_w * b["photos"] / most, self.ROW_H - 16)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#333333"))
            p.drawRoundedRect(track, 3, 3)
            p.setBrush(QColor("#5a5a5a"))
            seen_w = track.width() * (b["seen"] / b["photos"] if b["photos"] else 0)
            p.drawRoundedRect(QRectF(track.left(), track.top(), seen_w, track.height()), 3, 3)
            unit = track.width() / b["photos"] if b["photos"] else 0
            p.setBrush(theme.PICK)
            p.drawRoundedRect(QRectF(track.left(), track.top(), unit * b["picks"], track.height()), 3, 3)
            p.setBrush(theme.REJECT)
            p.drawRoundedRect(QRectF(track.left() + unit * b["picks"], track.top(), unit * b["rejects"],
                                     track.height()), 3, 3)
            for c, key in enumerate(columns):
                p.setPen(QColor("#d8d8d8") if b[key] else QColor("#5a5a5a"))
                p.drawText(QRectF(bar_left + bar_w + 16 + c * col_w, y, col_w, self.ROW_H),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(b[key]))


def history_html(album_reviews: list[dict], all_reviews: list[dict]) -> str:
    """Pick rate (picks / photos seen) per score band: earlier reviews of this album, then totals."""
    head = "".join(f"<th align='right' style='padding:2px 10px;color:#8a8a8a;font-weight:normal'>"
                   f"{band_words(n)}</th>" for n in BAND_NAMES)
    rows = []

    def row(title: str, totals: dict, dim: bool = False) -> str:
        colour = "#8f8f8f" if dim else "#d8d8d8"
        cells = "".join(f"<td align='right' style='padding:2px 10px;color:{colour}'>"
                        f"{_rate(totals[n]['picks'], totals[n]['seen'])}</td>" for n in BAND_NAMES)
        return f"<tr><td style='padding:2px 14px 2px 0;color:{colour}'>{escape(title)}</td>{cells}</tr>"

    for s in album_reviews[-HISTORY_ROWS:]:
        when = str(s.get("finished_at", ""))[:16].replace("T", " ")
        rows.append(row(f"{when}  ·  {s.get('seen', 0)} seen", band_totals([s]), dim=True))
    rows.append(row(f"This album, {_plural(len(album_reviews), 'review')}", band_totals(album_reviews)))
    albums = {r.get("album") for r in all_reviews}
    if all_reviews:
        rows.append(row(f"All albums, {_plural(len(all_reviews), 'review')} of {_plural(len(albums), 'album')}",
                        band_totals(all_reviews)))
    return (f"<table cellspacing='0'><tr><th align='left' style='padding:2px 14px 2px 0;color:#8a8a8a;"
            f"font-weight:normal'>pick rate by score</th>{head}</tr>{''.join(rows)}</table>")


class ReviewSummaryPage(QWidget):
    """What the review did; `closed` when the user is done reading."""

    closed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewSummary")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.summary: dict | None = None
        self.title = QLabel(objectName="summaryTitle")
        self.totals = QLabel(objectName="summaryTotals")
        self.rule = QLabel(RULE, objectName="summaryLegend", wordWrap=True)
        self.chart = BandChart()
        self.answer = QLabel(objectName="summaryAnswer")
        self.answer.setWordWrap(True)
        self.history = QLabel(objectName="summaryHistory")
        self.history.setTextFormat(Qt.TextFormat.RichText)
        self.close_button = QPushButton("Back to the grid   Esc", objectName="summaryClose")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.closed)

        column = QWidget()
        column.setMaximumWidth(880)
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(8)
        box.addWidget(self.title)
        box.addWidget(self.totals)
        box.addWidget(self.rule)
        box.addSpacing(14)
        box.addWidget(_heading("PICKS AND REJECTS BY SCORE"))
        box.addWidget(self.chart)
        box.addWidget(QLabel("<span style='color:#f2f2f2'>■</span> picks &nbsp;&nbsp; "
                             "<span style='color:#d9534f'>■</span> rejects &nbsp;&nbsp; "
                             "<span style='color:#5a5a5a'>■</span> seen, no flag &nbsp;&nbsp; "
                             "<span style='color:#333333'>■</span> not seen", objectName="summaryLegend"))
        box.addSpacing(6)
        box.addWidget(self.answer)
        box.addSpacing(14)
        box.addWidget(_heading("ACROSS REVIEWS"))
        box.addWidget(self.history)
        box.addSpacing(18)
        buttons = QHBoxLayout()
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 36, 40, 30)
        outer.addStretch(1)
        outer.addWidget(column, 6)
        outer.addStretch(1)
        column.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer.setAlignment(column, Qt.AlignmentFlag.AlignTop)

    def show_summary(self, summary: dict, album_reviews: list[dict], all_reviews: list[dict],
                     ended_early: bool = False) -> None:
        self.summary = summary
        self.title.setText("Review ended" if ended_early else "Review finished")
        over = summary.get("over_budget_seconds", 0.0)
        over_text = f" — {duration_text(over)} over" if over >= 1 else ""
        self.totals.setText(
            f"{duration_text(summary['seconds_spent'])} of {duration_text(summary['budget_seconds'])}{over_text}"
            f"  ·  {summary['seen']} of {summary['photos']} photos seen  ·  "
            f"{summary['picks']} pick{'s' if summary['picks'] != 1 else ''}  ·  "
            f"{summary['rejects']} reject{'s' if summary['rejects'] != 1 else ''}")
        self.chart.set_bands(summary["bands"])
        self.answer.setText("<span style='color:#e0e0e0'>Did the low scores hide keepers?</span><br>"
                            + escape(trust_sentence(band_totals([summary]))))
        self.history.setText(history_html(album_reviews, all_reviews))


def _heading(text: str) -> QLabel:
    return QLabel(text, objectName="summaryHeading")
