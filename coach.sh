#!/usr/bin/env bash
# Run the coach from a fresh checkout: installs what it needs on first use, then runs
# `coach ARGS...` (default: analyze the bundled sample video).
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
bash "$root/scripts/bootstrap.sh"
if (($# == 0)); then
    set -- analyze
fi
exec "$root/.venv/bin/coach" "$@"
