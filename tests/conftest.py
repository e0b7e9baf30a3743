"""Shared fixtures: verified MNIST, and a way to run the CLI as a user would."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def mnist_root() -> Path:
    """The real MNIST test and training sets, fetched and md5-verified once per worker,
    before any test: generated scenes and kinds draw MNIST digits without asking for
    this fixture (on a fresh machine they found 'train-images-idx3-ubyte is missing')."""
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


def assert_fitted_crop(crop: np.ndarray) -> None:
    """A generated training crop (float32 [28, 28]) is rendered as the runtime renders
    one: its ink's longer side fitted to 20 px, centred by mass."""
    ys, xs = np.nonzero(crop > 0.05)
    assert max(np.ptp(ys), np.ptp(xs)) in (18, 19, 20)  # longer side fitted to 20 px
    m = crop.sum()
    cy, cx = (crop * np.arange(28)[:, None]).sum() / m, (crop * np.arange(28)).sum() / m
    assert abs(cy - 14) < 1.5 and abs(cx - 14) < 1.5  # centred by mass


@pytest.fixture(scope="session")
def onnx_model() -> Path:
    """The shipped ONNX model (artifacts/digits.onnx): what `digits recognize` runs."""
    return REPO / "artifacts" / "digits.onnx"


def snapshot(*folders: Path) -> dict[str, str]:
    """Every entry under the folders: sha256 of regular files, the kind of the others
    (a FIFO, a link...): equal before and after when nothing was lost or replaced."""
    out = {}
    for folder in folders:
        for root, dirs, names in os.walk(folder):
            for name in dirs + names:
                p = Path(root) / name
                mode = os.lstat(p).st_mode
                out[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(mode)
                               else stat.filemode(mode))
    return out


def write_video(path: Path, frames: int = 5, size: tuple[int, int] = (64, 48)) -> Path:
    """An MJPG .avi of ``frames`` grey frames of ``size`` (width, height), 10 fps."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 255 - i % 128, np.uint8))
    writer.release()
    return path


def frame_count(path: Path) -> int:
    """The frames OpenCV decodes from the video at ``path``."""
    cap, n = cv2.VideoCapture(str(path)), 0
    while cap.read()[0]:
        n += 1
    return n


def wait_for_signal_handlers(proc: subprocess.Popen, timeout: float = 120) -> None:
    """Return once ``proc`` (a `python -m digits` run) catches SIGINT and SIGTERM (from
    the first line of ``digits.__main__``, which notes them for main()). A signal sent
    before then meets the interpreter's start-up, a known gap (a traceback for SIGINT,
    death by SIGTERM) that no test may land in however slow the machine. Read from the
    caught-signal mask in /proc (Linux); SIGTERM's handler is set after SIGINT's, and
    nothing else in the process catches SIGTERM. A process
    that ends or runs ``timeout`` s without them fails the test (a run that never installs
    them must not pass as one that finished first). Without /proc: a fixed 0.5 s."""
    status = Path(f"/proc/{proc.pid}/status")
    deadline = time.monotonic() + timeout
    while True:
        try:
            caught = next(int(line.split()[1], 16) for line in status.read_text().splitlines()
                          if line.startswith("SigCgt:"))
        except (OSError, StopIteration):  # no /proc here
            time.sleep(0.5)
            return
        if caught >> (signal.SIGTERM - 1) & 1:
            return
        assert proc.poll() is None, f"exit {proc.returncode} before its signal handlers were set"
        assert time.monotonic() < deadline, f"no signal handlers after {timeout} s"
        time.sleep(0.005)


# The run interrupt_training() starts: many short epochs (4 steps of 128 each), so the
# signal lands long before the end, and a resume (test_train) finishes the 11 epochs left
# in seconds. After the first epoch's checkpoint, 44 steps and 11 checkpoints are left
# (~2 s at the 0.04 s a step of a quiet 2-core machine; longer when it is loaded, as the
# trainer slows too) for a signal sent within 50 ms. 30 epochs of 8 steps made that
# resume take 101-124 s of a loaded suite run (now 34-40 s).
INTERRUPT_LIMIT, INTERRUPT_EPOCHS = 512, 12


def interrupt_training(out: Path, sig: int) -> str:
    """Start `digits train` into ``out``, send ``sig`` once its first epoch's resumable
    checkpoint appears, and return its stderr after checking the exit is 128 + sig.

    Many short epochs: however loaded the machine, the run is far from its end when the
    first epoch's checkpoint appears and the signal is sent."""
    cmd = [sys.executable, "-m", "digits", "train", "--limit", str(INTERRUPT_LIMIT),
           "--epochs", str(INTERRUPT_EPOCHS), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    last = out / "digits.last.pt"
    deadline = time.monotonic() + 180
    while not last.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the first epoch is done once digits.last.pt appears
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and "digits train --resume" in err
    return err
