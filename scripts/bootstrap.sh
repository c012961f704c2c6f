#!/usr/bin/env bash
# Make this checkout runnable: Debian packages, a venv in .venv, the project and its Python
# dependencies. Idempotent and quick when nothing changed; sourced by coach.sh and test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# espeak-ng + alsa-utils: speech (pyttsx3 synthesises, aplay plays); libxcb-*: PyQt6 on an X
# display; xvfb: window tests and screenshots; opencv-doc: real photos and video used by tests;
# chromium: prints session reports to PDF, and renders them in the report tests.
debian_packages=(espeak-ng alsa-utils libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libgl1 libegl1 xvfb opencv-doc chromium)
missing=()
for pkg in "${debian_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "Missing Debian packages: ${missing[*]}. Install them (as root): apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
venv="$root/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
    echo "Creating $venv with $("$python" --version)"
    "$python" -m venv "$venv"
fi
# Reinstall only when the dependency list changed.
stamp="$venv/.installed-$(sha256sum "$root/pyproject.toml" | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
    echo "Installing the coach and its Python packages into $venv (about a minute the first time)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/pip" install --quiet --disable-pip-version-check -e "$root[ui,dev]"
    rm -f "$venv"/.installed-*
    touch "$stamp"
fi
