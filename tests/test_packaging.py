import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_plain_pip_install_ships_the_model_and_the_exercise_definitions(tmp_path):
    """`pip install .` (not only editable) must carry the data the coach reads at run time."""
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    (wheel,) = tmp_path.glob("backcoach-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "models/pose_landmarker_full.task" in names
    assert "coach/cli.py" in names and "ui/__init__.py" in names
    for package in ("coach/performer", "coach/performer/motions", "coach/render"):
        assert f"{package}/__init__.py" in names, f"{package} is left out of the wheel"
    shipped = {n for n in names if n.startswith("poses/") and n.endswith(".toml")}
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "poses").rglob("*.toml")}
    assert on_disk == shipped and "poses/programmes/low_back_default.toml" in shipped
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "coach = coach.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
