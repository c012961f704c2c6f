#!/usr/bin/env bash
# Run the whole test suite from a fresh checkout: installs what it needs on first use, checks
# the import boundaries (the core never imports Qt), then runs pytest headless.
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
bash "$root/scripts/bootstrap.sh"
cd "$root"
export QT_QPA_PLATFORM=offscreen
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
