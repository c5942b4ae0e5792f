"""The "Write XMP sidecars as I decide" setting: every decision (and undo) is written into the
photo's sidecar next to the original, off the GUI thread, so Lightroom, Capture One, darktable or
digiKam see it without an export.

A store observer snapshots the changed photos' decisions (a few quick reads on the thread that
decided) and hands them to a small writer thread that runs `culler.core.export.sync_sidecars`
(merge into an existing sidecar, keep other apps' fields, atomic replace, never touch the photo
file), with the photo's accepted keywords (and without those taken back since). Repeated
decisions on one photo before the writer gets to it are coalesced; the thread
exists only while there is something to write. Turning the setting on (or opening an album with
it on) brings every sidecar of the album in line once. A sidecar that cannot be written (a
read-only folder, an unsafe existing sidecar) is reported through `problem`; the decision itself
is saved in the store either way.

The setting lives in the config folder's settings.json under "sidecars" (other keys are kept):
{"write_as_i_decide": bool, "style": "adobe" | "darktable", "picks_as": "rating:1,flag"}. The
picks-as convention (culler.core.picks_as) is also what the export dialog starts with.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from culler.core.picks_as import PicksAs
from culler.core.records import Decision, Photo
from culler.ui.base.settings import read_settings, write_section

log = logging.getLogger(__name__)
SETTINGS_KEY = "sidecars"
BULK_READ_FROM = 200  # above this many changed photos, one read of every decision is cheaper


def load_setting(config_dir: Path) -> dict:
    data = read_settings(Path(config_dir) / "settings.json").get(SETTINGS_KEY, {})
    data = data if isinstance(data, dict) else {}
    style = data.get("style") if data.get("style") in ("adobe", "darktable") else "adobe"
    return {"write_as_i_decide": bool(data.get("write_as_i_decide", False)), "style": style,
            "picks_as": str(PicksAs.from_setting(data.get("picks_as")))}


def save_setting(config_dir: Path, values: dict) -> None:
    write_section(Path(config_dir) / "settings.json", SETTINGS_KEY, values)


class SidecarSync(QObject):
    problem = Signal(str)  # a sentence naming the sidecar that could not be written
    written = Signal(int)  # sidecars written by one batch (emitted from the writer thread)

    def __init__(self, config_dir: Path, parent=None) -> None:
        super().__init__(parent)
        self.config_dir = Path(config_dir)
        setting = load_setting(self.config_dir)
        self.enabled: bool = setting["write_as_i_decide"]
        self.style: str = setting["style"]
        self.picks_as: PicksAs = PicksAs.parse(setting["picks_as"])
        self.store = None
        self.album_root: Path | None = None
        self.photo_of = None  # photo id -> Photo | None (the window's copy of the album)
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], tuple[Path, Photo, Decision, str, PicksAs, tuple]] = {}
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    # -- the setting
    def set_enabled(self, on: bool) -> None:
        on = bool(on)
        if on == self.enabled:
            return
        self.enabled = on
        self._save()
        if on:
            self.sync_all()

    def set_picks_as(self, picks_as: PicksAs) -> None:
        """A new convention: saved, and every sidecar rewritten by it when the setting is on."""
        if picks_as == self.picks_as:
            return
        self.picks_as = picks_as
        self._save()
        if self.enabled:
            self.sync_all()

    def _save(self) -> None:
        save_setting(self.config_dir, {"write_as_i_decide": self.enabled, "style": self.style,
                                       "picks_as": str(self.picks_as)})

    # -- the album
    def attach(self, store, album_root: Path, photo_of) -> None:
        """Follow this store's decisions (called whenever the window shows an album's photos)."""
        if store is self.store:
            return
        self.detach()
        self.store, self.album_root, self.photo_of = store, Path(album_root), photo_of
        store.add_observer(self._observe)
        if self.enabled:
            self.sync_all()

    def detach(self) -> None:
        if self.store is not None:
            try:
                self.store.remove_observer(self._observe)
            except Exception:  # a closed store has no observers to remove
                pass
        self.store = self.album_root = self.photo_of = None

    def sync_all(self) -> None:
        """Queue every photo of the album: sidecars then match the decisions (and clear old ones)."""
        store = self.store
        if store is None:
            return
        try:
            photos, decisions = store.photos(), store.decisions()
        except Exception as exc:
            self.problem.emit(f"Could not read the decisions to write sidecars: {exc}")
            return
        self._queue([(p, decisions.get(p.id) or Decision()) for p in photos if p.status == "ok"], store)

    # -- writing
    def _observe(self, ids: list[int]) -> None:
        if not self.enabled or self.store is None:
            return
        store = self.store
        if len(ids) > BULK_READ_FROM:
            every = store.decisions()
            decisions = {i: every[i] for i in ids if i in every}
        else:
            decisions = {}
            for i in ids:
                try:
                    decisions[i] = store.decision(i)
                except KeyError:
                    continue
        items = []
        for i, decision in decisions.items():
            photo = self.photo_of(i) if self.photo_of is not None else None
            if photo is None:
                try:
                    photo = store.photo(i)
                except KeyError:
                    continue
            items.append((photo, decision))
        self._queue(items, store)

    def _queue(self, items: list[tuple[Photo, Decision]], store) -> None:
        if not items or self.album_root is None:
            return
        root = self.album_root
        try:
            accepted, taken_back = store.keywords.keywords(), store.keywords.taken_back()
        except Exception as exc:  # the decisions still go out
            self.problem.emit(f"Could not read the keywords to write sidecars: {exc}")
            accepted, taken_back = {}, {}
        with self._lock:
            for photo, decision in items:
                keywords = (accepted.get(photo.id, []), taken_back.get(photo.id, []))
                self._pending[(str(root), photo.id)] = (root, photo, decision, self.style, self.picks_as, keywords)
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="culler-sidecars")
                self._thread.start()

    def _drain(self) -> None:
        from culler.core.export import sync_sidecars

        while True:
            with self._lock:
                if not self._pending:
                    self._thread = None
                    self._idle.set()
                    return
                batch, self._pending = list(self._pending.values()), {}
            written, errors = 0, []
            for root, photo, decision, style, picks_as, keywords in batch:
                if not (root / photo.path).exists():
                    continue  # moved away (e.g. into _rejected): no orphan sidecar
                try:
                    result = sync_sidecars(root, [photo], {photo.id: decision}, style, picks_as,
                                           keywords={photo.id: keywords})
                except Exception as exc:  # one photo must not stop the others
                    errors.append(f"could not write the sidecar of {photo.path}: {exc}")
                    continue
                written += len(result.written)
                errors += [reason for _file, reason in result.errors]
            if written:
                self.written.emit(written)
            if errors:
                more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
                self.problem.emit(f"Sidecar not updated: {errors[0]}{more}. The decision is saved in culler.")

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued sidecar is written (tests, closing the window)."""
        return self._idle.wait(timeout)
