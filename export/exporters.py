"""Model -> artifact for each format of the table (``formats.Format.build``): an
in-memory model the parity gates run, and its file's bytes, serialised once, with the
metadata document the gates' figures complete. Nothing here touches the output folder:
the pipeline writes the files only after every parity gate has passed.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from torch import nn

from digits.errors import DigitsError
from digits.export.formats import Predict, load_onnx, torch_predict
from digits.mnist import load_inputs

# The dynamo exporter's native opset: torchlib emits 18 without the version converter,
# onnxruntime runs it since 1.14, OpenCV's DNN and onnx.reference load it.
DEFAULT_OPSET = 18
EXAMPLE_BATCH = 2  # >= 2, so the traced graph is not specialised to batch 1
METADATA_KEY = "digits"
TORCHSCRIPT_EXTRA = "digits.json"
CALIBRATION_IMAGES, CALIBRATION_SEED = 2048, 0


@dataclass
class Job:
    """What every format is built from."""

    model: nn.Module  # the checkpoint's model, eval mode
    opset: int
    data: Path  # MNIST root (int8 calibrates on training images)
    threads: int  # intra-op threads of the gated models
    log: Callable[[str], None] = print


@dataclass
class Artifact:
    """One exported format in memory: ``predict`` runs what will be written; ``size`` is
    an ONNX file's size in bytes with an empty metadata document (so that the int8 size
    gate does not depend on the figures the document will hold; 0 for TorchScript, which
    no gate sizes); ``finish(doc)`` gives the file's bytes."""

    predict: Predict
    size: int
    finish: Callable[[dict[str, Any]], bytes]
    export: dict[str, Any]  # how it was made, for the report's "export" entry
    proto: onnx.ModelProto | None = field(default=None, repr=False)  # ONNX graphs only


def _example() -> torch.Tensor:
    return torch.rand(EXAMPLE_BATCH, 1, 28, 28, generator=torch.Generator().manual_seed(0))


def to_torchscript(model: nn.Module) -> torch.jit.ScriptModule:
    """Trace and freeze (weights become constants, no Python needed to load).

    ``optimize_numerics=False`` keeps eager's arithmetic: the numerics-changing passes
    (conv-bn folding) would cost the 1e-5 parity margin, and torch.jit's
    ``optimize_for_inference`` output cannot be reloaded by ``torch.jit.load``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(model.eval(), _example())
        return torch.jit.freeze(traced, optimize_numerics=False)


def torchscript_bytes(module: torch.jit.ScriptModule, doc: dict[str, Any]) -> bytes:
    """The saved module with the metadata JSON as the extra file ``digits.json``."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated, still works
        torch.jit.save(module, buf, _extra_files={TORCHSCRIPT_EXTRA: json.dumps(doc)})
    return buf.getvalue()


def to_onnx(model: nn.Module, opset: int) -> onnx.ModelProto:
    """torch.export-based (dynamo) exporter, one self-contained file, dynamic batch.

    The dynamo path is the supported one (the TorchScript-based exporter is deprecated);
    its graph optimiser folds batch norm into the convolutions and constants into
    initializers, so the graph is Sub, Mul, 3x(Conv, Relu, MaxPool), Reshape, 2x Gemm.
    """
    batch = torch.export.Dim("batch", min=1)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        path = Path(tmp) / "model.onnx"
        try:
            program = torch.onnx.export(
                model.eval(), (_example(),), dynamo=True, opset_version=opset,
                input_names=["image"], output_names=["logits"],
                dynamic_shapes={"x": {0: batch}}, optimize=True, verbose=False,
            )
            program.save(str(path), external_data=False)
        except Exception as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise DigitsError(f"ONNX export at opset {opset} failed: {first[:200]}") from None
        proto = onnx.load(str(path))
    # The lowest IR version the opset needs: older onnxruntime releases load the file too.
    proto.ir_version = onnx.helper.find_min_ir_version_for(list(proto.opset_import))
    proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    proto.producer_name, proto.producer_version = "digits", _digits_version()
    return proto


def _digits_version() -> str:
    from digits import __version__

    return __version__


def _metadata(doc: dict[str, Any]) -> bytes:
    """A serialised ModelProto that holds only the ``digits`` metadata entry."""
    return onnx.ModelProto(metadata_props=[onnx.StringStringEntryProto(
        key=METADATA_KEY, value=json.dumps(doc))]).SerializeToString()


