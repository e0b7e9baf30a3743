"""Model loading: validation of wrong models, and provider choice from what the session
reports (a fake session stands in for a CUDA build)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from digits.errors import DigitsError
from digits.runtime.model import CPU, CUDA, Model, check_providers, requested_providers


class FakeSession:
    """Wraps a real CPU session but reports the providers a CUDA build would."""

    def __init__(self, path: str, reports: list[str], **kw) -> None:
        self.real = ort.InferenceSession(path, providers=[CPU])
        self.reports = reports
        self.asked = kw.get("providers")

    def get_providers(self) -> list[str]:
        return self.reports

    def __getattr__(self, name):
        return getattr(self.real, name)


def fake(reports: list[str]):
    return lambda path, **kw: FakeSession(path, reports, **kw)


def test_requested_providers() -> None:
    assert requested_providers("cpu", [CUDA, CPU]) == [CPU]
    assert requested_providers("auto", [CUDA, CPU]) == [CUDA, CPU]
    assert requested_providers("auto", [CPU]) == [CPU]
    with pytest.raises(DigitsError, match="onnxruntime-gpu in place of onnxruntime"):
        requested_providers("cuda", ["AzureExecutionProvider", CPU])


def test_check_providers_session_decides() -> None:
    assert check_providers("auto", [CUDA, CPU], [CUDA, CPU]) == CUDA
    assert "failed to initialise" in check_providers("auto", [CUDA, CPU], [CPU])
    with pytest.raises(DigitsError, match="listed but failed"):
        check_providers("cuda", [CUDA, CPU], [CPU])


def test_cuda_listed_but_failed(onnx_model: Path) -> None:
    m = Model(onnx_model, "auto", session_factory=fake([CPU]), available=[CUDA, CPU])
    assert m.provider.startswith(CPU) and "failed" in m.provider
    assert m.session.asked == [CUDA, CPU]
    with pytest.raises(DigitsError, match="failed to initialise"):
        Model(onnx_model, "cuda", session_factory=fake([CPU]), available=[CUDA, CPU])
    ok = Model(onnx_model, "cuda", session_factory=fake([CUDA, CPU]), available=[CUDA, CPU])
    assert ok.provider == CUDA


def test_real_session_cpu(onnx_model: Path) -> None:
    m = Model(onnx_model, "cpu")
    assert m.provider == CPU and m.labels == list(range(10)) and m.reject_index == 10
    p = m.probabilities(np.zeros((3, 1, 28, 28), np.float32))
    assert p.shape == (3, 11) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert m.probabilities(np.zeros((0, 1, 28, 28), np.float32)).shape == (0, 11)


def test_cuda_without_cuda_build(onnx_model: Path) -> None:
    if CUDA in ort.get_available_providers():
        pytest.skip("this onnxruntime has CUDA")
    with pytest.raises(DigitsError, match="onnxruntime-gpu"):
        Model(onnx_model, "cuda")


def _write_variant(src: Path, dst: Path, shape: list | None = None, meta: bool = True) -> Path:
    onnx = pytest.importorskip("onnx")
    model = onnx.load(str(src))
    if shape is not None:
        dims = model.graph.input[0].type.tensor_type.shape.dim
        for d, v in zip(dims, shape, strict=True):
            d.ClearField("dim_param")
            d.dim_value = v
    if not meta:
        del model.metadata_props[:]
    onnx.save(model, str(dst))
    return dst


@pytest.mark.parametrize("kind", ["corrupt", "text", "missing", "no-meta"])
def test_wrong_models(onnx_model: Path, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "m.onnx"
    if kind == "corrupt":
        path.write_bytes(onnx_model.read_bytes()[:2000])
    elif kind == "text":
        path.write_text("not a model at all\n")
    elif kind == "no-meta":
        _write_variant(onnx_model, path, meta=False)
    with pytest.raises(DigitsError) as e:
        Model(path, "cpu")
    assert e.value.exit_code == 2 and str(path) in str(e.value)


def test_a_large_batch_is_run_in_parts(onnx_model: Path, monkeypatch) -> None:
    """Crops are run MAX_BATCH at a time (a frame offering 100,000 cut parts held 10 GB of
    activations in one run): the probabilities are those of one run, in order."""
    from digits.runtime import model as runtime_model

    rng = np.random.default_rng(0)
    batch = (rng.random((10, 1, 28, 28)) > 0.8).astype(np.float32)
    model = Model(onnx_model, "cpu")
    whole = model.probabilities(batch)
    runs = []
    run = model.session.run
    monkeypatch.setattr(model.session, "run", lambda *a: runs.append(1) or run(*a))
    monkeypatch.setattr(runtime_model, "MAX_BATCH", 3)
    assert np.allclose(model.probabilities(batch), whole, atol=1e-6) and len(runs) == 4
