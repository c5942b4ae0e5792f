#!/usr/bin/env bash
# Install the built bundle for the current user (Linux): the app folder, a `culler` command, the
# menu entry and its icons. Run packaging/build.sh first.
#   packaging/install_linux.sh             installs under ~/.local (PREFIX=/usr/local as root for all users)
#   packaging/install_linux.sh --uninstall removes what it installed
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-$HOME/.local}
APP_DIR="$PREFIX/lib/culler"
BIN="$PREFIX/bin/culler"
DESKTOP="$PREFIX/share/applications/culler.desktop"
ICONS="$PREFIX/share/icons/hicolor"
SIZES="16 32 48 64 128 256 512"

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$APP_DIR" "$BIN" "$DESKTOP" "$ICONS/scalable/apps/culler.svg"
    for s in $SIZES; do rm -f "$ICONS/${s}x${s}/apps/culler.png"; done
    echo "install: culler removed from $PREFIX" >&2
    exit 0
fi
[ -x dist/culler/culler ] || { echo "install: no dist/culler/culler; run packaging/build.sh first" >&2; exit 1; }
rm -rf "$APP_DIR"
mkdir -p "$APP_DIR" "$(dirname "$BIN")" "$(dirname "$DESKTOP")"
cp -a dist/culler/. "$APP_DIR/"
ln -sf "$APP_DIR/culler" "$BIN"
# Exec with the absolute path: the menu works even when $PREFIX/bin is not on PATH.
sed -e "s|^Exec=culler|Exec=$APP_DIR/culler|" -e "s|^TryExec=culler|TryExec=$APP_DIR/culler|" \
    resources/culler.desktop > "$DESKTOP"
for s in $SIZES; do
    install -Dm644 "resources/icons/app/culler-$s.png" "$ICONS/${s}x${s}/apps/culler.png"
done
install -Dm644 resources/icons/app/culler.svg "$ICONS/scalable/apps/culler.svg"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$(dirname "$DESKTOP")" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$ICONS" || true
echo "install: culler installed in $APP_DIR; start it from the menu or with: $BIN" >&2
