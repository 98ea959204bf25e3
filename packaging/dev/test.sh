#!/usr/bin/env bash
# The whole check, exactly as CI runs it (.ci/run calls this): set up, lint, type-check, the
# import contract, the test suite (it starts throwaway PostgreSQL and Redis servers unless
# TAKT_TEST_DATABASE_URL / TAKT_TEST_REDIS_URL are set), a smoke run of the program and the
# installer check (build the bundle and the .deb, install, self-test, remove).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
cd "$top"

bash packaging/dev/setup.sh
venv="$top/.venv/bin"
export QT_QPA_PLATFORM=offscreen YOLO_OFFLINE=1

step() { printf '\n== %s\n' "$*"; }
started=$(date +%s)

step "ruff"
"$venv/ruff" check .
"$venv/ruff" format --check .

step "mypy (strict on domain, services, vision)"
"$venv/mypy"

step "import contract (desktop > services > vision > domain)"
"$venv/lint-imports"

step "tests"
"$venv/pytest" "$@"

step "smoke run: the program starts on a fresh embedded database with the demo plant"
smoke_home="$(mktemp -d)"
trap 'rm -rf "$smoke_home"' EXIT
TAKT_HOME="$smoke_home" "$venv/takt" --self-test

step "installers: bundle self-test, .deb install / self-test / removal (packaging/ci_installer_check.sh)"
bash packaging/ci_installer_check.sh

step "done in $(( $(date +%s) - started )) s"
