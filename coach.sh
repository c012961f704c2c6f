#!/usr/bin/env bash
# Run the coach from a fresh checkout: installs what it needs on first use, then runs
# `coach ARGS...` (default: the live coach window; with no camera it plays a bundled sample video).
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
bash "$root/scripts/bootstrap.sh"
if (($# == 0)); then
    set -- live
fi
exec "$root/.venv/bin/coach" "$@"
