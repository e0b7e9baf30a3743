"""Shared fixtures: verified MNIST, and a way to run the CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mnist_root() -> Path:
    """The real MNIST test and training sets, fetched and md5-verified once."""
    from digits.mnist import default_root, ensure_mnist

    return ensure_mnist(default_root(), log=lambda m: None)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m digits ARGS`` in a subprocess, capturing text output."""
    return subprocess.run([sys.executable, "-m", "digits", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """A failure the way DESIGN.md wants it: the exit code, one stderr line, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("digits: error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


@pytest.fixture(scope="session")
def onnx_model() -> Path:
    """The shipped ONNX model (artifacts/digits.onnx): what `digits recognize` runs."""
    return REPO / "artifacts" / "digits.onnx"
