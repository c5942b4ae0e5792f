"""The window's composition root: QApplication, theme, main window, and the --screenshot mode.

`run_gui(ctx, args)` opens `args.album` (or the demo album with --demo, or an empty window with
"Open folder…"); a photo's path opens its folder at that photo in the loupe, and a path that is
neither is explained on the welcome screen (`build_window`). With `--screenshot OUT.png` it waits
until the first analysis pass is idle (at most 120 s) and the first screen of thumbnails is painted,
saves the window and exits 0.

Without a display (no DISPLAY or WAYLAND_DISPLAY on Linux, and no QT_QPA_PLATFORM chosen), Qt
would abort the process with a misleading "xcb-cursor0 is needed": `display_problem` says what
to do instead, before Qt is loaded, and --screenshot simply renders offscreen. The demo album is
copied fresh for each run, so nothing another run decided or analysed shows up.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)
SCREENSHOT_TIMEOUT_S = 120.0
SCREENSHOT_SIZE = (1440, 900)


def create_application(argv: list[str] | None = None):
    """The QApplication with culler's theme (one per process; reused when it exists)."""
    from PySide6.QtWidgets import QApplication

    from culler.ui.base.qt_compat import protect_singletons

    protect_singletons()
    # Decode threads run Python between their C calls; a shorter GIL switch interval keeps the
    # GUI thread from waiting up to 5 ms each time it wants the GIL back.
    sys.setswitchinterval(0.001)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("culler")
    app.setOrganizationName("culler")
    apply_theme(app)
    return app


