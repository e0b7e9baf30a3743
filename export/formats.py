"""The one table of export formats: it drives the ``digits export`` flags, the parity
gate tolerances and the rows of ``digits bench`` (the Ultralytics exporter idea, without
its weight).

Each format knows its file name, its flag, how to build itself from the checkpoint's
model (``build``: an in-memory artifact the gates run, serialised once when they pass),
and how to turn a file into a ``predict(images) -> logits`` function for a device (cpu,
cuda) and thread count. torch is imported only when a torch format is loaded or built,
so ``--help`` stays quick.
"""

from __future__ import annotations

import functools
import io
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Predict = Callable[[np.ndarray], np.ndarray]
Source = Path | bytes


@functools.cache
def _default_torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _torch_threads(threads: int | None) -> None:
    import torch

    torch.set_num_threads(threads or _default_torch_threads())


def _load_pytorch(source: Source, device: str, threads: int | None) -> Predict:
    _default_torch_threads()  # remember the default before anything changes it
    from digits.train import checkpoint

    if isinstance(source, bytes):
        raise ValueError("PyTorch eager loads from a checkpoint path")
    model = checkpoint.build_model(checkpoint.load(source)).to(device)
    return torch_predict(model, device, threads)


def _load_torchscript(source: Source, device: str, threads: int | None) -> Predict:
    import torch

    _default_torch_threads()
    f = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated, still works
        model = torch.jit.load(f, map_location=device).eval()
    return torch_predict(model, device, threads)


def torch_predict(model: Any, device: str, threads: int | None) -> Predict:
    """``predict`` for an in-memory torch module (eager or TorchScript)."""
    import torch

    _torch_threads(threads)

    @torch.inference_mode()
    def predict(x: np.ndarray) -> np.ndarray:
        return model(torch.from_numpy(x).to(device)).cpu().numpy()

    return predict


def load_onnx(source: Source, device: str, threads: int | None) -> Predict:
    """An onnxruntime session behind a predict function feeding its first input."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    providers = {"cpu": ["CPUExecutionProvider"],
                 "cuda": ["CUDAExecutionProvider", "CPUExecutionProvider"]}[device]
    model = source if isinstance(source, bytes) else str(source)
    sess = ort.InferenceSession(model, opts, providers=providers)
    if device == "cuda" and sess.get_providers()[0] != "CUDAExecutionProvider":
        raise RuntimeError("onnxruntime has no CUDAExecutionProvider here")
    name = sess.get_inputs()[0].name

    def predict(x: np.ndarray) -> np.ndarray:
        return sess.run(None, {name: x})[0]

    return predict


def _build(name: str) -> Callable[..., Any]:
    """``digits.export.exporters.<name>``, imported (with torch) only when called."""
    def build(*args: Any) -> Any:
        from digits.export import exporters

        return getattr(exporters, name)(*args)

    return build


@dataclass(frozen=True)
class Format:
    key: str  # `digits export --KEY` and the JSON key
    title: str  # row name in tables
    filename: str | None  # None: the checkpoint itself, not exported
    tolerance: float | None  # parity gate vs PyTorch eager, max |Δlogit|; None: int8 bounds
    load: Callable[[Source, str, int | None], Predict]
    default: bool = False  # exported when no format flag is given
    help: str = ""
    # (exporters.Job, {key: Artifact built so far}) -> exporters.Artifact; table order is
    # build order, so a format built from another (int8 from onnx) comes after it.
    build: Callable[..., Any] | None = None
    needs: str | None = None  # the format this one is built from and gated against


FORMATS: tuple[Format, ...] = (
    Format("pytorch", "PyTorch eager", None, None, _load_pytorch),
    Format("torchscript", "TorchScript", "digits.torchscript.pt", 1e-5, _load_torchscript,
           True, "Write digits.torchscript.pt (traced, frozen).", _build("build_torchscript")),
    Format("onnx", "ONNX fp32", "digits.onnx", 1e-4, load_onnx,
           True, "Write digits.onnx (fp32, dynamic batch).", _build("build_onnx")),
    Format("int8", "ONNX int8", "digits.int8.onnx", None, load_onnx,
           False, "Also write digits.int8.onnx (static QDQ, per-channel; implies --onnx).",
           _build("build_int8"), needs="onnx"),
)
EXPORTED = tuple(f for f in FORMATS if f.filename)
BY_KEY = {f.key: f for f in FORMATS}


def format_of(path: Path) -> Format:
    """Which format a file is: .onnx (fp32 or int8), a TorchScript archive (a zip with a
    ``code/`` folder), else a checkpoint."""
    if Path(path).suffix == ".onnx":
        return BY_KEY["onnx"]
    try:
        with zipfile.ZipFile(path) as z:
            if any("/code/" in n for n in z.namelist()):
                return BY_KEY["torchscript"]
    except zipfile.BadZipFile:
        pass
    return BY_KEY["pytorch"]
