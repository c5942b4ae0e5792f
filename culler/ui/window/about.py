"""The About dialog: culler's name, version and purpose, and the licence of every bundled library.

Licences are read from the installed distributions' metadata (importlib.metadata) each time they
are asked for, so the list is true for whatever is installed, or carried by the desktop bundle
(packaging/culler.spec copies the metadata of every distribution it bundles). The only facts kept
by hand are those the metadata lacks (UPSTREAM_LICENCES) and the order of the headline libraries.

`licence_rows()` needs no Qt (the bundle recipe and the tests use it); `show_about(parent)` opens
the dialog.
"""

from __future__ import annotations

import importlib.metadata as metadata
import platform
import re
import sys

import culler

# Shown first, in this order; every other bundled distribution follows alphabetically.
HEADLINE = ("PySide6-Essentials", "shiboken6", "torch", "torchvision", "pyiqa", "open-clip-torch",
            "openai-clip", "timm", "opencv-python-headless", "scikit-learn", "scikit-image", "pillow",
            "pillow-heif", "rawpy", "platformdirs", "numpy", "scipy", "defusedxml", "send2trash", "psutil")
# The wheel on PyPI declares no licence at all; the upstream repository's LICENSE says MIT.
UPSTREAM_LICENCES = {"openai-clip": "MIT (per github.com/openai/CLIP; the wheel declares none)"}
# Installed with --no-deps (dev.sh): its declared requirements are not what culler bundles.
_NO_DEPS = {"pyiqa"}
# Imported at run time without being declared: openai-clip imports pkg_resources (setuptools).
_UNDECLARED = ("pyiqa", "setuptools")
# Terms that restrict use or redistribution of the bundle: the dialog points them out.
_RESTRICTIVE = re.compile(r"non-?commercial|binary wheel: GPL", re.IGNORECASE)
_LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE)", re.IGNORECASE)
# A RECORD line ("path,hash,size") whose file name (after the last /) is a licence file.
_RECORD_LICENCE_LINE = re.compile(r"^((?:[^,\n]*/)?[^,/\n]*(?:LICEN[CS]E|COPYING|NOTICE)[^,/\n]*),",
                                  re.IGNORECASE | re.MULTILINE)
# opencv-python's LICENSE-3RD-PARTY.txt: "FFmpeg is redistributed within all opencv-python packages."
_OPENCV_THIRD_PARTY = re.compile(r"^(.+?) (?:is|are) redistributed within all opencv-python(?: Linux)? packages",
                                 re.MULTILINE)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def licence_of(dist: metadata.Distribution, meta=None) -> str:
    """The licence a distribution declares: SPDX expression, short License field, or classifiers."""
    meta = dist.metadata if meta is None else meta  # each .metadata access parses the file again
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    field = (meta.get("License") or "").strip()
    if field and field.upper() != "UNKNOWN" and "\n" not in field and len(field) <= 100:
        return field
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::") and c.count("::") >= 2]
    if classifiers:
        return " / ".join(dict.fromkeys(classifiers))
    return UPSTREAM_LICENCES.get(_normalise(meta["Name"] or ""), "")


def _licence_files(dist: metadata.Distribution) -> list[metadata.PackagePath]:
    """The distribution's files whose name says licence/copying/notice, from its RECORD.

    Scans the RECORD text instead of `dist.files`, which builds a path object for each of torch's
    ~15,000 files.
    """
    record = dist.read_text("RECORD")
    if record is None:
        return [f for f in dist.files or [] if _LICENCE_FILE.search(f.name)]
    found = []
    for path in _RECORD_LICENCE_LINE.findall(record):
        file = metadata.PackagePath(path)
        file.dist = dist
        found.append(file)
    return found


def _read(file) -> str:
    try:
        return open(file.locate(), encoding="utf-8", errors="replace").read()
    except OSError:
        return ""


def bundled_native_licences(dist: metadata.Distribution) -> str:
    """What a wheel's own licence files say about the native libraries it carries ('' if nothing).

    Read from the three layouts met here: pillow-heif's LICENSES_bundled.txt (Name:/License: pairs
    and the licence of the binary wheel as a whole), rawpy's LICENSE.<Library> files, and
    opencv-python's LICENSE-3RD-PARTY.txt.
    """
    notes: list[str] = []
    for file in _licence_files(dist):
        name = file.name
        if name.startswith("LICENSES_bundled"):
            text = _read(file)
            whole = re.search(r"License for .+? binary wheels: ([^,\n]+)", text)
            if whole:
                notes.append(f"binary wheel: {whole.group(1).strip().rstrip('.')}")
            pairs = re.findall(r"^Name: (.+)\nLicense: (.+)$", text, re.MULTILINE)
            notes += [f"{lib.strip()} {lic.strip()}" for lib, lic in pairs if "only)" not in lib]
        elif (re.fullmatch(r"LICEN[CS]E\.[A-Za-z][\w-]*", name)
              and name.split(".")[1].lower() not in ("txt", "md", "rst")):
            heading = " ".join([" ".join(ln.split()) for ln in _read(file).splitlines() if ln.strip()][:2])
            notes.append(f"{name.split('.', 1)[1]} {heading.split(',')[0].title()}")
        elif name == "LICENSE-3RD-PARTY.txt" and ".dist-info" not in str(file):
            libs = [m.strip() for m in _OPENCV_THIRD_PARTY.findall(_read(file))]
            if libs:
                notes.append("third-party: " + "; ".join(dict.fromkeys(libs)))
    return ", ".join(dict.fromkeys(notes))


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    """Names of the run-time requirements of `dist` that apply here (no extras)."""
    names = []
    for line in dist.requires or []:
        name, _, marker = line.partition(";")
        if "extra" in marker:
            continue
        if marker.strip():
            try:
                from packaging.markers import Marker

                if not Marker(marker.strip()).evaluate():
                    continue
            except Exception:  # no packaging module or an odd marker: keep the requirement
                pass
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name)
        if match:
            names.append(match.group(1))
    return names


