"""The model shipped in artifacts/: what `digits recognize` uses right after install."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from conftest import REPO, run_cli
from digits import mnist
from digits.train import checkpoint

ART = REPO / "artifacts"


@pytest.fixture(scope="module")
def report() -> dict:
    return json.loads((ART / "export_report.json").read_text())


@pytest.fixture(scope="module")
def test_set(mnist_root: Path) -> tuple[np.ndarray, np.ndarray]:
    x, y = mnist.load_arrays(mnist_root, train=False)
    return (x.astype(np.float32) / 255)[:, None], y


def onnx_logits(path: Path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"image": x})[0]


def test_metadata_names_the_committed_checkpoint(report: dict) -> None:
    sha = hashlib.sha256((ART / "digits.pt").read_bytes()).hexdigest()
    for name in ("digits.onnx", "digits.int8.onnx"):
        props = {p.key: p.value for p in onnx.load(str(ART / name)).metadata_props}
        meta = json.loads(props["digits"])
        assert meta["source_checkpoint_sha256"] == sha
        assert meta["labels"] == [*range(10), "not-a-digit"] and meta["input"]["name"] == "image"
    assert report["passed"] and report["checkpoint"]["sha256"] == sha
    assert report["export"]["command"].startswith("digits export")
    assert "seed" in report["checkpoint"]["train_config"]


def test_onnx_agrees_with_checkpoint_and_reaches_995(test_set) -> None:
    x, y = test_set
    model = checkpoint.build_model(checkpoint.load(ART / "digits.pt"))
    with torch.no_grad():
        reference = model(torch.from_numpy(x)).numpy()
    got = onnx_logits(ART / "digits.onnx", x)
    assert np.abs(got - reference).max() <= 1e-4
    assert (got.argmax(1) == reference.argmax(1)).all()
    assert (got.argmax(1) == y).mean() >= 0.995


def test_int8_and_torchscript_ship_within_bounds(test_set) -> None:
    x, y = test_set
    fp32 = onnx_logits(ART / "digits.onnx", x).argmax(1)
    int8 = onnx_logits(ART / "digits.int8.onnx", x).argmax(1)
    assert (int8 == fp32).mean() >= 0.995
    assert (fp32 == y).mean() - (int8 == y).mean() <= 0.003
    assert (ART / "digits.int8.onnx").stat().st_size <= 0.35 * (ART / "digits.onnx").stat().st_size
    extra = {"digits.json": ""}
    ts = torch.jit.load(str(ART / "digits.torchscript.pt"), _extra_files=extra)
    assert json.loads(extra["digits.json"])["format"] == "digits-onnx"
    with torch.no_grad():
        assert (ts(torch.from_numpy(x[:500])).numpy().argmax(1) == fp32[:500]).all()


def test_shipped_model_rejects_negatives_and_keeps_digits(test_set) -> None:
    """Issue 8's classifier targets, through the runtime's own onnxruntime session:
    >= 99.5 % of MNIST test read right, <= 0.3 % of them answered "not a digit", and
    generated negatives (a seed training never drew) answered "not a digit"."""
    from digits.runtime.model import Model
    from digits.train import negatives

    model = Model(ART / "digits.onnx", "cpu")
    assert model.reject_index == 10 and model.labels == list(range(10))
    x, y = test_set
    answer = model.probabilities(x).argmax(1)
    assert (answer == y).mean() >= 0.995
    assert (answer == model.reject_index).mean() <= 0.003
    for kind in negatives.KINDS:
        neg = negatives.generate(200, seed=424242, kinds=(kind,))
        rejected = (model.probabilities(neg).argmax(1) == model.reject_index).mean()
        assert rejected >= 0.9, (kind, rejected)


def test_default_model_is_installed_with_the_package() -> None:
    packaged = Path(str(resources.files("digits.artifacts") / "digits.onnx"))
    assert packaged.read_bytes() == (ART / "digits.onnx").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["digits.onnx", "digits.torchscript.pt"])
def test_evaluate_reads_exported_files(name: str, report: dict, tmp_path: Path) -> None:
    plot = tmp_path / "confusion.png"
    proc = run_cli("evaluate", "--model", ART / name, "--json", "--plot", plot)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["accuracy"] == pytest.approx(report["parity"]["onnx"]["accuracy"], abs=1e-4)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
