"""The benchmarks still run and write their JSON records (small sizes; figures are
checked by running them in full, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


@pytest.mark.parametrize("script, args, key", [
    ("train.py", ["--seeds", "0", "--limit", "2048", "--epochs", "1"], "median"),
    ("frame.py", ["--frames", "5", "--pages", "1"], "issue8"),
    ("kinds.py", ["--frames", "1"], "kinds"),
    ("scenes.py", ["--frames", "2", "--page-frames", "1"], "conditions"),
    ("coldstart.py", ["--repeats", "1"], None),
    ("int8_saturation.py", ["--images", "20"], "layers"),
    ("serve.py", ["--requests", "20", "--concurrency", "1", "4", "--rounds", "1",
                  "--round-requests", "10", "--files", "5"], "ratio_c4_median"),
])
@pytest.mark.slow
def test_benchmark_runs(script: str, args: list[str], key: str | None, tmp_path: Path,
                        mnist_root: Path) -> None:
    proc = subprocess.run([sys.executable, str(REPO / "bench" / script), *args,
                           "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    record = json.loads((tmp_path / script.replace(".py", ".json")).read_text())
    assert record and (key is None or key in record)
