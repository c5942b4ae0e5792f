#!/usr/bin/env bash
# culler's one entry point for people and CI: set up whatever is missing, then
#   ./dev.sh demo          open the app on the bundled demo album
#   ./dev.sh test [ARGS]   run the whole test suite (ARGS go to pytest)
#   ./dev.sh run [ARGS]    run `culler ARGS` inside the project's environment
#   ./dev.sh setup         only set up
# Set-up is idempotent: a stamp records what was installed, so a second run takes a second.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}

# Debian packages: Xvfb and its xcb libraries (a real window on a virtual screen),
# exiftool (tests read our XMP sidecars back with a real client), desktop-file-validate.
APT_PACKAGES="xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core libimage-exiftool-perl desktop-file-utils"

ensure_debian_packages() {
    command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || return 0
    local missing=()
    for p in $APT_PACKAGES; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "culler: please install these Debian packages: ${missing[*]}" >&2; return 0
        fi
    fi
    echo "culler: installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ensure_venv() {
    local stamp="$VENV/.culler-setup"
    local want
    want=$(cat pyproject.toml constraints.txt requirements-ml.txt requirements-dev.txt | sha256sum | cut -c1-16)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
        return 0
    fi
    echo "culler: setting up $VENV (a few minutes the first time)" >&2
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    local pip=("$VENV/bin/python" -m pip install -qq --disable-pip-version-check)
    # Everything goes through constraints.txt so that torch stays the CPU build here
    # and nothing pulls CUDA packages (see README, "Installing").
    "${pip[@]}" -c constraints.txt "torch==2.13.0" "torchvision==0.28.0" "setuptools>=77.0.3,<81" >&2
    "${pip[@]}" -c constraints.txt -r requirements-ml.txt -r requirements-dev.txt >&2
    # pyiqa's declared requirements add ~1 GB it never imports for CLIP-IQA/NIMA: install it alone.
    "${pip[@]}" -c constraints.txt --no-deps "pyiqa==0.1.16" >&2
    "${pip[@]}" -c constraints.txt --no-deps -e . >&2
    echo "$want" > "$stamp"
}

run_gui() {
    # With no display (a server, CI), use a virtual screen so the command still works, and say
    # so: a window nobody can see would otherwise look like a command that hangs.
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ] \
        && [ "$(uname)" = "Linux" ] && command -v xvfb-run >/dev/null 2>&1; then
        case " $* " in
            *" --screenshot "*) exec "$VENV/bin/culler" "$@" ;;  # renders offscreen by itself
        esac
        {
            echo "culler: no display found, so the window runs on a virtual screen (Xvfb) that you cannot see."
            echo "  To see it, save a picture of it instead:  ./dev.sh run --screenshot shot.png $*"
            echo "  (or run on a machine with a display, or connect with ssh -X)."
            echo "  The window keeps running until you press Ctrl+C."
        } >&2
        exec xvfb-run -a -s "-screen 0 1600x1000x24" "$VENV/bin/culler" "$@"
    fi
    exec "$VENV/bin/culler" "$@"
}

cmd=${1:-demo}
[ $# -gt 0 ] && shift
ensure_debian_packages
ensure_venv
case "$cmd" in
    setup) ;;
    demo) run_gui --demo "$@" ;;
    run) run_gui "$@" ;;
    test) exec "$VENV/bin/python" -m pytest "$@" ;;
    *) echo "usage: ./dev.sh [demo|test|run|setup] [ARGS]" >&2; exit 2 ;;
esac
