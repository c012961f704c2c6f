"""The documents people read stay in step with the code."""

from pathlib import Path

from coach.cli import build_parser
from coach.metrics import METRICS

ROOT = Path(__file__).resolve().parent.parent


def test_every_metric_a_definition_can_use_is_documented_for_therapists():
    text = (ROOT / "poses" / "README.md").read_text()
    assert [name for name in METRICS if f"`{name}`" not in text] == []


def test_every_coach_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices
    assert [name for name in commands if f"coach {name}" not in readme] == []


def test_ci_runs_exactly_the_readme_test_command():
    assert "./test.sh" in (ROOT / "README.md").read_text()
    assert "bash test.sh" in (ROOT / ".ci" / "run").read_text()
