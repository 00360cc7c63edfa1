"""nbval must fail when a default moves a number a notebook shows (and pass when nothing moved)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def copy_kit(dest: Path) -> Path:
    for part in ("econ", "params", "notebooks", "tests"):
        shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return dest


def nbval(kit: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(kit)}  # the copy's econ, params and defaults, not the installed ones
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "-o", "addopts=", "notebooks/01_cost_model.ipynb"],
        cwd=kit, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize("change", [False, True], ids=["unchanged", "default-changed"])
def test_nbval_catches_a_changed_default(tmp_path, change):
    kit = copy_kit(tmp_path)
    if change:  # egress price 0.09 -> 0.12 USD/GB: the default scenario's self-hosted cost moves
        defaults = kit / "params" / "_defaults.yaml"
        text = defaults.read_text()
        assert "value: 0.09\n" in text
        defaults.write_text(text.replace("value: 0.09\n", "value: 0.12\n"))
    result = nbval(kit)
    if change:
        assert result.returncode != 0, result.stdout[-2000:]
        assert "0.12" in result.stdout  # the failing diff shows the new value
    else:
        assert result.returncode == 0, result.stdout[-3000:]