def _installed(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def bundled_distributions() -> dict[str, metadata.Distribution]:
    """The distributions the app carries, by normalised name (culler itself excluded).

    In a bundle: every distribution whose metadata it carries. In a checkout: the run-time closure
    of culler's requirements, which is what packaging/culler.spec bundles.
    """
    found: dict[str, metadata.Distribution] = {}
    if getattr(sys, "frozen", False):
        for dist in metadata.distributions():
            name = dist.metadata["Name"]
            if name:
                found.setdefault(_normalise(name), dist)
    else:
        culler_dist = _installed("culler")
        queue = _requirement_names(culler_dist) if culler_dist else list(HEADLINE)
        queue += list(_UNDECLARED)
        while queue:
            name = _normalise(queue.pop())
            if name in found:
                continue
            dist = _installed(name)
            if dist is None:
                continue
            found[name] = dist
            if name not in _NO_DEPS:
                queue += _requirement_names(dist)
    found.pop("culler", None)
    return found


def licence_rows() -> list[tuple[str, str, str]]:
    """(name, version, licence) for the Python runtime and every bundled library, headline first."""
    dists = bundled_distributions()
    order = [_normalise(n) for n in HEADLINE if _normalise(n) in dists]
    order += sorted((n for n in dists if n not in order), key=str.lower)
    rows = [("Python", platform.python_version(), "PSF-2.0")]
    for key in order:
        dist = dists[key]
        meta = dist.metadata
        licence = licence_of(dist, meta)
        native = bundled_native_licences(dist)
        rows.append((meta["Name"], meta["Version"], f"{licence} ({native})" if native else licence))
    return rows


def restricted_rows(rows: list[tuple[str, str, str]] | None = None) -> list[tuple[str, str, str]]:
    """Rows whose terms limit commercial use or put the whole binary under the GPL, for the dialog's note."""
    return [r for r in (licence_rows() if rows is None else rows) if _RESTRICTIVE.search(r[2])]


def licence_text(name: str) -> str:
    """The licence files a distribution ships (all of them, concatenated), or a note that it has none."""
    dist = _installed(name)
    if dist is None:
        return "" if name != "Python" else "Python Software Foundation License 2.0 (https://docs.python.org/3/license.html)"
    parts = []
    for file in _licence_files(dist):
        if ".dist-info" in str(file):
            parts.append(f"===== {file}\n{_read(file)}")
        if len(parts) >= 40:  # torch lists ~100 third-party files: enough to read, not a flood
            parts.append("… (more licence files in the distribution's metadata folder)")
            break
    declared = licence_of(dist)
    header = f"{dist.metadata['Name']} {dist.version}: {declared or 'no licence declared'}\n\n"
    return header + ("\n\n".join(parts) if parts else "(this distribution ships no licence file)")


def show_about(parent=None):
    """Open the About dialog (window-modal, not blocking) and return it."""
    from PySide6.QtCore import Qt, qVersion
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QDialog,
        QDialogButtonBox,
        QHeaderView,
        QLabel,
        QPlainTextEdit,
        QTableWidget,
        QTableWidgetItem,
        QVBoxLayout,
    )

    dialog = QDialog(parent)
    dialog.setObjectName("about_dialog")
    dialog.setWindowTitle(f"About {culler.APP_NAME}")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    layout = QVBoxLayout(dialog)
    summary = (culler.__doc__ or "").split(":", 1)[-1].strip()
    title = QLabel(f"<h2>{culler.APP_NAME} {culler.__version__}</h2><p>{summary}</p>"
                   f"<p>Qt {qVersion()}, Python {platform.python_version()}. Model weight files are not "
                   "included: they are downloaded or imported on first use, each under its own licence "
                   "(see <code>culler models status</code>).</p>")
    title.setWordWrap(True)
    layout.addWidget(title)
    rows = licence_rows()
    restricted = restricted_rows(rows)
    if restricted:
        names = ", ".join(f"{n} ({lic})" for n, _, lic in restricted)
        note = QLabel(f"<b>Note:</b> these terms limit commercial use or redistribution: {names}.")
        note.setObjectName("about_restricted_note")
        note.setWordWrap(True)
        layout.addWidget(note)
    table = QTableWidget(len(rows), 3, dialog)
    table.setObjectName("about_licences")
    table.setHorizontalHeaderLabels(["Library", "Version", "Licence"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            table.setItem(r, c, item)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    layout.addWidget(table, 2)
    text = QPlainTextEdit(dialog)
    text.setObjectName("about_licence_text")
    text.setReadOnly(True)
    text.setPlaceholderText("Select a library to read its licence.")
    layout.addWidget(text, 1)
    table.currentCellChanged.connect(
        lambda row, *_: text.setPlainText(licence_text(rows[row][0])) if row >= 0 else None)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.resize(760, 620)
    dialog.open()
    return dialog