def with_metadata(model: bytes, doc: dict[str, Any]) -> bytes:
    """``model`` (a serialised ModelProto without metadata) with the one metadata entry,
    checked whole. Protobuf merges concatenated messages, appending repeated fields: the
    graph is not serialised again."""
    data = model + _metadata(doc)
    onnx.checker.check_model(data, full_check=True)
    return data


def onnx_artifact(proto: onnx.ModelProto, threads: int, export: dict[str, Any],
                  precision: str | None = None) -> Artifact:
    """Serialise ``proto`` once; the gates run those bytes in onnxruntime."""
    del proto.metadata_props[:]
    data = proto.SerializeToString()

    def finish(doc: dict[str, Any]) -> bytes:
        return with_metadata(data, {**doc, "precision": precision} if precision else doc)

    return Artifact(load_onnx(data, "cpu", threads), len(data) + len(_metadata({})), finish,
                    export, proto)


def build_torchscript(job: Job, built: dict[str, Artifact]) -> Artifact:
    """Traced and frozen; gated in memory, saved once with the metadata."""
    job.log("TorchScript: trace + freeze ...")
    module = to_torchscript(job.model)
    return Artifact(torch_predict(module, "cpu", job.threads), 0,
                    lambda doc: torchscript_bytes(module, doc),
                    {"torchscript": "torch.jit.trace + torch.jit.freeze(optimize_numerics=False)"})


def build_onnx(job: Job, built: dict[str, Artifact]) -> Artifact:
    job.log(f"ONNX: torch.onnx.export(dynamo=True), opset {job.opset} ...")
    proto = to_onnx(job.model, job.opset)
    return onnx_artifact(proto, job.threads, {
        "onnx_exporter": "torch.onnx.export(dynamo=True, optimize=True)",
        "ir_version": proto.ir_version})


def build_int8(job: Job, built: dict[str, Artifact]) -> Artifact:
    """Quantised from the fp32 ONNX graph built before it."""
    job.log(f"INT8: static QDQ per-channel, calibrated on {CALIBRATION_IMAGES} training "
            "images ...")
    train_x, _ = load_inputs(job.data, train=True)
    pick = np.random.default_rng(CALIBRATION_SEED).choice(len(train_x), CALIBRATION_IMAGES,
                                                          replace=False)
    fp32 = built["onnx"].proto
    assert fp32 is not None  # the table builds onnx before int8
    qproto = quantize_int8(fp32, train_x[np.sort(pick)])
    return onnx_artifact(qproto, job.threads, {"int8": {
        "method": "onnxruntime.quantization.quantize_static", "format": "QDQ",
        "per_channel": True, "weights": "int8, reduce range (7 bits)", "activations": "uint8",
        "calibration": f"{CALIBRATION_IMAGES} MNIST training images, seed {CALIBRATION_SEED}, "
                       "min-max"}}, precision="int8")


def quantize_int8(fp32: onnx.ModelProto, calibration: np.ndarray) -> onnx.ModelProto:
    """onnxruntime static quantisation: QDQ, per-channel int8 weights in the reduced range
    [-64, 64], uint8 activations, min-max calibration on the given (training) images.

    The reduced range is for x86 CPUs without VNNI (AVX2, AVX-512 before Cascade Lake):
    there onnxruntime multiplies uint8 by int8 with VPMADDUBSW, which sums two products
    into a saturating int16. Full-range weights overflow it (255 x 127 x 2 > 32767), and
    the shipped model's int8 copy agreed with fp32 on only 99.01 % of the MNIST test set
    on such a machine, against 99.97 % with VNNI; with 7-bit weights no pair can overflow
    (255 x 64 x 2 = 32640). Source: onnxruntime's quantization guide ("When to use
    reduce-range") and its x86 U8S8 precision note (onnxruntime PR 12088)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(np.array_split(calibration, max(1, len(calibration) // 256)))

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self.batches, None)
            return None if batch is None else {"image": batch}

    with tempfile.TemporaryDirectory() as tmp:
        src, pre, out = (str(Path(tmp) / n) for n in ("fp32.onnx", "pre.onnx", "int8.onnx"))
        onnx.save(fp32, src)
        quant_pre_process(src, pre)
        quantize_static(pre, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        reduce_range=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8)
        return onnx.load(out)
