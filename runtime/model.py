"""The exported model behind onnxruntime: find it, check it, pick a provider, run it.

A wrong model or an execution provider that cannot be honoured is a DigitsError with a
message that says what to do; nothing falls back silently except ``--device auto``,
which reports the provider it ended up on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from digits import labels as classes
from digits.errors import DigitsError
from digits.options import DEVICES
from digits.paths import default_model_path

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
INSTALL_GPU = ("install onnxruntime-gpu in place of onnxruntime "
               "(pip uninstall onnxruntime && pip install onnxruntime-gpu)")

ort.set_default_logger_severity(3)  # provider fallbacks are reported by us, not as log noise


def requested_providers(device: str, available: Sequence[str]) -> list[str]:
    """The provider list to ask onnxruntime for; `cuda` without CUDA is an error."""
    if device not in DEVICES:
        raise DigitsError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    if device == "cpu":
        return [CPU]
    if CUDA in available:
        return [CUDA, CPU]
    if device == "cuda":
        raise DigitsError(f"--device cuda: this onnxruntime has no {CUDA} "
                          f"(available: {', '.join(available)}); {INSTALL_GPU}")
    return [CPU]


def check_providers(device: str, requested: Sequence[str], in_use: Sequence[str]) -> str:
    """The provider the session really runs on; CUDA asked for but not initialised is an
    error for `cuda` and a reported fallback for `auto`."""
    if CUDA in requested and CUDA not in in_use:
        if device == "cuda":
            raise DigitsError(f"--device cuda: {CUDA} is listed but failed to initialise "
                              "(CUDA/cuDNN libraries missing or no GPU); check `digits checks`, "
                              f"or {INSTALL_GPU} matching your CUDA version")
        return f"{CPU} (CUDA listed but failed to initialise)"
    return in_use[0] if in_use else CPU


def _validate(session: Any, path: Path) -> dict[str, Any]:
    """Input/output/metadata contract of DESIGN.md; returns the metadata document."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(outputs) < 1:
        raise DigitsError(f"{path}: expected one input and one output, "
                          f"found {len(inputs)} and {len(outputs)}")
    inp, out = inputs[0], outputs[0]
    if inp.type != "tensor(float)" or len(inp.shape) != 4 or list(inp.shape[1:]) != [1, 28, 28]:
        raise DigitsError(f"{path}: input {inp.name!r} is {inp.type} {inp.shape}; "
                          "a digits model takes float32 [N,1,28,28]")
    if len(out.shape) != 2 or out.shape[1] not in (10, 11):
        raise DigitsError(f"{path}: output {out.name!r} has shape {out.shape}; "
                          "expected [N,10] or [N,11]")
    raw = session.get_modelmeta().custom_metadata_map.get("digits")
    if raw is None:
        raise DigitsError(f"{path}: no 'digits' metadata; not a model exported by `digits export`")
    try:
        meta = json.loads(raw)
    except ValueError as e:
        raise DigitsError(f"{path}: 'digits' metadata is not JSON ({e})") from None
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if not classes.is_valid(labels):
        raise DigitsError(f"{path}: 'digits' metadata must list the labels 0-9, optionally "
                          f"followed by {classes.NOT_A_DIGIT!r}")
    if len(labels) != out.shape[1]:
        raise DigitsError(f"{path}: output {out.name!r} has {out.shape[1]} columns but the "
                          f"metadata lists {len(labels)} labels")
    return meta


SMOKE_BATCH = 2  # > 1: a graph whose batch axis is fixed, or mixes samples, fails here
# Crops are run at most this many at a time: onnxruntime holds every layer's activations
# for the whole batch (~0.1 MB a crop for the CNN), and a frame of wavy lines offered
# ~100,000 cut parts and reached 10 GB in one batch.
MAX_BATCH = 1024


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return (text.splitlines()[0] if text else type(e).__name__)[:200]


class Model:
    """An onnxruntime session for one digits model, validated, on a known provider."""

    def __init__(self, path: Path | str | None = None, device: str = "auto",
                 threads: int = 1, session_factory: Callable[..., Any] | None = None,
                 available: Sequence[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_model_path()
        if not self.path.is_file():
            raise DigitsError(f"model not found: {self.path}")
        if available is None:
            available = ort.get_available_providers()
        requested = requested_providers(device, available)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # tiny batches: threads cost more than they give
        options.inter_op_num_threads = 1
        factory = session_factory or ort.InferenceSession
        try:
            self.session = factory(str(self.path), sess_options=options, providers=requested)
        except Exception as e:  # onnxruntime raises several types for unreadable files
            raise DigitsError(f"cannot load model {self.path}: not a valid ONNX model "
                              f"({_first_line(e)})") from None
        self.provider = check_providers(device, requested, self.session.get_providers())
        self.meta = _validate(self.session, self.path)
        # the digit of each logit column; the "not a digit" column (if any) is reject_index
        self.reject_index: int | None = classes.reject_index(self.meta["labels"])
        self.labels = [int(x) for x in self.meta["labels"] if x != classes.NOT_A_DIGIT]
        self.classes = len(self.meta["labels"])
        self.input_name = self.session.get_inputs()[0].name
        self.arch = self.meta.get("arch")
        self.probabilities(np.zeros((SMOKE_BATCH, 1, 28, 28), np.float32))  # smoke run

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """Softmax over the logits of a float32 [N,1,28,28] batch (one call per frame, run
        MAX_BATCH crops at a time): float32 [N, classes], columns the digits 0-9 then,
        when ``reject_index`` is set, "not a digit"."""
        if len(batch) == 0:
            return np.zeros((0, self.classes), np.float32)
        logits = np.concatenate([self._logits(batch[k:k + MAX_BATCH])
                                 for k in range(0, len(batch), MAX_BATCH)])
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def _logits(self, batch: np.ndarray) -> np.ndarray:
        """float32 [N,1,28,28] -> the model's logits [N, classes] (one session run)."""
        try:
            logits = self.session.run(None, {self.input_name: batch})[0]
        except Exception as e:  # onnxruntime raises several types for a failing graph
            raise DigitsError(f"model {self.path} fails when run on a batch of "
                              f"{len(batch)}: {_first_line(e)}") from None
        if not isinstance(logits, np.ndarray) or logits.shape != (len(batch), self.classes):
            raise DigitsError(f"model {self.path} gave logits of shape "
                              f"{getattr(logits, 'shape', None)} for a batch of {len(batch)}; "
                              f"expected [N,{self.classes}]")
        return logits
