#!/usr/bin/env bash
# Build the installers of Takt Control Room on Linux, in one command:
#
#     bash packaging/build.sh
#
# 1. the PyInstaller one-folder bundle (packaging/takt.spec): dist/takt/{takt,takt-gui,_internal}
# 2. the Debian package: dist/takt-control-room_<version>_<arch>.deb (dpkg-deb, zstd)
#
# and writes their sizes and build times to dist/build-summary.json (benchmarks/installer.py
# records them in benchmarks/RESULTS.md). The Windows installer is built on Windows:
# packaging/windows/BUILDING-WINDOWS.md. Options (environment): TAKT_DIST (output folder,
# default dist/), TAKT_BUILD (work folder, default build/), TAKT_SKIP_DEB=1 (bundle only).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
cd "$top"

venv="$top/.venv/bin"
dist="${TAKT_DIST:-$top/dist}"
work="${TAKT_BUILD:-$top/build}"
log() { printf '[build] %s\n' "$*" >&2; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if [[ ! -x "$venv/pyinstaller" ]]; then
  echo "build: $venv/pyinstaller is missing: run bash packaging/dev/setup.sh first" >&2
  exit 2
fi
mkdir -p "$dist" "$work"

# -- 1. the bundle ----------------------------------------------------------------------------
log "PyInstaller bundle -> $dist/takt (a few minutes on 2 cores)"
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
rm -rf "$dist/takt"
"$venv/pyinstaller" --noconfirm --log-level WARN \
  --distpath "$dist" --workpath "$work/pyinstaller" "$here/takt.spec"
t1=$(date +%s.%N)
bundle="$dist/takt"
version="$(cat "$dist/VERSION")"
bundle_bytes=$(du -sb "$bundle" | cut -f1)
bundle_files=$(find "$bundle" -type f | wc -l)
log "bundle $version: $((bundle_bytes / 1000000)) MB in $bundle_files files"

# -- 2. the .deb ------------------------------------------------------------------------------
deb=""
deb_bytes=0
t2=$t1
if [[ "${TAKT_SKIP_DEB:-0}" != "1" ]]; then
  arch="$(dpkg --print-architecture)"
  glibc="$(getconf GNU_LIBC_VERSION | awk '{print $2}')"
  root="$work/deb-root"
  rm -rf "$root"
  install -d "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/usr/share/icons/hicolor/256x256/apps" "$root/usr/share/icons/hicolor/scalable/apps" \
    "$root/usr/share/doc/takt-control-room"
  cp -a "$bundle" "$root/opt/takt-control-room"
  ln -s /opt/takt-control-room/takt "$root/usr/bin/takt"
  ln -s /opt/takt-control-room/takt-gui "$root/usr/bin/takt-gui"
  install -m 644 "$here/deb/takt-control-room.desktop" "$root/usr/share/applications/"
  install -m 644 "$top/resources/icons/takt.png" \
    "$root/usr/share/icons/hicolor/256x256/apps/takt-control-room.png"
  install -m 644 "$top/resources/icons/takt.svg" \
    "$root/usr/share/icons/hicolor/scalable/apps/takt-control-room.svg"
  install -m 644 "$here/deb/copyright" "$root/usr/share/doc/takt-control-room/copyright"
  size_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE_KB@/$size_kb/" \
      -e "s/libc6 (>= [0-9.]*)/libc6 (>= $glibc)/" \
      "$here/deb/control.in" >"$root/DEBIAN/control"
  find "$root" -type d -exec chmod 755 {} +
  deb="$dist/takt-control-room_${version}_${arch}.deb"
  log "Debian package -> $deb"
  dpkg-deb -Zzstd --root-owner-group -b "$root" "$deb" >/dev/null
  t2=$(date +%s.%N)
  deb_bytes=$(stat -c %s "$deb")
  rm -rf "$root"
  log "deb: $((deb_bytes / 1000000)) MB"
fi

cat >"$dist/build-summary.json" <<EOF
{"version": "$version", "bundle": "$bundle", "bundle_bytes": $bundle_bytes,
 "bundle_files": $bundle_files, "bundle_seconds": $(seconds "$t0" "$t1"),
 "deb": "$deb", "deb_bytes": $deb_bytes, "deb_seconds": $(seconds "$t1" "$t2"),
 "cpus": $(nproc), "load_at_start": "$load_at_start"}
EOF
log "done: $dist/build-summary.json"
