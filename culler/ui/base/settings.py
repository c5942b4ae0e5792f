"""The window's own preferences, kept in `config_dir/settings.json` under the "ui" key (other keys
of that file are left as they are): recent albums, auto-advance, analyse on open, the sort order
and the thumbnail size."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)
MAX_RECENT = 10
SORT_ORDERS = ("time", "name", "score")  # core.album_state.SORTS
THUMB_SIZES = (120, 320, 200)  # grid cell width in pixels: smallest, largest (256 px thumbnails), default


@dataclass
class UiSettings:
    recent_albums: list[str] = field(default_factory=list)
    auto_advance: bool = False
    analyse_on_open: bool = True
    sort: str = "time"
    thumb_size: int = THUMB_SIZES[2]
    path: Path | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, config_dir: Path) -> UiSettings:
        path = Path(config_dir) / "settings.json"
        data = read_settings(path).get("ui", {})
        settings = cls(path=path)
        if isinstance(data, dict):
            recent = data.get("recent_albums", [])
            settings.recent_albums = [str(r) for r in recent if isinstance(r, str)][:MAX_RECENT] \
                if isinstance(recent, list) else []
            settings.auto_advance = bool(data.get("auto_advance", False))
            settings.analyse_on_open = bool(data.get("analyse_on_open", True))
            if data.get("sort") in SORT_ORDERS:
                settings.sort = data["sort"]
            size = data.get("thumb_size")
            if isinstance(size, int) and not isinstance(size, bool):
                settings.thumb_size = min(THUMB_SIZES[1], max(THUMB_SIZES[0], size))
        return settings

    def add_recent(self, album: Path) -> None:
        text = str(Path(album).absolute())
        self.recent_albums = [text] + [r for r in self.recent_albums if r != text][:MAX_RECENT - 1]
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        values = asdict(self)
        values.pop("path")
        write_section(self.path, "ui", values)


def read_settings(path: Path) -> dict:
    """The whole settings.json as a dict; {} when it is missing, unreadable or not an object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_section(path: Path, key: str, values: dict) -> None:
    """Replace one top-level key of settings.json, keeping the others, with an atomic write.
    A failure is logged, never raised: preferences are a convenience and the decisions themselves
    are safe in the store."""
    path = Path(path)
    data = read_settings(path)
    data[key] = values
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".settings.{os.getpid()}.{threading.get_ident()}.tmp")  # one per writer
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not save %s: %s", path, exc)
