#!/usr/bin/env bash
# CI's installer check (the last step of packaging/dev/test.sh):
#
#  1. build the bundle and the .deb (packaging/build.sh)
#  2. run the bundle's own self-test (main window offscreen, embedded database, demo camera)
#  3. install the .deb with dpkg, run `takt --self-test` from PATH, check the desktop entry and
#     the icon, remove the package and check that nothing is left
#
# Step 3 needs root and dpkg (CI runs as root on a throwaway machine). Otherwise, or when the
# package is already installed on this machine (it is not ours to replace), the .deb is unpacked
# into a scratch root and checked there instead. TAKT_CI_SKIP_BUILD=1 reuses dist/ as built;
# TAKT_SKIP_INSTALLER_CHECK=1 skips the whole check (quick local runs of test.sh; CI never sets it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
cd "$top"

if [[ "${TAKT_SKIP_INSTALLER_CHECK:-0}" == "1" ]]; then
  echo "[installer-check] skipped (TAKT_SKIP_INSTALLER_CHECK=1)" >&2
  exit 0
fi
dist="${TAKT_DIST:-$top/dist}"
pkg=takt-control-room
export QT_QPA_PLATFORM=offscreen
log() { printf '[installer-check] %s\n' "$*" >&2; }
fail() { printf '[installer-check] FAILED: %s\n' "$*" >&2; exit 1; }

scratch="$(mktemp -d)"
installed_by_us=0
cleanup() {
  if [[ $installed_by_us == 1 ]]; then
    dpkg --purge "$pkg" >/dev/null 2>&1 || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# Runs a self-test and checks its JSON verdict (the exit code alone could hide a crash at exit).
self_test() {
  local what="$1"; shift
  local out
  out="$(TAKT_HOME="$scratch/home-$RANDOM" "$@" --self-test 2>"$scratch/stderr")" || {
    cat "$scratch/stderr" >&2; fail "$what: self-test exited non-zero: $out"; }
  # here-strings, not pipes: with pipefail, `cmd | grep -q` fails when grep stops reading early
  grep -q '"ok": true' <<<"$out" || fail "$what: self-test said: $out"
  grep -q '"camera": {' <<<"$out" || fail "$what: the camera check did not run"
  grep -q '"libraries": {' <<<"$out" || fail "$what: the library check did not run"
  log "$what: self-test ok: $out"
}

# -- 1 ------------------------------------------------------------------------------------------
if [[ "${TAKT_CI_SKIP_BUILD:-0}" != "1" ]]; then
  bash "$here/build.sh"
fi
[[ -x "$dist/takt/takt" ]] || fail "no bundle at $dist/takt"
version="$(cat "$dist/VERSION")"
deb="$(ls "$dist/${pkg}_${version}_"*.deb 2>/dev/null | head -1)"
[[ -f "$deb" ]] || fail "no .deb for version $version in $dist"

# -- 2 ------------------------------------------------------------------------------------------
self_test "bundle" "$dist/takt/takt"
[[ -x "$dist/takt/takt-gui" ]] || fail "the bundle has no takt-gui"
grep -qx "$version" <<<"$("$dist/takt/takt" --version)" || fail "the bundle does not say version $version"

# -- 3 ------------------------------------------------------------------------------------------
grep -q "Package: $pkg" <<<"$(dpkg-deb --info "$deb")" || fail "$deb has no control data"
mode=scratch
if [[ $(id -u) -eq 0 ]] && command -v dpkg >/dev/null; then
  if grep -q "install ok installed" <<<"$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"; then
    log "$pkg is installed on this machine already: checking in a scratch root instead"
  else
    mode=dpkg
  fi
fi

if [[ $mode == dpkg ]]; then
  log "dpkg -i $deb"
  installed_by_us=1
  dpkg -i "$deb" >/dev/null
  clean_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  where="$(PATH=$clean_path command -v takt)" || fail "takt is not on PATH after installing"
  [[ "$(readlink -f "$where")" == /opt/$pkg/takt ]] || fail "takt on PATH is $where, not ours"
  self_test "installed package" env PATH="$clean_path" takt
  [[ -f /usr/share/applications/$pkg.desktop ]] || fail "no desktop entry"
  [[ -f /usr/share/icons/hicolor/256x256/apps/$pkg.png ]] || fail "no icon"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/$pkg.desktop
  fi
  log "dpkg --purge $pkg"
  dpkg --purge "$pkg" >/dev/null
  installed_by_us=0
  [[ ! -e /opt/$pkg && ! -e /usr/bin/takt && ! -e /usr/share/applications/$pkg.desktop ]] ||
    fail "files were left after removing the package"
  grep -q "install ok installed" <<<"$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" &&
    fail "dpkg still lists $pkg as installed"
else
  root="$scratch/root"
  log "unpacking $deb into $root"
  dpkg-deb -x "$deb" "$root"
  [[ "$(readlink "$root/usr/bin/takt")" == /opt/$pkg/takt ]] || fail "/usr/bin/takt link is wrong"
  [[ -f "$root/usr/share/applications/$pkg.desktop" ]] || fail "no desktop entry"
  self_test "unpacked package" "$root/opt/$pkg/takt"
fi
log "ok ($mode): bundle and .deb of $version pass"
