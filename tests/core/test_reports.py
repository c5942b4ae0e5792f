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
    assert text.count("burst of 2") == 1  # the pair is one group


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
    assert first["score"] == "0.81" and first["reasons"] == "sharpest of 2"
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
