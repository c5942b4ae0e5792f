#!/usr/bin/env bash
# Build the culler desktop bundle (PyInstaller, one folder) into dist/culler/.
#   packaging/build.sh            build (installs PyInstaller into .venv first when missing)
#   packaging/build.sh --clean    also drop PyInstaller's cache and build/ before building
# Needs the project's environment (.venv, made by ./dev.sh setup). Output: dist/culler/culler
# (plus dist/culler.app on macOS). Takes a few minutes: torch dominates the analysis and copying.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || { echo "build: no .venv here; run ./dev.sh setup first" >&2; exit 1; }

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "build: installing PyInstaller into .venv (packaging/requirements.txt)" >&2
    "$PY" -m pip install -q --disable-pip-version-check -c constraints.txt -r packaging/requirements.txt >&2
fi

clean=()
if [ "${1:-}" = "--clean" ]; then clean=(--clean); rm -rf build/culler; fi

start=$(date +%s)
rm -rf dist/culler
"$PY" -m PyInstaller --noconfirm "${clean[@]}" --distpath dist --workpath build --log-level WARN packaging/culler.spec
seconds=$(( $(date +%s) - start ))
size=$(du -sh dist/culler | cut -f1)
echo "build: dist/culler/ ($size) built in ${seconds} s; run dist/culler/culler --demo" >&2
