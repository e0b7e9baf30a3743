"""Model -> bytes for each format. Nothing here touches the output folder: the command
writes the files only after every parity gate has passed.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from torch import nn

from digits.errors import DigitsError

# The dynamo exporter's native opset: torchlib emits 18 without the version converter,
# onnxruntime runs it since 1.14, OpenCV's DNN and onnx.reference load it.
DEFAULT_OPSET = 18
EXAMPLE_BATCH = 2  # >= 2, so the traced graph is not specialised to batch 1
METADATA_KEY = "digits"
TORCHSCRIPT_EXTRA = "digits.json"


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


def with_metadata(proto: onnx.ModelProto, doc: dict[str, Any]) -> bytes:
    """Set the one metadata entry (``digits`` -> JSON) and check the whole model."""
    proto = onnx.ModelProto.FromString(proto.SerializeToString())
    del proto.metadata_props[:]
    proto.metadata_props.add(key=METADATA_KEY, value=json.dumps(doc))
    onnx.checker.check_model(proto, full_check=True)
    return proto.SerializeToString()


def quantize_int8(fp32: onnx.ModelProto, calibration: np.ndarray) -> onnx.ModelProto:
    """onnxruntime static quantisation: QDQ, per-channel int8 weights, uint8 activations,
    min-max calibration on the given (training) images."""
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
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        return onnx.load(out)