def apply_theme(app) -> None:
    from PySide6.QtGui import QColor, QPalette

    from culler.context import resources_dir
    from culler.ui.base.theme import control_style, culler_style

    app.setStyle(culler_style())
    palette = QPalette()
    greys = {QPalette.ColorRole.Window: "#1e1e1e", QPalette.ColorRole.WindowText: "#d6d6d6",
             QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#262626",
             QPalette.ColorRole.Text: "#d6d6d6", QPalette.ColorRole.Button: "#2c2c2c",
             QPalette.ColorRole.ButtonText: "#d6d6d6", QPalette.ColorRole.Highlight: "#4a4a4a",
             QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2c2c2c",
             QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#7a7a7a"}
    for role, colour in greys.items():
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    qss = resources_dir() / "style.qss"
    try:
        app.setStyleSheet(qss.read_text(encoding="utf-8") + control_style())
    except OSError as exc:
        log.warning("style sheet %s not loaded: %s", qss, exc)


NO_DISPLAY = """culler: there is no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set).
  - see the window on a virtual screen:   ./dev.sh demo   or   ./dev.sh run ALBUM   (uses Xvfb)
  - save a picture of the window:         culler --screenshot OUT.png ALBUM   (or --demo)
  - work without a window:                culler analyze ALBUM --json OUT.json, culler plan, culler export
  - on a remote machine, connect with a display (ssh -X) or set DISPLAY"""


def display_problem(args, environ=None) -> str | None:
    """What to say when the window cannot be shown here, or None. A --screenshot needs no screen:
    it is rendered offscreen (QT_QPA_PLATFORM is set for this process)."""
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None  # macOS and Windows always have their own window system
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY") or environ.get("QT_QPA_PLATFORM"):
        return None
    if getattr(args, "screenshot", None):
        environ["QT_QPA_PLATFORM"] = "offscreen"
        return None
    return NO_DISPLAY


def run_gui(ctx, args) -> int:
    problem = display_problem(args)
    if problem:
        print(problem, file=sys.stderr)
        return 3
    app = create_application()
    window, album = build_window(ctx, args)
    screenshot = getattr(args, "screenshot", None)
    if screenshot:
        return take_screenshot(app, window, album, Path(screenshot))
    window.show()
    if album is not None:
        window.open_album(album)
    return app.exec()


def build_window(ctx, args):
    """The main window for these arguments and the album it is to open (None: none, or the path
    named could not be opened, which the window then explains)."""
    from culler.ui.window.main_window import MainWindow

    album, photo, problem = where_to_open(_album_to_open(ctx, args))
    keymaps = [Path(args.keymap)] if getattr(args, "keymap", None) else []
    window = MainWindow(ctx, signals=getattr(args, "signals", "all"), keymap_files=keymaps,
                        recursive=getattr(args, "recursive", False),
                        analyse=True if getattr(args, "screenshot", None) else None)
    if getattr(args, "demo", False) and album is None:
        window.notice.show_notice(f"The demo album is not installed (looked in <code>{ctx.demo_album}</code>). "
                                  "Open any folder of photos instead.")
    if problem:
        window.empty.show_problem(*problem)
    if photo is not None:
        open_at_photo(window, album, photo)
    return window, album


def where_to_open(path: Path | None) -> tuple[Path | None, Path | None, tuple[str, str] | None]:
    """(album folder, photo to show, problem) for what the command line named: a folder is the
    album; a photo opens its folder at that photo; anything else is explained in the window as
    (title, text), with no album opened."""
    from culler.core.album import PHOTO_EXTENSIONS

    if path is None or path.is_dir():
        return path, None, None
    shown = path.absolute()
    if not path.exists():
        parent = next((p for p in shown.parents if p.is_dir()), None)
        near = f" The nearest folder that exists is {parent}." if parent is not None and parent != Path("/") else ""
        return None, None, ("Nothing there", f"{shown} does not exist (moved, renamed, or a card not mounted?)."
                            f"{near} Open a folder of photos to start.")
    if path.is_file() and path.suffix.lower() in PHOTO_EXTENSIONS:
        return shown.parent, shown, None
    return None, None, ("Not a folder of photos", f"{shown} is not a folder, and not a photo culler reads "
                        f"({', '.join(sorted(e.lstrip('.') for e in PHOTO_EXTENSIONS)[:8])}, …). "
                        "Open a folder of photos to start.")


def open_at_photo(window, album: Path, photo: Path) -> None:
    """Once the album's photos are shown, show `photo` in the loupe (once; a RAW+JPEG pair is one photo)."""
    def show() -> None:
        window.photos_shown.disconnect(show)
        state = window.model.state
        rel = photo.relative_to(album).as_posix()
        found = next((i for i, p in state.photos.items() if p.path == rel or rel in p.companions), None)
        if found is not None:
            window.set_current(found)
            window.show_view("loupe")

    window.photos_shown.connect(show)


def _album_to_open(ctx, args) -> Path | None:
    if getattr(args, "album", None):
        return Path(args.album)
    if getattr(args, "demo", False):
        return _demo_working_copy(ctx)
    return None


def _demo_working_copy(ctx) -> Path | None:
    """A fresh copy of the demo album for this run, in the data folder.

    Reviewing the demo writes a session and perhaps sidecars; they belong in the user's data, not in
    the checkout or the installed bundle (which may be read-only, or shared by several users). Each
    run gets its own copy (made from scratch, so no earlier run's decisions or analysis show up),
    removed when the run ends; copies a killed run left behind go at the next run, unless another
    culler still has theirs open.
    """
    import atexit
    import shutil
    import tempfile

    demo = Path(ctx.demo_album)
    if not demo.is_dir():
        return None
    parent = Path(ctx.data_dir) / "demo"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_old_demo_copies(parent)
        run_dir = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=parent))
        atexit.register(shutil.rmtree, run_dir, ignore_errors=True)
        copy = run_dir / "demo-album"
        shutil.copytree(demo, copy, ignore=shutil.ignore_patterns(".culler", "*.py", "*.xmp"))
        return copy
    except OSError as exc:
        log.warning("could not copy the demo album to %s (%s); opening it in place", parent, exc)
        return demo


def _remove_old_demo_copies(parent: Path) -> None:
    import shutil

    for old in parent.glob("run-*"):
        try:
            pid = int(old.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _running(pid):
            shutil.rmtree(old, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True


def take_screenshot(app, window, album: Path | None, out: Path, timeout_s: float = SCREENSHOT_TIMEOUT_S) -> int:
    """Open `album`, wait for the analysis to be idle and the thumbnails painted, save a PNG."""
    from PySide6.QtCore import QEventLoop

    waiting = {"analysis": album is not None, "thumbnails": album is not None}
    window.analysis_idle.connect(lambda: waiting.__setitem__("analysis", False))
    window.first_screen_painted.connect(lambda: waiting.__setitem__("thumbnails", False))
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    if album is not None:
        window.open_album(album)
    deadline = time.monotonic() + timeout_s
    while any(waiting.values()) and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    if waiting["analysis"]:
        log.warning("the analysis was not idle after %.0f s; taking the screenshot anyway", timeout_s)
    # let thumbnails re-requested after the final refresh arrive and paint
    settle = time.monotonic() + 3.0
    while time.monotonic() < settle and not window.pool.is_idle():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(out), "PNG")
    window.close()
    if not ok:
        print(f"culler: could not write the screenshot {out}", file=sys.stderr)
        return 1
    print(f"culler: screenshot saved to {out}", file=sys.stderr)
    return 0
