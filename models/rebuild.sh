#!/usr/bin/env bash
# Rebuild pose_landmarker_full.task from PyPI and check it against SHA256SUMS.
#   bash models/rebuild.sh           build in a throwaway venv, compare with the committed bundle
#   bash models/rebuild.sh --write   also replace the committed bundle (then commit both files)
# Needs python3.11 (the mediapipe 0.10.21 wheel has no build for newer Pythons) and PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3.11}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "Creating a throwaway venv in $work (about a minute)..."
"$python" -m venv "$work/venv"
pip=("$work/venv/bin/pip" install --quiet --disable-pip-version-check)
# mediapipe 0.10.21 without its deps (jax, sentencepiece, ... are not needed to write metadata),
# then only what its metadata writer imports (pip then warns that jax, sentencepiece, ... are
# missing: expected and harmless), pinned to the versions the checksum was made with.
"${pip[@]}" --no-deps "mediapipe==0.10.21"
"${pip[@]}" "flatbuffers==25.12.19" "absl-py==2.5.1" "numpy==1.26.4" "protobuf==4.25.9" \
    "attrs==26.1.0" "opencv-python-headless==4.10.0.84" "matplotlib==3.11.2"

"$work/venv/bin/python" "$here/build_pose_model.py" "$work/pose_landmarker_full.task"
cd "$work"
if sha256sum --check --quiet "$here/SHA256SUMS"; then
    echo "OK: the rebuilt bundle is byte-identical to models/pose_landmarker_full.task's checksum."
    [[ "${1:-}" == "--write" ]] && cp pose_landmarker_full.task "$here/" && echo "Wrote $here/pose_landmarker_full.task"
    exit 0
fi
if [[ "${1:-}" == "--write" ]]; then
    cp pose_landmarker_full.task "$here/"
    sha256sum pose_landmarker_full.task > "$here/SHA256SUMS"
    echo "Wrote a new bundle and SHA256SUMS: review and commit both."
    exit 0
fi
echo "MISMATCH: the rebuilt bundle differs from SHA256SUMS (see above). Run with --write to replace it." >&2
exit 1
