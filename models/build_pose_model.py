"""Build `pose_landmarker_full.task` from the BlazePose models in the mediapipe 0.10.21 wheel.

Run by `models/rebuild.sh`, inside a throwaway venv that has mediapipe 0.10.21: the metadata
writer's C extension is missing from the mediapipe release the coach runs on.

Why each step:
- The Tasks API only runs models with input-normalisation metadata, which the raw .tflite files
  in the legacy wheel lack. The values reproduce the legacy `mp.solutions.pose` pre-processing:
  detector inputs in [-1, 1] (mean 127.5, std 127.5), landmark model inputs in [0, 1] (mean 0,
  std 255).
- A PoseLandmarker bundle is an uncompressed zip, entries aligned for mmap, holding
  `pose_detector.tflite` and `pose_landmarks_detector.tflite`. MediaPipe's own AlignZipFile
  writes it; we give every entry a fixed timestamp so the bundle is byte-identical on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import zipfile
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer
from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import AlignZipFile

WHEEL_ROOT = Path(mediapipe.__file__).parent / "modules"
DETECTOR = WHEEL_ROOT / "pose_detection" / "pose_detection.tflite"
LANDMARKER = WHEEL_ROOT / "pose_landmark" / "pose_landmark_full.tflite"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: no build-time clock in the file


def with_metadata(path: Path, name: str, mean: float, std: float, n_outputs: int) -> bytes:
    writer = metadata_writer.MetadataWriter.create(bytearray(path.read_bytes()))
    writer.add_general_info(name, "BlazePose model from the mediapipe 0.10.21 wheel (Apache-2.0)")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    for _ in range(n_outputs):
        writer.add_feature_output()
    model, _metadata_json = writer.populate()
    return bytes(model)


def build(output: Path) -> str:
    members = {
        "pose_detector.tflite": with_metadata(DETECTOR, "pose_detector", 127.5, 127.5, n_outputs=2),
        "pose_landmarks_detector.tflite": with_metadata(LANDMARKER, "pose_landmarks_detector", 0.0, 255.0, n_outputs=5),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    with AlignZipFile(output, mode="w", alignment=4) as bundle:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, data)
    return hashlib.sha256(output.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where to write the .task bundle")
    args = parser.parse_args()
    print(f"{build(args.output)}  {args.output.name}")


if __name__ == "__main__":
    main()
