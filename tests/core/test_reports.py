"""Reports: CSV/JSON of every photo and an offline HTML contact sheet where every name stays text."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import reports
from culler.core.records import Decision, GroupRow, Photo, PhotoMeta

EVIL = "<script>alert(1)</script>.jpg"  # the '/' makes it a folder plus a file: fine for a report


def album(tmp_path):
    root = tmp_path / "album"
    img = resize(real_photo("astronaut"), 200, 200)
    names = ["IMG_0001.JPG", EVIL, "=HYPERLINK(1).jpg", "broken.jpg"]
    photos = []
    for i, name in enumerate(names, start=1):
        if name == "broken.jpg":
            (root / name).write_bytes(b"not a jpeg")
            photos.append(Photo(name, "jpeg", id=i, status="error", error="not a JPEG file"))
            continue
        write_jpeg(root / name, img, captured_at=datetime(2024, 5, 1, 10, 0, i))
        photos.append(Photo(name, "jpeg", id=i, meta=PhotoMeta(captured_at=datetime(2024, 5, 1, 10, 0, i))))
    photos[0].companions = ["IMG_0001.CR3"]
    signals = {1: {"sharpness": 0.8, "noise": 0.1}, 2: {"sharpness": 0.3, "noise": None}}
    scores = {1: (0.81, 0.9), 2: (0.3, 0.5)}
    groups = {1: GroupRow(1, "g1", 2, 1, "pick", ["sharpest of 2"], "burst"),
              2: GroupRow(2, "g1", 2, 2, "reject", ["<img src=x onerror=alert(2)> blurred"], "burst")}
    decisions = {1: Decision("pick", 4, "Green"), 2: Decision("reject")}
    rows = reports.photo_rows(photos, decisions, signals, scores, groups)
    return root, rows


def thumbnail_from_disk(root):
    def thumb(row):
        with Image.open(root / row["path"]) as im:
            im.thumbnail((128, 128))
            return np.asarray(im.convert("RGB"))
    return thumb


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_contact_sheet_keeps_hostile_names_as_text_and_needs_no_network(tmp_path):
    root, rows = album(tmp_path)
    out = tmp_path / "sheet.html"
    reports.write_html(out, rows, thumbnail_from_disk(root), title="Shoot <b>1</b>")
    page = out.read_text(encoding="utf-8")
    parser = Tags()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags and "iframe" not in tags and "link" not in tags
    assert all(not k.startswith("on") for _, attrs in parser.tags for k in attrs)
    images = [attrs for t, attrs in parser.tags if t == "img"]
    assert len(images) == 3  # the broken file shows its error instead of a preview
    assert all(a["src"].startswith("data:image/jpeg;base64,") for a in images)
    text = "".join(parser.text)
    assert EVIL in text and "<img src=x onerror=alert(2)> blurred" in text and "Shoot <b>1</b>" in text
    assert "not a JPEG file" in text and "sharpest of 2" in text
    assert "http://" not in page and "https://" not in page
    assert [t for t in parser.text if t.startswith("Burst of")] == ["Burst of 2"]  # the pair is one group


def test_csv_lists_every_photo_with_signals_and_defuses_formulas(tmp_path):
    root, rows = album(tmp_path)
    out = tmp_path / "report.csv"
    reports.write_csv(out, rows)
    with open(out, newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["path"] for r in table] == ["IMG_0001.JPG", EVIL, "'=HYPERLINK(1).jpg", "broken.jpg"]
    first = table[0]
    assert (first["flag"], first["rating"], first["label"]) == ("pick", "4", "Green")
    assert first["companions"] == "IMG_0001.CR3" and first["signal:sharpness"] == "0.8"
    assert first["score (0-100)"] == "81" and first["reasons"] == "sharpest of 2"  # the window's scale
    assert table[3]["status"] == "error" and table[3]["error"] == "not a JPEG file"
    assert table[1]["signal:noise"] == ""


def test_json_report_round_trips(tmp_path):
    root, rows = album(tmp_path)
    out = tmp_path / "report.json"
    assert reports.write_report(out, rows, album_root=root) == "json"
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["album"] == str(root) and len(doc["photos"]) == 4
    p = doc["photos"][0]
    assert p["decision"] == {"flag": "pick", "rating": 4, "label": "Green"}
    assert p["group"] == "g1" and p["group_rank"] == 1 and p["suggestion"] == "pick"
    assert doc["photos"][2]["group"] != doc["photos"][3]["group"]  # singles are groups of their own
    assert Path(out).with_suffix(".csv").exists() is False


def test_contact_sheet_reads_like_the_window_real_group_sizes_no_internal_ids(tmp_path):
    """An export of 2 frames of a burst of 5: the heading says 5, scores are 0-100 as on the tiles,
    ranks are words, and no group id such as g18 leaks."""
    photos = [Photo(f"IMG_{i}.JPG", "jpeg", id=i) for i in range(1, 4)]
    groups = {1: GroupRow(1, "g18", 5, 1, "pick", ["sharpest of 5"], "burst"),
              2: GroupRow(2, "g18", 5, 3, None, [], "burst"),
              3: GroupRow(3, "g19", 1, 1, "reject", ["93 % highlights clipped"], "single")}
    scores = {1: (0.81, 0.9), 2: (0.5, 0.9), 3: (0.69, 0.8)}
    rows = reports.photo_rows(photos, {}, {}, scores, groups)

    parser = Tags()
    parser.feed(reports.contact_sheet_html(rows))
    text = "".join(parser.text)

    headings = [t for t in parser.text if t.startswith(("Burst", "Single"))]
    assert headings == ["Burst of 5 · 2 of them here", "Single photo"]
    assert "g18" not in text and "g19" not in text
    assert "score 81 · burst of 5 · best frame · suggested pick" in text
    assert "score 50 · burst of 5 · 3rd of 5" in text
    assert "0.81" not in text and "0.69" not in text
    # the blank frame: "reject?" next to 69 says why
    assert "reject despite score 69: the score rates the whole image" in text
    assert rows[2]["score"] == 0.69  # files for programs keep 0-1


def test_a_suggestion_that_contradicts_the_score_says_why_in_every_format(tmp_path):
    photos = [Photo("weak_best.JPG", "jpeg", id=1), Photo("good_loser.JPG", "jpeg", id=2),
              Photo("fine.JPG", "jpeg", id=3)]
    groups = {1: GroupRow(1, "g1", 2, 1, "pick", ["sharpest of 2"], "burst"),
              2: GroupRow(2, "g1", 2, 2, "reject", ["eyes closed (1 of 1 faces)"], "burst"),
              3: GroupRow(3, "g2", 1, 1, None, [], "single")}
    rows = reports.photo_rows(photos, {}, {}, {1: (0.3, 0.9), 2: (0.72, 0.9), 3: (0.9, 0.9)}, groups)

    reasons = {r["path"]: r["reasons"] for r in rows}
    assert reasons["weak_best.JPG"][-1].startswith("pick despite score 30: the best of its group")
    assert reasons["good_loser.JPG"] == ["eyes closed (1 of 1 faces)",
                                         ("reject despite score 72: another frame of this group is better on "
                                          "what tells near-identical frames apart (eyes, sharpness, exposure)")]
    assert reasons["fine.JPG"] == []
    reports.write_csv(tmp_path / "r.csv", rows)
    with open(tmp_path / "r.csv", newline="", encoding="utf-8") as f:
        table = {r["path"]: r for r in csv.DictReader(f)}
    assert "reject despite score 72" in table["good_loser.JPG"]["reasons"]
    assert table["good_loser.JPG"]["score (0-100)"] == "72"
