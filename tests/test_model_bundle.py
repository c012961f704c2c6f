import hashlib
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"


def test_committed_bundle_matches_its_checksum():
    expected, name = (MODELS / "SHA256SUMS").read_text().split()
    assert hashlib.sha256((MODELS / name).read_bytes()).hexdigest() == expected


def test_bundle_holds_the_two_models_uncompressed_and_aligned():
    with zipfile.ZipFile(MODELS / "pose_landmarker_full.task") as bundle:
        infos = {i.filename: i for i in bundle.infolist()}
    assert set(infos) == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
    data = (MODELS / "pose_landmarker_full.task").read_bytes()
    for info in infos.values():
        assert info.compress_type == zipfile.ZIP_STORED
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        assert start % 4 == 0, f"{info.filename} is not 4-byte aligned for mmap"
        assert data[start + 4: start + 8] == b"TFL3"  # a TFLite flatbuffer begins there


def test_rebuild_from_pypi_reproduces_the_committed_bundle():
    run = subprocess.run(["bash", str(MODELS / "rebuild.sh")], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "byte-identical" in run.stdout
