"""Find and tag by words in the window: `SearchFeature(host)` is made once by the window.

  Ctrl+F            focus the search field in the filter bar; Return ranks the album by the words
                    (CLIP's text tower on a worker thread, culler.core.search) and the grid shows
                    the matches best first, combined with the other filters; Esc clears it
  People filter     any / with people / groups of 3+ (faces culler counted), in the filter bar
  K (loupe)         accept every keyword suggested for the photo; a click accepts one

Accepted keywords are steps of the store's one undo history (Ctrl+Z), logged, and reach live XMP
sidecars through the store's observers like decisions. Without CLIP's model file the search field
says what it needs and how to get it, and suggestions come from the face count only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt

from culler.context import resources_dir
from culler.core import keywords as kw
from culler.core import xmp
from culler.ui.search.album_words import AlbumWords
from culler.ui.search.filter_controls import PeopleFilter, SearchField
from culler.ui.search.jobs import LatestJobs
from culler.ui.search.keyword_strip import KeywordStrip

GET_CLIP = "get it in the Models dialog, or with `culler models download clip`"


class SearchFeature(QObject):
    def __init__(self, host) -> None:
        super().__init__()
        self.host = host
        self._registry = None
        self._store = None  # the album the search and suggestions were computed for
        self.field, self.people, self.strip = SearchField(), PeopleFilter(), KeywordStrip()
        host.add_filter_control(self.field)
        host.add_filter_control(self.people)
        host.add_view_panel("loupe", self.strip)
        self.words = AlbumWords(host.ctx.models_dir, host.ctx.cache_dir, self._vocabulary())
        self.jobs = LatestJobs(self)
        self.jobs.finished.connect(self._finished)
        self.jobs.failed.connect(self._failed)
        self._similarities: dict | None = None  # photo id -> cosine with each vocabulary keyword
        self._asked_similarities = False
        missing = self.words.missing()
        if missing:
            self.field.edit.setPlaceholderText("Find by words: needs CLIP's model file")
            self.field.edit.setToolTip(_sentence(missing))
        self.field.run_requested.connect(self.search)
        self.field.cleared.connect(self._photos_take_keys)
        self.strip.accept_one.connect(lambda keyword: self._accept([keyword]))
        self.strip.shown.connect(self.refresh_strip)
        host.selection.currentChanged.connect(lambda *_: self.refresh_strip())
        host.decisions_changed.connect(self._decisions_changed)
        host.photos_shown.connect(self._album_changed)
        host.analysis_idle.connect(self._album_changed)
        host.closing.connect(lambda: self.jobs.wait(30))

    # -- Feature shape (base/host.py)
    def views(self) -> list:
        return []

    def checkable(self) -> dict:
        return {}

    def menu_items(self) -> dict:
        return {"@View": ["search.focus"], "@Photo": ["keywords.accept"]}

    def register_actions(self, registry) -> None:
        self._registry = registry
        has_album = lambda: self.host.store() is not None  # noqa: E731
        registry.register("search.focus", "Find by words…", ["Ctrl+F"], self.focus_search, section="Search",
                          enabled_when=has_album, modes=("grid", "loupe", "compare", "survey"))
        registry.register("keywords.accept", "Accept the suggested keywords", ["K"], self.accept_suggested,
                          section="Search", enabled_when=has_album, modes=("loupe",))

    # -- search
    def focus_search(self) -> None:
        self.field.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.edit.selectAll()

    def search(self, words: str) -> None:
        """Return in the field: rank, and the keys go back to the photos meanwhile."""
        self._photos_take_keys()
        self._rank(words)

    def _rank(self, words: str) -> None:
        store = self.host.store()
        if store is None:
            return
        missing = self.words.missing()
        if missing:
            self.field.say("needs CLIP's model file", _sentence(missing))
            self.host.show_message(f"Search needs CLIP's model file: {GET_CLIP}", 15000)
            return
        self.field.say("searching…" if self.words.has_encoder() else "loading CLIP…")
        self.jobs.run("search", lambda: (store, words, self.words.rank(store, words)))

    def _photos_take_keys(self) -> None:
        self.field.edit.clearFocus()
        view = self.host.current_view()
        if view is not None:
            view.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- keywords
    def accept_suggested(self) -> None:
        self._accept(list(self.strip.suggested))

    def _accept(self, keywords: list[str]) -> None:
        store, pid = self.host.store(), self.host.current_id()
        if store is None or pid is None or not keywords:
            return
        name = self.host.model.state.name(pid)
        try:
            store.keywords.accept([pid], keywords, description=f"Keywords {', '.join(keywords)}: {name}")
        except Exception as exc:  # say so; what was accepted before is still saved
            self.host.show_message(f"Could not save the keywords: {exc}", 8000)
            return
        self.host.show_message(f"Keywords {', '.join(keywords)}: {name}")

    def refresh_strip(self) -> None:
        store, pid, state = self.host.store(), self.host.current_id(), self.host.model.state
        if not self.strip.isVisible() or store is None or pid is None or state is None:
            return
        if self._similarities is None and not self._asked_similarities:
            self._ask_similarities(store)
        try:
            accepted = store.keywords.of(pid)
            accepted += [k for k in self._sidecar_keywords(state.root, state.photos.get(pid)) if k not in accepted]
            faces = store.signals(pid).get("faces")
        except Exception as exc:  # a store that cannot be read is said elsewhere; keep the strip honest
            self.strip.show_keywords([], [])
            self.strip.say(f"Keywords cannot be read: {exc}")
            return
        row = (self._similarities or {}).get(pid)
        suggested = kw.suggest([pid], None if row is None else row[None, :], self.words.vocabulary,
                               {pid: faces}, {pid: accepted})[pid]
        self.strip.show_keywords(accepted, suggested, self._key("keywords.accept"))

    def _ask_similarities(self, store) -> None:
        self._asked_similarities = True
        missing = self.words.missing()
        if missing:
            self.strip.say(f"Suggestions from faces only: CLIP's model file is missing ({GET_CLIP})",
                           _sentence(missing))
            return
        self.strip.say("Suggesting keywords…")
        self.jobs.run("vocabulary", lambda: (store, self.words.vocabulary_similarities(store)))

    @staticmethod
    def _sidecar_keywords(root: Path, photo) -> list[str]:
        if photo is None:
            return []
        found: list[str] = []
        for sidecar in xmp.SidecarFinder().sidecar_paths(Path(root) / photo.path):
            found += [k for k in xmp.read_keywords(sidecar) if k not in found]
        return found

    # -- results from the worker
    def _finished(self, kind: str, result) -> None:
        store = result[0]
        if store is not self.host.store():
            return  # another album meanwhile
        if kind == "search":
            _store, words, ids = result
            self.field.show_results(words, ids)
            left_out = len(self.host.model.state.order) - len(ids)
            if left_out:
                self.field.say(f"{left_out:,} left out", f"{left_out:,} photo(s) have no CLIP embedding (not "
                               "analysed yet, or unreadable) and are not in the results")
        else:
            self._similarities = result[1]
            self.strip.say("")
            self.refresh_strip()

    def _failed(self, kind: str, message: str) -> None:
        if kind == "search":
            self.field.say("search failed", message)
            self.host.show_message(f"Search failed: {message}", 15000)
        else:
            self.strip.say(f"Suggestions from faces only: {message}", message)

    # -- the album
    def _decisions_changed(self, ids: list) -> None:
        if self.host.current_id() in ids:
            self.refresh_strip()

    def _album_changed(self) -> None:
        """New photos or new embeddings: the index and the suggestions are computed again, and
        a search still on is run again (another album's search is cleared: its ids mean nothing)."""
        self.words.forget_index()
        self._similarities, self._asked_similarities = None, False
        store = self.host.store()
        if store is not self._store:
            self._store = store
            if self.field.matches is not None:
                self.field.clear()
        elif self.field.matches is not None and store is not None:
            self._rank(self.field.query)
        self.refresh_strip()

    def _key(self, action_id: str) -> str:
        return self._registry.keys_text(action_id)

    def _vocabulary(self) -> kw.Vocabulary:
        """The user's keywords.txt or the bundled one; a broken file is named, faces still suggest."""
        try:
            return kw.load_vocabulary(kw.vocabulary_path(resources_dir() / kw.FILE_NAME, self.host.ctx.config_dir))
        except kw.VocabularyError as exc:
            self.strip.say(f"Suggestions from faces only: {exc}")
            return kw.Vocabulary(())


def _sentence(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}."
